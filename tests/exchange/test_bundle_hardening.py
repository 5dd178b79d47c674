"""Bundles fail closed before they cost anything: bounded entries, no duplicate or unsafe names, evidence that is
what its digest says, malformed records refused with file, record and field, and older bundles never rolling
records back unseen."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from opsdesk.services.exchange import bundles as exchange
from opsdesk.services.exchange import keys
from opsdesk.services.exchange.bundles import BundleRefused
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import lifecycle
from opsdesk.store.models import Conformance, EvidenceFile, Initiative
from tests.ingest.conftest import workspace_state


@pytest.fixture
def site_b(tmp_path: Path):
    w = lifecycle.create(tmp_path / "site-b.opsdesk", organisation="Regional Office", actor="bob")
    yield w
    w.close()


def _trust(source, target, tmp_path: Path) -> None:
    keys.trust(target, keys.export_public(source, tmp_path / "hq.pub"), "Head office")


def _export(ws, tmp_path: Path, codes=("AI-0001",), name="b1.opsbundle") -> Path:
    return exchange.export_bundle(ws, list(codes), tmp_path / name).path


def _zip(dest: Path, entries: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name: that is the point of some tests
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return dest


def resign(ws, src: Path, dest: Path, change: Callable[[dict[str, bytes]], None] = lambda f: None,
           manifest_change: Callable[[dict[str, Any]], None] = lambda m: None,
           before: list[tuple[str, bytes]] = ()) -> Path:
    """Rebuild a bundle with its files changed and its manifest signed again with ``ws``'s own key: what a
    trusted signer (or someone holding its key) could send."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        files = {n: zf.read(n) for n in zf.namelist() if n not in ("manifest.json", "manifest.sig")}
    change(files)
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(files.items())}
    manifest_change(manifest)
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    signature = base64.b64encode(keys.signing_key(ws).sign(manifest_bytes))
    return _zip(dest, [*before, ("manifest.json", manifest_bytes), ("manifest.sig", signature),
                       *sorted(files.items())])


def records(files: dict[str, bytes], kind: str) -> list[Any]:
    return json.loads(files[f"records/{kind}.json"])


def put(files: dict[str, bytes], kind: str, value: Any) -> None:
    files[f"records/{kind}.json"] = json.dumps(value).encode()


def assert_refused(ws, bundle: Path, *fragments: str) -> str:
    before = workspace_state(ws)
    with pytest.raises(BundleRefused) as caught:
        exchange.preview_import(ws, bundle)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    with pytest.raises(BundleRefused):
        exchange.import_bundle(ws, bundle)
    assert workspace_state(ws) == before, "a refused bundle changes nothing"
    return message


# --- sizes: a zip bomb costs nothing without the key ------------------------------------------------------------

def test_zip_bomb_manifest_is_refused_before_it_is_inflated(site_b, tmp_path: Path):
    bomb = tmp_path / "bomb.opsbundle"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("manifest.json", "w", force_zip64=True) as fh:
            chunk = b" " * (1 << 20)
            for _ in range(200):
                fh.write(chunk)
        zf.writestr("manifest.sig", b"AAAA")
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(BundleRefused, match="manifest.json"):  # once first: what it imports is not the bomb's cost
        exchange.preview_import(site_b, bomb)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(BundleRefused, match="manifest.json"):
            exchange.preview_import(site_b, bomb)
        elapsed = time.perf_counter() - started
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"refusing the bomb took {peak / 1e6:.0f} MB"
    assert elapsed < 1.0


def test_entry_declaring_a_huge_size_is_refused_before_reading(sqlite_demo_ws, site_b, tmp_path: Path):
    _trust(sqlite_demo_ws, site_b, tmp_path)
    good = _export(sqlite_demo_ws, tmp_path)
    raw = bytearray(good.read_bytes())
    name = b"records/metric_point.json"
    at = raw.rfind(b"PK\x01\x02", 0, raw.rfind(name))  # its central directory header
    struct.pack_into("<I", raw, at + 24, 0xFFFF_FFF0)  # uncompressed size: 4 GB
    forged = tmp_path / "forged.opsbundle"
    forged.write_bytes(bytes(raw))
    assert_refused(site_b, forged, "records/metric_point.json")


