"""Signed exchange bundles: move chosen initiatives and what they reference between air-gapped workspaces.

A bundle is one zip file: ``records/<kind>.json`` (portable records, see ``exchange_records``), metric points,
evidence files, a ``manifest.json`` naming every file with its SHA-256, and ``manifest.sig``, the Ed25519
signature of the manifest's exact bytes by the exporting workspace's key. Importing verifies the signer against
the trusted keys, the signature, the schema and every digest before it reads a single record; then it shows
what would be created, updated or is in conflict, and applies it in one transaction with audit events that
name the bundle.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import stat
import struct
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from opsdesk import files
from opsdesk.domain.evidence import MAX_EVIDENCE_BYTES, safe_file_name
from opsdesk.errors import OpsDeskError, ValidationError
from opsdesk.services.exchange import checks, keys
from opsdesk.services.exchange import records as rec
from opsdesk.store import migrate, queries
from opsdesk.store.audit import jsonable
from opsdesk.store.models import (
    AuditEvent,
    ExchangeBundle,
    ExchangeState,
    ExchangeVersion,
    Initiative,
    MetricPoint,
    WorkspaceInfo,
)
from opsdesk.store.workspace import Tx, Workspace

FORMAT = "opsdesk-exchange-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
POINTS_FILE = "records/metric_point.json"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BundleRefused(OpsDeskError):
    """The bundle cannot be trusted or read; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"bundle refused: {reason}; nothing was changed")
        self.reason = reason


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_uuid: str
    counts: dict[str, int]
    sha256: str


@dataclass(frozen=True)
class PlanItem:
    entity: str
    key: str
    action: str  # create | update | conflict | unchanged | kept (changed here only)
    detail: str = ""


@dataclass(frozen=True)
class ImportPreview:
    bundle_uuid: str
    file_name: str
    organisation: str
    signer_label: str
    signer_fingerprint: str
    created_at: str
    initiatives: tuple[str, ...]
    items: tuple[PlanItem, ...]
    already_imported: bool = False

    def counts(self) -> dict[str, int]:
        return dict(Counter(i.action for i in self.items))

    def of(self, action: str) -> list[PlanItem]:
        return [i for i in self.items if i.action == action]


@dataclass
class _Bundle:
    manifest: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]
    points: list[dict[str, Any]]
    evidence: dict[str, bytes]
    signer_label: str
    sha256: str
    file_name: str
    fingerprint: str = ""

    @property
    def sequence(self) -> int:
        """The signer's audit sequence when it wrote the bundle (0 for bundles written before it was recorded)."""
        value = self.manifest.get("source", {}).get("sequence", 0)
        return value if type(value) is int else 0


# --- export --------------------------------------------------------------------------------------------------

