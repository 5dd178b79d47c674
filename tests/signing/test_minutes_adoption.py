"""Minutes adopted by the chair's signature (issue 17, point 3): the chair signs the adopted minutes and only then
is the adoption recorded, with the signed form kept; anyone else is refused and nothing changes; a secretary who
signs first keeps a valid signature under the chair's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opsdesk.domain.enums import VOTING_ROLES, AgendaKind
from opsdesk.errors import ValidationError
from opsdesk.services.committee import adoption, exports, meetings, papers
from opsdesk.services.registry import people
from opsdesk.services.signing import papers as signing
from opsdesk.services.signing import trust
from opsdesk.services.signing.credentials import Pkcs12File
from opsdesk.services.signing.papers import SignRequest
from opsdesk.store import audit
from tests.reports.pdfcheck import page_texts
from tests.signing.pki import PASSPHRASE, ThrowawayCA

Q4_2026 = 8  # the demo's meeting of 15 October 2026, held, minutes not yet approved
Q1_2027 = 9  # 14 January 2027: its first item approves the Q4 minutes
CHAIR = ("Amara Okafor", "amara.okafor@dps.example.gov")
SECRETARY = ("Rosa Jiménez", "rosa.jimenez@dps.example.gov")


def approve_minutes(ws) -> None:
    """Hold the next meeting on its day and approve the Q4 minutes there."""
    nine = meetings.get_meeting(ws, Q1_2027)
    ws.clock = lambda: nine.starts_at + dt.timedelta(hours=1)
    present = meetings.get_meeting(ws, Q4_2026).present
    meetings.set_attendance(ws, Q1_2027, present)
    item = next(i.id for i in nine.items if i.kind is AgendaKind.APPROVE_MINUTES)
    voting = {p.id for p in people.list_all(ws) if p.committee_role in VOTING_ROLES}
    meetings.record_decision(ws, item, "approved", votes={p: "for" for p in present if p in voting})
    assert papers.minutes_state(ws, Q4_2026).state == "approved"


def request(path: Path, role: str = "") -> SignRequest:
    return SignRequest(Pkcs12File(path, PASSPHRASE.encode()), role)


@pytest.fixture
def approved(demo_ws, pki: ThrowawayCA):
    """The demo (on SQLite and on PostgreSQL) with the Q4 2026 minutes approved and the test CA trusted."""
    approve_minutes(demo_ws)
    trust.trust(demo_ws, pki.pem)
    return demo_ws


def test_the_chair_signs_and_the_minutes_are_adopted_with_their_signed_form(approved, pki: ThrowawayCA, tmp_path):
    ws = approved
    chair = pki.person(CHAIR[0], email=CHAIR[1])[0]
    done = adoption.sign_minutes(ws, Q4_2026, request(chair), adopt=True)
    assert done.adopted and done.paper.state == "adopted" and set(done.paper.forms) == {"issued", "signed"}
    assert papers.minutes_state(ws, Q4_2026).state == "adopted"
    signed = papers.issued_bytes(ws, "OPS-MIN-M008", papers.SIGNED)
    issued = papers.issued_bytes(ws, "OPS-MIN-M008")
    assert signed == done.data and issued is not None and signed.startswith(issued)  # incremental on the issued
    report = signing.verify_bytes(ws, signed, "minutes.signed.pdf")
    assert report.ok and [s.signer for s in report.signatures] == [CHAIR[0]]
    text = " ".join(" ".join(page_texts(issued)).split())
    assert "adopted by the signature of the chair, Amara Okafor" in text, text[:1500]
    (tmp_path / "adopted.signed.pdf").write_bytes(signed)  # pdftoppm shows the visible block on the last page
    # the CLI's verify-pdf says the same of the file
    from opsdesk.cli import main

    (tmp_path / "m.pdf").write_bytes(signed)
    assert main(["verify-pdf", str(tmp_path / "m.pdf"), "-w", str(ws.location)]) == 0
    actions = [e.action for e in audit.recent(ws, 5)]
    assert "adopted" in actions and "sign" in actions
    with pytest.raises(ValidationError, match="already adopted"):
        adoption.sign_minutes(ws, Q4_2026, request(chair), adopt=True)


def test_a_certificate_without_email_is_the_chairs_by_name(approved, pki: ThrowawayCA):
    chair = pki.person("amara  OKAFOR")[0]  # no e-mail: the name, letter case and spacing aside
    assert adoption.sign_minutes(approved, Q4_2026, request(chair), adopt=True).adopted


@pytest.mark.parametrize("who", [SECRETARY, ("Amara Okafor", "someone.else@dps.example.gov"), ("Bob Other", None)])
def test_anyone_but_the_chair_is_refused_and_nothing_changes(approved, pki: ThrowawayCA, who):
    ws = approved
    cert = pki.person(who[0], email=who[1])[0]
    before = audit.count(ws)
    with pytest.raises(ValidationError, match="not the chair") as err:
        adoption.sign_minutes(ws, Q4_2026, request(cert), adopt=True)
    assert CHAIR[1] in str(err.value) and "nothing was signed or recorded" in str(err.value)
    assert audit.count(ws) == before and papers.find(ws, "OPS-MIN-M008") is None
    assert papers.minutes_state(ws, Q4_2026).state == "approved"


def test_secretary_then_chair_both_signatures_stay_valid(approved, pki: ThrowawayCA):
    ws = approved
    secretary = pki.person(SECRETARY[0], email=SECRETARY[1])[0]
    first = adoption.sign_minutes(ws, Q4_2026, request(secretary, "Secretary"), adopt=False)
    assert not first.adopted and first.paper.state == papers.FOR_SIGNATURE
    cycle = papers.minutes_state(ws, Q4_2026)
    assert cycle.state == "approved" and "awaiting the chair's signature" in cycle.note
    with pytest.raises(ValidationError, match="chair adopts them by signing"):
        exports.adopt_minutes(ws, Q4_2026)  # no adoption without the chair's signature now
    chair = pki.person(CHAIR[0], email=CHAIR[1])[0]
    done = adoption.sign_minutes(ws, Q4_2026, request(chair), adopt=True)
    assert done.adopted and done.data.startswith(first.data)
    report = signing.verify_bytes(ws, done.data, "minutes.signed.pdf")
    assert [s.signer for s in report.signatures] == [SECRETARY[0], CHAIR[0]]
    assert report.ok, [(s.signer, s.problems) for s in report.signatures]
    cycle = papers.minutes_state(ws, Q4_2026)
    assert cycle.state == "adopted"
    # the record says who adopted them and when: the chair's signature, not the secretary who issued the file
    assert "by the signature of the chair, Amara Okafor" in cycle.note, cycle.note
    assert SECRETARY[0] not in cycle.note
    assert papers.issued_bytes(ws, "OPS-MIN-M008") is not None


def test_minutes_not_yet_approved_cannot_be_signed_for_adoption(sqlite_demo_ws, pki: ThrowawayCA):
    chair = pki.person(CHAIR[0], email=CHAIR[1])[0]
    with pytest.raises(ValidationError, match="draft"):
        adoption.sign_minutes(sqlite_demo_ws, Q4_2026, request(chair), adopt=True)


def test_cli_secretary_signs_for_adoption_then_the_chair_adopts(approved, pki: ThrowawayCA, tmp_path: Path,
                                                                passphrase_file: Path, capsys):
    from opsdesk.cli import main

    ws = approved
    location = str(ws.location)
    ws.close()  # the CLI opens the workspace itself
    base = ["brief", "--meeting", str(Q4_2026), "--minutes", "--sign", "--passphrase-file", str(passphrase_file),
            "-w", location]
    secretary = pki.person(SECRETARY[0], email=SECRETARY[1])[0]
    assert main([*base, "--for-adoption", "--pkcs12", str(secretary), "--role", "Secretary",
                 "--out", str(tmp_path / "sec.pdf")]) == 0
    assert "awaiting the chair's signature" in capsys.readouterr().out
    someone = pki.person("Bob Other", email="bob.other@dps.example.gov")[0]
    assert main([*base, "--issue", "--pkcs12", str(someone), "--out", str(tmp_path / "bob.pdf")]) == 2
    assert "not the chair" in capsys.readouterr().err and not (tmp_path / "bob.signed.pdf").exists()
    chair = pki.person(CHAIR[0], email=CHAIR[1])[0]
    assert main([*base, "--issue", "--pkcs12", str(chair), "--role", "Chair", "--out", str(tmp_path / "m.pdf")]) == 0
    assert "adopted by the signature of the chair, Amara Okafor" in capsys.readouterr().out
    assert main(["verify-pdf", str(tmp_path / "m.signed.pdf"), "--json", "-w", location]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert [s["signer"] for s in report["signatures"]] == [SECRETARY[0], CHAIR[0]] and report["ok"]


def test_signing_an_issued_paper_again_keeps_the_earlier_signature(sqlite_demo_ws, pki: ThrowawayCA, tmp_path):
    """Chair and secretary sign an issued pack in turn from the export: the kept signed form carries both."""
    ws = sqlite_demo_ws
    trust.trust(ws, pki.pem)
    exports.issue(ws, meeting_id=Q1_2027)
    first = pki.person(SECRETARY[0], email=SECRETARY[1])[0]
    second = pki.person(CHAIR[0], email=CHAIR[1])[0]
    exports.export(ws, tmp_path / "a.pdf", meeting_id=Q1_2027, sign=request(first, "Secretary"))
    exports.export(ws, tmp_path / "b.pdf", meeting_id=Q1_2027, sign=request(second, "Chair"))
    kept = papers.issued_bytes(ws, "OPS-PCK-M009", papers.SIGNED)
    assert kept == (tmp_path / "b.signed.pdf").read_bytes()
    report = signing.verify_bytes(ws, kept, "pack.signed.pdf")
    assert [s.signer for s in report.signatures] == [SECRETARY[0], CHAIR[0]] and report.ok
