"""The command line, run as a user would: a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def opsdesk(*args: str, env: dict[str, str] | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    full_env = os.environ | {"QT_QPA_PLATFORM": "offscreen"} | (env or {})
    result = subprocess.run([sys.executable, "-m", "opsdesk", *args], capture_output=True, text=True,
                            env=full_env, timeout=180)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_version():
    from opsdesk import __version__

    r = opsdesk("--version", check=True)
    assert r.stdout.strip() == f"opsdesk {__version__}"


def test_init_list_and_verify(tmp_path: Path):
    ws = tmp_path / "new.opsdesk"
    r = opsdesk("init", "--workspace", str(ws), "--name", "Ministry of Tests", check=True)
    assert "created" in r.stdout and ws.exists()
    r = opsdesk("initiatives", "list", "--json", "--workspace", str(ws), check=True)
    assert json.loads(r.stdout) == []
    assert opsdesk("verify", "--workspace", str(ws)).returncode == 0
    again = opsdesk("init", "--workspace", str(ws))
    assert again.returncode != 0 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_demo_list_json_and_workspace_from_environment(demo_path: Path):
    r = opsdesk("initiatives", "list", "--json", env={"OPSDESK_WORKSPACE": str(demo_path)}, check=True)
    items = json.loads(r.stdout)
    assert len(items) >= 12
    assert {"code", "name", "stage", "risk_tier", "owner"} <= set(items[0])
    assert items[0]["code"] == "AI-0001"


def test_demo_refuses_to_overwrite(demo_path: Path):
    r = opsdesk("demo", "--workspace", str(demo_path))
    assert r.returncode != 0 and "--force" in r.stderr and "Traceback" not in r.stderr


def test_verify_names_the_tampered_event(demo_path: Path):
    assert opsdesk("verify", "--workspace", str(demo_path)).returncode == 0
    with sqlite3.connect(demo_path) as conn:
        conn.execute("UPDATE audit_event SET note = 'edited' WHERE seq = 42")
    conn.close()
    r = opsdesk("verify", "--workspace", str(demo_path))
    assert r.returncode != 0
    assert "event 42" in r.stderr


def test_backup(demo_path: Path, tmp_path: Path):
    dest = tmp_path / "backup.opsdesk"
    opsdesk("backup", str(dest), "--workspace", str(demo_path), check=True)
    r = opsdesk("initiatives", "list", "--json", "--workspace", str(dest), check=True)
    assert len(json.loads(r.stdout)) >= 12


def test_missing_workspace_is_one_clear_line(tmp_path: Path):
    r = opsdesk("initiatives", "list", "--workspace", str(tmp_path / "nope.opsdesk"))
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1 and "does not exist" in r.stderr


def test_gui_without_display_says_so_and_exits_non_zero(demo_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "opsdesk", "--workspace", str(demo_path)], capture_output=True,
                       text=True, env=env, timeout=60)
    if sys.platform.startswith("linux"):
        assert r.returncode != 0
        assert "no display" in r.stderr and r.stderr.count("\n") == 1


def test_self_test():
    r = opsdesk("--self-test", check=True)
    assert "self-test ok" in r.stdout
    assert "PDF signed (PAdES B-B) and validated offline" in r.stdout


def test_screenshots_of_every_page(demo_path: Path, tmp_path: Path):
    from opsdesk.ui.pages import PAGES

    shots = tmp_path / "shots"
    opsdesk("--workspace", str(demo_path), "--screenshot", str(shots), check=True)
    names = {p.name for p in shots.glob("*.png")}
    assert {f"{spec.key}.png" for spec in PAGES} <= names
    assert {"initiative_detail.png", "initiative_history.png"} <= names
    header = (shots / "initiative_detail.png").read_bytes()[16:24]
    assert (int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")) == (1440, 900)
    by_content: dict[bytes, list[str]] = {}
    for png in shots.glob("*.png"):
        by_content.setdefault(png.read_bytes(), []).append(png.name)
    assert [sorted(names) for names in by_content.values() if len(names) > 1] == []  # each shows something else


def test_commands_write_a_rotating_log_in_the_user_data_folder(demo_path: Path, tmp_path: Path):
    data = tmp_path / "userdata-log"
    opsdesk("verify", "--workspace", str(demo_path), env={"OPSDESK_DATA_DIR": str(data)}, check=True)
    log_file = data / "logs" / "opsdesk.log"
    assert log_file.exists() and "opened workspace" in log_file.read_text()


def test_startup_does_not_import_heavy_libraries():
    code = ("import sys, opsdesk.cli, opsdesk.ui.main_window; "
            "print(sorted(m for m in ('pandas', 'reportlab', 'pyqtgraph') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_every_help_text_reads_as_written(capsys):
    """`--help` of the command and of every subcommand at every depth prints its texts, not argparse internals
    (an unescaped % once printed a Python dict)."""
    import argparse

    from opsdesk.cli import build_parser

    def walk(parser: argparse.ArgumentParser, path: list[str]):
        yield path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, [*path, name])

    paths = list(walk(build_parser(), []))
    assert len(paths) > 20
    for path in paths:
        with pytest.raises(SystemExit):
            build_parser().parse_args([*path, "--help"])
        out = capsys.readouterr().out
        assert "option_strings" not in out and "{'" not in out, f"opsdesk {' '.join(path)} --help: {out[:300]}"


def test_version_reads_no_library_it_does_not_need():
    """`opsdesk --version` answers without SQLAlchemy, pandas, Qt or the importlib.metadata of every command."""
    code = ("import sys, runpy; sys.argv = ['opsdesk', '--version']\n"
            "try:\n    runpy.run_module('opsdesk', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sqlalchemy', 'pandas', 'PySide6', 'numpy', 'reportlab') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    version_line, modules = r.stdout.strip().splitlines()
    assert version_line.startswith("opsdesk ") and modules == "[]"