def test_too_many_entries_are_refused(site_b, tmp_path: Path):
    entries = [(f"evidence/{i:064x}", b"") for i in range(100_500)]
    assert_refused(site_b, _zip(tmp_path / "many.opsbundle", entries), "entries")


# --- names: no duplicates, nothing outside the bundle -----------------------------------------------------------

def test_duplicate_entry_names_are_refused(sqlite_demo_ws, site_b, tmp_path: Path):
    """Python reads the last of two same-named entries, ``unzip`` the first: a reviewer and OpsDesk would see
    different records."""
    _trust(sqlite_demo_ws, site_b, tmp_path)
    evil = json.dumps([{"code": "AI-0001", "name": "What unzip shows"}]).encode()
    bundle = resign(sqlite_demo_ws, _export(sqlite_demo_ws, tmp_path), tmp_path / "dup.opsbundle",
                    before=[("records/initiative.json", evil)])
    assert_refused(site_b, bundle, "records/initiative.json", "twice")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/cron.d/evil", "evidence/../../evil", "records\\..\\evil.json",
                                  "C:/evil.txt", "evidence/" + "a" * 64 + "/../../evil", "records/./initiative.json",
                                  "notes/readme.txt"])
def test_unsafe_or_unknown_names_in_a_signed_manifest_are_refused(sqlite_demo_ws, site_b, tmp_path: Path, name):
    _trust(sqlite_demo_ws, site_b, tmp_path)

    def add(files: dict[str, bytes]) -> None:
        files[name] = b"payload"

    bundle = resign(sqlite_demo_ws, _export(sqlite_demo_ws, tmp_path), tmp_path / "slip.opsbundle", add)
    assert_refused(site_b, bundle, name)


def test_unsafe_name_outside_the_manifest_is_refused_before_the_signature(site_b, tmp_path: Path):
    bundle = _zip(tmp_path / "slip.opsbundle", [("manifest.json", b"{}"), ("manifest.sig", b"AAAA"),
                                                ("../../outside", b"x")])
    assert_refused(site_b, bundle, "../../outside")


# --- evidence: sanitized names, every digest checked ------------------------------------------------------------

@pytest.fixture
def with_evidence(sqlite_demo_ws, tmp_path: Path):
    from opsdesk.services.standards import conformance

    with sqlite_demo_ws.read() as s:
        requirement_id = s.scalar(select(Conformance.requirement_id).join(
            Initiative, Initiative.id == Conformance.initiative_id).where(Initiative.code == "AI-0001").limit(1))
    evidence = tmp_path / "dpia.pdf"
    evidence.write_bytes(b"%PDF-1.4 signed data protection impact assessment\n")
    conformance.attach_evidence(sqlite_demo_ws, "AI-0001", requirement_id, evidence)
    return sqlite_demo_ws, requirement_id


def test_evidence_names_are_sanitized_on_import_and_export(with_evidence, site_b, tmp_path: Path):
    from opsdesk.services.standards import conformance

    hq, requirement_id = with_evidence
    _trust(hq, site_b, tmp_path)

    def rename(files: dict[str, bytes]) -> None:
        items = records(files, "evidence_file")
        items[0]["file_name"] = "../../../outside.sh"
        put(files, "evidence_file", items)

    bundle = resign(hq, _export(hq, tmp_path), tmp_path / "names.opsbundle", rename)
    exchange.import_bundle(site_b, bundle)
    with site_b.read() as s:
        (stored,) = s.scalars(select(EvidenceFile)).all()
        file_id, name = stored.id, stored.file_name
    assert name == "outside.sh"
    out = tmp_path / "out"
    out.mkdir()
    written = conformance.export_evidence(site_b, file_id, out)
    assert written.parent == out and not (tmp_path / "outside.sh").exists()
    # a name that was stored before this check existed is cleaned on the way out too
    with site_b.write() as tx:
        tx.session.get(EvidenceFile, file_id).file_name = "../../escape.sh"
    written = conformance.export_evidence(site_b, file_id, out)
    assert written.parent == out and written.name == "escape.sh"


