"""The cross-training analytics agree with a plain reading of their rules (the module docstring) on random
organisations: people of the same name, inactive people, unassessed skills, skills nobody teaches, retired
teams — and with the first pairings only, as the People & Skills panel asks."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from opsdesk.analytics import skills as analytics
from opsdesk.domain.enums import GOVERNING_DISCIPLINES, Discipline

ORDER = list(Discipline)


def _best(levels, skills, pid, d):  # type: ignore[no-untyped-def]
    return max((lvl for (p, sid), lvl in levels.items() if p == pid and sid in skills and skills[sid].discipline is d),
               default=0)


def _reference(active, skills, levels, teams, live):  # type: ignore[no-untyped-def]
    """The rules read literally, one person, team and gap at a time."""
    people, skills = {p.id: p for p in active}, {k.id: k for k in skills}
    coverage = {}
    for code in sorted(live):
        members = []
        for pid, role in teams[code]:
            if pid in people:
                p = people[pid]
                members.append((pid, p.name, p.discipline, role, [d for d in ORDER if d is not p.discipline
                                                                   and _best(levels, skills, pid, d) >= 3]))
        home = {m[2] for m in members}
        covered = [d for d in GOVERNING_DISCIPLINES if d in home or any(d in m[4] for m in members)]
        coverage[code] = (covered, [d for d in GOVERNING_DISCIPLINES if d not in covered], members,
                          [d for d in covered if d not in home])
    depth = [(d, sum(p.discipline is d for p in active), sorted(
        p.name for p in active if p.discipline is not d and _best(levels, skills, p.id, d) >= 2))
        for d in GOVERNING_DISCIPLINES]
    gaps: dict[tuple[int, int], list[str]] = defaultdict(list)
    for code, (_covered, missing, members, _cross) in coverage.items():
        for d in missing:
            for m in members:
                for sid, k in skills.items():
                    if k.discipline is d and levels.get((m[0], sid), 0) < 2:
                        gaps[(m[0], sid)].append(code)
    position = {key: i for i, key in enumerate(levels)}
    load: dict[int, int] = defaultdict(int)
    pairings, total = [], 0
    for (learner, sid), codes in sorted(gaps.items(), key=lambda kv: (people[kv[0][0]].name, skills[kv[0][1]].name)):
        mentors = [(-levels[(p, sid)], load[p], people[p].name, position[(p, sid)], p) for p in people
                   if p != learner and levels.get((p, sid), 0) >= 3]
        if not any(levels.get((p, sid), 0) >= 3 for p in people):
            continue
        total += 1
        if mentors:
            neg, _load, _name, _pos, mentor = min(mentors)
            load[mentor] += 1
            pairings.append((learner, mentor, skills[sid].name, skills[sid].discipline, levels.get((learner, sid), 0),
                             -neg, sorted(set(codes))))
    return coverage, depth, pairings, total


@pytest.mark.parametrize("seed", range(60))
def test_the_analytics_follow_their_rules_on_a_random_organisation(seed: int) -> None:
    rnd = random.Random(seed)
    names = ("Ann", "Bob", "Cy", "Ann", "bob", "Zed")
    everyone = [analytics.PersonRow(i, rnd.choice(names), rnd.choice(ORDER)) for i in range(1, rnd.randint(0, 25) + 1)]
    active = [p for p in everyone if rnd.random() < 0.85]
    skills = [analytics.SkillRow(100 + k, rnd.choice(("Alpha", "Beta", "alpha", "Gamma")), rnd.choice(ORDER))
              for k in range(rnd.randint(0, 7))]
    pairs = [(p.id, k.id) for p in everyone for k in skills if rnd.random() < 0.5]
    rnd.shuffle(pairs)
    levels = {pair: rnd.randint(0, 4) for pair in pairs}
    levels[(999, 998)] = 4  # a level of someone and something the snapshot does not know
    teams = {f"AI-{t:02d}": sorted(((pid, rnd.choice(("lead", "member"))) for pid in rnd.sample(
        [p.id for p in everyone], min(len(everyone), rnd.randint(0, 5)))), key=lambda m: m[0])
        for t in range(rnd.randint(0, 8))}
    live = {code for code in teams if rnd.random() < 0.8}
    coverage, depth, pairings, total = _reference(active, skills, levels, teams, live)

    for limit in (None, 1, 3):
        r = analytics.report(analytics.snapshot(active, skills, levels, teams, live), [], {}, dt.date(2026, 1, 1),
                             pairings=limit)
        assert {code: (t.covered, t.missing, [(m.person_id, m.name, m.home, m.role, m.practises) for m in t.members],
                       t.cross_trained) for code, t in r.teams.items()} == coverage
        assert [(d.discipline, d.home_people, d.names) for d in r.depth] == depth
        assert all(d.cross_trained == len(d.names) for d in r.depth)
        assert [(p.learner_id, p.mentor_id, p.skill, p.discipline, p.learner_level, p.mentor_level, p.initiatives)
                for p in r.pairings] == pairings[:limit]
        assert r.pairing_count == total
