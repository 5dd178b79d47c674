"""``opsdesk verify``: everything that says whether the workspace's record can be trusted, in one report.

1. the audit chain, recomputed (streamed in chunks, never all events as objects);
2. the newest signed checkpoint (``checkpoints``) against the chain: truncated, emptied, re-hashed, or appended to
   without a signature; the anchor kept on this machine; optionally a head file kept elsewhere (``--head``);
3. reconciliation (``opsdesk.store.reconcile``): every audited record against the state its last event recorded;
4. SQLite's ``integrity_check`` and a read of every text cell (corrupt UTF-8 that ``integrity_check`` misses).

A *finding* means the record cannot be trusted as it is (``verify`` exits 1, one line each). A *warning* says a
check could not be made here — the workspace's key is not on this machine (it was moved, or the key was lost) — so
the result rests on the chain and the records alone; it is printed, never passed over in silence.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError, OperationalError

from opsdesk.errors import ValidationError
from opsdesk.services.workspace import checkpoints, keyfile
from opsdesk.services.workspace.checkpoints import SignedHead
from opsdesk.store import audit, chain_scan, reconcile
from opsdesk.store.models import WorkspaceIdentity
from opsdesk.store.workspace import Workspace

MAX_LISTED = 50
CHAIN_TABLE = "audit_event"  # read whole by the chain's scan


@dataclass
class IntegrityReport:
    events: int = 0
    records: int = 0
    findings: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        return self.checked + [f"warning: {w}" for w in self.warnings] + self.findings


def read_public_key_file(path: str | Path) -> bytes:
    p = Path(path).expanduser()
    try:
        if not p.is_file() or p.stat().st_size > checkpoints.MAX_HEAD_FILE:
            raise ValueError("not a small regular file")
        doc = json.loads(p.read_text(encoding="utf-8"))
        raw = base64.b64decode(str(doc["public_key"]), validate=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError("public_key", f"{p} is not an OpsDesk public key file ({exc})") from None
    if len(raw) != 32:
        raise ValidationError("public_key", f"{p}: an Ed25519 public key is 32 bytes")
    return raw


def _when(signed: SignedHead) -> str:
    return signed.at.replace("T", " ").replace("Z", " UTC")


def _compare(label: str, signed: SignedHead, scan: audit.ChainScan, findings: list[str]) -> bool:
    if signed.seq > 0 and scan.events == 0:
        findings.append(f"audit chain emptied: it holds no events, but {label} signed {_when(signed)} says it "
                        f"held {signed.seq}")
        return False
    if scan.last_seq < signed.seq:
        gone = signed.seq - scan.last_seq
        findings.append(f"audit chain truncated: it ends at event {scan.last_seq}, but {label} signed "
                        f"{_when(signed)} says it reached event {signed.seq} ({gone} "
                        f"{'event' if gone == 1 else 'events'} removed)")
        return False
    if signed.seq > 0 and scan.hashes.get(signed.seq) != signed.head:
        findings.append(f"audit chain re-hashed: event {signed.seq} is not the event {label} signed "
                        f"{_when(signed)} (the chain was rewritten and its hashes recomputed)")
        return False
    return True


def verify(ws: Workspace, *, head_file: str | Path | None = None, public_key_file: str | Path | None = None,
           read_text: bool = True, integrity_check: bool = True) -> IntegrityReport:
    """Run every check; a head file or public key file that cannot be read is a ValidationError (exit 2)."""
    report = IntegrityReport()
    given_head = checkpoints.read_head_file(head_file) if head_file else None
    given_key = read_public_key_file(public_key_file) if public_key_file else None
    bad_text: list[str] = []
    unreadable: list[str] = []  # why the file cannot be read whole (a damaged page, …)
    sqlite = ws.engine.dialect.name == "sqlite"
    if read_text and sqlite:  # first: a corrupt cell stops every other read
        # the chain's cells are not read twice: its scan decodes every one of them, and only when it cannot are
        # they read here to name the cell
        bad_text = _text_findings(ws, unreadable, skip=(CHAIN_TABLE,))
        report.findings.extend(bad_text)
    try:
        _verify_records(ws, report, given_head, str(head_file or ""), given_key, integrity_check)
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        if read_text and sqlite and not bad_text:
            bad_text = _text_findings(ws, unreadable, only=(CHAIN_TABLE,))
            report.findings.extend(bad_text)
        if not bad_text:
            why = exc.orig if isinstance(exc, DatabaseError) else exc
            unreadable.append(str(why).strip())
            database = chain_scan.database_uri(ws.engine)
            if integrity_check and database is not None:  # a damaged file: say where SQLite finds it damaged
                rows = _IntegrityCheck(database).result()
                if rows != ["ok"]:
                    report.findings.append(_integrity_failed(rows))
    report.findings[:0] = [f"the workspace cannot be read whole: {why}" for why in dict.fromkeys(unreadable)]
    if read_text and sqlite and not bad_text and not unreadable:
        report.checked.insert(0, "text: every text cell reads as UTF-8")
    return report


def _text_findings(ws: Workspace, unreadable: list[str], *, skip: tuple[str, ...] = (),
                   only: tuple[str, ...] | None = None) -> list[str]:
    """:func:`unreadable_text` of those tables; a file too damaged to read adds to ``unreadable``."""
    try:
        return unreadable_text(ws, skip=skip, only=only)
    except sqlite3.DatabaseError as exc:
        unreadable.append(str(exc).strip())
        return []


def _verify_records(ws: Workspace, report: IntegrityReport, given_head: tuple[SignedHead, bytes] | None,
                    head_name: str, given_key: bytes | None, integrity_check: bool = True) -> None:
    anchor = checkpoints.read_anchor(ws.location)
    database = chain_scan.database_uri(ws.engine)
    # SQLite's integrity_check runs on a connection of its own while the chain is hashed (it waits for the disk
    # and its C code, not for Python)
    check = _IntegrityCheck(database) if integrity_check and database is not None else None  # started below
    with ws.read() as s:
        ws_uuid = s.scalar(select(WorkspaceIdentity.workspace_uuid))
        stored = checkpoints.stored_checkpoint(s)
        want = {h.seq for h in (stored, anchor, given_head[0] if given_head else None) if h is not None}
        expected = reconcile.Expectations()
        scan = chain_scan.scan(s.connection(), database, want=want, expected=expected,
                               alongside=check.start if check is not None else lambda: None)
        report.events = scan.events
        if scan.broken_seq is not None:
            report.findings.append(f"audit chain broken at event {scan.broken_seq}: {scan.reason}")
        else:
            report.checked.append(f"audit chain: {scan.events} events, every hash recomputed and linked")
        strict = _check_checkpoint(report, stored, ws_uuid, given_key, scan)
        _check_anchor(report, anchor, ws_uuid, stored, given_key, scan)
        if given_head is not None:
            _check_head_file(report, head_name, given_head[0], ws_uuid, scan)
        records, diffs = reconcile.reconcile(s.connection(), expected, report_unrecorded=strict, limit=0)
        report.records = records
        for d in diffs[:MAX_LISTED]:
            report.findings.append(d.line())
        if len(diffs) > MAX_LISTED:
            report.findings.append(f"… and {len(diffs) - MAX_LISTED} more records that differ from the audit")
        if not diffs:
            report.checked.append(f"records: {records} audited records match their last audit event")
        if check is not None:
            rows = check.result()
            if rows != ["ok"]:
                report.findings.append(_integrity_failed(rows))
            else:
                report.checked.append("database: integrity_check ok")


def _integrity_failed(rows: list[str]) -> str:
    """One finding of ``integrity_check``'s answer: its first five problems (a row may hold many lines)."""
    lines = [line for row in rows for line in row.splitlines() if line and not line.startswith("*** in database")]
    more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
    return "database integrity check failed: " + "; ".join(lines[:5]) + more


