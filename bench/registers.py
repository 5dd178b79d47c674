"""Large registers stay fast: 5,000 initiatives, 20,000 data assets and 20,000 models.

Creates the workspace in bulk, then opens the window offscreen and measures, for each register page, the time
from asking for the page's data to the page painted, against a baseline measured in the same run: the service
call that fetches the same data without any Qt. Text filtering is measured the same way against a plain Python
scan of the same rows. Prints both figures and the ratio.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/registers.py [--initiatives 5000 --assets 20000 --models 20000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def seed(path: Path, n_init: int, n_assets: int, n_models: int) -> Any:
    """Write the big registers in three bulk inserts, recorded by one audit event."""
    import datetime as dt

    from sqlalchemy import insert

    from opsdesk.domain.enums import RiskTier, Stage
    from opsdesk.services.registry import objectives
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store.models import DataAsset, Initiative, InitiativeObjective, Model

    ws = lifecycle.create(path, organisation="Bench", actor="bench")
    for i in range(1, 9):
        objectives.create(ws, {"code": f"OBJ-{i:02d}", "title": f"Objective {i}"})
    stages, risks = list(Stage), list(RiskTier)
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    with ws.write() as tx:
        tx.session.execute(insert(Initiative), [{
            "code": f"AI-{i:04d}", "name": f"Initiative {i} {('triage', 'forecast', 'chatbot', 'detection')[i % 4]}",
            "owner": f"Owner {i % 97}", "stage": stages[i % 5], "risk_tier": risks[i % 4],
            "classification": ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET")[i % 3], "budget": Decimal(1000 * (i % 500)),
            "currency": "USD", "disciplines": ["data", "ml"] if i % 2 else ["finance"], "tags": [], "created_at": now,
        } for i in range(1, n_init + 1)])
        tx.session.execute(insert(InitiativeObjective), [
            {"initiative_id": i, "objective_id": 1 + i % 8, "weight": Decimal("1")} for i in range(1, n_init + 1, 2)])
        tx.session.execute(insert(DataAsset), [{
            "name": f"warehouse.schema_{i // 100}.table_{i:05d}", "owner": f"Steward {i % 53}",
            "source_system": f"System {i % 31}", "format_standard": "Parquet", "classification": "OFFICIAL",
            "contains_pii": i % 7 == 0} for i in range(n_assets)])
        tx.session.execute(insert(Model), [{
            "name": f"model-{i:05d}", "version_label": str(1 + i % 3), "framework": ("sklearn", "xgboost", "torch")[i % 3],
            "owner": f"Engineer {i % 41}", "registry_source": f"mlflow:models:/model-{i:05d}/1",
            "classification": "OFFICIAL"} for i in range(n_models)])
        tx.audit("bench_seed", "workspace", "workspace", None,
                 {"initiatives": n_init, "data_assets": n_assets, "models": n_models})
    return ws


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    results, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        results.append(time.perf_counter() - t0)
    return statistics.median(results), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Large registers stay fast.")
    parser.add_argument("--initiatives", type=int, default=5000)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() (to see the stall it avoids)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from opsdesk.services.registry import alignment, people
    from opsdesk.ui import errors
    from opsdesk.ui.app import freeze_startup_objects, make_app
    from opsdesk.ui.main_window import MainWindow
    from opsdesk.ui.pages.data_models import load_registry
    from opsdesk.ui.pages.initiatives import load_register

    with tempfile.TemporaryDirectory(prefix="opsdesk-bench-") as tmp:
        t0 = time.perf_counter()
        ws = seed(Path(tmp) / "big.opsdesk", args.initiatives, args.assets, args.models)
        print(f"seeded {args.initiatives:,} initiatives, {args.assets:,} data assets, {args.models:,} models "
              f"in {time.perf_counter() - t0:.2f} s (bulk inserts, one transaction)")
        app = make_app()
        errors.dialogs_enabled = False
        t0 = time.perf_counter()
        window = MainWindow(ws, persist=False)
        window.show()
        window.settle(300)
        print(f"first window with every page loaded: {time.perf_counter() - t0:.2f} s\n")
        if not args.no_freeze:
            freeze_startup_objects()  # what run_gui does before the event loop starts

        print(f"{'page':<14}{'open (UI)':>12}{'baseline':>12}{'ratio':>8}{'longest stall':>15}   "
              "baseline = the page's data load alone, no Qt")
        baselines: dict[str, Callable[[], Any]] = {
            "initiatives": lambda: load_register(ws),
            "objectives": lambda: alignment.alignment(ws),
            "data_models": lambda: load_registry(ws),
            "people": lambda: people.list_all(ws, include_inactive=True),
        }
        for key, fetch in baselines.items():
            base, _ = timed(fetch)

            def open_page(key: str = key) -> float:
                ticks: list[float] = []
                timer = QTimer()
                timer.setInterval(2)
                timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
                timer.start()
                page = window.go_to(key)
                page.refresh()  # type: ignore[attr-defined]
                window.settle(300)
                timer.stop()
                window.grab()  # the first paint, outside the stall measurement
                return max((b - a for a, b in zip(ticks, ticks[1:], strict=False)), default=0.0)

            ui, stall = timed(open_page)
            print(f"{key:<14}{ui * 1000:>10.0f}ms{base * 1000:>10.0f}ms{ui / base:>8.2f}{stall * 1000:>13.0f}ms")

        dm = window.pages["data_models"]
        data = load_registry(ws)
        busy, _ = timed(lambda: dm.assets.set_rows(data.assets))  # type: ignore[attr-defined]
        print(f"\nGUI thread busy putting {len(data.assets):,} data assets into the table: {busy * 1000:.1f} ms "
              f"(the fetch itself runs on the worker; the table builds {dm.assets.model.rowCount()} rows, "  # type: ignore[attr-defined]
              "the rest on scroll)")

        print(f"\n{'search':<34}{'keystroke':>11}{'filter':>10}{'baseline':>10}{'ratio':>8}{'matches':>9}")
        searches = (("initiatives", window.pages["initiatives"].register, "forecast"),  # type: ignore[attr-defined]
                    ("data assets", dm.assets, "table_0199"), ("models", dm.models, "model-1999"))  # type: ignore[attr-defined]
        for label, view, needle in searches:
            rows = view.model.all_rows()
            cols = [c for c in view.model.columns if c.searchable]
            t0 = time.perf_counter()
            hay = ["\x1f".join(c.text(r) for c in cols).casefold() for r in rows]
            index_s = time.perf_counter() - t0  # the page builds the same index on the worker when it loads
            base, found = timed(lambda rows=rows, hay=hay, needle=needle: [r for r, h in zip(rows, hay, strict=True)
                                                                            if needle in h])

            def keystrokes(view: Any = view, needle: str = needle) -> None:
                for i in range(1, len(needle) + 1):
                    view.search.setText(needle[:i])
                QApplication.processEvents()

            def apply(view: Any = view, needle: str = needle) -> int:
                view.search.setText(needle)
                view.search.flush()
                QApplication.processEvents()
                n = view.model.matching
                view.search.setText("")
                view.search.flush()
                return n

            typing, _ = timed(keystrokes)
            view.search.setText("")
            view.search.flush()
            filt, n = timed(apply)
            assert n == len(found), (n, len(found))
            per_key = typing / len(needle)
            print(f"{label + ' ' + repr(needle):<34}{per_key * 1000:>9.2f}ms{filt * 1000:>8.0f}ms"
                  f"{base * 1000:>8.1f}ms{filt / base:>8.1f}{n:>9,}")
            print(f"{'':<34}(text index of {len(rows):,} rows, built on the worker at load: {index_s * 1000:.0f} ms)")
        window.close()
        ws.close()
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
