"""The initiatives register as a user meets it: create through the form, validation, undo, filters, detail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from opsdesk.errors import NotFoundError
from opsdesk.services.registry import initiatives
from opsdesk.store import audit


@pytest.fixture
def page(window):
    p = window.go_to("initiatives")
    window.settle()
    return p


def _settle(window):
    window.settle()
    window.settle()


def _codes(page):
    return [page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())]


def test_create_through_the_dialog_lands_in_table_database_and_audit(window, page, qtbot, tmp_path):
    window.actions_.get("new").trigger()  # Ctrl+N on the initiatives page
    form = page.form
    assert form is not None and form.isVisible()
    assert form.widgets["code"].text() == "AI-0015"  # the next free code is suggested
    assert not form.ok_button.isEnabled() and form.reasons["name"].text() == "is required"
    form.set_text("name", "Parking permit triage")
    form.set_text("budget", "75000")
    form.set_text("owner", "Hana Sato")
    form.set_text("disciplines", "data, ml")
    form.grab().save(str(tmp_path / "form.png"))
    assert form.ok_button.isEnabled()
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    _settle(window)

    assert "AI-0015" in _codes(page)
    assert page.register.current().code == "AI-0015"  # the new record is selected and shown
    assert page.detail.code == "AI-0015" and "Parking permit triage" in page.detail.title.text()
    saved = initiatives.get(window.ws, "AI-0015")
    assert (saved.name, saved.budget, saved.disciplines) == ("Parking permit triage", Decimal("75000"), ["data", "ml"])
    events = audit.history(window.ws, "initiative", "AI-0015")
    assert [e.action for e in events] == ["create"] and events[0].actor == "tester"
    assert page.detail.history.model.total == 1
    window.grab().save(str(tmp_path / "initiatives.png"))


@pytest.mark.parametrize(("field", "text", "reason"), [
    ("name", "", "is required"),
    ("code", "AI-0001", "AI-0001 is already used by another initiative"),
    ("code", "project x", "'project x' does not look like AI-0001"),
    ("budget", "-5", "must be at least 0"),
    ("budget", "lots", "'lots' is not a number"),
    ("currency", "", "a budget needs its currency (e.g. USD)"),
    ("currency", "dollars", "is longer than 3 characters"),
    ("end_date", "2020-01-01", "must not be before the start date"),
    ("start_date", "31/12/2026", "'31/12/2026' is not a date (YYYY-MM-DD)"),
    ("disciplines", "data, astrology", "'astrology' is not one of: data, ml, finance, executive, other"),
])
def test_an_invalid_form_cannot_be_accepted_and_says_why(window, page, field, text, reason):
    before = audit.count(window.ws)
    window.actions_.get("new").trigger()
    form = page.form
    form.set_text("name", "Valid name")
    form.set_text("start_date", "2026-01-01")
    form.set_text(field, text)
    assert form.reasons[field].text() == reason
    assert not form.ok_button.isEnabled()
    form.buttons.accepted.emit()  # even Enter on the dialog does not accept it
    assert form.result() == 0 and form.isVisible()
    _settle(window)
    assert audit.count(window.ws) == before
    assert len(_codes(page)) == 14


def test_undo_and_redo_go_through_the_services_and_the_audit_trail(window, page):
    window.actions_.get("new").trigger()
    page.form.set_text("name", "Undo me")
    page.form.accept()
    _settle(window)
    assert initiatives.get(window.ws, "AI-0015").name == "Undo me"
    assert window.undo_action.isEnabled() and window.undo.undoText() == "create AI-0015"

    window.undo_action.trigger()
    _settle(window)
    with pytest.raises(NotFoundError):
        initiatives.get(window.ws, "AI-0015")
    assert "AI-0015" not in _codes(page)
    assert [e.action for e in audit.history(window.ws, "initiative", "AI-0015")] == ["delete", "create"]

    window.redo_action.trigger()
    _settle(window)
    assert initiatives.get(window.ws, "AI-0015").name == "Undo me"
    assert "AI-0015" in _codes(page)


def test_editing_is_undoable(window, page):
    page.edit_code("AI-0002")
    _settle(window)
    form = page.form
    assert form.windowTitle() == "Edit AI-0002" and form.widgets["budget"].text() == "350000"
    form.set_text("budget", "400000")
    form.set_text("owner", "Kofi Asante")
    form.accept()
    _settle(window)
    after = initiatives.get(window.ws, "AI-0002")
    assert (after.budget, after.owner) == (Decimal("400000"), "Kofi Asante")
    window.undo.undo()
    _settle(window)
    back = initiatives.get(window.ws, "AI-0002")
    assert (back.budget, back.owner) == (Decimal("350000"), "Hana Sato")
    assert [e.action for e in audit.history(window.ws, "initiative", "AI-0002")][:2] == ["update", "update"]


def test_deleting_a_new_initiative_is_undoable_and_a_gated_one_is_refused(window, page):
    initiatives.create(window.ws, {"code": "AI-0099", "name": "Short-lived"}, objectives={"OBJ-01": 1})
    _settle(window)
    assert page.register.select_key("AI-0099")
    window.actions_.get("delete").trigger()
    _settle(window)
    assert "AI-0099" not in _codes(page)
    window.undo.undo()
    _settle(window)
    assert initiatives.get(window.ws, "AI-0099").objectives[0][0] == "OBJ-01"

    page.register.select_key("AI-0001")
    window.actions_.get("delete").trigger()
    _settle(window)
    assert initiatives.get(window.ws, "AI-0001").code == "AI-0001"
    assert "retire it" in window.statusBar().currentMessage()


def test_filters_and_search_narrow_the_table(window, page, tmp_path):
    assert len(_codes(page)) == 14
    page.set_filter("stage", "pilot")
    assert _codes(page) == ["AI-0005", "AI-0006", "AI-0007"]
    assert page.register.count.text() == "3 of 14 initiatives"
    page.set_filter("objective", "OBJ-03")
    assert _codes(page) == ["AI-0006"]
    page.set_filter("stage", None)
    page.set_filter("objective", None)
    page.set_filter("risk", "high_impact")
    assert {page.proxy.index(r, 3).data() for r in range(page.proxy.rowCount())} == {"High impact"}
    page.set_filter("risk", None)
    page.set_filter("classification", "SECRET")
    assert 0 < len(_codes(page)) < 14
    page.set_filter("classification", None)
    page.set_filter("discipline", "finance")
    finance = _codes(page)
    assert 0 < len(finance) < 14
    page.set_filter("discipline", None)
    page.search.setText("forecast")
    assert len(_codes(page)) == 14  # debounced: nothing happens until the pause
    page.search.flush()
    assert _codes(page) == ["AI-0011", "AI-0012"]
    window.grab().save(str(tmp_path / "filtered.png"))


def test_every_column_sorts_and_columns_can_be_hidden(window, page):
    from opsdesk.ui.widgets.register import set_column_visible

    header = page.table.horizontalHeader()
    page.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)  # budget
    budgets = [initiatives.get(window.ws, c).budget for c in _codes(page)]
    assert budgets == sorted(budgets, reverse=True)
    page.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # stage, in lifecycle order
    stages = [page.proxy.index(r, 2).data() for r in range(page.proxy.rowCount())]
    assert stages[0] == "Proposed" and stages[-1] == "Retired"
    for column in range(page.proxy.columnCount()):
        page.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert page.proxy.rowCount() == 14
    set_column_visible(page.table, 4, False)
    assert header.isSectionHidden(4)
    assert header.isSectionHidden(9)  # classification is hidden until asked for
    set_column_visible(page.table, 9, True)
    assert not header.isSectionHidden(9)


def test_selection_drives_the_detail_and_every_tab_says_something(window, page, tmp_path):
    page.register.select_key("AI-0013")
    _settle(window)
    d = page.detail
    assert d.code == "AI-0013" and "Invoice matching automation" in d.title.text()
    assert "OBJ-04" in d.overview.text() and "Team" in d.overview.text()
    assert [d.tabs.tabText(i) for i in range(d.tabs.count())] == [
        "Overview", "Lineage", "Costs", "Metrics", "Decisions", "Lessons", "History"]
    assert "has not decided anything on AI-0013 yet" in d.decisions.note.text()
    assert not d.decisions.table.isVisibleTo(d)
    assert "No lessons recorded for AI-0013 yet" in d.lessons.note.text()
    assert d.costs.model.total > 0 and "allocations" in d.costs.note.text()
    history = [d.history.model.row_at(i).seq for i in range(d.history.model.matching)]
    assert history == sorted(history, reverse=True)
    for i in range(d.tabs.count()):
        d.tabs.setCurrentIndex(i)
        window.grab().save(str(tmp_path / f"detail_{i}.png"))


def test_opening_an_initiative_from_elsewhere_selects_it(window, page):
    page.search.setText("wildfire")
    page.search.flush()
    window.go_to("dashboard")
    window.open_initiative("AI-0002")
    _settle(window)
    assert window.current_page() is page
    assert page.register.current().code == "AI-0002"


def test_objectives_served_are_chosen_in_the_form_and_undone_with_the_edit(window, page, tmp_path):
    window.actions_.get("new").trigger()
    form = page.form
    form.set_text("name", "Road sign inventory")
    form.weights.set_weight("OBJ-03", 0.6)
    form.weights.set_weight("OBJ-05", 0.4)
    form.grab().save(str(tmp_path / "form_with_objectives.png"))
    form.accept()
    _settle(window)
    made = initiatives.get(window.ws, "AI-0015")
    assert [(c, w) for c, _t, w in made.objectives] == [("OBJ-03", Decimal("0.60")), ("OBJ-05", Decimal("0.40"))]

    page.edit_code("AI-0015")
    _settle(window)
    form = page.form
    assert form.weights.weights() == {"OBJ-03": Decimal("0.60"), "OBJ-05": Decimal("0.40")}
    form.weights.set_weight("OBJ-05", None)
    form.weights.set_weight("OBJ-03", 1.0)
    form.accept()
    _settle(window)
    assert [(c, w) for c, _t, w in initiatives.get(window.ws, "AI-0015").objectives] == [("OBJ-03", Decimal("1.00"))]
    assert audit.history(window.ws, "initiative", "AI-0015")[0].action == "set_objectives"
    window.undo.undo()
    _settle(window)
    assert len(initiatives.get(window.ws, "AI-0015").objectives) == 2


def test_overview_lists_the_initiatives_action_items_and_flags_overdue_ones(window, page):
    from opsdesk.services.committee import actions

    page.register.select_key("AI-0002")
    _settle(window)
    text = page.detail.overview.text()
    mine = actions.list_actions(window.ws, initiative_code="AI-0002")
    assert mine and "Action items" in text
    for a in mine:
        assert a.title in text
    today = window.ws.clock().date()
    assert ("overdue" in text) == any(a.overdue(today) for a in mine)


def test_the_team_is_chosen_in_the_form_and_closes_a_skill_gap(window, page, tmp_path):
    """The dashboard says AI-0006's team has nobody from finance (by the Skills page's rule); the secretary adds a FinOps analyst in the
    initiative's form, the gap leaves the needs-the-committee list, and undo brings it back."""
    from opsdesk.analytics import bottlenecks
    from opsdesk.domain.enums import Discipline, TeamRole
    from opsdesk.services.registry import people

    def gaps() -> list[str]:
        return [a.reason for a in bottlenecks.attention(window.ws) if a.kind == "skill_gap"
                and a.initiative_code == "AI-0006"]

    assert gaps() == ["Nobody on the team covers Finance"]
    before = {m.person_id: m.role for m in initiatives.get(window.ws, "AI-0006").team}
    analyst = next(p for p in people.list_all(window.ws) if p.discipline is Discipline.FINANCE)
    page.edit_code("AI-0006")
    _settle(window)
    form = page.form
    assert form.team.team() == before and "Finance" not in form.team.covered.text()
    form.team.set_member(analyst.id, TeamRole.FINOPS_ANALYST)
    assert "Finance" in form.team.covered.text()
    form.grab().save(str(tmp_path / "form_with_team.png"))
    form.accept()
    _settle(window)
    team = {m.person_id: m.role for m in initiatives.get(window.ws, "AI-0006").team}
    assert team == {**before, analyst.id: TeamRole.FINOPS_ANALYST}
    assert gaps() == []
    window.undo.undo()
    _settle(window)
    assert {m.person_id: m.role for m in initiatives.get(window.ws, "AI-0006").team} == before
    assert gaps() == ["Nobody on the team covers Finance"]


