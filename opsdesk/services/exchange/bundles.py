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
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk import files
from opsdesk.errors import OpsDeskError, ValidationError
from opsdesk.services.exchange import keys
from opsdesk.services.exchange import records as rec
from opsdesk.store import migrate, queries
from opsdesk.store.audit import jsonable
from opsdesk.store.models import ExchangeBundle, ExchangeState, Initiative, MetricPoint, WorkspaceInfo
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
        scope = rec.Scope(frozenset(ids.values()), _day_start(start), end_excl)
        organisation = s.scalar(select(WorkspaceInfo.organisation)) or ""
        keymaps: rec.KeyMaps = {}
        series_ids: dict[int, list[Any]] = {}
        evidence: dict[str, bytes] = {}
        for kind in rec.KINDS:
            indexed = rec.index(kind, rec.scoped(s, kind, scope), keymaps)
            rows = sorted(indexed.values(), key=lambda t: rec.key_text(t[0]))
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
        points = []
        for sid, skey in sorted(series_ids.items(), key=lambda t: rec.key_text(t[1])):
            stmt = select(MetricPoint.ts, MetricPoint.value).where(MetricPoint.series_id == sid)
            if scope.start is not None:
                stmt = stmt.where(MetricPoint.ts >= int(scope.start.timestamp()))
            if scope.end is not None:
                stmt = stmt.where(MetricPoint.ts < int(scope.end.timestamp()))
            series_rows = s.execute(stmt.order_by(MetricPoint.ts)).all()
            points.append({"series": skey, "points": [[int(t), float(v)] for t, v in series_rows]})
        counts["metric_point"] = sum(len(p["points"]) for p in points)
        files[POINTS_FILE] = _json_bytes(points)
        for sha, content in sorted(evidence.items()):
            files[f"evidence/{sha}"] = content
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": migrate.head_revision(),
        "bundle_uuid": bundle_uuid, "created_at": jsonable(ws.clock()),
        "source": {"workspace_uuid": ws_uuid, "organisation": organisation},
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

