"""Exporting briefs, meeting packs and minutes: the same bytes from the GUI and the CLI, a SHA-256 file beside
the PDF, and an audit event for every export. Asked to sign, the export also writes ``NAME.signed.pdf``: the
unsigned paper's exact bytes followed by a PAdES signature (so the paper's SHA-256 stays reproducible)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opsdesk.errors import ValidationError
from opsdesk.services.signing.papers import SignRequest
from opsdesk.store.workspace import Workspace

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    doc_id: str
    size: int
    signed_path: Path | None = None
    signer: str = ""
    signature_level: str = ""


def initiative_brief_pdf(ws: Workspace, code: str, item_id: int | None = None) -> tuple[str, bytes]:
    from opsdesk.reports.brief import build_brief
    from opsdesk.services.committee import briefs

    content = briefs.initiative_brief(ws, code, item_id)
    return content.meta.doc_id, build_brief(content)


def meeting_pdf(ws: Workspace, meeting_id: int, *, minutes: bool = False) -> tuple[str, bytes]:
    from opsdesk.services.committee import meeting_docs

    if minutes:
        from opsdesk.reports.minutes import build_minutes

        m = meeting_docs.minutes(ws, meeting_id)
        return m.meta.doc_id, build_minutes(m)
    from opsdesk.reports.pack import build_pack

    p = meeting_docs.meeting_pack(ws, meeting_id)
    return p.meta.doc_id, build_pack(p)


def export(ws: Workspace, out: str | Path, *, initiative: str | None = None, item_id: int | None = None,
           meeting_id: int | None = None, minutes: bool = False, progress: Progress | None = None,
           sign: SignRequest | None = None) -> ExportResult:
    """Write one PDF (a brief for an initiative or an agenda item, a meeting pack, or minutes) with its
    ``.sha256`` beside it, and record the export in the audit trail. With ``sign``, also the signed paper beside
    it (``NAME.signed.pdf``); a signature that fails (wrong passphrase or PIN, no card) writes nothing."""
    say = progress or (lambda _d, _t, _s: None)
    path = Path(out)
    if path.suffix.lower() != ".pdf":
        raise ValidationError("out", "the file name must end in .pdf", entity="export")
    if not path.parent.exists():
        raise ValidationError("out", f"folder {path.parent} does not exist", entity="export")
    say(0, 3, "Gathering the records")
    if meeting_id is not None:
        doc_id, data = meeting_pdf(ws, meeting_id, minutes=minutes)
        kind = "minutes" if minutes else "meeting_pack"
    elif initiative or item_id is not None:
        code = initiative
        if item_id is not None and not code:
            from opsdesk.services.committee import meetings

            code = meetings.find_item(ws, item_id)[1].initiative_code
            if not code:
                raise ValidationError("item", f"agenda item {item_id} concerns no initiative; export the "
                                              "meeting pack instead", entity="export")
        assert code is not None
        doc_id, data = initiative_brief_pdf(ws, code, item_id)
        kind = "brief"
    else:
        raise ValidationError("what", "name an initiative, an agenda item or a meeting", entity="export")
    signed = None
    if sign is not None:
        from opsdesk.services.signing import pades

        say(2, 4, "Signing the PDF")
        signed = pades.sign_pdf(data, sign.credential, role=sign.role, tsa=sign.tsa)
    total = 4 if signed else 3
    say(total - 1, total, "Writing the PDF")
    digest = hashlib.sha256(data).hexdigest()
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    signed_path = None
    if signed is not None:
        from opsdesk.services.signing import pades, papers

        signed_path = pades.default_output(path)
        part = signed_path.with_name(signed_path.name + ".part")
        part.write_bytes(signed.data)
        os.replace(part, signed_path)
    with ws.write("export") as tx:
        tx.audit("export", kind, doc_id, None, {"file": path.name, "sha256": digest, "bytes": len(data)})
        if signed is not None and signed_path is not None:
            papers.audit_signature(tx, doc_id, signed_path, signed)
    say(total, total, "Done")
    return ExportResult(path, digest, doc_id, len(data), signed_path, signed.signer if signed else "",
                        signed.level if signed else "")
