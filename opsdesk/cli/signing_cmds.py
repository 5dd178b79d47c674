"""sign, verify-pdf, certs: PAdES signatures on papers and the trust anchors that check them."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table
from opsdesk.errors import ValidationError

EXIT_INVALID = 1
TSA_ENV = "OPSDESK_TSA_URL"  # the enclave's time-stamp authority, configured once for every signature


def add_signer_arguments(p: argparse.ArgumentParser, *, required: bool) -> None:
    """--pkcs12/--pkcs11 and their companions; secrets come from a file or a prompt, never the command line."""
    g = p.add_argument_group("signing key (a certificate file or a smart card / token)")
    src = g.add_mutually_exclusive_group(required=required)
    src.add_argument("--pkcs12", metavar="CERT.p12", help="a PKCS#12 certificate file (.p12/.pfx)")
    src.add_argument("--pkcs11", metavar="LIB", help="the PKCS#11 library of the card or token (e.g. opensc-pkcs11.so)")
    g.add_argument("--passphrase-file", metavar="FILE",
                   help="read the PKCS#12 passphrase from FILE's first line (default: ask, unechoed)")
    g.add_argument("--token", metavar="LABEL", help="with --pkcs11: the token's label")
    g.add_argument("--key-label", metavar="LABEL", help="with --pkcs11: the key's label (needed if it holds several)")
    g.add_argument("--pin-file", metavar="FILE", help="with --pkcs11: read the PIN from FILE (default: ask, unechoed)")
    for refused in ("--passphrase", "--pin"):
        g.add_argument(refused, nargs="?", action=_RefuseSecret, help=argparse.SUPPRESS)
    g.add_argument("--role", default="", metavar="ROLE", help="the signer's role shown in the block (e.g. Chair)")
    t = g.add_mutually_exclusive_group()
    t.add_argument("--tsa-url", metavar="URL", default=os.environ.get(TSA_ENV) or None,
                   help=f"time-stamp authority inside the enclave (RFC 3161 over HTTP): PAdES B-T "
                        f"(default: ${TSA_ENV})")
    t.add_argument("--tsa-pkcs12", metavar="TSA.p12",
                   help="the enclave's time-stamping key file (RSA, timeStamping usage): PAdES B-T")
    g.add_argument("--tsa-passphrase-file", metavar="FILE", help="with --tsa-pkcs12: its passphrase (default: ask)")


class _RefuseSecret(argparse.Action):
    """``--passphrase``/``--pin`` exist only to refuse them, without repeating the value anywhere."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        companion = "--pin-file" if option_string == "--pin" else "--passphrase-file"
        parser.exit(2, f"opsdesk: {option_string}: a secret on the command line stays in the shell history and "
                       f"the process list; use {companion} FILE or answer the prompt\n")


def _ask(prompt: str, file: str | None, what: str, hint: str) -> str:
    from opsdesk.services.signing.credentials import read_secret_file

    if file:
        return read_secret_file(file, what)
    if not sys.stdin.isatty():
        raise ValidationError(what, f"no terminal to ask for it; give {hint} FILE")
    import getpass

    return getpass.getpass(prompt)


def credential_from_args(args: argparse.Namespace) -> Any:
    from opsdesk.services.signing.credentials import Pkcs11Token, Pkcs12File

    if args.pkcs12:
        if args.token or args.key_label or args.pin_file:
            raise ValidationError("pkcs12", "--token, --key-label and --pin-file go with --pkcs11")
        path = Path(args.pkcs12)
        if not path.is_file():
            raise ValidationError("pkcs12", f"no such file: {path}")
        secret = _ask(f"Passphrase for {path.name}: ", args.passphrase_file, "passphrase", "--passphrase-file")
        return Pkcs12File(path, secret.encode("utf-8") if secret else None)
    if args.passphrase_file:
        raise ValidationError("passphrase_file", "--passphrase-file goes with --pkcs12")
    if not args.token:
        raise ValidationError("token", "--pkcs11 needs --token LABEL")
    pin = _ask(f"PIN for token {args.token}: ", args.pin_file, "pin", "--pin-file")
    return Pkcs11Token(Path(args.pkcs11), args.token, args.key_label, pin or None)


def tsa_from_args(args: argparse.Namespace) -> Any:
    from opsdesk.services.signing.timestamping import TsaKeyFile, TsaServer

    if args.tsa_pkcs12:  # a key file named on the command line wins over a configured server
        path = Path(args.tsa_pkcs12)
        if not path.is_file():
            raise ValidationError("tsa_pkcs12", f"no such file: {path}")
        secret = _ask(f"Passphrase for {path.name}: ", args.tsa_passphrase_file, "tsa_passphrase",
                      "--tsa-passphrase-file")
        return TsaKeyFile(path, secret.encode("utf-8") if secret else None)
    if args.tsa_url:
        return TsaServer(args.tsa_url)
    return None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sign", help="sign a PDF (PAdES) with a certificate file or a smart card", allow_abbrev=False,
                       description="Write FILE.signed.pdf (or --out) with a PAdES signature and a visible block "
                                   "on the last page; FILE itself is never changed. Sign a signed file again "
                                   "for a second signer: earlier signatures stay valid.")
    add_workspace_argument(p)
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--out", metavar="SIGNED.pdf", help="where to write the signed PDF (default FILE.signed.pdf)")
    add_signer_arguments(p, required=True)
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser("verify-pdf", help="check every signature of a PDF offline against the trusted anchors",
                       description="Exit 0 when the PDF holds signatures and every one is intact, unchanged since, "
                                   "chains to a trust anchor of the workspace and was valid at its signing time; "
                                   "exit 1 otherwise. Nothing is fetched.")
    add_workspace_argument(p)
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_verify)

    c = sub.add_parser("certs", help="trust anchors and revocation lists for signatures on papers")
    csub = c.add_subparsers(dest="action", metavar="ACTION", required=True)
    cp = csub.add_parser("trust", help="trust the CA certificate(s) in CA.pem (PEM or DER)")
    add_workspace_argument(cp)
    cp.add_argument("file", metavar="CA.pem")
    cp.add_argument("--name", help="label (default: the certificate's common name)")
    cp.set_defaults(func=cmd_trust)
    cp = csub.add_parser("list", help="the trusted anchors and the revocation lists kept")
    add_workspace_argument(cp)
    cp.add_argument("--json", action="store_true", help="print JSON")
    cp.set_defaults(func=cmd_list)
    cp = csub.add_parser("untrust", help="stop trusting an anchor (by label or fingerprint)")
    add_workspace_argument(cp)
    cp.add_argument("anchor", metavar="LABEL|FINGERPRINT")
    cp.set_defaults(func=cmd_untrust)
    cp = csub.add_parser("crl", help="keep a revocation list (PEM or DER) of a trusted issuer")
    add_workspace_argument(cp)
    cp.add_argument("file", metavar="FILE.crl")
    cp.set_defaults(func=cmd_crl)


