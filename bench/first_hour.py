"""The first hour, counted: how many user actions (clicks and keystrokes) it takes a newcomer to get from an empty
workspace to an exported meeting pack through the window alone (issue 20, point 7). Fewer is better.

The path is the one ``tests/ui/test_first_hour.py`` drives (``tests/ui/first_hour_path.py``): create the
workspace, the Getting started checklist (organisation, markings, a committee of four), the first initiative,
the four files of the USB stick (three dropped on the window, the skills CSV on its page), the allocation rule
the checklist offers, the models linked, a meeting planned, its agenda from "Needs the committee", a decision,
the pack. A click is 1, typed text its keystrokes, a drop-down choice 2, a file named in a dialog its typed name
and Enter (1 for the suggested name), a drop of files 1. There is no baseline: the count is the figure.

    python bench/first_hour.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, emit  # noqa: E402


def count(folder: Path) -> dict[str, int]:
    """Drive the first hour once in ``folder``; the actions it took, by step."""
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from opsdesk.ui import errors, gc_guard
    from tests.ui.first_hour_path import first_hour, open_empty

    app = QApplication.instance() or QApplication([])
    gc_guard.install(app)
    QCoreApplication.setOrganizationName("OpsDeskBench")
    QCoreApplication.setApplicationName("OpsDeskBench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    errors.dialogs_enabled = False
    outcome = first_hour(open_empty, folder / "stick")
    outcome.window.close()
    return dict(outcome.user.steps)


def run(quick: bool = True) -> list[Result]:
    """One run whatever ``quick`` says: the count does not vary between runs."""
    with tempfile.TemporaryDirectory(prefix="opsdesk-first-hour-") as tmp:
        steps = count(Path(tmp))
    total = sum(steps.values())
    note = "; ".join(f"{k}: {v}" for k, v in steps.items())
    return [Result("first_hour", "user actions from an empty workspace to a meeting pack", float(total), None,
                   unit="actions", note=note)]


def main() -> None:
    results = run(quick=False)
    print("Actions by step (click 1, keystroke 1, drop-down choice 2, file named in a dialog: name + Enter):")
    for part in results[0].note.split("; "):
        step, n = part.rsplit(": ", 1)
        print(f"  {step:<40} {int(n):>4}")
    print(f"  {'total':<40} {int(results[0].opsdesk):>4}")
    emit(results, sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None)


if __name__ == "__main__":
    main()