def _day_start(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def export_bundle(ws: Workspace, codes: list[str], out: str | Path, *, start: dt.date | None = None,
                  end: dt.date | None = None) -> ExportResult:
    """Write a signed bundle of the initiatives ``codes`` (metrics and costs from ``start`` to ``end``, both
    inclusive) and record what was sent, so a later import can tell an update from a conflict."""
    if not codes:
        raise ValidationError("initiative", "name at least one initiative to export")
    if start and end and end < start:
        raise ValidationError("to", "the end date is before the start date")
    private = keys.signing_key(ws)
    raw_public = keys.public_raw(private)
    ws_uuid = keys.workspace_uuid(ws)
    bundle_uuid = str(uuid.uuid4())
    end_excl = _day_start(end + dt.timedelta(days=1)) if end else None
    files: dict[str, bytes] = {}
    state: list[tuple[str, str, str]] = []
    counts: dict[str, int] = {}
    with ws.read() as s:
        ids = {}
        for code in codes:
            found = s.scalar(select(Initiative.id).where(Initiative.code == code))
            if found is None:
                raise ValidationError("initiative", f"{code} does not exist")
            ids[code] = found
        scope = rec.Scope(frozenset(ids.values()), _day_start(start), end_excl,
                          rec.lineage_links(s, ids.values()))
        organisation = s.scalar(select(WorkspaceInfo.organisation)) or ""
        sequence = s.scalar(select(func.max(AuditEvent.seq))) or 0
        keymaps: rec.KeyMaps = {}
        series_ids: dict[int, list[Any]] = {}
        evidence: dict[str, bytes] = {}
        paper_files: dict[str, bytes] = {}
        for kind in rec.KINDS:
            indexed = rec.index(kind, rec.scoped(s, kind, scope), keymaps)
            rows = sorted(indexed.values(), key=lambda t: rec.key_text(t[0]))
            if kind.name == "evidence_file":  # a name stored before names were made safe travels safe
                rows = [(k, {**r, "file_name": safe_file_name(r.get("file_name"))}, o) for k, r, o in rows]
            if len({rec.key_text(k) for k, _r, _o in rows}) != len(rows):
                raise ValidationError(kind.name, "two records share the same natural key; make them distinct "
                                      "before exporting")
            files[f"records/{kind.name}.json"] = _json_bytes([r for _k, r, _o in rows])
            counts[kind.name] = len(rows)
            state.extend((kind.name, rec.key_text(k), rec.digest(r)) for k, r, _o in rows)
            if kind.name == "metric_series":
                series_ids = {o.id: k for k, _r, o in rows}
            if kind.name == "evidence_file":
                evidence = {o.sha256: o.content for _k, _r, o in rows}
            if kind.name == "issued_paper_file":
                paper_files = {o.sha256: bytes(o.content) for _k, _r, o in rows}
        points = []
        for sid, skey in sorted(series_ids.items(), key=lambda t: rec.key_text(t[1])):
            stmt = select(MetricPoint.ts, MetricPoint.value, MetricPoint.ms, MetricPoint.step).where(
                MetricPoint.series_id == sid)
            if scope.start is not None:
                stmt = stmt.where(MetricPoint.ts >= int(scope.start.timestamp()))
            if scope.end is not None:
                stmt = stmt.where(MetricPoint.ts < int(scope.end.timestamp()))
            series_rows = s.execute(stmt.order_by(MetricPoint.ts, MetricPoint.ms, MetricPoint.step)).all()
            # [ts, value], or [ts, value, ms, step] for a point logged within a second or at a training step
            points.append({"series": skey, "points": [[int(t), float(v)] if not ms and not step else
                                                      [int(t), float(v), int(ms), int(step)]
                                                      for t, v, ms, step in series_rows]})
        counts["metric_point"] = sum(len(p["points"]) for p in points)
        files[POINTS_FILE] = _json_bytes(points)
        for sha, content in sorted(evidence.items()):
            files[f"evidence/{sha}"] = content
        for sha, content in sorted(paper_files.items()):
            files[f"papers/{sha}"] = content  # the issued papers' files, byte for byte
    with ws.read() as s:
        head = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    manifest = {
        "audit_head": {"seq": head[0], "hash": head[1]} if head else None,  # the signer's chain, as exported
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": migrate.head_revision(),
        "bundle_uuid": bundle_uuid, "created_at": jsonable(ws.clock()),
        "source": {"workspace_uuid": ws_uuid, "organisation": organisation, "sequence": int(sequence)},
        "signer": {"algorithm": "Ed25519", "public_key": base64.b64encode(raw_public).decode(),
                   "fingerprint": keys.fingerprint(raw_public)},
        "initiatives": sorted(codes), "range": {"from": start.isoformat() if start else None,
                                                "to": end.isoformat() if end else None},
        "counts": counts, "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    manifest_bytes = _json_bytes(manifest)
    signature = base64.b64encode(private.sign(manifest_bytes))
    target = Path(out).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [(MANIFEST, manifest_bytes), (SIGNATURE, signature), *sorted(files.items())]:
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    if not ws.read_only:
        with ws.write("exchange") as tx:
            _set_states(tx.session, state, bundle_uuid)
            tx.session.add(ExchangeBundle(bundle_uuid=bundle_uuid, direction="export", file_name=target.name,
                                          sha256=sha, signer_fingerprint=keys.fingerprint(raw_public),
                                          organisation=organisation, at=ws.clock(), summary=counts))
            tx.audit("export-bundle", "bundle", bundle_uuid, after={"initiatives": sorted(codes), "counts": counts,
                                                                    "sha256": sha}, note=target.name)
    return ExportResult(target, bundle_uuid, counts, sha)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _set_states(session: Session, state: list[tuple[str, str, str]], bundle_uuid: str) -> None:
    """Record the digest of every record sent or received (one query to read, then plain inserts/updates)."""
    with session.no_autoflush:
        existing = {(r.entity, r.record_key): r for r in session.scalars(select(ExchangeState))}
        for entity, key, digest in state:
            row = existing.get((entity, key))
            if row is None:
                row = ExchangeState(entity=entity, record_key=key, digest=digest, bundle_uuid=bundle_uuid)
                session.add(row)
                existing[(entity, key)] = row
            else:
                row.digest, row.bundle_uuid = digest, bundle_uuid
    session.flush()


# --- reading and verifying ---------------------------------------------------------------------------------

#: Bounds checked against every entry's declared size before it is read, and against what it really inflates to
#: while it is read: a bundle costs nothing before its signature is checked, and little more after.
MAX_ENTRIES = 100_000
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024
MAX_RECORDS_BYTES = 1024 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
_EVIDENCE_NAME = re.compile(r"^(evidence|papers)/[0-9a-f]{64}$")  # evidence files, issued papers' bytes
MAX_PAPER_BYTES = 200 * 1024 * 1024
_RECORD_FILES = frozenset({f"records/{k.name}.json" for k in rec.KINDS} | {POINTS_FILE})


def _name_problem(name: str) -> str | None:
    """Why an entry name is refused, or None. Only the names OpsDesk writes are accepted; any path that could lead
    outside a folder (``..``, absolute, a drive, a backslash) is called unsafe."""
    if name in (MANIFEST, SIGNATURE) or name in _RECORD_FILES or _EVIDENCE_NAME.match(name):
        return None
    parts = name.split("/")
    if (".." in name or name.startswith(("/", "~")) or "\\" in name or re.match(r"^[A-Za-z]:", name)
            or any(p in ("", ".") for p in parts) or any(ord(c) < 32 for c in name)):
        return f"the entry '{_shown(name)}' is an unsafe path (it could lead outside the bundle)"
    return f"the entry '{_shown(name)}' is not a file OpsDesk writes into a bundle"


def _shown(name: str, limit: int = 120) -> str:
    name = "".join(c if c.isprintable() else "?" for c in name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _limit(name: str) -> int:
    if name == MANIFEST:
        return MAX_MANIFEST_BYTES
    if name == SIGNATURE:
        return MAX_SIGNATURE_BYTES
    if name.startswith("evidence/"):
        return MAX_EVIDENCE_BYTES
    if name.startswith("papers/"):
        return MAX_PAPER_BYTES
    return MAX_RECORDS_BYTES


def _entry_count(data: bytes) -> int | None:
    """How many entries the zip's end record announces (zip64 too), read before the central directory is
    parsed; None when there is no end record (the zip module then says the file is damaged)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, end + 10)[0]
    locator = end - 20
    if count == 0xFFFF and locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        offset = struct.unpack_from("<Q", data, locator + 8)[0]
        if offset + 40 <= len(data) and data[offset:offset + 4] == b"PK\x06\x06":
            count = struct.unpack_from("<Q", data, offset + 32)[0]
    return count


def _open_zip(source: Path) -> tuple[zipfile.ZipFile, bytes]:
    try:
        info = source.stat()
    except OSError as exc:
        raise BundleRefused(f"cannot read {source}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise BundleRefused(f"{source.name} is not a regular file")
    if info.st_size > MAX_TOTAL_BYTES:
        raise BundleRefused(f"{source.name} is larger than a bundle may be ({MAX_TOTAL_BYTES // 2**30} GB)")
    try:
        data = files.read_bounded(source, files.IMPORT_LIMIT, "bundle file")
    except files.FileRefused as exc:
        raise BundleRefused(f"cannot read {exc}") from None
    count = _entry_count(data)
    if count is not None and count > MAX_ENTRIES:
        raise BundleRefused(f"{source.name} has {count:,} entries, more than a bundle may hold ({MAX_ENTRIES:,})")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - the zip module raises many kinds on hostile bytes
        raise BundleRefused(f"{source.name} is not an OpsDesk bundle (not a zip file, or damaged)") from None
    return zf, data


def _check_entries(zf: zipfile.ZipFile, file_name: str) -> dict[str, zipfile.ZipInfo]:
    """Names, sizes and count of every entry, before a single byte is inflated."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleRefused(f"{file_name} has {len(infos):,} entries, more than a bundle may hold ({MAX_ENTRIES:,})")
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if name in by_name:
            raise BundleRefused(f"the entry {_shown(name)} appears twice in the zip (other tools would show the "
                                "other copy)")
        problem = _name_problem(name)
        if problem:
            raise BundleRefused(problem)
        if info.flag_bits & 0x1:
            raise BundleRefused(f"the entry {name} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleRefused(f"the entry {name} uses a compression OpsDesk does not write")
        if info.file_size > _limit(name):
            raise BundleRefused(f"the entry {name} would inflate to {info.file_size:,} bytes, more than it may "
                                f"({_limit(name):,})")
        total += info.file_size
        by_name[name] = info
    if total > MAX_TOTAL_BYTES:
        raise BundleRefused(f"the bundle would inflate to {total:,} bytes, more than a bundle may "
                            f"({MAX_TOTAL_BYTES:,})")
    return by_name


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, reading at most its declared size (and refusing an entry that inflates to more)."""
    name = info.filename
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except Exception as exc:  # noqa: BLE001 - zlib.error, BadZipFile (CRC), EOFError, OSError, NotImplementedError…
        raise BundleRefused(f"the file {name} is damaged ({type(exc).__name__})") from None
    if len(data) != info.file_size or len(data) > _limit(name):
        raise BundleRefused(f"the file {name} is damaged (it does not inflate to its declared size)")
    return data


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise BundleRefused(f"{what} is not valid JSON") from None


def _check_manifest(manifest: dict[str, Any], names: set[str]) -> dict[str, str]:
    """The signed manifest's fields have the types and forms OpsDesk writes; returns its list of files."""
    def bad(field_name: str, why: str) -> BundleRefused:
        return BundleRefused(f"the manifest's {field_name} {why}")

    uuid_text = manifest.get("bundle_uuid")
    if not isinstance(uuid_text, str) or not re.fullmatch(r"[0-9a-fA-F-]{36}", uuid_text):
        raise bad("bundle_uuid", "is not a bundle identifier")
    source = manifest.get("source", {})
    if not isinstance(source, dict) or not isinstance(source.get("organisation", ""), str) \
            or len(source.get("organisation", "")) > 200:
        raise bad("source.organisation", "is not the name of an organisation")
    sequence = source.get("sequence", 0)
    if type(sequence) is not int or sequence < 0:
        raise bad("source.sequence", "is not a sequence number")
    if not isinstance(manifest.get("created_at", ""), str):
        raise bad("created_at", "is not a time")
    codes = manifest.get("initiatives", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) and len(c) <= 40 for c in codes):
        raise bad("initiatives", "is not a list of initiative codes")
    listed = manifest.get("files", {})
    if not isinstance(listed, dict):
        raise bad("files", "is not a list of files with their SHA-256")
    for name, digest in listed.items():
        problem = _name_problem(name)
        if problem:
            raise BundleRefused(f"{problem}; it is listed in the signed manifest")
        if name in (MANIFEST, SIGNATURE) or not checks.is_sha256(digest):
            raise bad("files", f"entry for {_shown(name)} has no SHA-256")
    extra = names - set(listed) - {MANIFEST, SIGNATURE}
    if extra:
        raise BundleRefused(f"it holds a file the signed manifest does not list: {_shown(sorted(extra)[0])}")
    return listed


def _read(session: Session, path: str | Path, own_fingerprint: str) -> _Bundle:
    source = Path(path).expanduser()
    zf, data = _open_zip(source)
    with zf:
        entries = _check_entries(zf, source.name)
        if MANIFEST not in entries or SIGNATURE not in entries:
            raise BundleRefused(f"{source.name} has no signed manifest")
        manifest_bytes = _member(zf, entries[MANIFEST])
        signature_text = _member(zf, entries[SIGNATURE])
        try:
            manifest = json.loads(manifest_bytes)
            signature = base64.b64decode(signature_text, validate=True)
            signer = manifest["signer"]
            raw_public = base64.b64decode(signer["public_key"], validate=True)
        except (ValueError, KeyError, TypeError, RecursionError):
            raise BundleRefused("the manifest or its signature cannot be read") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleRefused(f"{source.name} is not an OpsDesk exchange bundle")
        fp = keys.fingerprint(raw_public)
        trusted = keys.trusted_public_key(session, fp)
        if trusted is None and fp != own_fingerprint:
            org = manifest.get("source", {}).get("organisation", "") if isinstance(manifest.get("source"), dict) else ""
            org = org if isinstance(org, str) else ""
            raise BundleRefused(f"it is signed by an unknown key {keys.short(fp)}{f' ({_shown(org, 60)})' if org else ''}; "
                                "trust that workspace's public key first with 'opsdesk keys trust FILE'")
        label = trusted[0] if trusted else "this workspace"
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(raw_public).verify(signature, manifest_bytes)
        except (InvalidSignature, ValueError):
            raise BundleRefused("the signature does not match the manifest (the manifest was altered)") from None
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BundleRefused(f"it was written in bundle format {_shown(str(version), 20)}, newer than this OpsDesk "
                                f"reads ({FORMAT_VERSION}); upgrade OpsDesk to import it")
        revision = manifest.get("schema_revision")
        if not isinstance(revision, str) or not migrate.knows_revision(revision):
            raise BundleRefused(f"it comes from a newer workspace schema (revision {_shown(str(revision), 20)}, this "
                                f"OpsDesk knows up to {migrate.head_revision()}); upgrade OpsDesk to import it")
        listed = _check_manifest(manifest, set(entries))
        contents: dict[str, bytes] = {}
        for name, expected in sorted(listed.items()):
            if name not in entries:
                raise BundleRefused(f"the file {name} listed in the manifest is missing")
            content = _member(zf, entries[name])
            if hashlib.sha256(content).hexdigest() != expected:
                raise BundleRefused(f"the file {name} was altered (its SHA-256 does not match the manifest)")
            contents[name] = content
    evidence: dict[str, bytes] = {}
    for name, content in contents.items():
        if name.startswith(("evidence/", "papers/")):
            digest = name.split("/", 1)[1]
            if hashlib.sha256(content).hexdigest() != digest:
                raise BundleRefused(f"the file {name} does not have the SHA-256 its name records")
            evidence[digest] = content
    raw_records = {k.name: _json(contents[checks.file_of(k.name)], checks.file_of(k.name)) for k in rec.KINDS
                   if checks.file_of(k.name) in contents}
    raw_points = _json(contents.get(POINTS_FILE, b"[]"), POINTS_FILE)
    try:
        records = checks.check_records(raw_records, evidence)
        series = {rec.key_text(rec.key_of(rec.BY_NAME["metric_series"], r)) for r in records.get("metric_series", [])}
        points = checks.check_points(raw_points, series)
    except checks.RecordProblem as exc:
        raise BundleRefused(str(exc)) from None
    return _Bundle(manifest, records, points, evidence, label, hashlib.sha256(data).hexdigest(), source.name, fp)


# --- planning and applying ----------------------------------------------------------------------------------

@dataclass
class _Plan:
    items: list[PlanItem] = field(default_factory=list)
    steps: list[Callable[[Tx, str], None]] = field(default_factory=list)
    state: list[tuple[str, str, str]] = field(default_factory=list)
    versions: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, key, digest) seen at this version


@dataclass(frozen=True)
class _Seen:
    version: int
    digest: str
    file_name: str


def _seen_versions(session: Session, bundle: _Bundle) -> dict[tuple[str, str], _Seen]:
    rows = session.scalars(select(ExchangeVersion).where(ExchangeVersion.signer_fingerprint == bundle.fingerprint))
    return {(r.entity, r.record_key): _Seen(r.version, r.digest, r.file_name) for r in rows}


def _plan(session: Session, bundle: _Bundle, resolve: str = "keep") -> _Plan:  # noqa: C901
    """Compare every incoming record with the local one, with its digest at the last exchange, and with the newest
    version of it this signer sent before."""
    plan = _Plan()
    keymaps: rec.KeyMaps = {}
    local_ids: dict[str, dict[str, int]] = {}
    states = {(r.entity, r.record_key): r.digest for r in session.scalars(select(ExchangeState))}
    seen = _seen_versions(session, bundle)
    incoming_keys = {k.name: {rec.key_text(rec.key_of(k, r)) for r in bundle.records.get(k.name, [])}
                     for k in rec.KINDS}
    _check_markings(session, bundle)
    for kind in rec.KINDS:
        local = rec.index(kind, session.scalars(select(kind.model)), keymaps)
        by_key = {rec.key_text(k): (r, o) for k, r, o in local.values()}
        ids = local_ids.setdefault(kind.name, {})
        has_id = "id" in sa_inspect(kind.model).columns
        if has_id:
            ids.update({rec.key_text(k): o.id for k, _r, o in local.values()})
        for n, incoming in enumerate(bundle.records.get(kind.name, []), start=1):
            _check_references(kind, n, incoming, local_ids, incoming_keys)
            key = rec.key_text(rec.key_of(kind, incoming))
            new_digest = rec.digest(incoming)
            base = states.get((kind.name, key))
            found = by_key.get(key)
            if found is None:
                action = "create"
            else:
                old_digest = rec.digest(found[0])
                if old_digest == new_digest:
                    action = "unchanged"
                elif base == old_digest:
                    action = "update"
                elif base == new_digest:
                    action = "kept"
                else:
                    action = "conflict"
            newer = seen.get((kind.name, key))
            detail = _difference(found[0], incoming) if found is not None and action in ("update", "conflict") else ""
            if action != "unchanged" and newer is not None and newer.version > bundle.sequence \
                    and newer.digest != new_digest:
                action = "stale"
                detail = (f"older than the version in {newer.file_name or 'a bundle'} from the same signer"
                          + (f" ({_difference(found[0], incoming)} differ)" if found is not None else ""))
            plan.items.append(PlanItem(kind.name, rec.label(rec.key_of(kind, incoming)), action, detail))
            apply_it = action in ("create", "update") or (action in ("conflict", "stale") and resolve == "theirs")
            plan.steps.append(_RecordStep(kind, incoming, key, found[1] if found else None, apply_it, local_ids,
                                          bundle, n))
            if action in ("create", "update", "unchanged") or apply_it:
                plan.state.append((kind.name, key, new_digest))
            if newer is None or newer.version <= bundle.sequence:
                plan.versions.append((kind.name, key, new_digest))
    stale_series = {key for (entity, key), v in seen.items()
                    if entity == "metric_series" and v.version > bundle.sequence}
    _plan_points(session, bundle, plan, local_ids, incoming_keys["metric_series"], stale_series, resolve)
    return plan


def _check_references(kind: rec.Kind, n: int, incoming: dict[str, Any], local_ids: dict[str, dict[str, int]],
                      incoming_keys: dict[str, set[str]]) -> None:
    """A required reference names a record that is here or travels in the bundle."""
    _columns, _names, table, refs = checks._shape(kind.name)
    for name in refs:
        raw = incoming.get(name)
        if raw is None or table[name].nullable:
            continue
        ref = rec._ref_kind(kind, name, incoming)
        if ref is None:
            continue
        target = rec.key_text(raw)
        if target not in local_ids.get(ref, {}) and target not in incoming_keys.get(ref, set()):
            raise BundleRefused(f"{checks.file_of(kind.name)}, record {n} ({rec.label(rec.key_of(kind, incoming))[:80]}),"
                                f" field {name}: refers to a {ref} {rec.label(raw)[:80]} that is neither here nor in "
                                "the bundle")


def _check_markings(session: Session, bundle: _Bundle) -> None:
    """Refuse records marked with a classification this workspace's scheme does not know."""
    scheme = set(session.scalar(select(WorkspaceInfo.classification_scheme)) or [])
    for kind in rec.KINDS:
        for incoming in bundle.records.get(kind.name, []):
            marking = incoming.get("classification")
            if marking is not None and scheme and marking not in scheme:
                raise BundleRefused(f"{kind.name} {rec.label(rec.key_of(kind, incoming))} is marked {marking}, "
                                    "which this workspace's classification scheme does not have")


def _difference(local: dict[str, Any], incoming: dict[str, Any]) -> str:
    fields = sorted(k for k in set(local) | set(incoming) if local.get(k) != incoming.get(k))
    return ", ".join(fields)


@dataclass
class _RecordStep:
    """Applying one incoming record (when the plan takes it): create it, or update the local one."""

    kind: rec.Kind
    incoming: dict[str, Any]
    key: str
    obj: Any
    apply_it: bool
    local_ids: dict[str, dict[str, int]]
    bundle: _Bundle
    n: int = 0

    @property
    def batchable(self) -> bool:
        """A new record that refers to no record of its own kind: created together with its neighbours."""
        return self.apply_it and self.obj is None and not any(
            rec._ref_kind(self.kind, name, self.incoming) == self.kind.name for name in self.kind.columns())

    def __call__(self, tx: Tx, note: str) -> None:
        if self.apply_it:
            _create_all(tx, [self], note) if self.obj is None else self._guarded(
                lambda: tx.update(self.obj, self.kind.name, self.values(), key=self.key, note=note))

    def values(self) -> dict[str, Any]:
        values = rec.column_values(self.kind, self.incoming, self.local_ids)
        if self.kind.name in ("evidence_file", "issued_paper_file"):
            values["content"] = self.bundle.evidence[self.incoming["sha256"]]
        return values

    def where(self) -> str:
        return f"{checks.file_of(self.kind.name)}, record {self.n} ({rec.label(rec.key_of(self.kind, self.incoming))[:80]})"

    def _guarded(self, work: Callable[[], Any], steps: list[_RecordStep] | None = None) -> Any:
        """Run ``work``, naming the record (or the records of ``steps``) a refusal is about."""
        try:
            return work()
        except ValidationError as exc:
            raise BundleRefused(f"{self.where()}, field {exc.field}: {exc.reason}") from None
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            where = self.where() if not steps or len(steps) == 1 else (
                f"{checks.file_of(self.kind.name)}, records {steps[0].n}–{steps[-1].n}")
            raise BundleRefused(f"{where} cannot be stored here: {reason[:200]}") from None


def _create_all(tx: Tx, steps: list[_RecordStep], note: str) -> None:
    """Create the new records of consecutive steps of one kind: one flush for the records, one for their events."""
    kind = steps[0].kind
    objs = []
    for step in steps:
        values = step._guarded(step.values)
        objs.append((kind.model(**values), step.key))
    steps[0]._guarded(lambda: tx.add_all(objs, kind.name, note=note), steps)
    if "id" in sa_inspect(kind.model).columns:
        ids = steps[0].local_ids[kind.name]
        for obj, key in objs:
            ids[key] = obj.id


def _apply_steps(tx: Tx, steps: list[Callable[[Tx, str], None]], note: str) -> None:
    """Apply the plan in its order; runs of new records of one kind are created together."""
    batch: list[_RecordStep] = []
    for step in steps:
        if isinstance(step, _RecordStep) and step.batchable:
            if batch and batch[0].kind is not step.kind:
                _create_all(tx, batch, note)
                batch = []
            batch.append(step)
            continue
        if batch:
            _create_all(tx, batch, note)
            batch = []
        step(tx, note)
    if batch:
        _create_all(tx, batch, note)


def _plan_points(session: Session, bundle: _Bundle, plan: _Plan, local_ids: dict[str, dict[str, int]],
                 incoming_series: set[str], stale_series: set[str], resolve: str) -> None:
    for n, block in enumerate(bundle.points, start=1):
        skey = rec.key_text(block["series"])
        sid = local_ids["metric_series"].get(skey)
        if sid is None and skey not in incoming_series:
            raise BundleRefused(f"{POINTS_FILE}, block {n}, field series: the series {rec.label(block['series'])[:80]} "
                                "is neither here nor in the bundle")
        # [unix seconds, value] or, for points logged within one second, [seconds, value, milliseconds, step]
        rows = [(int(p[0]), float(p[1]), int(p[2]) if len(p) > 2 else 0, int(p[3]) if len(p) > 3 else 0)
                for p in block["points"]]
        existing: dict[tuple[int, int, int], float] = {}
        if sid is not None and rows:
            lo, hi = min(r[0] for r in rows), max(r[0] for r in rows)
            existing = {(t, ms, step): v for t, ms, step, v in session.execute(
                select(MetricPoint.ts, MetricPoint.ms, MetricPoint.step, MetricPoint.value).where(
                    MetricPoint.series_id == sid, MetricPoint.ts >= lo, MetricPoint.ts <= hi))}
        new = sum(1 for t, _v, ms, step in rows if (t, ms, step) not in existing)
        changed = sum(1 for t, v, ms, step in rows if (t, ms, step) in existing and existing[(t, ms, step)] != v)
        stale = bool(changed) and skey in stale_series and resolve != "theirs"
        action = "stale" if stale else "create" if new and not changed else "update" if changed else "unchanged"
        detail = f"{len(rows)} points: {new} new, {changed} changed"
        if stale:
            detail += " (older than the values this signer sent since: the changed ones are kept as they are here)"
            rows = [r for r in rows if (r[0], r[2], r[3]) not in existing]
        plan.items.append(PlanItem("metric_point", rec.label(block["series"]), action, detail))
        if rows and (new or (changed and not stale)):
            plan.steps.append(_points_step(skey, rows, local_ids, detail))


def _points_step(skey: str, rows: list[tuple[int, float, int, int]], local_ids: dict[str, dict[str, int]],
                 detail: str) -> Callable[[Tx, str], None]:
    def run(tx: Tx, note: str) -> None:
        sid = local_ids["metric_series"].get(skey)
        if sid is None:  # the series itself was not taken (kept, stale or in conflict): nothing to attach them to
            return
        tx.session.flush()
        queries.bulk_upsert_point_columns(tx.session.connection(), [sid] * len(rows), [r[0] for r in rows],
                                          [r[1] for r in rows], None, ms=[r[2] for r in rows],
                                          steps=[r[3] for r in rows])
        tx.audit("import-points", "metric_series", skey, after={"points": detail}, note=note)

    return run


def _set_versions(session: Session, bundle: _Bundle, versions: list[tuple[str, str, str]]) -> None:
    """Remember, per signer, the newest version of every record it sent (one query to read, then writes)."""
    with session.no_autoflush:
        existing = {(r.entity, r.record_key): r for r in session.scalars(
            select(ExchangeVersion).where(ExchangeVersion.signer_fingerprint == bundle.fingerprint))}
        for entity, key, digest in versions:
            row = existing.get((entity, key))
            if row is None:
                row = ExchangeVersion(signer_fingerprint=bundle.fingerprint, entity=entity, record_key=key,
                                      version=bundle.sequence, digest=digest,
                                      bundle_uuid=bundle.manifest["bundle_uuid"], file_name=bundle.file_name[:500])
                session.add(row)
                existing[(entity, key)] = row
            elif row.version <= bundle.sequence:
                row.version, row.digest = bundle.sequence, digest
                row.bundle_uuid, row.file_name = bundle.manifest["bundle_uuid"], bundle.file_name[:500]
    session.flush()


def _preview(bundle: _Bundle, plan: _Plan, already: bool) -> ImportPreview:
    m = bundle.manifest
    return ImportPreview(m["bundle_uuid"], bundle.file_name, m.get("source", {}).get("organisation", ""),
                         bundle.signer_label, bundle.fingerprint, str(m.get("created_at", "")),
                         tuple(m.get("initiatives", [])), tuple(plan.items), already)


def _already(session: Session, bundle: _Bundle) -> bool:
    return session.scalar(select(ExchangeBundle.id).where(
        ExchangeBundle.bundle_uuid == bundle.manifest["bundle_uuid"], ExchangeBundle.direction == "import")) is not None


def preview_import(ws: Workspace, path: str | Path) -> ImportPreview:
    """Verify the bundle and say what importing it would do, without changing anything."""
    own = keys.existing_fingerprint(ws)
    with ws.read() as s:
        bundle = _read(s, path, own)
        return _preview(bundle, _plan(s, bundle), _already(s, bundle))


def import_bundle(ws: Workspace, path: str | Path, *, resolve: str = "keep") -> ImportPreview:
    """Verify and apply the bundle in one transaction. Conflicts keep the local record unless
    ``resolve="theirs"``. Every change is audited with a note naming the bundle."""
    if resolve not in ("keep", "theirs"):
        raise ValidationError("resolve", "is 'keep' or 'theirs'")
    own = keys.existing_fingerprint(ws)
    with ws.write("exchange") as tx:
        bundle = _read(tx.session, path, own)
        if _already(tx.session, bundle):
            raise ValidationError("bundle", f"{bundle.file_name} ({bundle.manifest['bundle_uuid']}) was already "
                                  "imported here")
        plan = _plan(tx.session, bundle, resolve)
        m = bundle.manifest
        note = f"bundle {m['bundle_uuid']} from {m.get('source', {}).get('organisation', '')} ({bundle.file_name})"
        _apply_steps(tx, plan.steps, note)
        _set_states(tx.session, plan.state, m["bundle_uuid"])
        _set_versions(tx.session, bundle, plan.versions)
        preview = _preview(bundle, plan, False)
        tx.session.add(ExchangeBundle(bundle_uuid=m["bundle_uuid"], direction="import", file_name=bundle.file_name,
                                      sha256=bundle.sha256, signer_fingerprint=bundle.fingerprint,
                                      organisation=m.get("source", {}).get("organisation", ""), at=ws.clock(),
                                      summary=preview.counts()))
        tx.audit("import-bundle", "bundle", m["bundle_uuid"],
                 after={"signer": bundle.signer_label, "fingerprint": bundle.fingerprint,
                        "sha256": bundle.sha256, "counts": preview.counts(), "resolve": resolve,
                        "signer_head": m.get("audit_head")}, note=note)
    return preview
