"""Decision briefs, meeting packs and minutes as PDFs, read back with pypdf."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from opsdesk.services.committee import exports
from opsdesk.services.committee import meetings as committee
from opsdesk.services.registry import initiatives
from opsdesk.store import audit
from tests.reports.pdfcheck import BASE14, fonts, outline_titles, page_texts, reader


@pytest.fixture
def decided_item(demo_ws):
    """The demo's last closed meeting with a decided stage-gate item (AI-0002 to production, 9 for)."""
    for m in committee.list_meetings(demo_ws):
        for it in m.items:
            if it.initiative_code == "AI-0002" and it.target_stage and it.target_stage.value == "production":
                return m, it
    raise AssertionError("demo has no such item")


def _fonts_are_embedded_and_never_base14(data: bytes) -> None:
    used = fonts(data)
    assert used, "the PDF uses no font at all?"
    for name, embedded in used:
        assert embedded, f"{name} is not embedded"
        assert not any(b in name for b in BASE14), f"base-14 font {name} referenced"
        assert "DejaVu" in name


def _marking_on_every_page(texts: list[str], marking: str) -> None:
    for n, text in enumerate(texts, start=1):
        assert text.count(marking) >= 2, f"page {n} lacks the marking at top and bottom"
        assert f"Page {n} of {len(texts)}" in text


def test_item_brief_says_what_was_decided_on_every_page_marked(demo_ws, decided_item, tmp_path: Path):
    _meeting, item = decided_item
    out = tmp_path / "brief.pdf"
    result = exports.export(demo_ws, out, item_id=item.id)
    data = out.read_bytes()
    texts = page_texts(data)
    full = "\n".join(texts)
    name = initiatives.get(demo_ws, "AI-0002").name
    assert name in full
    assert "Approved with conditions" in full
    t = item.decision.tally
    assert f"{t.for_} for, {t.against} against, {t.abstain} abstain, {t.recused} recused" in full
    flat = " ".join(full.split())
    assert "Within 90 days: Spend vs budget" in flat and "Burn rate" in flat  # the conditions name the red KPIs
    for section in ("Executive summary", "Objectives served", "Stage and gate criteria", "KPIs",
                    "Cost ledger against budget", "Standards conformance", "Team skills coverage", "Risks",
                    "Lessons from similar initiatives", "Options and recommendation", "Roll-call votes"):
        assert section in full, section
    _marking_on_every_page(texts, "OFFICIAL-SENSITIVE")
    _fonts_are_embedded_and_never_base14(data)
    assert 5 <= len(texts) <= 12
    meta = reader(data).metadata
    assert meta.title == f"Decision brief: {name}" and meta.author == "Department of Public Services"
    assert meta.subject and "AI-0002" in (meta.get("/Keywords") or "")
    assert "Executive summary" in outline_titles(data) and "Decision" in outline_titles(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "brief.pdf.sha256").read_text() == f"{result.sha256}  brief.pdf\n"


def test_same_workspace_gives_byte_identical_pdf_and_each_export_is_audited(demo_ws, tmp_path: Path):
    before = audit.count(demo_ws)
    a = exports.export(demo_ws, tmp_path / "a.pdf", initiative="AI-0003")
    b = exports.export(demo_ws, tmp_path / "b.pdf", initiative="AI-0003")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert a.sha256 == b.sha256
    events = audit.recent(demo_ws, 2)
    assert audit.count(demo_ws) == before + 2
    assert {e.action for e in events} == {"export"} and events[0].after["sha256"] == a.sha256


def test_charts_are_vector_and_name_their_fonts(demo_ws):
    from opsdesk.reports import charts
    from opsdesk.reports.content import Chart

    d = charts.line_chart(Chart("Latency", "ms", (0.0, 1.0, 2.0), (3.0, 5.0, 4.0), 4.5, 6.0, "green"))
    fonts_seen = set()

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        for child in getattr(node, "contents", []) or []:
            if hasattr(child, "fontName"):
                fonts_seen.add(child.fontName)
            walk(child)
        if hasattr(node, "getContents"):
            for child in node.getContents():
                if hasattr(child, "fontName"):
                    fonts_seen.add(child.fontName)
                walk(child)

    walk(d.resized() if hasattr(d, "resized") else d)
    expanded = d.expandUserNodes()
    walk(expanded)
    assert fonts_seen and all(f.startswith("DejaVu") for f in fonts_seen), fonts_seen


