"""The workspace's Ed25519 private key, kept in the user data folder (``keys/<workspace uuid>.pem``, readable by
its owner only), never inside the workspace file and never in a bundle. Created the first time something is signed
(a bundle, or the audit chain's first checkpoint)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from opsdesk import paths
from opsdesk.errors import ValidationError


def key_path(ws_uuid: str) -> Path:
    return paths.user_data_dir() / "keys" / f"{ws_uuid}.pem"


def fingerprint(public_raw: bytes) -> str:
    """SHA-256 of the raw 32-byte public key, in hex: what people compare over the phone."""
    return hashlib.sha256(public_raw).hexdigest()


def public_raw(private_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load(ws_uuid: str) -> Any | None:
    """The private key filed under ``ws_uuid``, or None when this machine does not hold it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path(ws_uuid)
    if not path.exists():
        return None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ValidationError("key", f"{path} cannot be read as a private key ({str(exc).split('.')[0]})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError("key", f"{path} does not hold an Ed25519 key")
    return key


def load_or_create(ws_uuid: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = load(ws_uuid)
    if key is not None:
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = key_path(ws_uuid)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it meanwhile: use theirs
        return load(ws_uuid)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key
