"""Signing in the window: the sign dialog after the export's file dialog (certificate file or token, secrets in
masked fields, never kept), and the Signatures panel of the signed paper."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QLineEdit

from opsdesk.domain.enums import MeetingStatus
from opsdesk.services.committee import meetings as committee
from opsdesk.services.signing import papers, trust
from opsdesk.services.signing.credentials import Pkcs11Token, Pkcs12File
from opsdesk.services.signing.timestamping import TsaServer
from opsdesk.store import audit
from opsdesk.ui.dialogs.signing import SignaturesDialog, SignDialog
from tests.signing.conftest import alice, pki  # noqa: F401 - fixtures shared with the signing tests
from tests.signing.pki import PASSPHRASE, ThrowawayCA


def test_sign_dialog_masks_secrets_checks_choices_and_forgets(qtbot, monkeypatch, tmp_path: Path,  # noqa: F811
                                                             alice: Path) -> None:  # noqa: F811
    monkeypatch.delenv("OPSDESK_TSA_URL", raising=False)
    dlg = SignDialog("minutes.pdf")
    qtbot.addWidget(dlg)
    assert dlg.passphrase.echoMode() is QLineEdit.EchoMode.Password
    assert dlg.pin.echoMode() is QLineEdit.EchoMode.Password
    assert "Choose the certificate file" in dlg.check()
    dlg.p12_path.setText(str(tmp_path / "missing.p12"))
    assert "does not exist" in dlg.check()
    dlg.p12_path.setText(str(alice))
    dlg.passphrase.setText(PASSPHRASE)
    dlg.role.setText("Chair")
    assert dlg.check() == ""
    cred = dlg.credential()
    assert isinstance(cred, Pkcs12File) and cred.passphrase == PASSPHRASE.encode() and dlg.role_text() == "Chair"
    assert PASSPHRASE not in repr(cred)  # never in a log line or a traceback
    assert dlg.time_stamp() is None  # no authority configured: B-B, and the dialog says there is no trusted time
    assert "no trusted time" in " ".join(w.text() for w in dlg.findChildren(QLabel))
    monkeypatch.setenv("OPSDESK_TSA_URL", "http://tsa.enclave.local/")
    configured = SignDialog("x.pdf")
    qtbot.addWidget(configured)
    assert configured.time_stamp() == TsaServer("http://tsa.enclave.local/")
    dlg.token_choice.setChecked(True)
    assert dlg.pages.currentIndex() == 1 and "PKCS#11 library" in dlg.check()
    dlg.library.setText("/usr/lib/softhsm/libsofthsm2.so")
    assert "token's label" in dlg.check()
    dlg.token.setText("CARD")
    dlg.pin.setText("1234")
    token = dlg.credential()
    assert isinstance(token, Pkcs11Token) and token.pin == "1234" and token.key_label is None
    dlg.grab().save(str(tmp_path / "sign_dialog.png"))
    dlg.reject()
    assert dlg.passphrase.text() == "" and dlg.pin.text() == ""


def test_export_signed_minutes_then_see_who_signed(window, demo_ws, qtbot, tmp_path: Path, alice: Path,  # noqa: F811
                                                   pki: ThrowawayCA) -> None:  # noqa: F811
    trust.trust(demo_ws, pki.pem)
    page = window.go_to("committee")
    window.settle()
    closed = next(m for m in committee.list_meetings(demo_ws) if m.status is MeetingStatus.CLOSED)
    page.select_meeting(closed.id)
    window.settle()
    page.ask_path = lambda name: str(tmp_path / name)
    seen: dict[str, object] = {}

    def fill(dlg: SignDialog) -> bool:
        seen["masked"] = dlg.passphrase.echoMode() is QLineEdit.EchoMode.Password
        dlg.p12_path.setText(str(alice))
        dlg.passphrase.setText(PASSPHRASE)
        dlg.role.setText("Chair")
        seen["dialog"] = dlg
        return dlg.check() == ""

    page.run_dialog = fill
    before = audit.count(demo_ws)
    window.actions_.get("export_signed").trigger()  # File ▸ Export signed…: a closed meeting, no item: minutes
    qtbot.waitUntil(lambda: page.last_export is not None or page.last_error is not None, timeout=60_000)
    assert page.last_error is None, page.last_error
    result = page.last_export
    assert seen["masked"] and result.signed_path == tmp_path / f"minutes-meeting-{closed.id}.signed.pdf"
    assert result.signed_path.read_bytes().startswith(result.path.read_bytes())
    assert seen["dialog"].passphrase.text() == ""  # not kept once the export has it
    assert papers.verify_file(demo_ws, result.signed_path).ok
    events = audit.recent(demo_ws, audit.count(demo_ws) - before)
    assert {e.action for e in events} == {"export", "sign"}
    assert all(PASSPHRASE not in str(e.after) for e in events)

    qtbot.waitUntil(lambda: getattr(window, "signatures_dialog", None) is not None, timeout=30_000)
    panel: SignaturesDialog = window.signatures_dialog
    assert panel.table.rowCount() == 1
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert row[0] == "Alice Chair" and row[-1] == "valid" and "Every signature is valid" in panel.summary.text()
    panel.grab().save(str(tmp_path / "signatures_panel.png"))
    panel.close()


def test_the_panel_says_what_is_wrong_with_a_tampered_paper(window, demo_ws, qtbot, tmp_path: Path,  # noqa: F811
                                                            alice: Path) -> None:  # noqa: F811
    from opsdesk.services.signing import pades

    src = tmp_path / "paper.pdf"
    from opsdesk.reports import fonts

    fonts.one_page_pdf(src, "Paper", "Text")
    out, _ = pades.sign_file(src, Pkcs12File(alice, PASSPHRASE.encode()), role="Chair")
    data = bytearray(out.read_bytes())
    data[data.index(b"stream") + 30] ^= 1
    out.write_bytes(bytes(data))
    window.show_signatures(out)
    qtbot.waitUntil(lambda: getattr(window, "signatures_dialog", None) is not None, timeout=30_000)
    panel = window.signatures_dialog
    assert panel.table.item(0, panel.table.columnCount() - 1).text() == "NOT VALID"
    assert "NOT VALID" in panel.summary.text() and "changed after signing" in panel.details.text()
