"""A realistic OpsDesk session under a Python audit hook that refuses any network access, with the Qt modules
the frozen build excludes made unimportable (as they are in the bundle).

Run by test_no_network.py in its own interpreter, so the hook and the import blocker cannot leak into other
tests. Usage: python no_network_flow.py DEMO_WORKSPACE WORK_DIR BUILD_SPEC
Prints "no-network flow ok" and exits 0, or names the first violation and exits 1.
"""

from __future__ import annotations

import ast
import importlib.abc
import os
import sys
from pathlib import Path

NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
                  "socket.gethostbyaddr", "socket.sendto", "urllib.Request", "http.client.connect",
                  "ftplib.connect", "smtplib.connect", "webbrowser.open"}
violations: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event in NETWORK_EVENTS:
        violations.append(f"{event} {args!r}"[:300])
        raise PermissionError(f"network access refused by the test: {event}")


class _Excluded(importlib.abc.MetaPathFinder):
    """Makes the modules build.spec leaves out of the bundle unimportable, as they are in the bundle: a None in
    sys.modules makes ``import`` fail and ``importlib.util.find_spec`` answer None. Records who asked."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.asked: set[str] = set()
        import importlib.util

        for name in names:  # only what is installed here: a placeholder for an absent package would look loaded
            try:
                present = importlib.util.find_spec(name) is not None
            except (ImportError, ValueError):
                present = False
            if present and name not in sys.modules:
                sys.modules[name] = None  # type: ignore[assignment]

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            self.asked.add(fullname)
        return None


def spec_excludes(spec: Path) -> list[str]:
    tree = ast.parse(spec.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "EXCLUDES" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise SystemExit("build.spec has no EXCLUDES list")


def cli_flow(demo: Path, work: Path) -> None:
    from opsdesk.cli import main

    def run(*args: str) -> None:
        code = main(list(args))
        if code != 0:
            raise SystemExit(f"opsdesk {' '.join(args)} exited {code}")

    other = work / "region.opsdesk"
    run("verify", "--workspace", str(demo))
    run("initiatives", "list", "--json", "--workspace", str(demo))
    run("backup", str(work / "backup.opsdesk"), "--workspace", str(demo))
    run("keys", "export-public", "--out", str(work / "hq.pub"), "--workspace", str(demo))
    run("keys", "list", "--workspace", str(demo))
    run("export-bundle", "--initiative", "AI-0001", "AI-0004", "--from", "2026-01-01", "--to", "2026-06-30",
        "--out", str(work / "cli.opsbundle"), "--workspace", str(demo))
    run("init", "--workspace", str(other), "--name", "Regional office")
    run("keys", "trust", str(work / "hq.pub"), "--name", "Head office", "--workspace", str(other))
    run("import-bundle", str(work / "cli.opsbundle"), "--dry-run", "--workspace", str(other))
    run("import-bundle", str(work / "cli.opsbundle"), "--workspace", str(other))
    run("restore", str(work / "backup.opsdesk"), "--workspace", str(work / "restored.opsdesk"))
    run("verify", "--workspace", str(work / "restored.opsdesk"))


def gui_flow(demo: Path, work: Path) -> None:
    from PySide6.QtCore import Qt

    from opsdesk.services.workspace import backups, lifecycle
    from opsdesk.ui import errors
    from opsdesk.ui.app import make_app
    from opsdesk.ui.dialogs.exchange import ExchangeDialog
    from opsdesk.ui.main_window import MainWindow
    from opsdesk.ui.pages import PAGES

    make_app()
    errors.dialogs_enabled = False
    ws = lifecycle.open_workspace(demo, exclusive=True)
    backups.auto_backup(ws, keep=3)
    window = MainWindow(ws)
    window.resize(1280, 800)
    window.show()
    window.settle()
    for spec in PAGES:  # visit every page
        window.go_to(spec.key)
        window.settle()
    window.save_screenshots(work / "shots")
    # export a bundle and preview it through File ▸ Exchange…
    dialog = ExchangeDialog(window.ctx, window)
    dialog.show()
    window.settle()
    for i in range(min(3, dialog.initiative_list.count())):
        dialog.initiative_list.item(i).setCheckState(Qt.CheckState.Checked)
    dialog.export_path.setText(str(work / "gui.opsbundle"))
    dialog.start_export()
    window.settle()
    if not (work / "gui.opsbundle").exists():
        raise SystemExit(f"the GUI export wrote nothing: {dialog.export_result.text()}")
    dialog.import_path.setText(str(work / "gui.opsbundle"))
    dialog.start_preview()
    window.settle()
    if dialog.preview is None:
        raise SystemExit(f"the GUI preview failed: {dialog.summary.text()}")
    dialog.close()
    window.restore_from(str(work / "backup.opsdesk"))
    window.settle()
    window.close()
    ws.close()


def main() -> int:
    demo, work, spec = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    blocker = _Excluded(spec_excludes(spec))
    sys.meta_path.insert(0, blocker)
    sys.addaudithook(_audit)
    try:
        cli_flow(demo, work)
        gui_flow(demo, work)
        from opsdesk.cli import main as opsdesk_main

        if opsdesk_main(["--self-test"]) != 0:
            raise SystemExit("the self-test failed")
    except PermissionError as exc:
        print(f"network access: {exc}", file=sys.stderr)
    if violations:
        print("network access attempted:\n  " + "\n  ".join(violations), file=sys.stderr)
        return 1
    loaded = sorted(m for m, mod in sys.modules.items() if mod is not None
                    and (m.startswith("PySide6.QtNetwork") or m.startswith("PySide6.QtWeb")))
    if loaded:
        print(f"network modules were imported: {loaded}", file=sys.stderr)
        return 1
    print(f"no-network flow ok; excluded modules asked for (and refused): {sorted(blocker.asked)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
