"""The register: initiatives, objectives, people, data assets, models and lineage (``metadata``), lessons learned,
objective alignment and metric series.

May import: the kernel (``opsdesk.store``), ``opsdesk.domain``, ``opsdesk.ingest``, ``opsdesk.analytics`` and
``opsdesk.reports``. No other service package."""