def test_the_team_picker_offers_active_people_by_name_with_their_discipline(ws):
    from opsdesk.services.registry import people
    from opsdesk.ui.pages.initiatives import load_register

    for name, discipline, active in (("zed", "finance", True), ("Amy", "ml", True), ("Bob", "data", False)):
        people.create(ws, {"name": name, "email": f"{name}@example.gov", "discipline": discipline, "active": active})
    assert [(c.name, c.discipline) for c in load_register(ws).people] == [("Amy", "ML operations"),
                                                                          ("zed", "Finance")]


def test_a_reload_reads_the_shown_initiatives_dossier_once_and_shows_it_fresh(window, page, monkeypatch):
    from opsdesk.services.committee import dossier

    page.register.select_key("AI-0003")
    _settle(window)
    read: list[str] = []
    real = dossier.initiative_dossier
    monkeypatch.setattr(dossier, "initiative_dossier", lambda ws, code: read.append(code) or real(ws, code))
    page.refresh()
    _settle(window)
    assert read == ["AI-0003"]  # read with the register, not again once the register has arrived
    assert page.detail.code == "AI-0003" and page.detail.dossier.detail.code == "AI-0003"

    initiatives.update(window.ws, "AI-0003", {"name": "Renamed elsewhere"})
    page.refresh()
    _settle(window)
    assert read[-1] == "AI-0003" and "Renamed elsewhere" in page.detail.title.text()  # read afresh
    read.clear()

    page.register.select_key("AI-0004")  # moving on reads the next one
    _settle(window)
    assert read == ["AI-0004"] and page.detail.dossier.detail.code == "AI-0004"
