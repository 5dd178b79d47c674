"""What every bench shares: alternate runs, medians, ratios against a baseline, one result format.

A bench module exposes ``run(quick: bool) -> list[Result]`` (``quick`` = a small size that finishes in seconds,
for CI) and a ``main()`` that parses its own sizes and prints :func:`table`. ``bench/run_all.py`` imports every
bench, calls ``run(quick=...)``, prints the table, fails when a ratio regresses past its target by more than the
noise allowance, and can rewrite the README's table from the results.

Rules every bench keeps (issue 21):

* OpsDesk and its baseline run **alternately in the same run** (:func:`alternate`), never all of one then the
  other, so a busy machine slows both alike;
* figures are **medians**, not best-of;
* the baseline is the bare version of the **same work** (same rows read, same KPIs computed, same pages painted);
* where a person waits for a whole command, a whole-process variant (:func:`process_seconds`) is measured too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOISE_ALLOWANCE = 1.5  # run_all fails when a ratio exceeds its target × this


@dataclasses.dataclass
class Result:
    """One measured line of the README's table.

    ``opsdesk`` and ``baseline`` are medians in ``unit`` (seconds unless said). ``higher_is_better`` for rates
    (events/s): the ratio is then baseline/opsdesk so that a ratio above 1 always means "OpsDesk is slower".
    ``target_ratio`` is the issue's target for the ratio (None when the target is absolute only);
    ``target_abs`` an absolute bound on ``opsdesk`` (seconds, MB, events/s — same unit).
    """

    bench: str
    what: str
    opsdesk: float
    baseline: float | None
    unit: str = "s"
    target_ratio: float | None = None
    target_abs: float | None = None
    higher_is_better: bool = False
    baseline_label: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline or not self.opsdesk:
            return None
        return self.baseline / self.opsdesk if self.higher_is_better else self.opsdesk / self.baseline

    def failures(self, allowance: float = NOISE_ALLOWANCE) -> list[str]:
        """Why this result regresses past its target by more than the allowance (empty when it does not)."""
        out = []
        r = self.ratio
        if self.target_ratio is not None and r is not None and r > self.target_ratio * allowance:
            out.append(f"{self.what}: ratio {r:.2f}× exceeds target {self.target_ratio:.2f}× × {allowance}")
        if self.target_abs is not None:
            if self.higher_is_better and self.opsdesk < self.target_abs / allowance:
                out.append(f"{self.what}: {self.opsdesk:,.1f} {self.unit} below target {self.target_abs:,.1f} / "
                           f"{allowance}")
            if not self.higher_is_better and self.opsdesk > self.target_abs * allowance:
                out.append(f"{self.what}: {self.opsdesk:,.3f} {self.unit} above target {self.target_abs:,.3f} × "
                           f"{allowance}")
        return out

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["ratio"] = self.ratio
        return d


def alternate(runs: dict[str, Callable[[], object]], repeat: int, warmup: int = 1) -> dict[str, list[float]]:
    """Time each callable ``repeat`` times, interleaved (a, b, a, b, …); returns the seconds of each run.

    ``warmup`` rounds run first and are not counted (imports, caches, page faults)."""
    for _ in range(warmup):
        for fn in runs.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def process_seconds(argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Wall time of one whole process (a person waiting for a command), failing loudly when it fails."""
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    start = time.perf_counter()
    proc = subprocess.run(list(argv), env=full_env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return elapsed


def python() -> str:
    """The interpreter the bench runs under (the project's venv when run as the README says)."""
    return sys.executable


def table(results: Sequence[Result]) -> str:
    """The README's table (Markdown) of these results."""
    lines = ["| bench | what a person waits for | OpsDesk | baseline | ratio | target |",
             "|---|---|---|---|---|---|"]
    for r in results:
        def fmt(v: float | None, unit: str = r.unit) -> str:
            if v is None:
                return "—"
            if unit == "s":
                return f"{v * 1000:,.0f} ms" if v < 1 else f"{v:,.2f} s"
            return f"{v:,.0f} {unit}" if v >= 100 else f"{v:,.1f} {unit}"
        base = fmt(r.baseline) + (f" ({r.baseline_label})" if r.baseline_label else "")
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        targets = []
        if r.target_ratio is not None:
            targets.append(f"≤ {r.target_ratio:g}×")
        if r.target_abs is not None:
            targets.append(("≥ " if r.higher_is_better else "≤ ") + fmt(r.target_abs))
        lines.append(f"| {r.bench} | {r.what} | {fmt(r.opsdesk)} | {base} | {ratio} | {', '.join(targets) or '—'} |")
    return "\n".join(lines)


def emit(results: Sequence[Result], json_out: str | None = None) -> None:
    """Print the table; with ``json_out``, also write the results as JSON (run_all reads them)."""
    print(table(results))
    if json_out:
        Path(json_out).write_text(json.dumps([r.as_dict() for r in results], indent=2), encoding="utf-8")
