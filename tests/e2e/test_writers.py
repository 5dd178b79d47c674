"""No writer loses work to another process. Every process that writes a workspace shares its writers' lock;
restore, ``init --force``, ``demo --force`` and ``backup --force`` onto it take that lock exclusively and refuse
in one line while anyone holds it. Writers wait their turn behind another's transaction instead of dying with
``database is locked``; ``backup`` never overwrites without ``--force``; a killed ``demo`` leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ENV = os.environ | {"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}

HOLDER = textwrap.dedent("""
    import sys, time
    from opsdesk.services.workspace import lifecycle
    mode, path = sys.argv[1], sys.argv[2]
    ws = lifecycle.open_workspace(path, exclusive=(mode == "window"))
    if mode == "transaction":          # a long import: holds the write transaction for a while
        with ws.write() as tx:
            tx.audit("hold", "workspace", "workspace")
            print("ready", flush=True)
            time.sleep(float(sys.argv[3]))
    else:                              # a window, or a command in the middle of its work
        print("ready", flush=True)
        sys.stdin.read()
    ws.close()
""")


def opsdesk(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opsdesk", *args], capture_output=True, text=True, env=ENV,
                          timeout=timeout, cwd=ROOT)


def refused(r: subprocess.CompletedProcess[str], *words: str) -> None:
    err = r.stderr.strip()
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "\n" not in err and err.startswith("opsdesk: "), err
    for w in words:
        assert w in err, err


def _hold(mode: str, path: Path, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, mode, str(path), *extra], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


@pytest.fixture
def ws_and_backup(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    ws = tmp_path / "ws.opsdesk"
    assert opsdesk("init", "-w", str(ws)).returncode == 0
    saved = tmp_path / "saved.opsdesk"
    assert opsdesk("backup", "-w", str(ws), str(saved)).returncode == 0
    yield ws, saved


@pytest.mark.parametrize("holder", ["window", "command"])
def test_replacements_refuse_while_anyone_writes(holder: str, ws_and_backup: tuple[Path, Path], tmp_path: Path):
    ws, saved = ws_and_backup
    other = tmp_path / "other.opsdesk"
    assert opsdesk("init", "-w", str(other)).returncode == 0
    proc = _hold(holder, ws)
    try:
        before = ws.read_bytes()
        for args in (["restore", "-w", str(ws), str(saved)], ["init", "--force", "-w", str(ws)],
                     ["demo", "--force", "-w", str(ws)], ["backup", "--force", "-w", str(other), str(ws)]):
            refused(opsdesk(*args), "open in another OpsDesk process")
        assert ws.read_bytes() == before
        assert not list(tmp_path.glob("*.replaced-*")) and not list(tmp_path.glob(".ws.opsdesk.partial-*"))
    finally:
        proc.communicate("", timeout=60)
    assert proc.returncode == 0
    restored = opsdesk("restore", "-w", str(ws), str(saved))
    assert restored.returncode == 0, restored.stderr  # once nobody holds it


def test_backup_never_overwrites_without_force(ws_and_backup: tuple[Path, Path], tmp_path: Path):
    ws, _saved = ws_and_backup
    precious = tmp_path / "precious.opsdesk"
    assert opsdesk("demo", "-w", str(precious)).returncode == 0
    before = precious.read_bytes()
    refused(opsdesk("backup", "-w", str(ws), str(precious)), "already exists", "--force")
    assert precious.read_bytes() == before
    refused(opsdesk("backup", "-w", str(ws), str(ws)))
    r = opsdesk("backup", "--force", "-w", str(ws), str(precious))
    assert r.returncode == 0, r.stderr
    assert opsdesk("verify", "-w", str(precious)).returncode == 0
    assert precious.read_bytes() != before


def test_four_concurrent_imports_wait_their_turn(ws_and_backup: tuple[Path, Path], tmp_path: Path):
    ws, _saved = ws_and_backup
    csvs = []
    for n in range(4):
        f = tmp_path / f"metrics-{n}.csv"
        lines = ["timestamp,series,value,unit"] + [
            f"2026-01-01T00:{m // 60:02d}:{m % 60:02d}Z,series {n},{m},ms" for m in range(3000)]
        f.write_text("\n".join(lines) + "\n")
        csvs.append(f)
    holder = _hold("transaction", ws, "20")  # another writer in a long transaction (far longer than busy_timeout)
    procs = [subprocess.Popen([sys.executable, "-m", "opsdesk", "import", "-w", str(ws), str(f)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for f in csvs]
    results = [p.communicate(timeout=300) for p in procs]
    holder.communicate("", timeout=60)
    for p, (out, err) in zip(procs, results, strict=True):
        assert "Traceback" not in err and "database is locked" not in err, err[-3000:]
        assert p.returncode == 0, err
        assert "committed" in out or "imported" in out, out
    check = opsdesk("verify", "-w", str(ws))
    assert check.returncode == 0, check.stderr
    listed = opsdesk("import", "--dry-run", "-w", str(ws), *map(str, csvs))
    assert listed.stdout.count("already imported") == 4 or listed.stdout.count("no-op") == 4 or \
        "already" in listed.stdout, listed.stdout


def test_a_killed_demo_leaves_nothing_and_a_rerun_works(tmp_path: Path):
    target = tmp_path / "demo.opsdesk"
    proc = subprocess.Popen([sys.executable, "-m", "opsdesk", "demo", "-w", str(target)], env=ENV, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    started = None
    while time.monotonic() < deadline and proc.poll() is None:
        being_built = [p for p in tmp_path.iterdir() if p.name != "demo.opsdesk.writers"]
        if being_built and any(p.stat().st_size > 200_000 for p in being_built if p.is_file()):
            started = being_built
            break
        time.sleep(0.05)
    assert proc.poll() is None and started, "the demo finished (or never started) before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not target.exists(), "a half-written workspace was left at the target"
    r = opsdesk("demo", "-w", str(target))
    assert r.returncode == 0, r.stderr
    assert opsdesk("verify", "-w", str(target)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.opsdesk"], "leftovers of the killed build"
