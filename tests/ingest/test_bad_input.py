"""Random and mutated files fed to the CSV readers: nothing escapes as a crash, every rejection has a reason,
and a file with rejections leaves the workspace unchanged. Formula-like cells stay text."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.detect import read_path
from opsdesk.services.imports import runs
from tests.ingest.conftest import workspace_state

METRICS = ("timestamp,initiative,metric,value,unit\n"
           "2026-01-01T00:00:00Z,AI-0001,Data quality score,97.5,%\n"
           "2026-01-02T00:00:00Z,AI-0001,Data quality score,98.0,%\n")
FOCUS = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency,ServiceName,Tags\r\n"
         "2024-09-01 00:00:00,2024-09-02 00:00:00,12.50,12.50,USD,Compute,\"{\"\"team\"\": \"\"ml\"\"}\"\r\n"
         "2024-09-01 00:00:00,2024-09-02 00:00:00,-1.25,-1.25,EUR,Storage,NULL\r\n")
FORMULAS = ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")", "=1+1"]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_counter = itertools.count()


@st.composite
def mutated(draw: st.DrawFn, base: str) -> bytes:
    data = base.encode("utf-8")
    kind = draw(st.sampled_from(["truncate", "insert", "encoding", "formula", "huge", "garbage", "shuffle"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    if kind == "encoding":
        text = base.replace("Data quality", "Qualité des données").replace("Compute", "Cálculo")
        return text.encode(draw(st.sampled_from(["utf-16", "cp1252", "utf-16-le", "latin-1"])), errors="replace")
    if kind == "formula":
        lines = base.splitlines(keepends=True)
        row = draw(st.integers(1, len(lines) - 1))
        cells = lines[row].rstrip("\r\n").split(",")
        cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(FORMULAS))
        lines[row] = ",".join(cells) + "\n"
        return "".join(lines).encode("utf-8")
    if kind == "huge":
        return (base + "2026-01-03T00:00:00Z,AI-0001," + "x" * draw(st.sampled_from([300, 200_000, 1_500_000]))
                + ",1,%\n").encode("utf-8")
    if kind == "shuffle":
        lines = base.splitlines(keepends=True)
        return "".join(draw(st.permutations(lines))).encode("utf-8")
    return draw(st.binary(max_size=3000))


def _check(ws, tmp_path: Path, content: bytes, kind: ImportKind) -> None:
    path = tmp_path / f"input-{next(_counter)}.csv"
    path.write_bytes(content)
    parsed = read_path(path, kind)
    assert all(issue.reason.strip() for issue in parsed.rejected)
    assert parsed.accepted >= 0
    before = workspace_state(ws)
    report = runs.import_paths(ws, [path], kind=kind)
    assert all(issue.reason.strip() and issue.file for issue in report.rejected)
    if report.rejected:
        assert not report.committed
        assert workspace_state(ws) == before


@SETTINGS
@given(content=mutated(METRICS))
def test_metrics_reader_survives_mutated_files(ws2, tmp_path: Path, content: bytes):
    _check(ws2, tmp_path, content, ImportKind.METRICS)


@SETTINGS
@given(content=mutated(FOCUS))
def test_focus_reader_survives_mutated_files(ws2, tmp_path: Path, content: bytes):
    _check(ws2, tmp_path, content, ImportKind.FOCUS)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=400))
def test_any_text_is_read_or_refused_with_reasons(tmp_path_factory, text: str):
    folder = tmp_path_factory.mktemp("text")
    for kind in (ImportKind.METRICS, ImportKind.FOCUS, ImportKind.OPENLINEAGE, ImportKind.GX):
        path = folder / f"{kind.value}.txt"
        path.write_text(text, encoding="utf-8")
        parsed = read_path(path, kind)
        assert all(i.reason.strip() for i in parsed.rejected)


def test_formula_like_text_is_stored_as_text(ws2, tmp_path: Path):
    from sqlalchemy import select

    from opsdesk.store.models import CostRecord

    path = tmp_path / "focus.csv"
    path.write_text(FOCUS.replace("Compute", "=cmd|' /C calc'!A0").replace("Storage", "@SUM(A1:A9)"))
    report = runs.import_paths(ws2, [path])
    assert report.committed
    with ws2.read() as s:
        names = set(s.scalars(select(CostRecord.service_name)))
    assert names == {"=cmd|' /C calc'!A0", "@SUM(A1:A9)"}
