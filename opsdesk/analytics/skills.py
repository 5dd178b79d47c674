"""Cross-training analytics over the skills matrix and training records (no Qt).

Definitions the committee sees next to the numbers:

- a person *can work in* a discipline at level ≥ 2 (working knowledge) in at least one of its skills;
- *cross-trained* in a discipline: can work in it while their home discipline is another one;
- a team *covers* a discipline when a member's home discipline is it, or a member practises it (level ≥ 3 in
  one of its skills: working knowledge alone does not staff a discipline); the committee expects every team to
  cover the governing disciplines (data, ML, finance, executive);
- a *pairing* joins a team member below level 2 in a skill of a discipline the team misses with a colleague at
  level ≥ 3 in that skill (the highest level first, then whoever mentors fewest, then by name);
- *expiring*: a training record whose expiry date falls within the next 90 days (inclusive).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select

from opsdesk.domain.enums import GOVERNING_DISCIPLINES, Discipline, Stage
from opsdesk.store.models import Initiative, Person, PersonSkill, Skill, TeamMember, TrainingRecord
from opsdesk.store.workspace import Workspace

WORKING_LEVEL = 2
COVER_LEVEL = 3
MENTOR_LEVEL = 3
EXPIRY_WINDOW_DAYS = 90


@dataclass(frozen=True)
class MemberCoverage:
    person_id: int
    name: str
    home: Discipline
    role: str
    practises: list[Discipline]  # disciplines besides home at level ≥ 3 in one of their skills


@dataclass(frozen=True)
class TeamCoverage:
    covered: list[Discipline]
    missing: list[Discipline]
    members: list[MemberCoverage]
    cross_trained: list[Discipline] = field(default_factory=list)  # covered only through cross-training


@dataclass(frozen=True)
class DisciplineDepth:
    discipline: Discipline
    home_people: int  # active people whose home discipline it is
    cross_trained: int  # active people from other disciplines at level ≥ 2 in one of its skills
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pairing:
    learner: str
    learner_id: int
    mentor: str
    mentor_id: int
    skill: str
    discipline: Discipline
    learner_level: int
    mentor_level: int
    initiatives: list[str]


@dataclass(frozen=True)
class ExpiringCertificate:
    person: str
    course: str
    certificate_ref: str
    expires_on: dt.date
    days_left: int


@dataclass(frozen=True)
class QuarterHours:
    quarter: str  # "2026-Q1"
    discipline: Discipline
    hours: Decimal


@dataclass(frozen=True)
class SkillsSnapshot:
    """Everything the analytics need, read once."""

    people: dict[int, Person]
    skills: dict[int, Skill]
    levels: dict[tuple[int, int], int]
    teams: dict[str, list[tuple[int, str]]]  # initiative code → (person id, role)
    live: set[str]  # codes of initiatives not retired

    @cached_property
    def levels_by_person(self) -> dict[int, list[tuple[int, int]]]:
        """person id → (skill id, level), in the order of ``levels``: each question about one person reads
        that person's levels, not every level of everyone (minutes on a register of thousands)."""
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (pid, sid), lvl in self.levels.items():
            out[pid].append((sid, lvl))
        return out

    @cached_property
    def levels_by_skill(self) -> dict[int, list[tuple[int, int]]]:
        """skill id → (person id, level), in the order of ``levels``."""
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (pid, sid), lvl in self.levels.items():
            out[sid].append((pid, lvl))
        return out


def load(ws: Workspace) -> SkillsSnapshot:
    with ws.read() as s:
        people = {p.id: p for p in s.scalars(select(Person).where(Person.active.is_(True)))}
        skills = {k.id: k for k in s.scalars(select(Skill))}
        levels = {(pid, sid): lvl for pid, sid, lvl in s.execute(  # plain rows: no ORM object per level
            select(PersonSkill.person_id, PersonSkill.skill_id, PersonSkill.level))}
        teams: dict[str, list[tuple[int, str]]] = defaultdict(list)
        live: set[str] = set()
        for code, stage in s.execute(select(Initiative.code, Initiative.stage)):
            teams[code] = []
            if stage is not Stage.RETIRED:
                live.add(code)
        for code, person_id, role in s.execute(select(Initiative.code, TeamMember.person_id, TeamMember.role)
                                               .join(Initiative, Initiative.id == TeamMember.initiative_id)
                                               .order_by(Initiative.code, TeamMember.person_id)):
            teams[code].append((person_id, role.value))
        s.expunge_all()
    return SkillsSnapshot(people, skills, levels, dict(teams), live)


