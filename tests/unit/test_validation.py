from decimal import Decimal

import pytest

from opsdesk.domain.enums import RiskTier
from opsdesk.domain.validation import Field, clean, problems
from opsdesk.errors import ValidationError

SCHEMA = (
    Field("name", required=True, max_len=10),
    Field("budget", kind="decimal", minimum=Decimal(0)),
    Field("risk", kind="enum", enum=RiskTier),
    Field("due", kind="date"),
)


def test_clean_types_every_field():
    out = clean(SCHEMA, {"name": " Triage ", "budget": "1,200.50", "risk": "High impact", "due": "2026-01-31"})
    assert out["name"] == "Triage"
    assert out["budget"] == Decimal("1200.50")
    assert out["risk"] is RiskTier.HIGH_IMPACT
    assert out["due"].isoformat() == "2026-01-31"


@pytest.mark.parametrize(("values", "field", "reason"), [
    ({"name": ""}, "name", "is required"),
    ({"name": "x" * 11}, "name", "longer than 10"),
    ({"name": "ok", "budget": "-1"}, "budget", "at least 0"),
    ({"name": "ok", "budget": "lots"}, "budget", "'lots' is not a number"),
    ({"name": "ok", "risk": "extreme"}, "risk", "'extreme' is not one of"),
    ({"name": "ok", "due": "31/01/2026"}, "due", "not a date"),
    ({"name": "ok", "colour": "red"}, "colour", "not a field"),
])
def test_invalid_input_names_field_and_reason(values, field, reason):
    with pytest.raises(ValidationError) as info:
        clean(SCHEMA, values)
    assert info.value.field == field
    assert reason in info.value.reason


def test_problems_reports_every_bad_field_at_once():
    found = problems(SCHEMA, {"name": "", "budget": "-5", "due": "2026-02-01"})
    assert set(found) == {"name", "budget"}


def test_a_blank_text_field_takes_its_default():
    from opsdesk.domain.validation import Field, clean

    schema = (Field("version_label", default="1"), Field("note"))
    assert clean(schema, {"version_label": "  ", "note": ""}) == {"version_label": "1", "note": ""}
