"""CSV in and out for the skills matrix and training records, in the long form HR systems export.

Matrix: one row per person × skill — ``Employee ID`` (the work e-mail), ``Employee Name``, ``Skill``,
``Proficiency Level`` (0–4), ``Assessed On``. Training: ``Employee ID``, ``Employee Name``, ``Course Title``,
``Provider``, ``Hours``, ``Completion Date``, ``Discipline``, ``Certificate ID``, ``Expiry Date``.
Headers are matched case-insensitively with the usual aliases (``Email``, ``Competency``, ``Proficiency``…).

An import checks every row first; any problem rejects the whole file with the file, row and field of each
problem, and the workspace is left unchanged. The same file twice is a no-op.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from opsdesk import files
from opsdesk.domain import csv_safety
from opsdesk.domain.enums import Discipline, ImportKind
from opsdesk.domain.validation import Field, clean_value
from opsdesk.errors import ValidationError
from opsdesk.ingest.csv_report import CsvImportError, ImportResult, RowProblem
from opsdesk.services.standards import skills
from opsdesk.store.models import ImportBatch, Person, PersonSkill, Skill, TrainingRecord
from opsdesk.store.workspace import Workspace

MATRIX_HEADERS = ("Employee ID", "Employee Name", "Skill", "Skill Discipline", "Proficiency Level", "Assessed On")
TRAINING_HEADERS = ("Employee ID", "Employee Name", "Course Title", "Provider", "Hours", "Completion Date",
                    "Discipline", "Certificate ID", "Expiry Date")

_ALIASES = {
    "email": ("employee id", "employee email", "work email", "email", "e-mail", "worker id"),
    "name": ("employee name", "name", "worker", "full name"),
    "skill": ("skill", "competency", "skill name"),
    "level": ("proficiency level", "proficiency", "level", "rating"),
    "assessed_on": ("assessed on", "assessment date", "rated on", "last assessed"),
    "course": ("course title", "course", "learning item", "training title"),
    "provider": ("provider", "vendor", "training provider"),
    "hours": ("hours", "duration (hours)", "duration hours", "credit hours"),
    "completed_on": ("completion date", "completed on", "date completed"),
    "discipline": ("discipline", "skill discipline", "area"),
    "certificate_ref": ("certificate id", "certificate", "certificate reference", "certification id"),
    "expires_on": ("expiry date", "expiration date", "expires on", "valid until"),
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d-%b-%Y", "%d %b %Y", "%d %B %Y")




def _parse_date(text: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or 12-Mar-2026)")


def _read(path: Path, required: tuple[str, ...]) -> tuple[str, bytes, list[tuple[int, dict[str, str]]]]:
    name = path.name
    try:
        raw = files.read_bounded(path, files.IMPORT_LIMIT, "CSV file")
        text = raw.decode("utf-8-sig")
    except files.FileRefused as exc:
        raise CsvImportError([RowProblem(name, 0, "file", f"cannot be read: {exc}")]) from None
    except UnicodeDecodeError:
        raise CsvImportError([RowProblem(name, 0, "file", "is not UTF-8 text; export it as CSV UTF-8")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise CsvImportError([RowProblem(name, 1, "header", "the file is empty")])
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().lower()
        for canonical, aliases in _ALIASES.items():
            if key in aliases and canonical not in columns:
                columns[canonical] = i
    missing = [c for c in required if c not in columns]
    if missing:
        wanted = ", ".join(f"'{_ALIASES[m][0].title()}'" for m in missing)
        raise CsvImportError([RowProblem(name, 1, "header", f"no column for {wanted}")])
    rows = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append((line_no, {k: (csv_safety.unescape_cell(cells[i].strip()) if i < len(cells) else "")
                               for k, i in columns.items()}))
    return name, raw, rows


def _batch_exists(ws: Workspace, kind: ImportKind, digest: str) -> bool:
    with ws.read() as s:
        return s.scalar(select(ImportBatch.id).where(ImportBatch.kind == kind, ImportBatch.sha256 == digest)) is not None


def _people_by_email(session) -> dict[str, Person]:
    return {p.email.lower(): p for p in session.scalars(select(Person))}


_LEVEL = Field("level", kind="int", required=True, minimum=0, maximum=4)
_HOURS = Field("hours", kind="decimal", minimum=0, maximum=2000)


def _cell(problems: list[RowProblem], file: str, row: int, field: str, parse: Callable[..., Any]) -> Any:
    try:
        return parse()
    except ValidationError as exc:
        problems.append(RowProblem(file, row, field, exc.reason))
    except ValueError as exc:
        problems.append(RowProblem(file, row, field, str(exc)))
    return None


def import_matrix(ws: Workspace, path: Path | str) -> ImportResult:
    """Import person × skill levels from an HR export (see the module docstring)."""
    name, raw, rows = _read(Path(path), ("email", "skill", "level"))
    digest = hashlib.sha256(raw).hexdigest()
    if _batch_exists(ws, ImportKind.SKILLS, digest):
        return ImportResult(name, len(rows), 0, 0, 0, already_imported=True)
    with ws.write() as tx:
        people = _people_by_email(tx.session)
        catalogue = {k.name.lower(): k for k in tx.session.scalars(select(Skill))}
        problems: list[RowProblem] = []
        parsed: list[tuple[Person, Skill, int, dt.date | None]] = []
        seen: dict[tuple[int, int], int] = {}
        for line, r in rows:
            person = people.get(r["email"].lower())
            if person is None:
                problems.append(RowProblem(name, line, "Employee ID", f"no person with e-mail '{r['email']}' in "
                                                                      "the people register"))
            skill = catalogue.get(r["skill"].lower())
            if skill is None:
                problems.append(RowProblem(name, line, "Skill", f"'{r['skill']}' is not in the skills catalogue"))
            level = _cell(problems, name, line, "Proficiency Level", lambda r=r: clean_value(_LEVEL, r["level"]))
            when = _cell(problems, name, line, "Assessed On",
                         lambda r=r: _parse_date(r["assessed_on"]) if r.get("assessed_on") else None)
            if person and skill:
                if (person.id, skill.id) in seen:
                    problems.append(RowProblem(name, line, "Skill", f"'{skill.name}' for {person.email} already "
                                                                    f"appears on row {seen[(person.id, skill.id)]}"))
                seen[(person.id, skill.id)] = line
                if level is not None:
                    parsed.append((person, skill, level, when))
        if problems:
            raise CsvImportError(problems)
        created = updated = unchanged = 0
        batch = _batch(ws, tx, ImportKind.SKILLS, name, digest, len(rows))
        for person, skill, level, when in parsed:
            row = tx.session.get(PersonSkill, (person.id, skill.id))
            key = f"{person.id}:{skill.id}"
            if row is None:
                tx.add(PersonSkill(person_id=person.id, skill_id=skill.id, level=level, assessed_on=when),
                       skills.PERSON_SKILL, key, note=f"import {batch.id}")
                created += 1
            elif tx.update(row, skills.PERSON_SKILL, {"level": level, "assessed_on": when or row.assessed_on}, key,
                           note=f"import {batch.id}"):
                updated += 1
            else:
                unchanged += 1
        return ImportResult(name, len(rows), created, updated, unchanged)


def _batch(ws: Workspace, tx, kind: ImportKind, name: str, digest: str, n: int) -> ImportBatch:
    batch = ImportBatch(kind=kind, file_name=name, sha256=digest, accepted=n, rejected=0,
                        imported_at=ws.clock(), actor=ws.actor, report={"rows": n})
    tx.add(batch, "import_batch", key=name)
    return batch


def import_training(ws: Workspace, path: Path | str) -> ImportResult:
    """Import training records from an HR/learning-system export; a record already held (same person, course
    and completion date) is updated rather than duplicated."""
    name, raw, rows = _read(Path(path), ("email", "course", "completed_on"))
    digest = hashlib.sha256(raw).hexdigest()
    if _batch_exists(ws, ImportKind.TRAINING, digest):
        return ImportResult(name, len(rows), 0, 0, 0, already_imported=True)
    with ws.write() as tx:
        people = _people_by_email(tx.session)
        problems: list[RowProblem] = []
        parsed: list[tuple[Person, dict[str, Any]]] = []
        seen: dict[tuple[int, str, dt.date], int] = {}
        for line, r in rows:
            person = people.get(r["email"].lower())
            if person is None:
                problems.append(RowProblem(name, line, "Employee ID", f"no person with e-mail '{r['email']}' in "
                                                                      "the people register"))
            if not r["course"]:
                problems.append(RowProblem(name, line, "Course Title", "is required"))
            done = _cell(problems, name, line, "Completion Date", lambda r=r: _parse_date(r["completed_on"]))
            expires = _cell(problems, name, line, "Expiry Date",
                            lambda r=r: _parse_date(r["expires_on"]) if r.get("expires_on") else None)
            hours = _cell(problems, name, line, "Hours", lambda r=r: clean_value(_HOURS, r.get("hours", "")))
            disc = _cell(problems, name, line, "Discipline",
                         lambda r=r, p=person: Discipline.parse(r["discipline"]) if r.get("discipline")
                         else (p.discipline if p else None))
            if done and expires and expires < done:
                problems.append(RowProblem(name, line, "Expiry Date", "is before the completion date"))
            if person and done and r["course"]:
                key = (person.id, r["course"], done)
                if key in seen:
                    problems.append(RowProblem(name, line, "Course Title", f"the same course and date for "
                                                                           f"{person.email} is on row {seen[key]}"))
                seen[key] = line
                parsed.append((person, {"course": r["course"], "provider": r.get("provider", ""),
                                        "hours": hours if hours is not None else 0, "completed_on": done,
                                        "discipline": disc, "certificate_ref": r.get("certificate_ref", ""),
                                        "expires_on": expires}))
        if problems:
            raise CsvImportError(problems)
        batch = _batch(ws, tx, ImportKind.TRAINING, name, digest, len(rows))
        created = updated = unchanged = 0
        for person, values in parsed:
            existing = tx.session.scalar(select(TrainingRecord).where(
                TrainingRecord.person_id == person.id, TrainingRecord.course == values["course"],
                TrainingRecord.completed_on == values["completed_on"]))
            if existing is None:
                tx.add(TrainingRecord(person_id=person.id, batch_id=batch.id, **values), skills.TRAINING,
                       note=f"import {batch.id}")
                created += 1
            elif tx.update(existing, skills.TRAINING, values, note=f"import {batch.id}"):
                updated += 1
            else:
                unchanged += 1
        return ImportResult(name, len(rows), created, updated, unchanged)


def _write(path: Path, headers: tuple[str, ...], rows: list[list[Any]]) -> Path:
    return csv_safety.write_file(path, headers, rows)


def export_matrix(ws: Workspace, path: Path | str) -> Path:
    """Every recorded level, one row per person × skill, in the same form :func:`import_matrix` reads."""
    with ws.read() as s:
        stmt = (select(Person, Skill, PersonSkill).join(PersonSkill, PersonSkill.person_id == Person.id)
                .join(Skill, Skill.id == PersonSkill.skill_id).order_by(Person.name, Skill.discipline, Skill.name))
        rows = [[p.email, p.name, k.name, k.discipline.value, ps.level,
                 ps.assessed_on.isoformat() if ps.assessed_on else ""] for p, k, ps in s.execute(stmt)]
    return _write(Path(path), MATRIX_HEADERS, rows)


def export_training(ws: Workspace, path: Path | str) -> Path:
    with ws.read() as s:
        stmt = (select(Person, TrainingRecord).join(TrainingRecord, TrainingRecord.person_id == Person.id)
                .order_by(Person.name, TrainingRecord.completed_on, TrainingRecord.course))
        rows = [[p.email, p.name, t.course, t.provider, t.hours, t.completed_on.isoformat(), t.discipline.value,
                 t.certificate_ref, t.expires_on.isoformat() if t.expires_on else ""] for p, t in s.execute(stmt)]
    return _write(Path(path), TRAINING_HEADERS, rows)
