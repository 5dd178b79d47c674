"""The US federal AI use case inventory (OMB M-25-21, 2025 data dictionary): its closed vocabularies with the
dictionary's exact spellings, its 36 columns in order, how OpsDesk's stages and risk tiers map onto it, and the
dictionary's completion rules as a pure check.

Each choice has two spellings: ``full`` is the dictionary's valid selection exactly as OMB's template offers it
(``"a) No"``), ``short`` is the shorthand code OMB's consolidated public file uses (``"No"``). Both parse back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Self

from opsdesk.domain.enums import RiskTier, Stage

DICTIONARY = "OMB 2025 AI use case inventory data dictionary (M-25-21)"


def _norm(text: str) -> str:
    """Compare spellings leniently: case, spaces, dashes and quotes do not matter."""
    t = unicodedata.normalize("NFKC", str(text)).replace("\u2013", "-").replace("\u2014", "-")
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u00f1", "-")
    t = re.sub(r"\s+", " ", t).strip().casefold()
    return t.replace("in-progess", "in-progress")


_LETTER = re.compile(r"^[a-l]\)\s*")


class InventoryChoice(Enum):
    """A dictionary choice: ``value`` (and ``full``) is the valid selection, ``short`` the shorthand code."""

    def __new__(cls, full: str, short: str) -> Self:
        obj = object.__new__(cls)
        obj._value_ = full
        obj.short = short  # type: ignore[attr-defined]
        return obj

    short: str

    @property
    def full(self) -> str:
        return str(self.value)

    @property
    def label(self) -> str:
        return self.short

    @classmethod
    def parse(cls, text: str | InventoryChoice) -> Self:
        if isinstance(text, cls):
            return text
        key = _norm(str(text))
        for member in cls:
            spellings = (member.full, member.short, _LETTER.sub("", member.full), member.name)
            if key in {_norm(s) for s in spellings}:
                return member
        raise ValueError(f"'{text}' is not one of: {', '.join(m.short for m in cls)}")


class Withheld(InventoryChoice):
    """`is_withheld`."""

    NO = ('a) No', 'No')
    DISCLOSURE_RISK = ('b) Yes – agency has determined that there’s a risk to disclosure, such as a harm to an interest protected by a FOIA exemption', 'Yes - Disclosure Risk')
    PROHIBITED_BY_LAW = ('c) Yes – disclosure is prohibited by law', 'Yes - Prohibited by Law')
    OTHER = ('d) Other', 'Other')


class DevelopmentStage(InventoryChoice):
    """`development_stage`."""

    PRE_DEPLOYMENT = ('a) Pre-deployment – The use case is in a development or acquisition status.', 'Pre-deployment')
    PILOT = ('b) Pilot – The use case has been deployed in a limited test or pilot capacity.', 'Pilot')
    DEPLOYED = ('c) Deployed – The use case is being actively authorized or utilized to support the functions or mission of an agency.', 'Deployed')
    RETIRED = ('d) Retired – The use case was reported in the agency’s prior year’s inventory, but its development and/or use has since been discontinued.', 'Retired')


class HighImpact(InventoryChoice):
    """`is_high_impact`."""

    HIGH_IMPACT = ('a) High-impact', 'High-impact')
    PRESUMED_NOT_HIGH_IMPACT = ('b) Presumed high-impact, but determined not high impact', 'Presumed High-Impact, but Not High-impact')
    NOT_HIGH_IMPACT = ('c) Not high-impact', 'Not High-impact')


class TopicArea(InventoryChoice):
    """`topic_area`."""

    ADMINISTRATIVE_FUNCTIONS = ('Administrative Functions', 'Admin Functions')
    CYBERSECURITY = ('Cybersecurity', 'Cybersecurity')
    EMERGENCY_MANAGEMENT = ('Emergency Management', 'Emergency Mgmt')
    ENERGY_AND_THE_ENVIRONMENT = ('Energy and the Environment', 'Energy and Environment')
    GOVERNMENT_BENEFITS_PROCESSING = ('Government Benefits Processing', 'Benefits Processing')
    HEALTH_AND_MEDICAL = ('Health and Medical', 'Health and Medical')
    HUMAN_RESOURCES = ('Human Resources', 'HR')
    INFORMATION_TECHNOLOGY = ('Information Technology', 'IT')
    INTERNATIONAL_AFFAIRS = ('International Affairs', 'International Affairs')
    LAW_ENFORCEMENT = ('Law Enforcement', 'Law Enforcement')
    OTHER = ('Other', 'Other')
    PROCUREMENT_AND_FINANCIAL_MANAGEMENT = ('Procurement and Financial Management', 'Procurement and Finance Mgmt')
    SCIENCE = ('Science', 'Science')
    SERVICE_DELIVERY = ('Service Delivery', 'Service Delivery')
    TRANSPORTATION = ('Transportation', 'Transportation')


class AIClassification(InventoryChoice):
    """`classification`."""

    AGENTIC = ('Agentic AI: AI systems that perform tasks or make decisions autonomously with minimal human intervention.', 'Agentic AI')
    CLASSICAL_ML = ('Classical/Predictive Machine Learning: Models trained on data to make predictions or classifications based on identified patterns or relationships.', 'Classical ML')
    COMPUTER_VISION = ('Computer Vision: AI that processes and interprets visual data (e.g., images and videos).', 'Computer Vision')
    GENERATIVE = ('Generative AI: AI that generates new or synthetic content (e.g., images, videos, audio, text, code).', 'Generative AI')
    NLP = ('Natural Language Processing: AI that processes, interprets, and shares information in human language.', 'NLP')
    REINFORCEMENT_LEARNING = ('Reinforcement Learning: AI trained through trial and error using rewards and penalties to optimize decision-making policies.', 'Reinforcement Learning')


class ContractingUsage(InventoryChoice):
    """`contracting_usage`."""

    VENDOR = ('a) Purchased from a vendor', 'Vendor Purchased')
    IN_HOUSE = ('b) Developed in-house', 'In-house Development')
    BOTH = ('c) Developed with both contracting and in-house resources', 'Contracting and In House')


class YesNo(InventoryChoice):
    """`have_ato` (and the other yes/no columns)."""

    NO = ('No', 'No')
    YES = ('Yes', 'Yes')


class DemographicFeature(InventoryChoice):
    """`demographic_features`."""

    RACE_ETHNICITY = ('a) Race/Ethnicity', 'a) Race/Ethnicity')
    SEX = ('b) Sex', 'b) Sex')
    AGE = ('c) Age', 'c) Age')
    RELIGIOUS_AFFILIATION = ('d) Religious Affiliation', 'd) Religious Affiliation')
    SOCIOECONOMIC_STATUS = ('e) Socioeconomic Status', 'e) Socioeconomic Status')
    ABILITY_STATUS = ('f) Ability Status', 'f) Ability Status')
    RESIDENCY_STATUS = ('g) Residency Status', 'g) Residency Status')
    MARITAL_STATUS = ('h) Marital Status', 'h) Marital Status')
    INCOME = ('i) Income', 'i) Income')
    EMPLOYMENT_STATUS = ('j) Employment Status', 'j) Employment Status')
    NONE_OF_THE_ABOVE = ('k) None of the above', 'k) None of the above')
    OTHER = ('l) Other', 'l) Other')


class PracticeStatus(InventoryChoice):
    """`hi_testing_conducted`."""

    YES = ('a) Yes', 'Yes')
    IN_PROGRESS = ('b) In-progress', 'In-progress')
    CAIO_WAIVED = ('c) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


class IndependentReview(InventoryChoice):
    """`hi_independent_review`."""

    AGENCY_REVIEWER = ('a) Yes – by another appropriate agency office or reviewer not directly involved in the AI’s development', 'Internal Independent Review')
    OVERSIGHT_BOARD = ('b) Yes – by an agency AI oversight board not directly involved in the AI’s development', 'Oversight Board Review')
    CAIO = ('c) Yes – by the CAIO', 'CAIO Review')
    IN_PROGRESS = ('d) In-progress', 'In-progress')
    CAIO_WAIVED = ('e) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


class OngoingMonitoring(InventoryChoice):
    """`hi_ongoing_monitoring`."""

    ESTABLISHED = ('a) Yes, sufficient monitoring protocols have been established', 'Yes - Monitoring Established')
    IN_PROGRESS = ('b) Development of monitoring protocols is in-progess', 'In-progress')
    CAIO_WAIVED = ('c) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


class OperatorTraining(InventoryChoice):
    """`hi_training_established`."""

    ESTABLISHED = ('a) Yes, sufficient and periodic training has been established', 'Training Established')
    IN_PROGRESS = ('b) Establishment of sufficient and periodic training is in-progress', 'Training In-progress')
    CAIO_WAIVED = ('c) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


class Failsafe(InventoryChoice):
    """`hi_failsafe_presence`."""

    YES = ('a) Yes', 'Yes')
    NOT_APPLICABLE = ('b) Not applicable', 'Not Applicable')
    IN_PROGRESS = ('c) In-progress', 'In-progress')
    CAIO_WAIVED = ('d) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


class AppealProcess(InventoryChoice):
    """`hi_appeal_process`."""

    ESTABLISHED = ('a) Yes, an appropriate appeal process has been established', 'Appeal Process Established')
    NOT_APPLICABLE = ('b) Not applicable', 'Not Applicable')
    IN_PROGRESS = ('c) Establishment of an appropriate appeal process is in-progress', 'Appeal Process In-progress')
    PRECLUDED_BY_LAW = ('d) Law, operational limitations, or governmentwide guidance precludes an opportunity for an individual to appeal', 'Appeal Precluded by Law')
    CAIO_WAIVED = ('e) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


class PublicConsultation(InventoryChoice):
    """`hi_public_consultation`."""

    USABILITY_TESTING = ('a) Direct usability testing', 'Usability Testing')
    PUBLIC_FEEDBACK = ('b) General solicitations of feedback and comments from the public', 'Public Feedback Solicitations')
    PUBLIC_HEARINGS = ('c) Public hearings or meetings ', 'Public Hearings')
    OTHER = ('d) Other', 'Other')
    IN_PROGRESS = ('e) In-progress', 'In-progress')
    CAIO_WAIVED = ('f) Agency CAIO has waived this minimum practice and reported such waiver to OMB', 'CAIO Waived')


# --- OpsDesk's record and the inventory -------------------------------------------------------------------------

STAGE_TO_INVENTORY: dict[Stage, DevelopmentStage] = {
    Stage.PROPOSED: DevelopmentStage.PRE_DEPLOYMENT,
    Stage.PILOT: DevelopmentStage.PILOT,
    Stage.EXPAND: DevelopmentStage.DEPLOYED,
    Stage.PRODUCTION: DevelopmentStage.DEPLOYED,
    Stage.RETIRED: DevelopmentStage.RETIRED,
}
INVENTORY_TO_STAGE: dict[DevelopmentStage, Stage] = {
    DevelopmentStage.PRE_DEPLOYMENT: Stage.PROPOSED,
    DevelopmentStage.PILOT: Stage.PILOT,
    DevelopmentStage.DEPLOYED: Stage.PRODUCTION,
    DevelopmentStage.RETIRED: Stage.RETIRED,
}


def high_impact(tier: RiskTier, presumed_but_not: bool) -> HighImpact:
    """OpsDesk's tier ``high_impact`` is the inventory's "High-impact"; every other tier is "Not high-impact",
    unless the record says the use case was presumed high-impact and determined not to be."""
    if tier is RiskTier.HIGH_IMPACT:
        return HighImpact.HIGH_IMPACT
    return HighImpact.PRESUMED_NOT_HIGH_IMPACT if presumed_but_not else HighImpact.NOT_HIGH_IMPACT


LIVE = (DevelopmentStage.PILOT, DevelopmentStage.DEPLOYED)
ACTIVE = (DevelopmentStage.PRE_DEPLOYMENT, *LIVE)


@dataclass(frozen=True)
class Column:
    """One column of the individual use case file. ``rule`` says when it must be answered:
    ``always``, ``active`` (pre-deployment, pilot and deployed), ``live`` (pilot and deployed), ``high_impact``
    (high-impact deployed), ``when`` (conditional on other answers, see :func:`check`), ``optional``."""

    name: str
    kind: str  # text, choice, multi, date
    rule: str
    choice: type[InventoryChoice] | None = None
    label: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("agency", "text", "always", label="Agency (abbreviation)"),
    Column("agency_name", "text", "always", label="Agency name"),
    Column("id", "text", "always", label="Use case ID"),
    Column("use_case_name", "text", "always", label="Use case name"),
    Column("agency_bureau", "text", "always", label="Bureau/component"),
    Column("contact_email", "text", "always", label="Contact email"),
    Column("is_withheld", "choice", "always", Withheld, "Withheld from public reporting?"),
    Column("development_stage", "choice", "always", DevelopmentStage, "Stage of development"),
    Column("is_high_impact", "choice", "always", HighImpact, "High-impact?"),
    Column("HI_justification", "text", "when", label="Justification (presumed but not high-impact)"),
    Column("topic_area", "choice", "active", TopicArea, "Topic area"),
    Column("classification", "choice", "active", AIClassification, "AI classification"),
    Column("problem_solved", "text", "active", label="Problem the AI solves"),
    Column("benefits", "text", "active", label="Expected benefits"),
    Column("system_outputs", "text", "active", label="System outputs"),
    Column("operational_date", "date", "live", label="Operational (or pilot start) date"),
    Column("contracting_usage", "choice", "live", ContractingUsage, "Vendor, in-house or both"),
    Column("vendor_name", "text", "when", label="Vendor name(s)"),
    Column("have_ato", "choice", "live", YesNo, "Authorization to operate (ATO)?"),
    Column("system_name_ato", "text", "when", label="ATO system name(s)"),
    Column("data_description", "text", "live", label="Data used to train, fine-tune or evaluate"),
    Column("link_to_data", "text", "optional", label="Link to the Federal Data Catalog entry"),
    Column("has_pii", "choice", "live", YesNo, "Involves PII?"),
    Column("pia_url", "text", "optional", label="Privacy impact assessment link"),
    Column("demographic_features", "multi", "live", DemographicFeature, "Demographic features used"),
    Column("has_custom_code", "choice", "live", YesNo, "Custom-developed code?"),
    Column("code_url", "text", "optional", label="Open-source code link"),
    Column("hi_testing_conducted", "choice", "high_impact", PracticeStatus, "Pre-deployment testing"),
    Column("hi_assessment_completed", "choice", "high_impact", PracticeStatus, "AI impact assessment"),
    Column("hi_potential_impacts", "text", "high_impact", label="Potential impacts and how identified"),
    Column("hi_independent_review", "choice", "high_impact", IndependentReview, "Independent review"),
    Column("hi_ongoing_monitoring", "choice", "high_impact", OngoingMonitoring, "Ongoing monitoring"),
    Column("hi_training_established", "choice", "high_impact", OperatorTraining, "Operator training"),
    Column("hi_failsafe_presence", "choice", "high_impact", Failsafe, "Fail-safe"),
    Column("hi_appeal_process", "choice", "high_impact", AppealProcess, "Appeal process"),
    Column("hi_public_consultation", "multi", "high_impact", PublicConsultation, "Public consultation"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

COTS_COLUMNS: tuple[str, ...] = ("Agency", "AI Use Case", "Agency Use (Y/N)?",
                                 "Name of Commercial Product or Service Used", "Estimated # of Licenses/Users")

COTS_TASKS: tuple[str, ...] = (
    "Scheduling internal-to-government meetings or appointments or setting reminders using AI.",
    "Logging and analyzing time spent on tasks using AI-powered time management tools.",
    "Transcribing, summarizing, or other efforts that improve the accessibility of a virtual meeting or interview "
    "using AI.",
    "Prioritizing and categorizing incoming emails using AI.",
    "Editing images, videos, or other public affairs materials using AI.",
    "Scheduling and managing social media posts using AI.",
    "Generating first drafts of documents, briefing, or communication materials using AI.",
    "Improving the quality of written communications using AI tools.",
    "Summarizing the key points of a lengthy report using AI.",
    "Creating visual representations of data sets for reports or presentations using AI.",
    "Using AI-assisted tools in word processors.",
    "Generating code using AI.",
    "Searching for agency information using a knowledge retrieval system.",
    "Identifying and cataloging items in a storage room using AI-driven image recognition.",
    "Managing or implementing security controls for information systems (e.g., cybersecurity) using AI",
    "Managing and prioritizing internal service or help desk tickets using AI.",
    "Curating news articles and updates based on user preferences using AI.",
    "Planning travel routes using AI-driven map applications.",
    "Finding and booking travel accommodations using AI-powered platforms.",
    "Unlocking smartphones or other devices without the need for passwords or PINs using AI-based facial "
    "recognition technology.",
)


def cots_task(text: str) -> str | None:
    """The consolidated COTS task ``text`` names (spacing and case do not matter), or None."""
    key = _norm(text)
    return next((t for t in COTS_TASKS if _norm(t) == key), None)


@dataclass(frozen=True)
class Gap:
    """One thing missing or inconsistent in a use case's inventory row."""

    column: str
    problem: str
    kind: str = "missing"  # missing | inconsistent | unknown

    def text(self) -> str:
        return f"{self.column}: {self.problem}"


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NONE_OF_THE_ABOVE = DemographicFeature.NONE_OF_THE_ABOVE


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def check(row: Mapping[str, Any], *, as_of: dt.date | None = None, assessment_date: dt.date | None = None,
          unrecognised: Mapping[str, str] | None = None) -> list[Gap]:
    """The dictionary's rules applied to one use case: typed values by column name (choices as members, the
    select-multiple columns as lists, the date as a date). ``assessment_date`` is when the AI impact assessment
    was completed (the inventory asks only whether it was); ``unrecognised`` holds imported answers that are not
    among the dictionary's choices."""
    stage = row.get("development_stage")
    impact = row.get("is_high_impact")
    gaps: list[Gap] = []
    for col in COLUMNS:
        value = row.get(col.name)
        if col.rule == "always":
            needed = True
        elif col.rule == "active":
            needed = stage in ACTIVE
        elif col.rule == "live":
            needed = stage in LIVE
        elif col.rule == "high_impact":
            needed = impact is HighImpact.HIGH_IMPACT and stage is DevelopmentStage.DEPLOYED
        else:
            needed = False
        if needed and _blank(value):
            raw = (unrecognised or {}).get(col.name)
            if raw:
                gaps.append(Gap(col.name, f"'{raw}' is not one of the dictionary's choices", "unknown"))
            else:
                gaps.append(Gap(col.name, _why(col), "missing"))
    gaps += _conditional(row, stage, impact, as_of, assessment_date)
    return gaps


