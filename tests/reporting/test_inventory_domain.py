"""The inventory's vocabularies and rules against OMB's own 2025 data dictionary."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from opsdesk.domain import inventory as inv
from tests.conftest import SHARED_DATA

DICT_DIR = SHARED_DATA / "us-federal-ai-inventory-2025"

ENUM_FOR = {c.name: c.choice for c in inv.COLUMNS if c.choice is not None}


@pytest.fixture(scope="module")
def dictionary() -> dict:
    path = DICT_DIR / "data_dictionary.json"
    if not path.exists():
        pytest.skip("the OMB data dictionary is not in shared/data")
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_dictionary_column_is_a_column_in_the_same_order(dictionary: dict) -> None:
    ordered = sorted(dictionary, key=lambda k: dictionary[k]["column_order_in_original_excel"])
    assert list(inv.COLUMN_NAMES) == ["agency", "agency_name", *ordered]


def test_published_file_has_exactly_these_columns() -> None:
    import csv

    with open(DICT_DIR / "2025_individually_reported_AI_use_cases.csv", encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == inv.COLUMN_NAMES


def test_choices_have_the_dictionary_spellings(dictionary: dict) -> None:
    for name, choice in ENUM_FOR.items():
        entry = dictionary[name]
        assert [m.full for m in choice] == entry["valid_selections"], name
        shorts = entry.get("short_hand_recodings") or {v: v for v in entry["valid_selections"]}
        assert [m.short for m in choice] == list(shorts.values()), name


@pytest.mark.parametrize("text", ["a) No", "No", "no", " NO "])
def test_either_spelling_parses(text: str) -> None:
    assert inv.Withheld.parse(text) is inv.Withheld.NO


def test_shorthand_and_full_spellings_of_the_monitoring_typo_both_parse() -> None:
    assert inv.OngoingMonitoring.parse("b) Development of monitoring protocols is in-progress") \
        is inv.OngoingMonitoring.IN_PROGRESS
    assert inv.OngoingMonitoring.parse("In-progress") is inv.OngoingMonitoring.IN_PROGRESS


def test_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        inv.TopicArea.parse("Other – Economic & Financial")


def _deployed_row(**over) -> dict:
    row = {
        "agency": "DPS", "agency_name": "Department of Public Services", "id": "DPS-1", "use_case_name": "X",
        "agency_bureau": "Data", "contact_email": "a@b.gov", "is_withheld": inv.Withheld.NO,
        "development_stage": inv.DevelopmentStage.DEPLOYED, "is_high_impact": inv.HighImpact.NOT_HIGH_IMPACT,
        "topic_area": inv.TopicArea.SCIENCE, "classification": inv.AIClassification.NLP, "problem_solved": "p",
        "benefits": "b", "system_outputs": "o", "operational_date": dt.date(2025, 1, 1),
        "contracting_usage": inv.ContractingUsage.IN_HOUSE, "have_ato": inv.YesNo.NO, "data_description": "d",
        "has_pii": inv.YesNo.NO, "demographic_features": [inv.DemographicFeature.NONE_OF_THE_ABOVE],
        "has_custom_code": inv.YesNo.YES,
    }
    row.update(over)
    return row


def test_complete_deployed_row_has_no_gaps() -> None:
    assert inv.check(_deployed_row()) == []


def test_pre_deployment_needs_no_live_columns() -> None:
    row = _deployed_row(development_stage=inv.DevelopmentStage.PRE_DEPLOYMENT, operational_date=None,
                        have_ato=None, has_pii=None, demographic_features=[], data_description="")
    assert inv.check(row) == []


def test_retired_needs_only_the_always_columns() -> None:
    row = _deployed_row(development_stage=inv.DevelopmentStage.RETIRED, topic_area=None, classification=None)
    assert inv.check(row) == []


def test_pilot_missing_live_columns_are_named() -> None:
    row = _deployed_row(development_stage=inv.DevelopmentStage.PILOT, have_ato=None, demographic_features=[])
    assert {g.column for g in inv.check(row)} == {"have_ato", "demographic_features"}


def test_vendor_name_required_only_when_a_vendor_is_involved() -> None:
    gaps = inv.check(_deployed_row(contracting_usage=inv.ContractingUsage.VENDOR))
    assert [g.column for g in gaps] == ["vendor_name"]


def test_ato_system_name_conditional() -> None:
    assert [g.column for g in inv.check(_deployed_row(have_ato=inv.YesNo.YES))] == ["system_name_ato"]


def test_presumed_high_impact_needs_a_justification() -> None:
    gaps = inv.check(_deployed_row(is_high_impact=inv.HighImpact.PRESUMED_NOT_HIGH_IMPACT))
    assert [g.column for g in gaps] == ["HI_justification"]


def test_high_impact_deployed_needs_the_practices_block() -> None:
    gaps = inv.check(_deployed_row(is_high_impact=inv.HighImpact.HIGH_IMPACT))
    assert {g.column for g in gaps} == {c.name for c in inv.COLUMNS if c.rule == "high_impact"}


def test_high_impact_with_completed_assessment_but_no_date_is_inconsistent() -> None:
    hi = {c.name: (["x"] if c.kind == "multi" else "x") for c in inv.COLUMNS if c.rule == "high_impact"}
    hi.update(hi_assessment_completed=inv.PracticeStatus.YES,
              hi_public_consultation=[inv.PublicConsultation.USABILITY_TESTING])
    row = _deployed_row(is_high_impact=inv.HighImpact.HIGH_IMPACT, **hi)
    gaps = inv.check(row)
    assert [(g.column, g.kind) for g in gaps] == [("hi_assessment_completed", "inconsistent")]
    assert inv.check(row, assessment_date=dt.date(2025, 3, 1)) == []


def test_none_of_the_above_with_another_feature_is_inconsistent() -> None:
    row = _deployed_row(demographic_features=[inv.DemographicFeature.NONE_OF_THE_ABOVE, inv.DemographicFeature.AGE])
    assert [g.kind for g in inv.check(row)] == ["inconsistent"]


def test_unrecognised_import_value_is_named_in_the_gap() -> None:
    gaps = inv.check(_deployed_row(topic_area=None), unrecognised={"topic_area": "Other – Economic"})
    assert gaps[0].kind == "unknown" and "Other – Economic" in gaps[0].problem


def test_cells_use_the_published_spellings() -> None:
    col = inv.BY_NAME["demographic_features"]
    assert inv.cell(col, [inv.DemographicFeature.SEX, inv.DemographicFeature.AGE]) == "['b) Sex', 'c) Age']"
    assert inv.cell(col, []) == "[]"
    assert inv.cell(inv.BY_NAME["is_withheld"], inv.Withheld.NO) == "No"
    assert inv.cell(inv.BY_NAME["is_withheld"], inv.Withheld.NO, spelling="full") == "a) No"


def test_stage_mapping_covers_every_stage() -> None:
    from opsdesk.domain.enums import Stage

    assert set(inv.STAGE_TO_INVENTORY) == set(Stage)
    assert all(inv.STAGE_TO_INVENTORY[s] is d for d, s in inv.INVENTORY_TO_STAGE.items())
