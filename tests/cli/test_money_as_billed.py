"""Money as it was billed: BilledCost and EffectiveCost both, per currency, at the scale the bill wrote."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.test_import_cli import Result
from tests.conftest import TEST_DATA

OFFICIAL = TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"


@pytest.fixture
def opsdesk(capsys):
    """The CLI in-process, as in test_import_cli."""
    from opsdesk.cli import main

    def run(*args: str, check: bool = False) -> Result:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        if check:
            assert code == 0, out.err
        return Result(code, out.out, out.err)

    return run


def test_the_official_sample_reports_billed_and_effective_cost(opsdesk, tmp_path: Path):
    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    opsdesk("import", "-w", str(ws), str(OFFICIAL), check=True)
    out = json.loads(opsdesk("costs", "-w", str(ws), "--json", check=True).stdout)
    assert out["BilledCost"]["currencies"] == {"USD": "20.52022672899"}
    assert out["EffectiveCost"]["currencies"] == {"USD": "14.97651418586"}
    row = out["rows"][0]
    assert (row["BilledCost"], row["EffectiveCost"]) == ("20.52022672899", "14.97651418586")
    table = opsdesk("costs", "-w", str(ws), check=True).stdout
    assert "BilledCost" in table and "20.52022672899" in table and "14.97651418586" in table
    rows = list(csv.DictReader(io.StringIO(opsdesk("costs", "-w", str(ws), "--by", "month", "--csv",
                                                   check=True).stdout)))
    assert rows[0]["BilledCost"] == "20.52022672899" and rows[0]["EffectiveCost"] == "14.97651418586"


def test_amounts_keep_the_scale_they_were_written_with(opsdesk, tmp_path: Path):
    ws = tmp_path / "w.opsdesk"
    opsdesk("init", "-w", str(ws), check=True)
    f = tmp_path / "focus.csv"
    f.write_text("ChargePeriodStart,BilledCost,EffectiveCost,BillingCurrency,ServiceName\n"
                 "2026-01-01T00:00:00Z,681.00,681.00,EUR,Compute\n"
                 "2026-01-02T00:00:00Z,-40.00,-40.00,EUR,Support\n"
                 "2026-01-03T00:00:00Z,3.10,3.10,EUR,Storage\n"
                 "2026-01-03T00:00:00Z,59723.99,59723.99,USD,Compute\n"
                 "2026-02-03T00:00:00Z,65021.24,65021.24,USD,Storage\n")
    opsdesk("import", "-w", str(ws), str(f), check=True)
    out = json.loads(opsdesk("costs", "-w", str(ws), "--by", "service", "--json", check=True).stdout)
    assert out["totals"]["Compute"]["EUR"] == "681.00"
    assert out["totals"]["Support"]["EUR"] == "-40.00"
    assert out["BilledCost"]["totals"]["Storage"]["EUR"] == "3.10"
    assert out["currencies"]["EUR"] == "644.10"
    text = opsdesk("costs", "-w", str(ws), "--by", "month", "--csv", check=True).stdout
    amounts = [v for r in csv.DictReader(io.StringIO(text)) if r["currency"] == "USD"
               for v in (r["BilledCost"], r["EffectiveCost"], r["allocated"], r["unallocated"])]
    assert {len(a.split(".")[1]) for a in amounts} == {2}, text
    assert "59723.99" in text and "65021.24" in text
