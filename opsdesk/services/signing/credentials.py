"""Where a signing key comes from: an agency-issued certificate file (PKCS#12) or a smart card or token
(PKCS#11: PIV/CAC cards, HSMs, SoftHSM2 in the tests). Secrets are passed in, used and dropped: nothing here
keeps a passphrase or PIN beyond the one signature, writes it anywhere, or logs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsdesk.errors import ValidationError


@dataclass(frozen=True)
class Pkcs12File:
    path: Path
    passphrase: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Pkcs11Token:
    library: Path
    token_label: str
    key_label: str | None = None
    pin: str | None = field(default=None, repr=False)


Credential = Pkcs12File | Pkcs11Token


def read_secret_file(path: str | Path, what: str) -> str:
    """The first line of a file holding a passphrase or PIN (for scripts), without its line ending."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(what, f"cannot read {p}: {exc}") from None
    lines = text.splitlines()
    return lines[0] if lines else ""


def common_name(cert: Any) -> str:
    """The signer's name as people read it: the certificate's common name, else the whole subject."""
    subject = cert.subject.native
    return str(subject.get("common_name") or cert.subject.human_friendly)


def emails(cert: Any) -> tuple[str, ...]:
    """The e-mail addresses a certificate names (subject alternative name rfc822Name, then the subject's
    emailAddress), lower-cased, in that order."""
    out: list[str] = []
    try:
        san = cert.subject_alt_name_value
    except Exception:  # noqa: BLE001 - a malformed extension names no address
        san = None
    for general in san or []:
        if general.name == "rfc822_name":
            out.append(str(general.native).strip().lower())
    subject_mail = cert.subject.native.get("email_address")
    if subject_mail:
        out.append(str(subject_mail).strip().lower())
    return tuple(dict.fromkeys(a for a in out if a))


@dataclass(frozen=True)
class Identity:
    """Who a certificate says its holder is: the common name and the e-mail addresses."""

    name: str
    emails: tuple[str, ...] = ()


def identity(cert: Any) -> Identity:
    return Identity(common_name(cert), emails(cert))


@contextmanager
def open_signer(cred: Credential) -> Iterator[Any]:
    """A pyHanko signer for the credential, open for the duration of the block (a token session is closed
    after it, even when signing failed)."""
    if isinstance(cred, Pkcs12File):
        yield _pkcs12(cred)
        return
    session = _pkcs11_session(cred)
    try:
        yield _pkcs11_signer(session, cred)
    finally:
        session.close()


def _pkcs12(cred: Pkcs12File) -> Any:
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers

    path = Path(cred.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError("pkcs12", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        key, cert, _extra = pkcs12.load_key_and_certificates(data, cred.passphrase or None)
    except ValueError:
        raise ValidationError("pkcs12", f"{path.name}: wrong passphrase, or not a PKCS#12 file") from None
    if key is None or cert is None:
        raise ValidationError("pkcs12", f"{path.name} holds no private key with its certificate")
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=cred.passphrase or None)
    if signer is None:
        raise ValidationError("pkcs12", f"{path.name}: the key could not be loaded")
    return signer


def _pkcs11_session(cred: Pkcs11Token) -> Any:
    try:
        import pkcs11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import open_pkcs11_session
    except ImportError as exc:  # pragma: no cover - the binding is a dependency; a broken install says so
        raise ValidationError("pkcs11", f"the PKCS#11 binding is not installed ({exc})") from None
    lib = Path(cred.library)
    if not lib.is_file():
        raise ValidationError("pkcs11", f"no PKCS#11 library at {lib}")
    try:
        return open_pkcs11_session(str(lib), token_criteria=TokenCriteria(label=cred.token_label),
                                   user_pin=cred.pin if cred.pin is not None else None)
    except pkcs11.PinIncorrect:
        raise ValidationError("pin", f"wrong PIN for token {cred.token_label!r}") from None
    except pkcs11.PinLocked:
        raise ValidationError("pin", f"token {cred.token_label!r} is locked (too many wrong PINs)") from None
    except pkcs11.PKCS11Error as exc:
        text = str(exc) or type(exc).__name__
        if "No token" in text:
            text = f"no token labelled {cred.token_label!r} in {lib.name}"
        raise ValidationError("token", text) from None
    except OSError as exc:
        raise ValidationError("pkcs11", f"{lib} is not a PKCS#11 library: {exc}") from None


def _pkcs11_signer(session: Any, cred: Pkcs11Token) -> Any:
    import pkcs11
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pyhanko.sign.pkcs11 import PKCS11Signer

    keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
    labels = sorted({str(k.label) for k in keys})
    label = cred.key_label
    if label is None:
        if len(labels) != 1:
            found = ", ".join(labels) or "none"
            raise ValidationError("key_label", f"name the key with --key-label (keys on the token: {found})")
        label = labels[0]
    matching = [k for k in keys if str(k.label) == label]
    if not matching:
        raise ValidationError("key_label", f"no private key labelled {label!r} on token {cred.token_label!r}"
                                           f" (keys: {', '.join(labels) or 'none'})")
    ec = matching[0].key_type == KeyType.EC
    try:
        # cards and SoftHSM2 all do raw ECDSA, not all do ECDSA-with-SHA-256: hash here, sign there
        return PKCS11Signer(session, key_label=label, cert_label=label, use_raw_mechanism=ec)
    except pkcs11.PKCS11Error as exc:
        raise ValidationError("key_label", f"no certificate labelled {label!r} on the token ({exc})") from None
    except Exception as exc:  # pyHanko reports a missing certificate as its own error type
        raise ValidationError("key_label", f"token key {label!r}: {exc}") from None
