"""CSV in and out for the risk and incident registers, in the long form registers are kept in spreadsheets: one
row per risk × mitigation (one row per incident × corrective action); the record's own columns repeat on each of
its rows, or are left blank after the first.

Risks: ``Initiative``, ``Ref`` (``AI-0003-R2``; optional — without it a risk is matched by its title), ``Title``,
``Description``, ``Category``, ``Likelihood``, ``Impact``, ``Residual Likelihood``, ``Residual Impact``, ``Owner``,
``Treatment``, ``Accepted By``, ``Review Date``, ``NIST AI RMF`` (codes separated by ``;`` or ``,``), ``Model``,
``Data Asset``, ``KPI``, ``Trigger Level``, ``Status``, then ``Mitigation``, ``Mitigation Owner``,
``Mitigation Due``, ``Mitigation Status``.

Incidents: ``Initiative``, ``Ref`` (``AI-0003-INC1``), ``Title``, ``Occurred On``, ``Detected On``, ``Severity``,
``What Happened``, ``Affected``, ``Affected Count``, ``Status``, ``Root Cause``, ``Reportable``, ``Report To``,
``Reported On``, ``Resolved On``, ``Model``, then ``Corrective Action``, ``Action Owner``, ``Action Due``,
``Action Status``.

The rules are the skills CSV's: every row is checked first, and any problem rejects the whole file with the file,
row (the line in the file, the header being line 1) and column of each; the workspace is then left unchanged. The
same file twice changes nothing. Cells are text: a formula-like cell (``=``, ``+``, ``-``, ``@``) is stored as
written, never evaluated; an export prefixes such cells with ``'`` and an import takes that prefix off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsdesk.domain.enums import ActionStatus, ImportKind
from opsdesk.domain.validation import Field, clean_value
from opsdesk.errors import ValidationError
from opsdesk.ingest.csv_report import CsvImportError, ImportResult, RowProblem
from opsdesk.ingest.textfile import sniff_delimiter
from opsdesk.services.risk import incidents, risks
from opsdesk.store.models import (
    ActionItem,
    ImportBatch,
    Incident,
    IncidentAction,
    Initiative,
    Person,
    Risk,
)
from opsdesk.store.workspace import Tx, Workspace

FORMULA_START = ("=", "+", "-", "@")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%b-%Y", "%d %b %Y",
                 "%d %B %Y", "%d/%m/%Y")


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the service field, or "" for the key columns
    aliases: tuple[str, ...] = ()
    date: bool = False


@dataclass(frozen=True)
class Spec:
    kind: ImportKind
    entity: str
    key: tuple[Column, Column, Column]  # initiative, ref, title
    record: tuple[Column, ...]
    child: tuple[Column, ...]  # the first is the child's own text (mitigation, corrective action)
    required: tuple[str, ...]

    @property
    def columns(self) -> tuple[Column, ...]:
        return (*self.key, *self.record, *self.child)


_INIT = Column("Initiative", "initiative", ("initiative code", "initiative id", "use case id", "project"))

RISKS = Spec(
    ImportKind.RISKS, "risk",
    (_INIT, Column("Ref", "ref", ("risk id", "risk ref", "reference", "id")),
     Column("Title", "title", ("risk", "risk title", "name"))),
    (Column("Description", "description", ("details", "risk description")),
     Column("Category", "category", ("risk category",)),
     Column("Likelihood", "likelihood", ("inherent likelihood", "probability")),
     Column("Impact", "impact", ("inherent impact", "consequence")),
     Column("Residual Likelihood", "residual_likelihood", ()),
     Column("Residual Impact", "residual_impact", ()),
     Column("Owner", "owner", ("risk owner",)),
     Column("Treatment", "treatment", ("response", "risk response")),
     Column("Accepted By", "accepted_by", ("accepted by", "risk accepted by")),
     Column("Review Date", "review_on", ("review on", "next review", "review by"), date=True),
     Column("NIST AI RMF", "nist", ("nist", "nist ai rmf categories", "nist categories", "nist subcategories")),
     Column("Model", "model", ()),
     Column("Data Asset", "data_asset", ("dataset", "data set")),
     Column("KPI", "trigger_series", ("kpi threshold", "trigger kpi", "linked kpi")),
     Column("Trigger Level", "trigger_level", ()),
     Column("Status", "status", ("risk status",))),
    (Column("Mitigation", "action", ("mitigation action", "control")),
     Column("Mitigation Owner", "owner", ()),
     Column("Mitigation Due", "due_on", ("mitigation due date",), date=True),
     Column("Mitigation Status", "status", ())),
    ("initiative", "title", "category", "likelihood", "impact"),
)

INCIDENTS = Spec(
    ImportKind.INCIDENTS, "incident",
    (_INIT, Column("Ref", "ref", ("incident id", "incident ref", "reference", "id")),
     Column("Title", "title", ("incident", "summary"))),
    (Column("Occurred On", "occurred_on", ("occurred", "date occurred", "occurrence date"), date=True),
     Column("Detected On", "detected_on", ("detected", "date detected", "detection date"), date=True),
     Column("Severity", "severity", ()),
     Column("What Happened", "description", ("description", "details")),
     Column("Affected", "affected", ("affected people", "who was affected")),
     Column("Affected Count", "affected_count", ("people affected", "number affected")),
     Column("Status", "status", ("incident status",)),
     Column("Root Cause", "root_cause", ()),
     Column("Reportable", "reportable", ("externally reportable",)),
     Column("Report To", "report_to", ("reported to", "authority")),
     Column("Reported On", "reported_on", ("report date", "date reported"), date=True),
     Column("Resolved On", "resolved_on", ("resolved", "date resolved"), date=True),
     Column("Model", "model", ())),
    (Column("Corrective Action", "title", ("action",)),
     Column("Action Owner", "owner", ()),
     Column("Action Due", "due_on", ("action due date",), date=True),
     Column("Action Status", "status", ())),
    ("initiative", "title", "occurred_on", "detected_on", "severity"),
)

_ACTION_SCHEMA = (
    Field("title", kind="text", required=True),
    Field("owner", max_len=320),
    Field("due_on", kind="date"),
    Field("status", kind="enum", enum=ActionStatus, default=ActionStatus.OPEN),
)




@dataclass
class _Group:
    """One record of the file: its first row, its values, and its children with their rows."""

    first: int
    initiative: str
    ref: str
    values: dict[str, Any] = field(default_factory=dict)
    rows_of: dict[str, int] = field(default_factory=dict)  # field -> the row that gave it
    children: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


# --- reading the file -------------------------------------------------------------------------------------------

def _untext(cell: str) -> str:
    """A cell as stored: line breaks inside it as ``\n``, and a ``'`` OpsDesk put before a formula-like value
    comes off again."""
    cell = cell.replace("\r\n", "\n").replace("\r", "\n")
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def _read(path: Path, spec: Spec) -> tuple[str, bytes, dict[str, int], list[tuple[int, list[str]]]]:
    name = path.name
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise CsvImportError([RowProblem(name, 0, "file", f"cannot be read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CsvImportError([RowProblem(name, line, "file", "is not UTF-8 text; export it as CSV UTF-8")]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvImportError([RowProblem(name, line, "file", "holds NUL bytes; it is not a CSV text file")])
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    header_line = 1
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, header_line = cells, line
                continue
            rows.append((line, cells))
    except csv.Error as exc:
        raise CsvImportError([RowProblem(name, start, "file", f"the line cannot be read as CSV ({exc})")]) from None
    if header is None:
        raise CsvImportError([RowProblem(name, 1, "header", "the file is empty")])
    columns: dict[str, int] = {}
    problems = []
    for i, h in enumerate(header):
        key = h.strip().lstrip("\ufeff").lower()
        for col in spec.columns:
            if key == col.header.lower() or key in col.aliases:
                if col.header in columns:
                    problems.append(RowProblem(name, header_line, h.strip(), f"a second column for '{col.header}'"))
                columns[col.header] = i
    by_field = {c.field: c.header for c in spec.columns if c in (*spec.key, *spec.record)}
    missing = [by_field[f] for f in spec.required if by_field[f] not in columns]
    if missing:
        problems.append(RowProblem(name, header_line, "header",
                                   "no column for " + ", ".join(f"'{m}'" for m in missing)))
    if problems:
        raise CsvImportError(problems)
    width = len(header)
    for line, cells in rows:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.append(RowProblem(name, line, "row", f"has {len(cells)} cells, the header {width}"))
    if problems:
        raise CsvImportError(problems)
    return name, raw, columns, rows


def _parse_date(text: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or 12-Mar-2026)")


def _cells(cols: dict[str, int], cells: list[str], spec_cols: Sequence[Column]) -> dict[Column, str]:
    return {c: _untext(cells[cols[c.header]].strip()) if c.header in cols and cols[c.header] < len(cells) else ""
            for c in spec_cols}


def _groups(name: str, spec: Spec, cols: dict[str, int], rows: list[tuple[int, list[str]]],
            problems: list[RowProblem]) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}
    titled: dict[tuple[str, str], tuple[str, str]] = {}
    init_col, ref_col, title_col = spec.key
    for line, cells in rows:
        key = _cells(cols, cells, spec.key)
        rec = _cells(cols, cells, spec.record)
        child = _cells(cols, cells, spec.child)
        init = key[init_col].upper()
        if not init:
            problems.append(RowProblem(name, line, init_col.header, "is required"))
            continue
        ref = key[ref_col].upper()
        title = key[title_col]
        if not ref and not title:
            problems.append(RowProblem(name, line, title_col.header, "is required"))
            continue
        ident = (init, ref) if ref else titled.get((init, title.lower()), (init, "title:" + title.lower()))
        g = groups.get(ident)
        if g is None:
            g = groups[ident] = _Group(line, init, ref)
            if title:
                titled.setdefault((init, title.lower()), ident)  # a later row with the title alone joins it
            if title:
                g.values["title"], g.rows_of["title"] = title, line
        elif title and g.values.get("title", title).lower() != title.lower():
            problems.append(RowProblem(name, line, title_col.header,
                                       f"'{title}' differs from row {g.rows_of['title']} of the same record"))
        for col, text in rec.items():
            if not text:
                continue
            value: Any = text
            if col.date:
                try:
                    value = _parse_date(text)
                except ValueError as exc:
                    problems.append(RowProblem(name, line, col.header, str(exc)))
                    continue
            if col.field in g.values and g.values[col.field] != value:
                problems.append(RowProblem(name, line, col.header, f"'{text}' differs from row "
                                                                    f"{g.rows_of[col.field]} of the same record"))
                continue
            g.values[col.field], g.rows_of[col.field] = value, line
        if any(child.values()):
            values: dict[str, Any] = {}
            for col, text in child.items():
                if col.date and text:
                    try:
                        values[col.field] = _parse_date(text)
                    except ValueError as exc:
                        problems.append(RowProblem(name, line, col.header, str(exc)))
                    continue
                values[col.field] = text
            g.children.append((line, values))
    return list(groups.values())


# --- checking a record without writing it -----------------------------------------------------------------------

def _header(spec: Spec, field_name: str, child: bool = False) -> str:
    for col in (spec.child if child else (*spec.key, *spec.record)):
        if col.field == field_name:
            return col.header
    return field_name


def _problem(spec: Spec, name: str, g: _Group, exc: ValidationError, child_row: int | None = None) -> RowProblem:
    f = exc.field.split(".")[-1]
    if f.startswith("mitigations["):
        f = "action"
    child = child_row is not None
    row = child_row if child_row is not None else g.rows_of.get(f, g.first)
    return RowProblem(name, row, _header(spec, f, child), exc.reason)


def _check_fields(spec: Spec, schema: tuple[Field, ...], name: str, g: _Group, problems: list[RowProblem],
                  resolve: Mapping[str, Callable[[Any], Any]]) -> None:
    known = {f.name: f for f in schema}
    for fname, value in g.values.items():
        if fname not in known:
            continue
        try:
            cleaned = clean_value(known[fname], value)
            if fname in resolve:
                resolve[fname](cleaned)
        except ValidationError as exc:
            problems.append(RowProblem(name, g.rows_of.get(fname, g.first), _header(spec, fname), exc.reason))


def _check_children(spec: Spec, schema: tuple[Field, ...], name: str, g: _Group, problems: list[RowProblem],
                    session: Session) -> None:
    known = {f.name: f for f in schema}
    for line, values in g.children:
        for fname, value in values.items():
            try:
                cleaned = clean_value(known[fname], value)
                if fname == "owner":
                    risks.find_person(session, cleaned, "owner")
            except ValidationError as exc:
                problems.append(RowProblem(name, line, _header(spec, fname, child=True), exc.reason))


# --- import ---------------------------------------------------------------------------------------------------------

def _batch_exists(ws: Workspace, kind: ImportKind, digest: str) -> bool:
    with ws.read() as s:
        return s.scalar(select(ImportBatch.id).where(ImportBatch.kind == kind, ImportBatch.sha256 == digest)) is not None


def _batch(ws: Workspace, tx: Tx, kind: ImportKind, name: str, digest: str, n: int) -> ImportBatch:
    batch = ImportBatch(kind=kind, file_name=name, sha256=digest, accepted=n, rejected=0,
                        imported_at=ws.clock(), actor=ws.actor, report={"rows": n})
    tx.add(batch, "import_batch", key=name)
    return batch


def _number(ref: str, code: str, marker: str) -> int | None:
    """The number of a reference (``AI-0003-R2`` or ``R2``) for this initiative; ValueError when it is not one."""
    text = ref.upper()
    if text.startswith(code + "-"):
        text = text[len(code) + 1:]
    if not text.startswith(marker) or not text[len(marker):].isdigit():
        raise ValueError(f"'{ref}' is not a reference of {code} such as {code}-{marker}1")
    return int(text[len(marker):])


def _find(session: Session, model: type[Any], init: Initiative, number: int | None, title: str) -> Any:
    stmt = select(model).where(model.initiative_id == init.id)
    if number is not None:
        return session.scalar(stmt.where(model.number == number))
    return session.scalar(stmt.where(func.lower(model.title) == title.lower()).order_by(model.number).limit(1))


def import_risks(ws: Workspace, path: Path | str) -> ImportResult:
    """Import a risk register (see the module docstring); each risk is created or, when its reference or title
    is already in the initiative's register, updated; a file with a Mitigation column replaces each risk's
    mitigations with the file's."""
    return _import(ws, Path(path), RISKS)