def _read(session: Session, path: str | Path, own_fingerprint: str) -> _Bundle:
    source = Path(path).expanduser()
    try:
        data = files.read_bounded(source, files.IMPORT_LIMIT, "bundle file")
    except files.FileRefused as exc:
        raise BundleRefused(f"cannot read {exc}") from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise BundleRefused(f"{source.name} is not an OpsDesk bundle (not a zip file, or damaged)") from None
    with zf:
        if MANIFEST not in names or SIGNATURE not in names:
            raise BundleRefused(f"{source.name} has no signed manifest")
        manifest_bytes = _member(zf, MANIFEST)
        try:
            manifest = json.loads(manifest_bytes)
            signature = base64.b64decode(_member(zf, SIGNATURE), validate=True)
            signer = manifest["signer"]
            raw_public = base64.b64decode(signer["public_key"], validate=True)
        except (ValueError, KeyError, TypeError):
            raise BundleRefused("the manifest or its signature cannot be read") from None
        if manifest.get("format") != FORMAT:
            raise BundleRefused(f"{source.name} is not an OpsDesk exchange bundle")
        fp = keys.fingerprint(raw_public)
        trusted = keys.trusted_public_key(session, fp)
        if trusted is None and fp != own_fingerprint:
            org = manifest.get("source", {}).get("organisation", "")
            raise BundleRefused(f"it is signed by an unknown key {keys.short(fp)}{f' ({org})' if org else ''}; "
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
            raise BundleRefused(f"it was written in bundle format {version}, newer than this OpsDesk reads "
                                f"({FORMAT_VERSION}); upgrade OpsDesk to import it")
        revision = manifest.get("schema_revision")
        if not migrate.knows_revision(revision):
            raise BundleRefused(f"it comes from a newer workspace schema (revision {revision}, this OpsDesk knows "
                                f"up to {migrate.head_revision()}); upgrade OpsDesk to import it")
        listed: dict[str, str] = manifest.get("files", {})
        extra = names - set(listed) - {MANIFEST, SIGNATURE}
        if extra:
            raise BundleRefused(f"it holds a file the signed manifest does not list: {sorted(extra)[0]}")
        contents: dict[str, bytes] = {}
        for name, expected in sorted(listed.items()):
            if name not in names:
                raise BundleRefused(f"the file {name} listed in the manifest is missing")
            content = _member(zf, name)
            if hashlib.sha256(content).hexdigest() != expected:
                raise BundleRefused(f"the file {name} was altered (its SHA-256 does not match the manifest)")
            contents[name] = content
    try:
        records = {k.name: json.loads(contents[f"records/{k.name}.json"]) for k in rec.KINDS
                   if f"records/{k.name}.json" in contents}
        points = json.loads(contents.get(POINTS_FILE, b"[]"))
    except ValueError:
        raise BundleRefused("a record file is not valid JSON") from None
    evidence = {n.split("/", 1)[1]: c for n, c in contents.items() if n.startswith("evidence/")}
    return _Bundle(manifest, records, points, evidence, label, hashlib.sha256(data).hexdigest(), source.name)


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        import zlib

        if isinstance(exc, zlib.error | zipfile.BadZipFile | EOFError):
            raise BundleRefused(f"the file {name} is damaged ({exc})") from None
        raise BundleRefused(f"the file {name} cannot be read ({exc})") from None
    except Exception as exc:  # zlib.error is not an OSError
        raise BundleRefused(f"the file {name} is damaged ({exc})") from None


# --- planning and applying ----------------------------------------------------------------------------------

@dataclass
class _Plan:
    items: list[PlanItem] = field(default_factory=list)
    steps: list[Callable[[Tx, str], None]] = field(default_factory=list)
    state: list[tuple[str, str, str]] = field(default_factory=list)


def _plan(session: Session, bundle: _Bundle, resolve: str = "keep") -> _Plan:
    """Compare every incoming record with the local one and with its digest at the last exchange."""
    plan = _Plan()
    keymaps: rec.KeyMaps = {}
    local_ids: dict[str, dict[str, int]] = {}
    states = {(r.entity, r.record_key): r.digest for r in session.scalars(select(ExchangeState))}
    _check_markings(session, bundle)
    for kind in rec.KINDS:
        local = rec.index(kind, session.scalars(select(kind.model)), keymaps)
        by_key = {rec.key_text(k): (r, o) for k, r, o in local.values()}
        ids = local_ids.setdefault(kind.name, {})
        has_id = "id" in sa_inspect(kind.model).columns
        if has_id:
            ids.update({rec.key_text(k): o.id for k, _r, o in local.values()})
        for incoming in bundle.records.get(kind.name, []):
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
            detail = _difference(found[0], incoming) if found is not None and action in ("update", "conflict") else ""
            plan.items.append(PlanItem(kind.name, rec.label(rec.key_of(kind, incoming)), action, detail))
            apply_it = action in ("create", "update") or (action == "conflict" and resolve == "theirs")
            plan.steps.append(_step(kind, incoming, key, found[1] if found else None, apply_it, new_digest,
                                    action, local_ids, bundle))
            if action in ("create", "update", "unchanged") or apply_it:
                plan.state.append((kind.name, key, new_digest))
    _plan_points(session, bundle, plan, local_ids)
    return plan


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


def _step(kind: rec.Kind, incoming: dict[str, Any], key: str, obj: Any, apply_it: bool, digest: str,
          action: str, local_ids: dict[str, dict[str, int]], bundle: _Bundle) -> Callable[[Tx, str], None]:
    def run(tx: Tx, note: str) -> None:
        if not apply_it:
            return
        values = rec.column_values(kind, incoming, local_ids)
        if kind.name == "evidence_file":
            values["content"] = bundle.evidence[incoming["sha256"]]
        if obj is None:
            new = kind.model(**values)
            tx.add(new, kind.name, key=key, note=note)
            if "id" in sa_inspect(kind.model).columns:
                local_ids[kind.name][key] = new.id
        else:
            tx.update(obj, kind.name, values, key=key, note=note)

    return run


def _plan_points(session: Session, bundle: _Bundle, plan: _Plan, local_ids: dict[str, dict[str, int]]) -> None:
    for block in bundle.points:
        skey = rec.key_text(block["series"])
        rows = [(int(t), float(v)) for t, v in block["points"]]
        sid = local_ids["metric_series"].get(skey)
        existing: dict[int, float] = {}
        if sid is not None and rows:
            lo, hi = min(t for t, _ in rows), max(t for t, _ in rows)
            existing = dict(session.execute(select(MetricPoint.ts, MetricPoint.value).where(
                MetricPoint.series_id == sid, MetricPoint.ts >= lo, MetricPoint.ts <= hi)).all())
        new = sum(1 for t, _ in rows if t not in existing)
        changed = sum(1 for t, v in rows if t in existing and existing[t] != v)
        action = "create" if new and not changed else "update" if changed else "unchanged"
        detail = f"{len(rows)} points: {new} new, {changed} changed"
        plan.items.append(PlanItem("metric_point", rec.label(block["series"]), action, detail))
        if new or changed:
            plan.steps.append(_points_step(skey, rows, local_ids, detail))


def _points_step(skey: str, rows: list[tuple[int, float]], local_ids: dict[str, dict[str, int]],
                 detail: str) -> Callable[[Tx, str], None]:
    def run(tx: Tx, note: str) -> None:
        sid = local_ids["metric_series"][skey]
        tx.session.flush()
        queries.bulk_upsert_points(tx.session.connection(), ((sid, t, v) for t, v in rows), None)
        tx.audit("import-points", "metric_series", skey, after={"points": detail}, note=note)

    return run


def _preview(bundle: _Bundle, plan: _Plan, already: bool) -> ImportPreview:
    m = bundle.manifest
    return ImportPreview(m["bundle_uuid"], bundle.file_name, m.get("source", {}).get("organisation", ""),
                         bundle.signer_label, m["signer"]["fingerprint"], str(m.get("created_at", "")),
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
        for step in plan.steps:
            step(tx, note)
        _set_states(tx.session, plan.state, m["bundle_uuid"])
        preview = _preview(bundle, plan, False)
        tx.session.add(ExchangeBundle(bundle_uuid=m["bundle_uuid"], direction="import", file_name=bundle.file_name,
                                      sha256=bundle.sha256, signer_fingerprint=m["signer"]["fingerprint"],
                                      organisation=m.get("source", {}).get("organisation", ""), at=ws.clock(),
                                      summary=preview.counts()))
        tx.audit("import-bundle", "bundle", m["bundle_uuid"],
                 after={"signer": bundle.signer_label, "fingerprint": m["signer"]["fingerprint"],
                        "sha256": bundle.sha256, "counts": preview.counts(), "resolve": resolve}, note=note)
    return preview
