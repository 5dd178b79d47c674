"""How long a person waits for OpsDesk to start: the first window, ``opsdesk --version`` and ``opsdesk --help``.

Whole processes, each against the bare version of the same work, run alternately in the same run (medians):

* first window: ``opsdesk --workspace DEMO`` until the main window has been painted (``OPSDESK_EXIT_AFTER_SHOW=1``
  ends the process right after its first paint) vs a bare script that shows an empty ``QMainWindow`` of the same
  size and ends after its first paint — the floor any PySide6 window stands on;
* ``opsdesk --version`` vs a bare interpreter printing a line;
* ``opsdesk --help`` vs a bare interpreter printing an argparse help of as many commands.

Each process gets a fresh settings and data folder, so the bench neither reads nor changes the user's.

    .venv/bin/python bench/startup.py [--repeat 15] [--workspace DEMO]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

try:
    from bench.common import Result, alternate, emit, median, process_seconds, python
except ImportError:  # run as a script from bench/
    from common import Result, alternate, emit, median, process_seconds, python  # type: ignore[no-redef]

BENCH = "startup"
WINDOW_SIZE = (1440, 900)

BARE_WINDOW = f"""
import os, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (sys.stdout.flush(), os._exit(0)))
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.resize(*{WINDOW_SIZE})
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

BARE_VERSION = "print('opsdesk 0.0.0')"

BARE_HELP = """
import argparse
p = argparse.ArgumentParser(prog='opsdesk', description='bare')
for flag in ('--version', '--workspace', '--database-url', '--screenshot', '--size'):
    p.add_argument(flag, help='an option of about this length, as the real ones are')
sub = p.add_subparsers(dest='command', metavar='COMMAND')
for i in range(28):
    sub.add_parser(f'command{i}', help='a one-line help of a command, about as long as the real ones are')
p.print_help()
"""


def demo_workspace(folder: Path) -> Path:
    """The demo workspace, written once into ``folder`` (a few seconds)."""
    path = folder / "demo.opsdesk"
    if not path.exists():
        from opsdesk.services import demo

        demo.build(path)
    return path


def _env(folder: Path) -> dict[str, str]:
    """A private settings and data folder: the bench leaves the user's recent workspaces and window state alone.

    Both sides may write bytecode, as an installed OpsDesk (and PySide6, compiled when pip installed it) does: a
    ``PYTHONDONTWRITEBYTECODE`` inherited from the shell would make OpsDesk compile its own modules on every run
    while the baseline's PySide6 comes from bytecode, a cost no user pays. An empty value switches it off."""
    return {"XDG_CONFIG_HOME": str(folder / "config"), "OPSDESK_DATA_DIR": str(folder / "data"),
            "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": ""}


def measure(workspace: Path, repeat: int, folder: Path) -> list[Result]:
    env = _env(folder)
    py = python()
    runs = alternate({
        "window": lambda: process_seconds([py, "-m", "opsdesk", "--workspace", str(workspace)],
                                          env={**env, "OPSDESK_EXIT_AFTER_SHOW": "1"}),
        "bare window": lambda: process_seconds([py, "-c", BARE_WINDOW], env=env),
        "version": lambda: process_seconds([py, "-m", "opsdesk", "--version"], env=env),
        "bare version": lambda: process_seconds([py, "-c", BARE_VERSION], env=env),
        "help": lambda: process_seconds([py, "-m", "opsdesk", "--help"], env=env),
        "bare help": lambda: process_seconds([py, "-c", BARE_HELP], env=env),
    }, repeat=repeat)
    m = {name: median(times) for name, times in runs.items()}
    note = f"whole process, median of {repeat}"
    return [
        Result(BENCH, "process start → main window shown (`opsdesk --workspace DEMO`)", m["window"],
               m["bare window"], target_ratio=1.5, target_abs=0.6, baseline_label="empty PySide6 window",
               note=note),
        Result(BENCH, "`opsdesk --version`", m["version"], m["bare version"], target_abs=0.3,
               baseline_label="bare interpreter printing a line", note=note),
        Result(BENCH, "`opsdesk --help`", m["help"], m["bare help"], target_abs=0.3,
               baseline_label="bare argparse help of 28 commands", note=note),
    ]


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="opsdesk-bench-startup-") as tmp:
        folder = Path(tmp)
        return measure(demo_workspace(folder), 5 if quick else 15, folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each process (default 15)")
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    parser.add_argument("--workspace", type=Path, help="an existing workspace instead of a fresh demo")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="opsdesk-bench-startup-") as tmp:
        folder = Path(tmp)
        workspace = args.workspace or demo_workspace(folder)
        results = measure(workspace, 5 if args.quick else args.repeat, folder)
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
