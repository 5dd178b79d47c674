"""init, demo, verify, audit head, backup."""

from __future__ import annotations

import argparse
import sys

from opsdesk.cli import add_workspace_argument, open_ws, warm_summary, workspace_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help="create an empty workspace")
    add_workspace_argument(p)
    p.add_argument("--name", default="My organisation", help="organisation name")
    p.add_argument("--currency", default="USD", help="default currency (ISO code)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="write the demo workspace")
    add_workspace_argument(p)
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("verify", help="check the audit chain, its signed head, every audited record and the database")
    add_workspace_argument(p)
    p.add_argument("--head", metavar="FILE",
                   help="a head file from 'opsdesk audit head': check the workspace still contains that history")
    p.add_argument("--public-key", metavar="FILE",
                   help="the workspace's public key ('opsdesk keys export-public'), to check its signed "
                        "checkpoint on a machine that does not hold the private key")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("audit", help="the audit chain's signed head")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ap = asub.add_parser("head", help="write the chain's head, signed, to FILE for safekeeping elsewhere")
    add_workspace_argument(ap)
    ap.add_argument("--out", "-o", required=True, metavar="FILE")
    ap.set_defaults(func=cmd_audit_head)

    p = sub.add_parser("migrate", help="copy a whole workspace between a file and a PostgreSQL server")
    p.add_argument("--from", dest="source", required=True, metavar="SOURCE", help="workspace file or database URL")
    p.add_argument("--to", dest="target", required=True, metavar="TARGET",
                   help="a new workspace file, or an empty PostgreSQL database URL")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("settings", help="settings of this machine that every OpsDesk process honours")
    ssub = p.add_subparsers(dest="setting", metavar="SETTING", required=True)
    sp = ssub.add_parser("durability", help="how workspace files commit on this machine: 'normal' (WAL, "
                                            "synchronous=NORMAL: a power loss may lose the last commits) or "
                                            "'full' (synchronous=FULL: slower edits, nothing committed is lost)")
    sp.add_argument("value", nargs="?", choices=("normal", "full"), help="the new value (omit to show it)")
    sp.set_defaults(func=cmd_durability)

    p = sub.add_parser("backup", help="copy the workspace to DEST with SQLite's online backup")
    add_workspace_argument(p)
    p.add_argument("dest", help="file or folder to write the backup to")
    p.add_argument("--force", action="store_true", help="replace an existing file at DEST")
    p.set_defaults(func=cmd_backup)


def cmd_init(args: argparse.Namespace) -> int:
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.create(workspace_path(args), organisation=args.name, currency=args.currency.upper(),
                          force=args.force)
    print(f"created {ws.location}")
    ws.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from opsdesk.services import demo
    from opsdesk.store.engine import is_server_url, redact

    location = workspace_path(args)
    if is_server_url(location):
        demo.build(location)
        shown = redact(location)
    else:
        path = Path(location)
        demo.build(path, force=args.force)
        shown = str(path)
    ws = open_ws(args)
    try:
        warm_summary(ws)
    finally:
        ws.close()
    print(f"wrote demo workspace {'to ' if is_server_url(location) else ''}{shown}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from opsdesk.services.workspace import integrity

    ws = open_ws(args, quick_check=False)  # verify runs the full integrity_check and reports it as a finding
    try:
        report = integrity.verify(ws, head_file=args.head, public_key_file=args.public_key)
    finally:
        ws.close()
    for line in report.checked:
        print(line)
    for warning in report.warnings:
        print(f"warning: {warning}")
        print(f"opsdesk: warning: {warning}", file=sys.stderr)
    if report.ok:
        print(f"ok: {report.events} audit events, chain intact; {report.records} records match the audit; "
              "integrity check ok" + (" (with the warning above)" if report.warnings else ""))
        return 0
    for finding in report.findings:
        print(f"opsdesk: {finding}", file=sys.stderr)
    return 1


def cmd_audit_head(args: argparse.Namespace) -> int:
    from opsdesk.services.workspace import checkpoints

    ws = open_ws(args, read_only=True)
    try:
        path, head = checkpoints.export_head(ws, args.out)
    finally:
        ws.close()
    print(f"wrote {path}: event {head.seq} ({head.head[:16]}…), signed {head.at} by key "
          f"{head.fingerprint[:16]}…; keep it elsewhere and check with 'opsdesk verify --head {path}'")
    return 0


def cmd_durability(args: argparse.Namespace) -> int:
    from opsdesk import settings

    if args.value is not None:
        settings.set_durability(args.value)
    value = settings.durability()
    what = ("synchronous=FULL: every commit is on disk when the action returns" if value == "full" else
            "WAL with synchronous=NORMAL: a power loss may lose the last commits (the file stays sound)")
    print(f"durability: {value} ({what}){'; applies to workspaces opened from now on' if args.value else ''}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from opsdesk.services.workspace import lifecycle

    ws = open_ws(args)
    try:
        dest = lifecycle.backup(ws, args.dest, force=args.force)
    finally:
        ws.close()
    print(f"backed up to {dest}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from opsdesk.cli.output import print_json
    from opsdesk.services.exchange import transfer

    report = transfer.copy_workspace(args.source, args.target)
    if args.json:
        print_json({"source": report.source, "target": report.target, "rows": report.rows,
                    "audit_events": report.audit_events, "chain_ok": report.chain_ok})
    else:
        total = sum(report.rows.values())
        print(f"copied {total} rows in {len(report.rows)} tables from {report.source} to {report.target}; "
              f"{report.audit_events} audit events, chain {'intact' if report.chain_ok else 'BROKEN'}")
    return 0 if report.chain_ok else 1