def import_incidents(ws: Workspace, path: Path | str) -> ImportResult:
    """Import an incident register; corrective actions are matched to the incident's by title."""
    return _import(ws, Path(path), INCIDENTS)


def _import(ws: Workspace, path: Path, spec: Spec) -> ImportResult:
    name, raw, cols, rows = _read(path, spec)
    digest = hashlib.sha256(raw).hexdigest()
    if _batch_exists(ws, spec.kind, digest):
        return ImportResult(name, len(rows), 0, 0, 0, already_imported=True)
    has_children = spec.child[0].header in cols
    with ws.write() as tx:
        s = tx.session
        problems: list[RowProblem] = []
        groups = _groups(name, spec, cols, rows, problems)
        inits = {c.upper(): i for c, i in ((i.code, i) for i in s.scalars(select(Initiative)))}
        plan: list[tuple[_Group, Initiative, Any, int | None]] = []
        marker = "R" if spec is RISKS else "INC"
        model = Risk if spec is RISKS else Incident
        schema = risks.SCHEMA if spec is RISKS else incidents.SCHEMA
        for g in groups:
            seen = len(problems)
            init = inits.get(g.initiative)
            if init is None:
                problems.append(RowProblem(name, g.first, "Initiative", f"no initiative '{g.initiative}' in the "
                                                                        "register"))
                continue
            number = None
            if g.ref:
                try:
                    number = _number(g.ref, init.code, marker)
                except ValueError as exc:
                    problems.append(RowProblem(name, g.first, "Ref", str(exc)))
                    continue
            existing = _find(s, model, init, number, g.values.get("title", ""))
            if existing is None:
                missing = [f for f in spec.required if f not in ("initiative",) and f not in g.values]
                for f in missing:
                    problems.append(RowProblem(name, g.first, _header(spec, f), "is required for a new record"))
            resolve: dict[str, Callable[[Any], Any]] = {
                "owner": lambda v: risks.find_person(s, v, "owner"),
                "accepted_by": lambda v: risks.find_person(s, v, "accepted_by"),
                "model": partial(risks.find_model, s, init),
                "data_asset": lambda v: risks.find_asset(s, v),
                "trigger_series": partial(risks.find_series, s, init),
                "nist": lambda v: risks.nist_list(v),
            }
            if "nist" in g.values and isinstance(g.values["nist"], str):
                g.values["nist"] = g.values["nist"].replace(";", ",")
            _check_fields(spec, schema, name, g, problems, resolve)
            _check_children(spec, risks.MITIGATION_SCHEMA if spec is RISKS else _ACTION_SCHEMA, name, g,
                            problems, s)
            if len(problems) == seen:  # rules across fields are checked by writing it (and rolled back below)
                plan.append((g, init, existing, number))
        batch = _batch(ws, tx, spec.kind, name, digest, len(rows))
        note = f"import {batch.id}"
        created = updated = unchanged = 0
        for g, init, existing, number in plan:
            before, last = tx.events[:], tx.last_event
            try:
                with s.begin_nested():
                    if spec is RISKS:
                        mits = [v for _l, v in g.children] if has_children else None
                        if existing is None:
                            risks.create_tx(tx, init.code, g.values, mits or (), number=number, batch_id=batch.id,
                                            note=note)
                        else:
                            risks.update_tx(tx, existing, g.values, mits, note=note)
                    else:
                        inc = (incidents.create_tx(tx, init.code, g.values, number=number, batch_id=batch.id,
                                                   note=note) if existing is None
                               else incidents.update_tx(tx, existing, g.values, note=note))
                        if has_children:
                            _actions(tx, inc, g.children, note)
            except ValidationError as exc:
                tx.events[:], tx.last_event = before, last  # the savepoint's events are gone with it
                problems.append(_problem(spec, name, g, exc))
                continue
            if existing is None:
                created += 1
            elif len(tx.events) > len(before):
                updated += 1
            else:
                unchanged += 1
        if problems:
            raise CsvImportError(sorted(problems, key=lambda p: (p.row, p.field)))
        return ImportResult(name, len(rows), created, updated, unchanged)


