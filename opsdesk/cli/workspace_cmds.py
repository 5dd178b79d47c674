"""init, demo, verify, backup."""

from __future__ import annotations

import argparse
import sys

from opsdesk.cli import add_workspace_argument, workspace_path


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

    p = sub.add_parser("verify", help="recompute the audit chain and check the database")
    add_workspace_argument(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("backup", help="copy the workspace to DEST with SQLite's online backup")
    add_workspace_argument(p)
    p.add_argument("dest", help="file or folder to write the backup to")
    p.set_defaults(func=cmd_backup)


def cmd_init(args: argparse.Namespace) -> int:
    from opsdesk.services import workspace

    ws = workspace.create(workspace_path(args), organisation=args.name, currency=args.currency.upper(),
                          force=args.force)
    print(f"created {ws.location}")
    ws.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from opsdesk.errors import WorkspaceError
    from opsdesk.services import demo

    path = Path(workspace_path(args))
    if path.exists() and not args.force:
        raise WorkspaceError(f"{path} already exists (use --force to replace it)")
    demo.build(path, force=args.force)
    print(f"wrote demo workspace {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from opsdesk.services import audit, workspace

    ws = workspace.open_workspace(workspace_path(args), read_only=False)
    try:
        report = audit.verify(ws)
    finally:
        ws.close()
    if report.ok:
        print(f"ok: {report.events} audit events, chain intact; integrity check ok")
        return 0
    if report.broken_seq is not None:
        print(f"opsdesk: audit chain broken at event {report.broken_seq}: {report.reason}", file=sys.stderr)
    if report.integrity != "ok":
        print(f"opsdesk: integrity check failed: {report.integrity}", file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from opsdesk.services import workspace

    ws = workspace.open_workspace(workspace_path(args))
    try:
        dest = workspace.backup(ws, args.dest)
    finally:
        ws.close()
    print(f"backed up to {dest}")
    return 0
