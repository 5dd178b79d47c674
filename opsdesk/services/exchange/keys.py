"""The workspace's Ed25519 signing key and the public keys it trusts.

The private key lives in the user data folder (``keys/<workspace uuid>.pem``, readable by its owner only),
never inside the workspace file and never in a bundle. It is created the first time something is signed.
Trusted public keys are records of the workspace, with a label, added through an audited service call.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk import files
from opsdesk.errors import ValidationError
from opsdesk.services.workspace import keyfile
from opsdesk.store.models import TrustedKey, WorkspaceIdentity, WorkspaceInfo
from opsdesk.store.workspace import Workspace

PUBLIC_KEY_KIND = "opsdesk-public-key"
ENTITY = "trusted_key"


@dataclass(frozen=True)
class KeyDTO:
    label: str
    fingerprint: str
    organisation: str
    workspace_uuid: str
    own: bool
    added_at: dt.datetime | None


fingerprint = keyfile.fingerprint
public_raw = keyfile.public_raw
key_path = keyfile.key_path


def short(fp: str) -> str:
    return ":".join(fp[i:i + 4] for i in range(0, 20, 4))


def workspace_uuid(ws: Workspace) -> str:
    """The workspace's stable identity, written on first use (a copy or a restored backup keeps it)."""
    with ws.read() as s:
        current = s.scalar(select(WorkspaceIdentity.workspace_uuid))
    if current:
        return current
    with ws.write("workspace") as tx:
        current = tx.session.scalar(select(WorkspaceIdentity.workspace_uuid))
        if current:
            return current
        ident = WorkspaceIdentity(workspace_uuid=str(uuid.uuid4()), created_at=ws.clock())
        tx.add(ident, "workspace_identity", key=ident.workspace_uuid)
        return ident.workspace_uuid


def signing_key(ws: Workspace):
    """The workspace's private key, created (and filed under its UUID) on first use."""
    return keyfile.load_or_create(workspace_uuid(ws))


def own_fingerprint(ws: Workspace) -> str:
    return fingerprint(public_raw(signing_key(ws)))


def existing_fingerprint(ws: Workspace) -> str:
    """This workspace's fingerprint when it already has a key, else "" (creates nothing)."""
    from cryptography.hazmat.primitives import serialization

    with ws.read() as s:
        current = s.scalar(select(WorkspaceIdentity.workspace_uuid))
    path = key_path(current) if current else None
    if path is None or not path.exists():
        return ""
    return fingerprint(public_raw(serialization.load_pem_private_key(path.read_bytes(), password=None)))


def _organisation(session: Session) -> str:
    return session.scalar(select(WorkspaceInfo.organisation)) or ""


def export_public(ws: Workspace, out: str | Path) -> Path:
    """Write this workspace's public key (never the private one) to a small JSON file."""
    raw = public_raw(signing_key(ws))
    with ws.read() as s:
        organisation = _organisation(s)
    doc = {"kind": PUBLIC_KEY_KIND, "version": 1, "algorithm": "Ed25519",
           "public_key": base64.b64encode(raw).decode(), "fingerprint": fingerprint(raw),
           "workspace_uuid": workspace_uuid(ws), "organisation": organisation}
    target = Path(out).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return target


def read_public_file(path: str | Path) -> dict[str, str]:
    try:
        doc = json.loads(files.read_text_bounded(Path(path).expanduser(), files.SMALL_LIMIT, "key file"))
    except files.FileRefused as exc:
        raise ValidationError("file", str(exc)) from None
    except (OSError, ValueError) as exc:
        raise ValidationError("file", f"{path} is not an OpsDesk public key file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != PUBLIC_KEY_KIND or doc.get("algorithm") != "Ed25519":
        raise ValidationError("file", f"{path} is not an OpsDesk public key file")
    try:
        raw = base64.b64decode(doc["public_key"], validate=True)
    except (KeyError, ValueError):
        raise ValidationError("public_key", "the key is not valid base64") from None
    if len(raw) != 32:
        raise ValidationError("public_key", "an Ed25519 public key is 32 bytes")
    if doc.get("fingerprint") not in (None, fingerprint(raw)):
        raise ValidationError("fingerprint", "the file's fingerprint does not match its key")
    return {"public_key": doc["public_key"], "fingerprint": fingerprint(raw),
            "workspace_uuid": str(doc.get("workspace_uuid", "")), "organisation": str(doc.get("organisation", ""))}


def trust(ws: Workspace, path: str | Path, label: str | None = None) -> KeyDTO:
    """Add the public key in ``path`` to the workspace's trusted keys (an audited change)."""
    doc = read_public_file(path)
    name = (label or doc["organisation"] or doc["fingerprint"][:16]).strip()
    if not name:
        raise ValidationError("label", "is required", entity=ENTITY)
    with ws.write("keys") as tx:
        if tx.session.scalar(select(TrustedKey).where(TrustedKey.fingerprint == doc["fingerprint"])):
            raise ValidationError("fingerprint", f"key {short(doc['fingerprint'])} is already trusted", entity=ENTITY)
        if tx.session.scalar(select(TrustedKey).where(TrustedKey.label == name)):
            raise ValidationError("label", f"'{name}' already names a trusted key", entity=ENTITY)
        row = TrustedKey(label=name, fingerprint=doc["fingerprint"], public_key=doc["public_key"],
                         workspace_uuid=doc["workspace_uuid"], organisation=doc["organisation"],
                         added_at=ws.clock())
        tx.add(row, ENTITY, key=doc["fingerprint"])
        return KeyDTO(name, row.fingerprint, row.organisation, row.workspace_uuid, False, row.added_at)


def untrust(ws: Workspace, label_or_fingerprint: str) -> None:
    with ws.write("keys") as tx:
        row = tx.session.scalar(select(TrustedKey).where(
            (TrustedKey.label == label_or_fingerprint) | (TrustedKey.fingerprint == label_or_fingerprint)))
        if row is None:
            raise ValidationError("key", f"no trusted key is named '{label_or_fingerprint}'", entity=ENTITY)
        tx.delete(row, ENTITY, key=row.fingerprint)


def list_keys(ws: Workspace) -> list[KeyDTO]:
    """This workspace's own key first, then the trusted ones by label."""
    own_fp = own_fingerprint(ws)
    with ws.read() as s:
        organisation = _organisation(s)
        rows = list(s.scalars(select(TrustedKey).order_by(TrustedKey.label)))
    own = KeyDTO("this workspace", own_fp, organisation, workspace_uuid(ws), True, None)
    return [own] + [KeyDTO(r.label, r.fingerprint, r.organisation, r.workspace_uuid, False, r.added_at)
                    for r in rows]


def trusted_public_key(session: Session, fp: str) -> tuple[str, bytes] | None:
    """(label, raw key) of a trusted key with this fingerprint, or None."""
    row = session.scalar(select(TrustedKey).where(TrustedKey.fingerprint == fp))
    if row is None:
        return None
    return row.label, base64.b64decode(row.public_key)
