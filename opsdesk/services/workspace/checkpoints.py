"""Signed checkpoints of the audit chain's head.

Every write transaction that appends audit events ends by signing its head — (workspace, sequence number, head
hash, time) — with the workspace's Ed25519 key (``keyfile``: in the user data folder, never in the workspace) and
keeping it in the workspace (table ``audit_checkpoint``, one row, the newest). After the commit the same signed
head is copied beside the key, keyed by the workspace's location (the *anchor*): deleting events and the
checkpoint row inside the file cannot take the anchor with them. ``integrity.verify`` checks both against the
chain. ``export_head`` writes the signed head to a file for safekeeping elsewhere (``opsdesk audit head``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import uuid as uuid_mod
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select

from opsdesk import log, paths
from opsdesk.errors import OpsDeskError, ValidationError
from opsdesk.services.workspace import keyfile
from opsdesk.store import queries
from opsdesk.store.models import AuditCheckpoint, AuditEvent, WorkspaceIdentity
from opsdesk.store.workspace import Tx, Workspace

_log = log.get("services.checkpoints")
CHECKPOINT_KIND = "opsdesk-audit-checkpoint"
HEAD_KIND = "opsdesk-audit-head"
MAX_HEAD_FILE = 64 * 1024
ANCHOR_BLOCK = 2048


@dataclass(frozen=True)
class SignedHead:
    """A signed statement that workspace ``workspace_uuid`` had ``seq`` events, the last with hash ``head``."""

    workspace_uuid: str
    seq: int
    head: str
    at: str
    capture_from: int
    fingerprint: str
    signature: str

    def payload(self) -> bytes:
        return payload(self.workspace_uuid, self.seq, self.head, self.at, self.capture_from)

    def to_json(self) -> dict[str, Any]:
        return {"workspace_uuid": self.workspace_uuid, "seq": self.seq, "head": self.head, "at": self.at,
                "capture_from": self.capture_from, "fingerprint": self.fingerprint, "signature": self.signature}

    @classmethod
    def from_json(cls, doc: Any) -> SignedHead:
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        try:
            return cls(str(doc["workspace_uuid"]), int(doc["seq"]), str(doc["head"]), str(doc["at"]),
                       int(doc.get("capture_from", 1)), str(doc["fingerprint"]), str(doc["signature"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"missing or bad field {exc}") from None

    def signature_valid(self, public_raw: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(public_raw).verify(base64.b64decode(self.signature),
                                                                 self.payload())
        except (InvalidSignature, ValueError):
            return False
        return True


def payload(workspace_uuid: str, seq: int, head: str, at: str, capture_from: int) -> bytes:
    return json.dumps({"kind": CHECKPOINT_KIND, "workspace_uuid": workspace_uuid, "seq": seq, "head": head,
                       "at": at, "capture_from": capture_from},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign(key: Any, workspace_uuid: str, seq: int, head: str, capture_from: int,
         fingerprint: str | None = None) -> SignedHead:
    """``fingerprint``: the key's, when the caller already knows it (the checkpointer keeps it with the key)."""
    at = _now()
    sig = key.sign(payload(workspace_uuid, seq, head, at, capture_from))
    return SignedHead(workspace_uuid, seq, head, at, capture_from,
                      fingerprint or keyfile.fingerprint(keyfile.public_raw(key)), base64.b64encode(sig).decode())


# --- the anchor beside the key ----------------------------------------------------------------------------------

def location_id(location: str) -> str:
    """The location as the anchor knows it: the resolved path of a file, the (redacted) URL of a server."""
    if "://" in location:
        return location
    return str(Path(location).expanduser().resolve())


_LOCATION_IDS: dict[tuple[str, Path], str] = {}


def _location_id(location: str, target: Path) -> str:
    """``location_id`` of a location whose anchor file is ``target`` (worked out once per pair)."""
    key = (location, target)
    found = _LOCATION_IDS.get(key)
    if found is None:
        found = _LOCATION_IDS[key] = location_id(location)
    return found


def anchor_path(location: str) -> Path:
    digest = hashlib.sha256(location_id(location).encode("utf-8")).hexdigest()[:32]
    return paths.user_data_dir() / "anchors" / f"{digest}.json"


