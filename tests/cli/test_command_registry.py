"""The CLI imports only the command it runs, and `opsdesk --help` still lists every command (issue 21)."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

HEAVY = ("sqlalchemy", "alembic", "pyqtgraph", "reportlab", "pandas", "numpy", "PySide6", "pyhanko")


def _modules_after(argv: list[str], tmp_path: Path) -> tuple[str, list[str]]:
    """Run ``opsdesk argv`` in a fresh interpreter; its stdout and the opsdesk command modules and heavy
    libraries it imported."""
    code = (f"import sys\nfrom opsdesk.cli import main\ntry:\n    code = main({argv!r})\nexcept SystemExit as e:\n"
            f"    code = e.code\nprint('MODULES', sorted(m for m in sys.modules if m.endswith('_cmds') or "
            f"m in {HEAVY!r}))\nsys.exit(code)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={"OPSDESK_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    out, _, modules = r.stdout.rpartition("MODULES ")
    return out, eval(modules)  # noqa: S307 - our own printout of a sorted list of names


def test_help_names_every_command_with_the_help_its_module_gives():
    """The registry `opsdesk --help` reads matches what each command module registers, name, order and help."""
    from opsdesk.cli import COMMAND_MODULES, COMMANDS

    registered = []
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered += [(choice.dest, module, choice.help) for choice in sub._choices_actions]
    assert registered == [(name, module, text) for name, (module, text) in COMMANDS.items()]


def test_version_and_help_import_no_command_module_and_no_heavy_library(tmp_path: Path):
    out, modules = _modules_after(["--version"], tmp_path)
    assert out.startswith("opsdesk ") and modules == []
    out, modules = _modules_after(["--help"], tmp_path)
    assert modules == []
    from opsdesk.cli import COMMANDS

    for name, (_module, text) in COMMANDS.items():
        assert f"    {name} " in out, name
        assert text.replace("%%", "%").split()[0] in out


def test_a_command_imports_its_own_module_only_and_no_migration_machinery(demo_path: Path, tmp_path: Path):
    out, modules = _modules_after(["initiatives", "list", "--workspace", str(demo_path)], tmp_path)
    assert "AI-0001" in out
    assert modules == ["opsdesk.cli.register_cmds", "sqlalchemy"]
    _out, modules = _modules_after(["initiatives", "--help"], tmp_path)
    assert modules == ["opsdesk.cli.register_cmds"]
