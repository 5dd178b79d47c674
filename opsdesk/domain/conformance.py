"""Pure rules of conformance: what a recorded status counts as on a given day, and how a percentage is scored.

The scoring convention, shown to the committee next to every percentage:

- *met* and a *waiver still in force* count 1, *partial* counts ½, *not met*, an *expired waiver* and a requirement
  nobody has assessed yet count 0;
- *not applicable* leaves the requirement out of the denominator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from opsdesk.domain.enums import ConformanceStatus

SCORING_METHOD = ("met and waivers in force count 1, partial ½, not met, expired waivers and unassessed 0; "
                  "not applicable is left out")

_SCORES = {
    ConformanceStatus.MET: Decimal(1),
    ConformanceStatus.WAIVED: Decimal(1),
    ConformanceStatus.PARTIAL: Decimal("0.5"),
    ConformanceStatus.NOT_MET: Decimal(0),
}


def waiver_expired(status: ConformanceStatus | None, expires: dt.date | None, as_of: dt.date) -> bool:
    """A waiver is in force up to and including its expiry date."""
    return status is ConformanceStatus.WAIVED and (expires is None or expires < as_of)


def effective_status(status: ConformanceStatus | None, expires: dt.date | None,
                     as_of: dt.date) -> ConformanceStatus | None:
    """The status that counts on ``as_of``: an expired waiver counts as not met; ``None`` means unassessed."""
    if waiver_expired(status, expires, as_of):
        return ConformanceStatus.NOT_MET
    return status


def satisfies(status: ConformanceStatus | None) -> bool:
    """Whether an (effective) status lets a gate pass."""
    return status in (ConformanceStatus.MET, ConformanceStatus.WAIVED, ConformanceStatus.NOT_APPLICABLE)


def score(statuses: list[ConformanceStatus | None]) -> Decimal | None:
    """Conformance in per cent over effective statuses (``None`` = unassessed); ``None`` when nothing applies."""
    counted = [s for s in statuses if s is not ConformanceStatus.NOT_APPLICABLE]
    if not counted:
        return None
    total = sum((_SCORES.get(s, Decimal(0)) if s is not None else Decimal(0) for s in counted), Decimal(0))
    return (total * 100 / len(counted)).quantize(Decimal("0.1"))