def write_anchor(location: str, head: SignedHead, target: Path | None = None) -> None:
    """Keep ``head`` as the newest known head of the workspace at ``location``. Written in place as one padded
    block (a rename per edit costs more than the edit on a busy disk; a torn file reads as no anchor, never as a
    wrong one). A failure is logged, never raised: the write it follows has committed."""
    target = target or anchor_path(location)
    data = json.dumps({"location": _location_id(location, target), **head.to_json()}).encode("utf-8")
    data = data.ljust(max(ANCHOR_BLOCK, len(data)))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o600)
    except FileNotFoundError:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as exc:
            _log.warning("could not keep the audit anchor of %s: %s", location, exc)
            return
    except OSError as exc:
        _log.warning("could not keep the audit anchor of %s: %s", location, exc)
        return
    try:
        os.write(fd, data)
        os.ftruncate(fd, len(data))
    except OSError as exc:
        _log.warning("could not keep the audit anchor of %s: %s", location, exc)
    finally:
        os.close(fd)


def read_anchor(location: str) -> SignedHead | None:
    target = anchor_path(location)
    try:
        if not target.is_file() or target.stat().st_size > MAX_HEAD_FILE:
            return None
        doc = json.loads(target.read_text(encoding="utf-8"))
        if doc.get("location") != location_id(location):
            return None
        return SignedHead.from_json(doc)
    except (OSError, ValueError):
        return None


# --- the checkpointer the workspace calls -----------------------------------------------------------------------

_CHECKPOINTS = cast(Table, AuditCheckpoint.__table__)
#: the usual checkpoint write: the row of this workspace, captured from the same event, signed anew (one statement
#: built once: building it per edit cost more than running it)
_SIGN_AGAIN = (_CHECKPOINTS.update()
               .where(_CHECKPOINTS.c.id == 1, _CHECKPOINTS.c.workspace_uuid == bindparam("ws_uuid"),
                      _CHECKPOINTS.c.capture_from == bindparam("k_capture_from"))
               .values(seq=bindparam("v_seq"), head_hash=bindparam("v_head"), signed_at=bindparam("v_at"),
                       fingerprint=bindparam("v_fingerprint"), signature=bindparam("v_signature")))


class Checkpointer:
    """Installed on every workspace OpsDesk opens (``Workspace.checkpointer``); the kernel calls ``prepare`` and
    ``sign`` inside each write transaction that appended events, and ``committed`` after its commit."""

    def __init__(self) -> None:
        self._keys: dict[str, Any] = {}
        self._capture: dict[str, int] = {}  # capture_from per workspace, as last read or written
        self._fingerprints: dict[str, str] = {}  # the public key's fingerprint of each key held
        self._anchors: weakref.WeakKeyDictionary[Workspace, Path] = weakref.WeakKeyDictionary()  # anchor files
        self._identity: weakref.WeakKeyDictionary[Workspace, str] = weakref.WeakKeyDictionary()  # as last read

    def prepare(self, tx: Tx) -> None:
        """Make sure the workspace has its identity before the transaction's row states are taken. The identity
        read once is kept for the open workspace; ``sign`` checks it against the checkpoint row it updates."""
        ws_uuid = self._identity.get(tx.ws)
        if ws_uuid is None:
            ws_uuid = self._identity[tx.ws] = self._read_identity(tx)
        tx.signer_state = ws_uuid

    @staticmethod
    def _read_identity(tx: Tx) -> str:
        ws_uuid = tx.session.scalar(select(WorkspaceIdentity.workspace_uuid))
        if ws_uuid is None:
            ws_uuid = str(uuid_mod.uuid4())
            tx.session.add(WorkspaceIdentity(workspace_uuid=ws_uuid, created_at=tx.ws.clock()))
            tx.session.flush()
        return ws_uuid

    def _key(self, workspace_uuid: str) -> Any:
        key = self._keys.get(workspace_uuid)
        if key is None:
            key = self._keys[workspace_uuid] = keyfile.load_or_create(workspace_uuid)
            self._fingerprints[workspace_uuid] = keyfile.fingerprint(keyfile.public_raw(key))
        return key

    def sign(self, tx: Tx) -> SignedHead | None:
        """Sign the head the transaction leaves and keep it in ``audit_checkpoint`` (one UPDATE, usually)."""
        ws_uuid = tx.signer_state
        assert isinstance(ws_uuid, str)
        if tx.last_event is not None:
            seq, head = tx.last_event.seq, tx.last_event.hash
            first = tx.events[0]
        else:
            row = tx.conn.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc())
                                  .limit(1)).first()
            seq, head = (row[0], row[1]) if row else (0, "")
            first = seq + 1
        try:
            key = self._key(ws_uuid)
        except (OSError, ValueError, OpsDeskError) as exc:  # the edit commits; verify says its head is unsigned
            _log.warning("cannot sign the audit checkpoint of %s: %s", tx.ws.location, exc)
            return None
        table = cast(Table, AuditCheckpoint.__table__)
        conn = tx.conn
        capture_from = self._capture.get(ws_uuid)
        if capture_from is not None:
            signed = sign(key, ws_uuid, seq, head, capture_from, self._fingerprints.get(ws_uuid))
            done = queries.run_plain(conn, _SIGN_AGAIN, {"ws_uuid": ws_uuid, "k_capture_from": capture_from, "v_seq": seq,
                                              "v_head": head, "v_at": signed.at,
                                              "v_fingerprint": signed.fingerprint, "v_signature": signed.signature})
            if done.rowcount == 1:
                return signed
        if self._identity.pop(tx.ws, None) is not None:  # the kept identity may be stale: read it again
            ws_uuid = tx.signer_state = self._identity[tx.ws] = self._read_identity(tx)
            key = self._key(ws_uuid)
        current = conn.execute(select(table.c.workspace_uuid, table.c.capture_from).where(table.c.id == 1)).first()
        if current is not None and current[0] == ws_uuid:
            capture_from = int(current[1])
        else:
            anchor = read_anchor(tx.ws.location)
            if anchor is not None and anchor.workspace_uuid == ws_uuid:
                capture_from = anchor.capture_from
            else:
                capture_from = 1 if first == 1 else first
        signed = sign(key, ws_uuid, seq, head, capture_from, self._fingerprints.get(ws_uuid))
        values = {"workspace_uuid": ws_uuid, "seq": seq, "head_hash": head, "signed_at": signed.at,
                  "capture_from": capture_from, "fingerprint": signed.fingerprint, "signature": signed.signature}
        if current is None:
            conn.execute(table.insert().values(id=1, **values))
        else:
            conn.execute(table.update().where(table.c.id == 1).values(**values))
        self._capture[ws_uuid] = capture_from
        return signed

    def committed(self, ws: Workspace, signed: Any) -> None:
        target = self._anchors.get(ws)
        if target is None:  # where the open workspace's anchor lives is worked out once
            target = self._anchors[ws] = anchor_path(ws.location)
        write_anchor(ws.location, signed, target)


