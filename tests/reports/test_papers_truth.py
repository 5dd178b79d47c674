"""Committee papers that tell the truth (issue 16), each point read back from the PDF text with pypdf on the demo
workspace: papers as tabled, a recommendation always, evidence not its absence, dates that can be true, minutes
that are minutes, the data behind budget and portfolio items, lineage, one rule for one question, and the PDF's
own details."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from opsdesk.domain.enums import AgendaKind, MeetingStatus, Stage
from opsdesk.errors import ValidationError
from opsdesk.services.committee import exports, gates, meetings, papers
from opsdesk.services.registry import initiatives
from opsdesk.store import audit
from tests.reports.pdfcheck import page_texts, reader

Q2_2026 = 6  # the demo's meeting of 16 April 2026 (closed): AI-0002 to production, approved with conditions
Q4_2026 = 8  # 15 October 2026, held, minutes not yet approved
Q1_2027 = 9  # 14 January 2027, planned


def _text(data: bytes) -> str:
    return "\n".join(page_texts(data))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _export(ws, tmp_path: Path, name: str, **what) -> bytes:
    exports.export(ws, tmp_path / name, **what)
    return (tmp_path / name).read_bytes()


def _item(ws, meeting_id: int, code: str) -> meetings.AgendaItemDTO:
    return next(i for i in meetings.get_meeting(ws, meeting_id).items if i.initiative_code == code)


# --- 1. papers as they were tabled -------------------------------------------------------------------------------

def test_an_issued_pack_is_kept_with_its_digest_and_exported_again_byte_for_byte(demo_ws, tmp_path: Path):
    issued = exports.issue(demo_ws, meeting_id=Q1_2027)
    assert issued.doc_id == "OPS-PCK-M009" and issued.issued_by == "tester" and issued.state == "issued"
    first = papers.issued_bytes(demo_ws, issued.doc_id)
    assert first is not None and hashlib.sha256(first).hexdigest() == issued.sha256 and issued.forms == ("issued",)
    assert "Issued on" in _flat(page_texts(first)[0]) and "by tester" in _flat(page_texts(first)[0])
    # the record changes after issue: the tabled paper does not
    initiatives.update(demo_ws, "AI-0005", {"budget": "999999"})
    again = _export(demo_ws, tmp_path, "again.pdf", meeting_id=Q1_2027)
    assert again == first
    assert papers.for_meeting(demo_ws, Q1_2027)[0].sha256 == issued.sha256
    with pytest.raises(ValidationError, match="already issued"):
        exports.issue(demo_ws, meeting_id=Q1_2027)
    issue_events = [e for e in audit.recent(demo_ws, 10) if e.action == "issue"]
    assert issue_events and issue_events[0].after["sha256"] == issued.sha256


def test_a_past_meetings_pack_never_issued_is_built_as_of_the_meeting_and_says_so(sqlite_demo_ws, tmp_path):
    data = _export(sqlite_demo_ws, tmp_path, "pack6.pdf", meeting_id=Q2_2026)
    texts = page_texts(data)
    cover = _flat(texts[0])
    assert "Not issued before the meeting" in cover and "as it stood on 16 April 2026" in cover
    text = _flat("\n".join(texts))
    # AI-0002 was in Expand on 16 April 2026, not in Production as today, and its ledger stops in April 2026
    assert "AI-0002 — Grant payment fraud detection · Expand" in text
    assert "was at the expand stage on 16 April 2026" in text
    assert re.search(r"2026-04 [\d,]+ USD", text)
    assert not re.search(r"2026-(0[5-9]|1[0-2]) [\d,]+ USD", text), "a ledger month after the meeting"
    assert "(160%)" not in text
    # what was decided is said as decided
    assert "The committee decided on 16 April 2026: Approved with conditions" in text
    assert "The committee is asked to: Approve the move to Production" not in text


def test_an_item_brief_after_the_decision_says_what_was_decided(sqlite_demo_ws, tmp_path):
    item = _item(sqlite_demo_ws, Q2_2026, "AI-0002")
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, "b.pdf", item_id=item.id)))
    assert "Decision taken" in text and "Decision requested" not in text
    assert "is asked to" not in text


# --- 2. every brief recommends -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "rule"), [("AI-0002", "Forecast overrun"), ("AI-0011", "Threshold breach"),
                                            ("AI-0010", "Retired but still spending")])
def test_every_brief_ends_in_a_recommendation_from_the_attention_rules(sqlite_demo_ws, tmp_path, code, rule):
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, f"{code}.pdf", initiative=code)))
    assert "No decision is requested" not in text
    tail = text[text.rindex("Options and recommendation"):]
    assert "Recommendation" in tail and "Rules that fired:" in tail and rule in tail
    owner = initiatives.get(sqlite_demo_ws, code).owner
    assert re.search(r"(Corrective action|Complete the retirement|Hold)", tail)
    assert owner in tail and re.search(r"by \d{1,2} \w+ 20\d\d", tail), "an owner and a date"


def test_a_brief_with_no_rule_firing_recommends_continuing_and_says_none_fired(ws, tmp_path):
    initiatives.create(ws, {"code": "AI-0100", "name": "Quiet", "budget": "1000", "classification": "OFFICIAL"})
    text = _flat(_text(_export(ws, tmp_path, "q.pdf", initiative="AI-0100")))
    assert "No decision is requested" not in text
    assert "Rules that fired:" in text


# --- 3. evidence, not its absence ------------------------------------------------------------------------------

def test_missing_evidence_counts_as_not_met_and_is_named(ws):
    from opsdesk.services.registry import people

    initiatives.create(ws, {"code": "AI-0200", "name": "Bare pilot", "budget": "1000", "classification": "OFFICIAL"})
    voters = [people.create(ws, {"name": f"Member {d}", "email": f"{d}@x.gov", "discipline": d,
                                 "committee_role": "chair" if d == "data" else "member"}).id
              for d in ("data", "ml", "finance", "executive")]
    mid = meetings.create_meeting(ws, {"title": "Today"}, ws.clock())
    meetings.set_attendance(ws, mid, voters)
    item = meetings.add_item(ws, mid, AgendaKind.STAGE_GATE, "AI-0200: gate to Pilot", initiative_code="AI-0200",
                             target_stage=Stage.PILOT)
    gates.record_gate_decision(ws, item, "approved", votes={v: "for" for v in voters})
    assert initiatives.get(ws, "AI-0200").stage is Stage.PILOT
    criteria = gates.gate_criteria(ws, "AI-0200", Stage.EXPAND)
    unmet = {c.name: c for c in criteria if c.met is False}
    assert {"DataOps series", "MLOps series", "FinOps cost", "Time in stage", "Disciplines covered"} <= set(unmet)
    assert "no DataOps series" in unmet["DataOps series"].note
    met = sum(1 for c in criteria if c.met)
    assert met * 2 < len(criteria), f"{met} of {len(criteria)} met on no evidence at all"
    assert gates.recommend(gates.GateView("AI-0200", Stage.PILOT, Stage.EXPAND, criteria)).startswith("Defer")


def test_a_retirement_gate_is_judged_on_retirement_criteria(sqlite_demo_ws, tmp_path):
    item = next(i for i in meetings.get_meeting(sqlite_demo_ws, Q2_2026).items
                if i.target_stage is Stage.RETIRED)
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, "ret.pdf", item_id=item.id)))
    part = text[text.index("Criteria for Retired"):text.index("KPIs", text.index("Criteria for Retired"))]
    for name in ("Cost stopped", "Models out of service", "Data retention and disposal"):
        assert name in part
    for performance in ("Pipeline success rate", "Model quality vs baseline", "Spend within budget"):
        assert performance not in part


def test_an_expired_waiver_reads_expired_on_every_page(sqlite_demo_ws, tmp_path):
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, "w.pdf", initiative="AI-0004")))
    assert "waiver expired on 2026-10-01" in text.lower()
    assert "Waived until 2026-10-01" not in text and "waived until 2026-10-01" not in text


# --- 4. dates that can be true ---------------------------------------------------------------------------------

def test_nothing_is_decided_held_or_minuted_before_the_meetings_day(sqlite_demo_ws, tmp_path):
    ws = sqlite_demo_ws
    future = meetings.get_meeting(ws, Q1_2027)
    assert future.starts_at.date() > ws.clock().date()
    item = future.items[0]
    voters = {p: "for" for p in future.present} or {1: "for"}
    before = audit.count(ws)
    with pytest.raises(ValidationError, match="before that day"):
        meetings.record_decision(ws, item.id, "approved", votes=voters)
    with pytest.raises(ValidationError, match="before that day"):
        meetings.set_meeting_status(ws, Q1_2027, MeetingStatus.HELD)
    with pytest.raises(ValidationError, match="once it is held"):
        exports.export(ws, tmp_path / "min.pdf", meeting_id=Q1_2027, minutes=True)
    assert audit.count(ws) == before and not (tmp_path / "min.pdf").exists()


def test_the_cli_refuses_minutes_of_a_future_meeting(demo_path, tmp_path, capsys):
    from opsdesk.cli import main

    code = main(["brief", "--workspace", str(demo_path), "--meeting", str(Q1_2027), "--minutes",
                 "--out", str(tmp_path / "m.pdf")])
    assert code == 2 and "once it is held" in capsys.readouterr().err
    assert not (tmp_path / "m.pdf").exists()


# --- 5. minutes that are minutes -------------------------------------------------------------------------------

def test_minutes_list_each_action_once_and_show_the_lesson_with_its_decision(sqlite_demo_ws, tmp_path):
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, "m6.pdf", meeting_id=Q2_2026, minutes=True)))
    assert text.count("AI-0002: report on gate conditions") == 1
    assert "Lesson recorded with the decision" in text
    assert "Minutes Draft" in text


def test_approved_refuses_conditions(sqlite_demo_ws):
    ws = sqlite_demo_ws
    m = meetings.get_meeting(ws, Q4_2026)
    mid = meetings.create_meeting(ws, {"title": "Extra"}, m.starts_at + dt.timedelta(days=1))
    meetings.set_attendance(ws, mid, m.present)
    item = meetings.add_item(ws, mid, AgendaKind.OTHER, "Anything")
    with pytest.raises(ValidationError, match="approved with conditions"):
        meetings.record_decision(ws, item, "approved", votes={}, conditions="Report monthly.")


def test_minutes_are_drafted_approved_at_the_next_meeting_then_adopted_and_locked(sqlite_demo_ws, tmp_path):
    ws = sqlite_demo_ws
    assert papers.minutes_state(ws, Q4_2026).state == "draft"
    with pytest.raises(ValidationError, match="draft"):
        exports.adopt_minutes(ws, Q4_2026)
    # the next meeting's agenda approves them (the demo put the item first), and its pack carries the draft
    item = next(i.id for i in meetings.get_meeting(ws, Q1_2027).items if i.kind is AgendaKind.APPROVE_MINUTES)
    assert meetings.find_item(ws, item)[1].minutes_meeting_id == Q4_2026
    assert meetings.find_item(ws, item)[1].position == 1
    pack = _flat(_text(_export(ws, tmp_path, "pack9.pdf", meeting_id=Q1_2027)))
    assert "The draft minutes of AI Governance Committee — Q4 2026" in pack and "Actions arising" in pack
    # held on its day, the approval is recorded, then the minutes are adopted and locked
    nine = meetings.get_meeting(ws, Q1_2027)
    ws.clock = lambda: nine.starts_at + dt.timedelta(hours=1)  # the meeting's day
    present = meetings.get_meeting(ws, Q4_2026).present
    meetings.set_attendance(ws, Q1_2027, present)
    from opsdesk.domain.enums import VOTING_ROLES
    from opsdesk.services.registry import people

    voting = {p.id for p in people.list_all(ws) if p.committee_role in VOTING_ROLES}
    meetings.record_decision(ws, item, "approved", votes={p: "for" for p in present if p in voting})
    assert papers.minutes_state(ws, Q4_2026).state == "approved"
    adopted = exports.adopt_minutes(ws, Q4_2026)
    assert adopted.state == "adopted" and adopted.kind == "minutes"
    out = _export(ws, tmp_path, "min8.pdf", meeting_id=Q4_2026, minutes=True)
    assert hashlib.sha256(out).hexdigest() == adopted.sha256
    assert "Adopted" in _flat(page_texts(out)[0]) and "Approved at AI Governance Committee — Q1 2027" in _flat(
        page_texts(out)[0])
    with pytest.raises(ValidationError, match="already adopted"):
        exports.adopt_minutes(ws, Q4_2026)


# --- 6. the data behind budget and portfolio items --------------------------------------------------------------

def test_budget_and_portfolio_items_carry_their_data(sqlite_demo_ws, tmp_path):
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, "pack9.pdf", meeting_id=Q1_2027)))
    assert "papers are tabled at the meeting" not in text
    part = text[text.index("FinOps: forecast overruns", text.index("Agenda") + 200):]
    assert "Forecast overruns" in part and "Overrun" in part
    assert "AI-0002" in part and initiatives.get(sqlite_demo_ws, "AI-0002").owner in part
    review = _flat(_text(_export(sqlite_demo_ws, tmp_path, "pack6.pdf", meeting_id=Q2_2026)))
    part = review[review.rindex("Quarterly portfolio review"):]
    assert "Portfolio" in part and "Forecast FY end" in part and "Spend to date" in part
    assert all(f"AI-{i:04d}" in part for i in range(1, 15))


# --- 7. traceability travels ----------------------------------------------------------------------------------

def test_a_brief_traces_data_assets_and_models_to_the_initiative(sqlite_demo_ws, tmp_path):
    text = _flat(_text(_export(sqlite_demo_ws, tmp_path, "l.pdf", initiative="AI-0002")))
    part = text[text.index("Data, models and lineage"):text.index("Cost ledger against budget")]
    assert "payments_ledger.curated → grant-payment-fraud-detection (trained on) → AI-0002" in part
    assert "Models" in part and "Data assets" in part and "Data quality" in part and "Latest metrics" in part


# --- 8. one answer to one question ------------------------------------------------------------------------------

def test_the_attention_list_and_the_skills_page_use_one_team_rule(sqlite_demo_ws):
    from opsdesk.analytics import bottlenecks, skills

    flagged = {a.initiative_code for a in bottlenecks.attention(sqlite_demo_ws) if a.kind == "skill_gap"}
    missing = {code for code, cov in skills.all_team_coverage(sqlite_demo_ws).items() if cov.missing}
    assert flagged == missing


def test_a_retired_initiative_that_keeps_spending_is_red_and_needs_the_committee(sqlite_demo_ws):
    from opsdesk.analytics import bottlenecks, kpis

    burn = next(k for k in kpis.initiative_kpis(sqlite_demo_ws, "AI-0010") if k.key == "burn_rate")
    assert burn.value and burn.value > 1000 and burn.rag == "red"
    items = [a for a in bottlenecks.attention(sqlite_demo_ws) if a.kind == "retired_spending"]
    assert "AI-0010" in {a.initiative_code for a in items}


# --- 9. the PDF itself -------------------------------------------------------------------------------------------

def test_cover_title_dates_and_byte_identity(sqlite_demo_ws, tmp_path):
    a = _export(sqlite_demo_ws, tmp_path, "a.pdf", initiative="AI-0003")
    b = _export(sqlite_demo_ws, tmp_path, "b.pdf", initiative="AI-0003")
    assert a == b
    cover = page_texts(a)[0]
    assert "Decision brief:" not in cover
    meta = reader(a).metadata
    created = meta.get("/CreationDate")
    assert created and created.startswith("D:2026") and "2000" not in created[:8]
    text = _text(a)
    assert re.search(r"\b(Jan|Apr|Jul|Oct) 20\d\d\b", text), "month ticks carry the year"
    assert not re.search(r"\b(Jan|Apr|Jul|Oct) \d\d\n", text)


def test_bundles_carry_lineage_links_jobs_and_issued_papers(sqlite_demo_ws, tmp_path):
    from sqlalchemy import func, select

    from opsdesk.domain.enums import LineageKind, NodeKind
    from opsdesk.services.exchange import bundles, keys
    from opsdesk.services.registry import metadata
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store.models import Job, LineageLink

    ws = sqlite_demo_ws
    # a job between an asset and a model, as OpenLineage records it
    model = next(m for m in metadata.list_models(ws) if m.initiative_code == "AI-0005")
    asset = next(a for a in metadata.list_assets(ws) if a.name.startswith("telephony"))
    with ws.write() as tx:
        job = Job(namespace="airflow://dps", name="speech_features", facets={})
        tx.add(job, "job", key="airflow://dps:speech_features")
        job_id = job.id
    metadata.add_link(ws, (NodeKind.DATA_ASSET, asset.id), (NodeKind.JOB, job_id), LineageKind.USED_BY)
    metadata.add_link(ws, (NodeKind.JOB, job_id), (NodeKind.MODEL, model.id), LineageKind.PRODUCES)
    issued = exports.issue(ws, item_id=_item(ws, Q1_2027, "AI-0005").id)
    with ws.read() as s:
        sent_links = len(bundles.rec.lineage_links(s, [initiatives.get(ws, c).id for c in ("AI-0005", "AI-0007")]))
    assert sent_links >= 6
    path = bundles.export_bundle(ws, ["AI-0005", "AI-0007"], tmp_path / "b.opsbundle").path
    site_b = lifecycle.create(tmp_path / "b.opsdesk", organisation="Regional Office", actor="bob")
    try:
        keys.trust(site_b, keys.export_public(ws, tmp_path / "hq.pub"), "HQ")
        bundles.import_bundle(site_b, path)
        with site_b.read() as s:
            assert s.scalar(select(func.count()).select_from(LineageLink)) == sent_links
            assert s.scalar(select(Job.name)) == "speech_features"
        assert papers.issued_bytes(site_b, issued.doc_id) == papers.issued_bytes(ws, issued.doc_id)
        assert papers.find(site_b, issued.doc_id).sha256 == issued.sha256
        text = _flat(_text(_export(site_b, tmp_path, "there.pdf", initiative="AI-0005")))
        assert "speech_features" in text and "Data, models and lineage" in text
    finally:
        site_b.close()


HEADINGS = {"Executive summary", "Objectives served", "Stage and gate criteria", "KPIs", "Data, models and lineage",
            "Cost ledger against budget", "Standards conformance", "Team skills coverage", "Risks",
            "Lessons from similar initiatives", "Options and recommendation", "Decision", "Latest gate decision",
            "Rationale", "Conditions", "Roll-call votes", "Actions", "Models", "Data assets", "Problem",
            "Expected benefits", "Recommendation", "Open actions on this initiative",
            "Lesson recorded with the decision", "Portfolio", "Forecast overruns", "Attendance", "Items",
            "Actions arising", "Conflicts of interest", "Members absent", "Members", "Agenda",
            "Unallocated cost across the portfolio"}


def _last_body_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    body = [ln for ln in lines if not re.match(r"^(OFFICIAL|SECRET|Page \d+ of|OPS-|Department of)", ln)
            and ln not in ("Decision brief", "Meeting pack", "Minutes")]
    return body[-1] if body else ""


def test_no_heading_is_left_alone_at_the_foot_of_a_page(sqlite_demo_ws, tmp_path):
    for name, what in (("b.pdf", {"initiative": "AI-0002"}), ("p.pdf", {"meeting_id": Q2_2026}),
                       ("m.pdf", {"meeting_id": Q2_2026, "minutes": True})):
        texts = page_texts(_export(sqlite_demo_ws, tmp_path, name, **what))
        for n, text in enumerate(texts, start=1):
            if "Contents" in text:
                continue
            assert _last_body_line(text) not in HEADINGS, f"{name} page {n} ends with a heading"


def test_chart_legends_never_overlap_the_unit():
    from reportlab.graphics.shapes import String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from opsdesk.reports import charts, fonts
    from opsdesk.reports.content import Chart

    fonts.register()

    def extents(drawing, top: float) -> list[tuple[float, float, str]]:
        out = []
        for x in drawing.contents:
            if isinstance(x, String) and x.y >= top:
                w = stringWidth(x.text, x.fontName, x.fontSize)
                left = x.x - w if x.textAnchor == "end" else x.x
                out.append((left, left + w, x.text))
        return sorted(out)

    line = charts.line_chart(Chart("Burn rate", "USD/month", (20000.0, 20200.0), (1.0, 2.0), rag="amber"),
                             width=240, height=130)
    bars = charts.bar_chart(Chart("Allocated spend per month", "USD per month", tuple(range(3)), (5.0, 6.0, 7.0),
                                  bars=True, reference=6.5, reference_label="budget per month"),
                            ["2026-01", "2026-02", "2026-03"], width=480, height=150)
    for drawing, top in ((line, 115), (bars, 135)):
        spans = extents(drawing, top)
        assert len(spans) >= 2
        for (_a0, a1, a), (b0, _b1, b) in zip(spans, spans[1:], strict=False):
            assert a1 <= b0, f"{a!r} overlaps {b!r}"
