from __future__ import annotations

from decimal import Decimal

import pytest

from opsdesk.analytics.rag import spend_rag


@pytest.mark.parametrize(("budget", "spend", "rag"), [
    ("1000", "0", "green"),
    ("1000", "849.99", "green"),
    ("1000", "850", "amber"),
    ("1000", "999.99", "amber"),
    ("1000", "1000", "red"),
    ("1000", "1200", "red"),
    ("0", "0", "grey"),
    ("0", "5", "red"),
])
def test_spend_against_budget_gives_the_expected_colour(budget, spend, rag):
    assert spend_rag(Decimal(budget), Decimal(spend)) == rag