def _can_work_in(snap: SkillsSnapshot, person_id: int, level: int = WORKING_LEVEL) -> set[Discipline]:
    return {snap.skills[sid].discipline for sid, lvl in snap.levels_by_person.get(person_id, ())
            if lvl >= level and sid in snap.skills}


def _coverage(snap: SkillsSnapshot, code: str) -> TeamCoverage:
    members = []
    home: set[Discipline] = set()
    cross: set[Discipline] = set()
    for person_id, role in snap.teams.get(code, []):
        p = snap.people.get(person_id)
        if p is None:  # inactive people do not cover anything
            continue
        works = _can_work_in(snap, person_id, COVER_LEVEL) - {p.discipline}
        home.add(p.discipline)
        cross |= works
        members.append(MemberCoverage(p.id, p.name, p.discipline, role, sorted(works, key=_order)))
    covered = [d for d in GOVERNING_DISCIPLINES if d in home or d in cross]
    return TeamCoverage(covered=covered, missing=[d for d in GOVERNING_DISCIPLINES if d not in covered],
                        members=members, cross_trained=[d for d in covered if d not in home])


def _order(d: Discipline) -> int:
    return list(Discipline).index(d)


def team_coverage(ws: Workspace, code: str) -> TeamCoverage:
    """Which governing disciplines the team of initiative ``code`` covers, and which it misses."""
    snap = load(ws)
    if code not in snap.teams:
        from opsdesk.errors import NotFoundError

        raise NotFoundError("initiative", code)
    return _coverage(snap, code)


def all_team_coverage(ws: Workspace, snap: SkillsSnapshot | None = None) -> dict[str, TeamCoverage]:
    """Coverage of every initiative that is not retired."""
    snap = snap or load(ws)
    return {code: _coverage(snap, code) for code in sorted(snap.live)}


def cross_training_depth(ws: Workspace, snap: SkillsSnapshot | None = None) -> list[DisciplineDepth]:
    """Per governing discipline: people at home in it, and people from elsewhere at level ≥ 2 in it."""
    snap = snap or load(ws)
    out = []
    for d in GOVERNING_DISCIPLINES:
        home = [p for p in snap.people.values() if p.discipline is d]
        cross = sorted(p.name for p in snap.people.values()
                       if p.discipline is not d and d in _can_work_in(snap, p.id))
        out.append(DisciplineDepth(d, len(home), len(cross), cross))
    return out


def suggested_pairings(ws: Workspace, snap: SkillsSnapshot | None = None) -> list[Pairing]:
    """Pairings that would close the disciplines live teams miss (see the module docstring)."""
    snap = snap or load(ws)
    gaps: dict[tuple[int, int], list[str]] = defaultdict(list)  # (learner, skill) → initiatives
    for code, cov in all_team_coverage(ws, snap).items():
        for d in cov.missing:
            for member in cov.members:
                for sid, skill in snap.skills.items():
                    if skill.discipline is d and snap.levels.get((member.person_id, sid), 0) < WORKING_LEVEL:
                        gaps[(member.person_id, sid)].append(code)
    mentors = _Mentors(snap)
    out = []
    for (learner_id, sid), codes in sorted(gaps.items(), key=lambda kv: (snap.people[kv[0][0]].name,
                                                                           snap.skills[kv[0][1]].name)):
        best = mentors.best(sid, learner_id)
        if best is None:
            continue
        lvl, mentor_id = best
        skill = snap.skills[sid]
        out.append(Pairing(snap.people[learner_id].name, learner_id, snap.people[mentor_id].name, mentor_id,
                           skill.name, skill.discipline, snap.levels.get((learner_id, sid), 0), lvl,
                           sorted(set(codes))))
    return out


