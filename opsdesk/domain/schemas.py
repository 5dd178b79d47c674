"""The field schemas of the register records, in one place: the services clean form and CLI input with them,
the GUI forms show their reasons while the user types, and an exchange bundle's records are checked against the
same rules before they are applied."""

from __future__ import annotations

from decimal import Decimal

from opsdesk.domain.enums import (
    CommitteeRole,
    Direction,
    Discipline,
    Labelled,
    OpsDiscipline,
    RiskTier,
    Stage,
    StandardCategory,
    StandardStatus,
    SubjectKind,
)
from opsdesk.domain.rules import EMAIL, INITIATIVE_CODE, OBJECTIVE_CODE
from opsdesk.domain.validation import Field


def _currency(value: str) -> str | None:
    return None if len(value) == 3 and value.isalpha() and value.isupper() else "must be a 3-letter ISO code such as USD"


def enum_list(values: list[str], enum: type[Labelled]) -> str | None:
    """The first value that is not a member of ``enum``, said plainly; ``None`` when all are."""
    for v in values:
        try:
            enum.parse(v)
        except ValueError as exc:
            return str(exc)
    return None


def _stages(values: list[str]) -> str | None:
    return enum_list(values, Stage)


INITIATIVE = (
    Field("code", required=True, max_len=20, pattern=INITIATIVE_CODE, pattern_hint="AI-0001"),
    Field("name", required=True),
    Field("problem", kind="text"),
    Field("expected_benefits", kind="text"),
    Field("outputs", kind="text"),
    Field("owner"),
    Field("sponsor"),
    Field("risk_tier", kind="enum", enum=RiskTier, default=RiskTier.LOW),
    Field("classification", max_len=40, default="OFFICIAL"),
    Field("budget", kind="decimal", minimum=Decimal("0"), default=Decimal("0")),
    Field("currency", max_len=3, checks=(_currency,), default="USD"),
    Field("cost_centre", max_len=40),
    Field("tags", kind="list"),
    Field("disciplines", kind="list"),
    Field("start_date", kind="date"),
    Field("end_date", kind="date"),
)
OBJECTIVE = (
    Field("code", required=True, max_len=20, pattern=OBJECTIVE_CODE, pattern_hint="OBJ-01"),
    Field("title", required=True),
    Field("description", kind="text"),
    Field("owner"),
    Field("kpi_name"),
    Field("kpi_target"),
    Field("due_date", kind="date"),
)
PERSON = (
    Field("name", required=True),
    Field("email", required=True, pattern=EMAIL, pattern_hint="an e-mail address"),
    Field("unit"),
    Field("discipline", kind="enum", enum=Discipline, required=True),
    Field("committee_role", kind="enum", enum=CommitteeRole, default=CommitteeRole.NONE),
    Field("active", kind="bool", default=True),
)
DATA_ASSET = (
    Field("name", required=True, max_len=300),
    Field("namespace", max_len=300),
    Field("owner"),
    Field("source_system"),
    Field("format_standard"),
    Field("classification", max_len=40, default="OFFICIAL"),
    Field("contains_pii", kind="bool", default=False),
    Field("description", kind="text"),
)
MODEL = (
    Field("name", required=True, max_len=300),
    Field("version_label", max_len=80, default="1"),
    Field("framework"),
    Field("owner"),
    Field("registry_source", max_len=500),
    Field("classification", max_len=40, default="OFFICIAL"),
)
LESSON = (
    Field("stage", kind="enum", enum=Stage, required=True),
    Field("category", max_len=60),
    Field("what_happened", kind="text", required=True),
    Field("recommendation", kind="text"),
    Field("tags", kind="list"),
    Field("recorded_on", kind="date", required=True),
)
METRIC_SERIES = (
    Field("discipline", kind="enum", enum=OpsDiscipline, required=True),
    Field("name", required=True),
    Field("unit", max_len=40),
    Field("direction", kind="enum", enum=Direction, default=Direction.HIGHER_IS_BETTER),
    Field("green_threshold", kind="decimal"),
    Field("amber_threshold", kind="decimal"),
    Field("subject_kind", kind="enum", enum=SubjectKind, default=SubjectKind.INITIATIVE),
    Field("subject_id", kind="int"),
    Field("description"),
)
STANDARD = (
    Field("code", required=True, max_len=40),
    Field("title", required=True),
    Field("category", kind="enum", enum=StandardCategory, required=True),
    Field("version_label", max_len=20, default="1.0"),
    Field("status", kind="enum", enum=StandardStatus, default=StandardStatus.DRAFT),
    Field("owner"),
    Field("source", max_len=500),
    Field("text", kind="text"),
    Field("risk_tiers", kind="list", checks=(lambda v: enum_list(v, RiskTier),)),
)
REQUIREMENT = (
    Field("code", required=True, max_len=40),
    Field("text", kind="text", required=True),
    Field("stages", kind="list", checks=(_stages,)),
)
MEETING = (
    Field("title", required=True),
    Field("location"),
)

#: The schema of each kind of record, by the name exchange bundles use for it.
BY_KIND: dict[str, tuple[Field, ...]] = {
    "initiative": INITIATIVE, "objective": OBJECTIVE, "person": PERSON, "data_asset": DATA_ASSET, "model": MODEL,
    "lesson": LESSON, "metric_series": METRIC_SERIES, "standard": STANDARD, "requirement": REQUIREMENT,
    "meeting": MEETING,
}
