"""The dashboard summary: what the dashboard computed, kept in the workspace, read back on the next opening, and
never once the data has changed."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from opsdesk.analytics import dashboard, summary
from opsdesk.domain.enums import Stage
from tests.analytics.conftest import DAY, SEP1


def same(a: object, b: object) -> bool:
    """Equal, looking into dataclasses, containers and numpy arrays (NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a) if f.name != "seconds")
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def kpi(data: dashboard.DashboardData, code: str, key: str):
    return next(k for k in data.per_initiative[code] if k.key == key)


def test_a_summary_holds_exactly_what_was_computed(small_ws):
    data = dashboard.load(small_ws, history_days=None)
    assert data.trends and data.attention and data.per_initiative and data.integrated is not None
    back = summary.loads(summary.dumps(data))
    assert same(back, data)
    assert not same(back, dataclasses.replace(data, worst={}))  # the comparison itself can fail


def test_the_second_opening_reads_the_summary(small_ws):
    first = summary.load(small_ws)
    assert "kpis" in first.seconds  # computed
    second = summary.load(small_ws)
    assert set(second.seconds) == {"summary"}
    assert same(second, first)
    assert same(second, dashboard.load(small_ws))
    assert summary.count(small_ws) == 1
    assert not list(summary_files())  # nothing of the workspace leaves it for the user's profile


def test_no_write_is_hidden_by_an_old_summary(small_ws):
    from opsdesk.services.registry import initiatives, metrics

    before = summary.load(small_ws)
    assert kpi(before, "AI-0002", "pipeline_success").value == 100.0
    series = next(s for s in metrics.list_series(small_ws)
                  if s.name == "Pipeline success rate" and s.initiative_id != kpi(before, "AI-0001",
                                                                                 "pipeline_success").series_id)
    # points written raw in a transaction that records no audit event: the data version still moves
    with small_ws.write("metrics") as tx:
        metrics.insert_points_tx(tx, [(series.id, SEP1 + k * DAY, 80.0) for k in range(61, 91)])
    after = summary.load(small_ws)
    assert "kpis" in after.seconds
    assert kpi(after, "AI-0002", "pipeline_success").value == 80.0
    assert kpi(after, "AI-0002", "pipeline_success").rag == "red"
    initiatives.update(small_ws, "AI-0002", {"name": "Two, renamed"})
    assert ("AI-0002", "Two, renamed") in summary.load(small_ws).initiatives


def summary_files():
    import os
    from pathlib import Path

    return (p for p in Path(os.environ["OPSDESK_DATA_DIR"]).rglob("*") if p.is_file() and "summar" in p.name)


def set_payload(ws, payload: str) -> None:
    from sqlalchemy import update

    from opsdesk.store.models import DashboardSummary

    with ws.derived_write() as conn:
        assert conn.execute(update(DashboardSummary).values(payload=payload)).rowcount == 1


def test_a_damaged_summary_is_ignored_and_written_again(small_ws):
    computed = summary.load(small_ws)
    for bad in ('{"$dc": "DashboardData", "v": [1, 2',  # cut short
                json.dumps({"$dc": "Popen", "v": ["rm -rf /"]}),  # only the dashboard's own types are built
                json.dumps({"$array": "(100000,100000)f8", "v": []}),  # only flat float and integer arrays
                "[" * 100_000 + "]" * 100_000):  # deeper than the parser goes
        set_payload(small_ws, bad)
        again = summary.load(small_ws)
        assert "kpis" in again.seconds and same(again, computed)
        assert set(summary.load(small_ws).seconds) == {"summary"}  # written again


def test_a_summary_computed_while_the_data_moved_on_is_not_kept(small_ws, monkeypatch):
    from opsdesk.services.registry import initiatives

    real = dashboard.load

    def load_during_a_write(*args, **kwargs):
        data = real(*args, **kwargs)
        initiatives.update(small_ws, "AI-0002", {"name": "Renamed meanwhile"})  # another user, another process
        return data

    monkeypatch.setattr(dashboard, "load", load_during_a_write)
    first = summary.load(small_ws)
    assert ("AI-0002", "Two") in first.initiatives
    monkeypatch.setattr(dashboard, "load", real)
    assert summary.count(small_ws) == 0
    assert ("AI-0002", "Renamed meanwhile") in summary.load(small_ws).initiatives


def test_a_read_only_workspace_computes_without_keeping(small_ws):
    small_ws.read_only = True
    try:
        assert "kpis" in summary.load(small_ws).seconds
        assert "kpis" in summary.load(small_ws).seconds
    finally:
        small_ws.read_only = False
    assert summary.count(small_ws) == 0


def test_each_filter_has_its_own_summary(small_ws):
    everything = summary.load(small_ws)
    proposed = summary.load(small_ws, dashboard.Filters(stage=Stage.PROPOSED))
    none = summary.load(small_ws, dashboard.Filters(stage=Stage.RETIRED))
    assert [c for c, _n in everything.initiatives] == ["AI-0001", "AI-0002"]
    assert [c for c, _n in proposed.initiatives] == ["AI-0001", "AI-0002"]
    assert none.initiatives == [] and none.integrated is None
    assert summary.count(small_ws) == 3
    assert set(summary.load(small_ws, dashboard.Filters(stage=Stage.RETIRED)).seconds) == {"summary"}
