"""bench/run_all.py's gate: which results fail CI, a bench that raises, a module without run, the README table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"_test_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


run_all = _load("run_all")
common = run_all.common


def fake(name: str, opsdesk: float, baseline: float, target_ratio: float | None = 1.3,
         target_abs: float | None = None, raises: bool = False, calls: list[bool] | None = None) -> ModuleType:
    module = ModuleType(name)

    def run(quick: bool) -> list:
        if calls is not None:
            calls.append(quick)
        if raises:
            raise RuntimeError("the workspace could not be built")
        return [common.Result(name, f"{name} step", opsdesk, baseline, target_ratio=target_ratio,
                              target_abs=target_abs)]

    module.run = run  # type: ignore[attr-defined]
    return module


def test_a_ratio_regressed_past_the_allowance_fails(capsys: pytest.CaptureFixture[str]) -> None:
    # 2.0× against a 1.3× target is past 1.3 × 1.5 = 1.95×
    code = run_all.main(["--quick"], modules=[("fast", fake("fast", 1.0, 1.0)), ("slow", fake("slow", 2.0, 1.0))])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL slow" in out and "FAIL fast" not in out


def test_ratios_within_the_noise_allowance_pass(capsys: pytest.CaptureFixture[str]) -> None:
    # 1.9× is past the 1.3× target but within its 50 % noise allowance; 0.85 s is within 1.5 × a 0.6 s bound
    code = run_all.main(["--quick"], modules=[("a", fake("a", 1.9, 1.0)),
                                              ("b", fake("b", 0.85, 1.0, target_ratio=None, target_abs=0.6))])
    assert code == 0
    assert "FAIL" not in capsys.readouterr().out


def test_an_absolute_bound_past_the_allowance_fails() -> None:
    assert run_all.main([], modules=[("mem", fake("mem", 1600.0, 1000.0, target_ratio=None,
                                                  target_abs=1000.0))]) == 1


def test_a_bench_that_raises_fails_by_name_and_the_others_still_run(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[bool] = []
    code = run_all.main(["--quick"], modules=[("broken", fake("broken", 1, 1, raises=True)),
                                              ("after", fake("after", 1.0, 1.0, calls=calls))])
    out = capsys.readouterr().out
    assert code == 1
    assert "broken" in out and "the workspace could not be built" in out
    assert calls == [True]  # the next bench ran, at the quick size
    assert "after step" in out  # and its result is in the table


def test_a_module_without_run_is_skipped_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_all.main([], modules=[("helper", ModuleType("helper")), ("a", fake("a", 1.0, 1.0))])
    assert code == 0
    assert "skipped helper" in capsys.readouterr().out


def test_json_and_readme_table_are_written(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\nbefore\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\nafter\n",
                      encoding="utf-8")
    out = tmp_path / "bench.json"
    code = run_all.main(["--json", str(out), "--readme"], modules=[("a", fake("a", 1.2, 1.0))], readme=readme)
    assert code == 0
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and "| a | a step |" in text
    assert text.startswith("# Title\n\nbefore\n") and text.endswith("<!-- bench:end -->\nafter\n")
    assert '"ratio": 1.2' in out.read_text(encoding="utf-8")


def test_every_bench_module_is_found_but_not_common_or_run_all() -> None:
    names = [n for n, _p in run_all.bench_modules()]
    assert "import_metrics" in names
    assert "common" not in names and "run_all" not in names


def test_a_bench_file_runs_in_a_process_of_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What one bench leaves in its process (objects, windows, timers) must not weigh on the next one's figures:
    each bench file runs in a new process, and what it reports (results, a failure) comes back to the table."""
    (tmp_path / "first.py").write_text(
        "import os\nfrom common import Result\n"
        "def run(quick):\n    return [Result('first', f'pid {os.getpid()} quick {quick}', 1.0, 1.0, target_ratio=1.3)]\n",
        encoding="utf-8")
    (tmp_path / "second.py").write_text("def run(quick):\n    raise RuntimeError('no workspace')\n", encoding="utf-8")
    sys.path.insert(0, str(BENCH))  # the bench imports common as the benches in bench/ do
    try:
        outcome = run_all.run_benches([("first", tmp_path / "first.py"), ("second", tmp_path / "second.py")],
                                      quick=True)
    finally:
        sys.path.remove(str(BENCH))
    [result] = outcome.results
    pid = int(result.what.split()[1])
    assert pid != __import__("os").getpid() and result.what.endswith("quick True")
    assert result.ratio == 1.0 and not result.failures()
    assert outcome.errors == {"second": "RuntimeError: no workspace"}
