"""Paths are what they say. Names with ``%20``, ``?`` or ``#`` open exactly that file (read-only too) and leave no
stray files; a FIFO, ``/dev/zero``, a directory, a 100 KB path, an immutable file, ``/proc`` targets and an empty
file are refused in one line with exit 2 — never a hang, a traceback, or a changed file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

LONG = "x" * 100_000


def run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    try:
        return subprocess.run([sys.executable, "-m", "opsdesk", *args], capture_output=True, text=True, env=env,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"opsdesk {' '.join(a[:80] for a in args)} hung for {timeout} s")


def refused(r: subprocess.CompletedProcess[str]) -> str:
    err = r.stderr.strip()
    assert r.returncode == 2, f"exit {r.returncode}: {r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr and err.startswith("opsdesk: "), r.stderr[-2000:]
    assert "\n" not in err and len(err) < 1000, f"not one short line: {err[:300]}…"
    return err


@pytest.fixture(scope="module")
def small_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "small.opsdesk"
    assert run("init", "-w", str(path)).returncode == 0
    return path


@pytest.fixture
def folder(tmp_path: Path, small_ws: Path) -> Iterator[Path]:
    d = tmp_path / "f"
    d.mkdir()
    shutil.copyfile(small_ws, d / "ws.opsdesk")
    os.mkfifo(d / "fifo")
    (d / "dir.opsdesk").mkdir()
    (d / "empty.opsdesk").touch()
    (d / "metrics.csv").write_text("timestamp,series,value\n2026-01-01T00:00:00Z,x,1\n")
    yield d
    for p in d.iterdir():
        subprocess.run(["chattr", "-i", str(p)], capture_output=True)


Case = Callable[[Path], list[str]]
REFUSALS: dict[str, Case] = {
    "fifo as workspace": lambda d: ["verify", "-w", str(d / "fifo")],
    "fifo as workspace, read-only": lambda d: ["costs", "-w", str(d / "fifo")],
    "/dev/zero as workspace": lambda d: ["verify", "-w", "/dev/zero"],
    "/dev/zero as workspace, read-only": lambda d: ["initiatives", "list", "-w", "/dev/zero"],
    "directory as workspace": lambda d: ["verify", "-w", str(d / "dir.opsdesk")],
    "directory as init target": lambda d: ["init", "--force", "-w", str(d / "dir.opsdesk")],
    "fifo as import input": lambda d: ["import", "-w", str(d / "ws.opsdesk"), str(d / "fifo")],
    "/dev/zero as import input": lambda d: ["import", "-w", str(d / "ws.opsdesk"), "--kind", "metrics",
                                            "/dev/zero"],
    "fifo as skills input": lambda d: ["skills", "import-matrix", "-w", str(d / "ws.opsdesk"), str(d / "fifo")],
    "fifo as key to trust": lambda d: ["keys", "trust", "-w", str(d / "ws.opsdesk"), str(d / "fifo")],
    "fifo as bundle": lambda d: ["import-bundle", "-w", str(d / "ws.opsdesk"), str(d / "fifo")],
    "100 KB workspace path": lambda d: ["verify", "-w", str(d / LONG)],
    "100 KB init path": lambda d: ["init", "-w", str(d / LONG)],
    "100 KB import path": lambda d: ["import", "-w", str(d / "ws.opsdesk"), str(d / LONG)],
    "100 KB backup path": lambda d: ["backup", "-w", str(d / "ws.opsdesk"), str(d / LONG)],
    "100 KB restore source": lambda d: ["restore", "-w", str(d / "ws.opsdesk"), str(d / LONG)],
    "/proc as init target": lambda d: ["init", "-w", "/proc/opsdesk-test.opsdesk"],
    "/proc file as workspace": lambda d: ["verify", "-w", "/proc/self/status"],
    "/proc file as backup target": lambda d: ["backup", "--force", "-w", str(d / "ws.opsdesk"), "/proc/self/comm"],
    "/proc file as import input": lambda d: ["import", "-w", str(d / "ws.opsdesk"), "--kind", "metrics",
                                             "/proc/self/mem"],
    "/proc file as restore target": lambda d: ["restore", "-w", "/proc/self/status", str(d / "ws.opsdesk")],
    "directory as restore -w": lambda d: ["restore", "-w", str(d / "dir.opsdesk"), str(d / "ws.opsdesk")],
    "fifo as restore source": lambda d: ["restore", "-w", str(d / "ws.opsdesk"), str(d / "fifo")],
    "empty file verified": lambda d: ["verify", "-w", str(d / "empty.opsdesk")],
    "empty file listed read-only": lambda d: ["initiatives", "list", "-w", str(d / "empty.opsdesk")],
}


def _snapshot(d: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mode, p.read_bytes() if p.is_file() else b"") for p in sorted(d.iterdir())}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_hostile_path_is_refused_in_one_line(case: str, folder: Path):
    before = _snapshot(folder)
    refused(run(*REFUSALS[case](folder)))
    assert _snapshot(folder) == before, "files changed, appeared or vanished"


def test_immutable_workspace_is_refused_in_one_line(folder: Path, tmp_path: Path):
    ws = folder / "ws.opsdesk"
    saved = run("backup", "-w", str(ws), str(tmp_path / "saved.opsdesk"))
    assert saved.returncode == 0, saved.stderr
    if subprocess.run(["chattr", "+i", str(ws)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    before = ws.read_bytes()
    for args in (["rates", "set", "USD", "EUR", "0.9", "-w", str(ws)], ["init", "--force", "-w", str(ws)],
                 ["demo", "--force", "-w", str(ws)], ["restore", "-w", str(ws), str(tmp_path / "saved.opsdesk")]):
        refused(run(*args))
    assert ws.read_bytes() == before


@pytest.mark.parametrize("name", ["budget%202025.opsdesk", "what?.opsdesk", "hash#1.opsdesk",
                                  "all%3F#?%23 of it.opsdesk"])
def test_names_open_exactly_that_file(name: str, tmp_path: Path):
    d = tmp_path / "names"
    d.mkdir()
    path = d / name
    r = run("init", "-w", str(path), "--name", "Literal")
    assert r.returncode == 0, r.stderr
    assert path.is_file() and path.stat().st_size > 0
    assert run("rates", "set", "USD", "EUR", "0.9", "-w", str(path)).returncode == 0
    listed = run("rates", "list", "--json", "-w", str(path))  # opened read-only
    assert listed.returncode == 0 and "EUR" in listed.stdout, listed.stderr
    assert run("verify", "-w", str(path)).returncode == 0
    assert run("backup", "-w", str(path), str(d / f"copy {name}")).returncode == 0
    assert sorted(p.name for p in d.iterdir()) == sorted([name, f"copy {name}"]), "stray files"
