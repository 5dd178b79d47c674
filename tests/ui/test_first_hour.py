"""The first hour, measured: from an empty workspace to an exported meeting pack through the window alone
(issue 20, point 7). The path itself is ``tests/ui/first_hour_path.py``; ``bench/first_hour.py`` counts it."""

from __future__ import annotations

from pathlib import Path

from tests.ui.first_hour_path import INITIATIVE, MEETING, ORGANISATION, RATIONALE, first_hour, open_empty


def test_a_newcomer_gets_from_an_empty_workspace_to_a_meeting_pack_through_the_window(qtbot, tmp_path: Path):
    from pypdf import PdfReader

    from opsdesk.services.onboarding import checklist

    outcome = first_hour(lambda path: open_empty(path, qtbot.addWidget), tmp_path / "stick")
    w = outcome.window
    try:
        assert Path(w.ws.location).name == "committee.opsdesk"
        assert checklist.checklist(w.ws).done
        assert not w.pages["dashboard"].getting_started.isVisible()
        reader = PdfReader(str(outcome.pack))
        text = "\n".join(page.extract_text() for page in reader.pages)
        flat = " ".join(text.split())
        assert ORGANISATION in flat and MEETING in flat
        assert "AI-0001" in flat and INITIATIVE in flat
        assert RATIONALE in flat
        assert len(reader.pages) >= 4  # cover, contents, agenda, the item's brief
        assert outcome.user.total > 0 and all(n > 0 for n in outcome.user.steps.values()), outcome.user.steps
    finally:
        w.tasks.shutdown()
        w.close()
