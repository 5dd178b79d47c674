"""No silent overwrite, no silent double: repeated metric rows are reported, a bill saved again with other line
endings is recognised, and charge periods in the future or ending before they start are warned about."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from opsdesk.analytics import snapshot
from opsdesk.ingest.detect import read_path
from opsdesk.ingest.report import ReadOptions
from opsdesk.services.finance import costs
from opsdesk.services.imports import runs
from opsdesk.services.registry import metrics
from tests.conftest import TEST_DATA
from tests.ingest.conftest import workspace_state, write

METRICS = ("timestamp,series,value\n"
           "2026-01-01T00:00:00Z,latency,1\n"
           "2026-01-01T00:00:00Z,latency,2\n"
           "2026-01-02T00:00:00Z,latency,3\n"
           "2026-01-02T00:00:00Z,accuracy,4\n"
           "2026-01-01T00:00:00Z,latency,5\n")


def test_repeated_series_and_time_keep_the_last_and_say_so(ws, tmp_path: Path):
    path = write(tmp_path, "m.csv", METRICS)
    parsed = read_path(path)
    warning = next(w for w in parsed.warnings if w.kind == "duplicate")
    assert warning.reason.startswith("2 rows") and "line 2 by line 3" in warning.reason and "line 6" in warning.reason
    assert parsed.accepted == 3
    report = runs.import_paths(ws, [path])
    assert report.committed
    series = next(s for s in metrics.list_series(ws) if s.name == "latency")
    _ts, values = metrics.points(ws, series.id)
    assert values.tolist() == [5.0, 3.0]  # the last row written for 2026-01-01 wins


def test_strict_rejects_repeated_rows_and_writes_nothing(ws, tmp_path: Path):
    path = write(tmp_path, "m.csv", METRICS)
    parsed = read_path(path, options=ReadOptions(strict=True))
    assert sorted(i.line for i in parsed.rejected) == [2, 3, 6]
    assert all("has another value at this time" in i.reason for i in parsed.rejected)
    before = workspace_state(ws)
    report = runs.import_paths(ws, [path], strict=True)
    assert not report.committed and workspace_state(ws) == before


def test_the_same_bill_with_other_line_endings_is_recognised(ws, tmp_path: Path):
    crlf = (TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv").read_bytes()
    lf = crlf.replace(b"\r\n", b"\n") if b"\r\n" in crlf else crlf.replace(b"\n", b"\r\n")
    first = runs.import_paths(ws, [write(tmp_path, "bill.csv", crlf)])
    assert first.committed
    totals = costs.totals(ws)
    before = workspace_state(ws)
    again = runs.import_paths(ws, [write(tmp_path, "bill-resaved.csv", lf)])
    assert not again.committed
    assert again.files[0].status == "duplicate" and "already in the workspace" in again.files[0].message
    assert workspace_state(ws) == before and costs.totals(ws) == totals


def test_future_and_inverted_charge_periods_are_warned_and_as_of_stays_today(ws, tmp_path: Path):
    path = write(tmp_path, "odd.csv", "ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency\n"
                                      "2026-01-02T00:00:00Z,2026-01-01T00:00:00Z,5,USD\n"
                                      "2099-01-01T00:00:00Z,2099-01-02T00:00:00Z,7,USD\n")
    report = runs.import_paths(ws, [path])
    kinds = {(w.column, w.kind): w for w in report.warnings}
    assert "end their charge period before it starts" in kinds[("ChargePeriodEnd", "period")].reason
    assert "start after today" in kinds[("ChargePeriodStart", "period")].reason
    assert report.committed
    assert snapshot.load(ws).as_of <= ws.clock().date() < dt.date(2099, 1, 1)
