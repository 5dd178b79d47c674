"""keys, export-bundle, import-bundle and restore from the command line, as a user runs them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.cli.test_cli import opsdesk


def test_keys_bundle_round_trip_and_refusal(demo_path: Path, tmp_path: Path):
    env = {"OPSDESK_DATA_DIR": str(tmp_path / "userdata")}
    region = tmp_path / "region.opsdesk"
    opsdesk("init", "--workspace", str(region), "--name", "Region", env=env, check=True)
    bundle = tmp_path / "q1.opsbundle"
    r = opsdesk("export-bundle", "-w", str(demo_path), "--initiative", "AI-0001", "--from", "2026-01-01",
                "--to", "2026-03-31", "--out", str(bundle), env=env, check=True)
    assert "wrote" in r.stdout and zipfile.is_zipfile(bundle)

    refused = opsdesk("import-bundle", str(bundle), "-w", str(region), "--dry-run", env=env)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "unknown key" in refused.stderr and "nothing was changed" in refused.stderr

    opsdesk("keys", "export-public", "-w", str(demo_path), "--out", str(tmp_path / "hq.pub"), env=env, check=True)
    assert "PRIVATE" not in (tmp_path / "hq.pub").read_text()
    opsdesk("keys", "trust", str(tmp_path / "hq.pub"), "--name", "Head office", "-w", str(region), env=env,
            check=True)
    listed = json.loads(opsdesk("keys", "list", "--json", "-w", str(region), env=env, check=True).stdout)
    assert [k["label"] for k in listed] == ["this workspace", "Head office"]

    dry = opsdesk("import-bundle", str(bundle), "-w", str(region), "--dry-run", "--json", env=env, check=True)
    counts = json.loads(dry.stdout)["counts"]
    assert counts["create"] > 50 and set(counts) == {"create"}
    assert json.loads(opsdesk("initiatives", "list", "--json", "-w", str(region), env=env).stdout) == []
    done = opsdesk("import-bundle", str(bundle), "-w", str(region), env=env, check=True)
    assert "did:" in done.stdout
    assert [i["code"] for i in json.loads(opsdesk("initiatives", "list", "--json", "-w", str(region),
                                                  env=env).stdout)] == ["AI-0001"]
    assert opsdesk("verify", "-w", str(region), env=env).returncode == 0


def test_restore_command(demo_path: Path, tmp_path: Path):
    saved = tmp_path / "saved.opsdesk"
    opsdesk("backup", str(saved), "-w", str(demo_path), check=True)
    r = opsdesk("restore", str(saved), "-w", str(demo_path), check=True)
    assert "audit events verified" in r.stdout and "kept as" in r.stdout
    bad = opsdesk("restore", str(tmp_path / "missing.opsdesk"), "-w", str(demo_path))
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