class _Mentors:
    """Who mentors a learner in a skill: the highest level first, then whoever mentors fewest so far, then by
    name (then the order of the levels), never the learner. One heap per skill, each entry keyed by the mentor's
    count when it was pushed; an entry whose count has since grown is pushed again with the new count."""

    def __init__(self, snap: SkillsSnapshot) -> None:
        self._snap = snap
        self._heaps: dict[int, list[tuple[int, int, str, int, int, int]]] = {}
        self.load: dict[int, int] = defaultdict(int)

    def _heap(self, sid: int) -> list[tuple[int, int, str, int, int, int]]:
        heap = self._heaps.get(sid)
        if heap is None:
            people = self._snap.people
            heap = [(-lvl, 0, people[pid].name, pos, pid, lvl)
                    for pos, (pid, lvl) in enumerate(self._snap.levels_by_skill.get(sid, ()))
                    if lvl >= MENTOR_LEVEL and pid in people]
            heapq.heapify(heap)
            self._heaps[sid] = heap
        return heap

    def best(self, sid: int, learner_id: int) -> tuple[int, int] | None:
        """(level, person id) of the mentor chosen, whose count goes up by one; None when there is nobody."""
        heap = self._heap(sid)
        learner = []
        chosen = None
        while heap:
            neg, count, name, pos, pid, lvl = heap[0]
            if count != self.load[pid]:
                heapq.heapreplace(heap, (neg, self.load[pid], name, pos, pid, lvl))
            elif pid == learner_id:
                learner.append(heapq.heappop(heap))
            else:
                chosen = (lvl, pid)
                break
        for entry in learner:
            heapq.heappush(heap, entry)
        if chosen is not None:
            self.load[chosen[1]] += 1
        return chosen


def expiring_certificates(ws: Workspace, as_of: dt.date | None = None,
                          days: int = EXPIRY_WINDOW_DAYS) -> list[ExpiringCertificate]:
    """Training records whose certificate expires between ``as_of`` and ``as_of + days`` (soonest first)."""
    as_of = as_of or ws.clock().astimezone(dt.UTC).date()
    until = as_of + dt.timedelta(days=days)
    with ws.read() as s:
        stmt = (select(Person.name, TrainingRecord.course, TrainingRecord.certificate_ref, TrainingRecord.expires_on)
                .join(Person, Person.id == TrainingRecord.person_id)
                .where(TrainingRecord.expires_on.is_not(None), TrainingRecord.expires_on >= as_of,
                       TrainingRecord.expires_on <= until)
                .order_by(TrainingRecord.expires_on, Person.name))
        return [ExpiringCertificate(n, c, ref, e, (e - as_of).days) for n, c, ref, e in s.execute(stmt)
                if e is not None]


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def training_hours_by_quarter(ws: Workspace) -> list[QuarterHours]:
    """Hours of training completed per calendar quarter and discipline, oldest first."""
    totals: dict[tuple[str, Discipline], Decimal] = defaultdict(Decimal)
    with ws.read() as s:
        for done, disc, hours in s.execute(select(TrainingRecord.completed_on, TrainingRecord.discipline,
                                                  TrainingRecord.hours)):
            totals[(quarter_of(done), disc)] += hours
    return [QuarterHours(q, d, h) for (q, d), h in sorted(totals.items(), key=lambda kv: (kv[0][0], _order(kv[0][1])))]


@dataclass(frozen=True)
class CoverageReport:
    """Everything ``opsdesk skills coverage`` and the skills widgets show, computed once."""

    as_of: dt.date
    depth: list[DisciplineDepth]
    teams: dict[str, TeamCoverage]
    pairings: list[Pairing]
    expiring: list[ExpiringCertificate]
    hours: list[QuarterHours]


def coverage_report(ws: Workspace, as_of: dt.date | None = None) -> CoverageReport:
    as_of = as_of or ws.clock().astimezone(dt.UTC).date()
    snap = load(ws)
    return CoverageReport(as_of, cross_training_depth(ws, snap), all_team_coverage(ws, snap),
                          suggested_pairings(ws, snap), expiring_certificates(ws, as_of),
                          training_hours_by_quarter(ws))
