"""File ▸ Exchange…, File ▸ Restore… and the read-only window of a second instance, as a user sees them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from opsdesk.services.exchange import bundles, keys
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import instance_lock, lifecycle
from opsdesk.ui.dialogs.exchange import ExchangeDialog, PlanModel
from opsdesk.ui.main_window import MainWindow


def _menu_texts(window) -> list[str]:
    file_menu = window.menuBar().actions()[0].menu()
    return [a.text().replace("&", "") for a in file_menu.actions() if a.text()]


def test_file_menu_offers_exchange_backup_and_restore(window):
    assert {"Exchange…", "Backup…", "Restore…"} <= set(_menu_texts(window))


def test_exchange_dialog_exports_then_previews_and_applies(window, qtbot, tmp_path):
    region = lifecycle.create(tmp_path / "region.opsdesk", organisation="Regional office")
    keys.trust(region, keys.export_public(window.ws, tmp_path / "hq.pub"), "Head office")

    dialog = ExchangeDialog(window.ctx, window)
    qtbot.addWidget(dialog)
    dialog.show()
    window.settle()
    assert dialog.initiative_list.count() >= 12
    for row in (0, 3):
        dialog.initiative_list.item(row).setCheckState(Qt.CheckState.Checked)
    assert dialog.checked_codes() == ["AI-0001", "AI-0004"]
    dialog.export_path.setText(str(tmp_path / "out.opsbundle"))
    dialog.start_export()
    window.settle()
    assert "Wrote out.opsbundle" in dialog.export_result.text()
    dialog.tabs.setCurrentIndex(0)
    dialog.grab().save(str(tmp_path / "exchange-export.png"))

    # the region previews the bundle in its own window's dialog, then applies it
    region_window = MainWindow(region)
    qtbot.addWidget(region_window)
    region_dialog = ExchangeDialog(region_window.ctx, region_window)
    qtbot.addWidget(region_dialog)
    region_dialog.show()
    region_dialog.tabs.setCurrentIndex(1)
    region_dialog.import_path.setText(str(tmp_path / "out.opsbundle"))
    region_dialog.start_preview()
    region_window.settle()
    assert "Signed by <b>Head office</b>" in region_dialog.summary.text()
    assert region_dialog.plan_proxy.rowCount() > 50 and region_dialog.apply_button.isEnabled()
    region_dialog.grab().save(str(tmp_path / "exchange-import.png"))
    region_dialog.start_apply()
    region_window.settle()
    assert "Applied bundle" in region_dialog.summary.text()
    assert [r.code for r in initiatives.list_rows(region)] == ["AI-0001", "AI-0004"]
    region_window.tasks.shutdown()
    region.close()


def test_exchange_dialog_refuses_an_unknown_signer_until_its_key_is_trusted(window, qtbot, tmp_path, ws):
    bundle = bundles.export_bundle(window.ws, ["AI-0002"], tmp_path / "x.opsbundle").path
    sender = ExchangeDialog(window.ctx, window)
    qtbot.addWidget(sender)
    sender.export_public_key(str(tmp_path / "hq.json"))
    window.settle()
    assert "Public key written" in sender.key_label.text()

    other = MainWindow(ws)  # a workspace that does not trust the demo's key yet
    qtbot.addWidget(other)
    dialog = ExchangeDialog(other.ctx, other)
    qtbot.addWidget(dialog)
    dialog.import_path.setText(str(bundle))
    dialog.start_preview()
    other.settle()
    assert "unknown key" in dialog.summary.text() and not dialog.apply_button.isEnabled()
    assert dialog.plan_proxy.rowCount() == 0
    dialog.trust_key(str(tmp_path / "hq.json"), "Head office")
    other.settle()
    assert "Now trusting 'Head office'" in dialog.key_label.text()
    assert "Signed by <b>Head office</b>" in dialog.summary.text() and dialog.apply_button.isEnabled()
    other.tasks.shutdown()


def test_plan_model_passes_qtmodeltester(qtmodeltester):
    model = PlanModel()
    model.set_items([bundles.PlanItem("initiative", "AI-0001", "update", "name"),
                     bundles.PlanItem("person", "a@b.example", "create")])
    qtmodeltester.check(model)


def test_restore_from_the_window_replaces_the_data_it_shows(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from opsdesk.ui import errors

    told: list[str] = []
    monkeypatch.setattr(errors, "dialogs_enabled", True)
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: told.append(text))
    saved = lifecycle.backup(window.ws, tmp_path / "saved.opsdesk")
    initiatives.create(window.ws, {"code": "AI-0099", "name": "Added after the backup"})
    window.settle()
    window.restore_from(str(saved))
    window.settle()
    assert "AI-0099" not in [r.code for r in initiatives.list_rows(window.ws)]
    assert told and told[0].startswith(f"Restored the workspace from {saved}")
    assert "The replaced file is kept as" in told[0]
    assert list(Path(window.ws.location).parent.glob("demo.replaced-*.opsdesk"))


def test_second_instance_window_is_read_only_and_says_why(qtbot, demo_path):
    other_process = instance_lock.acquire(demo_path)  # stands for another OpsDesk holding the file
    assert other_process is not None
    # ... with another process's name on the lock (this process's own name would mean another of its windows)
    instance_lock.lock_path(demo_path).write_text('{"pid": 424242, "host": "records-pc", "since": "2026-12-02T09:00:00Z"}')
    try:
        ws = lifecycle.open_workspace(demo_path, exclusive=True)
        w = MainWindow(ws)
        qtbot.addWidget(w)
        w.show()
        w.settle()
        assert w.windowTitle().endswith("read-only")
        assert "open in another OpsDesk process (PID" in w.ws_label.text()
        w.grab().save(str(demo_path.with_name("read-only-window.png")))
        assert not w.actions_.get("restore").isEnabled()
        w.tasks.shutdown()
        ws.close()
    finally:
        other_process.release()


def test_opening_the_window_backs_up_and_keeps_the_setting_s_count(sqlite_demo_ws):
    from PySide6.QtCore import QSettings

    from opsdesk.services.workspace import backups
    from opsdesk.ui.app import _automatic_backup

    QSettings().setValue("workspace/backups_to_keep", 2)
    for _ in range(4):
        _automatic_backup(sqlite_demo_ws)
    kept = backups.list_auto_backups(sqlite_demo_ws.location)
    assert len(kept) == 2
    assert backups.verify_file(kept[0]) > 100


def test_window_start_up_backs_up_on_the_worker(qtbot, sqlite_demo_ws):
    from opsdesk.services.workspace import backups
    from opsdesk.ui.app import _automatic_backup

    w = MainWindow(sqlite_demo_ws)
    qtbot.addWidget(w)
    _automatic_backup(sqlite_demo_ws, w.tasks)
    w.settle()
    assert len(backups.list_auto_backups(sqlite_demo_ws.location)) == 1
    w.tasks.shutdown()