def _actions(tx: Tx, inc: Incident, children: list[tuple[int, dict[str, Any]]], note: str) -> None:
    s = tx.session
    mine = {a.title.lower(): a for a in s.scalars(
        select(ActionItem).join(IncidentAction, IncidentAction.action_item_id == ActionItem.id)
        .where(IncidentAction.incident_id == inc.id))}
    for line, values in children:
        try:
            title = clean_value(_ACTION_SCHEMA[0], values.get("title"))
            owner_id = risks.find_person(s, clean_value(_ACTION_SCHEMA[1], values.get("owner")), "owner",
                                         "action_item")
            due = clean_value(_ACTION_SCHEMA[2], values.get("due_on"))
            status = clean_value(_ACTION_SCHEMA[3], values.get("status"))
        except ValidationError as exc:
            raise ValidationError(exc.field, f"row {line}: {exc.reason}", entity="action_item") from None
        a = mine.get(title.lower())
        if a is None:
            aid = incidents.add_corrective_action_tx(tx, inc.id, title, owner_id=owner_id, due_on=due)
            a = s.get(ActionItem, aid)
            assert a is not None
            if status is not ActionStatus.OPEN:
                tx.update(a, "action_item", {"status": status}, note=note)
            mine[title.lower()] = a
        else:
            tx.update(a, "action_item", {"owner_id": owner_id, "due_on": due, "status": status}, note=note)


