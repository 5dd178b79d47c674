"""The Lessons page: every lesson of the portfolio, filtered, read in full, recorded, edited, deleted and undone."""

from __future__ import annotations

from opsdesk.domain.enums import Stage
from opsdesk.services.registry import lessons


def _settle(window):
    window.settle()
    window.settle()


def shown(page) -> list:
    return [page.register.proxy.row_at(r) for r in range(page.register.proxy.rowCount())]


def test_lessons_are_listed_filtered_and_read_in_full(window, tmp_path):
    page = window.go_to("lessons")
    _settle(window)
    everything = lessons.list_all(window.ws)
    assert page.register.model.total == len(everything) == 24
    assert page.register.count.text() == "24 lessons"

    page.stage_filter.setCurrentIndex(page.stage_filter.findData(Stage.PILOT.value))
    pilots = [x for x in everything if x.stage is Stage.PILOT]
    assert 0 < len(pilots) < 24
    assert {x.id for x in shown(page)} == {x.id for x in pilots}
    assert page.register.count.text() == f"{len(pilots)} of 24 lessons"
    page.category_filter.setCurrentIndex(page.category_filter.findData("cost"))
    assert {x.id for x in shown(page)} == {x.id for x in pilots if x.category == "cost"}
    page.stage_filter.setCurrentIndex(0)
    page.category_filter.setCurrentIndex(0)
    page.initiative_filter.setCurrentIndex(page.initiative_filter.findData("AI-0004"))
    assert {x.id for x in shown(page)} == {x.id for x in everything if x.initiative_code == "AI-0004"}

    first = shown(page)[0]
    page.register.select_key(first.id)
    assert first.what_happened in page.detail.text() and "AI-0004" in page.detail.text()
    assert page.open_button.isEnabled()
    page.open_button.click()
    _settle(window)
    assert window.current_page() is window.pages["initiatives"]
    window.grab().save(str(tmp_path / "lessons.png"))


def test_a_lesson_is_recorded_edited_deleted_and_undone(window):
    page = window.go_to("lessons")
    _settle(window)
    page.new_record()
    form = page.form
    form.set_text("initiative_code", "AI-0003")
    form.set_text("what_happened", "")
    assert not form.ok_button.isEnabled()  # what happened is required
    form.set_text("what_happened", "The supplier's model card lacked training data provenance.")
    form.set_text("category", "procurement")
    form.set_text("tags", "vendor, provenance")
    form.set_text("recorded_on", "2026-11-30")
    form.accept()
    _settle(window)
    mine = [x for x in lessons.list_all(window.ws, "AI-0003") if x.category == "procurement"]
    assert len(mine) == 1 and mine[0].tags == ["vendor", "provenance"] and mine[0].stage is Stage.PILOT
    assert page.register.model.total == 25
    assert page.category_filter.findData("procurement") > 0  # the new category is offered as a filter

    page.register.select_key(mine[0].id)
    page.edit_selected()
    page.form.set_text("recommendation", "Ask for a datasheet before the contract is signed.")
    page.form.accept()
    _settle(window)
    (edited,) = [x for x in lessons.list_all(window.ws, "AI-0003") if x.category == "procurement"]
    assert edited.recommendation == "Ask for a datasheet before the contract is signed."

    page.register.select_key(edited.id)
    page.delete_selected()
    _settle(window)
    assert page.register.model.total == 24
    window.undo.undo()
    _settle(window)
    (back,) = [x for x in lessons.list_all(window.ws, "AI-0003") if x.category == "procurement"]
    assert (back.what_happened, back.recommendation, back.tags, back.recorded_on.isoformat()) == (
        edited.what_happened, edited.recommendation, edited.tags, "2026-11-30")
    assert page.register.model.total == 25
