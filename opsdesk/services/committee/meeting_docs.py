"""Gathering the minutes and the meeting pack of one meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select

from opsdesk.domain.classification import highest
from opsdesk.domain.enums import VOTING_ROLES, AgendaKind, CommitteeRole, Discipline, MeetingStatus
from opsdesk.errors import ValidationError
from opsdesk.reports.content import (
    AgendaLine,
    DocMeta,
    InitiativeBrief,
    ItemMinute,
    MeetingPack,
    Minutes,
    PortfolioPaper,
)
from opsdesk.services.committee import asof, briefs, meetings
from opsdesk.services.committee.charter import VOTING_RULES, charter
from opsdesk.services.risk import incidents as risk_incidents
from opsdesk.store.models import Initiative, Meeting, Person
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


def minutes(ws: Workspace, meeting_id: int, *, state: str = "", state_note: str = "") -> Minutes:
    """The minutes of a held meeting (refused for one still to come). ``state``/``state_note``: where they
    stand in the adoption cycle (default: read from the record)."""
    m = meetings.get_meeting(ws, meeting_id)
    if m.status is MeetingStatus.PLANNED or meetings.not_yet_held(ws.clock(), m.starts_at):
        raise ValidationError("meeting", f"meeting {meeting_id} ({m.title}) is planned for "
                                         f"{m.starts_at:%d %B %Y}; its minutes can be written once it is held",
                              entity="minutes")
    if not state:
        from opsdesk.services.committee import papers

        cycle = papers.minutes_state(ws, meeting_id)
        state, state_note = cycle.state.capitalize(), cycle.note
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
                   tuple(items), state, state_note)


def meeting_pack(ws: Workspace, meeting_id: int, *, as_of: dt.datetime | None = None,
                 status_note: str = "") -> MeetingPack:
    """The agenda and one paper per item: a brief for an item about an initiative, the draft minutes for an
    "approve minutes" item, the portfolio or the overruns for a review or budget item. ``as_of``: the record as
    it stood then (a past meeting's pack that was never issued)."""
    m = meetings.get_meeting(ws, meeting_id)
    org, _scheme = briefs.organisation_and_scheme(ws)
    people = _people(ws)
    agenda = tuple(AgendaLine(i.position, i.title, i.kind.label, i.initiative_code or "", i.requested_decision,
                              i.decision.outcome.label if i.decision else "")
                   for i in m.items)
    packs: list[InitiativeBrief | None] = []
    papers_: list[PortfolioPaper | Minutes | None] = []
    portfolio: PortfolioPaper | None = None
    for it in m.items:
        paper: PortfolioPaper | Minutes | None = None
        if it.initiative_code:
            b = briefs.initiative_brief(ws, it.initiative_code, it.id, as_of=as_of)
            packs.append(_titled(b, f"{it.position}. {it.title}"))
        else:
            packs.append(None)
            if it.kind is AgendaKind.APPROVE_MINUTES and it.minutes_meeting_id is not None:
                paper = minutes(ws, it.minutes_meeting_id, state="Draft",
                                state_note=f"Draft for approval at {m.title} ({m.starts_at:%d %B %Y})")
            elif it.kind in (AgendaKind.BUDGET, AgendaKind.REVIEW):
                portfolio = portfolio or portfolio_paper(ws, as_of)
                paper = replace(portfolio, focus="overruns" if it.kind is AgendaKind.BUDGET else "portfolio")
        papers_.append(paper)
    meta = DocMeta(f"OPS-PCK-M{m.id:03d}", 1, f"Meeting pack: {m.title}", f"Agenda and briefs for {m.title}", org,
                   ("meeting pack", "agenda", f"meeting {m.id}"), _marking(ws, m), briefs.document_date(ws),
                   kind="Meeting pack")
    members = tuple((n, d.label, r.label) for n, d, r in sorted(people.values())
                    if r is not CommitteeRole.NONE)
    since, found = new_incidents(ws, m)
    return MeetingPack(meta, m.title, m.starts_at, m.location, agenda, tuple(packs), members, status_note,
                       tuple(papers_), since, briefs.incident_rows(found))


def portfolio_paper(ws: Workspace, as_of: dt.datetime | None = None) -> PortfolioPaper:
    """Every initiative's stage, spend, budget and forecast at fiscal year end with its RAG, and the forecast
    overruns with their amounts and owners — the same KPIs the dashboard computes."""
    from opsdesk.analytics import kpis

    day = (as_of - dt.timedelta(seconds=1)).date() if as_of else None
    report = kpis.all_kpis(ws, day)
    with ws.read() as s:
        inits = list(s.scalars(select(Initiative).order_by(Initiative.code)))
        stages = {i.code: (asof.stage_at(s, i.id, as_of).stage if as_of else i.stage) for i in inits}
    rows, overruns = [], []
    currency = ""
    for i in inits:
        stage = stages[i.code]
        if stage is None:
            continue
        by_key = {k.key: k for k in report.per_initiative.get(i.code, [])}
        fc, spent = by_key.get("forecast_fy_end"), by_key.get("spend_vs_budget")
        spend = i.budget * Decimal(str(spent.value)) / 100 if spent and spent.value is not None else None
        forecast = Decimal(str(fc.value)) if fc and fc.value is not None else None
        currency = currency or i.currency
        rows.append((i.code, i.name, stage.label, briefs.money(spend, i.currency) if spend is not None else "—",
                     briefs.money(i.budget, i.currency), briefs.money(forecast, i.currency) if forecast is not None
                     else "—", fc.rag.upper() if fc else "GREY"))
        if fc is not None and fc.rag == "red" and forecast is not None:
            overruns.append((forecast - i.budget, (i.code, i.name, i.owner or "—", briefs.money(i.budget, i.currency),
                                                   briefs.money(forecast, i.currency),
                                                   briefs.money(forecast - i.budget, i.currency))))
    overruns.sort(key=lambda x: -x[0])
    return PortfolioPaper(f"{report.as_of:%d %B %Y}", currency, tuple(rows), tuple(o for _a, o in overruns))


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