def test_evidence_whose_bytes_do_not_match_its_digest_is_refused(with_evidence, site_b, tmp_path: Path):
    hq, _req = with_evidence
    _trust(hq, site_b, tmp_path)

    def swap(files: dict[str, bytes]) -> None:
        name = next(n for n in files if n.startswith("evidence/"))
        files[name] = b"#!/bin/sh\nsomething else entirely\n"

    bundle = resign(hq, _export(hq, tmp_path), tmp_path / "swap.opsbundle", swap)
    assert_refused(site_b, bundle, "evidence/", "SHA-256")


def test_evidence_listed_but_missing_is_refused(with_evidence, site_b, tmp_path: Path):
    hq, _req = with_evidence
    _trust(hq, site_b, tmp_path)

    def drop(files: dict[str, bytes]) -> None:
        for name in [n for n in files if n.startswith("evidence/")]:
            del files[name]

    bundle = resign(hq, _export(hq, tmp_path), tmp_path / "gone.opsbundle", drop)
    assert_refused(site_b, bundle, "records/evidence_file.json", "record 1", "sha256")


# --- malformed records inside a validly signed bundle -----------------------------------------------------------

def _edit_initiative(field: str, value: Any) -> Callable[[dict[str, bytes]], None]:
    def change(files: dict[str, bytes]) -> None:
        items = records(files, "initiative")
        if value is _DROP:
            del items[0][field]
        else:
            items[0][field] = value
        put(files, "initiative", items)

    return change


