"""Killing `opsdesk import` with SIGKILL at random moments never damages the workspace: after every kill it
passes integrity_check and `opsdesk verify`, holds the whole batch or none of it, and every earlier record is
intact.

The import runs in a child forked from a helper process that has already imported OpsDesk (crash_import.py),
so twenty kills cost seconds, not twenty interpreter start-ups."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsdesk.cli import main as opsdesk_main
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import lifecycle

HERE = Path(__file__).resolve().parent
ROWS = 60_000
KILLS = 20
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")]


def _csv_body(rows: int) -> str:
    start = 1_735_689_600  # 2025-01-01T00:00:00Z
    lines = ["timestamp,initiative,metric,value,unit"]
    for i in range(rows):
        t = start + 60 * (i // 3)
        lines.append(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))},AI-0001,SERIES-{i % 3},"
                     f"{(i * 7919) % 1000 / 10},%")
    return "\n".join(lines) + "\n"


class Importer:
    """Talks to the zygote: start one import, learn its PID, wait for it to end."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE / "crash_import.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=os.environ | {"PYTHONPATH": str(HERE.parent.parent)})

    def start(self, ws: Path, csv_file: Path, marker: Path) -> int:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"start {ws} {csv_file} {marker}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def finish(self, command: str) -> str:
        """``kill`` (SIGKILL now) or ``wait``; returns the zygote's "exit STATUS" line."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{command}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        while line and not line.startswith("exit"):
            line = self.proc.stdout.readline()
        return line.strip()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout:
            self.proc.stdout.close()


def _state(ws: Path) -> dict[str, object]:
    with sqlite3.connect(ws) as conn:
        state = {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "batches": dict(conn.execute("SELECT file_name, id FROM import_batch").fetchall()),
            "points_by_batch": dict(conn.execute(
                "SELECT batch_id, count(*) FROM metric_point GROUP BY batch_id").fetchall()),
            "events": conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq").fetchall(),
        }
    conn.close()
    return state


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.001)


def test_sigkill_during_import_leaves_all_or_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    ws_path = tmp_path / "crash.opsdesk"
    ws = lifecycle.create(ws_path, organisation="Crash test")
    initiatives.create(ws, {"code": "AI-0001", "name": "Metrics under fire"})
    ws.close()
    body = _csv_body(ROWS)
    rng = random.Random(20261201)
    importer = Importer()
    try:
        # an earlier, complete import: its records must survive every later kill; it also times the transaction
        first = tmp_path / "first.csv"
        first.write_text(body.replace("SERIES", "base"), encoding="utf-8")
        marker = tmp_path / "first"
        importer.start(ws_path, first, marker)
        assert importer.finish("wait") == "exit 0"
        begun = Path(f"{marker}.begun").stat().st_mtime
        tx_seconds = max(Path(f"{marker}.committed").stat().st_mtime - begun, 0.05)
        before = _state(ws_path)
        assert before["points_by_batch"] == {before["batches"]["first.csv"]: ROWS}

        complete = ["first.csv"]
        inside = 0
        for attempt in range(KILLS):
            name = f"load-{attempt}.csv"
            csv_file = tmp_path / name
            csv_file.write_text(body.replace("SERIES", f"load{attempt}"), encoding="utf-8")
            marker = tmp_path / str(attempt)
            importer.start(ws_path, csv_file, marker)
            # a random moment: mostly inside the transaction, sometimes just after it committed
            _wait_for(Path(f"{marker}.begun"))
            time.sleep(rng.uniform(0, tx_seconds * 1.1))
            importer.finish("kill")
            committed = Path(f"{marker}.committed").exists()
            csv_file.unlink()

            # `opsdesk verify`: integrity_check and the whole audit chain, after SQLite's own recovery
            assert opsdesk_main(["verify", "--workspace", str(ws_path)]) == 0, capsys.readouterr().err
            after = _state(ws_path)
            assert after["integrity"] == "ok"
            batch_id = after["batches"].get(name)
            if batch_id is None:
                assert not committed, "a committed batch must survive the kill"
                assert all(pid_batch in after["batches"].values() or pid_batch is None
                           for pid_batch in after["points_by_batch"]), "no point of a lost batch remains"
                inside += 1
            else:
                assert after["points_by_batch"].get(batch_id) == ROWS, "a batch is whole or absent"
                complete.append(name)
            # every earlier record intact: earlier batches whole, earlier audit events unchanged
            for file_name in complete:
                assert after["points_by_batch"][after["batches"][file_name]] == ROWS
            assert after["events"][:len(before["events"])] == before["events"]
            assert sum(after["points_by_batch"].values()) == ROWS * len(complete)
            before = after
    finally:
        importer.close()
    print(f"{KILLS} kills: {inside} inside the transaction (nothing kept), {len(complete) - 1} after the commit "
          f"(batch whole); transaction {tx_seconds:.2f} s")
    assert inside >= KILLS // 4, "most kills must land inside the import transaction"
