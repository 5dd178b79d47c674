"""The Risks & Incidents page: the register with filters and its two heat maps, impact assessments, incidents;
every edit undoable."""

from __future__ import annotations

from opsdesk.services.risk import incidents, risks
from opsdesk.ui.widgets.heat_map import HeatMapModel


def _settle(window):
    window.settle()
    window.settle()


def shown(register) -> list:
    return [register.proxy.row_at(r) for r in range(register.proxy.rowCount())]


def test_heat_map_model_passes_the_model_tester(qtmodeltester):
    model = HeatMapModel()
    model.set_grid([[1, 0, 0, 0, 0], [0] * 5, [0] * 5, [0] * 5, [0, 0, 0, 0, 3]])
    qtmodeltester.check(model)
    assert model.index(0, 4).data() == "3"  # top right: impact 5, likelihood 5
    assert model.index(4, 0).data() == "1"  # bottom left: impact 1, likelihood 1


def test_the_register_filters_and_the_heat_maps_count_open_risks(window, tmp_path):
    page = window.go_to("risks")
    _settle(window)
    everything = risks.list_risks(window.ws)
    open_risks = [r for r in everything if r.status.value == "open"]
    assert page.register.model.total == len(everything) >= 15
    inherent = page.inherent_map.model.grid
    assert sum(map(sum, inherent)) == len(open_risks)
    for r in open_risks[:5]:
        assert inherent[r.impact - 1][r.likelihood - 1] >= 1
    residual = page.residual_map.model.grid
    assert sum(map(sum, residual)) == len(open_risks)

    page.initiative_filter.setCurrentIndex(page.initiative_filter.findData("AI-0001"))
    assert {r.ref for r in shown(page.register)} == {r.ref for r in everything if r.initiative_code == "AI-0001"}
    assert sum(map(sum, page.inherent_map.model.grid)) == 3  # the maps follow the filters
    page.initiative_filter.setCurrentIndex(0)
    page.rating_filter.setCurrentIndex(page.rating_filter.findData("high"))
    assert shown(page.register) and all(r.residual.value == "high" for r in shown(page.register))
    page.rating_filter.setCurrentIndex(0)

    target = next(r for r in open_risks if r.residual.value == "high")
    li, im = target.residual_score
    page.residual_map.table.clicked.emit(page.residual_map.model.index(5 - im, li - 1))
    assert target.ref in {r.ref for r in shown(page.register)}
    assert all(r.residual_score == (li, im) for r in shown(page.register))
    page.register.select_key(target.id)
    assert target.title in page.risk_detail.text()
    window.grab().save(str(tmp_path / "risks.png"))
    page._clear_cell()
    assert page.register.proxy.rowCount() == len(open_risks)


def test_a_risk_is_added_edited_deleted_and_undone(window):
    page = window.go_to("risks")
    _settle(window)
    total = page.register.model.total
    page.new_risk()
    form = page.form
    form.set_text("initiative_code", "AI-0004")
    form.set_text("title", "")
    assert not form.ok_button.isEnabled()
    form.set_text("title", "Contractor loses the labelled imagery")
    form.set_text("category", "security")
    form.set_text("likelihood", "4")
    form.set_text("impact", "4")
    form.set_text("mitigations", "Encrypt the imagery at rest; ben.castillo@dps.example.gov; 2027-01-31; planned\n"
                                 "Contract clause on data return; ; 2027-02-28")
    assert form.ok_button.isEnabled()
    form.set_text("mitigations", "Encrypt; ; not-a-date")
    assert not form.ok_button.isEnabled() and "line 1" in form.reasons["mitigations"].text()
    form.set_text("mitigations", "Encrypt the imagery at rest; ben.castillo@dps.example.gov; 2027-01-31; planned")
    form.accept()
    _settle(window)
    (made,) = [r for r in risks.list_risks(window.ws, initiative_code="AI-0004") if r.category.value == "security"]
    assert made.ref == "AI-0004-R3" and made.inherent.value == "high" and len(made.mitigations) == 1
    assert page.register.model.total == total + 1

    page.register.select_key(made.id)
    page.edit_risk()
    page.form.set_text("residual_likelihood", "2")
    page.form.set_text("residual_impact", "3")
    page.form.accept()
    _settle(window)
    assert risks.find(window.ws, made.ref).residual.value == "medium"
    window.undo.undo()
    _settle(window)
    assert risks.find(window.ws, made.ref).residual.value == "high"

    page.register.select_key(made.id)
    page.delete_risk()
    _settle(window)
    assert page.register.model.total == total
    window.undo.undo()
    _settle(window)
    back = risks.find(window.ws, "AI-0004-R3")
    assert back.title == made.title and back.mitigation_values() == made.mitigation_values()


