"""``opsdesk verify`` recomputes the chain with orjson where its bytes are the reference's, and with the reference
(``json.dumps``) everywhere else: the verdict is always the reference's, the chain is read in chunks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sqlite3
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.store import audit, chain_scan, fast_hash, reconcile
from tests.trust.test_verify_chunks import _verify

json_values = st.recursive(
    st.none() | st.booleans() | st.text() | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e-05, 1e16, -0.0, 0.1, 2.0**64, 5e-324, 2**63, 2**64, -(2**63) - 1, 10**30, "a:1.5", "\x00\u2028"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
#: how the JSON texts come to be stored: by the JSON column (``JSONText``) or by plain ``json.dumps``
dumps_styles = st.sampled_from([
    lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False, default=str),
    json.dumps,
    lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False),
])


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values (NaN equal to NaN, 1 not 1.0)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.none() | json_values, after=st.none() | json_values, states=st.none() | json_values,
       dumps=dumps_styles, actor=st.text(), note=st.text(), seq=st.integers(1, 2**62))
def test_the_fast_hash_is_the_reference_for_any_payload(before, after, states, dumps, actor, note, seq):
    texts = [None if v is None else dumps(v) for v in (before, after, states)]
    args = (seq, "2026-01-02T03:04:05Z", actor, "update", "initiative", "AI-0001", texts[0], texts[1], note,
            "0" * 64, texts[2])
    fast = fast_hash.stored_event(*args)
    ref = fast_hash.reference(*args)
    assert fast[0] == ref[0]
    assert all(_same(f, r) for f, r in zip(fast[1:], ref[1:], strict=True))


def _row(seq: int, prev: str, after_text: str, digest: str | None = None) -> tuple:
    at = "2026-01-02 03:04:05.000000"
    if digest is None:
        digest = audit.event_hash(seq=seq, at="2026-01-02T03:04:05Z", actor="a", action="note", entity="x",
                                  entity_id="1", before=None, after=json.loads(after_text), note="",
                                  prev_hash=prev)
    return (seq, at, "a", "note", "x", "1", None, after_text, "", prev, digest, None)


def test_an_event_hashed_as_orjson_writes_it_is_not_accepted():
    """orjson writes 1e-05 as 0.00001: an event whose hash was taken over orjson's bytes is not the reference's,
    and is reported altered; the same event hashed by the reference passes."""
    after_text = '{"ratio": 1e-05, "n": 18446744073709551616}'
    doc = {"seq": 1, "at": "2026-01-02T03:04:05Z", "actor": "a", "action": "note", "entity": "x", "entity_id": "1",
           "before": None, "after": orjson.loads(after_text), "note": "", "prev_hash": audit.GENESIS}
    forged = hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()
    assert chain_scan._scan_rows([_row(1, audit.GENESIS, after_text, forged)], frozenset()).broken_seq == 1
    assert chain_scan._scan_rows([_row(1, audit.GENESIS, after_text)], frozenset()).broken_seq is None


def _chain(path: Path, edits: int) -> None:
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.create(path, organisation="Org", actor="tester")
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "problem": "costs 12.50 a day, 1.5e3 a year",
                                 "budget": "1250.75"})
    for i in range(edits):
        initiatives.update(ws, "AI-0001", {"owner": f"owner {i}"})
    ws.close()


def test_ordinary_events_take_the_fast_path_and_a_float_takes_the_reference(tmp_path, monkeypatch):
    path = tmp_path / "chain.opsdesk"
    _chain(path, 5)
    calls: list[int] = []
    reference = fast_hash.reference
    monkeypatch.setattr(fast_hash, "reference", lambda *a: calls.append(a[0]) or reference(*a))
    report = _verify(path)
    assert report.ok, report.lines()
    assert calls == []
    conn = sqlite3.connect(path)
    seq, after_text = conn.execute("SELECT seq, after FROM audit_event WHERE action = 'update' "
                                   "ORDER BY seq LIMIT 1").fetchone()
    with conn:  # a float where the owner was: the event is altered, and only the reference may say so
        conn.execute("UPDATE audit_event SET after = ? WHERE seq = ?",
                     (json.dumps(json.loads(after_text) | {"owner": 1e-05}), seq))
    conn.close()
    report = _verify(path)
    assert calls == [seq]
    assert f"audit chain broken at event {seq}: event {seq} was altered" in "\n".join(report.findings)


def test_a_snapshot_edited_without_rehashing_is_caught(tmp_path):
    path = tmp_path / "chain.opsdesk"
    _chain(path, 3)
    conn = sqlite3.connect(path)
    seq, after_text = conn.execute("SELECT seq, after FROM audit_event WHERE action = 'update' "
                                   "ORDER BY seq DESC LIMIT 1").fetchone()
    with conn:
        conn.execute("UPDATE audit_event SET after = ? WHERE seq = ?",
                     (after_text.replace("owner 2", "owner 9"), seq))
    conn.close()
    report = _verify(path)
    assert f"audit chain broken at event {seq}: event {seq} was altered" in "\n".join(report.findings)


def _append_big_events(engine, count: int, note_size: int) -> None:
    """``count`` events with a long note each, chained after the last one (plain INSERTs, any engine)."""
    table = audit._table()
    with engine.begin() as conn:
        seq, prev = conn.execute(audit._LAST).one()
        at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        rows = []
        for i in range(count):
            seq += 1
            hashed = {"seq": seq, "at": "2026-01-01T00:00:00Z", "actor": "bulk", "action": "note",
                      "entity": "chain", "entity_id": str(i), "before": None, "after": {"i": i},
                      "note": "x" * note_size, "prev_hash": prev}
            prev = audit.event_hash(**hashed)
            rows.append(hashed | {"at": at, "hash": prev})
            if len(rows) == 500:
                conn.execute(table.insert(), rows)
                rows = []
        if rows:
            conn.execute(table.insert(), rows)


EVENTS, NOTE = 3000, 2000  # 6 MB of notes


def _peak(scan) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        result = scan()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_a_chain_file_is_read_in_chunks(sqlite_ws, monkeypatch):
    _append_big_events(sqlite_ws.engine, EVENTS, NOTE)
    monkeypatch.setattr(chain_scan, "FETCH", 50)
    monkeypatch.setenv("OPSDESK_VERIFY_WORKERS", "1")
    database = chain_scan.database_uri(sqlite_ws.engine)
    with sqlite_ws.read() as s:
        peak, scan = _peak(lambda: chain_scan.scan(s.connection(), database, want=(),
                                                    expected=reconcile.Expectations()))
    assert scan.broken_seq is None and scan.events > EVENTS
    assert peak < 1_000_000, f"{peak:,} bytes held at once for {EVENTS * NOTE:,} bytes of notes"


def test_a_server_chain_is_streamed_in_chunks(ws, monkeypatch):
    """The path a PostgreSQL workspace takes (SQLAlchemy, no file to read in ranges), on both engines."""
    _append_big_events(ws.engine, EVENTS, NOTE)
    monkeypatch.setattr(chain_scan, "FETCH", 50)
    with ws.read() as s:
        peak, scan = _peak(lambda: chain_scan.scan(s.connection(), None, want=(),
                                                    expected=reconcile.Expectations()))
    assert scan.broken_seq is None and scan.events > EVENTS
    assert peak < 1_500_000, f"{peak:,} bytes held at once for {EVENTS * NOTE:,} bytes of notes"


def test_nan_payloads_hash_as_the_reference():
    """NaN and Infinity (which orjson refuses to read) are hashed by the reference, as json.dumps writes them."""
    text = json.dumps({"v": math.nan, "w": [math.inf, -math.inf]})
    args = (1, "2026-01-02T03:04:05Z", "a", "note", "x", "1", None, text, "", audit.GENESIS, None)
    assert fast_hash.stored_event(*args)[0] == fast_hash.reference(*args)[0]
