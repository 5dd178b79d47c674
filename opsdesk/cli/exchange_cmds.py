"""export-bundle, import-bundle, keys, restore: moving records between enclaves and recovering a workspace."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from opsdesk.cli import add_workspace_argument, open_ws, workspace_path
from opsdesk.cli.output import print_json, print_table


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export-bundle", help="write a signed bundle of initiatives for another workspace")
    add_workspace_argument(p)
    p.add_argument("--initiative", "-i", nargs="+", required=True, metavar="CODE", help="initiative codes")
    p.add_argument("--out", "-o", required=True, metavar="FILE", help="bundle file to write (.opsbundle)")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day of metrics and costs")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day of metrics and costs")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-bundle", help="verify a signed bundle and apply it in one transaction")
    add_workspace_argument(p)
    p.add_argument("file", help="bundle file")
    p.add_argument("--dry-run", action="store_true", help="verify and show what would change; change nothing")
    p.add_argument("--take-theirs", action="store_true",
                   help="for records changed on both sides, take the bundle's version (default: keep ours)")
    p.add_argument("--all", action="store_true", help="list every record to create, not only updates and conflicts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("keys", help="this workspace's signing key and the keys it trusts")
    ksub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    kp = ksub.add_parser("export-public", help="write this workspace's public key (never the private one)")
    add_workspace_argument(kp)
    kp.add_argument("--out", "-o", required=True, metavar="FILE")
    kp.set_defaults(func=cmd_keys_export)
    kp = ksub.add_parser("export-head", help="write the audit chain's signed head (the same as 'opsdesk audit head')")
    add_workspace_argument(kp)
    kp.add_argument("--out", "-o", required=True, metavar="FILE")
    kp.set_defaults(func=_audit_head)
    kp = ksub.add_parser("trust", help="trust bundles signed by the key in FILE")
    add_workspace_argument(kp)
    kp.add_argument("file")
    kp.add_argument("--name", help="label for the key (default: its organisation)")
    kp.set_defaults(func=cmd_keys_trust)
    kp = ksub.add_parser("untrust", help="stop trusting a key (by label or fingerprint)")
    add_workspace_argument(kp)
    kp.add_argument("key")
    kp.set_defaults(func=cmd_keys_untrust)
    kp = ksub.add_parser("list", help="this workspace's key and the trusted keys")
    add_workspace_argument(kp)
    kp.add_argument("--json", action="store_true")
    kp.set_defaults(func=cmd_keys_list)

    p = sub.add_parser("restore", help="replace the workspace with a verified backup (the old file is kept)")
    add_workspace_argument(p)
    p.add_argument("src", help="backup file to restore")
    p.set_defaults(func=cmd_restore)


def _audit_head(args: argparse.Namespace) -> int:
    from opsdesk.cli.workspace_cmds import cmd_audit_head

    return cmd_audit_head(args)


def _open(args: argparse.Namespace, read_only: bool = False):

    return open_ws(args, read_only=read_only)


def cmd_export(args: argparse.Namespace) -> int:
    from opsdesk.services.exchange import bundles as exchange

    ws = _open(args)
    try:
        result = exchange.export_bundle(ws, args.initiative, args.out, start=args.start, end=args.end)
    finally:
        ws.close()
    counted = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    print(f"wrote {result.path} (bundle {result.bundle_uuid}, sha256 {result.sha256[:16]}…): {counted}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from opsdesk.services.exchange import bundles as exchange

    ws = _open(args)
    try:
        if args.dry_run:
            preview = exchange.preview_import(ws, args.file)
        else:
            preview = exchange.import_bundle(ws, args.file, resolve="theirs" if args.take_theirs else "keep")
    finally:
        ws.close()
    if args.json:
        print_json({"bundle": preview.bundle_uuid, "organisation": preview.organisation,
                    "signer": preview.signer_label, "dry_run": args.dry_run, "counts": preview.counts(),
                    "items": [{"entity": i.entity, "key": i.key, "action": i.action, "detail": i.detail}
                              for i in preview.items]})
        return 0
    verb = "would" if args.dry_run else "did"
    print(f"bundle {preview.bundle_uuid} from {preview.organisation or '?'}, signed by {preview.signer_label} "
          f"({preview.signer_fingerprint[:16]}…), initiatives {', '.join(preview.initiatives)}")
    if preview.already_imported:
        print("this bundle was already imported here")
    by_entity: dict[str, dict[str, int]] = {}
    for item in preview.items:
        row = by_entity.setdefault(item.entity, {})
        row[item.action] = row.get(item.action, 0) + 1
    actions = ("create", "update", "conflict", "stale", "kept", "unchanged")
    print_table(["record", *actions], [(e, *(c.get(a, 0) or "" for a in actions)) for e, c in by_entity.items()])
    shown = [i for i in preview.items
             if i.action in ("update", "conflict", "stale") or (args.all and i.action != "unchanged")]
    if shown:
        print()
        print_table(["action", "record", "key", "changed fields"],
                    [(i.action, i.entity, _short(i.key), i.detail) for i in shown])
    counts = preview.counts()
    print(f"{verb}: " + ", ".join(f"{counts.get(a, 0)} {a}" for a in
                                   ("create", "update", "conflict", "stale", "kept", "unchanged")))
    if counts.get("conflict") and not args.take_theirs:
        print("records in conflict keep the local version (use --take-theirs to take the bundle's)",
              file=sys.stderr)
    if counts.get("stale") and not args.take_theirs:
        print("stale records (older than what the same signer sent before) are not applied (use --take-theirs to "
              "apply them anyway)", file=sys.stderr)
    return 0


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_keys_export(args: argparse.Namespace) -> int:
    from opsdesk.services.exchange import keys

    ws = _open(args)
    try:
        path = keys.export_public(ws, args.out)
        fp = keys.own_fingerprint(ws)
    finally:
        ws.close()
    print(f"wrote public key {keys.short(fp)} to {path}")
    return 0


def cmd_keys_trust(args: argparse.Namespace) -> int:
    from opsdesk.services.exchange import keys

    ws = _open(args)
    try:
        key = keys.trust(ws, args.file, args.name)
    finally:
        ws.close()
    print(f"trusted '{key.label}' ({keys.short(key.fingerprint)})")
    return 0


def cmd_keys_untrust(args: argparse.Namespace) -> int:
    from opsdesk.services.exchange import keys

    ws = _open(args)
    try:
        keys.untrust(ws, args.key)
    finally:
        ws.close()
    print(f"no longer trusting '{args.key}'")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from opsdesk.services.exchange import keys

    ws = _open(args)
    try:
        rows = keys.list_keys(ws)
    finally:
        ws.close()
    if args.json:
        print_json([{"label": k.label, "fingerprint": k.fingerprint, "organisation": k.organisation,
                     "workspace_uuid": k.workspace_uuid, "own": k.own} for k in rows])
    else:
        print_table(["label", "fingerprint", "organisation", "own"],
                    [(k.label, keys.short(k.fingerprint), k.organisation, "yes" if k.own else "") for k in rows])
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from opsdesk.services.workspace import backups

    result = backups.restore(args.src, workspace_path(args))
    print(f"restored {result.target} from {result.source} ({result.events} audit events verified); "
          f"the replaced file is kept as {result.kept}" if result.kept else
          f"restored {result.target} from {result.source} ({result.events} audit events verified)")
    return 0
