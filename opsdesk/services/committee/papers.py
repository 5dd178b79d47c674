"""Papers as they were tabled: a meeting pack, an item brief or minutes, once issued, is kept inside the workspace
(its bytes and SHA-256), travels in exchange bundles and is what every later export writes, byte for byte.

Minutes follow the boards' adoption cycle: a *draft* after the meeting, *approved* by a decision on an
"approve minutes" item of a later meeting, then *adopted*: issued and locked.

Each issued paper keeps its file as a row of ``issued_paper_file`` with ``form = "issued"``; a signed form of
the same paper is another row beside it (``form = "signed"``), so signing never rewrites what was issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from opsdesk.domain.enums import APPROVING_OUTCOMES, AgendaKind
from opsdesk.errors import ValidationError
from opsdesk.store.models import AgendaItem, Decision, IssuedPaper, IssuedPaperFile, Meeting
from opsdesk.store.workspace import Workspace

ENTITY = "issued_paper"
ISSUED = "issued"  # the state of an issued pack or brief, and the form of the file as issued
ADOPTED = "adopted"  # the state of adopted minutes
FOR_SIGNATURE = "for_signature"  # minutes issued as adopted and signed by some, awaiting the chair's signature
DRAFT = "draft"
APPROVED = "approved"


@dataclass(frozen=True)
class IssuedPaperDTO:
    id: int
    doc_id: str
    edition: int
    kind: str
    title: str
    meeting_id: int | None
    agenda_item_id: int | None
    state: str
    as_of: dt.datetime | None
    document_date: dt.datetime
    issued_at: dt.datetime
    issued_by: str
    sha256: str
    size: int
    forms: tuple[str, ...]
    note: str = ""  # what the record says of the paper's state (who adopted the minutes, how, when)

    @property
    def label(self) -> str:
        return f"{self.state} {self.issued_at:%d %B %Y, %H:%M} UTC by {self.issued_by}"


@dataclass(frozen=True)
class Paper:
    """What one export is about, resolved before anything is built."""

    kind: str  # brief | meeting_pack | minutes
    doc_id: str
    meeting_id: int | None = None
    item_id: int | None = None
    initiative: str | None = None


def resolve(ws: Workspace, *, initiative: str | None = None, item_id: int | None = None,
            meeting_id: int | None = None, minutes: bool = False) -> Paper:
    from opsdesk.services.committee import meetings

    if meeting_id is not None:
        meetings.get_meeting(ws, meeting_id)
        return Paper("minutes" if minutes else "meeting_pack",
                     f"OPS-{'MIN' if minutes else 'PCK'}-M{meeting_id:03d}", meeting_id)
    if item_id is not None:
        m, it = meetings.find_item(ws, item_id)
        if not it.initiative_code or (initiative and initiative != it.initiative_code):
            raise ValidationError("item", f"agenda item {item_id} concerns no initiative{' ' + initiative if initiative else ''}; "
                                          "export the meeting pack instead", entity="export")
        return Paper("brief", f"OPS-BRF-{it.initiative_code}-M{m.id:03d}-I{it.id:04d}", m.id, it.id,
                     it.initiative_code)
    if initiative:
        return Paper("brief", f"OPS-BRF-{initiative}", initiative=initiative)
    raise ValidationError("what", "name an initiative, an agenda item or a meeting", entity="export")


def _dto(p: IssuedPaper, f: IssuedPaperFile, forms: list[str]) -> IssuedPaperDTO:
    return IssuedPaperDTO(p.id, p.doc_id, p.edition, p.kind, p.title, p.meeting_id, p.agenda_item_id, p.state,
                          p.as_of, p.document_date, p.issued_at, p.issued_by, f.sha256, f.size, tuple(forms),
                          p.note or "")


def _latest(session: Any, doc_id: str) -> IssuedPaper | None:
    return session.scalar(select(IssuedPaper).where(IssuedPaper.doc_id == doc_id)
                          .order_by(IssuedPaper.edition.desc()).limit(1))


def _forms(session: Any, paper_id: int) -> list[IssuedPaperFile]:
    return list(session.scalars(select(IssuedPaperFile).where(IssuedPaperFile.paper_id == paper_id)
                                .order_by(IssuedPaperFile.form)))


def find(ws: Workspace, doc_id: str) -> IssuedPaperDTO | None:
    """The latest issue of a document, or None when it was never issued."""
    with ws.read() as s:
        p = _latest(s, doc_id)
        if p is None:
            return None
        files = _forms(s, p.id)
        issued = next(f for f in files if f.form == ISSUED)
        return _dto(p, issued, [f.form for f in files])


def issued_bytes(ws: Workspace, doc_id: str, form: str = ISSUED) -> bytes | None:
    """The file of the latest issue as it was issued, after checking it still has its recorded SHA-256."""
    with ws.read() as s:
        p = _latest(s, doc_id)
        if p is None:
            return None
        f = s.get(IssuedPaperFile, (p.id, form))
        if f is None:
            return None
        content, digest = bytes(f.content), f.sha256
    if hashlib.sha256(content).hexdigest() != digest:
        raise ValidationError("sha256", f"the issued file of {doc_id} no longer matches its recorded SHA-256",
                              entity=ENTITY)
    return content


def for_meeting(ws: Workspace, meeting_id: int) -> list[IssuedPaperDTO]:
    """Every paper issued for a meeting (its pack, item briefs, minutes), oldest first."""
    with ws.read() as s:
        out = []
        for p in s.scalars(select(IssuedPaper).where(IssuedPaper.meeting_id == meeting_id).order_by(IssuedPaper.id)):
            files = _forms(s, p.id)
            out.append(_dto(p, next(f for f in files if f.form == ISSUED), [f.form for f in files]))
        return out


def store(ws: Workspace, paper: Paper, title: str, data: bytes, *, state: str, as_of: dt.datetime | None,
           document_date: dt.datetime, at: dt.datetime, note: str = "") -> IssuedPaperDTO:
    with ws.write("papers") as tx:
        return keep_tx(tx, paper, title, data, state=state, at=at, note=note, as_of=as_of,
                       document_date=document_date)


def find_tx(tx: Any, doc_id: str) -> IssuedPaper | None:
    return _latest(tx.session, doc_id)


def keep_tx(tx: Any, paper: Paper, title: str, data: bytes | None, *, state: str, at: dt.datetime, note: str = "",
            as_of: dt.datetime | None = None, document_date: dt.datetime | None = None) -> IssuedPaperDTO:
    """Keep a paper as issued (``data``), or — with ``data`` None — move the kept paper to ``state`` (minutes
    kept for signature become adopted): the issued bytes never change."""
    if data is None:
        p = _latest(tx.session, paper.doc_id)
        if p is None:
            raise ValidationError("paper", f"{paper.doc_id} was never issued", entity=ENTITY)
        before = {"state": p.state, "note": p.note}
        p.state, p.note = state, note
        tx.session.flush()
        f = tx.session.get(IssuedPaperFile, (p.id, ISSUED))
        tx.audit(state if state == ADOPTED else "update", paper.kind, paper.doc_id, before,
                 {"state": state, "note": note, "sha256": f.sha256})
        return _dto(p, f, [x.form for x in _forms(tx.session, p.id)])
    digest = hashlib.sha256(data).hexdigest()
    if _latest(tx.session, paper.doc_id) is not None:
        raise ValidationError("paper", f"{paper.doc_id} is already issued", entity=ENTITY)
    p = IssuedPaper(doc_id=paper.doc_id, edition=1, kind=paper.kind, title=title, meeting_id=paper.meeting_id,
                    agenda_item_id=paper.item_id, state=state, as_of=as_of, document_date=document_date or at,
                    issued_at=at, issued_by=tx.ws.actor, note=note)
    tx.session.add(p)
    tx.session.flush()
    f = IssuedPaperFile(paper_id=p.id, form=ISSUED, file_name=f"{paper.doc_id}.pdf", sha256=digest,
                        size=len(data), content=data, created_at=at, created_by=tx.ws.actor)
    tx.session.add(f)
    tx.session.flush()
    tx.audit(state if state == ADOPTED else "issue", paper.kind, paper.doc_id, None,
             {"sha256": digest, "bytes": len(data), "state": state, "as_of": as_of, "meeting_id": paper.meeting_id,
              "agenda_item_id": paper.item_id})
    return _dto(p, f, [ISSUED])


SIGNED = "signed"  # the form of an issued paper's file as last signed (every signature so far, incremental)


def keep_signed_tx(tx: Any, doc_id: str, data: bytes) -> bool:
    """Keep the signed form of an issued paper beside what was issued (the issued bytes never change); a later
    signature replaces the signed form, which carries every earlier signature. False when ``doc_id`` was never
    issued."""
    p = _latest(tx.session, doc_id)
    if p is None:
        return False
    digest = hashlib.sha256(data).hexdigest()
    f = tx.session.get(IssuedPaperFile, (p.id, SIGNED))
    values = {"file_name": f"{doc_id}.signed.pdf", "sha256": digest, "size": len(data), "content": data,
              "created_at": tx.ws.clock(), "created_by": tx.ws.actor}
    if f is None:
        tx.session.add(IssuedPaperFile(paper_id=p.id, form=SIGNED, **values))
    else:
        for k, v in values.items():
            setattr(f, k, v)
    tx.session.flush()
    tx.audit("keep_signed", p.kind, doc_id, None, {"sha256": digest, "bytes": len(data), "form": SIGNED})
    return True


@dataclass(frozen=True)
class MinutesCycle:
    state: str  # draft | approved | adopted
    note: str
    approved_at: str = ""  # the meeting that approved them
    adopted: IssuedPaperDTO | None = None


def minutes_state(ws: Workspace, meeting_id: int) -> MinutesCycle:
    """Where a meeting's minutes stand: drafted, approved at a later meeting, or adopted (issued and locked)."""
    adopted = find(ws, f"OPS-MIN-M{meeting_id:03d}")
    with ws.read() as s:
        approval = None
        for item, m in s.execute(select(AgendaItem, Meeting).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                                 .where(AgendaItem.kind == AgendaKind.APPROVE_MINUTES,
                                        AgendaItem.minutes_meeting_id == meeting_id).order_by(Meeting.starts_at)):
            latest = s.scalar(select(Decision).where(Decision.agenda_item_id == item.id)
                              .order_by(Decision.id.desc()).limit(1))
            if latest is not None and latest.outcome in APPROVING_OUTCOMES:
                approval = (m.title, latest.decided_at)
    if adopted is not None and adopted.state == FOR_SIGNATURE:
        return MinutesCycle(APPROVED, f"Approved at {approval[0] if approval else '—'}; issued for adoption and "
                                      f"signed {adopted.issued_at:%d %B %Y}, awaiting the chair's signature",
                            approval[0] if approval else "")
    if adopted is not None:
        note = adopted.note or adopted.label[:1].upper() + adopted.label[1:]
        return MinutesCycle(ADOPTED, note, approval[0] if approval else "", adopted)
    if approval is not None:
        return MinutesCycle(APPROVED, f"Approved at {approval[0]} on {approval[1]:%d %B %Y}; not yet adopted",
                            approval[0])
    return MinutesCycle(DRAFT, "Draft: to be approved at the next meeting (an \"approve minutes\" item)")
