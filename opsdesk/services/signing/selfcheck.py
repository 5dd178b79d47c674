"""The self-test's signing step: a throw-away CA and certificate made in memory, a one-page PDF signed with
them, then validated against that CA alone — proof that pyHanko, its certificate validator and the PKCS#11
binding are in this installation (the frozen bundle included)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def sign_and_validate(folder: Path) -> str:
    import pkcs11  # noqa: F401 - the smart-card binding must load too, though no card is used here
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from opsdesk.reports import fonts
    from opsdesk.services.signing import pades, validation
    from opsdesk.services.signing.credentials import Pkcs12File

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def usage(ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=True, content_commitment=not ca, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("OpsDesk self-test CA")).issuer_name(name("OpsDesk self-test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(hours=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(True), critical=True).sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("OpsDesk self-test signer")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1)).add_extension(usage(False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    p12 = folder / "self-test.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"self-test", key, cert, [ca],
                                                          serialization.NoEncryption()))
    paper = fonts.one_page_pdf(folder / "to-sign.pdf", "OpsDesk self-test", "A page to sign.")
    out, signed = pades.sign_file(paper, Pkcs12File(p12), role="Self-test")
    report = validation.verify_pdf(out.read_bytes(), [ca.public_bytes(serialization.Encoding.DER)], [])
    if not report.ok:
        problems = "; ".join(p for s in report.signatures for p in s.problems) or "; ".join(report.problems)
        raise RuntimeError(f"the self-test signature does not validate: {problems}")
    if not out.read_bytes().startswith(paper.read_bytes()):
        raise RuntimeError("the signed PDF does not begin with the unsigned one")
    return f"PDF signed (PAdES {signed.level}) and validated offline"
