"""opsdesk inventory export / check / import, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from opsdesk.domain import inventory as inv
from tests.cli.test_cli import opsdesk


def test_check_json_names_gaps_and_at_least_half_the_demo_is_ready(demo_path: Path) -> None:
    data = json.loads(opsdesk("inventory", "check", "--json", "--year", "2026", "--workspace", str(demo_path),
                              check=True).stdout)
    assert data["year"] == 2026 and data["initiatives"] == len(data["rows"]) > 0
    assert data["initiatives"] > data["ready"] >= data["initiatives"] / 2
    wildfire = next(r for r in data["rows"] if r["name"] == "Wildfire risk forecasting")
    assert {"column": "hi_assessment_completed", "kind": "inconsistent",
            "problem": "says the impact assessment is complete but no assessment date is recorded"} in wildfire["gaps"]
    table = opsdesk("inventory", "check", "--workspace", str(demo_path), check=True).stdout
    assert "ready for the" in table.splitlines()[-1]


def test_export_writes_the_omb_file_and_the_year_leaves_out_earlier_retirements(demo_path: Path,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "inv.csv"
    r = opsdesk("inventory", "export", "--format", "omb-2025", "--out", str(out), "--year", "2026",
                "--workspace", str(demo_path), check=True)
    assert "wrote" in r.stdout and out.read_bytes()[:3] == b"\xef\xbb\xbf"
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert tuple(df.columns) == inv.COLUMN_NAMES
    later = tmp_path / "later.csv"
    opsdesk("inventory", "export", "--format", "omb-2025", "--out", str(later), "--year", "2030",
            "--workspace", str(demo_path), check=True)
    df_later = pd.read_csv(later, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    retired = set(df[df["development_stage"] == "Retired"]["id"])
    assert retired and not retired & set(df_later["id"]) and len(df_later) == len(df) - len(retired)


def test_cots_and_atrs_exports(demo_path: Path, tmp_path: Path) -> None:
    cots = tmp_path / "cots.csv"
    opsdesk("inventory", "export", "--format", "omb-2025-cots", "--out", str(cots), "--workspace",
            str(demo_path), check=True)
    df = pd.read_csv(cots, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert tuple(df.columns) == inv.COTS_COLUMNS and "Y" in set(df["Agency Use (Y/N)?"])
    md = tmp_path / "atrs.md"
    opsdesk("inventory", "export", "--format", "atrs", "--tier", "2", "--out", str(md), "--workspace",
            str(demo_path), check=True)
    text = md.read_text(encoding="utf-8")
    assert "template v3.0" in text and "Tier 2 — Owner and responsibility" in text and "### Gaps" in text


def test_bad_input_exits_2_with_one_line_and_changes_nothing(tmp_path: Path) -> None:
    ws_path = tmp_path / "w.opsdesk"
    opsdesk("init", "--workspace", str(ws_path), check=True)
    bad = tmp_path / "not-an-inventory.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    r = opsdesk("inventory", "import", str(bad), "--workspace", str(ws_path))
    assert r.returncode == 2 and "not-an-inventory.csv:1" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    missing = opsdesk("inventory", "import", str(tmp_path / "nope.csv"), "--workspace", str(ws_path))
    assert missing.returncode == 2 and "nope.csv" in missing.stderr
    out = opsdesk("inventory", "export", "--format", "atrs", "--out", str(tmp_path / "x.txt"), "--workspace",
                  str(ws_path))
    assert out.returncode == 2 and ".md, .csv or .json" in out.stderr
    listing = json.loads(opsdesk("initiatives", "list", "--json", "--workspace", str(ws_path), check=True).stdout)
    assert listing == []


def test_import_reports_rows_and_columns_and_is_idempotent(tmp_path: Path) -> None:
    ws_path = tmp_path / "w.opsdesk"
    opsdesk("init", "--workspace", str(ws_path), check=True)
    src = tmp_path / "inv.csv"
    src.write_text(",".join(inv.COLUMN_NAMES) + "\n"
                   + "DPS,Dept,DPS-1,Reader,Ops,a@b.gov,No,Pilot,Not High-impact,,Cooking,NLP,p,b,o,"
                     "2025-02-30,In-house Development,,No,,d,,No,,[],No,,,,,,,,,,[]\n", encoding="utf-8")
    first = json.loads(opsdesk("inventory", "import", str(src), "--json", "--workspace", str(ws_path),
                               check=True).stdout)
    assert first["created"] == 1
    where = {(w["line"], w["column"]) for w in first["warnings"]}
    assert {(2, "topic_area"), (2, "operational_date")} <= where
    again = opsdesk("inventory", "import", str(src), "--workspace", str(ws_path), check=True)
    assert "created 0, updated 0, unchanged 1" in again.stdout


def test_cots_answers_are_recorded_and_exported(tmp_path: Path) -> None:
    ws_path = tmp_path / "w.opsdesk"
    opsdesk("init", "--workspace", str(ws_path), "--name", "Small Agency", check=True)
    opsdesk("inventory", "cots", "generating code using ai.", "--use", "Y", "--product", "CodeHelper",
            "--licences", "1-100", "--workspace", str(ws_path), check=True)
    bad = opsdesk("inventory", "cots", "Writing poems", "--use", "Y", "--workspace", str(ws_path))
    assert bad.returncode == 2 and "not one of the consolidated COTS tasks" in bad.stderr
    out = tmp_path / "cots.csv"
    opsdesk("inventory", "export", "--format", "omb-2025-cots", "--out", str(out), "--workspace", str(ws_path),
            check=True)
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    row = df[df["AI Use Case"] == "Generating code using AI."].iloc[0]
    assert (row["Agency"], row["Agency Use (Y/N)?"], row["Name of Commercial Product or Service Used"],
            row["Estimated # of Licenses/Users"]) == ("Small Agency", "Y", "CodeHelper", "1-100")
