"""CSV import and export of the risk and incident registers: all or nothing, every problem named by file, row and
column, the same file twice a no-op, and a round trip that changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from opsdesk.services.registry import initiatives, people
from opsdesk.services.risk import csv_io, incidents, risks
from opsdesk.services.risk.csv_io import CsvImportError
from opsdesk.store.models import AuditEvent, ImportBatch

RISK_HEADER = ("Initiative,Ref,Title,Description,Category,Likelihood,Impact,Residual Likelihood,Residual Impact,"
               "Owner,Treatment,Accepted By,Review Date,NIST AI RMF,Mitigation,Mitigation Owner,Mitigation Due,"
               "Mitigation Status\n")


@pytest.fixture
def org(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Benefits triage", "budget": "1000"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Road defects", "budget": "1000"})
    people.create(ws, {"name": "Ana Díaz", "email": "ana.diaz@x.gov", "discipline": "data"})
    people.create(ws, {"name": "Bo Lee", "email": "bo.lee@x.gov", "discipline": "ml"})
    return ws


def _write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _state(ws):
    with ws.read() as s:
        return (s.scalar(select(func.count()).select_from(AuditEvent)),
                s.scalar(select(func.count()).select_from(ImportBatch)))


GOOD = RISK_HEADER + (
    'AI-0001,,Bias against older claimants,"Scores drift\nfor claimants over 70",bias and fairness,4,4,2,3,'
    'ana.diaz@x.gov,mitigate,,2027-01-31,MEASURE-2; MAP-5,Fairness test per age band,bo.lee@x.gov,31-Jan-2027,'
    'in progress\n'
    'AI-0001,,Bias against older claimants,,,,,,,,,,,,Caseworker review,Ana Díaz,,planned\n'
    'AI-0002,AI-0002-R7,Vendor lock-in,=HYPERLINK("x"),vendor,3,3,,,Bo Lee,accept,ana.diaz@x.gov,,GOVERN-6,,,,\n'
)


def test_a_risk_register_is_imported_with_its_mitigations_and_twice_is_a_no_op(org, tmp_path):
    path = _write(tmp_path / "risks.csv", GOOD, bom=True, crlf=True)
    result = csv_io.import_risks(org, path)
    assert (result.rows, result.created, result.updated) == (3, 2, 0)
    (bias,) = risks.list_risks(org, initiative_code="AI-0001")
    assert bias.ref == "AI-0001-R1" and bias.description == "Scores drift\nfor claimants over 70"
    assert bias.nist == ["MEASURE-2", "MAP-5"] and bias.residual_score == (2, 3)
    assert [(m.action, m.owner, str(m.due_on), m.status.value) for m in bias.mitigations] == [
        ("Fairness test per age band", "bo.lee@x.gov", "2027-01-31", "in_progress"),
        ("Caseworker review", "ana.diaz@x.gov", "None", "planned")]
    (lock,) = risks.list_risks(org, initiative_code="AI-0002")
    assert lock.ref == "AI-0002-R7" and lock.description == '=HYPERLINK("x")' and lock.accepted_by == "ana.diaz@x.gov"
    before = _state(org)
    again = csv_io.import_risks(org, path)
    assert again.already_imported and _state(org) == before


def test_export_then_import_changes_nothing_and_formula_cells_are_quoted(org, tmp_path):
    csv_io.import_risks(org, _write(tmp_path / "risks.csv", GOOD))
    out = csv_io.export_risks(org, tmp_path / "out.csv")
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    before = [r.values() | {"m": r.mitigation_values()} for r in risks.list_risks(org)]
    result = csv_io.import_risks(org, out)
    assert (result.created, result.updated) == (0, 0) and result.unchanged == 2
    assert [r.values() | {"m": r.mitigation_values()} for r in risks.list_risks(org)] == before


def test_a_file_with_bad_rows_is_rejected_whole_naming_file_row_and_column_of_every_problem(org, tmp_path):
    csv_io.import_risks(org, _write(tmp_path / "first.csv", GOOD))
    before = _state(org)
    bad = RISK_HEADER + (
        'AI-0001,,Fine risk,,privacy,2,2,,,,,,,,,,,\n'
        'AI-0009,,Unknown initiative,,privacy,2,2,,,,,,,,,,,\n'
        'AI-0001,,"Two\nlines",,weather,7,2,,,nobody@x.gov,,,2027-02-30,MAP-9,,,,\n'
        'AI-0001,,Residual above inherent,,legal,2,2,3,3,,,,,,,,,\n'
        'AI-0002,AI-0001-R1,Wrong ref,,legal,2,2,,,,,,,,,,,\n'
        'AI-0001,,Fine risk,,safety,,,,,,,,,,Act,,soon,\n'
    )
    path = _write(tmp_path / "bad.csv", bad)
    with pytest.raises(CsvImportError) as info:
        csv_io.import_risks(org, path)
    found = {(p.row, p.field) for p in info.value.problems}
    assert all(p.file == "bad.csv" for p in info.value.problems)
    assert {(3, "Initiative"), (4, "Category"), (4, "Likelihood"), (4, "Owner"), (4, "Review Date"),
            (4, "NIST AI RMF"), (6, "Residual Likelihood"), (7, "Ref"), (8, "Category"),
            (8, "Mitigation Due")} <= found, found
    assert "bad.csv, row 4, Likelihood" in str(info.value)
    assert _state(org) == before, "a rejected file changes nothing"
    assert [r.title for r in risks.list_risks(org)] == ["Bias against older claimants", "Vendor lock-in"]


@pytest.mark.parametrize(("content", "field"), [
    (b"", "header"),
    (b"Initiative,Title\nAI-0001,x\n", "header"),
    (b"\xff\xfe\x00garbage", "file"),
    (b"Initiative,Title,Category,Likelihood,Impact\nAI-0001,\"unterminated,privacy,1,1\n", "file"),
])
def test_unreadable_files_are_refused_with_one_clear_problem(org, tmp_path, content, field):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    before = _state(org)
    with pytest.raises(CsvImportError) as info:
        csv_io.import_risks(org, path)
    assert info.value.problems[0].field == field and info.value.problems[0].file == "x.csv"
    assert _state(org) == before


INCIDENT_HEADER = ("Initiative,Ref,Title,Occurred On,Detected On,Severity,What Happened,Affected,Affected Count,"
                   "Status,Root Cause,Reportable,Report To,Reported On,Resolved On,Model,Corrective Action,"
                   "Action Owner,Action Due,Action Status\n")


def test_incidents_import_with_corrective_actions_and_bad_rows_name_their_column(org, tmp_path):
    good = INCIDENT_HEADER + (
        "AI-0001,,Letters sent twice,2026-01-02,2026-01-03,3,Duplicate letters,Claimants,40,resolved,"
        "Retry bug,no,,,2026-01-05,,Fix the retry,bo.lee@x.gov,2026-02-01,done\n"
        "AI-0001,,Letters sent twice,,,,,,,,,,,,,,Apologise to claimants,ana.diaz@x.gov,2026-01-20,open\n")
    result = csv_io.import_incidents(org, _write(tmp_path / "inc.csv", good))
    assert result.created == 1
    (x,) = incidents.list_incidents(org)
    assert x.ref == "AI-0001-INC1" and x.status.value == "resolved"
    assert [(a.title, a.status.value) for a in x.actions] == [("Fix the retry", "done"),
                                                                ("Apologise to claimants", "open")]
    out = csv_io.export_incidents(org, tmp_path / "out.csv")
    again = csv_io.import_incidents(org, out)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    before = _state(org)
    bad = INCIDENT_HEADER + (
        "AI-0002,,Outage,2026-01-05,2026-01-04,5,,,,,,yes,,,,,,,,\n"
        "AI-0002,,Closed early,2026-01-05,2026-01-06,3,,,,closed,,,,,2026-01-07,,,,,\n")
    with pytest.raises(CsvImportError) as info:
        csv_io.import_incidents(org, _write(tmp_path / "bad.csv", bad))
    found = {(p.row, p.field) for p in info.value.problems}
    assert (2, "Severity") in found and (3, "Root Cause") in found, found
    assert _state(org) == before


def test_a_semicolon_file_and_continuation_rows_without_the_ref_are_read(org, tmp_path):
    text = ("Initiative;Ref;Title;Category;Likelihood;Impact;Mitigation\n"
            "AI-0002;AI-0002-R4;Camera theft;security;2;3;Lock the vans\n"
            "AI-0002;;Camera theft;;;;Tag the cameras\n")
    result = csv_io.import_risks(org, _write(tmp_path / "semi.csv", text))
    assert result.created == 1
    (r,) = risks.list_risks(org, initiative_code="AI-0002")
    assert r.ref == "AI-0002-R4" and [m.action for m in r.mitigations] == ["Lock the vans", "Tag the cameras"]
