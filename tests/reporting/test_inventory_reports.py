"""Exporting, checking and importing the federal AI use case inventory, and the UK ATRS records."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from opsdesk.domain import inventory as inv
from opsdesk.errors import OpsDeskError, ValidationError
from opsdesk.services.registry import initiatives, people
from opsdesk.services.reporting import atrs, inventory, inventory_import
from tests.conftest import SHARED_DATA

DICT_DIR = SHARED_DATA / "us-federal-ai-inventory-2025"
REAL_2025 = DICT_DIR / "2025_individually_reported_AI_use_cases.csv"


def _seed(ws) -> None:
    people.create(ws, {"name": "Ada Lovelace", "email": "ada@dps.example.gov", "unit": "Data Office",
                       "discipline": "data", "committee_role": "none"})
    initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage", "problem": "Backlog.", "owner": "Ada Lovelace",
                            "expected_benefits": "Faster.", "outputs": "A ranked queue.", "risk_tier": "high_impact"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Letter drafting", "problem": "Slow letters.",
                            "expected_benefits": "Quicker replies.", "outputs": "Draft letters.",
                            "owner": "Ada Lovelace"})


def _complete(ws, code: str) -> None:
    inventory.update_record(ws, code, {
        "agency": "DPS", "agency_name": "Department of Public Services", "use_case_id": f"DPS-{code}",
        "is_withheld": "No", "topic_area": "Service Delivery", "ai_classification": "NLP"})


def test_export_reads_back_with_pandas_against_the_dictionary(ws, tmp_path: Path) -> None:
    _seed(ws)
    _complete(ws, "AI-0001")
    inventory.update_record(ws, "AI-0002", {"demographic_features": "Sex, c) Age", "is_withheld": "a) No",
                                            "contracting_usage": "Vendor Purchased", "vendor_name": "Acme—Ünïcode"})
    out = tmp_path / "inv.csv"
    result = inventory.export(ws, "omb-2025", out, year=2026)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert tuple(df.columns) == inv.COLUMN_NAMES
    assert len(df) == result.rows == 2
    dictionary = json.loads((DICT_DIR / "data_dictionary.json").read_text(encoding="utf-8"))
    for column in df.columns:
        if column not in dictionary:
            assert column in ("agency", "agency_name")
            continue
        entry = dictionary[column]
        if entry["data_type"] == "multiple_choice":
            allowed = set((entry.get("short_hand_recodings") or {}).values()) or set(entry["valid_selections"])
            assert set(df[column]) - {""} <= allowed, column
        elif entry["data_type"] == "select_multiple":
            allowed = set((entry.get("short_hand_recodings") or {}).values()) or set(entry["valid_selections"])
            for text in df[column]:
                assert text.startswith("[") and text.endswith("]")
                assert set(inv.parse_multi(text)) <= allowed, column
        elif entry["data_type"] == "date":
            for text in df[column]:
                if text:
                    pd.Timestamp(text)
    row = df.set_index("id").loc["DPS-AI-0001"]
    assert row["is_high_impact"] == "High-impact"
    assert row["development_stage"] == "Pre-deployment"
    assert row["contact_email"] == "ada@dps.example.gov"  # from the owner
    assert row["agency_bureau"] == "Data Office"
    two = df[df["use_case_name"] == "Letter drafting"].iloc[0]
    assert two["demographic_features"] == "['b) Sex', 'c) Age']"
    assert two["vendor_name"] == "Acme—Ünïcode"


def test_full_spelling_writes_the_templates_lettered_choices(ws, tmp_path: Path) -> None:
    _seed(ws)
    _complete(ws, "AI-0001")
    out = tmp_path / "full.csv"
    inventory.export(ws, "omb-2025", out, year=2026, spelling="full")
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert set(df["is_withheld"]) <= {"a) No", ""}
    assert df["development_stage"].iloc[0].startswith("a) Pre-deployment –")


def test_check_lists_gaps_and_fixing_them_makes_the_row_ready(ws) -> None:
    _seed(ws)
    rows = {r.code: r for r in inventory.check(ws, 2026)}
    assert {g.column for g in rows["AI-0002"].gaps} >= {"agency", "is_withheld", "topic_area", "classification"}
    _complete(ws, "AI-0002")
    assert next(r for r in inventory.check(ws, 2026) if r.code == "AI-0002").ready


def test_bad_record_value_is_refused_and_nothing_changes(ws) -> None:
    _seed(ws)
    with pytest.raises(ValidationError, match="topic_area"):
        inventory.update_record(ws, "AI-0001", {"topic_area": "Astrology", "agency": "DPS"})
    assert inventory.get_record(ws, "AI-0001").values == {}


def test_duplicate_use_case_id_in_one_agency_is_refused(ws) -> None:
    _seed(ws)
    _complete(ws, "AI-0001")
    with pytest.raises(ValidationError, match="already the id"):
        inventory.update_record(ws, "AI-0002", {"agency": "DPS", "use_case_id": "DPS-AI-0001"})


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SMALL_2025 = (
    ",".join(inv.COLUMN_NAMES) + "\n"
    + "DPS,Department of Public Services,DPS-7,Pothole finder,Roads,roads@dps.gov,No,Deployed,Not High-impact,,"
      "Transportation,Computer Vision,Potholes.,Safer roads.,Map pins.,2024-10-01,In-house Development,,No,,"
      "Street images,,No,,['k) None of the above'],Yes,,,,,,,,,,[]\n"
    + "DPS,Department of Public Services,DPS-8,Budget bot,Finance,fin@dps.gov,No,Pilot,High-impact,,"
      "Astrology,Generative AI,Questions.,Answers.,Text.,Jul-25,Vendor Purchased,Acme,Yes,FinSys,"
      "Ledgers,,Yes,,[],No,,In-progress,,,,,,,,[]\n"
)


def test_import_creates_then_second_import_changes_nothing(ws, tmp_path: Path) -> None:
    path = _write(tmp_path / "small.csv", SMALL_2025)
    first = inventory_import.import_file(ws, path)
    assert (first.created, first.updated) == (2, 0)
    unknown = [w for w in first.warnings if w.column == "topic_area"]
    assert unknown and unknown[0].line == 3 and "Astrology" in unknown[0].reason
    assert any(w.column == "operational_date" and "month" in w.reason for w in first.warnings)
    rows = {r.values["id"]: r for r in inventory.check(ws, 2026)}
    assert rows["DPS-7"].stage.value == "production" and rows["DPS-7"].ready
    assert rows["DPS-8"].values["is_high_impact"] is inv.HighImpact.HIGH_IMPACT
    assert any(g.kind == "unknown" and g.column == "topic_area" for g in rows["DPS-8"].gaps)
    from sqlalchemy import func, select

    from opsdesk.store.models import AuditEvent

    with ws.read() as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    second = inventory_import.import_file(ws, path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    with ws.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_import_updates_a_known_use_case_by_id(ws, tmp_path: Path) -> None:
    inventory_import.import_file(ws, _write(tmp_path / "a.csv", SMALL_2025))
    changed = SMALL_2025.replace("Safer roads.", "\"Safer, smoother roads.\"")
    report = inventory_import.import_file(ws, _write(tmp_path / "b.csv", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    code = next(r.code for r in inventory.check(ws) if r.values["id"] == "DPS-7")
    assert initiatives.get(ws, code).expected_benefits == "Safer, smoother roads."


def test_not_an_inventory_is_refused_with_the_file_named(ws, tmp_path: Path) -> None:
    path = _write(tmp_path / "costs.csv", "BilledCost,ChargePeriodStart\n1,2024-01-01\n")
    with pytest.raises(OpsDeskError, match="costs.csv:1.*not an AI use case inventory"):
        inventory_import.import_file(ws, path)
    assert initiatives.count(ws) == 0


HEADER_2024 = [
    "Use Case Name", "Agency", "Agency Abbreviation", "Bureau", "Use Case Topic Area", "Other (Use Case Topic Area)",
    "What is the intended purpose and expected benefits of the AI?", "Describe the AI system’s outputs.",
    "Stage of Development", "Is the AI use case rights-impacting, safety-impacting, both, or neither?",
    "Date Initiated", "Date Implemented",
] + [f"Other column {i}" for i in range(50)]


def test_2024_shape_in_windows_1252_is_read_and_recoded(ws, tmp_path: Path) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER_2024)
    w.writerow(["Café résumé screening", "Department of Labor", "DOL", "ETA", "Human Resources", "",
                "Faster résumé review", "Scores", "Operation and Maintenance", "Rights-Impacting", "", "5/1/2023"]
               + [""] * 50)
    w.writerow(["Form reader", "Department of Labor", "DOL", "OSHA", "Government Services", "", "Read forms",
                "Fields", "Initiated", "Neither", "", ""] + [""] * 50)
    path = _write(tmp_path / "2024.csv", buf.getvalue(), "cp1252")
    assert len(HEADER_2024) == 62
    report = inventory_import.import_file(ws, path)
    assert report.shape == "2024" and report.encoding == "Windows-1252"
    assert report.created == 2
    assert any("Operation and Maintenance" in n and "Deployed" in n for n in report.notes)
    assert any(w.column == "topic_area" and w.line == 3 for w in report.warnings)  # 2024 topic not in 2025's list
    rows = {r.name: r for r in inventory.check(ws)}
    cafe = rows["Café résumé screening"]
    assert cafe.values["development_stage"] is inv.DevelopmentStage.DEPLOYED
    assert cafe.values["is_high_impact"] is inv.HighImpact.HIGH_IMPACT
    assert str(cafe.values["operational_date"]) == "2023-05-01"


def test_2023_shape_with_ten_columns_is_read(ws, tmp_path: Path) -> None:
    header = "Department,Agency,Office,Use Case Name,Summary of Use Case,Development_Stage,Techniques," \
             "Source Code,Contact Name,Contact Email\n"
    rows = ("Department of Energy,NNSA,Office X,Grid forecaster,Forecasts load,In production: more than 1 year,"
            "ML,,Jo,jo@doe.gov\n"
            "Department of Energy,NNSA,,Plan bot,Plans,Planned (not in production),NLP,,,\n")
    report = inventory_import.import_file(ws, _write(tmp_path / "2023.csv", header + rows))
    assert report.shape == "2023" and report.created == 2
    by_name = {r.name: r for r in inventory.check(ws)}
    assert by_name["Grid forecaster"].values["development_stage"] is inv.DevelopmentStage.DEPLOYED
    assert by_name["Plan bot"].values["development_stage"] is inv.DevelopmentStage.PRE_DEPLOYMENT
    assert by_name["Grid forecaster"].values["agency_name"] == "Department of Energy"


@pytest.mark.skipif(not REAL_2025.exists(), reason="the 2025 inventory is not in shared/data")
def test_real_2025_inventory_imports_with_counts_per_agency(sqlite_ws, tmp_path: Path) -> None:
    df = pd.read_csv(REAL_2025, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    df = df[df["use_case_name"].str.strip() != ""]
    key = df["id"].str.strip().where(df["id"].str.strip() != "",
                                     "name:" + df["agency_bureau"] + "\x1f" + df["use_case_name"].str.casefold())
    expected = df.assign(k=key).drop_duplicates(["agency", "k"]).groupby("agency").size().to_dict()
    report = inventory_import.import_file(sqlite_ws, REAL_2025)
    assert report.per_agency == expected
    assert report.created == sum(expected.values())
    assert any(i.column == "use_case_name" for i in report.rejected)  # the one row without a name
    assert any(w.column == "topic_area" for w in report.warnings)  # e.g. "Other – Economic & Financial"
    rows = inventory.check(sqlite_ws)
    by_agency: dict[str, int] = {}
    for r in rows:
        by_agency[r.values["agency"]] = by_agency.get(r.values["agency"], 0) + 1
    assert by_agency == expected
    again = inventory_import.import_file(sqlite_ws, REAL_2025)
    assert (again.created, again.updated) == (0, 0)


def test_atrs_tier_2_lists_template_fields_and_gaps(ws, tmp_path: Path) -> None:
    _seed(ws)
    _complete(ws, "AI-0001")
    inventory.update_record(ws, "AI-0001", {"atrs.scope": "Claims only.", "atrs.region": "England"})
    md = tmp_path / "atrs.md"
    inventory.export(ws, "atrs", md, tier=2)
    text = md.read_text(encoding="utf-8")
    assert "template v3.0" in text and "`senior_responsible_owner`" in text and "Claims only." in text
    js = tmp_path / "atrs.json"
    inventory.export(ws, "atrs", js, tier=1)
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["standard_version"] == "3.0" and data["tier"] == 1
    rec = data["records"][0]
    assert rec["name"] == "Claims triage" and "website_url" in rec["gaps"]
    assert "process_integration" not in rec  # a Tier 2 field
    csv_out = tmp_path / "atrs.csv"
    inventory.export(ws, "atrs", csv_out, tier=2)
    df = pd.read_csv(csv_out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert {"risks_and_mitigations", "impact_assessment", "data_sharing_agreements"} <= set(df.columns)
    assert atrs.records(ws, 2)[0].gaps


def test_atrs_unknown_suffix_is_refused(ws, tmp_path: Path) -> None:
    _seed(ws)
    with pytest.raises(ValidationError, match=".md, .csv or .json"):
        inventory.export(ws, "atrs", tmp_path / "x.txt", tier=1)


def test_cots_export_has_every_task(ws, tmp_path: Path) -> None:
    _seed(ws)
    inventory.update_record(ws, "AI-0002", {"cots_task": "Generating code using AI.", "vendor_name": "CodeHelper"})
    out = tmp_path / "cots.csv"
    inventory.export(ws, "omb-2025-cots", out, year=2026)
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert tuple(df.columns) == inv.COTS_COLUMNS and len(df) == len(inv.COTS_TASKS)
    code = df[df["AI Use Case"] == "Generating code using AI."].iloc[0]
    assert code["Agency Use (Y/N)?"] == "Y" and code["Name of Commercial Product or Service Used"] == "CodeHelper"
    individual = tmp_path / "ind.csv"
    inventory.export(ws, "omb-2025", individual, year=2026)
    assert "Letter drafting" not in individual.read_text(encoding="utf-8-sig")


def test_dry_run_reports_and_writes_nothing(ws, tmp_path: Path) -> None:
    report = inventory_import.import_file(ws, _write(tmp_path / "small.csv", SMALL_2025), dry_run=True)
    assert report.dry_run and report.created == 2
    assert initiatives.count(ws) == 0


def test_row_of_an_issue_is_the_spreadsheet_row_after_a_multi_line_cell(ws, tmp_path: Path) -> None:
    lines = SMALL_2025.splitlines()
    multi = lines[0] + "\n" + lines[1].replace("Potholes.", '"Potholes\nand cracks."') + "\n" + lines[2] + "\n"
    report = inventory_import.import_file(ws, _write(tmp_path / "multi.csv", multi))
    astro = next(w for w in report.to_json()["warnings"] if w["column"] == "topic_area")
    assert (astro["line"], astro["row"]) == (4, 3)


@pytest.mark.skipif(not (DICT_DIR / "2025_consolidated_COTS_AI_use_cases.csv").exists(), reason="no COTS file")
def test_real_2025_cots_file_imports_every_agency_and_task(sqlite_ws) -> None:
    path = DICT_DIR / "2025_consolidated_COTS_AI_use_cases.csv"
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    report = inventory_import.import_file(sqlite_ws, path)
    assert report.shape == "cots" and not report.rejected
    assert report.created == len(df) == 900
    assert report.per_agency == df.groupby("Agency").size().to_dict()
    again = inventory_import.import_file(sqlite_ws, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 900)


def test_agency_file_with_the_templates_excel_headers_and_lettered_choices(ws, tmp_path: Path) -> None:
    import csv
    import io

    dictionary = json.loads((DICT_DIR / "data_dictionary.json").read_text(encoding="utf-8"))
    header = [dictionary[c]["excel_header"] for c in inv.COLUMN_NAMES[2:]]
    values = {"id": "DPS-9", "use_case_name": "Grant reader", "agency_bureau": "Grants", "contact_email": "g@dps.gov",
              "is_withheld": "a) No", "development_stage": inv.DevelopmentStage.PILOT.full,
              "is_high_impact": "c) Not high-impact", "topic_area": "Government Benefits Processing",
              "classification": inv.AIClassification.NLP.full, "contracting_usage": "b) Developed in-house",
              "demographic_features": "['k) None of the above']", "hi_public_consultation": "[]"}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerow([values.get(c, "") for c in inv.COLUMN_NAMES[2:]])
    report = inventory_import.import_file(ws, _write(tmp_path / "agency.csv", buf.getvalue()))
    assert report.shape == "2025" and report.created == 1 and not report.warnings
    row = inventory.check(ws)[0]
    assert row.values["id"] == "DPS-9" and row.values["development_stage"] is inv.DevelopmentStage.PILOT
    assert row.values["topic_area"] is inv.TopicArea.GOVERNMENT_BENEFITS_PROCESSING
    assert row.values["contracting_usage"] is inv.ContractingUsage.IN_HOUSE


def test_export_then_import_into_another_workspace_gives_the_same_rows(ws, tmp_path: Path) -> None:
    from opsdesk.services.workspace import lifecycle

    inventory_import.import_file(ws, _write(tmp_path / "small.csv", SMALL_2025))
    out = tmp_path / "out.csv"
    inventory.export(ws, "omb-2025", out, spelling="full")
    other = lifecycle.create(tmp_path / "other.opsdesk", organisation="Other", actor="tester")
    try:
        report = inventory_import.import_file(other, out)
        assert report.created == 2
        again = tmp_path / "again.csv"
        inventory.export(other, "omb-2025", again, spelling="full")
        assert again.read_bytes() == out.read_bytes()
    finally:
        other.close()
