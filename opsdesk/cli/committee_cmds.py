"""brief, meetings list."""

from __future__ import annotations

import argparse

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table
from opsdesk.cli.signing_cmds import add_signer_arguments, credential_from_args, tsa_from_args


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    b = sub.add_parser("brief", help="export a decision brief, a meeting pack or minutes as PDF", allow_abbrev=False,
                       description="Write a PDF (and its .sha256 beside it); the same workspace gives the same "
                                   "bytes as the window's File ▸ Export brief….")
    add_workspace_argument(b)
    what = b.add_mutually_exclusive_group(required=True)
    what.add_argument("--initiative", metavar="CODE", help="brief for one initiative")
    what.add_argument("--item", metavar="ID", type=int, help="brief for one agenda item")
    what.add_argument("--meeting", metavar="ID", type=int, help="meeting pack (agenda and one brief per item)")
    b.add_argument("--minutes", action="store_true", help="with --meeting: the minutes instead of the pack")
    b.add_argument("--issue", action="store_true",
                   help="issue the meeting pack or item brief (kept in the workspace: every later export writes "
                        "the same file); with --minutes: adopt the approved minutes (issued and locked); with "
                        "--minutes --sign: adopted by the chair's signature, recorded only when the certificate is "
                        "the chair's (its e-mail is the chair's e-mail, or with no e-mail its name the chair's name)")
    b.add_argument("--for-adoption", action="store_true",
                   help="with --minutes --sign: sign the approved minutes as they will be adopted, before the chair "
                        "(the secretary); the chair's signature (--issue --sign) then adopts them")
    b.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    b.add_argument("--sign", action="store_true",
                   help="also write FILE.signed.pdf, signed (PAdES) with --pkcs12 or --pkcs11 as it is exported")
    add_signer_arguments(b, required=False)
    b.set_defaults(func=cmd_brief)

    m = sub.add_parser("meetings", help="committee meetings")
    msub = m.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = msub.add_parser("list", help="list meetings with their decisions")
    add_workspace_argument(lp)
    lp.add_argument("--json", action="store_true", help="print JSON")
    lp.set_defaults(func=cmd_meetings_list)


def cmd_brief(args: argparse.Namespace) -> int:
    from opsdesk.errors import ValidationError
    from opsdesk.services.committee import exports

    if args.minutes and args.meeting is None:
        raise ValidationError("minutes", "--minutes goes with --meeting ID")
    if args.issue and args.initiative:
        raise ValidationError("issue", "--issue goes with --meeting ID or --item ID (a paper for a meeting)")
    if args.sign and not (args.pkcs12 or args.pkcs11):
        raise ValidationError("sign", "--sign needs --pkcs12 CERT.p12 or --pkcs11 LIB --token LABEL")
    if not args.sign and (args.pkcs12 or args.pkcs11):
        raise ValidationError("sign", "--pkcs12/--pkcs11 go with --sign")
    if args.for_adoption and not (args.minutes and args.sign and not args.issue):
        raise ValidationError("for_adoption", "--for-adoption goes with --meeting ID --minutes --sign (not --issue)")
    if args.minutes and args.sign and (args.issue or args.for_adoption):
        return _sign_minutes(args)
    ws = open_ws(args)
    try:
        if args.issue:
            if args.minutes:
                paper = exports.adopt_minutes(ws, args.meeting)
            else:
                paper = exports.issue(ws, meeting_id=args.meeting, item_id=args.item)
            print(f"{paper.doc_id}: {paper.label}")
        request = None
        if args.sign:
            from opsdesk.services.signing.papers import SignRequest

            request = SignRequest(credential_from_args(args), args.role, tsa_from_args(args))
        result = exports.export(ws, args.out, initiative=args.initiative, item_id=args.item,
                                meeting_id=args.meeting, minutes=args.minutes, sign=request)
    finally:
        ws.close()
    print(f"wrote {result.path} ({result.size:,} bytes, {result.doc_id})")
    print(f"sha256 {result.sha256}")
    if result.signed_path is not None:
        from opsdesk.services.signing.pades import NO_TRUSTED_TIME

        print(f"signed {result.signed_path} as {result.signer}, PAdES {result.signature_level}")
        if result.signature_level == "B-B":
            print(NO_TRUSTED_TIME)
    return 0


def _sign_minutes(args: argparse.Namespace) -> int:
    """The chair adopts the approved minutes by signing them (``--issue``), or someone signs them before the chair
    (``--for-adoption``); then the issued minutes go to --out and their signed form beside it."""
    from pathlib import Path

    from opsdesk.services.committee import adoption, exports
    from opsdesk.services.signing import pades
    from opsdesk.services.signing.papers import SignRequest

    out = Path(args.out)
    if out.suffix.lower() != ".pdf" or not out.parent.is_dir():
        from opsdesk.errors import ValidationError

        raise ValidationError("out", f"{out}: a .pdf in an existing folder", entity="export")
    ws = open_ws(args)
    try:
        done = adoption.sign_minutes(ws, args.meeting, SignRequest(credential_from_args(args), args.role,
                                                                   tsa_from_args(args)), adopt=args.issue)
        result = exports.export(ws, out, meeting_id=args.meeting, minutes=True)
    finally:
        ws.close()
    signed_path = pades.default_output(result.path)
    part = signed_path.with_name(signed_path.name + ".part")
    part.write_bytes(done.data)
    part.replace(signed_path)
    print(f"{done.paper.doc_id}: " + (f"adopted by the signature of the chair, {done.signed.signer}" if done.adopted
                                     else f"signed by {done.signed.signer}, awaiting the chair's signature"))
    print(f"wrote {result.path} ({result.size:,} bytes, {result.doc_id})")
    print(f"sha256 {result.sha256}")
    print(f"signed {signed_path} as {done.signed.signer}, PAdES {done.signed.level}")
    if done.signed.level == "B-B":
        print(pades.NO_TRUSTED_TIME)
    return 0


def cmd_meetings_list(args: argparse.Namespace) -> int:
    from opsdesk.services.committee import meetings as committee

    ws = open_ws(args, read_only=True)
    try:
        meetings = committee.list_meetings(ws)
    finally:
        ws.close()
    if args.json:
        print_json([{
            "id": m.id, "title": m.title, "starts_at": m.starts_at.isoformat(), "location": m.location,
            "status": m.status.value,
            "decisions": [{"item_id": i.id, "item": i.title, "initiative": i.initiative_code,
                           "decision_id": i.decision.id, "outcome": i.decision.outcome.value,
                           "for": i.decision.tally.for_, "against": i.decision.tally.against,
                           "abstain": i.decision.tally.abstain, "recused": i.decision.tally.recused,
                           "corrects": i.decision.corrects_id}
                          for i in m.items if i.decision is not None],
        } for m in meetings])
    else:
        print_table(["id", "time (UTC)", "status", "title", "items", "decisions"],
                    [(m.id, f"{m.starts_at:%Y-%m-%d %H:%M}", m.status.value, m.title, len(m.items),
                      ", ".join(f"{i.initiative_code or '#' + str(i.position)} {i.decision.outcome.value}"
                                for i in m.items if i.decision is not None) or "—")
                     for m in meetings])
    return 0
