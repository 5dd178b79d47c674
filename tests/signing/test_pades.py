"""Signing papers (PAdES) and checking them offline, without a workspace: the pure signing and validation
services against a throw-away CA, a time-stamping key and a SoftHSM2 card."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pypdf import PdfReader, PdfWriter

from opsdesk.errors import ValidationError
from opsdesk.reports import signature_block
from opsdesk.services.signing import pades, validation
from opsdesk.services.signing.credentials import Pkcs11Token, Pkcs12File
from opsdesk.services.signing.timestamping import TsaKeyFile
from tests.signing.pki import PASSPHRASE, ThrowawayCA


def cred(path: Path, secret: str = PASSPHRASE) -> Pkcs12File:
    return Pkcs12File(path, secret.encode())


def anchors(pki: ThrowawayCA) -> list[bytes]:
    return [pki.cert.public_bytes(Encoding.DER)]


def signature_widgets(data: bytes) -> list[tuple[int, dict]]:
    """(page index, widget annotation) of every signature field, as pypdf reads them."""
    r = PdfReader(io.BytesIO(data))
    found = []
    for n, page in enumerate(r.pages):
        for a in page.get("/Annots") or []:
            a = a.get_object()
            if a.get("/FT") == "/Sig":
                found.append((n, a))
    return found


def test_signed_file_begins_with_the_unsigned_paper_which_is_left_untouched(paper: Path, alice: Path,
                                                                            tmp_path: Path) -> None:
    src = tmp_path / "minutes.pdf"
    src.write_bytes(paper.read_bytes())
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out, signed = pades.sign_file(src, cred(alice), role="Chair")
    assert out == tmp_path / "minutes.signed.pdf"
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # the input is never changed
    data = out.read_bytes()
    assert data.startswith(src.read_bytes()) and len(data) > src.stat().st_size  # incremental: paper + update
    assert signed.input_sha256 == before and signed.sha256 == hashlib.sha256(data).hexdigest()


def test_visible_block_names_signer_role_and_date_in_a_slot_of_the_last_page(paper: Path, alice: Path,
                                                                             pki: ThrowawayCA) -> None:
    signed = pades.sign_pdf(paper.read_bytes(), cred(alice), role="Chair")
    widgets = signature_widgets(signed.data)
    assert len(widgets) == 1
    page, widget = widgets[0]
    assert page == len(PdfReader(io.BytesIO(signed.data)).pages) - 1  # the last page
    sig = widget["/V"].get_object()
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    assert sig["/Name"] == "Alice Chair" and "Chair" in sig["/Reason"]
    assert str(sig["/M"]).startswith(f"D:{dt.datetime.now(dt.UTC):%Y%m%d}")
    rect = [float(v) for v in widget["/Rect"]]
    assert rect == [float(v) for v in signature_block.slot_box(0, 595.2756)]
    assert rect[2] - rect[0] > 100 and rect[3] - rect[1] > 30  # visible, not a zero-size field
    appearance = widget["/AP"]["/N"].get_object()
    assert appearance["/Resources"]["/XObject"]  # the drawn block


def test_block_text_is_in_the_bundled_font(tmp_path: Path) -> None:
    from pypdf import PdfReader as R

    path = signature_block.draw_block(tmp_path / "b.pdf", (160, 48), signer="Alice Chair", role="Chair",
                                      when=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC), level="B-B")
    text = R(path).pages[0].extract_text()
    assert "Signed by Alice Chair" in text and "Role: Chair" in text and "2026-03-01 09:30 UTC" in text
    fonts = {str(f.get_object()["/BaseFont"]) for f in R(path).pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVu" in f for f in fonts)


def test_chair_then_secretary_sign_in_turn_and_both_signatures_stay_valid(paper: Path, alice: Path, bob: Path,
                                                                          pki: ThrowawayCA) -> None:
    first = pades.sign_pdf(paper.read_bytes(), cred(alice), role="Chair")
    second = pades.sign_pdf(first.data, cred(bob), role="Secretary")
    assert second.data.startswith(first.data)
    report = validation.verify_pdf(second.data, anchors(pki), [])
    assert report.ok, report
    assert [(s.signer, s.field_name) for s in report.signatures] == [("Alice Chair", "Signature1"),
                                                                     ("Bob Secretary", "Signature2")]
    assert report.signatures[0].changes == "later signatures only" and report.signatures[1].changes == "none"
    rects = [tuple(float(v) for v in w["/Rect"]) for _p, w in signature_widgets(second.data)]
    assert len(set(rects)) == 2  # side by side, not on top of each other


def test_without_a_time_stamp_authority_the_signature_is_b_b_and_says_no_trusted_time(paper: Path,
                                                                                      alice: Path,
                                                                                      pki: ThrowawayCA) -> None:
    signed = pades.sign_pdf(paper.read_bytes(), cred(alice))
    assert signed.level == "B-B" and "no trusted time" in signed.time_note
    s = validation.verify_pdf(signed.data, anchors(pki), []).signatures[0]
    assert s.level == "B-B" and s.time_source == "claimed by the signer"


def test_a_time_stamping_key_file_makes_it_b_t(paper: Path, alice: Path, tsa_file: Path, pki: ThrowawayCA) -> None:
    signed = pades.sign_pdf(paper.read_bytes(), cred(alice), tsa=TsaKeyFile(tsa_file, PASSPHRASE.encode()))
    assert signed.level == "B-T"
    report = validation.verify_pdf(signed.data, anchors(pki), [])
    assert report.ok, report
    assert report.signatures[0].level == "B-T" and report.signatures[0].time_source == "time-stamp"


def test_a_key_file_that_is_not_for_time_stamping_is_refused(paper: Path, alice: Path) -> None:
    with pytest.raises(ValidationError, match="not for time-stamping"):
        pades.sign_pdf(paper.read_bytes(), cred(alice), tsa=TsaKeyFile(alice, PASSPHRASE.encode()))


@pytest.mark.parametrize("secret", ["wrong", ""])
def test_wrong_passphrase_is_one_clear_error_and_writes_nothing(paper: Path, alice: Path, tmp_path: Path,
                                                                secret: str) -> None:
    with pytest.raises(ValidationError, match="wrong passphrase"):
        pades.sign_file(paper, cred(alice, secret), out=tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("content", [b"", b"hello", b"%PDF-1.7\n garbage", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"])
def test_what_is_not_a_readable_pdf_is_refused(alice: Path, content: bytes) -> None:
    with pytest.raises(ValidationError, match="PDF"):
        pades.sign_pdf(content, cred(alice))


def test_signing_into_the_input_itself_is_refused(paper: Path, alice: Path, tmp_path: Path) -> None:
    src = tmp_path / "p.pdf"
    src.write_bytes(paper.read_bytes())
    with pytest.raises(ValidationError, match="must not replace"):
        pades.sign_file(src, cred(alice), out=src)
    assert src.read_bytes() == paper.read_bytes()


# --- what validation catches ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signed_paper(paper: Path, alice: Path) -> bytes:
    return pades.sign_pdf(paper.read_bytes(), cred(alice), role="Chair").data


def test_one_changed_byte_anywhere_in_the_signed_range_is_caught(signed_paper: bytes, pki: ThrowawayCA) -> None:
    start = signed_paper.index(b"stream", 1000) + 40  # inside the first page's content
    for offset in (start, len(signed_paper) // 3, 20):
        data = bytearray(signed_paper)
        data[offset] ^= 0x01
        report = validation.verify_pdf(bytes(data), anchors(pki), [])
        assert not report.ok, offset


def test_a_changed_byte_in_the_signature_itself_is_caught(signed_paper: bytes, pki: ThrowawayCA) -> None:
    at = signed_paper.index(b"/Contents <") + 200
    data = bytearray(signed_paper)
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    report = validation.verify_pdf(bytes(data), anchors(pki), [])
    assert not report.ok and not report.signatures[0].intact


def test_a_page_removed_in_a_later_update_is_reported(signed_paper: bytes, pki: ThrowawayCA) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed_paper))
    pages = w.root["/Pages"]
    del pages["/Kids"][0]
    pages["/Count"] = generic.NumberObject(int(pages["/Count"]) - 1)
    w.update_container(pages)
    out = io.BytesIO()
    w.write(out)
    report = validation.verify_pdf(out.getvalue(), anchors(pki), [])
    assert not report.ok
    s = report.signatures[0]
    assert s.intact and not s.unchanged_since and "changed after signing" in s.changes


def test_a_page_removed_by_rewriting_the_file_is_reported(signed_paper: bytes, pki: ThrowawayCA) -> None:
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(signed_paper)))
    w.remove_page(0)
    out = io.BytesIO()
    w.write(out)
    assert not validation.verify_pdf(out.getvalue(), anchors(pki), []).ok
    only_last = PdfWriter()
    only_last.add_page(PdfReader(io.BytesIO(signed_paper)).pages[-1])
    out = io.BytesIO()
    only_last.write(out)
    report = validation.verify_pdf(out.getvalue(), anchors(pki), [])
    assert not report.ok and "no signature" in " ".join(report.problems)


def test_a_signer_outside_the_trust_anchors_is_reported(signed_paper: bytes, tmp_path: Path) -> None:
    other = ThrowawayCA(tmp_path / "other", name="Someone Else CA")
    report = validation.verify_pdf(signed_paper, [other.cert.public_bytes(Encoding.DER)], [])
    s = report.signatures[0]
    assert not report.ok and s.intact and not s.trusted
    assert "does not chain to a trust anchor" in " ".join(s.problems)


def test_no_anchor_at_all_trusts_nothing_not_even_the_system_store(signed_paper: bytes) -> None:
    report = validation.verify_pdf(signed_paper, [], [])
    assert not report.ok and not report.signatures[0].trusted


def test_an_expired_certificate_was_not_valid_at_signing_time(paper: Path, pki: ThrowawayCA) -> None:
    old, _cert = pki.person("Old Timer", days=(-400, -30))
    signed = pades.sign_pdf(paper.read_bytes(), cred(old))
    s = validation.verify_pdf(signed.data, anchors(pki), []).signatures[0]
    assert s.trusted and not s.valid_at_signing_time and "expired" in " ".join(s.problems)


def test_a_certificate_revoked_before_signing_is_caught_with_the_crl(paper: Path, pki: ThrowawayCA) -> None:
    path, cert = pki.person("Revoked Rita")
    signed = pades.sign_pdf(paper.read_bytes(), cred(path))
    crl = pki.crl([(cert, pki.now - dt.timedelta(hours=2))], name="rita.crl").read_bytes()
    assert validation.verify_pdf(signed.data, anchors(pki), []).ok  # without the list nobody can know
    s = validation.verify_pdf(signed.data, anchors(pki), [crl]).signatures[0]
    assert s.revocation_checked and not s.valid_at_signing_time and "revoked" in " ".join(s.problems)


def test_a_b_b_signature_of_a_certificate_revoked_since_is_not_trusted(paper: Path, pki: ThrowawayCA) -> None:
    path, cert = pki.person("Later Larry")
    signed = pades.sign_pdf(paper.read_bytes(), cred(path))
    crl = pki.crl([(cert, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))], name="larry.crl").read_bytes()
    s = validation.verify_pdf(signed.data, anchors(pki), [crl]).signatures[0]
    assert not s.ok and "only the signer's claim" in " ".join(s.problems)


def test_a_clean_crl_of_the_issuer_is_checked_and_passes(signed_paper: bytes, pki: ThrowawayCA) -> None:
    crl = pki.crl([], name="clean.crl").read_bytes()
    report = validation.verify_pdf(signed_paper, anchors(pki), [crl])
    assert report.ok and report.signatures[0].revocation_checked


@pytest.mark.parametrize("damage", [lambda d: d[: len(d) // 2], lambda d: b"%PDF-1.7\n" + b"\0" * 100,
                                    lambda d: d.replace(b"/ByteRange", b"/ByteRangX")])
def test_a_damaged_file_is_reported_not_raised(signed_paper: bytes, pki: ThrowawayCA, damage) -> None:  # type: ignore[no-untyped-def]
    report = validation.verify_pdf(damage(signed_paper), anchors(pki), [])
    assert not report.ok


# --- a smart card (SoftHSM2) -----------------------------------------------------------------------------------

def test_a_key_generated_on_the_card_signs_and_validates(card, paper: Path, pki: ThrowawayCA) -> None:  # type: ignore[no-untyped-def]
    token = Pkcs11Token(Path(card.library), card.token, card.key_label, card.pin)
    signed = pades.sign_pdf(paper.read_bytes(), token, role="Member")
    report = validation.verify_pdf(signed.data, anchors(pki), [])
    assert report.ok, report
    assert report.signatures[0].signer == card.key_label


def test_the_card_and_a_certificate_file_sign_the_same_paper_in_turn(card, paper: Path, alice: Path,  # type: ignore[no-untyped-def]
                                                                     pki: ThrowawayCA) -> None:
    first = pades.sign_pdf(paper.read_bytes(), cred(alice), role="Chair")
    second = pades.sign_pdf(first.data, Pkcs11Token(Path(card.library), card.token, None, card.pin),
                            role="Secretary")
    report = validation.verify_pdf(second.data, anchors(pki), [])
    assert report.ok and [s.signer for s in report.signatures] == ["Alice Chair", card.key_label]


@pytest.mark.parametrize(("change", "message"), [
    ({"pin": "000000"}, "wrong PIN"),
    ({"token": "NO-SUCH-CARD"}, "no token labelled"),
    ({"key_label": "nobody"}, "no private key labelled 'nobody'"),
    ({"library": "/nonexistent/libpkcs11.so"}, "no PKCS#11 library"),
])
def test_card_mistakes_are_one_clear_error(card, paper: Path, change: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    values = {"library": card.library, "token": card.token, "key_label": card.key_label, "pin": card.pin, **change}
    token = Pkcs11Token(Path(values["library"]), values["token"], values["key_label"], values["pin"])
    with pytest.raises(ValidationError, match=message):
        pades.sign_pdf(paper.read_bytes(), token)


@pytest.mark.parametrize(("digital_signature", "non_repudiation", "accepted"),
                         [(True, False, True), (False, True, True), (False, False, False)])
def test_key_usage_of_a_signing_certificate(paper: Path, pki: ThrowawayCA, digital_signature: bool,
                                            non_repudiation: bool, accepted: bool) -> None:
    from cryptography import x509

    usage = x509.KeyUsage(digital_signature=digital_signature, content_commitment=non_repudiation,
                          key_encipherment=not (digital_signature or non_repudiation), data_encipherment=False,
                          key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False)
    path, _ = pki.person(f"Usage {digital_signature} {non_repudiation}", usage=usage)
    signed = pades.sign_pdf(paper.read_bytes(), cred(path))
    s = validation.verify_pdf(signed.data, anchors(pki), []).signatures[0]
    assert s.ok is accepted, s.problems
    if not accepted:
        assert "may not sign documents" in " ".join(s.problems)
