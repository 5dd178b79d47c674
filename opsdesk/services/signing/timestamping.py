"""Trusted time for a signature (PAdES B-T): an RFC 3161 time-stamp authority inside the enclave, reached at
the address an operator configures (the only connection signing ever makes, and only when configured), or the
enclave's time-stamping key file (PKCS#12) used on this workstation. Without either the signature is B-B and
OpsDesk says that no trusted time is in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsdesk.errors import ValidationError


@dataclass(frozen=True)
class TsaServer:
    url: str


@dataclass(frozen=True)
class TsaKeyFile:
    path: Path
    passphrase: bytes | None = field(default=None, repr=False)


TimeStampSource = TsaServer | TsaKeyFile


@contextmanager
def open_timestamper(source: TimeStampSource | None) -> Iterator[Any]:
    if source is None:
        yield None
    elif isinstance(source, TsaServer):
        yield _server(source)
    else:
        yield _key_file(source)


def _server(source: TsaServer) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    scheme, _colon, rest = source.url.partition(":")
    if scheme.lower() not in ("http", "https") or not rest.startswith("//") or len(rest.strip("/")) == 0:
        raise ValidationError("tsa_url", f"{source.url!r} is not an http(s) address of a time-stamp authority")
    return HTTPTimeStamper(source.url, timeout=10)


def _key_file(source: TsaKeyFile) -> Any:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    path = Path(source.path)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), source.passphrase or None)
    except OSError as exc:
        raise ValidationError("tsa_pkcs12", f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise ValidationError("tsa_pkcs12", f"{path.name}: wrong passphrase, or not a PKCS#12 file") from None
    if key is None or cert is None:
        raise ValidationError("tsa_pkcs12", f"{path.name} holds no time-stamping key with its certificate")
    from cryptography.x509 import ExtendedKeyUsage, ExtensionNotFound
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        eku = cert.extensions.get_extension_for_class(ExtendedKeyUsage).value
    except ExtensionNotFound:
        eku = None
    if eku is None or ExtendedKeyUsageOID.TIME_STAMPING not in eku:
        raise ValidationError("tsa_pkcs12", f"{path.name}: the certificate is not for time-stamping "
                                            "(extended key usage timeStamping missing)")
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    if not isinstance(key, RSAPrivateKey):
        raise ValidationError("tsa_pkcs12", f"{path.name}: a time-stamping key file must hold an RSA key")
    der_key = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in extra or ()]))
