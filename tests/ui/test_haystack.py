"""A register's search text: an attribute column read whole gives each row its own value's text, also when the
column mixes values that are equal but read differently (text and an enum of the same value, True and 1)."""

from __future__ import annotations

import os
from decimal import Decimal
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from opsdesk.domain.enums import Discipline  # noqa: E402
from opsdesk.ui.models.records import Column, attr, haystack  # noqa: E402


def _texts(*values: object) -> list[str]:
    return haystack([Column("v", "V", attr("v"))], [SimpleNamespace(v=v) for v in values * 40])[:len(values)]


def test_each_row_is_searched_by_its_own_text() -> None:
    assert _texts("data", Discipline.DATA) == ["data", "data management"]
    assert _texts(Discipline.DATA, "data") == ["data management", "data"]
    assert _texts(1, True) == ["1", "true"]
    assert _texts(Decimal("1.0"), Decimal("1.00"), None) == ["1.0", "1.00", ""]
    assert _texts(Discipline.ML, Discipline.DATA, None) == ["ml operations", "data management", ""]