def install(ws: Workspace) -> Workspace:
    ws.checkpointer = Checkpointer()
    return ws


def sign_current_head(ws: Workspace) -> None:
    """Sign the chain's head as it is (after a schema upgrade: from here on every write is anchored)."""
    with ws.write("workspace") as tx:
        tx.checkpoint_requested = True


def stored_checkpoint(session: Any) -> SignedHead | None:
    row = session.get(AuditCheckpoint, 1)
    if row is None:
        return None
    return SignedHead(row.workspace_uuid, row.seq, row.head_hash, row.signed_at, row.capture_from,
                      row.fingerprint, row.signature)


# --- the head as a file -----------------------------------------------------------------------------------------

def export_head(ws: Workspace, out: str | Path) -> tuple[Path, SignedHead]:
    """Write the chain's current head, signed, with the public key that checks it (``opsdesk audit head``)."""
    with ws.read() as s:
        ws_uuid = s.scalar(select(WorkspaceIdentity.workspace_uuid))
        row = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
        current = stored_checkpoint(s)
        count = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if ws_uuid is None or row is None:
        raise ValidationError("workspace", "the workspace has no audit events to anchor yet")
    key = keyfile.load_or_create(ws_uuid)
    capture_from = current.capture_from if current is not None else row[0] + 1
    signed = sign(key, ws_uuid, row[0], row[1], capture_from)
    doc = {"kind": HEAD_KIND, "version": 1, "algorithm": "Ed25519", **signed.to_json(), "events": count,
           "public_key": base64.b64encode(keyfile.public_raw(key)).decode(), "location": ws.location}
    target = Path(out).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return target, signed


def read_head_file(path: str | Path) -> tuple[SignedHead, bytes]:
    """The signed head in ``path`` and the public key it names; refuses anything else in one line."""
    p = Path(path).expanduser()
    try:
        if not p.is_file():
            raise ValidationError("head", f"{p} is not a file")
        if p.stat().st_size > MAX_HEAD_FILE:
            raise ValidationError("head", f"{p} is too large to be an OpsDesk audit head file")
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError("head", f"{p} is not an OpsDesk audit head file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != HEAD_KIND:
        raise ValidationError("head", f"{p} is not an OpsDesk audit head file")
    try:
        head = SignedHead.from_json(doc)
        raw = base64.b64decode(str(doc.get("public_key", "")), validate=True)
    except ValueError as exc:
        raise ValidationError("head", f"{p}: {exc}") from None
    if len(raw) != 32 or keyfile.fingerprint(raw) != head.fingerprint:
        raise ValidationError("head", f"{p}: its public key does not match its fingerprint")
    if not head.signature_valid(raw):
        raise ValidationError("head", f"{p}: the signature does not match its content (altered file)")
    return head, raw