def test_incidents_tab_lists_filters_and_records_corrective_actions(window, tmp_path):
    page = window.go_to("risks")
    _settle(window)
    page.tabs.setCurrentIndex(2)
    everything = incidents.list_incidents(window.ws)
    assert page.incident_register.model.total == len(everything) >= 4
    page.severity_filter.setCurrentIndex(page.severity_filter.findData("serious"))
    page.incident_status.setCurrentIndex(page.incident_status.findData("open"))
    (serious,) = shown(page.incident_register)
    assert serious.ref == "AI-0001-INC1" and serious.severity == 2
    page.incident_register.select_key(serious.id)
    assert "Corrective actions" in page.incident_detail.text()
    window.grab().save(str(tmp_path / "incidents.png"))
    page.add_action()
    page.form.set_text("title", "Publish a notice to affected claimants")
    page.form.accept()
    _settle(window)
    assert len(incidents.find(window.ws, serious.ref).actions) == len(serious.actions) + 1
    window.undo.undo()
    _settle(window)
    assert len(incidents.find(window.ws, serious.ref).actions) == len(serious.actions)
    page.tabs.setCurrentIndex(1)
    assert page.assessment_register.model.total >= 3


def test_a_bad_csv_is_refused_from_the_page_and_a_good_one_lands(window, tmp_path, monkeypatch):
    from opsdesk.ui import errors

    shown_errors: list[str] = []
    monkeypatch.setattr(errors, "show_user_error", lambda _parent, exc: shown_errors.append(str(exc)))
    page = window.go_to("risks")
    _settle(window)
    total = page.register.model.total
    bad = tmp_path / "bad.csv"
    bad.write_text("Initiative,Title,Category,Likelihood,Impact\nAI-0004,Flood damage,weather,2,2\n",
                   encoding="utf-8")
    page.import_file("risks", str(bad))
    _settle(window)
    assert shown_errors and "bad.csv, row 2, Category" in shown_errors[0]
    good = tmp_path / "good.csv"
    good.write_text("Initiative,Title,Category,Likelihood,Impact\nAI-0004,Flood damage,safety,2,2\n",
                    encoding="utf-8")
    page.import_file("risks", str(good))
    _settle(window)
    assert page.register.model.total == total + 1


def test_the_decision_dialog_asks_for_an_incident_override(qtbot, demo_ws):
    from PySide6.QtWidgets import QDialogButtonBox

    from opsdesk.domain.enums import Outcome, VoteChoice
    from opsdesk.services.committee import charter
    from opsdesk.services.committee import meetings as committee
    from opsdesk.ui.dialogs.decision import DecisionDialog

    planned = [m for m in committee.list_meetings(demo_ws) if m.status.value == "planned"][0]
    item = next(i for i in planned.items if i.kind.value == "stage_gate")
    ch = charter.get(demo_ws)
    members = ch.members
    committee.set_attendance(demo_ws, planned.id, [m.person_id for m in members if m.role.value in ("chair", "member")])
    meeting = committee.get_meeting(demo_ws, planned.id)
    item = next(i for i in meeting.items if i.id == item.id)
    dlg = DecisionDialog(meeting, item, members, ch.charter,
                         serious_incidents=["AI-0005-INC9 (severity 1): Outage"])
    qtbot.addWidget(dlg)
    for pid in dlg.vote_boxes:
        dlg.set_vote(pid, VoteChoice.FOR)
    dlg.set_outcome(Outcome.APPROVED)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "open serious incident" in dlg.status.text()
    dlg.incident_override.setText("The outage was in the system this pilot replaces.")
    assert ok.isEnabled() and dlg.value().incident_override.startswith("The outage")
    dlg.set_outcome(Outcome.DEFERRED)
    dlg.incident_override.setText("")
    assert ok.isEnabled()  # deferring needs no override
