"""Pure rules of the committee: quorum, recusal and the voting rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from opsdesk.domain.enums import GOVERNING_DISCIPLINES, Discipline, Outcome, VoteChoice


@dataclass(frozen=True)
class Charter:
    min_voting_members: int = 4
    require_every_discipline: bool = True
    voting_rule: str = "simple_majority"  # or "two_thirds"

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> Charter:
        if not data:
            return cls()
        return cls(int(data.get("min_voting_members", 4)), bool(data.get("require_every_discipline", True)),  # type: ignore[call-overload]
                   str(data.get("voting_rule", "simple_majority")))

    def to_json(self) -> dict[str, object]:
        return {"min_voting_members": self.min_voting_members,
                "require_every_discipline": self.require_every_discipline, "voting_rule": self.voting_rule}


@dataclass(frozen=True)
class Member:
    person_id: int
    discipline: Discipline


@dataclass(frozen=True)
class QuorumResult:
    met: bool
    voting_present: int
    missing_disciplines: tuple[Discipline, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)


def quorum(charter: Charter, present_voting: Iterable[Member], recused: Iterable[int] = ()) -> QuorumResult:
    """Quorum for one item: voting members present and not recused, and (by default) every discipline."""
    recused_ids = set(recused)
    eligible = [m for m in present_voting if m.person_id not in recused_ids]
    reasons = []
    if len(eligible) < charter.min_voting_members:
        reasons.append(f"{len(eligible)} voting members present and not recused; the charter needs "
                       f"{charter.min_voting_members}")
    missing: tuple[Discipline, ...] = ()
    if charter.require_every_discipline:
        have = {m.discipline for m in eligible}
        missing = tuple(d for d in GOVERNING_DISCIPLINES if d not in have)
        if missing:
            reasons.append("no voting member present for " + ", ".join(d.label for d in missing))
    return QuorumResult(not reasons, len(eligible), missing, tuple(reasons))


@dataclass(frozen=True)
class Tally:
    for_: int
    against: int
    abstain: int
    recused: int

    @property
    def cast(self) -> int:
        return self.for_ + self.against


def tally(votes: Mapping[int, VoteChoice]) -> Tally:
    counts = {c: 0 for c in VoteChoice}
    for choice in votes.values():
        counts[choice] += 1
    return Tally(counts[VoteChoice.FOR], counts[VoteChoice.AGAINST], counts[VoteChoice.ABSTAIN],
                 counts[VoteChoice.RECUSED])


def motion_carried(charter: Charter, t: Tally) -> bool:
    if t.cast == 0:
        return False
    if charter.voting_rule == "two_thirds":
        return t.for_ * 3 >= t.cast * 2
    return t.for_ > t.against


def outcome_problem(charter: Charter, outcome: Outcome, t: Tally) -> str | None:
    """Why ``outcome`` does not agree with the votes under the voting rule, or None when it does."""
    carried = motion_carried(charter, t)
    if outcome in (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS) and not carried:
        return f"an approval needs the motion carried ({t.for_} for, {t.against} against under {charter.voting_rule})"
    if outcome is Outcome.REJECTED and carried:
        return f"the motion carried ({t.for_} for, {t.against} against), so it cannot be recorded as rejected"
    return None
