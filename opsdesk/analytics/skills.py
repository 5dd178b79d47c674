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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property, lru_cache
from itertools import chain
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk.domain.enums import GOVERNING_DISCIPLINES, Discipline, Stage
from opsdesk.domain.records import quick_init
from opsdesk.store import queries
from opsdesk.store.models import Initiative, Person, PersonSkill, Skill, TeamMember, TrainingRecord
from opsdesk.store.workspace import Workspace

WORKING_LEVEL = 2
COVER_LEVEL = 3
MENTOR_LEVEL = 3
EXPIRY_WINDOW_DAYS = 90


@quick_init
@dataclass(frozen=True)
class MemberCoverage:
    person_id: int
    name: str
    home: Discipline
    role: str
    practises: list[Discipline]  # disciplines besides home at level ≥ 3 in one of their skills


@quick_init
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


class Named(Protocol):
    """A person or a skill as the analytics read it: plain rows (or the services' DTOs), not ORM objects."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def discipline(self) -> Discipline: ...


class PersonRow(NamedTuple):
    id: int
    name: str
    discipline: Discipline


class SkillRow(NamedTuple):
    id: int
    name: str
    discipline: Discipline


class Training(Protocol):
    """A training record as the analytics read it (a :class:`TrainingRow` or the services' DTO)."""

    @property
    def person_id(self) -> int: ...
    @property
    def course(self) -> str: ...
    @property
    def certificate_ref(self) -> str: ...
    @property
    def hours(self) -> Decimal: ...
    @property
    def completed_on(self) -> dt.date: ...
    @property
    def discipline(self) -> Discipline: ...
    @property
    def expires_on(self) -> dt.date | None: ...


class TrainingRow(NamedTuple):
    person_id: int
    course: str
    certificate_ref: str
    hours: Decimal
    completed_on: dt.date
    discipline: Discipline
    expires_on: dt.date | None


@dataclass(frozen=True)
class SkillsSnapshot:
    """Everything the analytics need, read once."""

    people: Mapping[int, Named]  # active people
    skills: Mapping[int, Named]
    levels: dict[tuple[int, int], int]
    teams: dict[str, list[tuple[int, str]]]  # initiative code → (person id, role)
    live: set[str]  # codes of initiatives not retired

    @cached_property
    def grid(self) -> _Grid:
        """The levels of the active people in the known skills as arrays (see :class:`_Grid`)."""
        return _Grid.of(self)

    def member(self, person_id: int) -> tuple[Named, int, int, tuple[Discipline, ...]] | None:
        """An active person as a team member: the person, the bit of their home discipline, the bits and the
        (ordered) list of the other disciplines they practise (level ≥ 3 in one of its skills); None when the
        person is not active."""
        p = self.people.get(person_id)
        if p is None:
            return None
        bits = self.grid.practises[self.grid.row_of[person_id]]
        return p, _BIT[p.discipline], bits, _disciplines(bits)


class _Grid(NamedTuple):
    """The active people × the known skills, each cell the person's level in the skill (0: not assessed).

    People are in the order of ``SkillsSnapshot.people``, skills in the order of ``SkillsSnapshot.skills``;
    ``order`` holds, for each cell assessed, its position in ``levels`` (-1 elsewhere): who mentors first among
    equals follows it."""

    ids: list[int]  # the people's ids
    row_of: dict[int, int]  # person id → row
    names: list[str]
    home: Any  # the row's home discipline (its position in Discipline)
    skill_ids: list[int]
    skill_discipline: Any  # the column's discipline (its position in Discipline)
    level: Any  # int64, people × skills
    order: Any  # int64, people × skills
    best: Any  # int64, people × disciplines: the highest level in one of the discipline's skills
    practises: list[int]  # the row's disciplines besides home at level ≥ 3, as bits (see _BIT)

    @staticmethod
    def of(snap: SkillsSnapshot) -> _Grid:
        import numpy as np

        people, skills = list(snap.people.values()), list(snap.skills.values())
        ids, skill_ids = [p.id for p in people], [k.id for k in skills]
        index = {pid: i for i, pid in enumerate(ids)}
        column = {sid: k for k, sid in enumerate(skill_ids)}
        n = len(snap.levels)
        keys = np.fromiter(chain.from_iterable(snap.levels), dtype=np.int64, count=2 * n).reshape(n, 2)
        values = np.fromiter(snap.levels.values(), dtype=np.int64, count=n)
        rows = _positions(keys[:, 0], index)
        cols = _positions(keys[:, 1], column)
        known = (rows >= 0) & (cols >= 0)
        level = np.zeros((len(ids), len(skill_ids)), dtype=np.int64)
        order = np.full((len(ids), len(skill_ids)), -1, dtype=np.int64)
        level[rows[known], cols[known]] = values[known]
        order[rows[known], cols[known]] = np.flatnonzero(known)
        home = np.array([_ORDER[p.discipline] for p in people], dtype=np.int64)
        skill_discipline = np.array([_ORDER[k.discipline] for k in skills], dtype=np.int64)
        best = np.zeros((len(ids), len(_ORDER)), dtype=np.int64)
        for d in range(len(_ORDER)):
            in_d = skill_discipline == d
            if in_d.any() and len(ids):
                best[:, d] = level[:, in_d].max(axis=1)
        bits = ((best >= COVER_LEVEL) * (1 << np.arange(len(_ORDER), dtype=np.int64))).sum(axis=1)
        practises = (bits & ~(1 << home)).tolist() if len(ids) else []
        return _Grid(ids, index, [p.name for p in people], home, skill_ids, skill_discipline, level, order, best,
                     practises)


def _positions(ids: Any, position: Mapping[int, int]) -> Any:
    """Each id's position in ``position`` (-1 when it has none), for an array of ids."""
    import numpy as np

    if not position:
        return np.full(len(ids), -1, dtype=np.int64)
    known = np.fromiter(position, dtype=np.int64, count=len(position))
    at = np.fromiter(position.values(), dtype=np.int64, count=len(position))
    by_id = np.argsort(known)
    found = np.searchsorted(known[by_id], ids).clip(max=len(known) - 1)
    hit = known[by_id][found] == ids
    return np.where(hit, at[by_id][found], -1)


def read_levels(s: Session) -> dict[tuple[int, int], int]:
    """(person id, skill id) → level, as plain rows (no ORM object per level)."""
    return {(pid, sid): lvl for pid, sid, lvl in queries.read_plain(s.connection(), _statements().levels)}


def read_teams(s: Session) -> tuple[dict[str, list[tuple[int, str]]], set[str]]:
    """Every initiative's team (code → (person id, role), by person id) and the codes of those not retired."""
    teams: dict[str, list[tuple[int, str]]] = {}
    live: set[str] = set()
    db, stmts = s.connection(), _statements()  # plain rows, fetched whole: every initiative and team member
    for code, stage in queries.read_plain(db, stmts.initiatives):
        teams[code] = []
        if stage is not Stage.RETIRED:
            live.add(code)
    for code, person_id, role in queries.read_plain(db, stmts.teams):
        teams[code].append((person_id, role.value))
    return teams, live


class _Statements(NamedTuple):
    levels: Any
    initiatives: Any
    teams: Any


@cache
def _statements() -> _Statements:
    """The reads of the skills matrix and the teams, built once."""
    return _Statements(
        select(PersonSkill.person_id, PersonSkill.skill_id, PersonSkill.level),
        select(Initiative.code, Initiative.stage),
        select(Initiative.code, TeamMember.person_id, TeamMember.role)
        .join(Initiative, Initiative.id == TeamMember.initiative_id).order_by(Initiative.code, TeamMember.person_id))


def load_teams(ws: Workspace) -> tuple[dict[str, list[tuple[int, str]]], set[str]]:
    """:func:`read_teams` in a read transaction of its own."""
    with ws.read() as s:
        return read_teams(s)


def read_training(s: Session) -> list[TrainingRow]:
    return [TrainingRow(*row) for row in s.execute(select(
        TrainingRecord.person_id, TrainingRecord.course, TrainingRecord.certificate_ref, TrainingRecord.hours,
        TrainingRecord.completed_on, TrainingRecord.discipline, TrainingRecord.expires_on))]


def snapshot(people: Iterable[Named], skills: Iterable[Named], levels: dict[tuple[int, int], int],
             teams: dict[str, list[tuple[int, str]]], live: set[str]) -> SkillsSnapshot:
    """The snapshot of rows already read (``people``: the active ones)."""
    return SkillsSnapshot({p.id: p for p in people}, {k.id: k for k in skills}, levels, teams, live)


def _read(s: Session) -> SkillsSnapshot:
    people = [PersonRow(*r) for r in s.execute(select(Person.id, Person.name, Person.discipline)
                                               .where(Person.active.is_(True)))]
    skills = [SkillRow(*r) for r in s.execute(select(Skill.id, Skill.name, Skill.discipline))]
    return snapshot(people, skills, read_levels(s), *read_teams(s))


def load(ws: Workspace) -> SkillsSnapshot:
    with ws.read() as s:
        return _read(s)


def _coverage(snap: SkillsSnapshot, code: str) -> TeamCoverage:
    members = []
    home = cross = 0  # bit masks of disciplines (see _bit)
    member = snap.member
    for person_id, role in snap.teams.get(code, []):
        known = member(person_id)
        if known is None:  # inactive people do not cover anything
            continue
        p, home_bit, practise_bits, practises = known
        home |= home_bit
        cross |= practise_bits
        members.append(MemberCoverage(p.id, p.name, p.discipline, role, list(practises)))
    covered, missing, cross_only = _split(home, cross)
    return TeamCoverage(covered=list(covered), missing=list(missing), members=members,
                        cross_trained=list(cross_only))


@lru_cache(maxsize=64)
def _disciplines(bits: int) -> tuple[Discipline, ...]:
    """The disciplines of a bit mask (see ``_BIT``), in the order of :class:`Discipline`."""
    return tuple(d for d in Discipline if bits & _BIT[d])


@lru_cache(maxsize=1024)
def _split(home: int, cross: int) -> tuple[tuple[Discipline, ...], tuple[Discipline, ...], tuple[Discipline, ...]]:
    """The governing disciplines covered (by a member at home in it, or practising it), missed, and covered only
    through cross-training, of a team whose members' home and practised disciplines are the masks given."""
    covered = tuple(d for d in GOVERNING_DISCIPLINES if (home | cross) & _BIT[d])
    return (covered, tuple(d for d in GOVERNING_DISCIPLINES if d not in covered),
            tuple(d for d in covered if not home & _BIT[d]))


_ORDER = {d: i for i, d in enumerate(Discipline)}
_BIT = {d: 1 << i for i, d in enumerate(Discipline)}


def _order(d: Discipline) -> int:
    return _ORDER[d]


def team_coverage(ws: Workspace, code: str) -> TeamCoverage:
    """Which governing disciplines the team of initiative ``code`` covers, and which it misses."""
    snap = load(ws)
    if code not in snap.teams:
        from opsdesk.errors import NotFoundError

        raise NotFoundError("initiative", code)
    return _coverage(snap, code)


def all_team_coverage(ws: Workspace | None, snap: SkillsSnapshot | None = None) -> dict[str, TeamCoverage]:
    """Coverage of every initiative that is not retired."""
    if snap is None:
        assert ws is not None
        snap = load(ws)
    return {code: _coverage(snap, code) for code in sorted(snap.live)}


def cross_training_depth(ws: Workspace | None, snap: SkillsSnapshot | None = None) -> list[DisciplineDepth]:
    """Per governing discipline: people at home in it, and people from elsewhere at level ≥ 2 in it."""
    if snap is None:
        assert ws is not None
        snap = load(ws)
    import numpy as np

    grid = snap.grid
    out = []
    for d in GOVERNING_DISCIPLINES:
        at = _ORDER[d]
        cross = np.flatnonzero((grid.best[:, at] >= WORKING_LEVEL) & (grid.home != at)).tolist()
        out.append(DisciplineDepth(d, int((grid.home == at).sum()), len(cross),
                                   sorted(grid.names[i] for i in cross)))
    return out


def suggested_pairings(ws: Workspace | None, snap: SkillsSnapshot | None = None,
                       coverage: Mapping[str, TeamCoverage] | None = None) -> list[Pairing]:
    """Pairings that would close the disciplines live teams miss (see the module docstring)."""
    if snap is None:
        assert ws is not None
        snap = load(ws)
    return _pairings(snap, coverage if coverage is not None else all_team_coverage(ws, snap))[0]


def _pairings(snap: SkillsSnapshot, coverage: Mapping[str, TeamCoverage],
              limit: int | None = None) -> tuple[list[Pairing], int]:
    """The first ``limit`` pairings (all when None) and how many there are in all. Each mentor chosen depends only
    on the pairings before it, and a learner (below level 2) is never a mentor (level ≥ 3), so a gap has a
    pairing exactly when its skill has a mentor: the count needs no mentor chosen past the limit.

    Pairings come by the learner's name, then the skill's name, then the order their gaps were met (the live
    teams by code, then the missing disciplines, the members, the discipline's skills)."""
    import numpy as np

    # (learner, discipline) → the initiatives whose team misses the discipline, in the order met: each skill of
    # the discipline the learner is below level 2 in is a gap, whose initiatives these are
    groups: dict[tuple[int, Discipline], list[str]] = {}
    for code, cov in coverage.items():
        for d in cov.missing:
            for member in cov.members:
                key = (member.person_id, d)
                codes = groups.get(key)
                if codes is None:
                    groups[key] = [code]
                else:
                    codes.append(code)
    grid = snap.grid
    keys, met_codes = list(groups), list(groups.values())
    rows = np.fromiter((grid.row_of[pid] for pid, _d in keys), dtype=np.int64, count=len(keys))
    group_d = np.fromiter((_ORDER[d] for _pid, d in keys), dtype=np.int64, count=len(keys))
    taught = (grid.level >= MENTOR_LEVEL).any(axis=0)
    found = []  # per discipline: (order met, position among the discipline's skills, skill column) of each gap
    for at in np.unique(group_d).tolist():
        columns = np.flatnonzero(grid.skill_discipline == at)
        met = np.flatnonzero(group_d == at)
        low = (grid.level[np.ix_(rows[met], columns)] < WORKING_LEVEL) & taught[columns]
        which, pos = np.nonzero(low)
        found.append((met[which], pos, columns[pos]))
    gap_met = np.concatenate([f[0] for f in found]) if found else np.zeros(0, dtype=np.int64)
    gap_pos = np.concatenate([f[1] for f in found]) if found else np.zeros(0, dtype=np.int64)
    gap_col = np.concatenate([f[2] for f in found]) if found else np.zeros(0, dtype=np.int64)
    total = len(gap_met)
    gap_row = rows[gap_met]
    # by the learner's name, the skill's name, then the order met: names ranked, the ranks sorted as numbers
    learners = np.unique(gap_row).tolist()
    name_rank = {name: r for r, name in enumerate(sorted({grid.names[i] for i in learners}))}
    person_rank = np.zeros(len(grid.ids), dtype=np.int64)
    person_rank[learners] = [name_rank[grid.names[i]] for i in learners]
    skill_names = [snap.skills[sid].name for sid in grid.skill_ids]
    skill_rank_of = {name: r for r, name in enumerate(sorted(set(skill_names)))}
    skill_rank = np.array([skill_rank_of[n] for n in skill_names] or [0], dtype=np.int64)
    ranked = np.lexsort((gap_pos, gap_met, skill_rank[gap_col], person_rank[gap_row]))
    if limit is not None:
        ranked = ranked[:limit]
    mentors = _Mentors(snap)
    out: list[Pairing] = []
    for g in ranked.tolist():
        learner_id, sid = grid.ids[gap_row[g]], grid.skill_ids[gap_col[g]]
        best = mentors.best(int(gap_col[g]), learner_id)
        if best is None:  # only the learner teaches it: never, as a learner is below the mentors' level
            continue
        lvl, mentor_id = best
        skill = snap.skills[sid]
        out.append(Pairing(snap.people[learner_id].name, learner_id, snap.people[mentor_id].name, mentor_id,
                           skill.name, skill.discipline, int(grid.level[gap_row[g], gap_col[g]]), lvl,
                           sorted(set(met_codes[gap_met[g]]))))
    return out, total


class _Mentors:
    """Who mentors a learner in a skill: the highest level first, then whoever mentors fewest so far, then by
    name (then the order of the levels), never the learner. Per skill, one heap per level (the highest first),
    each entry keyed by the mentor's count when it was pushed; an entry whose count has since grown is pushed
    again with the new count. A lower level's heap is built only when no one at the levels above can mentor."""

    def __init__(self, snap: SkillsSnapshot) -> None:
        self._grid = snap.grid
        self._tiers: dict[int, list[list[tuple[int, str, int, int, int]]]] = {}
        self.load: dict[int, int] = defaultdict(int)

    def _tier(self, column: int, index: int) -> list[tuple[int, str, int, int, int]] | None:
        """The heap of the ``index``-th highest level of the mentors of the skill in ``column`` (None past the
        lowest)."""
        import numpy as np

        tiers = self._tiers.setdefault(column, [])
        grid = self._grid
        while len(tiers) <= index:
            levels = grid.level[:, column]
            ranked = sorted((lvl for lvl in np.unique(levels).tolist() if lvl >= MENTOR_LEVEL), reverse=True)
            if len(tiers) >= len(ranked):
                return None
            lvl = ranked[len(tiers)]
            rows = np.flatnonzero(levels == lvl).tolist()
            order = grid.order[rows, column].tolist()
            heap = [(0, grid.names[i], pos, grid.ids[i], lvl) for i, pos in zip(rows, order, strict=True)]
            heapq.heapify(heap)
            tiers.append(heap)
        return tiers[index]

    def best(self, column: int, learner_id: int) -> tuple[int, int] | None:
        """(level, person id) of the mentor chosen in the skill of ``column``, whose count goes up by one; None
        when there is nobody."""
        index = 0
        while (heap := self._tier(column, index)) is not None:
            learner = []
            chosen = None
            while heap:
                count, name, pos, pid, lvl = heap[0]
                if count != self.load[pid]:
                    heapq.heapreplace(heap, (self.load[pid], name, pos, pid, lvl))
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
            index += 1
        return None


def expiring_certificates(ws: Workspace, as_of: dt.date | None = None,
                          days: int = EXPIRY_WINDOW_DAYS) -> list[ExpiringCertificate]:
    """Training records whose certificate expires between ``as_of`` and ``as_of + days`` (soonest first)."""
    as_of = as_of or ws.clock().astimezone(dt.UTC).date()
    with ws.read() as s:
        return expiring_in(read_training(s), read_names(s), as_of, days)


def expiring_in(training: Iterable[Training], names: Mapping[int, str], as_of: dt.date,
                days: int = EXPIRY_WINDOW_DAYS) -> list[ExpiringCertificate]:
    """:func:`expiring_certificates` of rows already read (``names``: every person's, active or not)."""
    until = as_of + dt.timedelta(days=days)
    out = [ExpiringCertificate(names[t.person_id], t.course, t.certificate_ref, t.expires_on,
                               (t.expires_on - as_of).days)
           for t in training if t.expires_on is not None and as_of <= t.expires_on <= until]
    out.sort(key=lambda e: (e.expires_on, e.person))
    return out


def read_names(s: Session) -> dict[int, str]:
    return {pid: name for pid, name in s.execute(select(Person.id, Person.name))}


@lru_cache(maxsize=4096)  # tens of thousands of records fall on a few hundred days
def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def training_hours_by_quarter(ws: Workspace) -> list[QuarterHours]:
    """Hours of training completed per calendar quarter and discipline, oldest first."""
    with ws.read() as s:
        return hours_by_quarter(read_training(s))


def hours_by_quarter(training: Iterable[Training]) -> list[QuarterHours]:
    """:func:`training_hours_by_quarter` of rows already read."""
    totals: dict[tuple[str, Discipline], Decimal] = defaultdict(Decimal)
    for t in training:
        totals[(quarter_of(t.completed_on), t.discipline)] += t.hours
    return _by_quarter(totals)


def _by_quarter(totals: Mapping[tuple[str, Discipline], Decimal]) -> list[QuarterHours]:
    return [QuarterHours(q, d, h) for (q, d), h in sorted(totals.items(), key=lambda kv: (kv[0][0], _order(kv[0][1])))]


def hours_by_quarter_counted(counted: Iterable[tuple[dt.date, Discipline, Decimal, int]]) -> list[QuarterHours]:
    """:func:`hours_by_quarter` of (completion date, discipline, hours, how many records) — the same sums."""
    totals: dict[tuple[str, Discipline], Decimal] = defaultdict(Decimal)
    for day, discipline, hours, n in counted:
        totals[(quarter_of(day), discipline)] += hours * n
    return _by_quarter(totals)


@dataclass(frozen=True)
class CoverageReport:
    """Everything ``opsdesk skills coverage`` and the skills widgets show, computed once."""

    as_of: dt.date
    depth: list[DisciplineDepth]
    teams: dict[str, TeamCoverage]
    pairings: list[Pairing]
    expiring: list[ExpiringCertificate]
    hours: list[QuarterHours]
    pairings_total: int | None = None  # when ``pairings`` holds only the first ones: how many there are in all

    @property
    def pairing_count(self) -> int:
        return len(self.pairings) if self.pairings_total is None else self.pairings_total


def coverage_report(ws: Workspace, as_of: dt.date | None = None) -> CoverageReport:
    as_of = as_of or ws.clock().astimezone(dt.UTC).date()
    with ws.read() as s:
        snap, training, names = _read(s), read_training(s), read_names(s)
    return report(snap, training, names, as_of)


def report(snap: SkillsSnapshot, training: Sequence[Training], names: Mapping[int, str],
           as_of: dt.date, pairings: int | None = None, hours: list[QuarterHours] | None = None) -> CoverageReport:
    """The report of rows already read (``names``: every person's, active or not), no database; with the first
    ``pairings`` suggested pairings only (and their total) when given; ``hours``: the training's
    :func:`hours_by_quarter` when the caller has it already."""
    teams = all_team_coverage(None, snap)
    shown, total = _pairings(snap, teams, pairings)
    return CoverageReport(as_of, cross_training_depth(None, snap), teams, shown, expiring_in(training, names, as_of),
                          hours_by_quarter(training) if hours is None else hours, None if pairings is None else total)
