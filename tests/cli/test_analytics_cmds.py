"""opsdesk kpis / attention, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import opsdesk


def test_kpis_json_per_initiative_and_portfolio(demo_path: Path):
    r = opsdesk("kpis", "--json", "--workspace", str(demo_path), check=True)
    data = json.loads(r.stdout)
    assert data["as_of"] == "2026-11-30"  # the demo's latest data
    keys = [k["key"] for k in data["portfolio"]]
    assert keys[:3] == ["pipeline_success", "freshness", "data_quality"] and "unallocated_share" in keys
    assert len(data["initiatives"]) == 14
    first = data["initiatives"]["AI-0001"][0]
    assert set(first) >= {"value", "unit", "rag", "threshold"} and first["rag"] in ("green", "amber", "red", "grey")
    assert first["threshold"].startswith("green ≥")


def test_kpis_for_one_initiative_as_a_table_and_unknown_code(demo_path: Path):
    r = opsdesk("kpis", "--initiative", "AI-0002", "--workspace", str(demo_path), check=True)
    lines = r.stdout.splitlines()
    assert "2026-11-30" in lines[0] and "threshold" in lines[1]
    assert all(line.startswith("AI-0002") for line in lines[3:]) and len(lines) == 3 + 11
    assert any("Forecast at FY end" in line and "RED" in line for line in lines)  # the demo's overrunning initiative
    bad = opsdesk("kpis", "--initiative", "AI-9999", "--workspace", str(demo_path))
    assert bad.returncode == 2 and "AI-9999 does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_attention_lists_ranked_entries_with_reasons(demo_path: Path):
    data = json.loads(opsdesk("attention", "--json", "--workspace", str(demo_path), check=True).stdout)
    assert data and [d["score"] for d in data] == sorted((d["score"] for d in data), reverse=True)
    kinds = {d["kind"] for d in data}
    assert {"gate_request", "breach", "overdue_action", "skill_gap", "non_conformance", "budget"} <= kinds
    assert all(d["reason"] and d["initiative"] for d in data)
    table = opsdesk("attention", "--workspace", str(demo_path), check=True).stdout
    assert "initiative" in table.splitlines()[0] and "AI-0002" in table
