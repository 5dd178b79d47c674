"""Bundle readers never raise: a real bundle with its bytes damaged, or with its records mutated and signed
again by a trusted key, ends in a preview, an import, or a clean refusal — never another exception — and a
refusal leaves the workspace as it was."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.errors import OpsDeskError
from opsdesk.services.exchange import bundles as exchange
from opsdesk.services.exchange import keys
from opsdesk.services.workspace import lifecycle
from tests.exchange.test_bundle_hardening import resign
from tests.fuzzing import mutated_json
from tests.ingest.conftest import workspace_state

EXAMPLES = int(os.environ.get("OPSDESK_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
_n = itertools.count()


@pytest.fixture
def pair(sqlite_demo_ws, tmp_path: Path):
    """A trusted head office, a regional workspace, and a small real bundle between them."""
    region = lifecycle.create(tmp_path / "region.opsdesk", organisation="Region", actor="bob")
    keys.trust(region, keys.export_public(sqlite_demo_ws, tmp_path / "hq.pub"), "Head office")
    bundle = exchange.export_bundle(sqlite_demo_ws, ["AI-0001", "AI-0003"], tmp_path / "real.opsbundle",
                                    start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 3)).path
    yield sqlite_demo_ws, region, bundle
    region.close()


def ends_cleanly(ws, bundle: Path) -> None:
    before = workspace_state(ws)
    try:
        exchange.preview_import(ws, bundle)
    except OpsDeskError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        assert workspace_state(ws) == before
        return
    try:
        exchange.import_bundle(ws, bundle, resolve="theirs")
    except OpsDeskError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        assert workspace_state(ws) == before


@FUZZ
@given(data=st.data())
def test_damaged_bytes_are_refused_cleanly(pair, tmp_path: Path, data: st.DataObject):
    _hq, region, bundle = pair
    raw = bytearray(bundle.read_bytes())
    op = data.draw(st.sampled_from(["truncate", "flip", "insert", "zero"]))
    if op == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif op == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] ^= data.draw(st.integers(1, 255))
    elif op == "insert":
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    else:
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at:at + 64] = bytes(min(64, len(raw) - at))
    target = tmp_path / f"damaged-{next(_n)}.opsbundle"
    target.write_bytes(bytes(raw))
    ends_cleanly(region, target)


@FUZZ
@given(data=st.data())
def test_signed_bundles_with_mutated_records_end_cleanly(pair, tmp_path: Path, data: st.DataObject):
    hq, region, bundle = pair
    with zipfile.ZipFile(bundle) as zf:
        record_files = sorted(n for n in zf.namelist() if n.startswith("records/"))
    name = data.draw(st.sampled_from(record_files))

    def mutate(files: dict[str, bytes]) -> None:
        value = json.loads(files[name])
        mutated = data.draw(mutated_json(value))
        files[name] = json.dumps(mutated).encode("utf-8", "surrogatepass")

    target = resign(hq, bundle, tmp_path / f"mutated-{next(_n)}.opsbundle", mutate,
                    manifest_change=lambda m: m.__setitem__(
                        "bundle_uuid", f"00000000-0000-4000-8000-{next(_n):012d}"))
    ends_cleanly(region, target)


@FUZZ
@given(data=st.data())
def test_signed_manifests_with_mutated_fields_end_cleanly(pair, tmp_path: Path, data: st.DataObject):
    hq, region, bundle = pair
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest.pop("files")
    mutated = data.draw(mutated_json(manifest))

    def replace(m: dict) -> None:
        files = m["files"]
        m.clear()
        if isinstance(mutated, dict):
            m.update(mutated)
        m["files"] = files

    target = resign(hq, bundle, tmp_path / f"manifest-{next(_n)}.opsbundle", manifest_change=replace)
    ends_cleanly(region, target)
