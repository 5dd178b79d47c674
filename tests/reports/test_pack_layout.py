"""A meeting pack is laid out once, and its contents still give the page of every item (issue 21)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from opsdesk.reports import templates
from opsdesk.reports.content import AgendaLine, DocMeta, MeetingPack
from opsdesk.reports.pack import build_pack
from tests.reports.pdfcheck import page_texts, reader

WHEN = dt.datetime(2027, 1, 14, 10, tzinfo=dt.UTC)


def _pack(items: int) -> MeetingPack:
    meta = DocMeta("OPS-PCK-T", 1, "Meeting pack: Committee", "Meeting pack", "Test Org", ("meeting pack",),
                   "OFFICIAL", WHEN)
    agenda = tuple(AgendaLine(i, f"Item number {i}", "discussion", "", "For discussion.") for i in range(1, items + 1))
    return MeetingPack(meta, "Committee", WHEN, "Room 1", agenda, tuple(None for _ in agenda))


def _items_pages_in_contents(data: bytes, contents_pages: int) -> None:
    texts = page_texts(data)
    r = reader(data)
    contents = "\n".join(p.extract_text(extraction_mode="layout") for p in r.pages[1:1 + contents_pages])
    items = [e for e in r.outline if not isinstance(e, list) and e.title[0].isdigit()]
    assert items
    for entry in items:
        page = r.get_destination_page_number(entry) + 1
        assert entry.title in texts[page - 1]
        line = next(ln for ln in contents.splitlines() if entry.title in ln)
        assert re.search(rf"(?<!\d){page}\s*$", line), (entry.title, page, line)


def test_pack_is_laid_out_once_with_every_items_page_in_its_contents(monkeypatch: pytest.MonkeyPatch):
    passes = []
    build = templates.ReportDoc.build

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        passes.append(1)
        return build(self, *args, **kwargs)

    monkeypatch.setattr(templates.ReportDoc, "build", counted)
    data = build_pack(_pack(12))
    assert len(passes) == 1, f"the pack was laid out {len(passes)} times"
    _items_pages_in_contents(data, 1)
    assert build_pack(_pack(12)) == data  # the same bytes every time


def test_contents_longer_than_a_page_still_give_every_items_page():
    data = build_pack(_pack(60))
    assert "Item number 60" in page_texts(data)[2]  # the contents run onto a second page
    _items_pages_in_contents(data, 2)


def test_papers_are_built_with_reportlabs_c_accelerator():
    from reportlab.lib import rl_accel

    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method", "rl_accel is not installed"
