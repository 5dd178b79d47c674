"""``opsdesk risks``, ``opsdesk incidents`` and ``opsdesk assessments``: the same registers as the window."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import opsdesk


def test_risks_list_add_update_json(demo_path: Path):
    w = ("-w", str(demo_path))
    listed = json.loads(opsdesk("risks", "list", "--json", *w, check=True).stdout)
    assert len(listed) >= 15 and {"ref", "inherent_rating", "residual_rating", "mitigations", "nist"} <= set(listed[0])
    high = json.loads(opsdesk("risks", "list", "--residual", "high", "--json", *w, check=True).stdout)
    assert high and all(r["residual_rating"] == "high" for r in high)
    added = json.loads(opsdesk("risks", "add", "--initiative", "AI-0003", "--title", "Redaction misses names",
                               "--category", "privacy", "--likelihood", "3", "--impact", "5", "--owner",
                               "Samuel Otieno", "--nist", "MANAGE-2,MAP-1", "--mitigation",
                               "Second reviewer; chloe.martin@dps.example.gov; 2027-01-31; planned", "--json", *w,
                               check=True).stdout)
    (r,) = added
    assert r["ref"] == "AI-0003-R2" and r["inherent_rating"] == "high" and r["nist"] == ["MANAGE-2", "MAP-1"]
    assert r["mitigations"][0]["owner"] == "chloe.martin@dps.example.gov" and r["treated"]
    (u,) = json.loads(opsdesk("risks", "update", "AI-0003-R2", "--residual-likelihood", "1", "--residual-impact",
                              "5", "--json", *w, check=True).stdout)
    assert u["residual_rating"] == "medium" and len(u["mitigations"]) == 1
    text = opsdesk("risks", "list", "--initiative", "AI-0003", *w, check=True).stdout
    assert "AI-0003-R2" in text and "medium 1x5" in text


def test_bad_input_is_one_line_and_exit_2(demo_path: Path, tmp_path: Path):
    w = ("-w", str(demo_path))
    r = opsdesk("risks", "add", "--initiative", "AI-0003", "--title", "x", "--category", "privacy",
                "--likelihood", "9", "--impact", "2", *w)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "likelihood" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("Initiative,Title,Category,Likelihood,Impact\nAI-0003,Thing,privacy,2,two\n", encoding="utf-8")
    r = opsdesk("risks", "import", str(bad), *w)
    assert r.returncode == 2 and "bad.csv, row 2, Impact" in r.stderr and r.stderr.strip().count("\n") == 0
    r = opsdesk("risks", "update", "AI-0003-R99", "--impact", "2", *w)
    assert r.returncode == 2 and "AI-0003-R99" in r.stderr


def test_incidents_and_assessments_commands(demo_path: Path, tmp_path: Path):
    w = ("-w", str(demo_path))
    open_ = json.loads(opsdesk("incidents", "list", "--open", "--json", *w, check=True).stdout)
    assert {x["ref"] for x in open_} == {"AI-0001-INC1", "AI-0007-INC1"}
    (x,) = json.loads(opsdesk("incidents", "add", "--initiative", "AI-0004", "--title", "Camera feed lost",
                              "--occurred-on", "2026-11-28", "--detected-on", "2026-11-29", "--severity", "3",
                              "--json", *w, check=True).stdout)
    assert x["ref"] == "AI-0004-INC1" and x["status"] == "open"
    (x,) = json.loads(opsdesk("incidents", "action", "AI-0004-INC1", "Restore the feed", "--owner",
                              "Ben Castillo", "--json", *w, check=True).stdout)
    assert [a["title"] for a in x["corrective_actions"]] == ["Restore the feed"]
    out = tmp_path / "incidents.csv"
    opsdesk("incidents", "export", str(out), *w, check=True)
    again = json.loads(opsdesk("incidents", "import", str(out), "--json", *w, check=True).stdout)
    assert again["created"] == 0 and again["updated"] == 0
    rows = json.loads(opsdesk("assessments", "list", "--json", *w, check=True).stdout)
    assert {(a["initiative"], a["version"], a["current"]) for a in rows} >= {("AI-0001", 2, True),
                                                                            ("AI-0011", 1, False)}