# --- export ---------------------------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "value") and hasattr(value, "label"):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _write(path: Path, headers: Sequence[str], rows: list[list[Any]]) -> Path:
    from opsdesk.domain.csv_safety import write_rows

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        write_rows(fh, headers, ([_cell(c) for c in r] for r in rows))  # the one writer: formulas escaped
    return path


def export_risks(ws: Workspace, path: Path | str, initiative_code: str | None = None) -> Path:
    """The register in the form :func:`import_risks` reads."""
    rows = []
    for r in risks.list_risks(ws, initiative_code=initiative_code):
        base = [r.initiative_code, r.ref, r.title, r.description, r.category, r.likelihood, r.impact,
                r.residual_likelihood, r.residual_impact, r.owner, r.treatment, r.accepted_by, r.review_on,
                "; ".join(r.nist), r.model, r.data_asset, r.trigger_series,
                r.trigger_level if r.trigger_series else "", r.status]
        if not r.mitigations:
            rows.append(base + ["", "", "", ""])
        for m in r.mitigations:
            rows.append(base + [m.action, m.owner, m.due_on, m.status])
    return _write(Path(path), [c.header for c in RISKS.columns], rows)


def export_incidents(ws: Workspace, path: Path | str, initiative_code: str | None = None) -> Path:
    rows = []
    with ws.read() as s:
        emails = dict(s.execute(select(Person.name, Person.email)).all())
    for i in sorted(incidents.list_incidents(ws, initiative_code=initiative_code),
                    key=lambda x: (x.initiative_code, x.number)):
        base = [i.initiative_code, i.ref, i.title, i.occurred_on, i.detected_on, i.severity, i.description,
                i.affected, i.affected_count, i.status, i.root_cause, i.reportable, i.report_to, i.reported_on,
                i.resolved_on, i.model]
        if not i.actions:
            rows.append(base + ["", "", "", ""])
        for a in i.actions:
            rows.append(base + [a.title, emails.get(a.owner, a.owner), a.due_on, a.status])
    return _write(Path(path), [c.header for c in INCIDENTS.columns], rows)
