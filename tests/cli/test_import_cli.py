"""`opsdesk import`, `opsdesk costs` and `opsdesk rates` run as a user would."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.test_cli import opsdesk as opsdesk_process
from tests.conftest import TEST_DATA


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def opsdesk(capsys):
    """The CLI in-process (the same main() as the installed command, without a second interpreter)."""
    from opsdesk.cli import main

    def run(*args: str, check: bool = False) -> Result:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        if check:
            assert code == 0, out.err
        return Result(code, out.out, out.err)

    return run


def test_import_json_report_then_same_file_again(opsdesk, tmp_path: Path):
    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    focus = TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"
    dry = json.loads(opsdesk("import", "-w", str(ws), "--dry-run", "--json", str(focus), check=True).stdout)
    assert dry["accepted"] == 1000 and dry["batch_id"] is None and dry["dry_run"]
    first = json.loads(opsdesk("import", "-w", str(ws), "--json", str(focus), check=True).stdout)
    assert first["accepted"] == 1000 and first["rejected"] == [] and isinstance(first["batch_id"], int)
    assert any(w["kind"] == "timezone" for w in first["warnings"])
    again = opsdesk("import", "-w", str(ws), str(focus), check=True)
    assert "already imported" in again.stdout and "nothing changed" in again.stdout

    costs = json.loads(opsdesk("costs", "-w", str(ws), "--json", check=True).stdout)
    assert set(costs["unallocated"]) == {"USD"}
    assert Decimal(costs["unallocated"]["USD"]) == Decimal(costs["currencies"]["USD"])  # no rules yet
    assert all(isinstance(v, str) for cur in costs["totals"].values() for v in cur.values())
    by_month = json.loads(opsdesk("costs", "-w", str(ws), "--by", "month", "--json", check=True).stdout)
    assert "2024-09" in by_month["totals"]


def test_import_writes_the_dashboard_summary_the_dashboard_then_reads(opsdesk, tmp_path: Path, monkeypatch):
    from opsdesk.analytics import summary
    from opsdesk.services.workspace import lifecycle

    path = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(path), check=True)
    metrics = tmp_path / "metrics.csv"
    metrics.write_text("timestamp,metric,value,unit\n2026-01-01T00:00:00Z,Pipeline success rate,99,%\n"
                       "2026-01-02T00:00:00Z,Pipeline success rate,97,%\n")
    opsdesk("import", "-w", str(path), "--dry-run", "--kind", "metrics", str(metrics), check=True)
    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        assert summary.count(ws) == 0  # a dry run changes nothing, so keeps nothing
    finally:
        ws.close()
    monkeypatch.chdir(tmp_path)  # a relative path names the same workspace
    opsdesk("import", "-w", "w.opsdesk", "--kind", "metrics", str(metrics), check=True)
    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        assert summary.count(ws) == 1
        data = summary.load(ws)
    finally:
        ws.close()
    assert set(data.seconds) == {"summary"}
    assert str(data.as_of) == "2026-01-02"
    # any command that changes the workspace keeps the summary of the new state; one that only reads does not
    opsdesk("rates", "set", "AUD", "USD", "0.65", "--valid-from", "2020-01-01", "-w", str(path), check=True)
    opsdesk("rates", "list", "-w", str(path), check=True)
    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        assert set(summary.load(ws).seconds) == {"summary"} and summary.count(ws) == 2
    finally:
        ws.close()


def test_import_with_rejections_exits_non_zero_and_writes_nothing(tmp_path: Path):
    opsdesk = opsdesk_process
    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    bad = tmp_path / "metrics.csv"
    bad.write_text("timestamp,metric,value\n2026-01-01T00:00:00Z,Uptime,99\nnot a time,Uptime,98\n")
    r = opsdesk("import", "-w", str(ws), "--json", "--kind", "metrics", str(bad))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    report = json.loads(r.stdout)
    assert report["accepted"] == 1 and report["batch_id"] is None and not report["committed"]
    assert report["rejected"][0]["line"] == 3 and report["rejected"][0]["column"] == "timestamp"
    partial = json.loads(opsdesk("import", "-w", str(ws), "--json", "--accept-partial", str(bad), check=True).stdout)
    assert partial["committed"] and partial["batch_id"]


def test_rates_convert_currencies_only_when_the_user_has_a_rate(opsdesk, tmp_path: Path):
    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    opsdesk("import", "-w", str(ws), str(TEST_DATA / "focus-validator-samples" / "all_pass_0.5.csv"), check=True)
    missing = opsdesk("costs", "-w", str(ws), "--convert-to", "USD")
    assert missing.returncode != 0 and "no exchange rate from AUD to USD" in missing.stderr
    opsdesk("rates", "set", "AUD", "USD", "0.65", "--valid-from", "2020-01-01", "-w", str(ws), check=True)
    listed = json.loads(opsdesk("rates", "list", "--json", "-w", str(ws), check=True).stdout)
    assert listed[0]["rate"] == "0.65"
    out = json.loads(opsdesk("costs", "-w", str(ws), "--json", "--convert-to", "USD", check=True).stdout)
    assert out["currencies"] == {"AUD": "0.01", "USD": "1"} and out["converted"]["total"] == "1.01"


def test_costs_csv_escapes_formula_like_text(opsdesk, tmp_path: Path):
    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    f = tmp_path / "focus.csv"
    f.write_text("ChargePeriodStart,BilledCost,BillingCurrency,ServiceName\n"
                 "2026-01-01T00:00:00Z,5,USD,=cmd|' /C calc'!A0\n2026-01-01T00:00:00Z,-2,USD,@SUM(A1)\n")
    opsdesk("import", "-w", str(ws), str(f), check=True)
    out = opsdesk("costs", "-w", str(ws), "--by", "service", "--csv", check=True).stdout
    assert "'=cmd|' /C calc'!A0" in out and "'@SUM(A1)" in out and ",-2," in out


def test_an_import_run_in_process_leaves_the_garbage_collector_as_it_found_it(opsdesk, tmp_path: Path):
    """`import` pauses the collector while its modules load and leaves them out of later collections; the command
    over, a process that goes on (this one) collects everything as before."""
    import gc

    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    csv = tmp_path / "m.csv"
    csv.write_text("timestamp,metric,value,unit\n2026-01-01T00:00:00Z,Uptime,99.5,%\n", encoding="utf-8")
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    opsdesk("import", "-w", str(ws), str(csv), check=True)
    assert gc.isenabled() and gc.get_freeze_count() == frozen
