"""Long text never breaks a PDF: a 3,000-character lesson, a 20,000-character problem statement, a long action
or requested decision split or wrap across pages in every table of every PDF, and every word is still there."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from opsdesk.services.committee import exports
from opsdesk.services.committee import meetings as committee
from opsdesk.services.registry import initiatives, lessons, people
from tests.reports.pdfcheck import page_texts


def _words(tag: str, n_chars: int) -> str:
    """Distinct words (``tag0001 tag0002 …``) about ``n_chars`` long, so a lost piece is noticed."""
    words, size, i = [], 0, 0
    while size < n_chars:
        i += 1
        w = f"{tag}{i:04d}"
        words.append(w)
        size += len(w) + 1
    return " ".join(words)


def _missing(text: str, tag: str, long_text: str) -> list[str]:
    found = set(re.findall(rf"{tag}\d{{4}}", text))
    return [w for w in long_text.split() if w not in found]


@pytest.fixture
def long_texts(demo_ws):
    """AI-0002 with a 20,000-character problem, a similar initiative's 3,000-character lesson, a
    long requested decision and declaration of interest on the next meeting's agenda."""
    texts = {"problem": _words("probw", 20_000), "lesson": _words("lessw", 3_000),
             "conflict": _words("cnflw", 8_000), "request": _words("reqw", 3_000)}
    tags = [*initiatives.get(demo_ws, "AI-0002").tags, "long-text"]
    initiatives.update(demo_ws, "AI-0002", {"problem": texts["problem"], "tags": tags})
    # a lesson of a similar initiative (sharing a tag) is shown in AI-0002's brief; one word of 3,000 letters too
    lessons.create(demo_ws, "AI-0001", {"stage": "pilot", "category": "data", "what_happened": texts["lesson"],
                                        "recommendation": "x" * 3_000, "tags": ["long-text"],
                                        "recorded_on": dt.date(2025, 1, 1)})
    decided = planned = None
    for m in committee.list_meetings(demo_ws):
        for it in m.items:
            if it.initiative_code == "AI-0002" and it.decision is not None:
                decided = (m, it)
        if m.status.value == "planned":
            planned = m
    assert decided is not None and planned is not None
    item_id = committee.add_item(demo_ws, planned.id, "review", "AI-0002: a long review",
                                 initiative_code="AI-0002", requested_decision=texts["request"])
    member = next(p for p in people.list_all(demo_ws) if p.committee_role.value == "member")
    committee.declare_conflict(demo_ws, item_id, member.id, texts["conflict"])
    return texts, decided[0], item_id, planned


def test_initiative_brief_carries_every_word_of_long_text(demo_ws, long_texts, tmp_path: Path):
    texts, _m, _item, _planned = long_texts
    out = tmp_path / "brief.pdf"
    exports.export(demo_ws, out, initiative="AI-0002")
    full = "\n".join(page_texts(out))
    assert not _missing(full, "probw", texts["problem"])
    assert not _missing(full, "lessw", texts["lesson"])


def test_item_brief_and_pack_carry_a_long_requested_decision(demo_ws, long_texts, tmp_path: Path):
    texts, _m, item_id, planned = long_texts
    out = tmp_path / "item.pdf"
    exports.export(demo_ws, out, item_id=item_id)
    assert not _missing("\n".join(page_texts(out)), "reqw", texts["request"])
    pack = tmp_path / "pack.pdf"
    exports.export(demo_ws, pack, meeting_id=planned.id)
    full = "\n".join(page_texts(pack))
    assert not _missing(full, "reqw", texts["request"])
    assert not _missing(full, "lessw", texts["lesson"])


def test_minutes_carry_a_long_declaration_of_interest(demo_ws, long_texts, tmp_path: Path):
    texts, _meeting, _item, planned = long_texts
    held_at = planned.starts_at + dt.timedelta(hours=3)  # minutes come once the meeting has been held
    demo_ws.clock = lambda: held_at
    committee.set_meeting_status(demo_ws, planned.id, "held")
    out = tmp_path / "minutes.pdf"
    exports.export(demo_ws, out, meeting_id=planned.id, minutes=True)
    assert not _missing("\n".join(page_texts(out)), "cnflw", texts["conflict"])
