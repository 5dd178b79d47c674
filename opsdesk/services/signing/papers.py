"""The use cases: sign a PDF file (audited in the workspace), check a PDF's signatures against the workspace's
trust anchors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opsdesk.errors import ValidationError
from opsdesk.services.signing import pades, trust, validation
from opsdesk.services.signing.credentials import Credential
from opsdesk.services.signing.timestamping import TimeStampSource
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "paper"


@dataclass(frozen=True)
class SignRequest:
    """Sign as you export: whose key, in which role, with which time-stamp authority (if any)."""

    credential: Credential
    role: str = ""
    tsa: TimeStampSource | None = None


@dataclass(frozen=True)
class SignResult:
    path: Path
    signed: pades.SignedPaper


def sign_file(ws: Workspace, src: str | Path, cred: Credential, *, out: str | Path | None = None, role: str = "",
              tsa: TimeStampSource | None = None) -> SignResult:
    """Sign ``src`` into ``out`` (default ``FILE.signed.pdf``) and record it in the audit trail. The input file
    is only read; the signed file begins with its exact bytes."""
    path, signed = pades.sign_file(src, cred, out=out, role=role, tsa=tsa)
    record(ws, Path(src).name, path, signed)
    return SignResult(path, signed)


def record(ws: Workspace, paper: str, path: Path, signed: pades.SignedPaper) -> None:
    with ws.write("sign") as tx:
        audit_signature(tx, paper, path, signed)


def audit_signature(tx: Tx, paper: str, path: Path, signed: pades.SignedPaper) -> None:
    """The audit event of one signature (no secret and no key material, only who, what and the digests)."""
    tx.audit("sign", ENTITY, paper, None, {
        "file": path.name, "paper_sha256": signed.input_sha256, "signed_sha256": signed.sha256,
        "signer": signed.signer, "role": signed.role, "level": signed.level, "field": signed.field_name,
        "signed_at": signed.signed_at.isoformat()})


def verify_bytes(ws: Workspace, data: bytes, name: str = "") -> validation.PdfReport:
    anchors, crls = trust.material(ws)
    return validation.verify_pdf(data, anchors, crls, file=name)


def verify_file(ws: Workspace, path: str | Path) -> validation.PdfReport:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"cannot read {p}: {exc.strerror or exc}") from None
    if not data.lstrip(b"\x00\t\n\r ")[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise ValidationError("file", f"{p.name} is not a PDF")
    report = verify_bytes(ws, data, p.name)
    if not trust.list_anchors(ws) and report.signatures:
        return validation.PdfReport(report.file, report.pages, report.signatures,
                                    report.problems + ("this workspace trusts no certificate yet "
                                                       "(opsdesk certs trust CA.pem)",))
    return report
