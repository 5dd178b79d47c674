"""Signing in the window: the sign options of the export (a certificate file or a smart card/token, the
passphrase or PIN in a masked field that is never stored) and the Signatures panel of a signed paper."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsdesk.services.signing.credentials import Credential, Pkcs11Token, Pkcs12File
from opsdesk.services.signing.pades import NO_TRUSTED_TIME
from opsdesk.services.signing.timestamping import TsaServer
from opsdesk.services.signing.validation import PdfReport
from opsdesk.ui import file_dialogs


def _file_row(edit: QLineEdit, caption: str, pattern: str, purpose: str, parent: QWidget) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit, 1)
    browse = QPushButton("Browse…")
    browse.setAccessibleName(f"Browse for {caption.lower()}")

    def pick() -> None:
        path = file_dialogs.open_file(parent, purpose, caption, pattern)
        if path:
            edit.setText(path)

    browse.clicked.connect(pick)
    lay.addWidget(browse)
    return row


class SignDialog(QDialog):
    """Who signs and with what. ``credential()`` builds the key source; the secret lives only in the masked
    field and in that value, and the dialog clears its field when it closes."""

    def __init__(self, paper: str, parent: QWidget | None = None, *, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign the paper")
        self.file_choice = QRadioButton("Certificate &file (PKCS#12)")
        self.token_choice = QRadioButton("Smart card or &token (PKCS#11)")
        self.file_choice.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.file_choice)
        group.addButton(self.token_choice)

        self.p12_path = QLineEdit()
        self.p12_path.setAccessibleName("Certificate file")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        file_page = QWidget()
        ff = QFormLayout(file_page)
        ff.addRow("Certificate file", _file_row(self.p12_path, "Certificate file",
                                                "Certificates (*.p12 *.pfx);;All files (*)", "certificates", self))
        ff.addRow("Passphrase", self.passphrase)

        self.library = QLineEdit()
        self.library.setAccessibleName("PKCS#11 library")
        self.token = QLineEdit()
        self.token.setAccessibleName("Token label")
        self.key_label = QLineEdit()
        self.key_label.setAccessibleName("Key label")
        self.key_label.setPlaceholderText("the only key on the token")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("PIN")
        token_page = QWidget()
        tf = QFormLayout(token_page)
        tf.addRow("PKCS#11 library", _file_row(self.library, "PKCS#11 library",
                                               "Libraries (*.so *.dll *.dylib);;All files (*)", "pkcs11", self))
        tf.addRow("Token label", self.token)
        tf.addRow("Key label", self.key_label)
        tf.addRow("PIN", self.pin)

        self.pages = QStackedWidget()
        self.pages.addWidget(file_page)
        self.pages.addWidget(token_page)
        self.file_choice.toggled.connect(lambda on: self.pages.setCurrentIndex(0 if on else 1))

        self.role = QLineEdit()
        self.role.setAccessibleName("Role")
        self.role.setPlaceholderText("e.g. Chair")
        self.tsa_url = QLineEdit(os.environ.get("OPSDESK_TSA_URL", ""))
        self.tsa_url.setAccessibleName("Time-stamp authority")
        self.tsa_url.setPlaceholderText("none: no trusted time (PAdES B-B)")
        self.tsa_url.setToolTip("The RFC 3161 time-stamp authority inside the enclave (from $OPSDESK_TSA_URL); "
                                "with one the signature is PAdES B-T")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        note = QLabel((note or f"Writes {Path(paper).stem}.signed.pdf beside {paper}.") + " Without a time-stamp "
                      "authority: " + NO_TRUSTED_TIME.split(" (")[0] + ". The passphrase or PIN is used for this "
                      "signature only and never stored.")
        note.setWordWrap(True)
        self.note = note
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign")
        self.buttons.accepted.connect(self._check_and_accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(self.file_choice)
        lay.addWidget(self.token_choice)
        lay.addWidget(self.pages)
        form = QFormLayout()
        form.addRow("Role", self.role)
        form.addRow("Time-stamp authority", self.tsa_url)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.rejected.connect(self.forget)

    def _check_and_accept(self) -> None:
        problem = self.check()
        self.problem.setText(problem)
        if not problem:
            self.accept()

    def check(self) -> str:
        if self.file_choice.isChecked():
            if not self.p12_path.text().strip():
                return "Choose the certificate file."
            if not Path(self.p12_path.text().strip()).is_file():
                return "The certificate file does not exist."
            return ""
        if not self.library.text().strip():
            return "Choose the PKCS#11 library of the card or token."
        if not self.token.text().strip():
            return "Give the token's label."
        return ""

    def credential(self) -> Credential:
        if self.file_choice.isChecked():
            secret = self.passphrase.text()
            return Pkcs12File(Path(self.p12_path.text().strip()), secret.encode("utf-8") if secret else None)
        return Pkcs11Token(Path(self.library.text().strip()), self.token.text().strip(),
                           self.key_label.text().strip() or None, self.pin.text() or None)

    def role_text(self) -> str:
        return self.role.text().strip()

    def time_stamp(self) -> TsaServer | None:
        url = self.tsa_url.text().strip()
        return TsaServer(url) if url else None

    def forget(self, _result: int = 0) -> None:
        """Clear the masked fields (the export already holds what it needs)."""
        self.passphrase.clear()
        self.pin.clear()


class AdoptMinutesDialog(SignDialog):
    """Adopting minutes: the chair signs them. Says who the chair is and which certificates count as theirs."""

    def __init__(self, meeting: str, chairs: list[tuple[str, str]], rule: str, parent: QWidget | None = None) -> None:
        who = "; ".join(f"{name} <{email}>" for name, email in chairs) or "nobody: set a chair on the People page"
        super().__init__("minutes.pdf", parent,
                         note=f"The minutes of {meeting} are adopted when the chair signs them. Chair: {who}. "
                              f"{rule} The signed minutes are kept in the workspace.")
        self.setWindowTitle("Adopt the minutes — the chair's signature")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign and adopt")
        self.role.setText("Chair")
        self.setMinimumWidth(560)


class SignaturesDialog(QDialog):
    """Who signed a paper and whether each signature holds, as ``opsdesk verify-pdf`` says."""

    COLUMNS = ("Signer", "Signed at", "Time", "Level", "Intact", "Unchanged since", "Trusted", "Valid then",
               "Verdict")

    def __init__(self, report: PdfReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Signatures — {report.file}")
        self.report = report
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(report.signatures), len(self.COLUMNS))
        self.table.setAccessibleName("Signatures")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, s in enumerate(report.signatures):
            values: list[Any] = [s.signer, (s.signed_at or "")[:19].replace("T", " "), s.time_source, s.level,
                                 s.intact, s.unchanged_since, s.trusted, s.valid_at_signing_time,
                                 "valid" if s.ok else "NOT VALID"]
            for col, v in enumerate(values):
                text = ("yes" if v else "no") if isinstance(v, bool) else str(v)
                item = QTableWidgetItem(text)
                if (isinstance(v, bool) and not v) or text == "NOT VALID":
                    item.setForeground(Qt.GlobalColor.darkRed)
                item.setToolTip("\n".join(s.problems + s.notes) or "No problem found")
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.currentCellChanged.connect(lambda r, _c, _pr, _pc: self._show(r))
        n = len(report.signatures)
        if report.ok:
            verdict = "Every signature is valid."
        elif report.problems:
            verdict = "NOT VALID: " + "; ".join(report.problems) + "."
        else:
            verdict = "NOT VALID: at least one signature does not hold (select it for the reason)."
        self.summary.setText(f"{report.file}: {report.pages} page(s), {n} signature(s). {verdict}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.details)
        lay.addWidget(buttons)
        self.resize(900, 320)
        if n:
            self.table.setCurrentCell(0, 0)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.report.signatures):
            self.details.clear()
            return
        s = self.report.signatures[row]
        lines = [f"{s.field_name}: {s.subject}, issued by {s.issuer} (serial {s.serial}). Changes after "
                 f"signing: {s.changes}."]
        lines += [f"Problem: {p}" for p in s.problems] + [f"Note: {n}" for n in s.notes]
        self.details.setText("\n".join(lines))