def cmd_sign(args: argparse.Namespace) -> int:
    from opsdesk.services.signing import papers
    from opsdesk.services.signing.pades import NO_TRUSTED_TIME

    src = Path(args.file)
    if not src.is_file():
        raise ValidationError("file", f"no such file: {src}")
    ws = open_ws(args)  # first: a missing workspace is said before anyone types a passphrase
    try:
        cred = credential_from_args(args)
        tsa = tsa_from_args(args)
        result = papers.sign_file(ws, src, cred, out=args.out, role=args.role, tsa=tsa)
    finally:
        ws.close()
    s = result.signed
    print(f"signed {result.path} as {s.signer}" + (f" ({s.role})" if s.role else "")
          + f", PAdES {s.level}, field {s.field_name}")
    if s.level == "B-B":
        print(NO_TRUSTED_TIME)
    print(f"sha256 {s.sha256}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from opsdesk.services.signing import papers

    ws = open_ws(args, read_only=True)
    try:
        report = papers.verify_file(ws, args.file)
    finally:
        ws.close()
    if args.json:
        print_json(report.as_dict())
    else:
        print(f"{report.file}: {report.pages} page(s), {len(report.signatures)} signature(s)")
        for s in report.signatures:
            mark = "VALID" if s.ok else "NOT VALID"
            print(f"  {s.field_name}: {mark} - {s.signer}, PAdES {s.level}")
            print(f"    signed at {s.signed_at or 'unknown'} ({s.time_source})")
            print(f"    intact: {_yn(s.intact)}; changed after signing: {_yn(not s.unchanged_since)} ({s.changes}); "
                  f"chains to a trusted anchor: {_yn(s.trusted)}; valid at signing time: "
                  f"{_yn(s.valid_at_signing_time)}; revocation list checked: {_yn(s.revocation_checked)}")
            for problem in s.problems:
                print(f"    problem: {problem}")
            for note in s.notes:
                print(f"    note: {note}")
        for problem in report.problems:
            print(f"  problem: {problem}")
        print("all signatures valid" if report.ok else "NOT VALID")
    return 0 if report.ok else EXIT_INVALID


def _yn(v: bool) -> str:
    return "yes" if v else "no"


def cmd_trust(args: argparse.Namespace) -> int:
    from opsdesk.services.signing import trust

    ws = open_ws(args)
    try:
        added = trust.trust(ws, args.file, args.name)
    finally:
        ws.close()
    for a in added:
        print(f"trusted {a.label} ({a.subject}), valid until {a.not_after:%Y-%m-%d}, sha256 {a.fingerprint}")
    return 0


def cmd_untrust(args: argparse.Namespace) -> int:
    from opsdesk.services.signing import trust

    ws = open_ws(args)
    try:
        gone = trust.untrust(ws, args.anchor)
    finally:
        ws.close()
    print(f"no longer trusted: {gone.label}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from opsdesk.services.signing import trust

    ws = open_ws(args, read_only=True)
    try:
        anchors, crls = trust.list_anchors(ws), trust.list_crls(ws)
    finally:
        ws.close()
    if args.json:
        from dataclasses import asdict

        print_json({"anchors": [asdict(a) for a in anchors], "crls": [asdict(c) for c in crls]})
        return 0
    if not anchors:
        print("no trust anchors (opsdesk certs trust CA.pem)")
    else:
        print_table(["label", "subject", "valid until", "sha256"],
                    [(a.label, a.subject, f"{a.not_after:%Y-%m-%d}", a.fingerprint[:16] + "…") for a in anchors])
    if crls:
        print()
        print_table(["revocation list of", "issued", "next update", "revoked"],
                    [(c.issuer, f"{c.this_update:%Y-%m-%d %H:%M}",
                      f"{c.next_update:%Y-%m-%d}" if c.next_update else "—", c.revoked_count) for c in crls])
    return 0


def cmd_crl(args: argparse.Namespace) -> int:
    from opsdesk.services.signing import trust

    ws = open_ws(args)
    try:
        c = trust.import_crl(ws, args.file)
    finally:
        ws.close()
    print(f"kept the revocation list of {c.issuer} issued {c.this_update:%Y-%m-%d %H:%M} "
          f"({c.revoked_count} revoked)")
    return 0
