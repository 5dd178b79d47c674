"""OpsDesk never reaches for the network: a whole session (CLI commands, the window on every page, an exchange
export and preview, a restore, the self-test) runs under an audit hook that refuses sockets and urllib, with
the Qt modules the frozen build excludes made unimportable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def test_session_opens_no_socket_and_never_imports_qtnetwork(demo_path: Path, tmp_path: Path):
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "OPSDESK_DATA_DIR": str(tmp_path / "userdata"),
                        "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, str(HERE / "no_network_flow.py"), str(demo_path), str(tmp_path),
                        str(ROOT / "build.spec")], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "no-network flow ok" in r.stdout
    assert "self-test ok" in r.stdout
    assert (tmp_path / "gui.opsbundle").exists() and (tmp_path / "shots" / "initiatives.png").exists()


def test_the_hook_really_catches_a_connection(tmp_path: Path):
    """The guard itself works: a socket connection attempt under it is reported."""
    code = (f"import sys; sys.argv=['x']; sys.path.insert(0, {str(HERE)!r}); import no_network_flow as f; "
            "sys.addaudithook(f._audit)\nimport socket\ntry:\n socket.create_connection(('127.0.0.1', 9))\n"
            "except Exception as e: print(type(e).__name__)\nprint(len(f.violations))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["PermissionError", "1"], r.stderr


def test_no_module_imports_a_network_library():
    pattern = re.compile(r"^\s*(from|import)\s+(socket|urllib|http\.client|requests|httpx|ftplib|smtplib|"
                         r"webbrowser|PySide6\.QtNetwork|PySide6\.QtWeb\w*)\b", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "opsdesk").rglob("*.py")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    urls = [str(p.relative_to(ROOT)) for p in (ROOT / "opsdesk").rglob("*.py")
            if re.search(r"https?://", p.read_text(encoding="utf-8"))]
    assert urls == [], "no URL in the code: nothing to fetch, no update check, no telemetry"
