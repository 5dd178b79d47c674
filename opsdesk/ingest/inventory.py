"""Published AI use case inventories read into the 2025 columns: OMB's consolidated 2025 file (and agency files
with the template's Excel headers), the 2024 consolidated file (62 columns, Windows-1252) and the 2023 one
(10 columns), plus the 2025 consolidated COTS file.

Nothing is guessed silently: an answer that is not among the dictionary's choices is reported with its line and
column and kept aside as text; a recoding from an older year's vocabulary is reported once per value; a row
without a name, or repeating the use case of an earlier row, is refused with its line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsdesk.domain import inventory as inv
from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import read_table

# The 2025 template's Excel headers (agency files, as the dictionary gives them) and the older years' headers
# -> 2025 column names.
# Keys are compared after :func:`_hkey` (case, spacing and punctuation do not matter).
HEADERS_2025_TEMPLATE = {
    'Use Case ID': 'id',
    'Use Case ID [Agency Abbrev.] – [#]': 'id',
    'Use Case Name': 'use_case_name',
    'Bureau/Component': 'agency_bureau',
    'Email Address': 'contact_email',
    'Should this AI use case be withheld from public reporting?': 'is_withheld',
    'Stage of Development': 'development_stage',
    'Is the AI use case high-impact?': 'is_high_impact',
    'Justification': 'HI_justification',
    'Use Case Topic Area': 'topic_area',
    'AI Classification': 'classification',
    'What problem is the AI intended to solve?': 'problem_solved',
    'What are the expected benefits and positive outcomes from the AI for an agency’s mission and/or the general public?': 'benefits',
    'Describe the AI system’s outputs.': 'system_outputs',
    'Date when AI use case became operational or the pilot’s start date': 'operational_date',
    'Was the system involved in this use case purchased from a vendor or developed under contract(s) or in-house?': 'contracting_usage',
    'Vendor(s) Name': 'vendor_name',
    'Does this AI use case have an associated Authorization to Operate (ATO)?': 'have_ato',
    'System(s) Name': 'system_name_ato',
    'Describe any data used to train, fine-tune, and/or evaluate performance of the model(s) used in this use case.': 'data_description',
    'If the data is required to be publicly disclosed as an open government data asset, provide a link to the entry on the Federal Data Catalog.': 'link_to_data',
    'Does this AI use case involve personally identifiable information (PII) that is maintained by the agency?': 'has_pii',
    'If publicly available, provide the link to the AI use case’s associated Privacy Impact Assessment (PIA).': 'pia_url',
    'Which, if any, demographic variables does the AI use case explicitly use as model features?': 'demographic_features',
    'Does this project include custom-developed code?': 'has_custom_code',
    'If the code is open source, provide the link for the publicly available source code.': 'code_url',
    'Has pre-deployment testing been conducted for this AI use case? Practice: Complete AI Impact Assessment': 'hi_testing_conducted',
    'Has an AI impact assessment been completed for this AI use case? Practice: Complete AI Impact Assessment': 'hi_assessment_completed',
    'What are the potential impacts of using the AI for this particular use case and how were they identified? Subpractice: Complete AI Impact Assessment': 'hi_potential_impacts',
    'Has as independent review of the AI use case been conducted? Sub practice Complete AI Impact Assessment': 'hi_independent_review',
    'Is there a process to conduct ongoing monitoring to identify any adverse impacts to the performance and security of the AI functionality, as well as to privacy, civil rights, and civil liberties? Practice: Conduct Ongoing Monitoring for Performance and Potential Adverse Impacts': 'hi_ongoing_monitoring',
    'Has the agency established sufficient and periodic training for operators of the AI to interpret and act on the its output and managed associated risks? Practice: Ensure Adequate Human Training and Assessment': 'hi_training_established',
    'Does this AI use case have an appropriate fail-safe that minimizes the risk of significant harm? Practice: Provide Additional Human Oversight, Intervention, and Accountability': 'hi_failsafe_presence',
    'Is there an established appeal process in the event that an impacted individual would like to appeal or contest the AI system’s outcome? Practice: Offer Consistent Remedies or Appeals': 'hi_appeal_process',
    'What steps has the agency taken to consult and incorporate feedback from end users of this AI use case and the public? Practice: Consult and Incorporate Feedback from End Users and the Public': 'hi_public_consultation',
}
HEADERS_2024 = {
    "Use Case ID": "id", "Use Case Name": "use_case_name", "Agency": "agency_name",
    "Agency Abbreviation": "agency", "Bureau": "agency_bureau", "Use Case Topic Area": "topic_area",
    "What is the intended purpose and expected benefits of the AI?": "benefits",
    "Describe the AI system’s outputs.": "system_outputs", "Stage of Development": "development_stage",
    "Is the AI use case rights-impacting, safety-impacting, both, or neither?": "is_high_impact",
    "Date Implemented": "operational_date",
    "Was the AI system involved in this use case developed (or is it to be developed) under contract(s) or "
    "in-house?": "contracting_usage",
    "Does this AI use case involve personally identifiable information (PII) that is maintained by the agency?":
        "has_pii",
    "Describe any agency-owned data used to train, fine-tune, and/or evaluate performance of the model(s) used in "
    "this use case.": "data_description",
    "Which, if any, demographic variables does the AI use case explicitly use as model features?":
        "demographic_features",
    "Does this project include custom-developed code?": "has_custom_code",
    "If the code is open-source, provide the link for the publicly available source code.": "code_url",
    "Does this AI use case have an associated Authority to Operate (ATO) for an AI system?": "have_ato",
    "System Name": "system_name_ato",
    "Has an AI impact assessment been conducted for this AI use case?": "hi_assessment_completed",
    "Has the AI use case been tested in operational or real-world environments to understand the performance and "
    "impact it may have on affected individuals or communities?": "hi_testing_conducted",
    "What are the key risks from using the AI for this particular use case and how were they identified?":
        "hi_potential_impacts",
    "Has an independent evaluation of the AI use case been conducted?": "hi_independent_review",
}
HEADERS_2023 = {
    "Use Case ID": "id", "Use_Case_ID": "id", "Use Case Name": "use_case_name", "Title": "use_case_name",
    "Name": "use_case_name", "Department": "agency_name", "Agency": "agency_bureau", "Bureau": "agency_bureau",
    "Office": "office", "Summary of Use Case": "problem_solved", "Summary": "problem_solved",
    "Development_Stage": "development_stage", "Development Stage": "development_stage",
    "Stage of Development": "development_stage", "Techniques": "techniques", "Source Code": "code_url",
    "Contact Email": "contact_email", "Contact Name": "contact_name",
}

# Older vocabularies, read into the 2025 choices (each use is reported once per value).
STAGE_2024 = {
    "initiated": inv.DevelopmentStage.PRE_DEPLOYMENT,
    "acquisition and/or development": inv.DevelopmentStage.PRE_DEPLOYMENT,
    "implementation and assessment": inv.DevelopmentStage.PILOT,
    "operation and maintenance": inv.DevelopmentStage.DEPLOYED,
    "retired": inv.DevelopmentStage.RETIRED,
}
IMPACT_2024 = {
    "rights-impacting": inv.HighImpact.HIGH_IMPACT, "safety-impacting": inv.HighImpact.HIGH_IMPACT,
    "both": inv.HighImpact.HIGH_IMPACT, "neither": inv.HighImpact.NOT_HIGH_IMPACT,
}
CONTRACTING_2024 = {
    "developed with contracting resources.": inv.ContractingUsage.VENDOR,
    "developed in-house.": inv.ContractingUsage.IN_HOUSE,
    "developed with both contracting and in-house resources.": inv.ContractingUsage.BOTH,
}
STAGE_2023_WORDS = (  # the first word found decides
    ("retired", inv.DevelopmentStage.RETIRED),
    ("not in production", inv.DevelopmentStage.PRE_DEPLOYMENT), ("planned", inv.DevelopmentStage.PRE_DEPLOYMENT),
    ("planning", inv.DevelopmentStage.PRE_DEPLOYMENT), ("initiat", inv.DevelopmentStage.PRE_DEPLOYMENT),
    ("production", inv.DevelopmentStage.DEPLOYED), ("operation", inv.DevelopmentStage.DEPLOYED),
    ("implementation", inv.DevelopmentStage.PILOT), ("pilot", inv.DevelopmentStage.PILOT),
    ("development", inv.DevelopmentStage.PRE_DEPLOYMENT), ("acquisition", inv.DevelopmentStage.PRE_DEPLOYMENT),
)


@dataclass
class UseCaseIn:
    """One use case read from the file: its line, typed 2025 values, and answers outside the dictionary."""

    line: int
    values: dict[str, Any]
    unrecognised: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        """How the use case is matched: (agency, use case id) when the file gives an id, else the name."""
        agency = _agency_key(self.values)
        ident = str(self.values.get("id") or "").strip()
        if ident:
            return (agency, "id", ident)
        return (agency, "name", (str(self.values.get("agency_bureau") or "") + "\x1f"
                                 + str(self.values.get("use_case_name") or "")).casefold())


def _agency_key(values: dict[str, Any]) -> str:
    return str(values.get("agency") or values.get("agency_name") or "").strip().casefold()


@dataclass
class CotsIn:
    line: int
    agency_name: str
    task: str
    in_use: inv.YesNo | None
    products: str
    licences: str


@dataclass
class InventoryData:
    shape: str  # "2025", "2024", "2023" or "cots"
    encoding: str
    use_cases: list[UseCaseIn] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)  # the 2025 columns the file answers
    rows_by_line: dict[int, int] = field(default_factory=dict)  # physical line -> spreadsheet row (header = 1)
    cots: list[CotsIn] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _hkey(text: str) -> str:
    t = str(text).replace("\u2019", "'").replace("\u2013", "-").lstrip("\ufeff")
    return re.sub(r"[^a-z0-9]", "", t.casefold())


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def read(path: Path | str) -> ParsedFile:
    """Read an inventory file; ``fatal`` when it is no inventory at all (its first rejection says why)."""
    p = Path(path)
    data = p.read_bytes()
    parsed = ParsedFile(ImportKind.INVENTORY, str(p), p.name, hashlib.sha256(data).hexdigest())
    text, encoding = _decode(data)
    table = read_table(text, parsed)
    header = table.header
    # Some published sheets carry a title row above the header (2023's did).
    if len([h for h in header if h]) < 3 and table.rows:
        header = [h.strip() for h in table.rows[0][1]]
        table.rows = table.rows[1:]
    keys = [_hkey(h) for h in header]
    shape = _shape(keys)
    if shape is None:
        parsed.fatal = True
        parsed.reject(table.header_line, "", "this is not an AI use case inventory: no column named use_case_name "
                                             "or 'Use Case Name' (2025, 2024, 2023), nor the COTS file's "
                                             "'AI Use Case'")
        return parsed
    result = InventoryData(shape, encoding)
    parsed.data = result
    if shape == "cots":
        _read_cots(table.rows, keys, parsed, result)
        return parsed
    mapping = _mapping(shape, header)
    result.columns = set(mapping.values()) & set(inv.COLUMN_NAMES)
    recoded: Counter[tuple[str, str, str]] = Counter()
    seen: dict[tuple[str, str, str], int] = {}
    for n, (line, fields) in enumerate(table.rows, start=2):
        result.rows_by_line[line] = n
        raw = {col: fields[i].strip() for i, col in mapping.items() if i < len(fields)}
        uc = _use_case(line, raw, shape, parsed, recoded)
        if uc is None:
            continue
        earlier = seen.get(uc.key)
        if earlier is not None:
            what = f"use case id '{uc.key[2]}'" if uc.key[1] == "id" else "use case name and bureau"
            parsed.reject(line, "id" if uc.key[1] == "id" else "use_case_name",
                          f"repeats the {what} of line {earlier} for the same agency; only the first is imported")
            continue
        seen[uc.key] = line
        result.use_cases.append(uc)
        if len(parsed.preview) < 10:
            parsed.preview.append((line, f"{uc.values.get('id') or '(no id)'} {uc.values.get('use_case_name')}"))
    parsed.accepted = len(result.use_cases)
    for (column, old, new), n in sorted(recoded.items()):
        result.notes.append(f"{column}: '{old}' ({shape} vocabulary) read as '{new}' on {n} row(s)")
    if shape != "2025" and "id" not in mapping.values():
        result.notes.append(f"the {shape} file has no use case id column: use cases are matched by agency, bureau "
                            "and name")
    without_id = sum(1 for u in result.use_cases if u.key[1] == "name")
    if without_id and "id" in mapping.values():
        result.notes.append(f"{without_id} row(s) have no use case id: they are matched by agency, bureau and name")
    return parsed


def _shape(keys: list[str]) -> str | None:
    present = set(keys)
    if {_hkey("AI Use Case"), _hkey("Agency Use (Y/N)?")} <= present:
        return "cots"
    if "ishighimpact" in present or _hkey("Is the AI use case high-impact?") in present:
        return "2025"
    if _hkey("Is the AI use case rights-impacting, safety-impacting, both, or neither?") in present \
            or _hkey("Date Implemented") in present:
        return "2024"
    if "department" in present or _hkey("Summary of Use Case") in present:
        return "2023"
    if "usecasename" in present or "title" in present:
        return "2025" if "developmentstage" in present and "agencybureau" in present else "2023"
    return None


def _mapping(shape: str, header: list[str]) -> dict[int, str]:
    """Column position -> 2025 column name (the first of duplicate headers wins)."""
    table: dict[str, str] = {}
    if shape == "2025":
        table = {_hkey(c): c for c in inv.COLUMN_NAMES} | {_hkey(k): v for k, v in HEADERS_2025_TEMPLATE.items()}
    elif shape == "2024":
        table = {_hkey(k): v for k, v in HEADERS_2024.items()}
    else:
        table = {_hkey(k): v for k, v in HEADERS_2023.items()}
    out: dict[int, str] = {}
    for i, h in enumerate(header):
        col = table.get(_hkey(h))
        if col and col not in out.values():
            out[i] = col
    return out


def _use_case(line: int, raw: dict[str, str], shape: str, parsed: ParsedFile,
              recoded: Counter[tuple[str, str, str]]) -> UseCaseIn | None:
    name = raw.get("use_case_name", "")
    if not name:
        parsed.reject(line, "use_case_name", "is empty: a use case needs a name")
        return None
    uc = UseCaseIn(line, {})
    if shape == "2023" and raw.get("office"):
        bureau = raw.get("agency_bureau", "")
        raw["agency_bureau"] = f"{bureau} — {raw['office']}" if bureau else raw["office"]
    for col_name, text in raw.items():
        col = inv.BY_NAME.get(col_name)
        if col is None or not text:
            continue
        if col.kind == "text":
            uc.values[col.name] = text
        elif col.kind == "date":
            _date(uc, col.name, text, parsed)
        elif col.kind == "multi":
            assert col.choice is not None
            items = inv.parse_multi(text)
            known, unknown = inv.parse_choices(col.choice, items)
            uc.values[col.name] = known
            if unknown:
                uc.unrecognised[col.name] = "; ".join(unknown)
                parsed.warn(line, col.name, f"{', '.join(repr(u) for u in unknown)} not among the dictionary's "
                                            "choices; kept as text, not reported as a choice", "value")
        else:
            assert col.choice is not None
            member = _older(shape, col.name, text, recoded)
            if member is None:
                try:
                    member = col.choice.parse(text)
                except ValueError:
                    uc.unrecognised[col.name] = text
                    parsed.warn(line, col.name, f"'{text}' is not one of the dictionary's choices; kept as text, "
                                                "the column stays unanswered", "value")
                    continue
            uc.values[col.name] = member
    return uc


def _older(shape: str, column: str, text: str, recoded: Counter[tuple[str, str, str]]) -> Any:
    key = " ".join(text.split()).casefold()
    found: Any = None
    if shape == "2024":
        tables: dict[str, dict[str, Any]] = {"development_stage": STAGE_2024, "is_high_impact": IMPACT_2024,
                                             "contracting_usage": CONTRACTING_2024}
        found = tables.get(column, {}).get(key)
    elif shape == "2023" and column == "development_stage":
        found = next((m for word, m in STAGE_2023_WORDS if word in key), None)
    if found is not None:
        recoded[(column, text, found.short)] += 1
    return found


DATE_FORMATS = (("%Y-%m-%d", "day"), ("%Y-%m-%d %H:%M:%S", "day"), ("%m/%d/%Y", "day"),
                ("%m/%d/%Y %H:%M:%S", "day"), ("%m/%d/%y", "day"), ("%m/%Y", "month"), ("%b-%y", "month"),
                ("%B %Y", "month"), ("%b %Y", "month"), ("%Y-%m", "month"), ("%Y", "year"))


def _date(uc: UseCaseIn, column: str, text: str, parsed: ParsedFile) -> None:
    for fmt, precision in DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        uc.values[column] = value
        if precision != "day":
            parsed.warn(uc.line, column, f"'{text}' gives only the {precision}: read as {value.isoformat()}",
                        "date")
        return
    uc.unrecognised[column] = text
    parsed.warn(uc.line, column, f"'{text}' is not a date OpsDesk can read (YYYY-MM-DD, MM/DD/YYYY, MM/YYYY, "
                                 "Mon-YY or YYYY); kept as text", "date")


def _read_cots(rows: list[tuple[int, list[str]]], keys: list[str], parsed: ParsedFile, result: InventoryData) -> None:
    pos = {k: i for i, k in reversed(list(enumerate(keys)))}
    want = [pos.get(_hkey(c)) for c in inv.COTS_COLUMNS]
    seen: dict[tuple[str, str], int] = {}
    for line, fields in rows:
        cell = ["" if i is None or i >= len(fields) else fields[i].strip() for i in want]
        agency, task_text, use, products, licences = cell
        task = inv.cots_task(task_text)
        if not agency:
            parsed.reject(line, "Agency", "is empty")
            continue
        if task is None:
            parsed.reject(line, "AI Use Case", f"'{task_text}' is not one of the {len(inv.COTS_TASKS)} consolidated "
                                               "COTS tasks")
            continue
        in_use: inv.YesNo | None = None
        if use:
            in_use = {"y": inv.YesNo.YES, "yes": inv.YesNo.YES, "n": inv.YesNo.NO, "no": inv.YesNo.NO}.get(
                use.casefold())
            if in_use is None:
                parsed.warn(line, "Agency Use (Y/N)?", f"'{use}' is not Y or N; left unanswered", "value")
        key = (agency.casefold(), task)
        if key in seen:
            parsed.reject(line, "AI Use Case", f"repeats line {seen[key]} for the same agency and task")
            continue
        seen[key] = line
        result.cots.append(CotsIn(line, agency, task, in_use, products, licences))
    parsed.accepted = len(result.cots)
