"""Adopting minutes in the window (issue 17, point 3): the adopt action asks for the chair's certificate (secret in
a masked field, never kept), signs the adopted minutes, keeps the signed form and shows the chair's signature as
valid in the Signatures panel; a certificate that is not the chair's is refused and nothing is recorded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLineEdit

from opsdesk.services.committee import papers
from opsdesk.services.signing import trust
from opsdesk.store import audit
from opsdesk.ui.dialogs.signing import AdoptMinutesDialog, SignaturesDialog
from tests.signing.conftest import pki  # noqa: F401 - the throw-away CA of the signing tests
from tests.signing.pki import PASSPHRASE, ThrowawayCA
from tests.signing.test_minutes_adoption import CHAIR, Q4_2026, approve_minutes


def _adopt_with(window, page, qtbot, cert: Path, seen: dict, shots: Path) -> None:
    def fill(dlg: AdoptMinutesDialog) -> bool:
        seen["masked"] = dlg.passphrase.echoMode() is QLineEdit.EchoMode.Password
        seen["note"] = dlg.note.text()
        seen["role"] = dlg.role_text()
        dlg.p12_path.setText(str(cert))
        dlg.passphrase.setText(PASSPHRASE)
        seen["dialog"] = dlg
        dlg.grab().save(str(shots / "adopt-dialog.png"))
        return dlg.check() == ""

    page.run_dialog = fill
    page.last_error = page.last_adoption = None
    assert page.adopt_btn.isEnabled()
    page.adopt_btn.click()
    qtbot.waitUntil(lambda: page.last_adoption is not None or page.last_error is not None, timeout=60_000)


def test_the_chair_adopts_the_minutes_by_signing_them_in_the_window(window, demo_ws, qtbot, tmp_path: Path,
                                                                    pki: ThrowawayCA) -> None:  # noqa: F811
    approve_minutes(demo_ws)
    trust.trust(demo_ws, pki.pem)
    page = window.go_to("committee")
    page.refresh()
    window.settle()
    page.select_meeting(Q4_2026)
    window.settle()
    seen: dict = {}
    # a member who is not the chair: refused with the reason, nothing recorded
    other = pki.person("Rosa Jiménez", email="rosa.jimenez@dps.example.gov")[0]
    before = audit.count(demo_ws)
    _adopt_with(window, page, qtbot, other, seen, tmp_path)
    assert page.last_error is not None and "not the chair" in str(page.last_error)
    assert audit.count(demo_ws) == before and papers.minutes_state(demo_ws, Q4_2026).state == "approved"
    assert seen["masked"] and seen["role"] == "Chair" and CHAIR[1] in seen["note"] and "e-mail" in seen["note"]
    # the chair: adopted, the signed form kept, the Signatures panel shows the chair's signature as valid
    chair = pki.person(CHAIR[0], email=CHAIR[1])[0]
    _adopt_with(window, page, qtbot, chair, seen, tmp_path)
    assert page.last_error is None, page.last_error
    assert seen["dialog"].passphrase.text() == ""  # not kept once the signature has it
    assert papers.minutes_state(demo_ws, Q4_2026).state == "adopted"
    signed = papers.issued_bytes(demo_ws, "OPS-MIN-M008", papers.SIGNED)
    assert signed is not None and signed == page.last_adoption.data
    assert all(PASSPHRASE not in str(e.after) for e in audit.recent(demo_ws, 10))
    qtbot.waitUntil(lambda: getattr(window, "signatures_dialog", None) is not None, timeout=30_000)
    panel: SignaturesDialog = window.signatures_dialog
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert panel.table.rowCount() == 1 and row[0] == CHAIR[0] and row[-1] == "valid"
    window.settle()
    assert not page.adopt_btn.isEnabled()  # adopted: nothing left to adopt
    panel.grab().save(str(tmp_path / "adopt-signatures.png"))
    window.grab().save(str(tmp_path / "adopt-window.png"))
    (tmp_path / "adopted.signed.pdf").write_bytes(signed)  # pdftoppm: the chair's block on the last page
    panel.close()
