"""Run every bench in bench/, print one table, fail when a result regresses past its target (issue 21).

    python bench/run_all.py [--quick] [--json FILE] [--readme] [--only NAME ...]

Every ``bench/*.py`` module that defines ``run(quick)`` is imported and run in turn (``common`` and ``run_all``
themselves are not benches; a module without ``run`` is skipped with a note). The exit status is 1 when any
result's :meth:`common.Result.failures` is not empty (a ratio past its target × the noise allowance of
``common.NOISE_ALLOWANCE``, or an absolute figure past its bound × the same allowance) or when a bench raised
(it is reported by name; the other benches still run). ``--readme`` rewrites the table in README.md between the
``<!-- bench:begin -->`` and ``<!-- bench:end -->`` markers.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import common  # noqa: E402  (bench/ is not a package: the benches import common the same way)

NOT_BENCHES = frozenset({"common", "run_all"})
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


@dataclass
class Outcome:
    """Everything one run_all run found: the results, the benches that raised, the modules skipped."""

    results: list[common.Result] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # bench name → what it raised
    skipped: dict[str, str] = field(default_factory=dict)  # module name → why

    def failures(self, allowance: float = common.NOISE_ALLOWANCE) -> list[str]:
        out = [f"{r.bench}: {f}" for r in self.results for f in r.failures(allowance)]
        out += [f"{name}: the bench failed: {err}" for name, err in self.errors.items()]
        return out


def bench_modules(folder: Path = HERE) -> list[tuple[str, Path]]:
    """(name, path) of every bench module in ``folder``, by name."""
    return [(p.stem, p) for p in sorted(folder.glob("*.py")) if p.stem not in NOT_BENCHES
            and not p.stem.startswith("_")]


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def run_benches(modules: Iterable[tuple[str, ModuleType | Path]], quick: bool, announce: bool = True) -> Outcome:
    """Run each bench; one that cannot be imported or raises is recorded as an error and the rest still run.

    A bench file runs in a process of its own (as a person's OpsDesk would): what an earlier bench left in the
    process — its objects, Qt windows and timers, a heap of millions of rows — must not weigh on a later one's
    figures. A module object given directly runs in this process."""
    outcome = Outcome()
    for name, mod in modules:
        if announce:
            print(f"# {name}…", file=sys.stderr, flush=True)
        if isinstance(mod, Path):
            _run_child(name, mod, quick, outcome)
            continue
        try:
            run = getattr(mod, "run", None)
            if not callable(run):
                outcome.skipped[name] = "no run(quick) in this module"
                print(f"# {name}: skipped (no run(quick))", file=sys.stderr)
                continue
            results = list(run(quick=quick))
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - one broken bench must not hide the others
            outcome.errors[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
            continue
        outcome.results.extend(results)
    return outcome


def _run_child(name: str, path: Path, quick: bool, outcome: Outcome) -> None:
    """Run the bench at ``path`` in a new process (``--child``) and add what it reports to ``outcome``."""
    with tempfile.TemporaryDirectory(prefix="opsdesk-run-all-") as tmp:
        out = Path(tmp) / "outcome.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", name, str(path), str(out)]
        code = subprocess.run(argv + (["--quick"] if quick else []), check=False).returncode
        if not out.exists():
            outcome.errors[name] = f"the bench's process ended with status {code} and reported nothing"
            return
        got = json.loads(out.read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(common.Result)}
    outcome.results.extend(common.Result(**{k: v for k, v in r.items() if k in fields}) for r in got["results"])
    outcome.errors.update(got["errors"])
    outcome.skipped.update(got["skipped"])


def _plain(value: object) -> object:
    """A figure JSON cannot write as it is (a numpy number, a Decimal) as a plain one."""
    item = getattr(value, "item", None)
    return item() if callable(item) else float(value)  # type: ignore[arg-type]


def child(name: str, path: Path, out: Path, quick: bool) -> int:
    """The process ``_run_child`` starts: load and run one bench, write what it found to ``out`` as JSON."""
    outcome = Outcome()
    try:
        module: ModuleType | None = load(name, path)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - reported as the bench's error
        outcome.errors[name] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
        module = None
    if module is not None:
        outcome = run_benches([(name, module)], quick, announce=False)
    out.write_text(json.dumps({"results": [r.as_dict() for r in outcome.results], "errors": outcome.errors,
                               "skipped": outcome.skipped}, default=_plain), encoding="utf-8")
    return 0


def rewrite_readme(readme: Path, table: str) -> None:
    """Put ``table`` between the bench markers of ``readme`` (everything else is left as it is)."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: the markers {BEGIN} and {END} are missing")
    readme.write_text(text[: start + len(BEGIN)] + "\n" + table + "\n" + text[end:], encoding="utf-8")


def report(outcome: Outcome) -> str:
    lines = [common.table(outcome.results)]
    lines += [f"skipped {name}: {why}" for name, why in outcome.skipped.items()]
    lines += [f"FAILED {name}: {err}" for name, err in outcome.errors.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, modules: Iterable[tuple[str, ModuleType | Path]] | None = None,
         readme: Path = common.ROOT / "README.md") -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small size of every bench (for CI)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's table from these results")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benches")
    parser.add_argument("--child", nargs=3, metavar=("NAME", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, path, out = args.child
        return child(name, Path(path), Path(out), args.quick)
    chosen: list[tuple[str, ModuleType | Path]] = list(modules if modules is not None else bench_modules())
    if args.only:
        chosen = [(n, m) for n, m in chosen if n in args.only]
    outcome = run_benches(chosen, args.quick)
    print(report(outcome))
    if args.json:
        Path(args.json).write_text(json.dumps({"results": [r.as_dict() for r in outcome.results],
                                               "errors": outcome.errors, "skipped": outcome.skipped}, indent=2),
                                   encoding="utf-8")
    if args.readme:
        rewrite_readme(readme, common.table(outcome.results))
    failures = outcome.failures()
    for f in failures:
        print(f"FAIL {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
