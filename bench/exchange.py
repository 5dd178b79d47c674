"""Applying signed bundles: two demo initiatives into a workspace that trusts the sender, in the process (the
service, verification included) and as a whole ``opsdesk import-bundle`` command; without ``--quick`` also every
demo initiative at once. The runs alternate; medians. Target (issue 21): two initiatives applied in < 1 s.

There is no bare baseline for applying a bundle (no other tool does the same checks); the figures stand on their
own. The demo workspace, its key and the bundles are built once into a folder beside the system's temp files and
reused (``--rebuild`` to start again).

    python bench/exchange.py [--quick] [--repeat N] [--rebuild] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Result, alternate, emit, median, process_seconds, python  # noqa: E402

FOLDER = Path(tempfile.gettempdir()) / "opsdesk-bench-exchange"
TARGET_SECONDS = 1.0


@contextmanager
def _data_dir(folder: Path) -> Iterator[None]:
    """Keys live in the user data folder: the bench's own, for the time of the run."""
    old = os.environ.get("OPSDESK_DATA_DIR")
    os.environ["OPSDESK_DATA_DIR"] = str(folder / "userdata")
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("OPSDESK_DATA_DIR", None)
        else:
            os.environ["OPSDESK_DATA_DIR"] = old


def _stamp() -> str:
    from opsdesk import __version__
    from opsdesk.store import migrate

    return f"{__version__} {migrate.head_revision()}"


def prepare(folder: Path = FOLDER, rebuild: bool = False) -> Path:
    """The demo (sender), an empty workspace that trusts it, and bundles of two and of all initiatives."""
    marker = folder / "built"
    if not rebuild and marker.exists() and marker.read_text() == _stamp():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    from opsdesk.services import demo
    from opsdesk.services.exchange import bundles, keys
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    hq = lifecycle.open_workspace(demo.build(folder / "hq.opsdesk"))
    region = lifecycle.create(folder / "region.opsdesk", organisation="Region")
    keys.trust(region, keys.export_public(hq, folder / "hq.pub"), "HQ")
    codes = [r.code for r in initiatives.list_rows(hq)]
    bundles.export_bundle(hq, codes[:2], folder / "two.opsbundle")
    bundles.export_bundle(hq, codes, folder / "all.opsbundle")
    hq.close()
    region.close()
    marker.write_text(_stamp())
    return folder


class _Target:
    """A fresh copy of the empty receiving workspace for every run."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.n = folder, 0

    def next(self) -> Path:
        self.n += 1
        path = self.folder / "runs" / f"region-{self.n}.opsdesk"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(self.folder / "region.opsdesk", path)
        return path


def apply_in_process(target: _Target, bundle: Path) -> float:
    """The service alone (verification, plan, apply, audit, checkpoint): opening the copy is not timed."""
    from opsdesk.services.exchange import bundles
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.open_workspace(target.next())
    try:
        started = time.perf_counter()
        bundles.import_bundle(ws, bundle)
        return time.perf_counter() - started
    finally:
        ws.close()


def apply_command(target: _Target, bundle: Path) -> float:
    """What a person waits for: the whole ``opsdesk import-bundle`` process."""
    return process_seconds([python(), "-m", "opsdesk", "import-bundle", "--workspace", str(target.next()),
                            str(bundle)], env={"OPSDESK_DATA_DIR": os.environ["OPSDESK_DATA_DIR"]}, cwd=ROOT)


def run(quick: bool, repeat: int | None = None, rebuild: bool = False) -> list[Result]:
    repeat = repeat or (3 if quick else 5)
    with _data_dir(FOLDER):
        folder = prepare(FOLDER, rebuild)
        target = _Target(folder)
        shutil.rmtree(folder / "runs", ignore_errors=True)
        inproc: list[float] = []
        process: list[float] = []
        two = folder / "two.opsbundle"
        alternate({"in process": lambda: inproc.append(apply_in_process(target, two)),
                   "process": lambda: process.append(apply_command(target, two))}, repeat=repeat)
        inproc, process = inproc[-repeat:], process[-repeat:]  # the warm-up round is not counted
        results = [
            Result("exchange", "apply a bundle of two initiatives (in process)", median(inproc), None,
                   target_abs=TARGET_SECONDS, note=f"median of {repeat}"),
            Result("exchange", "opsdesk import-bundle, two initiatives (whole process)", median(process), None,
                   note=f"median of {repeat}"),
        ]
        if not quick:
            everything = [apply_in_process(target, folder / "all.opsbundle") for _ in range(3)]
            results.append(Result("exchange", "apply a bundle of every demo initiative (in process)",
                                  median(everything), None, note="median of 3"))
        shutil.rmtree(folder / "runs", ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    results = run(args.quick, args.repeat, args.rebuild)
    emit(results, args.json_out)
    return 1 if any(r.failures(1.0) for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
