"""A workspace open in one OpsDesk process opens read-only in a second one, which says so; nothing is
corrupted, and a lock left by a killed process is taken over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsdesk.errors import ReadOnlyError
from opsdesk.services.registry import objectives
from opsdesk.services.workspace import instance_lock, lifecycle
from opsdesk.store import audit

ROOT = Path(__file__).resolve().parent.parent.parent

HOLDER = textwrap.dedent("""
    import sys
    from opsdesk.services.registry import objectives
    from opsdesk.services.workspace import lifecycle
    ws = lifecycle.open_workspace(sys.argv[1], exclusive=True)
    print("read-only" if ws.read_only else "writable", flush=True)
    n = 0
    for line in sys.stdin:          # one objective per line the test sends, then exit on EOF
        n += 1
        objectives.create(ws, {"code": f"OBJ-{n:03d}", "title": f"Written by the first process {n}"})
        print(n, flush=True)
    ws.close()
""")


def _holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writable"
    return proc


def _write(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin and proc.stdout
    proc.stdin.write("go\n")
    proc.stdin.flush()
    proc.stdout.readline()


def test_second_process_opens_read_only_and_says_so(sqlite_ws, tmp_path):
    path = Path(sqlite_ws.location)
    sqlite_ws.close()
    first = _holder(path)
    try:
        _write(first)
        second = lifecycle.open_workspace(path, exclusive=True)
        try:
            assert second.read_only
            assert f"PID {first.pid}" in second.read_only_reason
            with pytest.raises(ReadOnlyError, match="another OpsDesk process"):
                objectives.create(second, {"code": "OBJ-900", "title": "Should not be written"})
            _write(first)  # the first process keeps writing while the second reads
            assert [o.code for o in objectives.list_all(second)] == ["OBJ-001", "OBJ-002"]
        finally:
            second.close()
        _write(first)
    finally:
        assert first.stdin and first.stdout
        first.stdin.close()
        assert first.wait(timeout=60) == 0
        first.stdout.close()
    after = lifecycle.open_workspace(path, exclusive=True)
    try:
        assert not after.read_only, "the lock is released when the first process closes"
        assert audit.verify(after).ok
        assert [o.code for o in objectives.list_all(after)] == ["OBJ-001", "OBJ-002", "OBJ-003"]
    finally:
        after.close()
    assert not instance_lock.lock_path(path).exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_lock_of_a_killed_process_is_stale_and_taken_over(sqlite_ws):
    path = Path(sqlite_ws.location)
    sqlite_ws.close()
    first = _holder(path)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.stdin and first.stdout
    first.stdin.close()
    first.stdout.close()
    assert json.loads(instance_lock.lock_path(path).read_text())["pid"] == first.pid, "the dead owner's file"
    again = lifecycle.open_workspace(path, exclusive=True)
    try:
        assert not again.read_only
        assert again.instance_lock.stale_from["pid"] == first.pid
    finally:
        again.close()
