"""Objectives with the alignment matrix and its flags; people with inactive hidden by default."""

from __future__ import annotations

from PySide6.QtCore import Qt

from opsdesk.services.registry import initiatives, objectives, people


def _settle(window):
    window.settle()
    window.settle()


def test_objectives_page_shows_kpis_the_matrix_and_flags(window, tmp_path):
    page = window.go_to("objectives")
    _settle(window)
    assert page.objectives.model.total == 5
    first = page.objectives.proxy
    assert [first.index(0, c).data() for c in (0, 2, 3)] == ["OBJ-01", "Median days to resolve a citizen request",
                                                              "≤ 5 days by 2027"]
    matrix = page.matrix.proxy
    headers = [matrix.headerData(c, Qt.Orientation.Horizontal) for c in range(matrix.columnCount())]
    assert headers[3:] == ["OBJ-01", "OBJ-02", "OBJ-03", "OBJ-04", "OBJ-05"]
    assert matrix.index(0, 0).data() == "AI-0001" and matrix.index(0, 3).data() == "0.7"
    assert "Objectives with no initiative: none" in page.flags.text()

    objectives.create(window.ws, {"code": "OBJ-06", "title": "Open data by default"})
    initiatives.create(window.ws, {"code": "AI-0015", "name": "Orphan pilot"})
    _settle(window)
    assert "Objectives with no initiative: OBJ-06" in page.flags.text()
    assert "Initiatives with no objective: AI-0015" in page.flags.text()
    row = page.matrix.model.row_of("AI-0015")
    assert "no objective" in page.matrix.model.index(row, 2).data()
    line = page.objectives.model.row_of("OBJ-06")
    assert page.objectives.model.index(line, 6).data() == "0"
    window.grab().save(str(tmp_path / "objectives.png"))


def test_objective_edit_validates_and_undoes(window):
    page = window.go_to("objectives")
    _settle(window)
    page.objectives.select_key("OBJ-02")
    page.edit_selected()
    form = page.form
    form.set_text("code", "OBJ-01")
    assert "already used" in form.reasons["code"].text() and not form.ok_button.isEnabled()
    form.set_text("code", "OBJ-02")
    form.set_text("kpi_target", "+25 % by 2027")
    form.accept()
    _settle(window)
    assert objectives.get(window.ws, "OBJ-02").kpi_target == "+25 % by 2027"
    window.undo.undo()
    _settle(window)
    assert objectives.get(window.ws, "OBJ-02").kpi_target == "+20 % by 2027"


def test_an_unserved_objective_is_deleted_and_undone_a_served_one_stays(window):
    page = window.go_to("objectives")
    _settle(window)
    objectives.create(window.ws, {"code": "OBJ-06", "title": "Open data by default", "owner": "CDO"})
    _settle(window)
    page.objectives.select_key("OBJ-01")  # served by initiatives: refused, nothing changes
    window.actions_.get("delete").trigger()
    _settle(window)
    assert page.objectives.model.total == 6
    page.objectives.select_key("OBJ-06")
    window.actions_.get("delete").trigger()
    _settle(window)
    assert [o.code for o in objectives.list_all(window.ws)][-1] == "OBJ-05" and page.objectives.model.total == 5
    window.undo.undo()
    _settle(window)
    back = objectives.get(window.ws, "OBJ-06")
    assert (back.title, back.owner) == ("Open data by default", "CDO") and page.objectives.model.total == 6


def test_people_hide_the_inactive_until_asked(window, tmp_path):
    page = window.go_to("people")
    _settle(window)
    register = page.people.register
    assert page.tabs.tabText(0) == "People"
    total = register.model.total
    samuel = next(p for p in register.model.all_rows() if p.name == "Samuel Otieno")
    people.deactivate(window.ws, samuel.id)
    _settle(window)
    names = [register.proxy.index(r, 0).data() for r in range(register.proxy.rowCount())]
    assert "Samuel Otieno" not in names and len(names) == total - 1
    page.people.show_inactive.setChecked(True)
    names = [register.proxy.index(r, 0).data() for r in range(register.proxy.rowCount())]
    assert "Samuel Otieno" in names
    window.grab().save(str(tmp_path / "people.png"))


def test_a_person_is_added_and_edited_through_the_form(window):
    page = window.go_to("people")
    _settle(window)
    window.actions_.get("new").trigger()
    form = page.people.form
    form.set_text("name", "Noor Haddad")
    form.set_text("email", "not-an-email")
    assert not form.ok_button.isEnabled() and form.reasons["email"].text()
    form.set_text("email", "amara.okafor@dps.example.gov")
    assert "belongs to someone else" in form.reasons["email"].text()
    form.set_text("email", "noor.haddad@dps.example.gov")
    form.set_text("discipline", "finance")
    form.set_text("committee_role", "observer")
    form.accept()
    _settle(window)
    noor = next(p for p in people.list_all(window.ws) if p.name == "Noor Haddad")
    assert (noor.discipline.value, noor.committee_role.value, noor.active) == ("finance", "observer", True)
    window.undo.undo()  # people are never deleted: undoing the addition makes her inactive
    _settle(window)
    assert not people.get(window.ws, noor.id).active
    page.people.register.select_key(next(p.id for p in people.list_all(window.ws) if p.name == "Hana Sato"))
    page.edit_selected()
    page.people.form.set_text("unit", "Applied AI Lab (North)")
    page.people.form.accept()
    _settle(window)
    assert next(p for p in people.list_all(window.ws) if p.name == "Hana Sato").unit == "Applied AI Lab (North)"


def test_each_tab_loads_when_shown_and_shows_changes_made_meanwhile(window):
    """People & Skills loads the register when the page is shown, and the skills matrix (with its cross-training
    report) and the training records when their tabs are: a change made meanwhile shows on them."""
    page = window.go_to("people")
    page.tabs.setCurrentIndex(0)
    window.settle()
    assert page.people.register.model.rowCount() > 0
    first = people.list_all(window.ws)[0]
    people.update(window.ws, first.id, {"name": "Renamed Meanwhile"})
    window.refresh_all()  # what the window does when it sees the workspace changed
    window.settle()
    assert "Renamed Meanwhile" in [p.name for p in page.people.register.model.all_rows()]
    page.tabs.setCurrentIndex(1)
    window.settle()
    assert page.skills.model.rowCount() > 0
    assert "Renamed Meanwhile" in [p.name for p in page.skills.model.people]
