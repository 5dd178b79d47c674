"""The trust anchors and revocation lists a workspace keeps, on SQLite and PostgreSQL; checking a signed file
against them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opsdesk.errors import ValidationError
from opsdesk.services.signing import pades, papers, trust
from opsdesk.services.signing.credentials import Pkcs12File
from tests.signing.pki import PASSPHRASE, ThrowawayCA


def test_trust_list_untrust_are_audited(ws, pki: ThrowawayCA) -> None:  # type: ignore[no-untyped-def]
    added = trust.trust(ws, pki.pem)
    assert [a.label for a in added] == ["Test Root CA"]
    assert [a.label for a in trust.list_anchors(ws)] == ["Test Root CA"]
    with pytest.raises(ValidationError, match="already trusted"):
        trust.trust(ws, pki.pem)
    gone = trust.untrust(ws, added[0].fingerprint[:12])
    assert gone.label == "Test Root CA" and trust.list_anchors(ws) == []
    with ws.read() as s:
        from sqlalchemy import select

        from opsdesk.store.models import AuditEvent

        actions = [(e.action, e.entity) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.entity == "trust_anchor").order_by(AuditEvent.seq))]
    assert actions == [("create", "trust_anchor"), ("delete", "trust_anchor")]


def test_a_file_that_is_not_a_certificate_is_refused_by_name_and_changes_nothing(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "ca.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    with pytest.raises(ValidationError, match="ca.pem is not an X.509 certificate"):
        trust.trust(ws, bad)
    with pytest.raises(ValidationError, match="cannot read"):
        trust.trust(ws, tmp_path / "missing.pem")
    assert trust.list_anchors(ws) == []


def test_a_bundle_of_two_certificates_is_all_or_nothing(ws, pki: ThrowawayCA, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = ThrowawayCA(tmp_path / "o", name="Second CA")
    both = tmp_path / "both.pem"
    both.write_bytes(pki.pem.read_bytes() + other.pem.read_bytes())
    trust.trust(ws, other.pem)
    with pytest.raises(ValidationError, match="already trusted"):
        trust.trust(ws, both)
    assert [a.label for a in trust.list_anchors(ws)] == ["Second CA"]  # the first of the two was not kept


def test_a_crl_needs_a_trusted_issuer_and_its_signature(ws, pki: ThrowawayCA, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    crl = pki.crl([], name="empty.crl", pem=True)
    with pytest.raises(ValidationError, match="not a trust anchor"):
        trust.import_crl(ws, crl)
    trust.trust(ws, pki.pem)
    kept = trust.import_crl(ws, crl)
    assert kept.revoked_count == 0 and "Test Root CA" in kept.issuer
    with pytest.raises(ValidationError, match="already imported"):
        trust.import_crl(ws, crl)
    forged = ThrowawayCA(tmp_path / "forged", name="Test Root CA")  # same name, other key
    with pytest.raises(ValidationError, match="signature does not match"):
        trust.import_crl(ws, forged.crl([], name="forged.crl"))
    junk = tmp_path / "junk.crl"
    junk.write_bytes(b"\x30\x03\x02\x01\x01")
    with pytest.raises(ValidationError, match="junk.crl is not a revocation list"):
        trust.import_crl(ws, junk)
    assert len(trust.list_crls(ws)) == 1


def test_verify_file_uses_the_workspace_anchors_and_lists(ws, pki: ThrowawayCA, paper: Path,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    path, cert = pki.person("Rita Revoked")
    out, _ = pades.sign_file(paper, Pkcs12File(path, PASSPHRASE.encode()), out=tmp_path / "s.pdf")
    first = papers.verify_file(ws, out)
    assert not first.ok and "trusts no certificate" in " ".join(first.problems)
    trust.trust(ws, pki.pem)
    assert papers.verify_file(ws, out).ok
    trust.import_crl(ws, pki.crl([(cert, pki.now - dt.timedelta(days=1))], name="rita-ws.crl"))
    after = papers.verify_file(ws, out)
    assert not after.ok and "revoked" in " ".join(after.signatures[0].problems)


def test_signing_a_file_is_audited_with_both_digests(ws, paper: Path, alice: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from opsdesk.store.models import AuditEvent

    result = papers.sign_file(ws, paper, Pkcs12File(alice, PASSPHRASE.encode()), out=tmp_path / "x.pdf",
                              role="Chair")
    with ws.read() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "sign")).one()
    assert ev.after["signer"] == "Alice Chair" and ev.after["role"] == "Chair"
    assert ev.after["signed_sha256"] == result.signed.sha256 and ev.after["paper_sha256"] == result.signed.input_sha256
    assert PASSPHRASE not in str(ev.after)
