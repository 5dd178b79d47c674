"""A metrics file larger than one chunk is read, checked and written chunk by chunk (flat memory) and keeps
every promise of a whole-file import: all or nothing, clear rejections, repeated rows found across chunks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from opsdesk.services.imports import runs
from opsdesk.store.models import ImportBatch, MetricPoint
from tests.ingest.conftest import workspace_state, write

CHUNK = 2_000  # bytes: a few dozen rows per chunk
HEADER = "timestamp,initiative,metric,value,unit\n"


def rows(n: int, start: int = 0, code: str = "AI-0001", metric: str = "Latency") -> list[str]:
    return [f"2026-01-01T{(start + i) // 3600 % 24:02d}:{(start + i) // 60 % 60:02d}:{(start + i) % 60:02d}Z,"
            f"{code},{metric},{i % 97}.5,ms\n" for i in range(n)]


def points(ws) -> int:
    with ws.read() as s:
        return s.scalar(select(func.count()).select_from(MetricPoint)) or 0


def test_a_bad_last_row_after_many_chunks_leaves_the_workspace_as_it_was(ws2, tmp_path: Path):
    body = rows(800)
    path = write(tmp_path, "big.csv", HEADER + "".join(body) + "2026-01-02T00:00:00Z,AI-0001,Latency,fast,ms\n")
    assert path.stat().st_size > 10 * CHUNK
    before = workspace_state(ws2)
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK)
    assert not report.committed
    assert workspace_state(ws2) == before
    [issue] = report.rejected
    assert (issue.file, issue.line, issue.column) == ("big.csv", 802, "value")
    assert "'fast'" in issue.reason and "nothing was imported" in report.message
    assert report.files[0].status == "refused"


def test_an_unknown_initiative_deep_in_the_file_is_named_and_nothing_is_written(ws2, tmp_path: Path):
    body = rows(500) + rows(1, start=900, code="AI-0404") + rows(300, start=1000)
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    before = workspace_state(ws2)
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK)
    assert not report.committed and workspace_state(ws2) == before
    assert [(i.line, i.column) for i in report.rejected] == [(502, "initiative")]
    assert "AI-0404 does not exist" in report.rejected[0].reason


def test_a_large_file_imports_whole_in_chunks(ws2, tmp_path: Path):
    body = rows(600) + rows(600, metric="Throughput", code="AI-0002")
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK)
    assert report.committed and report.accepted == 1200 and not report.warnings
    assert points(ws2) == 1200
    with ws2.read() as s:
        batch = s.get(ImportBatch, report.batch_id)
        assert (batch.accepted, batch.rejected) == (1200, 0)


def test_rows_repeating_a_series_and_time_in_different_chunks_are_found(ws2, tmp_path: Path):
    body = rows(700)
    body.append(body[3].replace(",3.5,", ",42.0,"))  # the same series and time as line 5, hundreds of rows on
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK)
    assert report.committed and report.accepted == 700
    [warning] = [w for w in report.warnings if w.kind == "duplicate"]
    assert "line 5 by line 702" in warning.reason
    with ws2.read() as s:  # the later row won
        assert s.scalar(select(MetricPoint.value).where(MetricPoint.ts == 1767225603)) == 42.0
    assert points(ws2) == 700


def test_strict_rejects_repeats_across_chunks_and_commits_nothing(ws2, tmp_path: Path):
    body = rows(700)
    body.append(body[3].replace(",3.5,", ",42.0,"))
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    before = workspace_state(ws2)
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK, strict=True)
    assert not report.committed and workspace_state(ws2) == before
    assert sorted(i.line for i in report.rejected) == [5, 702]


def test_strict_partial_import_leaves_out_both_repeated_rows(ws2, tmp_path: Path):
    body = rows(700)
    body.append(body[3].replace(",3.5,", ",42.0,"))
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK, strict=True, accept_partial=True)
    assert report.committed and report.accepted == 699
    assert points(ws2) == 699
    with ws2.read() as s:
        assert s.scalar(select(MetricPoint.value).where(MetricPoint.ts == 1767225603)) is None


def test_preview_then_commit_of_a_large_file_checks_once_and_writes_it(ws2, tmp_path: Path):
    body = rows(500) + ["2026-01-02T00:00:00Z,AI-0001,Latency,fast,ms\n"] + rows(300, start=2000)
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    from opsdesk.ingest.report import ReadOptions

    before = workspace_state(ws2)
    plan = runs.preview(ws2, [path], options=ReadOptions(chunk_bytes=CHUNK))
    assert workspace_state(ws2) == before
    assert [i.line for i in plan.report().rejected] == [502] and plan.report().accepted == 800
    report = runs.commit(ws2, plan, accept_partial=True)
    assert report.committed and points(ws2) == 800 and len(report.rejected) == 1


def test_a_file_irregular_in_one_chunk_names_the_broken_line(ws2, tmp_path: Path):
    body = rows(500) + ["2026-01-02T00:00:00Z,AI-0001\n", "\n"] + rows(300, start=2000)
    path = write(tmp_path, "big.csv", HEADER + "".join(body))
    report = runs.import_paths(ws2, [path], chunk_bytes=CHUNK)
    assert not report.committed
    assert [i.line for i in report.rejected] == [502]
    assert "cut short" in report.rejected[0].reason


def test_crlf_and_quoted_large_files_import_the_same(ws2, tmp_path: Path):
    body = rows(400)
    crlf = write(tmp_path, "crlf.csv", (HEADER + "".join(body)).replace("\n", "\r\n"))
    report = runs.import_paths(ws2, [crlf], chunk_bytes=CHUNK)
    assert report.committed and report.accepted == 400 and not report.rejected
    quoted = write(tmp_path, "quoted.csv", HEADER + "".join(r.replace(",Latency,", ',"Throughput",')
                                                              for r in rows(400)))
    report = runs.import_paths(ws2, [quoted], chunk_bytes=CHUNK)  # quotes: read whole, carefully
    assert report.committed and report.accepted == 400
    assert points(ws2) == 800
