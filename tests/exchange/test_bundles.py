"""Signed exchange bundles between two workspaces: round trip, preview, conflicts, and every refusal."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from opsdesk import paths
from opsdesk.errors import ValidationError
from opsdesk.services.exchange import bundles as exchange
from opsdesk.services.exchange import keys
from opsdesk.services.exchange.bundles import BundleRefused
from opsdesk.services.registry import initiatives, metrics, objectives
from opsdesk.services.workspace import lifecycle
from opsdesk.store import audit
from opsdesk.store.models import AuditEvent, MetricPoint


@pytest.fixture
def site_b(tmp_path: Path):
    w = lifecycle.create(tmp_path / "site-b.opsdesk", organisation="Regional Office", actor="bob")
    yield w
    w.close()


def _trust(source, target, tmp_path: Path, label: str = "Head office") -> None:
    pub = keys.export_public(source, tmp_path / f"{label}.pub")
    keys.trust(target, pub, label)


def _export(demo_ws, tmp_path: Path, codes=("AI-0001", "AI-0002"), name="b1.opsbundle", **kw) -> Path:
    return exchange.export_bundle(demo_ws, list(codes), tmp_path / name, **kw).path


def _rewrite(src: Path, dest: Path, change) -> Path:
    """Copy a bundle, letting ``change(name, data)`` alter or drop (return None) each member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
    return dest


def _fingerprint_of_tables(w) -> tuple[int, int, int]:
    with w.read() as s:
        return (s.scalar(select(func.count()).select_from(AuditEvent)),
                s.scalar(select(func.count()).select_from(MetricPoint)), len(initiatives.list_rows(w)))


