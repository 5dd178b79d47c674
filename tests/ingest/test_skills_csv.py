"""CSV import and export of the skills matrix and training records, in the form HR systems export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from opsdesk.services.registry import people
from opsdesk.services.standards import skills, skills_csv
from opsdesk.services.standards.skills_csv import CsvImportError
from opsdesk.store.models import AuditEvent, ImportBatch


@pytest.fixture
def org(ws):
    ana = people.create(ws, {"name": "Ana Díaz", "email": "ana.diaz@x.gov", "discipline": "data"}).id
    bo = people.create(ws, {"name": "Bo Lee", "email": "bo.lee@x.gov", "discipline": "ml"}).id
    pipes = skills.create_skill(ws, {"name": "Pipeline engineering", "discipline": "data"}).id
    drift = skills.create_skill(ws, {"name": "Drift detection", "discipline": "ml"}).id
    return {"ana": ana, "bo": bo, "pipes": pipes, "drift": drift}


def _write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _state(ws):
    with ws.read() as s:
        return (s.scalar(select(func.count()).select_from(AuditEvent)),
                s.scalar(select(func.count()).select_from(ImportBatch)))


def test_matrix_import_reads_an_hr_export_with_bom_crlf_and_aliases(ws, org, tmp_path):
    f = _write(tmp_path / "workday-skills.csv",
               "Work Email,Worker,Competency,Proficiency,Assessment Date\n"
               "ANA.DIAZ@x.gov,Ana Díaz,Pipeline engineering,4,2026-03-01\n"
               "bo.lee@x.gov,Bo Lee,drift detection,3,01-Mar-2026\n"
               "bo.lee@x.gov,Bo Lee,Pipeline engineering,2,2026-03-01 00:00:00\n"
               ",,,,\n", bom=True, crlf=True)
    result = skills_csv.import_matrix(ws, f)
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert skills.levels(ws) == {(org["ana"], org["pipes"]): 4, (org["bo"], org["drift"]): 3,
                                 (org["bo"], org["pipes"]): 2}
    before = _state(ws)
    again = skills_csv.import_matrix(ws, f)
    assert again.already_imported and _state(ws) == before


def test_matrix_import_with_bad_rows_names_file_row_and_field_and_changes_nothing(ws, org, tmp_path):
    skills.set_level(ws, org["ana"], org["pipes"], 1)
    f = _write(tmp_path / "hr.csv",
               "Employee ID,Employee Name,Skill,Proficiency Level,Assessed On\n"
               "ana.diaz@x.gov,Ana,Pipeline engineering,3,2026-03-01\n"
               "nobody@x.gov,Nobody,Pipeline engineering,2,2026-03-01\n"
               "bo.lee@x.gov,Bo,Knitting,2,2026-03-01\n"
               "bo.lee@x.gov,Bo,Drift detection,5,2026-03-01\n"
               "bo.lee@x.gov,Bo,Pipeline engineering,two,31/02/2026\n"
               "ana.diaz@x.gov,Ana,pipeline engineering,2,\n")
    before = _state(ws)
    with pytest.raises(CsvImportError) as err:
        skills_csv.import_matrix(ws, f)
    found = [(p.file, p.row, p.field) for p in err.value.problems]
    assert found == [("hr.csv", 3, "Employee ID"), ("hr.csv", 4, "Skill"), ("hr.csv", 5, "Proficiency Level"),
                     ("hr.csv", 6, "Proficiency Level"), ("hr.csv", 6, "Assessed On"), ("hr.csv", 7, "Skill")]
    assert "must be at most 4" in err.value.problems[2].reason
    assert "hr.csv, row 3, Employee ID: no person with e-mail 'nobody@x.gov'" in str(err.value)
    assert "already appears on row 2" in err.value.problems[5].reason
    assert skills.levels(ws) == {(org["ana"], org["pipes"]): 1}  # row 2 was fine, but nothing was written
    assert _state(ws) == before


def test_missing_columns_and_unreadable_files_are_refused_plainly(ws, org, tmp_path):
    f = _write(tmp_path / "wrong.csv", "Name,Skill\nAna,Pipelines\n")
    with pytest.raises(CsvImportError, match="wrong.csv, row 1, header: no column for 'Employee Id'"):
        skills_csv.import_matrix(ws, f)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("Employee ID,Skill,Proficiency Level\nana.diaz@x.gov,Café,2\n".encode("latin-1"))
    with pytest.raises(CsvImportError, match="not UTF-8"):
        skills_csv.import_matrix(ws, latin)
    with pytest.raises(CsvImportError, match="cannot be read"):
        skills_csv.import_matrix(ws, tmp_path / "missing.csv")


def test_matrix_export_round_trips(ws, org, tmp_path):
    skills.set_level(ws, org["ana"], org["pipes"], 4, "2026-02-01")
    skills.set_level(ws, org["bo"], org["drift"], 2)
    out = skills_csv.export_matrix(ws, tmp_path / "out.csv")
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(skills_csv.MATRIX_HEADERS)
    assert "ana.diaz@x.gov,Ana Díaz,Pipeline engineering,data,4,2026-02-01" in text
    skills.set_level(ws, org["ana"], org["pipes"], 0)
    result = skills_csv.import_matrix(ws, out)
    assert (result.updated, result.unchanged) == (1, 1)
    assert skills.levels(ws)[(org["ana"], org["pipes"])] == 4


def test_training_import_export_and_bad_rows(ws, org, tmp_path):
    good = _write(tmp_path / "lms.csv",
                  "Employee ID,Employee Name,Course Title,Provider,Hours,Completion Date,Discipline,"
                  "Certificate ID,Expiry Date\n"
                  "ana.diaz@x.gov,Ana,FinOps Certified Practitioner,FinOps Foundation,14,2026-01-10,finance,"
                  "FOC-1,2028-01-10\n"
                  "bo.lee@x.gov,Bo,AI risk for leaders,Civil Service College,3.5,2026-02-01,,,\n")
    result = skills_csv.import_training(ws, good)
    assert (result.created, result.rows) == (2, 2)
    rows = {t.course: t for t in skills.list_training(ws)}
    assert rows["FinOps Certified Practitioner"].expires_on == dt.date(2028, 1, 10)
    assert rows["AI risk for leaders"].hours == Decimal("3.5")
    assert rows["AI risk for leaders"].discipline.value == "ml"  # home discipline when the export has none
    out = skills_csv.export_training(ws, tmp_path / "training.csv")
    assert "FOC-1,2028-01-10" in out.read_text(encoding="utf-8-sig")
    assert skills_csv.import_training(ws, out).unchanged == 2

    bad = _write(tmp_path / "lms-bad.csv",
                 "Email,Course,Hours,Completed On,Discipline,Expiration Date\n"
                 "ana.diaz@x.gov,Data ethics,-2,2026-03-01,data,\n"
                 "ana.diaz@x.gov,,4,2026-03-01,data,\n"
                 "bo.lee@x.gov,Drift,4,2026-03-01,astrology,\n"
                 "bo.lee@x.gov,Drift,4,2026-03-01,ml,2026-01-01\n"
                 "bo.lee@x.gov,Drift,4,not a date,ml,\n")
    before = (_state(ws), len(skills.list_training(ws)))
    with pytest.raises(CsvImportError) as err:
        skills_csv.import_training(ws, bad)
    assert [(p.row, p.field) for p in err.value.problems] == [
        (2, "Hours"), (3, "Course Title"), (4, "Discipline"), (5, "Expiry Date"), (5, "Course Title"),
        (6, "Completion Date")]
    assert "is on row 4" in err.value.problems[4].reason
    assert (_state(ws), len(skills.list_training(ws))) == before
