"""Exporting briefs, meeting packs and minutes: the same bytes from the GUI and the CLI, a SHA-256 file beside
the PDF, and an audit event for every export. Asked to sign, the export also writes ``NAME.signed.pdf``: the
unsigned paper's exact bytes followed by a PAdES signature (so the paper's SHA-256 stays reproducible)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsdesk.domain.enums import MeetingStatus
from opsdesk.errors import ValidationError
from opsdesk.services.committee import papers
from opsdesk.services.signing.papers import SignRequest
from opsdesk.store.workspace import Workspace

if TYPE_CHECKING:
    from opsdesk.services.committee.meetings import MeetingDTO

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


@dataclass(frozen=True)
class Built:
    doc_id: str
    title: str
    data: bytes
    as_of: dt.datetime | None  # the moment the record was read as of (a past meeting), or None: as it stands
    document_date: dt.datetime


def _as_of_note(as_of: dt.datetime) -> str:
    return (f"Not issued before the meeting: built from the record as it stood on {as_of:%d %B %Y} (stage, costs, "
            "KPIs, conformance, waivers and lessons as they were before the meeting; decisions taken at it are "
            "shown as decided)")


def build(ws: Workspace, paper: papers.Paper, *, issued_note: str = "", minutes_state: str = "") -> Built:
    """Build a paper's PDF: a meeting's paper as the record stood before the meeting once that meeting is past
    (said on its cover), otherwise as the record stands; ``issued_note`` for the paper being issued."""
    from opsdesk.services.committee import briefs, meeting_docs, meetings

    as_of = None
    if paper.meeting_id is not None and paper.kind != "minutes":
        as_of = briefs.tabled_as_of(ws, meetings.get_meeting(ws, paper.meeting_id))
    note = issued_note or (_as_of_note(as_of) if as_of else
                           "Working copy, not issued: the record as it stands" if paper.meeting_id else "")
    if paper.kind == "minutes":
        from opsdesk.reports.minutes import build_minutes

        assert paper.meeting_id is not None
        if minutes_state:
            m = meeting_docs.minutes(ws, paper.meeting_id, state=minutes_state, state_note=issued_note)
        else:
            m = meeting_docs.minutes(ws, paper.meeting_id)
        return Built(m.meta.doc_id, m.meta.title, build_minutes(m), None, m.meta.document_date)
    if paper.kind == "meeting_pack":
        from opsdesk.reports.pack import build_pack

        assert paper.meeting_id is not None
        p = meeting_docs.meeting_pack(ws, paper.meeting_id, as_of=as_of, status_note=note)
        return Built(p.meta.doc_id, p.meta.title, build_pack(p), as_of, p.meta.document_date)
    from opsdesk.reports.brief import build_brief

    assert paper.initiative is not None
    b = briefs.initiative_brief(ws, paper.initiative, paper.item_id, as_of=as_of, status_note=note)
    return Built(b.meta.doc_id, b.meta.title, build_brief(b), as_of, b.meta.document_date)


def initiative_brief_pdf(ws: Workspace, code: str, item_id: int | None = None) -> tuple[str, bytes]:
    built = build(ws, papers.resolve(ws, initiative=code, item_id=item_id))
    return built.doc_id, built.data


def meeting_pdf(ws: Workspace, meeting_id: int, *, minutes: bool = False) -> tuple[str, bytes]:
    built = build(ws, papers.resolve(ws, meeting_id=meeting_id, minutes=minutes))
    return built.doc_id, built.data


def export(ws: Workspace, out: str | Path, *, initiative: str | None = None, item_id: int | None = None,
           meeting_id: int | None = None, minutes: bool = False, progress: Progress | None = None,
           sign: SignRequest | None = None) -> ExportResult:
    """Write one PDF (a brief for an initiative or an agenda item, a meeting pack, or minutes) with its
    ``.sha256`` beside it, and record the export in the audit trail. A paper that was issued (or minutes that
    were adopted) is written exactly as it was issued. With ``sign``, also the signed paper beside it
    (``NAME.signed.pdf``), kept in the workspace beside an issued paper; a signature that fails (wrong passphrase
    or PIN, no card) writes nothing."""
    say = progress or (lambda _d, _t, _s: None)
    path = Path(out)
    if path.suffix.lower() != ".pdf":
        raise ValidationError("out", "the file name must end in .pdf", entity="export")
    if not path.parent.exists():
        raise ValidationError("out", f"folder {path.parent} does not exist", entity="export")
    say(0, 3, "Gathering the records")
    paper = papers.resolve(ws, initiative=initiative, item_id=item_id, meeting_id=meeting_id, minutes=minutes)
    data = papers.issued_bytes(ws, paper.doc_id) if paper.meeting_id is not None else None
    if data is None:
        data = build(ws, paper).data
    doc_id, kind = paper.doc_id, paper.kind
    signed = None
    if sign is not None:
        from opsdesk.services.signing import pades

        say(2, 4, "Signing the PDF")
        # an issued paper signed before is signed again on top of its signed form: earlier signatures stay valid
        base = papers.issued_bytes(ws, doc_id, papers.SIGNED) if paper.meeting_id is not None else None
        signed = pades.sign_pdf(base or data, sign.credential, role=sign.role, tsa=sign.tsa)
    total = 4 if signed else 3
    say(total - 1, total, "Writing the PDF")
    digest = hashlib.sha256(data).hexdigest()
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    signed_path = None
    if signed is not None:
        from opsdesk.services.signing import pades

        signed_path = pades.default_output(path)
        part = signed_path.with_name(signed_path.name + ".part")
        part.write_bytes(signed.data)
        os.replace(part, signed_path)
    with ws.write("export", audit_only=True) as tx:
        tx.audit("export", kind, doc_id, None, {"file": path.name, "sha256": digest, "bytes": len(data)})
        if signed is not None and signed_path is not None:
            from opsdesk.services.signing import papers as signing_papers

            signing_papers.audit_signature(tx, doc_id, signed_path, signed)
            papers.keep_signed_tx(tx, doc_id, signed.data)
    say(total, total, "Done")
    return ExportResult(path, digest, doc_id, len(data), signed_path, signed.signer if signed else "",
                        signed.level if signed else "")


def issue(ws: Workspace, *, meeting_id: int | None = None, item_id: int | None = None) -> papers.IssuedPaperDTO:
    """Issue a meeting's pack (``meeting_id``) or one item's brief (``item_id``): build it — as the record
    stood at the meeting when the meeting is past — and keep its bytes. Minutes are adopted, not issued."""
    paper = papers.resolve(ws, item_id=item_id, meeting_id=meeting_id)
    existing = papers.find(ws, paper.doc_id)
    if existing is not None:
        raise ValidationError("paper", f"{paper.doc_id} was already issued on {existing.issued_at:%d %B %Y, %H:%M} "
                                       f"UTC by {existing.issued_by}; exporting it gives that file again",
                              entity=papers.ENTITY)
    at = ws.clock()
    note = f"Issued on {at:%d %B %Y, %H:%M} UTC by {ws.actor}"
    built = build(ws, paper, issued_note=note)
    return papers.store(ws, paper, built.title, built.data, state=papers.ISSUED, as_of=built.as_of,
                  document_date=built.document_date, at=at, note=note)


def ready_for_adoption(ws: Workspace, meeting_id: int) -> tuple[MeetingDTO, papers.MinutesCycle]:
    """The meeting and its minutes' cycle when the minutes may be adopted (approved by a later meeting, the
    meeting held, not adopted yet); otherwise a ValidationError saying what is missing."""
    from opsdesk.services.committee import meetings

    m = meetings.get_meeting(ws, meeting_id)
    cycle = papers.minutes_state(ws, meeting_id)
    if cycle.state == papers.ADOPTED:
        raise ValidationError("minutes", f"the minutes of {m.title} were already adopted ({cycle.note})",
                              entity="minutes")
    if cycle.state != papers.APPROVED:
        raise ValidationError("minutes", f"the minutes of {m.title} are a draft; a later meeting approves them "
                                         "first (an \"approve minutes\" agenda item with an approving decision)",
                              entity="minutes")
    if m.status is MeetingStatus.PLANNED:
        raise ValidationError("minutes", f"meeting {meeting_id} was not held", entity="minutes")
    return m, cycle


def adopt_minutes(ws: Workspace, meeting_id: int) -> papers.IssuedPaperDTO:
    """Adopt a meeting's minutes once a later meeting approved them: the file is issued and locked — every later
    export writes these bytes."""
    m, cycle = ready_for_adoption(ws, meeting_id)
    if papers.find(ws, f"OPS-MIN-M{meeting_id:03d}") is not None:
        raise ValidationError("minutes", f"the minutes of {m.title} were issued for the chair's signature "
                                         f"({cycle.note}); the chair adopts them by signing", entity="minutes")
    at = ws.clock()
    note = f"Approved at {cycle.approved_at}; adopted on {at:%d %B %Y, %H:%M} UTC by {ws.actor}"
    paper = papers.resolve(ws, meeting_id=meeting_id, minutes=True)
    built = build(ws, paper, issued_note=note, minutes_state="Adopted")
    return papers.store(ws, paper, built.title, built.data, state=papers.ADOPTED, as_of=None,
                  document_date=built.document_date, at=at, note=note)
