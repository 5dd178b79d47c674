"""Minutes adopted by the chair's signature: once a later meeting approved them, the minutes are issued as
adopted and the committee's chair signs them (PAdES, incrementally); the adoption is recorded only when the
signature is the chair's. Others (the secretary) may sign the same issued minutes first: the minutes are then
kept *for signature* and the chair's signature, added on top, keeps theirs valid.

Who the chair is: an active person whose committee role is chair. Whether a certificate is the chair's is
:data:`CHAIR_RULE`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from opsdesk.domain.enums import CommitteeRole
from opsdesk.errors import ValidationError
from opsdesk.services.committee import papers
from opsdesk.services.signing import pades
from opsdesk.services.signing import papers as signing_papers
from opsdesk.services.signing.credentials import Identity
from opsdesk.services.signing.papers import SignRequest
from opsdesk.store.models import Person
from opsdesk.store.workspace import Workspace

CHAIR_RULE = ("The adoption is recorded only when the chair signs. A certificate that names an e-mail address is "
              "the chair's when one of its addresses is the chair's e-mail in the people register; a certificate "
              "with no e-mail address is the chair's when its name (common name) is the chair's name, letter "
              "case, accents and spacing aside. Any other signer is refused and nothing is recorded.")


@dataclass(frozen=True)
class Chair:
    name: str
    email: str


@dataclass(frozen=True)
class SignedMinutes:
    paper: papers.IssuedPaperDTO
    signed: pades.SignedPaper
    data: bytes  # the signed form kept in the workspace (every signature so far)
    adopted: bool


def chairs(ws: Workspace) -> list[Chair]:
    """The committee's chair(s): active people whose committee role is chair."""
    with ws.read() as s:
        return [Chair(p.name, p.email) for p in s.scalars(
            select(Person).where(Person.active.is_(True), Person.committee_role == CommitteeRole.CHAIR)
            .order_by(Person.name))]


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).casefold().split())


def is_chair(who: Identity, chair: Chair) -> bool:
    """:data:`CHAIR_RULE` for one chair."""
    if who.emails:
        return chair.email.strip().lower() in who.emails
    return bool(who.name.strip()) and _plain(who.name) == _plain(chair.name)


def _refuse_unless_chair(found: list[Chair]) -> object:
    def accept(who: Identity) -> None:
        if any(is_chair(who, c) for c in found):
            return
        said = who.name + (f" <{', '.join(who.emails)}>" if who.emails else " (no e-mail in the certificate)")
        names = "; ".join(f"{c.name} <{c.email}>" for c in found)
        raise ValidationError("signer", f"the minutes are adopted by the chair's signature, and this certificate "
                                        f"is {said}, not the chair ({names}); nothing was signed or recorded",
                              entity="minutes")

    return accept


def _ready(ws: Workspace, meeting_id: int) -> papers.MinutesCycle:
    from opsdesk.services.committee import exports

    return exports.ready_for_adoption(ws, meeting_id)[1]


def _to_sign(ws: Workspace, meeting_id: int, cycle: papers.MinutesCycle, chair: Chair) -> tuple[papers.Paper,
                                                                                                 str, bytes]:
    """The minutes as they are adopted, and what was signed of them so far: the kept file when they were
    already issued for signature, else built now (not kept until a signature is made)."""
    from opsdesk.services.committee import exports

    paper = papers.resolve(ws, meeting_id=meeting_id, minutes=True)
    kept = papers.find(ws, paper.doc_id)
    if kept is not None:
        data = papers.issued_bytes(ws, paper.doc_id, papers.SIGNED) or papers.issued_bytes(ws, paper.doc_id)
        assert data is not None
        return paper, kept.title, data
    note = f"Approved at {cycle.approved_at}; adopted by the signature of the chair, {chair.name}"
    built = exports.build(ws, paper, issued_note=note, minutes_state="Adopted")
    return paper, built.title, built.data


def sign_minutes(ws: Workspace, meeting_id: int, sign: SignRequest, *, adopt: bool) -> SignedMinutes:
    """Sign a meeting's approved minutes as adopted. ``adopt``: the chair's signature, which records the
    adoption (any other signer is refused before anything is signed); otherwise a signature before the chair's
    (the secretary's), which keeps the minutes *for signature* until the chair signs. A failed signature, a
    wrong signer or minutes not yet approved leave the workspace as it was."""
    cycle = _ready(ws, meeting_id)
    found = chairs(ws)
    if not found:
        raise ValidationError("chair", "the committee has no chair (a person whose committee role is chair), so "
                                       "no one can adopt minutes; set one on the People page", entity="minutes")
    paper, doc_title, data = _to_sign(ws, meeting_id, cycle, found[0])
    accept = _refuse_unless_chair(found) if adopt else None
    signed = pades.sign_pdf(data, sign.credential, role=sign.role or ("Chair" if adopt else ""), tsa=sign.tsa,
                            accept=accept,  # type: ignore[arg-type]
                            reason="Minutes adopted by the chair" if adopt else None)
    at = ws.clock()
    state = papers.ADOPTED if adopt else papers.FOR_SIGNATURE
    note = (f"Approved at {cycle.approved_at}; adopted on {at:%d %B %Y, %H:%M} UTC by the signature of the chair, "
            f"{signed.signer}" if adopt else f"Approved at {cycle.approved_at}; signed by {signed.signer}, for the "
            "chair's signature")
    with ws.write("papers") as tx:
        papers.keep_tx(tx, paper, doc_title, data if papers.find_tx(tx, paper.doc_id) is None else None,
                              state=state, at=at, note=note)
        signing_papers.audit_signature(tx, paper.doc_id, pades.default_output(Path(f"{paper.doc_id}.pdf")),
                                       signed)
        papers.keep_signed_tx(tx, paper.doc_id, signed.data)
    result = papers.find(ws, paper.doc_id)
    assert result is not None
    return SignedMinutes(result, signed, signed.data, adopt)