def test_round_trip_carries_initiatives_and_what_they_reference(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    bundle = _export(demo_ws, tmp_path, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    preview = exchange.preview_import(site_b, bundle)
    assert preview.signer_label == "Head office" and preview.counts().get("create", 0) > 100
    assert _fingerprint_of_tables(site_b)[2] == 0, "a preview changes nothing"
    exchange.import_bundle(site_b, bundle)

    got = initiatives.get(site_b, "AI-0001")
    src = initiatives.get(demo_ws, "AI-0001")
    assert (got.name, got.stage, got.budget, got.classification) == (src.name, src.stage, src.budget, src.classification)
    assert {o.code for o in objectives.list_all(site_b)} >= {"OBJ-01", "OBJ-02"}
    series = metrics.list_series(site_b, "AI-0001")
    assert len(series) == len(metrics.list_series(demo_ws, "AI-0001"))
    ts, _values = metrics.points(site_b, series[0].id)
    assert len(ts) == 90  # Q1 2026 only: the date range holds
    assert dt.datetime.fromtimestamp(int(ts[0]), dt.UTC).date() == dt.date(2026, 1, 1)
    assert audit.verify(site_b).ok
    with site_b.read() as s:
        notes = set(s.scalars(select(AuditEvent.note).where(AuditEvent.entity == "initiative")))
    assert any(preview.bundle_uuid in n and "b1.opsbundle" in n for n in notes), "audit events name the bundle"
    again = exchange.preview_import(site_b, bundle)
    assert again.already_imported and set(again.counts()) == {"unchanged"}
    with pytest.raises(ValidationError, match="already imported"):
        exchange.import_bundle(site_b, bundle)


def test_update_and_conflict_are_told_apart(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    exchange.import_bundle(site_b, _export(demo_ws, tmp_path, codes=("AI-0001", "AI-0003")))
    # head office changes both; the region changes AI-0003 too
    initiatives.update(demo_ws, "AI-0001", {"name": "Benefits claim triage v2"})
    initiatives.update(demo_ws, "AI-0003", {"owner": "Head office owner"})
    initiatives.update(site_b, "AI-0003", {"owner": "Regional owner"})
    second = _export(demo_ws, tmp_path, codes=("AI-0001", "AI-0003"), name="b2.opsbundle")
    preview = exchange.preview_import(site_b, second)
    by_key = {(i.entity, i.key): i for i in preview.items}
    assert by_key[("initiative", "AI-0001")].action == "update"
    assert by_key[("initiative", "AI-0003")].action == "conflict"
    assert "owner" in by_key[("initiative", "AI-0003")].detail
    exchange.import_bundle(site_b, second)
    assert initiatives.get(site_b, "AI-0001").name == "Benefits claim triage v2"
    assert initiatives.get(site_b, "AI-0003").owner == "Regional owner", "a conflict keeps ours by default"


def test_conflict_can_take_theirs(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    exchange.import_bundle(site_b, _export(demo_ws, tmp_path, codes=("AI-0003",)))
    initiatives.update(demo_ws, "AI-0003", {"owner": "Head office owner"})
    initiatives.update(site_b, "AI-0003", {"owner": "Regional owner"})
    exchange.import_bundle(site_b, _export(demo_ws, tmp_path, codes=("AI-0003",), name="b2.opsbundle"),
                           resolve="theirs")
    assert initiatives.get(site_b, "AI-0003").owner == "Head office owner"


def test_change_made_only_here_is_kept(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    first = _export(demo_ws, tmp_path, codes=("AI-0003",))
    exchange.import_bundle(site_b, first)
    initiatives.update(site_b, "AI-0003", {"owner": "Regional owner"})
    second = _export(demo_ws, tmp_path, codes=("AI-0003",), name="b2.opsbundle")
    items = {(i.entity, i.key): i.action for i in exchange.preview_import(site_b, second).items}
    assert items[("initiative", "AI-0003")] == "kept"


def _assert_refused(site_b, bundle: Path, match: str) -> None:
    before = _fingerprint_of_tables(site_b)
    with pytest.raises(BundleRefused, match=match):
        exchange.preview_import(site_b, bundle)
    with pytest.raises(BundleRefused, match=match):
        exchange.import_bundle(site_b, bundle)
    assert _fingerprint_of_tables(site_b) == before, "a refused bundle changes nothing"


def test_unknown_signer_is_refused(demo_ws, site_b, tmp_path):
    _assert_refused(site_b, _export(demo_ws, tmp_path), "unknown key")


def test_altered_byte_is_refused(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    good = _export(demo_ws, tmp_path)

    def flip(name: str, data: bytes) -> bytes:
        if name == "records/initiative.json":
            return data.replace(b"480000", b"480001", 1)
        return data

    _assert_refused(site_b, _rewrite(good, tmp_path / "altered.opsbundle", flip), "initiative.json was altered")
    # one byte flipped anywhere in the raw file is refused too, whichever check catches it
    raw = bytearray(good.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    (tmp_path / "flipped.opsbundle").write_bytes(bytes(raw))
    _assert_refused(site_b, tmp_path / "flipped.opsbundle", "bundle refused")


def test_missing_file_is_refused(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    bundle = _rewrite(_export(demo_ws, tmp_path), tmp_path / "missing.opsbundle",
                      lambda n, d: None if n == "records/decision.json" else d)
    _assert_refused(site_b, bundle, "decision.json listed in the manifest is missing")


def test_altered_manifest_breaks_the_signature(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)

    def edit(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            doc = json.loads(data)
            doc["initiatives"] = ["AI-9999"]
            return json.dumps(doc).encode()
        return data

    _assert_refused(site_b, _rewrite(_export(demo_ws, tmp_path), tmp_path / "m.opsbundle", edit),
                    "signature does not match")


def test_bundle_from_a_newer_schema_is_refused(demo_ws, site_b, tmp_path, monkeypatch):
    _trust(demo_ws, site_b, tmp_path)
    from opsdesk.store import migrate

    monkeypatch.setattr(migrate, "head_revision", lambda *a: "9999")
    bundle = _export(demo_ws, tmp_path)
    monkeypatch.undo()
    _assert_refused(site_b, bundle, "newer workspace schema")


def test_private_key_stays_outside_workspace_and_bundle(demo_ws, tmp_path):
    bundle = _export(demo_ws, tmp_path)
    key_file = keys.key_path(keys.workspace_uuid(demo_ws))
    assert key_file.is_file() and key_file.is_relative_to(paths.user_data_dir())
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    pem_body = b"".join(key_file.read_bytes().splitlines()[1:-1])
    with zipfile.ZipFile(bundle) as zf:
        everything = b"".join(zf.read(n) for n in zf.namelist())
    assert b"PRIVATE" not in everything and pem_body not in everything
    pub = json.loads(keys.export_public(demo_ws, tmp_path / "pub.json").read_text())
    assert set(pub) >= {"public_key", "fingerprint"} and "PRIVATE" not in json.dumps(pub)
    if demo_ws.engine.dialect.name == "sqlite":
        assert pem_body not in Path(demo_ws.location).read_bytes()
    # the same workspace keeps the same key
    assert keys.own_fingerprint(demo_ws) == pub["fingerprint"]


def test_trusting_twice_and_bad_key_files_are_clear(demo_ws, site_b, tmp_path):
    _trust(demo_ws, site_b, tmp_path)
    with pytest.raises(ValidationError, match="already trusted"):
        _trust(demo_ws, site_b, tmp_path, label="Again")
    (tmp_path / "junk.pub").write_text("not a key")
    with pytest.raises(ValidationError, match="not an OpsDesk public key"):
        keys.trust(site_b, tmp_path / "junk.pub")
    listed = keys.list_keys(site_b)
    assert [k.label for k in listed] == ["this workspace", "Head office"] and listed[0].own


def test_marking_unknown_to_the_receiver_is_refused(demo_ws, tmp_path):
    other = lifecycle.create(tmp_path / "other.opsdesk", organisation="Other", scheme=("PUBLIC", "INTERNAL"))
    try:
        _trust(demo_ws, other, tmp_path)
        _assert_refused(other, _export(demo_ws, tmp_path, codes=("AI-0011",)), "marked SECRET")
    finally:
        other.close()


def test_evidence_files_travel_with_their_conformance(demo_ws, site_b, tmp_path):
    from opsdesk.services.standards import conformance
    from opsdesk.store.models import Conformance, EvidenceFile, Initiative

    with demo_ws.read() as s:
        requirement_id = s.scalar(select(Conformance.requirement_id).join(
            Initiative, Initiative.id == Conformance.initiative_id).where(Initiative.code == "AI-0001").limit(1))
    evidence = tmp_path / "dpia-signed.pdf"
    evidence.write_bytes(b"%PDF-1.4 signed data protection impact assessment\n")
    conformance.attach_evidence(demo_ws, "AI-0001", requirement_id, evidence)
    _trust(demo_ws, site_b, tmp_path)
    bundle = _export(demo_ws, tmp_path, codes=("AI-0001",))
    with zipfile.ZipFile(bundle) as zf:
        assert any(n.startswith("evidence/") for n in zf.namelist())
    exchange.import_bundle(site_b, bundle)
    with site_b.read() as s:
        stored = [(e.file_name, e.content) for e in s.scalars(select(EvidenceFile))]
    assert stored == [("dpia-signed.pdf", evidence.read_bytes())]


def test_bundles_carry_the_risk_assessment_and_incident_registers(demo_ws, site_b, tmp_path):
    from opsdesk.services.risk import assessments, incidents, risks

    _trust(demo_ws, site_b, tmp_path)
    bundle = _export(demo_ws, tmp_path, codes=("AI-0001", "AI-0006"), name="risks.opsbundle")
    preview = exchange.preview_import(site_b, bundle)
    kinds = {i.entity for i in preview.items}
    assert {"risk", "mitigation", "impact_assessment", "incident", "incident_action"} <= kinds
    exchange.import_bundle(site_b, bundle)

    def view(w, code):
        return ([(r.ref, r.title, r.owner, r.residual_score, r.accepted_by, r.nist, r.trigger_series,
                  r.mitigation_values()) for r in risks.list_risks(w, initiative_code=code)],
                [(a.version_number, a.status, a.approver, a.approved_on, a.texts) for a in
                 assessments.history(w, code)],
                [(x.ref, x.severity, x.status, x.report_to, [(a.title, a.owner, a.decision_id is not None)
                                                            for a in x.actions])
                 for x in incidents.list_incidents(w, initiative_code=code)])

    for code in ("AI-0001", "AI-0006"):
        assert view(site_b, code) == view(demo_ws, code)
    assert view(site_b, "AI-0001")[2][0][4], "the corrective actions travel, tied to their decision"
    assert audit.verify(site_b).ok
    again = exchange.preview_import(site_b, _export(demo_ws, tmp_path, codes=("AI-0001", "AI-0006"),
                                                    name="risks2.opsbundle"))
    assert {i.action for i in again.items if i.entity in ("risk", "incident", "impact_assessment")} == {"unchanged"}


def test_points_logged_within_one_second_travel_with_their_steps(demo_ws, site_b, tmp_path):
    """A bundle carries each point's milliseconds and step (the store's key), so steps logged within one second
    arrive as many points, not one."""
    from opsdesk.store import queries

    series = metrics.list_series(demo_ws, "AI-0001")[0]
    stamp = int(dt.datetime(2026, 2, 1, tzinfo=dt.UTC).timestamp())
    with demo_ws.write("test") as tx:
        queries.bulk_upsert_point_columns(tx.session.connection(), [series.id] * 5, [stamp] * 5,
                                          [0.1, 0.2, 0.3, 0.4, 0.5], None, ms=[0, 100, 200, 300, 400],
                                          steps=[1, 2, 3, 4, 5])
    _trust(demo_ws, site_b, tmp_path)
    exchange.import_bundle(site_b, _export(demo_ws, tmp_path, codes=("AI-0001",), start=dt.date(2026, 2, 1),
                                           end=dt.date(2026, 2, 2)))
    got = next(s for s in metrics.list_series(site_b, "AI-0001") if s.name == series.name)
    stamps, steps, values = metrics.history(site_b, got.id)
    within = stamps // 1000 == stamp
    assert steps[within].tolist() == [0, 1, 2, 3, 4, 5][-int(within.sum()):]
    assert set(values[within].tolist()) >= {0.1, 0.2, 0.3, 0.4, 0.5}