def _why(col: Column) -> str:
    return {
        "always": "is required",
        "active": "is required for pre-deployment, pilot and deployed use cases",
        "live": "is required for pilot and deployed use cases",
        "high_impact": "is required for high-impact deployed use cases",
    }.get(col.rule, "is required")


def _conditional(row: Mapping[str, Any], stage: Any, impact: Any, as_of: dt.date | None,
                 assessment_date: dt.date | None) -> list[Gap]:
    gaps: list[Gap] = []
    live = stage in LIVE
    if impact is HighImpact.PRESUMED_NOT_HIGH_IMPACT and _blank(row.get("HI_justification")):
        gaps.append(Gap("HI_justification", "is required when the use case was presumed high-impact but "
                                            "determined not to be"))
    if live and row.get("contracting_usage") in (ContractingUsage.VENDOR, ContractingUsage.BOTH) \
            and _blank(row.get("vendor_name")):
        gaps.append(Gap("vendor_name", "is required when the system was purchased from or developed with a vendor"))
    if row.get("contracting_usage") is ContractingUsage.IN_HOUSE and not _blank(row.get("vendor_name")):
        gaps.append(Gap("vendor_name", "is given although the system was developed in-house", "inconsistent"))
    if live and row.get("have_ato") is YesNo.YES and _blank(row.get("system_name_ato")):
        gaps.append(Gap("system_name_ato", "is required when the use case has an ATO"))
    features = list(row.get("demographic_features") or [])
    if _NONE_OF_THE_ABOVE in features and len(features) > 1:
        gaps.append(Gap("demographic_features", "'None of the above' is chosen together with other features",
                        "inconsistent"))
    email = row.get("contact_email")
    if isinstance(email, str) and email and not EMAIL.match(email):
        gaps.append(Gap("contact_email", f"'{email}' is not an email address", "inconsistent"))
    when = row.get("operational_date")
    if as_of is not None and isinstance(when, dt.date) and live and when > as_of:
        gaps.append(Gap("operational_date", f"{when.isoformat()} is after the reporting date {as_of.isoformat()}",
                        "inconsistent"))
    if impact is HighImpact.HIGH_IMPACT:
        if row.get("hi_assessment_completed") is PracticeStatus.YES and assessment_date is None:
            gaps.append(Gap("hi_assessment_completed", "says the impact assessment is complete but no assessment "
                                                       "date is recorded", "inconsistent"))
        if stage is DevelopmentStage.DEPLOYED and row.get("hi_assessment_completed") is PracticeStatus.IN_PROGRESS:
            gaps.append(Gap("hi_assessment_completed", "a deployed high-impact use case needs its impact "
                                                       "assessment completed (or a CAIO waiver)", "inconsistent"))
    return gaps