class _IntegrityCheck:
    """``PRAGMA integrity_check`` of the file at ``database`` (a read-only URI), in a thread of its own."""

    def __init__(self, database: str) -> None:
        self._rows: list[str] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(database,), name="integrity_check", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self, database: str) -> None:
        try:
            conn = sqlite3.connect(database, uri=True)
            try:
                self._rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            self._error = exc

    def result(self) -> list[str]:
        if self._thread.ident is None:
            self.start()
        self._thread.join()
        if self._error is not None:
            return [str(self._error)]
        return self._rows


def _public_key(ws_uuid: str | None, signed: SignedHead, given: bytes | None) -> tuple[bytes | None, str]:
    """The public key to check ``signed`` with, and why there is none."""
    if given is not None:
        return given, ""
    try:
        own = keyfile.load(signed.workspace_uuid) if signed.workspace_uuid else None
    except ValidationError as exc:
        return None, f"this workspace's key on this machine is unusable: {exc}"
    if own is None:
        return None, (f"this workspace's signing key (fingerprint {_short(signed.fingerprint)}) is not on this "
                      "machine — the workspace was moved or the key was lost; give its public key with "
                      "--public-key FILE (from 'opsdesk keys export-public' where it was written) or a head "
                      "file with --head FILE")
    return keyfile.public_raw(own), ""


