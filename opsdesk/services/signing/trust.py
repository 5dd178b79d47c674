"""The trust anchors and revocation lists the workspace keeps for checking signatures on papers: added and
removed through audited service calls, read by ``verify_file``. Nothing is fetched, and the operating system's
certificate store is never consulted: only what the committee chose to trust counts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from opsdesk.errors import ValidationError
from opsdesk.store.models import RevocationList, TrustAnchor
from opsdesk.store.workspace import Workspace

ANCHOR = "trust_anchor"
CRL = "revocation_list"


@dataclass(frozen=True)
class AnchorDTO:
    label: str
    fingerprint: str
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime
    added_at: dt.datetime


@dataclass(frozen=True)
class CrlDTO:
    fingerprint: str
    issuer: str
    this_update: dt.datetime
    next_update: dt.datetime | None
    revoked_count: int
    added_at: dt.datetime


def _pem_or_der(data: bytes, marker: bytes) -> list[bytes]:
    """DER blocks from a PEM file (one or more blocks of ``marker``) or a DER file."""
    if b"-----BEGIN " in data:
        blocks = []
        for part in data.split(b"-----BEGIN " + marker + b"-----")[1:]:
            body = part.split(b"-----END " + marker + b"-----")[0]
            try:
                blocks.append(base64.b64decode(b"".join(body.split()), validate=True))
            except ValueError:
                return []
        return blocks
    return [data]


def _pem(der: bytes, marker: str) -> str:
    b64 = base64.b64encode(der).decode()
    return (f"-----BEGIN {marker}-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
            + f"\n-----END {marker}-----\n")


def _der_from_pem(pem: str) -> bytes:
    return base64.b64decode("".join(line for line in pem.splitlines() if not line.startswith("-----")))


def _read(path: str | Path, what: str) -> bytes:
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise ValidationError(what, f"cannot read {p}: {exc.strerror or exc}") from None


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def trust(ws: Workspace, path: str | Path, label: str | None = None) -> list[AnchorDTO]:
    """Trust the certificate(s) in ``path`` (PEM, one or more, or DER) as anchors for signatures."""
    from cryptography import x509

    p = Path(path)
    blocks = _pem_or_der(_read(p, "file"), b"CERTIFICATE")
    certs = []
    for n, der in enumerate(blocks, start=1):
        try:
            certs.append((der, x509.load_der_x509_certificate(der)))
        except ValueError:
            where = f"{p.name}, certificate {n}" if len(blocks) > 1 else p.name
            raise ValidationError("file", f"{where} is not an X.509 certificate (PEM or DER)") from None
    if not certs:
        raise ValidationError("file", f"{p.name} holds no certificate")
    if label and len(certs) > 1:
        raise ValidationError("name", f"{p.name} holds {len(certs)} certificates: --name names only one")
    added: list[AnchorDTO] = []
    with ws.write("certs") as tx:
        for der, cert in certs:
            fp = hashlib.sha256(der).hexdigest()
            subject = cert.subject.rfc4514_string()
            cns = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
            name = (label or (str(cns[0].value) if cns else subject) or fp[:16]).strip()
            if tx.session.scalar(select(TrustAnchor).where(TrustAnchor.fingerprint == fp)):
                raise ValidationError("file", f"{name} ({fp[:16]}…) is already trusted", entity=ANCHOR)
            if tx.session.scalar(select(TrustAnchor).where(TrustAnchor.label == name)):
                raise ValidationError("name", f"'{name}' already names a trust anchor; choose another with --name",
                                      entity=ANCHOR)
            row = TrustAnchor(label=name, fingerprint=fp, subject=subject,
                              not_before=_utc(cert.not_valid_before_utc), not_after=_utc(cert.not_valid_after_utc),
                              pem=_pem(der, "CERTIFICATE"), added_at=ws.clock())
            tx.session.add(row)
            tx.session.flush()
            tx.audit("create", ANCHOR, fp, None, {"label": name, "subject": subject, "fingerprint": fp,
                                                  "not_after": row.not_after.isoformat(), "file": p.name})
            added.append(_anchor(row))
    return added


def untrust(ws: Workspace, label_or_fingerprint: str) -> AnchorDTO:
    key = label_or_fingerprint.strip()
    with ws.write("certs") as tx:
        rows = list(tx.session.scalars(select(TrustAnchor)))
        match = [r for r in rows if r.label == key or r.fingerprint == key.lower()
                 or (len(key) >= 8 and r.fingerprint.startswith(key.lower()))]
        if not match:
            raise ValidationError("anchor", f"no trust anchor is named '{key}'", entity=ANCHOR)
        if len(match) > 1:
            raise ValidationError("anchor", f"'{key}' names {len(match)} anchors; give more of the fingerprint",
                                  entity=ANCHOR)
        row = match[0]
        dto = _anchor(row)
        tx.session.delete(row)
        tx.audit("delete", ANCHOR, row.fingerprint, {"label": row.label, "subject": row.subject}, None)
    return dto


def list_anchors(ws: Workspace) -> list[AnchorDTO]:
    with ws.read() as s:
        return [_anchor(r) for r in s.scalars(select(TrustAnchor).order_by(TrustAnchor.label))]


def import_crl(ws: Workspace, path: str | Path) -> CrlDTO:
    """Keep a revocation list (PEM or DER) of a trusted issuer; its signature must check against that issuer."""
    from cryptography import x509

    p = Path(path)
    blocks = _pem_or_der(_read(p, "file"), b"X509 CRL")
    if len(blocks) != 1:
        raise ValidationError("file", f"{p.name} must hold exactly one revocation list (X509 CRL)")
    der = blocks[0]
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError:
        raise ValidationError("file", f"{p.name} is not a revocation list (X509 CRL, PEM or DER)") from None
    fp = hashlib.sha256(der).hexdigest()
    issuer = crl.issuer.rfc4514_string()
    with ws.write("certs") as tx:
        anchors = [x509.load_der_x509_certificate(_der_from_pem(r.pem))
                   for r in tx.session.scalars(select(TrustAnchor))]
        issuers = [a for a in anchors if a.subject == crl.issuer]
        if not issuers:
            raise ValidationError("file", f"{p.name}: its issuer ({issuer}) is not a trust anchor of this workspace; "
                                          "trust its certificate first (opsdesk certs trust)")
        if not any(crl.is_signature_valid(a.public_key()) for a in issuers):  # type: ignore[arg-type]
            raise ValidationError("file", f"{p.name}: the signature does not match its issuer's certificate")
        if tx.session.scalar(select(RevocationList).where(RevocationList.fingerprint == fp)):
            raise ValidationError("file", f"{p.name} was already imported", entity=CRL)
        row = RevocationList(fingerprint=fp, issuer=issuer, this_update=_utc(crl.last_update_utc),
                             next_update=_utc(crl.next_update_utc) if crl.next_update_utc else None,
                             revoked_count=len(list(crl)), pem=_pem(der, "X509 CRL"), added_at=ws.clock())
        tx.session.add(row)
        tx.session.flush()
        tx.audit("create", CRL, fp, None, {"issuer": issuer, "this_update": row.this_update.isoformat(),
                                           "revoked": row.revoked_count, "file": p.name})
        return _crl(row)


def list_crls(ws: Workspace) -> list[CrlDTO]:
    with ws.read() as s:
        return [_crl(r) for r in s.scalars(select(RevocationList).order_by(RevocationList.issuer,
                                                                         RevocationList.this_update))]


def material(ws: Workspace) -> tuple[list[bytes], list[bytes]]:
    """(anchors, revocation lists) as DER, for validation."""
    with ws.read() as s:
        anchors = [_der_from_pem(r.pem) for r in s.scalars(select(TrustAnchor))]
        crls = [_der_from_pem(r.pem) for r in s.scalars(select(RevocationList))]
    return anchors, crls


def _anchor(r: TrustAnchor) -> AnchorDTO:
    return AnchorDTO(r.label, r.fingerprint, r.subject, r.not_before, r.not_after, r.added_at)


def _crl(r: RevocationList) -> CrlDTO:
    return CrlDTO(r.fingerprint, r.issuer, r.this_update, r.next_update, r.revoked_count, r.added_at)
