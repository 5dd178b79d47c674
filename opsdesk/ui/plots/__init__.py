"""pyqtgraph charts of the dashboard: time charts with a shared range, the portfolio scatter, the stage funnel,
and PNG/SVG export. Curves are created once and fed new arrays with ``setData``."""