def cell(column: Column, value: Any, *, spelling: str = "short") -> str:
    """The text of one cell in the file: choices in ``short`` (OMB's consolidated file) or ``full`` (the
    template's lettered selections) spelling, select-multiple columns as a sorted Python-style list, dates ISO."""
    if _blank(value):
        return "[]" if column.kind == "multi" else ""
    if column.kind == "choice":
        return value.short if spelling == "short" else value.full
    if column.kind == "multi":
        items = sorted(v.short if spelling == "short" else v.full for v in value)
        return "[" + ", ".join(repr(i) for i in items) + "]"
    if column.kind == "date":
        return value.isoformat()
    return str(value)


def parse_multi(text: str) -> list[str]:
    """The items of a select-multiple cell: a stringified list (``['a) Sex', 'b) Age']``) or a semicolon- or
    comma-separated list."""
    t = str(text).strip()
    if not t or t == "[]":
        return []
    if t.startswith("[") and t.endswith("]"):
        return [m.group(2).strip() for m in re.finditer(r"(['\"])(.*?)\1", t[1:-1], re.S) if m.group(2).strip()]
    sep = ";" if ";" in t else ","
    return [p.strip() for p in t.split(sep) if p.strip()]


def parse_choices(choice: type[InventoryChoice], items: Iterable[str]) -> tuple[list[InventoryChoice], list[str]]:
    """Members for the items that are dictionary choices, and the items that are not."""
    known, unknown = [], []
    for item in items:
        try:
            known.append(choice.parse(item))
        except ValueError:
            unknown.append(item)
    return known, unknown