_DROP = object()
MALFORMED = {
    "bad decimal": (_edit_initiative("budget", "12,3.4.5"), ("records/initiative.json", "record 1", "budget")),
    "infinite decimal": (_edit_initiative("budget", "Infinity"), ("records/initiative.json", "budget")),
    "unknown enum": (_edit_initiative("stage", "moon"), ("records/initiative.json", "record 1", "stage")),
    "missing key field": (_edit_initiative("code", _DROP), ("records/initiative.json", "record 1", "code")),
    "null key field": (_edit_initiative("code", None), ("records/initiative.json", "record 1", "code")),
    "wrong type": (_edit_initiative("name", {"a": 1}), ("records/initiative.json", "record 1", "name")),
    "bad date": (_edit_initiative("start_date", "2026-02-30"), ("records/initiative.json", "start_date")),
    "too long": (_edit_initiative("code", "AI-" + "9" * 400), ("records/initiative.json", "code")),
    "unknown field": (_edit_initiative("owner_password", "x"), ("records/initiative.json", "owner_password")),
    "records not a list": (lambda f: put(f, "initiative", {"code": "AI-0001"}),
                           ("records/initiative.json", "list")),
    "record not an object": (lambda f: put(f, "initiative", ["AI-0001"]), ("records/initiative.json", "record 1")),
    "not JSON": (lambda f: f.__setitem__("records/initiative.json", b"[{"), ("records/initiative.json", "JSON")),
    "series nowhere": (lambda f: f.__setitem__("records/metric_point.json", json.dumps(
        [{"series": ["initiative", ["AI-9999"], "Ghost series"], "points": [[1767225600, 1.0]]}]).encode()),
                       ("records/metric_point.json", "block 1", "series")),
    "points not pairs": (lambda f: f.__setitem__("records/metric_point.json", json.dumps(
        [{"series": json.loads(f["records/metric_point.json"])[0]["series"], "points": [[1767225600, "x", 3]]}]
    ).encode()), ("records/metric_point.json", "block 1", "points")),
    "dangling reference": (lambda f: put(f, "team_member", [{**records(f, "team_member")[0],
                                                             "person_id": ["ghost@example.org"]}]),
                           ("records/team_member.json", "record 1", "person_id")),
    "duplicate key": (lambda f: put(f, "initiative", records(f, "initiative") * 2),
                      ("records/initiative.json", "record 2", "code")),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_records_are_refused_with_file_record_and_field(sqlite_demo_ws, site_b, tmp_path: Path, case):
    change, fragments = MALFORMED[case]
    _trust(sqlite_demo_ws, site_b, tmp_path)
    bundle = resign(sqlite_demo_ws, _export(sqlite_demo_ws, tmp_path), tmp_path / "bad.opsbundle", change)
    assert_refused(site_b, bundle, *fragments)


def test_malformed_manifest_fields_are_refused_even_when_signed(sqlite_demo_ws, site_b, tmp_path: Path):
    _trust(sqlite_demo_ws, site_b, tmp_path)
    good = _export(sqlite_demo_ws, tmp_path)
    for edit, fragment in [(lambda m: m.__setitem__("bundle_uuid", "x" * 500), "bundle_uuid"),
                           (lambda m: m.__setitem__("initiatives", "AI-0001"), "initiatives"),
                           (lambda m: m.__setitem__("files", ["records/initiative.json"]), "files"),
                           (lambda m: m["source"].__setitem__("organisation", ["x"]), "organisation")]:
        bundle = resign(sqlite_demo_ws, good, tmp_path / "m.opsbundle", manifest_change=edit)
        assert_refused(site_b, bundle, fragment)


# --- an older bundle never rolls records back --------------------------------------------------------------------

def test_older_bundle_imported_after_a_newer_one_is_stale(demo_ws, site_b, tmp_path: Path):
    _trust(demo_ws, site_b, tmp_path)
    older = _export(demo_ws, tmp_path, codes=("AI-0003",), name="monday.opsbundle")
    initiatives.update(demo_ws, "AI-0003", {"owner": "Owner as of Tuesday"})
    newer = _export(demo_ws, tmp_path, codes=("AI-0003",), name="tuesday.opsbundle")
    exchange.import_bundle(site_b, newer)
    assert initiatives.get(site_b, "AI-0003").owner == "Owner as of Tuesday"

    preview = exchange.preview_import(site_b, older)
    by_key = {(i.entity, i.key): i for i in preview.items}
    assert by_key[("initiative", "AI-0003")].action == "stale"
    assert "tuesday.opsbundle" in by_key[("initiative", "AI-0003")].detail or \
        by_key[("initiative", "AI-0003")].detail
    exchange.import_bundle(site_b, older)
    assert initiatives.get(site_b, "AI-0003").owner == "Owner as of Tuesday", "a stale record is never applied"

    # taking theirs is a deliberate choice, and then it is applied
    older_copy = resign(demo_ws, older, tmp_path / "monday-again.opsbundle",
                        manifest_change=lambda m: m.__setitem__("bundle_uuid", "00000000-0000-4000-8000-000000000001"))
    exchange.import_bundle(site_b, older_copy, resolve="theirs")
    assert initiatives.get(site_b, "AI-0003").owner != "Owner as of Tuesday"


def test_stale_shows_in_the_cli_and_take_theirs_applies_it(sqlite_demo_ws, tmp_path: Path, capsys):
    from opsdesk import cli

    hq = sqlite_demo_ws
    region_path = tmp_path / "region.opsdesk"
    lifecycle.create(region_path, organisation="Region").close()
    region = lifecycle.open_workspace(region_path)
    try:
        _trust(hq, region, tmp_path)
    finally:
        region.close()
    older = _export(hq, tmp_path, codes=("AI-0003",), name="monday.opsbundle")
    initiatives.update(hq, "AI-0003", {"owner": "Owner as of Tuesday"})
    newer = _export(hq, tmp_path, codes=("AI-0003",), name="tuesday.opsbundle")
    assert cli.main(["import-bundle", "-w", str(region_path), str(newer)]) == 0
    capsys.readouterr()
    assert cli.main(["import-bundle", "-w", str(region_path), "--dry-run", "--json", str(older)]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert {"entity": "initiative", "key": "AI-0003"}.items() <= next(
        i for i in items if i["entity"] == "initiative").items()
    assert next(i for i in items if i["entity"] == "initiative")["action"] == "stale"
    assert cli.main(["import-bundle", "-w", str(region_path), "--take-theirs", str(older)]) == 0
    region = lifecycle.open_workspace(region_path)
    try:
        assert initiatives.get(region, "AI-0003").owner != "Owner as of Tuesday"
    finally:
        region.close()


def test_every_record_of_the_demo_passes_the_checks(sqlite_demo_ws, site_b, tmp_path: Path):
    """The checks refuse what is malformed, never what OpsDesk itself writes: the whole demo travels."""
    _trust(sqlite_demo_ws, site_b, tmp_path)
    codes = [r.code for r in initiatives.list_rows(sqlite_demo_ws)]
    preview = exchange.preview_import(site_b, _export(sqlite_demo_ws, tmp_path, codes=codes, name="all.opsbundle"))
    assert preview.counts().get("create", 0) > 500 and "stale" not in preview.counts()
