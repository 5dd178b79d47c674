"""An exchange bundle carries its signer's audit head (inside the signed manifest); the receiving workspace keeps it
in the audit event of the import, and both workspaces still verify and reconcile afterwards."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from opsdesk.services.exchange import bundles, keys
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import integrity, lifecycle
from opsdesk.store import audit


def test_a_bundle_carries_the_signers_head_and_the_import_keeps_it(tmp_path: Path):
    a = lifecycle.create(tmp_path / "a.opsdesk", organisation="Head office", actor="ann")
    b = lifecycle.create(tmp_path / "b.opsdesk", organisation="Regional office", actor="bob")
    try:
        initiatives.create(a, {"code": "AI-0001", "name": "Triage"})
        keys.trust(b, keys.export_public(a, tmp_path / "a.pub"), "Head office")
        with a.read() as s:
            head = s.execute(audit.select(audit.AuditEvent.seq, audit.AuditEvent.hash)
                             .order_by(audit.AuditEvent.seq.desc()).limit(1)).one()
        out = bundles.export_bundle(a, ["AI-0001"], tmp_path / "x.opsbundle").path
        with zipfile.ZipFile(out) as zf:
            manifest = json.loads(zf.read("manifest.json"))
        assert manifest["audit_head"] == {"seq": head[0], "hash": head[1]}
        bundles.import_bundle(b, out)
        event = audit.recent(b, 1)[0]
        assert event.action == "import-bundle" and event.after["signer_head"] == manifest["audit_head"]
        for w in (a, b):
            report = integrity.verify(w)
            assert report.ok and not report.warnings, report.lines()
    finally:
        a.close()
        b.close()
