"""The pure rules behind conformance: waiver expiry, the status that counts, and the percentage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from opsdesk.domain.conformance import effective_status, satisfies, score, waiver_expired
from opsdesk.domain.enums import ConformanceStatus as S

EXPIRY = dt.date(2026, 6, 30)


def test_waiver_is_in_force_up_to_and_including_its_expiry_date():
    assert not waiver_expired(S.WAIVED, EXPIRY, EXPIRY)
    assert waiver_expired(S.WAIVED, EXPIRY, EXPIRY + dt.timedelta(days=1))
    assert effective_status(S.WAIVED, EXPIRY, EXPIRY) is S.WAIVED
    assert effective_status(S.WAIVED, EXPIRY, dt.date(2026, 7, 1)) is S.NOT_MET


def test_a_waiver_without_expiry_counts_as_expired_and_other_statuses_are_untouched():
    assert effective_status(S.WAIVED, None, EXPIRY) is S.NOT_MET
    assert effective_status(S.MET, EXPIRY, dt.date(2030, 1, 1)) is S.MET
    assert effective_status(None, None, EXPIRY) is None


def test_gate_passes_on_met_waived_and_not_applicable_only():
    assert [satisfies(s) for s in (S.MET, S.WAIVED, S.NOT_APPLICABLE, S.PARTIAL, S.NOT_MET, None)] == [
        True, True, True, False, False, False]


def test_score_counts_partial_half_and_leaves_not_applicable_out():
    assert score([S.MET, S.PARTIAL, S.WAIVED, S.NOT_APPLICABLE]) == Decimal("83.3")
    assert score([S.MET, S.PARTIAL, S.NOT_MET, None]) == Decimal("37.5")
    assert score([S.NOT_APPLICABLE]) is None
    assert score([]) is None
