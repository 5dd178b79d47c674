"""Large registers open fast: 5,000 initiatives, 20,000 data assets, 20,000 models and 20,000 people.

Creates the workspace in bulk (people with skill levels, training records and initiative teams too), opens the
window offscreen, then measures, for each register page, the time from asking for the page to the page loaded
— against a baseline run alternately in the same run: the bare data load of the same page without any Qt. People & Skills loads each of its
tabs when it is shown: the page opened on its register, then its skills matrix (with the cross-training report)
and its training records each shown for the first time after the register, each against the bare load of that tab
(taking the register's people, as the page hands them on); all three in turn are reported too, without a target. While a page opens, a 2 ms timer on the GUI thread measures the longest stall.
Text filtering is measured the same way against a plain Python scan of the same rows.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/registers.py [--quick] [--repeat 5]
        [--initiatives 5000 --assets 20000 --models 20000 --people 20000] [--keep DIR]

``--keep DIR`` (or ``$OPSDESK_BENCH_KEEP``) seeds the workspace in DIR (with its own user data folder) and reuses it
on the next run of the same sizes, so the registers are written once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

try:
    from bench.common import Result, alternate, emit, median
except ImportError:  # run as a script from bench/
    from common import Result, alternate, emit, median  # type: ignore[no-redef]

BENCH = "registers"
FULL = {"initiatives": 5000, "assets": 20_000, "models": 20_000, "people": 20_000}
QUICK = {"initiatives": 1000, "assets": 4000, "models": 4000, "people": 4000}
OPEN_TARGET = 0.3  # s, page open (issue 21)
STALL_TARGET = 0.1  # s, longest GUI-thread stall while a page opens


def seed(path: Path, n_init: int, n_assets: int, n_models: int, n_people: int) -> Any:
    """Write the big registers in bulk inserts, recorded by one audit event."""
    import datetime as dt

    from sqlalchemy import insert, select

    from opsdesk.domain.enums import Discipline, RiskTier, Stage, TeamRole
    from opsdesk.services.registry import objectives
    from opsdesk.services.standards import skills
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store.models import (
        DataAsset,
        Initiative,
        InitiativeObjective,
        Model,
        Person,
        PersonSkill,
        Skill,
        TeamMember,
        TrainingRecord,
    )

    ws = lifecycle.create(path, organisation="Bench", actor="bench")
    for i in range(1, 9):
        objectives.create(ws, {"code": f"OBJ-{i:02d}", "title": f"Objective {i}"})
    skills.adopt_starter_skills(ws)
    stages, risks, disciplines = list(Stage), list(RiskTier), list(Discipline)
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    with ws.write() as tx:
        s = tx.session
        s.execute(insert(Initiative), [{
            "code": f"AI-{i:04d}", "name": f"Initiative {i} {('triage', 'forecast', 'chatbot', 'detection')[i % 4]}",
            "owner": f"Owner {i % 97}", "stage": stages[i % 5], "risk_tier": risks[i % 4],
            "classification": ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET")[i % 3], "budget": Decimal(1000 * (i % 500)),
            "currency": "USD", "disciplines": ["data", "ml"] if i % 2 else ["finance"], "tags": [], "created_at": now,
        } for i in range(1, n_init + 1)])
        s.execute(insert(InitiativeObjective), [
            {"initiative_id": i, "objective_id": 1 + i % 8, "weight": Decimal("1")} for i in range(1, n_init + 1, 2)])
        s.execute(insert(DataAsset), [{
            "name": f"warehouse.schema_{i // 100}.table_{i:05d}", "owner": f"Steward {i % 53}",
            "source_system": f"System {i % 31}", "format_standard": "Parquet", "classification": "OFFICIAL",
            "contains_pii": i % 7 == 0} for i in range(n_assets)])
        s.execute(insert(Model), [{
            "name": f"model-{i:05d}", "version_label": str(1 + i % 3), "framework": ("sklearn", "xgboost", "torch")[i % 3],
            "owner": f"Engineer {i % 41}", "registry_source": f"mlflow:models:/model-{i:05d}/1",
            "classification": "OFFICIAL"} for i in range(n_models)])
        s.execute(insert(Person), [{
            "name": f"Person {i:05d}", "email": f"person{i}@example.gov", "unit": f"Unit {i % 40}",
            "discipline": disciplines[i % 4], "active": i % 50 != 0} for i in range(1, n_people + 1)])
        skill_ids = list(s.scalars(select(Skill.id)))
        s.execute(insert(PersonSkill), [{
            "person_id": p, "skill_id": skill_ids[(p + k * 7) % len(skill_ids)], "level": 1 + (p + k) % 4}
            for p in range(1, n_people + 1) for k in range(3)])
        s.execute(insert(TrainingRecord), [{
            "person_id": p, "course": f"Course {p % 60}", "provider": "Academy", "hours": Decimal(4 + p % 12),
            "completed_on": dt.date(2025, 1 + p % 12, 1 + p % 28), "discipline": disciplines[p % 4],
            "expires_on": dt.date(2027, 1 + p % 12, 1) if p % 3 == 0 else None} for p in range(1, n_people + 1)])
        s.execute(insert(TeamMember), [{
            "initiative_id": i, "person_id": 1 + (i * 3 + k) % n_people, "role": (TeamRole.LEAD, TeamRole.MEMBER)[k]}
            for i in range(1, n_init + 1) for k in range(2)])
        tx.audit("bench_seed", "workspace", "workspace", None,
                 {"initiatives": n_init, "data_assets": n_assets, "models": n_models, "people": n_people})
    return ws


class StallWatch:
    """The longest gap between ticks of a 2 ms timer on the GUI thread while ``run`` works."""

    def __init__(self) -> None:
        self.stalls: list[float] = []

    def __call__(self, run: Callable[[], None]) -> None:
        from PySide6.QtCore import QTimer

        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(2)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        ticks.append(time.perf_counter())
        run()
        timer.stop()
        ticks.append(time.perf_counter())
        self.stalls.append(max((b - a for a, b in zip(ticks, ticks[1:], strict=False)), default=0.0))


class Opener(NamedTuple):
    """What a person does and waits for (``run``, timed) after getting there (``prepare``, not timed)."""

    run: Callable[[], None]
    prepare: Callable[[], None] = lambda: None


def page_openers(window: Any) -> dict[str, Opener]:
    """What a person does to see each page: go to it, (re)load it and wait until it has loaded and painted. People
    & Skills loads each tab when it is shown: its register (the page opened), then each other tab shown for the
    first time after the register — and, for the record, all three in turn."""

    def open_page(key: str, tabs: tuple[int, ...] = ()) -> Callable[[], None]:
        def run() -> None:
            page = window.go_to(key)
            page.refresh()
            window.settle(300)
            for index in tabs:
                page.tabs.setCurrentIndex(index)
                window.settle(300)
            page.repaint()
            if tabs:
                page.tabs.setCurrentIndex(0)
        return run

    def on_register() -> None:  # the page opened on its register, the other tabs not yet shown since
        page = window.go_to("people")
        page.tabs.setCurrentIndex(0)
        page.refresh()
        window.settle(300)

    def show_tab(index: int) -> Callable[[], None]:
        def run() -> None:
            page = window.pages["people"]
            page.tabs.setCurrentIndex(index)
            window.settle(300)
            page.repaint()
        return run

    return {"initiatives": Opener(open_page("initiatives")), "data_models": Opener(open_page("data_models")),
            "people": Opener(open_page("people"), lambda: window.go_to("people").tabs.setCurrentIndex(0)),
            "people_matrix": Opener(show_tab(1), on_register), "people_training": Opener(show_tab(2), on_register),
            "people_all": Opener(open_page("people", (1, 2)),
                                 lambda: window.go_to("people").tabs.setCurrentIndex(0))}


def baselines(ws: Any, window: Any) -> dict[str, Callable[[], object]]:
    """The bare data load of each page or tab, no Qt: what it shows, read and computed as its worker task does
    (a People & Skills tab shown after the register takes the register's people, as the page hands them on)."""
    from opsdesk.services.registry import people
    from opsdesk.ui.pages.data_models import load_registry
    from opsdesk.ui.pages.initiatives import load_register
    from opsdesk.ui.pages.people import load_people
    from opsdesk.ui.pages.skills import Shared, load_matrix, load_training

    page = window.pages["people"]
    everyone = Shared(people.list_all(ws, include_inactive=True))
    matrix, training = page.skills.model.sort_state, page.training.model.sort_state

    def all_three() -> None:
        read = load_matrix(ws, matrix, Shared(load_people(ws).people)).read
        load_training(ws, training, read)

    return {"initiatives": lambda: load_register(ws), "data_models": lambda: load_registry(ws),
            "people": lambda: load_people(ws),
            "people_matrix": lambda: load_matrix(ws, matrix, everyone),
            "people_training": lambda: load_training(ws, training, everyone),
            "people_all": all_three}


LABELS = {"initiatives": "Initiatives", "data_models": "Data & Models", "people": "People & Skills (its register)",
          "people_matrix": "People & Skills' skills matrix tab", "people_training": "People & Skills' training tab",
          "people_all": "People & Skills, all three tabs in turn"}
WHAT = {"people_matrix": "show {label}, first time after the register",
        "people_training": "show {label}, first time after the register", "people_all": "open {label}"}
NO_TARGET = {"people_all"}  # the sum of three waits, reported for the record: each wait has the target


def _page(key: str) -> str:
    """The page a measured wait is on (People & Skills has one per tab)."""
    return "people" if key.startswith("people") else key


def alternate_prepared(ui: Callable[[], object], prepare: Callable[[], object], bare: Callable[[], object],
                       repeat: int) -> dict[str, list[float]]:
    """As ``common.alternate`` (one warm-up round, then ui, bare, ui, bare…), each ui run after an untimed
    ``prepare``."""
    prepare()
    ui()
    bare()
    times: dict[str, list[float]] = {"ui": [], "bare": []}
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        ui()
        times["ui"].append(time.perf_counter() - start)
        start = time.perf_counter()
        bare()
        times["bare"].append(time.perf_counter() - start)
    return times


def workspace(where: Path, sizes: dict[str, int], keep: bool) -> Any:
    """The seeded workspace in ``where``: reused when ``keep`` and a complete one of these sizes is there."""
    from opsdesk.services.workspace import lifecycle

    os.environ["OPSDESK_DATA_DIR"] = str(where / "userdata")  # its own keys and anchors
    name = "big-{initiatives}-{assets}-{models}-{people}".format(**sizes)
    path, done = where / f"{name}.opsdesk", where / f"{name}.seeded"
    if keep and path.exists() and done.exists():
        return lifecycle.open_workspace(path, actor="bench")
    done.unlink(missing_ok=True)
    for old in where.glob(f"{name}.opsdesk*"):
        old.unlink()
    ws = seed(path, sizes["initiatives"], sizes["assets"], sizes["models"], sizes["people"])
    done.touch()
    return ws


def measure(sizes: dict[str, int], repeat: int, freeze: bool = True, pages: tuple[str, ...] = (),
            keep: str | None = None) -> list[Result]:
    from opsdesk.ui import errors
    from opsdesk.ui.app import freeze_startup_objects, make_app
    from opsdesk.ui.main_window import MainWindow

    keep = keep or os.environ.get("OPSDESK_BENCH_KEEP") or None
    results: list[Result] = []
    old_data_dir = os.environ.get("OPSDESK_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="opsdesk-bench-") as tmp:
        where = Path(keep) if keep else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        ws = workspace(where, sizes, bool(keep))
        app = make_app()
        errors.dialogs_enabled = False
        window = MainWindow(ws, persist=False)
        window.show()
        window.settle(300)
        if freeze:
            freeze_startup_objects()  # what run_gui does once the window is up
        rows = {"initiatives": sizes["initiatives"], "data_models": sizes["assets"] + sizes["models"],
                "people": sizes["people"]}
        window.go_to("people")  # built, so its tabs' sort state is there for the baselines
        openers, bare = page_openers(window), baselines(ws, window)
        for key, opener in openers.items():
            if pages and _page(key) not in pages:
                continue
            watch = StallWatch()
            times = alternate_prepared(lambda opener=opener, watch=watch: watch(opener.run), opener.prepare,
                                       bare[key], repeat)
            note = f"{rows[_page(key)]:,} rows, median of {repeat}"
            what = WHAT.get(key, "open {label}").format(label=LABELS[key])
            target = None if key in NO_TARGET else OPEN_TARGET
            results.append(Result(BENCH, what, median(times["ui"]), median(times["bare"]), target_abs=target,
                                  baseline_label="its data load alone, no Qt", note=note))
            results.append(Result(BENCH, f"longest GUI-thread stall: {what}", median(watch.stalls), None,
                                  target_abs=None if key in NO_TARGET else STALL_TARGET,
                                  note=f"{note}; worst {max(watch.stalls):.3f} s"))
        if not pages:
            results += search_results(window, repeat)
        window.close()
        ws.close()
        app.processEvents()
    if old_data_dir is None:
        os.environ.pop("OPSDESK_DATA_DIR", None)
    else:
        os.environ["OPSDESK_DATA_DIR"] = old_data_dir
    return results


def search_results(window: Any, repeat: int) -> list[Result]:
    """Filtering a register as a person types vs a plain Python scan of the same rows for the same text."""
    from PySide6.QtWidgets import QApplication

    dm = window.go_to("data_models")
    window.settle(300)
    searches = (("initiatives", window.go_to("initiatives").register, "forecast"),
                ("data assets", dm.assets, "table_0199"), ("models", dm.models, "model-1999"))
    window.settle(300)
    out = []
    for label, view, needle in searches:
        rows = view.model.all_rows()
        cols = [c for c in view.model.columns if c.searchable]
        hay = ["\x1f".join(c.text(r) for c in cols).casefold() for r in rows]  # the page builds it on the worker

        def scan(rows: list[Any] = rows, hay: list[str] = hay, needle: str = needle) -> int:
            return len([r for r, h in zip(rows, hay, strict=True) if needle in h])

        def apply(view: Any = view, needle: str = needle) -> int:
            view.search.setText(needle)
            view.search.flush()
            QApplication.processEvents()
            n = view.model.matching
            view.search.setText("")
            view.search.flush()
            return n

        assert apply() == scan(), label
        times = alternate({"ui": apply, "bare": scan}, repeat=repeat)
        out.append(Result(BENCH, f"filter {label} for {needle!r} (set, apply, clear)", median(times["ui"]),
                          median(times["bare"]), baseline_label="plain Python scan of the same rows",
                          note=f"{len(rows):,} rows, median of {repeat}"))
    return out


def run(quick: bool) -> list[Result]:
    return measure(QUICK if quick else FULL, 3 if quick else 5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small registers, 3 runs")
    parser.add_argument("--repeat", type=int, default=5)
    for name, default in FULL.items():
        parser.add_argument(f"--{name}", type=int, default=None, help=f"rows (default {default:,})")
    parser.add_argument("--pages", nargs="+", choices=("initiatives", "data_models", "people"), default=(),
                        help="measure only these pages (and no filtering)")
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() (to see the stall it avoids)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--keep", metavar="DIR", default=None, help="seed the workspace in DIR and reuse it")
    args = parser.parse_args(argv)
    sizes = {name: getattr(args, name) or (QUICK if args.quick else FULL)[name] for name in FULL}
    results = measure(sizes, 3 if args.quick else args.repeat, freeze=not args.no_freeze, pages=tuple(args.pages),
                      keep=args.keep)
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