def _short(fp: str) -> str:
    return ":".join(fp[i:i + 4] for i in range(0, 20, 4))


def _check_checkpoint(report: IntegrityReport, stored: SignedHead | None, ws_uuid: str | None,
                      given_key: bytes | None, scan: audit.ChainScan) -> bool:
    """Check the newest signed checkpoint; returns whether every record must be explained by the audit."""
    if stored is None:
        if scan.events:
            report.findings.append(f"no signed checkpoint: the chain's head (event {scan.last_seq}) is not "
                                   "anchored — the checkpoint was removed, or the file was written by a program "
                                   "that does not sign")
        return True
    if ws_uuid is not None and stored.workspace_uuid != ws_uuid:
        report.findings.append(f"the signed checkpoint belongs to workspace {stored.workspace_uuid}, not to this "
                               f"one ({ws_uuid})")
    pub, why = _public_key(ws_uuid, stored, given_key)
    if pub is None:
        report.warnings.append(f"the signed checkpoint (event {stored.seq}) cannot be checked: {why}")
    elif keyfile.fingerprint(pub) != stored.fingerprint:
        if given_key is not None:
            report.findings.append(f"the checkpoint (event {stored.seq}) is signed by key "
                                   f"{_short(stored.fingerprint)}, not by the key given with --public-key "
                                   f"({_short(keyfile.fingerprint(pub))}): it was re-signed")
        else:
            report.warnings.append(f"the signed checkpoint (event {stored.seq}) cannot be checked: it is signed "
                                   f"by key {_short(stored.fingerprint)}, not by the key this machine holds for "
                                   f"this workspace ({_short(keyfile.fingerprint(pub))}) — signed on another "
                                   "machine (a moved workspace, a shared server) or re-signed; give that key "
                                   "with --public-key FILE")
    elif not stored.signature_valid(pub):
        report.findings.append(f"the signed checkpoint (event {stored.seq}) does not match its signature "
                               "(forged or altered)")
        return True
    if _compare("the checkpoint", stored, scan, report.findings):
        if scan.last_seq > stored.seq:
            report.findings.append(f"events {stored.seq + 1}–{scan.last_seq} were appended without a signed "
                                   "checkpoint (written outside OpsDesk)")
        elif pub is not None and keyfile.fingerprint(pub) == stored.fingerprint:
            report.checked.append(f"checkpoint: event {stored.seq} signed {_when(stored)} by key "
                                  f"{_short(stored.fingerprint)}, matches the chain")
    return stored.capture_from <= 1


