"""A SoftHSM2 token standing in for a PIV/CAC card: initialised in a temporary folder, with a key pair generated
on the token (the private key never leaves it) and its certificate, issued by the test CA, stored beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.signing.pki import ThrowawayCA

LIBRARY_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                      "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so")
TOKEN = "OPSDESK-CARD"
PIN = "123456"
SO_PIN = "12345678"
KEY_LABEL = "Carol Card"


def library() -> str | None:
    for candidate in LIBRARY_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Card:
    library: str
    token: str
    key_label: str
    pin: str
    conf: Path


def make_card(folder: Path, ca: ThrowawayCA) -> Card:
    """Initialise the token (SOFTHSM2_CONF must point at ``folder``'s config before the library is loaded)."""
    import pkcs11
    from cryptography import x509  # noqa: F401
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    lib_path = library()
    assert lib_path is not None
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
                    encoding="utf-8")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = shutil.which("softhsm2-util")
    assert util is not None
    subprocess.run([util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True, env={**os.environ, "SOFTHSM2_CONF": str(conf)})
    token = pkcs11.lib(lib_path).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
        public, _private = params.generate_keypair(store=True, label=KEY_LABEL)
        public_key = serialization.load_der_public_key(encode_ec_public_key(public))
        cert = ca.issue(public_key, KEY_LABEL)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: KEY_LABEL,
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })
    return Card(lib_path, TOKEN, KEY_LABEL, PIN, conf)
