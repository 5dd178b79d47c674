"""The import wizard, drag-and-drop, and the Costs page, driven as a user would."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from sqlalchemy import func, select

from opsdesk.store.models import AuditEvent, CostRecord, ImportBatch
from tests.conftest import TEST_DATA

FOCUS = TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"


def _bad_metrics(tmp_path: Path) -> Path:
    path = tmp_path / "metrics.csv"
    path.write_text("timestamp,initiative,metric,value,unit\n2026-01-01T00:00:00Z,AI-0001,Uptime,99.5,%\n"
                    "2026-01-02T00:00:00Z,AI-0001,Uptime,=1+1,%\n")
    return path


def _count(ws, model) -> int:
    with ws.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_file_import_menu_opens_the_wizard_which_previews_and_commits(window, qtbot, tmp_path: Path):
    action = window.actions_.get("import")
    assert action.text() == "&Import…" and action.shortcut().toString() == "Ctrl+I"
    assert action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    wizard = window.import_wizard
    wizard.add_paths([FOCUS, _bad_metrics(tmp_path)])
    window.settle()
    assert wizard.detected_formats() == ["FOCUS cost export", "Tidy metrics"]
    wizard.preview_button.click()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=20000)
    model = wizard.model
    rejected = [r for r in range(model.rowCount()) if model.index(r, 3).data() == "Rejected"]
    assert len(rejected) == 1
    row = rejected[0]
    assert model.index(row, 1).data() == "3" and "formula" in model.index(row, 4).data()
    assert model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is not None  # highlighted
    assert "1001 rows accepted · 1 rejected" in wizard.summary.text()
    assert wizard.partial.isEnabled() and wizard.commit_button.isEnabled()
    batches = _count(window.ws, ImportBatch)
    wizard.commit_button.click()  # refused: the user did not choose to leave the rejected row out
    window.settle()
    assert _count(window.ws, ImportBatch) == batches and "Tick" in wizard.summary.text()
    wizard.partial.setChecked(True)
    with qtbot.waitSignal(wizard.imported, timeout=30000) as blocker:
        wizard.commit_button.click()
    report = blocker.args[0]
    assert report.committed and len(report.batch_ids) == 2
    assert _count(window.ws, ImportBatch) == batches + 2
    wizard.grab().save(str(tmp_path / "wizard.png"))
    wizard.close()


def test_cancelling_a_commit_writes_nothing(window, qtbot):
    wizard = window.open_import([FOCUS])
    window.settle()
    wizard.preview_button.click()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=20000)
    records = _count(window.ws, CostRecord)
    gate = threading.Event()
    window.tasks.submit(gate.wait)  # hold the worker so Cancel lands before the commit starts
    wizard.commit_button.click()
    assert wizard.cancel.isVisible() and wizard.progress.isVisible()
    wizard.cancel.click()
    gate.set()
    qtbot.waitUntil(lambda: "Cancelled" in wizard.summary.text(), timeout=20000)
    assert "nothing was written" in wizard.summary.text()
    assert _count(window.ws, CostRecord) == records
    wizard.close()


def test_dropping_files_on_the_window_opens_the_wizard_with_them(window, tmp_path: Path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(FOCUS))])
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    window.settle()
    assert window.import_wizard.paths == [FOCUS]
    assert window.import_wizard.detected_formats() == ["FOCUS cost export"]
    window.import_wizard.close()


def test_costs_page_shows_ledger_unallocated_share_and_rules(window, qtbot, tmp_path: Path):
    page = window.go_to("costs")
    window.settle()
    keys = [page.ledger_proxy.index(r, 0).data() for r in range(page.ledger_proxy.rowCount())]
    assert "AI-0001" in keys and "Unallocated" in keys
    assert "Unallocated USD" in page.share.text() and "%" in page.share.text()
    assert page.rules_proxy.rowCount() == 2
    window.grab().save(str(tmp_path / "costs.png"))
    page.by.setCurrentIndex(1)
    window.settle()
    headers = [page.ledger_proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(page.ledger_proxy.columnCount())]
    assert headers[0] == "Service" and "Unallocated share" in headers
    page.by.setCurrentIndex(2)
    window.settle()
    assert page.ledger_proxy.rowCount() == 24


def test_editing_rules_in_the_costs_page_reapplies_them_with_an_audit_event(window, qtbot):
    page = window.go_to("costs")
    window.settle()
    before = page.share.text()
    dialog = page.add_rule()
    dialog.name.setText("Monitoring to claims")
    dialog.service.setText("Monitoring")
    dialog.target_kind.setCurrentIndex(0)
    dialog.initiatives.setText("AI-9999")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=10000)
    assert "AI-9999 does not exist" in dialog.error.text() and dialog.isVisible()
    dialog.initiatives.setText("AI-0001")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    window.settle()
    assert page.rules_proxy.rowCount() == 3 and page.share.text() != before
    with window.ws.read() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (last.action, last.note) == ("apply_rules", "rule 'Monitoring to claims' created")
    rows = [page.rules_proxy.index(r, 1).data() for r in range(page.rules_proxy.rowCount())]
    page.rules.selectRow(rows.index("Monitoring to claims"))
    edit = page.edit_rule()
    assert edit.name.text() == "Monitoring to claims" and edit.service.text() == "Monitoring"
    edit.reject()


def test_table_models_pass_qtmodeltester(qtmodeltester, demo_ws):
    from opsdesk.ingest.detect import read_path
    from opsdesk.services.finance import allocation_rules, costs
    from opsdesk.ui.models.costs import ledger_model, rules_model
    from opsdesk.ui.models.import_preview import make_model, preview_rows

    for by in ("initiative", "service"):
        model = ledger_model(by)
        model.set_rows(costs.ledger(demo_ws, by))
        qtmodeltester.check(model)
    rules = rules_model()
    rules.set_rows(allocation_rules.list_rules(demo_ws))
    qtmodeltester.check(rules)
    preview = make_model()
    preview.set_rows(preview_rows([read_path(FOCUS)]))
    qtmodeltester.check(preview)


def test_wizard_reads_with_the_options_the_user_ticks(window, qtbot, tmp_path: Path):
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("timestamp,series,value\n2026-01-01T00:00:00Z,latency,1\n2026-01-01T00:00:00Z,latency,2\n")
    wizard = window.open_import([repeated])
    window.settle()
    wizard.preview_button.click()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=20000)
    assert not wizard.plan.has_rejections and any(w.kind == "duplicate" for w in wizard.plan.report().warnings)
    wizard.strict.setChecked(True)
    assert wizard.plan is None and not wizard.commit_button.isEnabled() and "Preview again" in wizard.summary.text()
    wizard.preview_button.click()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=20000)
    assert wizard.plan.has_rejections
    wizard.grab().save(str(tmp_path / "wizard-options.png"))
    wizard.close()
