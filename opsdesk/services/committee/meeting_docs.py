"""Gathering the minutes and the meeting pack of one meeting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from opsdesk.domain.classification import highest
from opsdesk.domain.enums import VOTING_ROLES, CommitteeRole, Discipline
from opsdesk.reports.content import AgendaLine, DocMeta, ItemMinute, MeetingPack, Minutes
from opsdesk.services.committee import briefs, meetings
from opsdesk.services.committee.charter import VOTING_RULES, charter
from opsdesk.services.risk import incidents as risk_incidents
from opsdesk.store.models import Meeting, Person
from opsdesk.store.workspace import Workspace


def _people(ws: Workspace) -> dict[int, tuple[str, Discipline, CommitteeRole]]:
    with ws.read() as s:
        return {p.id: (p.name, p.discipline, p.committee_role) for p in s.scalars(select(Person))}


def _marking(ws: Workspace, m: meetings.MeetingDTO) -> str:
    _org, scheme = briefs.organisation_and_scheme(ws)
    markings: list[str] = []
    for code in {i.initiative_code for i in m.items if i.initiative_code}:
        markings += briefs.initiative_markings(ws, code)
    return highest(markings, scheme)


def minutes(ws: Workspace, meeting_id: int) -> Minutes:
    m = meetings.get_meeting(ws, meeting_id)
    people = _people(ws)
    org, _scheme = briefs.organisation_and_scheme(ws)
    with ws.read() as s:
        ch = charter(s)
    present_ids = set(m.present)
    members = sorted((pid for pid, (_n, _d, role) in people.items() if role is not CommitteeRole.NONE),
                     key=lambda p: people[p][0])

    def row(pid: int) -> tuple[str, str, str]:
        name, disc, role = people[pid]
        return name, disc.label, role.label

    rule = (f"Quorum: {ch.min_voting_members} voting members"
            + (", with every discipline (data, ML, finance, executive) present" if ch.require_every_discipline
               else "") + f". Voting rule: {VOTING_RULES.get(ch.voting_rule, ch.voting_rule).lower()}.")
    items = []
    for it in m.items:
        q = it.quorum
        quorum_text = (f"met ({q.voting_present} voting members eligible)" if q and q.met
                       else "not met: " + "; ".join(q.reasons) if q else "—")
        block = briefs.decision_block(ws, it.decision, it.history) if it.decision else None
        items.append(ItemMinute(it.position, it.title, it.kind.label, it.initiative_code or "",
                                it.requested_decision, quorum_text, bool(q and q.met),
                                tuple((c.person, c.description) for c in it.conflicts), block))
    corrections = sum(1 for it in m.items for d in it.history if d.corrects_id)
    meta = DocMeta(f"OPS-MIN-M{m.id:03d}", 1 + corrections, f"Minutes: {m.title}", f"Minutes of {m.title}", org,
                   ("minutes", "committee", f"meeting {m.id}"), _marking(ws, m), briefs.document_date(ws),
                   kind="Minutes")
    return Minutes(meta, m.title, m.starts_at, m.location, m.status.label, rule,
                   tuple(row(p) for p in sorted(present_ids, key=lambda p: people[p][0])),
                   tuple(row(p) for p in members if p not in present_ids and people[p][2] in VOTING_ROLES),
                   tuple(items))


def meeting_pack(ws: Workspace, meeting_id: int) -> MeetingPack:
    m = meetings.get_meeting(ws, meeting_id)
    org, _scheme = briefs.organisation_and_scheme(ws)
    people = _people(ws)
    agenda = tuple(AgendaLine(i.position, i.title, i.kind.label, i.initiative_code or "", i.requested_decision)
                   for i in m.items)
    packs = []
    for it in m.items:
        if it.initiative_code:
            b = briefs.initiative_brief(ws, it.initiative_code, it.id)
            packs.append(_titled(b, f"{it.position}. {it.title}"))
        else:
            packs.append(None)
    meta = DocMeta(f"OPS-PCK-M{m.id:03d}", 1, f"Meeting pack: {m.title}", f"Agenda and briefs for {m.title}", org,
                   ("meeting pack", "agenda", f"meeting {m.id}"), _marking(ws, m), briefs.document_date(ws),
                   kind="Meeting pack")
    members = tuple((n, d.label, r.label) for n, d, r in sorted(people.values())
                    if r is not CommitteeRole.NONE)
    since, found = new_incidents(ws, m)
    return MeetingPack(meta, m.title, m.starts_at, m.location, agenda, tuple(packs), members, since,
                       briefs.incident_rows(found))


def new_incidents(ws: Workspace, m: meetings.MeetingDTO) -> tuple[str, list[risk_incidents.IncidentDTO]]:
    """Incidents across the portfolio detected since the previous meeting began, up to this one (all of them
    before the first meeting) — what the committee has not yet seen."""
    with ws.read() as s:
        before = s.scalar(select(Meeting.starts_at).where(Meeting.starts_at < m.starts_at)
                          .order_by(Meeting.starts_at.desc()).limit(1))
    until = m.starts_at.date() + dt.timedelta(days=1)
    since = before.date() if before is not None else None
    found = risk_incidents.list_incidents(ws, since=since, until=until)
    label = f"since the meeting of {before:%d %B %Y}" if before is not None else ""
    return label, found


def _titled(b, title: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(b, item_title=title)
