"""``opsdesk --self-test``: prove that this installation (or frozen bundle) works, offscreen."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def run_self_test() -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.app import make_app
    from opsdesk.ui.main_window import MainWindow

    app = make_app()
    steps: list[str] = []
    with tempfile.TemporaryDirectory(prefix="opsdesk-selftest-") as tmp:
        ws = lifecycle.create(Path(tmp) / "self-test.opsdesk", organisation="Self-test")
        initiatives.create(ws, {"code": "AI-0001", "name": "Self-test initiative", "budget": "1000"})
        steps.append("workspace written")
        window = MainWindow(ws)
        window.resize(1024, 700)
        window.show()
        window.settle()
        image = window.grab()
        if image.isNull() or image.width() < 100:
            print("self-test: the window did not render", file=sys.stderr)
            return 1
        steps.append(f"window rendered {image.width()}x{image.height()}")
        steps.append(_chart(Path(tmp)))
        pdf = _pdf(Path(tmp))
        if pdf:
            steps.append(pdf)
        steps.append(_signature(Path(tmp)))
        window.close()
        ws.close()
    app.processEvents()
    print("self-test ok: " + "; ".join(steps))
    return 0


def _chart(folder: Path) -> str:
    import numpy as np
    import pyqtgraph as pg

    plot = pg.PlotWidget()
    plot.resize(400, 300)
    plot.plot(np.arange(100, dtype=float), np.sin(np.arange(100) / 10.0))
    image = plot.grab()
    path = folder / "chart.png"
    image.save(str(path))
    plot.close()
    return f"chart drawn ({path.stat().st_size} bytes)"


def _pdf(folder: Path) -> str:
    from opsdesk.reports import fonts

    path = folder / "self-test.pdf"
    fonts.one_page_pdf(path, "OpsDesk self-test", "Bundled fonts are embedded in this page.")
    data = path.read_bytes()
    if b"FontFile2" not in data:
        raise RuntimeError("the self-test PDF has no embedded TrueType font")
    return f"PDF written with embedded fonts ({len(data)} bytes)"


def _signature(folder: Path) -> str:
    """pyHanko, its validator and the PKCS#11 binding are in this installation: sign and check a page."""
    from opsdesk.services.signing import selfcheck

    return selfcheck.sign_and_validate(folder)