def _check_anchor(report: IntegrityReport, anchor: SignedHead | None, ws_uuid: str | None,
                  stored: SignedHead | None, given_key: bytes | None, scan: audit.ChainScan) -> None:
    if anchor is None:
        return
    if ws_uuid is not None and anchor.workspace_uuid != ws_uuid:
        if keyfile.key_path(anchor.workspace_uuid).exists() and not keyfile.key_path(ws_uuid).exists():
            report.findings.append(f"this location last held workspace {anchor.workspace_uuid} (event "
                                   f"{anchor.seq}, signed {_when(anchor)}); the file here now is workspace "
                                   f"{ws_uuid}, signed by a key this machine does not hold (replaced outside "
                                   "OpsDesk)")
            return
        report.checked.append("anchor: the head kept on this machine for this location is of another workspace "
                              "(the file was replaced through OpsDesk); not compared")
        return
    pub, _why = _public_key(ws_uuid, anchor, given_key)
    if pub is not None and keyfile.fingerprint(pub) == anchor.fingerprint and not anchor.signature_valid(pub):
        report.findings.append("the head kept on this machine for this workspace does not match its signature")
        return
    if _compare("the head kept on this machine", anchor, scan, report.findings) and \
            (stored is None or stored.seq != anchor.seq):
        report.checked.append(f"anchor: the workspace contains event {anchor.seq}, the head kept on this machine")


def _check_head_file(report: IntegrityReport, name: str, head: SignedHead, ws_uuid: str | None,
                     scan: audit.ChainScan) -> None:
    if ws_uuid is not None and head.workspace_uuid != ws_uuid:
        report.findings.append(f"{name} is the head of workspace {head.workspace_uuid}, not of this one ({ws_uuid})")
        return
    if _compare(name, head, scan, report.findings):
        report.checked.append(f"head file: the workspace still contains the history of {name} (event {head.seq}, "
                              f"signed {_when(head)})")


_NOT_TEXT = ("INT", "REAL", "FLOA", "DOUB", "BOOL")


def unreadable_text(ws: Workspace, limit: int = MAX_LISTED, *, skip: tuple[str, ...] = (),
                    only: tuple[str, ...] | None = None) -> list[str]:
    """Every text cell that is not valid UTF-8 (table, row, column), read through the raw driver in chunks: of
    every table but those in ``skip``, or of those in ``only``."""
    raw = ws.engine.raw_connection()
    bad: list[str] = []
    try:
        conn = raw.driver_connection
        old = conn.text_factory  # type: ignore[union-attr]
        conn.text_factory = bytes  # type: ignore[union-attr]
        try:
            tables = [r[0] for r in conn.execute(  # type: ignore[union-attr]
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            for raw_name in tables:
                name = raw_name.decode("utf-8", "replace") if isinstance(raw_name, bytes) else raw_name
                if name in skip or (only is not None and name not in only):
                    continue
                info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()  # type: ignore[union-attr]
                cols = [(_s(r[1]), _s(r[2]).upper(), r[5]) for r in info]
                text_cols = [c for c, t, _pk in cols if not any(k in t for k in _NOT_TEXT)]
                if not text_cols:
                    continue
                pk = [c for c, _t, p in sorted(cols, key=lambda c: c[2]) if p]
                key_sql = ", ".join(f'"{c}"' for c in pk) if pk else "rowid"
                key_names = pk or ["rowid"]
                sel = ", ".join(f'"{c}", typeof("{c}")' for c in text_cols)
                cur = conn.execute(f'SELECT {key_sql}, {sel} FROM "{name}"')  # type: ignore[union-attr]
                nk = len(key_names)
                while rows := cur.fetchmany(5000):
                    for row in rows:
                        for i, col in enumerate(text_cols):
                            value, kind = row[nk + 2 * i], row[nk + 2 * i + 1]
                            if kind != b"text" or not isinstance(value, bytes):
                                continue
                            try:
                                value.decode("utf-8")
                            except UnicodeDecodeError as exc:
                                where = ", ".join(f"{k} {_s(v)}" for k, v in zip(key_names, row[:nk], strict=True))
                                bad.append(f"corrupt text: {name} ({where}), field {col} is not valid UTF-8 "
                                           f"(byte {exc.start})")
                                if len(bad) >= limit:
                                    return bad
        finally:
            conn.text_factory = old  # type: ignore[union-attr]
    finally:
        raw.close()
    return bad


def _s(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
