from opsdesk.domain.classification import highest
from opsdesk.domain.committee import Charter, Member, motion_carried, outcome_problem, quorum, tally
from opsdesk.domain.enums import Discipline, Outcome, Stage, VoteChoice
from opsdesk.domain.rules import allowed_next_stages, is_valid_transition


def test_stage_moves_forward_one_step_or_retires():
    assert allowed_next_stages(Stage.PROPOSED) == (Stage.PILOT, Stage.RETIRED)
    assert allowed_next_stages(Stage.PRODUCTION) == (Stage.RETIRED,)
    assert allowed_next_stages(Stage.RETIRED) == ()
    assert not is_valid_transition(Stage.PROPOSED, Stage.PRODUCTION)
    assert not is_valid_transition(Stage.EXPAND, Stage.PILOT)


def test_highest_marking_and_unknown_markings_rank_highest():
    assert highest(["OFFICIAL", "SECRET", "OFFICIAL-SENSITIVE"]) == "SECRET"
    assert highest([]) == "OFFICIAL"
    assert highest(["OFFICIAL", "TOP SECRET//X"]) == "TOP SECRET//X"


def _members(*discs):
    return [Member(i, d) for i, d in enumerate(discs, start=1)]


def test_quorum_needs_count_and_every_discipline():
    ch = Charter(min_voting_members=4)
    full = _members(Discipline.DATA, Discipline.ML, Discipline.FINANCE, Discipline.EXECUTIVE)
    assert quorum(ch, full).met
    no_finance = _members(Discipline.DATA, Discipline.ML, Discipline.ML, Discipline.EXECUTIVE)
    result = quorum(ch, no_finance)
    assert not result.met and result.missing_disciplines == (Discipline.FINANCE,)
    # recusing the only finance member breaks quorum for that item
    assert not quorum(ch, full, recused=[3]).met


def test_voting_rule():
    t = tally({1: VoteChoice.FOR, 2: VoteChoice.FOR, 3: VoteChoice.AGAINST, 4: VoteChoice.ABSTAIN})
    assert (t.for_, t.against, t.abstain) == (2, 1, 1)
    assert motion_carried(Charter(), t)
    assert motion_carried(Charter(voting_rule="two_thirds"), t)
    tie = tally({1: VoteChoice.FOR, 2: VoteChoice.AGAINST})
    assert not motion_carried(Charter(), tie)
    assert outcome_problem(Charter(), Outcome.APPROVED, tie) is not None
    assert outcome_problem(Charter(), Outcome.DEFERRED, tie) is None
