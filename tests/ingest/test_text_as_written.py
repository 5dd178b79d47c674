"""Text as it was written: Windows-1252 files decoded as Windows-1252 (said so), and only CR and LF end a line."""

from __future__ import annotations

from pathlib import Path

from opsdesk.ingest.detect import read_path
from tests.ingest.conftest import write

HEADER = "ChargePeriodStart,BilledCost,BillingCurrency,ServiceName,ChargeDescription\r\n"


def test_windows_1252_punctuation_and_euro_survive(tmp_path: Path):
    row = '2026-01-01T00:00:00Z,12.50,EUR,Compute,"Agency’s GPU – 12 € per hour…"\r\n'
    path = write(tmp_path, "bill.csv", (HEADER + row).encode("cp1252"))
    parsed = read_path(path)
    assert not parsed.rejected and parsed.accepted == 1
    assert parsed.data.rows[0]["charge_description"] == "Agency’s GPU – 12 € per hour…"
    assert any(w.kind == "encoding" and "Windows-1252" in w.reason for w in parsed.warnings)


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin_1(tmp_path: Path):
    data = (HEADER + '2026-01-01T00:00:00Z,1,EUR,Compute,"caf\xe9 \x81"\n').encode("latin-1")
    parsed = read_path(write(tmp_path, "odd.csv", data))
    assert parsed.data.rows[0]["charge_description"] == "café \x81"


def test_line_separators_inside_a_quoted_field_do_not_split_the_row(tmp_path: Path):
    rows = ('2026-01-01T00:00:00Z,1,EUR,Compute,"first\u2028second"\n'
            '2026-01-02T00:00:00Z,2,EUR,Compute,"next\u0085line"\n'
            '2026-01-03T00:00:00Z,3,EUR,Compute,"form\x0cfeed and \x1e record separator"\n')
    parsed = read_path(write(tmp_path, "seps.csv", HEADER + rows))
    assert not parsed.rejected
    assert [r["charge_description"] for r in parsed.data.rows] == [
        "first\u2028second", "next\u0085line", "form\x0cfeed and \x1e record separator"]
    # the cp1252 ellipsis (byte 0x85) inside a quoted field, in a file that is not UTF-8
    data = (HEADER + '2026-01-01T00:00:00Z,1,EUR,Compute,"wait… what"\r\n').encode("cp1252")
    parsed = read_path(write(tmp_path, "ellipsis.csv", data))
    assert parsed.accepted == 1 and parsed.data.rows[0]["charge_description"] == "wait… what"


def test_metrics_file_in_windows_1252_keeps_its_names(tmp_path: Path):
    data = "timestamp,series,value,unit\r\n2026-01-01T00:00:00Z,Débit – réseau,1.5,count\r\n".encode("cp1252")
    parsed = read_path(write(tmp_path, "m.csv", data))
    assert parsed.accepted == 1 and parsed.data.keys[0].name == "Débit – réseau"
