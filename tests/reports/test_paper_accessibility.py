"""What every OpsDesk paper offers a reader with assistive technology (reportlab does not tag PDFs): a title
shown instead of the file name, the language, an outline entry for every section, real text in reading order,
and a signature area of its own at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.services.committee import exports
from opsdesk.services.committee import meetings as committee
from tests.reports.pdfcheck import outline_titles, page_texts, reader


@pytest.fixture
def papers(sqlite_demo_ws, tmp_path: Path) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    demo_ws = sqlite_demo_ws  # the layout does not depend on the engine; the brief tests run on both
    meeting = committee.list_meetings(demo_ws)[0]
    item = next(i for i in meeting.items if i.initiative_code)
    out = {}
    for name, what in (("brief", {"item_id": item.id}), ("pack", {"meeting_id": meeting.id}),
                       ("minutes", {"meeting_id": meeting.id, "minutes": True})):
        exports.export(demo_ws, tmp_path / f"{name}.pdf", **what)
        out[name] = (tmp_path / f"{name}.pdf").read_bytes()
    return out


def test_every_paper_has_title_language_and_an_outline_of_its_sections(papers) -> None:  # type: ignore[no-untyped-def]
    for name, data in papers.items():
        _accessible(name, data)
        _signature_band_is_empty(data)


def _accessible(name: str, data: bytes) -> None:
    r = reader(data)
    root = r.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert r.metadata.title and r.metadata.title != f"{name}.pdf"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] is True or \
        str(root["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    assert root["/PageMode"] == "/UseOutlines"
    titles = outline_titles(data)
    assert len(titles) >= 3 and titles[-1] == "Signatures"
    text = " ".join(" ".join(page_texts(data)).split())
    for title in titles:
        assert " ".join(title.split()) in text, title  # every bookmark lands on real text


def _signature_band_is_empty(data: bytes) -> None:
    """Nothing is printed where the signature blocks go on the last page."""
    from opsdesk.reports.signature_block import AREA_H, BAND_BOTTOM

    last = reader(data).pages[-1]
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, _font, _size) -> None:  # type: ignore[no-untyped-def]
        if text.strip():  # the text's height on the page: its matrix, then the drawing's transformation
            found.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text.strip()))

    last.extract_text(visitor_text=visit)
    in_band = [t for y, t in found if BAND_BOTTOM - 1 < y < BAND_BOTTOM + AREA_H - 25]
    assert in_band == [], in_band  # nothing printed where the signature blocks go
    assert any(t == "Signatures" for _y, t in found)
