"""Cross-training analytics with known answers on a small, hand-made organisation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from opsdesk.analytics import skills as analytics
from opsdesk.domain.enums import Discipline as D
from opsdesk.errors import NotFoundError
from opsdesk.services.registry import initiatives, people
from opsdesk.services.standards import skills

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def org(ws):
    ids = {}
    for name, disc in (("Ana", "data"), ("Bo", "ml"), ("Cy", "finance"), ("Di", "executive"), ("Ed", "data"),
                       ("Fay", "ml")):
        ids[name] = people.create(ws, {"name": name, "email": f"{name.lower()}@x.gov", "discipline": disc}).id
    sk = {n: skills.create_skill(ws, {"name": n, "discipline": d}).id for n, d in (
        ("Pipelines", "data"), ("Monitoring", "ml"), ("Cost allocation", "finance"), ("Forecasting", "finance"),
        ("Risk literacy", "executive"))}
    levels = {("Ana", "Pipelines"): 4, ("Ana", "Cost allocation"): 2, ("Bo", "Monitoring"): 4,
              ("Bo", "Pipelines"): 3, ("Cy", "Cost allocation"): 4, ("Cy", "Forecasting"): 3,
              ("Di", "Risk literacy"): 4, ("Di", "Forecasting"): 1, ("Ed", "Pipelines"): 2,
              ("Ed", "Monitoring"): 3, ("Fay", "Monitoring"): 2, ("Fay", "Forecasting"): 3}
    for (person, skill), lvl in levels.items():
        skills.set_level(ws, ids[person], sk[skill], lvl)
    # team 1: data + ml + executive, nobody from finance; Ana has only working knowledge of cost allocation
    initiatives.create(ws, {"code": "AI-0001", "name": "One"},
                       team={ids["Ana"]: "data_engineer", ids["Bo"]: "ml_engineer", ids["Di"]: "product_owner"})
    # team 2: Fay (ml) practises forecasting at 3 → finance covered through cross-training; no data person but
    # Ed (data)… is not on it; Bo practises pipelines at 3 → data covered by cross-training
    initiatives.create(ws, {"code": "AI-0002", "name": "Two"},
                       team={ids["Fay"]: "ml_engineer", ids["Bo"]: "data_scientist"})
    skills.add_training(ws, ids["Ana"], {"course": "FinOps", "hours": "14", "completed_on": "2026-01-15",
                                         "discipline": "finance", "certificate_ref": "C-1",
                                         "expires_on": "2026-08-30"})
    skills.add_training(ws, ids["Bo"], {"course": "MLOps", "hours": "7.5", "completed_on": "2026-02-20",
                                        "discipline": "ml", "certificate_ref": "C-2", "expires_on": "2026-09-01"})
    skills.add_training(ws, ids["Cy"], {"course": "Cloud", "hours": "21", "completed_on": "2026-04-02",
                                        "discipline": "finance", "expires_on": "2026-05-31"})
    return ids, sk


def test_team_coverage_has_known_answer(ws, org):
    one = analytics.team_coverage(ws, "AI-0001")
    assert one.covered == [D.DATA, D.ML, D.EXECUTIVE] and one.missing == [D.FINANCE]
    assert one.cross_trained == []
    assert [(m.name, m.home, m.practises) for m in one.members] == [
        ("Ana", D.DATA, []), ("Bo", D.ML, [D.DATA]), ("Di", D.EXECUTIVE, [])]
    two = analytics.team_coverage(ws, "AI-0002")
    assert two.covered == [D.DATA, D.ML, D.FINANCE] and two.missing == [D.EXECUTIVE]
    assert two.cross_trained == [D.DATA, D.FINANCE]
    with pytest.raises(NotFoundError):
        analytics.team_coverage(ws, "AI-9999")


def test_people_at_level_two_outside_their_home_discipline(ws, org):
    depth = {d.discipline: d for d in analytics.cross_training_depth(ws)}
    assert (depth[D.DATA].home_people, depth[D.DATA].cross_trained, depth[D.DATA].names) == (2, 1, ["Bo"])
    assert (depth[D.ML].cross_trained, depth[D.ML].names) == (1, ["Ed"])
    assert (depth[D.FINANCE].cross_trained, depth[D.FINANCE].names) == (2, ["Ana", "Fay"])
    assert depth[D.EXECUTIVE].cross_trained == 0


def test_pairings_join_gaps_with_a_colleague_at_level_three(ws, org):
    pairs = [(p.learner, p.skill, p.learner_level, p.mentor, p.mentor_level, p.initiatives)
             for p in analytics.suggested_pairings(ws)]
    assert pairs == [
        # AI-0001 misses finance: Ana (2 in cost allocation) is no gap there; her forecasting is 0
        ("Ana", "Forecasting", 0, "Cy", 3, ["AI-0001"]),
        ("Bo", "Cost allocation", 0, "Cy", 4, ["AI-0001"]),
        ("Bo", "Forecasting", 0, "Fay", 3, ["AI-0001"]),  # Cy mentors one already; Fay is the other level-3
        ("Bo", "Risk literacy", 0, "Di", 4, ["AI-0002"]),
        ("Di", "Cost allocation", 0, "Cy", 4, ["AI-0001"]),
        ("Di", "Forecasting", 1, "Fay", 3, ["AI-0001"]),  # Cy already mentors three, Fay one
        ("Fay", "Risk literacy", 0, "Di", 4, ["AI-0002"]),
    ]


def test_expiring_certificates_and_training_hours_per_quarter(ws, org):
    expiring = analytics.expiring_certificates(ws, AS_OF)
    assert [(e.person, e.certificate_ref, e.days_left) for e in expiring] == [("Ana", "C-1", 90)]
    assert analytics.expiring_certificates(ws, AS_OF, days=92)[-1].person == "Bo"
    hours = [(h.quarter, h.discipline, h.hours) for h in analytics.training_hours_by_quarter(ws)]
    assert hours == [("2026-Q1", D.ML, Decimal("7.5")), ("2026-Q1", D.FINANCE, Decimal("14")),
                     ("2026-Q2", D.FINANCE, Decimal("21"))]


def test_inactive_people_cover_nothing(ws, org):
    ids, _ = org
    people.deactivate(ws, ids["Bo"])
    one = analytics.team_coverage(ws, "AI-0001")
    assert one.missing == [D.ML, D.FINANCE]


def test_starter_skills_cover_the_four_disciplines_and_adopt_once(ws, org):
    catalogue = skills.starter_catalogue()
    assert {D.parse(s["discipline"]) for s in catalogue} == {D.DATA, D.ML, D.FINANCE, D.EXECUTIVE}
    added = skills.adopt_starter_skills(ws)
    assert len(added) == len(catalogue)  # the fixture's names are not in the starter set
    assert skills.adopt_starter_skills(ws) == []


def test_a_report_with_the_first_pairings_only_counts_them_all(ws, org):
    """The People & Skills panel asks for the first pairings only: the same ones, in the same order, with the
    same mentors, and the full count."""
    full = analytics.coverage_report(ws, AS_OF)
    assert len(full.pairings) >= 2 and full.pairing_count == len(full.pairings)
    snap = analytics.load(ws)
    with ws.read() as s:
        training, names = analytics.read_training(s), analytics.read_names(s)
    first = analytics.report(snap, training, names, AS_OF, pairings=1)
    assert first.pairings == full.pairings[:1] and first.pairing_count == len(full.pairings)
    assert (first.depth, first.teams, first.expiring, first.hours) == (full.depth, full.teams, full.expiring,
                                                                       full.hours)


def test_pairings_order_learners_by_name_then_skill_and_spread_the_mentors() -> None:
    """Two learners with one name are interleaved by skill name (not grouped by person), and each mentor is the
    highest level, then whoever mentors fewest so far, then by name — also when only the first are asked for."""
    P, S = analytics.PersonRow, analytics.SkillRow
    people_ = [P(1, "Sam", D.DATA), P(2, "Sam", D.ML), P(3, "Mentor A", D.FINANCE), P(4, "Mentor B", D.FINANCE)]
    skills_ = [S(11, "Alpha", D.FINANCE), S(12, "Beta", D.FINANCE), S(13, "Gamma", D.FINANCE)]
    levels = {(2, 11): 2, (2, 13): 2, (1, 12): 2, **{(m, s): 4 for m in (3, 4) for s in (11, 12, 13)}}
    snap = analytics.snapshot(people_, skills_, levels, {"AI-1": [(1, "member"), (2, "member")]}, {"AI-1"})
    teams = analytics.all_team_coverage(None, snap)
    assert D.FINANCE in teams["AI-1"].missing
    every, total = analytics._pairings(snap, teams)
    assert [(p.learner_id, p.skill, p.mentor) for p in every] == [
        (1, "Alpha", "Mentor A"), (2, "Beta", "Mentor B"), (1, "Gamma", "Mentor A")]
    first = analytics._pairings(analytics.snapshot(people_, skills_, levels, snap.teams, snap.live), teams, 2)
    assert first == (every[:2], total) and total == 3


def test_the_skills_panel_reads_only_what_it_shows_of_the_training_records(ws, org):
    """Without the training tab's records at hand, the skills matrix reads the certificates expiring soon and the
    hours per completion day: the same expiring certificates and the same hours per quarter as all records give."""
    ids, _sk = org
    skills.add_training(ws, ids["Di"], {"course": "Board", "hours": "2.5", "completed_on": "2026-04-02",
                                        "discipline": "finance"})  # the same day and discipline as Cy's
    every = skills.list_training(ws)
    until = AS_OF + dt.timedelta(days=analytics.EXPIRY_WINDOW_DAYS)
    names = {p.id: p.name for p in people.list_all(ws, include_inactive=True)}
    assert analytics.expiring_in(skills.list_expiring(ws, AS_OF, until), names, AS_OF) == \
        analytics.expiring_in(every, names, AS_OF)
    assert analytics.hours_by_quarter_counted(skills.training_hours(ws)) == analytics.hours_by_quarter(every)
    assert [(h.quarter, h.discipline, h.hours) for h in analytics.hours_by_quarter(every)] == [
        ("2026-Q1", D.ML, Decimal("7.5")), ("2026-Q1", D.FINANCE, Decimal("14")),
        ("2026-Q2", D.FINANCE, Decimal("23.5"))]
