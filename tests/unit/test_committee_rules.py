"""Quorum, recusal and the voting rule, with answers worked out by hand."""

from __future__ import annotations

from opsdesk.domain.committee import Charter, Member, motion_carried, outcome_problem, quorum, tally
from opsdesk.domain.enums import Discipline, Outcome, VoteChoice

D, M, F, E = Discipline.DATA, Discipline.ML, Discipline.FINANCE, Discipline.EXECUTIVE
FOUR = [Member(1, D), Member(2, M), Member(3, F), Member(4, E)]


def test_one_voting_member_per_discipline_makes_quorum():
    q = quorum(Charter(), FOUR)
    assert q.met and q.voting_present == 4 and q.reasons == ()


def test_five_members_without_an_executive_do_not():
    q = quorum(Charter(), [Member(1, D), Member(2, D), Member(3, M), Member(4, F), Member(5, F)])
    assert not q.met and q.missing_disciplines == (E,)
    assert "Executive" in q.reasons[0]


def test_recusing_the_only_executive_breaks_quorum_for_that_item_only():
    assert not quorum(Charter(), FOUR, recused=[4]).met
    assert quorum(Charter(), FOUR + [Member(5, E)], recused=[4]).met


def test_minimum_count_counts_members_not_recused():
    charter = Charter(min_voting_members=3, require_every_discipline=False)
    assert quorum(charter, FOUR[:3]).met
    q = quorum(charter, FOUR[:3], recused=[1])
    assert not q.met and q.voting_present == 2 and "needs 3" in q.reasons[0]


def test_simple_majority_of_votes_cast_abstentions_aside():
    ch = Charter()
    v = VoteChoice
    assert motion_carried(ch, tally({1: v.FOR, 2: v.FOR, 3: v.AGAINST, 4: v.ABSTAIN, 5: v.ABSTAIN}))
    assert not motion_carried(ch, tally({1: v.FOR, 2: v.AGAINST}))  # a tie fails
    assert not motion_carried(ch, tally({1: v.ABSTAIN, 2: v.RECUSED}))  # nothing cast


def test_two_thirds_rule():
    ch = Charter(voting_rule="two_thirds")
    v = VoteChoice
    assert motion_carried(ch, tally({1: v.FOR, 2: v.FOR, 3: v.FOR, 4: v.FOR, 5: v.AGAINST, 6: v.AGAINST}))  # 4/6
    assert not motion_carried(ch, tally({1: v.FOR, 2: v.FOR, 3: v.FOR, 4: v.AGAINST, 5: v.AGAINST}))  # 3/5


def test_outcome_must_agree_with_the_votes():
    ch = Charter()
    v = VoteChoice
    tie = tally({1: v.FOR, 2: v.FOR, 3: v.AGAINST, 4: v.AGAINST})
    carried = tally({1: v.FOR, 2: v.FOR, 3: v.FOR, 4: v.AGAINST})
    assert outcome_problem(ch, Outcome.APPROVED, tie) is not None
    assert outcome_problem(ch, Outcome.APPROVED_WITH_CONDITIONS, carried) is None
    assert "cannot be recorded as rejected" in (outcome_problem(ch, Outcome.REJECTED, carried) or "")
    assert outcome_problem(ch, Outcome.DEFERRED, tie) is None and outcome_problem(ch, Outcome.NOTED, carried) is None
    t = tally({1: v.FOR, 2: v.AGAINST, 3: v.ABSTAIN, 4: v.RECUSED})
    assert (t.for_, t.against, t.abstain, t.recused, t.cast) == (1, 1, 1, 1, 2)
