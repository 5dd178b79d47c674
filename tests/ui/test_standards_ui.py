"""The Standards page and the skills widgets, driven as a user would (pytest-qt), and their table models."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox

from opsdesk.domain.enums import ConformanceStatus
from opsdesk.services.registry import people
from opsdesk.services.standards import catalog, conformance, skills


@pytest.fixture
def page(window):
    p = window.go_to("standards")
    window.settle()
    return p


def _cell_text(page, code, key):
    page.matrix_tab.select_cell(code, key)
    return page.matrix_tab.matrix_table.currentIndex().data()


def test_catalogue_lists_standards_by_category_with_requirements(page, window, tmp_path):
    model = page.std_proxy
    rows = [(model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())]
    assert rows[0] == ("Data formats", "DATA-FMT")
    assert ("Cost allocation methodologies", "COST-ALLOC") in rows
    assert ("Model development practices", "OMB-M-25-21") in rows
    page.select_standard("COST-ALLOC")
    window.settle()
    assert page.req_model.rowCount() == 3 and page.req_model.index(0, 2).data() == "pilot, expand, production"
    html = page.methods.toPlainText()
    assert "Initiative tag" in html and "AI-0001" in html and "even split over 3 initiatives" in html
    window.grab().save(str(tmp_path / "standards.png"))


def test_matrix_is_colour_coded_and_filterable(page, window):
    from opsdesk.ui.models.standards import STATUS_ROLE

    assert page.matrix_tab.matrix_proxy.rowCount() == 14
    page.matrix_tab.select_cell("AI-0005", "ML-PRAC:MP-1")
    index = page.matrix_tab.matrix_table.currentIndex()
    assert index.data() == "W!" and index.data(STATUS_ROLE) == "expired"
    assert index.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#e57373"
    window.settle()
    assert "4 of 8 criteria not met" in page.matrix_tab.gate.toPlainText()
    assert "waiver expired on 2026-10-01" in page.matrix_tab.gate.toPlainText()
    all_columns = page.matrix_tab.matrix_proxy.columnCount()
    page.matrix_tab.standard_filter.setCurrentIndex(page.matrix_tab.standard_filter.findData("OMB-M-25-21 2025-04"))
    assert page.matrix_tab.matrix_proxy.columnCount() == 2 + 7 < all_columns
    page.matrix_tab.gaps_only.setChecked(True)
    visible = {page.matrix_tab.matrix_proxy.index(r, 0).data().split()[0] for r in range(page.matrix_tab.matrix_proxy.rowCount())}
    assert visible == {"AI-0001", "AI-0011"}  # the live high-impact initiatives, with OMB gaps
    page.matrix_tab.matrix_search.setText("wildfire")
    assert page.matrix_tab.matrix_proxy.rowCount() == 1


def test_recording_a_waiver_through_the_dialog(page, window, qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    assert _cell_text(page, "AI-0008", "DATA-FMT:DF-2") == "✗"
    dialog = page.matrix_tab.conformance_dialog()
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.status.setCurrentIndex(dialog.status.findData(ConformanceStatus.WAIVED.value))
    assert not save.isEnabled() and "a waiver needs a reason" in dialog.problem.text()
    qtbot.keyClicks(dialog.waiver_reason, "Owner appointed next quarter")
    assert not save.isEnabled() and "approver" in dialog.problem.text()
    qtbot.keyClicks(dialog.waiver_approver, "Amara Okafor")
    assert save.isEnabled()
    dialog.evidence.setPlainText("Interim owner named in the minutes.")
    expiry = dialog.values()["waiver_expires"]
    page.matrix_tab.save_dialog(dialog)
    window.settle()
    window.settle()
    row = next(c for c in conformance.list_conformance(window.ws, "AI-0008") if c.requirement_code == "DF-2")
    assert (row.status, row.waiver_approver, row.waiver_expires) == (ConformanceStatus.WAIVED, "Amara Okafor", expiry)
    assert row.reviewer == "Chloé Martin"  # kept from the earlier review
    assert _cell_text(page, "AI-0008", "DATA-FMT:DF-2") == "W"
    assert page.matrix_tab.matrix_model.matrix.by_initiative["AI-0008"] == 100


def test_requirement_is_edited_in_place_and_library_adoption_and_versions_show_up(page, window):
    page.select_standard("DATA-FMT")
    window.settle()
    index = page.req_model.index(0, 1)
    assert page.req_model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert page.req_model.setData(index, "Curated datasets are Parquet files with a published schema.")
    window.settle()
    window.settle()
    std = next(s for s in catalog.list_standards(window.ws) if s.code == "DATA-FMT")
    assert std.requirements[0].text == "Curated datasets are Parquet files with a published schema."
    page.adopt_from_library("focus-1.2-cost-data")
    window.settle()
    window.settle()
    codes = {page.std_proxy.index(r, 1).data() for r in range(page.std_proxy.rowCount())}
    assert "COST-FOCUS" in codes
    page.publish_new_version(std.id, "1.1")
    window.settle()
    window.settle()
    versions = {(page.std_proxy.index(r, 1).data(), page.std_proxy.index(r, 2).data(),
                 page.std_proxy.index(r, 5).data()) for r in range(page.std_proxy.rowCount())}
    assert {("DATA-FMT", "1.0", "Retired"), ("DATA-FMT", "1.1", "Adopted")} <= versions


def test_standards_models_pass_qtmodeltester(qtmodeltester, demo_ws):
    from opsdesk.ui.models.standards import (
        ConformanceMatrixModel,
        MatrixFilterProxy,
        RequirementsModel,
        StandardsModel,
    )

    stds = catalog.list_standards(demo_ws)
    m = conformance.matrix(demo_ws, as_of=dt.date(2026, 11, 30))
    catalogue = StandardsModel()
    catalogue.set_data(stds, m.by_standard)
    qtmodeltester.check(catalogue)
    reqs = RequirementsModel()
    reqs.set_rows(stds[0].requirements)
    qtmodeltester.check(reqs)
    matrix = ConformanceMatrixModel()
    matrix.set_matrix(m)
    qtmodeltester.check(matrix)
    proxy = MatrixFilterProxy()
    proxy.setSourceModel(matrix)
    proxy.set_filters(standard="ML-PRAC 1.0", gaps_only=True)
    qtmodeltester.check(proxy)


def test_skills_models_pass_qtmodeltester(qtmodeltester, demo_ws):
    from opsdesk.ui.models.skills import SkillColumnsProxy, SkillsMatrixModel, TrainingModel, cell_levels

    model = SkillsMatrixModel()
    model.set_data(people.list_all(demo_ws), skills.list_skills(demo_ws), cell_levels(skills.levels(demo_ws)))
    qtmodeltester.check(model)
    proxy = SkillColumnsProxy()
    proxy.setSourceModel(model)
    proxy.set_discipline("finance")
    qtmodeltester.check(proxy)
    training = TrainingModel()
    training.set_data(skills.list_training(demo_ws), {p.id: p.name for p in people.list_all(demo_ws)},
                      dt.date(2026, 11, 30))
    qtmodeltester.check(training)


@pytest.fixture
def matrix_view(window, qtbot):
    from opsdesk.ui.pages.skills import SkillsMatrixView

    view = SkillsMatrixView(window.ctx)
    qtbot.addWidget(view)
    view.resize(1440, 900)
    view.show()
    view.refresh()
    window.settle()
    return view


def _matrix_index(view, person: str, skill: str):
    m = view.model
    row = [p.name for p in m.people].index(person)
    col = m.FIXED + [k.name for k in m.skills].index(skill)
    return view.proxy.mapFromSource(m.index(row, col)), m.people[row].id, m.skills[col - m.FIXED].id


def test_editing_the_heat_map_in_place_saves_and_undoes(matrix_view, window, qtbot, tmp_path):
    view = matrix_view
    index, person_id, skill_id = _matrix_index(view, "Oliver Grant", "FinOps cost allocation")
    before = skills.levels(window.ws).get((person_id, skill_id), 0)
    assert before == 1 and [d.value for d in _coverage(window)["AI-0006"].missing] == ["finance"]
    new = 3  # Oliver Grant, on AI-0006's team, becomes a practitioner in a finance skill
    view.table.setFocus()
    view.table.setCurrentIndex(index)
    view.table.edit(index)
    editor = view.table.findChild(QSpinBox)
    assert editor is not None and editor.isVisible()  # an in-place editor opened on the cell
    assert editor.value() == before and editor.maximum() >= 4
    editor.setValue(new)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: index.data() == new, timeout=2000)  # the delegate commits on the next event turn
    window.settle()
    window.settle()
    assert skills.levels(window.ws)[(person_id, skill_id)] == new
    assert _coverage(window)["AI-0006"].missing == []  # his team now covers finance
    window.undo.undo()
    window.settle()
    window.settle()
    assert skills.levels(window.ws).get((person_id, skill_id), 0) == before
    assert [d.value for d in _coverage(window)["AI-0006"].missing] == ["finance"]
    index = _matrix_index(view, "Oliver Grant", "FinOps cost allocation")[0]  # the reload reset the model
    assert not view.proxy.setData(index, 7)  # levels are 0–4
    view.grab().save(str(tmp_path / "skills_matrix.png"))


def _coverage(window):
    from opsdesk.analytics import skills as analytics

    return analytics.all_team_coverage(window.ws)


def test_heat_map_shows_cross_training_and_imports_with_errors(matrix_view, window, tmp_path):
    view = matrix_view
    text = view.analytics.toPlainText()
    assert "Teams missing a discipline (2 of 12)" in text and "AI-0006" in text
    assert "Suggested pairings (8)" in text
    view.discipline.setCurrentIndex(view.discipline.findData("finance"))
    assert view.proxy.columnCount() == 2 + 2
    bad = tmp_path / "levels.csv"
    bad.write_text("Employee ID,Skill,Proficiency Level\nnobody@x.gov,Drift detection,2\n", encoding="utf-8")
    view.import_file(bad)
    window.settle()
    assert "levels.csv, row 2, Employee ID" in view.message.text()


def test_training_view_lists_records_flags_expiry_and_adds_one(window, qtbot, tmp_path):
    from opsdesk.ui.pages.skills import TrainingView

    view = TrainingView(window.ctx)
    qtbot.addWidget(view)
    view.resize(1440, 900)
    view.show()
    view.refresh()
    window.settle()
    n = view.proxy.rowCount()
    assert n == len(skills.list_training(window.ws)) > 0
    assert "certificates expire within 90 days" in view.summary.text()
    ben = people.list_all(window.ws)[1]
    view.add_record(ben.id, {"course": "Cost allocation clinic", "provider": "FinOps Office", "hours": "3",
                             "completed_on": dt.date(2026, 11, 1), "discipline": "finance"})
    window.settle()
    window.settle()
    assert view.proxy.rowCount() == n + 1
    view.search.setText("clinic")
    assert view.proxy.rowCount() == 1
    view.grab().save(str(tmp_path / "training.png"))


def test_read_only_workspace_offers_no_editing(qtbot, demo_path):
    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.main_window import MainWindow
    from opsdesk.ui.pages.skills import SkillsMatrixView

    ws = lifecycle.open_workspace(demo_path, read_only=True)
    w = MainWindow(ws)
    qtbot.addWidget(w)
    try:
        w.show()
        w.settle()
        page = w.go_to("standards")
        w.settle()
        assert not page.matrix_tab.record_button.isEnabled() and not page.adopt_button.isEnabled()
        assert not (page.req_model.flags(page.req_model.index(0, 1)) & Qt.ItemFlag.ItemIsEditable)
        view = SkillsMatrixView(w.ctx)
        qtbot.addWidget(view)
        view.refresh()
        w.settle()
        assert not (view.model.flags(view.model.index(0, 3)) & Qt.ItemFlag.ItemIsEditable)
        assert not view.import_button.isEnabled() and view.export_button.isEnabled()
    finally:
        w.tasks.shutdown()
        ws.close()