def test_meeting_pack_has_contents_agenda_and_one_brief_per_item(demo_ws, tmp_path: Path):
    planned = [m for m in committee.list_meetings(demo_ws) if m.status.value == "planned"][0]
    out = tmp_path / "pack.pdf"
    exports.export(demo_ws, out, meeting_id=planned.id)
    data = out.read_bytes()
    texts = page_texts(data)
    full = "\n".join(texts)
    assert "Contents" in texts[1] and "Agenda" in full
    for it in planned.items:
        assert f"{it.position}. {it.title}" in full
    assert full.count("Executive summary") >= len([i for i in planned.items if i.initiative_code])
    _marking_on_every_page(texts, "OFFICIAL-SENSITIVE")
    _fonts_are_embedded_and_never_base14(data)
    titles = outline_titles(data)
    assert "Agenda" in titles and all(f"{it.position}. {it.title}" in titles for it in planned.items)
    # each item's bookmark lands on the page where its brief starts, and the contents list that page
    r = reader(data)
    for entry in r.outline:
        if isinstance(entry, list) or not entry.title[0].isdigit():
            continue
        page = r.get_destination_page_number(entry) + 1
        assert entry.title in texts[page - 1]
        assert re.search(rf"(?<![\d]){page}(?![\d])", texts[1]), (entry.title, page)


def test_minutes_record_attendance_quorum_conflicts_votes_and_actions(demo_ws, tmp_path: Path):
    meetings = committee.list_meetings(demo_ws)
    with_conflict = next(m for m in meetings if any(i.conflicts for i in m.items))
    out = tmp_path / "minutes.pdf"
    exports.export(demo_ws, out, meeting_id=with_conflict.id, minutes=True)
    full = "\n".join(page_texts(out))
    for word in ("Attendance", "Quorum", "Conflicts of interest", "Line manager of the initiative owner.",
                 "Roll-call votes", "Recused", "Actions"):
        assert word in full, word
    _fonts_are_embedded_and_never_base14(out.read_bytes())


def test_export_refuses_a_name_that_is_not_pdf(demo_ws, tmp_path: Path):
    from opsdesk.errors import ValidationError

    before = audit.count(demo_ws)
    with pytest.raises(ValidationError):
        exports.export(demo_ws, tmp_path / "brief.txt", initiative="AI-0001")
    assert audit.count(demo_ws) == before and not (tmp_path / "brief.txt").exists()


def test_correction_of_a_closed_meeting_decision_shows_in_brief_and_minutes(demo_ws, decided_item, tmp_path: Path):
    meeting, item = decided_item
    assert meeting.status.value == "closed"
    fixed = committee.correct_decision(demo_ws, item.decision.id, reason="Conditions were minuted wrongly",
                                       conditions="Quarterly drift report to the committee.")
    exports.export(demo_ws, tmp_path / "b.pdf", item_id=item.id)
    exports.export(demo_ws, tmp_path / "m.pdf", meeting_id=meeting.id, minutes=True)
    brief = "\n".join(page_texts(tmp_path / "b.pdf"))
    minutes = "\n".join(page_texts(tmp_path / "m.pdf"))
    for text in (brief, minutes):
        assert f"record #{item.decision.id}: Conditions were minuted wrongly" in text
        assert "Quarterly drift report to the committee." in text
        assert f"Superseded record #{item.decision.id}" in text
    assert f"#{fixed}" in brief


def test_marking_is_the_highest_of_initiative_data_and_models(ws, tmp_path: Path):
    from opsdesk.services.registry import metadata
    from opsdesk.store.models import InitiativeDataAsset

    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "classification": "OFFICIAL"})
    asset = metadata.create_asset(ws, {"name": "claims", "classification": "SECRET"})
    out = tmp_path / "a.pdf"
    exports.export(ws, out, initiative="AI-0001")
    assert all("OFFICIAL" in t and "SECRET" not in t for t in page_texts(out))
    with ws.write() as tx:
        tx.session.add(InitiativeDataAsset(initiative_id=1, data_asset_id=asset.id))
    exports.export(ws, out, initiative="AI-0001")
    texts = page_texts(out)
    assert all(t.count("SECRET") >= 2 for t in texts)
    _fonts_are_embedded_and_never_base14(out.read_bytes())


def test_self_test_pdf_uses_only_the_bundled_font(tmp_path: Path):
    from opsdesk.reports import fonts as bundled

    path = bundled.one_page_pdf(tmp_path / "one.pdf", "OpsDesk self-test", "Fonts are embedded.")
    _fonts_are_embedded_and_never_base14(path.read_bytes())


def test_brief_lists_the_initiatives_inventory_gaps(demo_ws, tmp_path: Path):
    from opsdesk.services.reporting import inventory

    code = next(r.code for r in inventory.check(demo_ws, 2026) if r.name == "Hospital bed demand forecasting")
    out = tmp_path / "gaps.pdf"
    exports.export(demo_ws, out, initiative=code)
    full = "\n".join(page_texts(out.read_bytes()))
    assert "Mandated reporting: 2026 federal AI use case inventory" in full
    assert "system_name_ato: is required when the use case has an ATO" in full
    ready = next(r.code for r in inventory.check(demo_ws, 2026) if r.ready and r.stage.value != "retired")
    exports.export(demo_ws, tmp_path / "ready.pdf", initiative=ready)
    assert "every required column of the inventory is answered" in "\n".join(
        page_texts((tmp_path / "ready.pdf").read_bytes()))
