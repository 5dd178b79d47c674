"""queries.read_plain on a long read: each distinct stored value is converted once, and a value that can be
changed in place (JSON's lists) still belongs to its own row."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select

from opsdesk.domain.enums import Stage
from opsdesk.store import queries
from opsdesk.store.models import Initiative


def _seed(ws, n: int) -> None:  # type: ignore[no-untyped-def]
    with ws.write() as tx:
        tx.session.execute(insert(Initiative), [{
            "code": f"AI-{i:04d}", "name": f"Initiative {i}", "owner": "Owner", "stage": Stage.PILOT,
            "classification": "OFFICIAL", "budget": Decimal("1000.50"), "currency": "USD",
            "disciplines": ["data", "ml"], "tags": [], "created_at": ws.clock()} for i in range(n)])


def test_a_long_read_converts_like_sqlalchemy_and_rows_own_their_lists(ws) -> None:  # type: ignore[no-untyped-def]
    _seed(ws, 200)
    stmt = select(Initiative.code, Initiative.stage, Initiative.budget, Initiative.disciplines).order_by(
        Initiative.code)
    with ws.read() as s:
        plain = queries.read_plain(s.connection(), stmt)
        expected = [tuple(r) for r in s.connection().execute(stmt)]
    assert plain == expected and len(plain) == 200
    assert all(r[1] is Stage.PILOT and r[2] == Decimal("1000.50") for r in plain)
    plain[0][3].append("finance")  # one row's list changed: no other row's
    assert plain[1][3] == ["data", "ml"] and plain[0][3] is not plain[1][3]


def test_stored_values_of_two_kinds_are_each_converted_as_sqlalchemy_does(sqlite_ws) -> None:  # type: ignore[no-untyped-def]
    """1 and 1.0 are one key in a dict, but a Decimal read from each keeps its own text."""
    from sqlalchemy import case, literal_column, type_coerce

    from opsdesk.store.types import WrittenMoney

    _seed(sqlite_ws, 100)
    amount = case((Initiative.code.like("%0"), literal_column("1.0")), else_=literal_column("1"))
    stmt = select(Initiative.code, type_coerce(amount, WrittenMoney)).order_by(Initiative.code)
    with sqlite_ws.read() as s:
        plain = queries.read_plain(s.connection(), stmt)
        expected = [tuple(r) for r in s.connection().execute(stmt)]
    assert [str(r[1]) for r in plain] == [str(r[1]) for r in expected]
    assert {str(r[1]) for r in plain} == {"1", "1.0"}
