"""A throw-away certificate authority for the signing tests, made with ``cryptography``: a root, people's
certificates as PKCS#12 files, a time-stamping certificate, revocation lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = "correct horse"


def _name(cn: str, org: str = "Test Agency") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def _usage(*, sign: bool = False, ca: bool = False, non_repudiation: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign or ca, content_commitment=sign and non_repudiation, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


@dataclass
class ThrowawayCA:
    folder: Path
    name: str = "Test Root CA"
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.serial = 100
        self.cert = (x509.CertificateBuilder().subject_name(_name(self.name)).issuer_name(_name(self.name))
                     .public_key(self.key.public_key()).serial_number(1)
                     .not_valid_before(self.now - dt.timedelta(days=30))
                     .not_valid_after(self.now + dt.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(_usage(ca=True), critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                     .sign(self.key, hashes.SHA256()))
        self.pem = self.folder / f"{self.name.replace(' ', '-')}.pem"
        self.pem.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, public_key, cn: str, *, days: tuple[int, int] = (-1, 365), tsa: bool = False,
              usage: x509.KeyUsage | None = None, email: str | None = None) -> x509.Certificate:
        self.serial += 1
        b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject).public_key(public_key)
             .serial_number(self.serial).not_valid_before(self.now + dt.timedelta(days=days[0]))
             .not_valid_after(self.now + dt.timedelta(days=days[1]))
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False))
        if email:
            b = b.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        if tsa:
            b = b.add_extension(_usage(sign=True), critical=True).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        else:
            b = b.add_extension(usage or _usage(sign=True), critical=True)
        return b.sign(self.key, hashes.SHA256())

    def person(self, cn: str, *, days: tuple[int, int] = (-1, 365), tsa: bool = False,
               passphrase: str = PASSPHRASE, usage: x509.KeyUsage | None = None,
               email: str | None = None) -> tuple[Path, x509.Certificate]:
        """A PKCS#12 file holding a new key, its certificate from this CA and the CA's certificate."""
        # pyHanko's local time-stamper signs with RSA only
        key = rsa.generate_private_key(65537, 2048) if tsa else ec.generate_private_key(ec.SECP256R1())
        cert = self.issue(key.public_key(), cn, days=days, tsa=tsa, usage=usage, email=email)
        path = self.folder / f"{cn.replace(' ', '-')}{'-' + email if email else ''}.p12"
        enc = serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
        path.write_bytes(pkcs12.serialize_key_and_certificates(cn.encode(), key, cert, [self.cert], enc))
        return path, cert

    def crl(self, revoked: list[tuple[x509.Certificate, dt.datetime]], name: str = "ca.crl",
            pem: bool = False) -> Path:
        b = (x509.CertificateRevocationListBuilder().issuer_name(self.cert.subject)
             .last_update(self.now - dt.timedelta(minutes=5)).next_update(self.now + dt.timedelta(days=7)))
        for cert, when in revoked:
            b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
                                          .revocation_date(when).build())
        crl = b.sign(self.key, hashes.SHA256())
        path = self.folder / name
        path.write_bytes(crl.public_bytes(serialization.Encoding.PEM if pem else serialization.Encoding.DER))
        return path
