"""The ``opsdesk`` command: the GUI by default, and headless subcommands over the same services.

Each group of subcommands lives in its own module with a ``register(subparsers)`` function; ``COMMAND_MODULES``
lists them. A user error prints one line to stderr and exits non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from opsdesk.errors import OpsDeskError

COMMAND_MODULES = (
    "opsdesk.cli.workspace_cmds",
    "opsdesk.cli.register_cmds",
    "opsdesk.cli.standards_cmds",
    "opsdesk.cli.import_cmds",
    "opsdesk.cli.analytics_cmds",
    "opsdesk.cli.exchange_cmds",
    "opsdesk.cli.committee_cmds",
    "opsdesk.cli.reporting_cmds",
    "opsdesk.cli.risk_cmds",
    "opsdesk.cli.signing_cmds",
)

EXIT_USER_ERROR = 2


class _Version(argparse.Action):
    """--version, reading the version only when asked for it."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        from opsdesk import __version__

        print(f"opsdesk {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsdesk",
        description="OpsDesk: the AI governance committee's lifecycle. Without a command, opens the window.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    add_workspace_argument(parser)
    parser.add_argument("--self-test", action="store_true",
                        help="open Qt offscreen on a temporary workspace, draw a chart, write a PDF, exit")
    parser.add_argument("--screenshot", metavar="DIR",
                        help="open the window offscreen, save a PNG of every page into DIR, exit")
    parser.add_argument("--size", metavar="WxH", type=_size, default=None,
                        help="with --screenshot: the window's size in pixels (default 1440x900)")
    parser.add_argument("--read-only", action="store_true", help="open the workspace read-only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x720") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"'{text}' is outside 320x240 to 7680x4320")
    return w, h


def add_workspace_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", "-w", metavar="PATH", default=argparse.SUPPRESS,
                        help="workspace file (default: $OPSDESK_WORKSPACE or the user data folder)")
    parser.add_argument("--database-url", metavar="URL", default=argparse.SUPPRESS,
                        help="a shared PostgreSQL workspace instead of a file, e.g. "
                             "postgresql+psycopg://user@host/db (default: $OPSDESK_DATABASE_URL); the password "
                             "comes from a passfile or a prompt, never from the URL")
    parser.add_argument("--i-have-a-backup", action="store_true", default=argparse.SUPPRESS,
                        help="allow a schema upgrade of a server database without running pg_dump first")


def main(argv: Sequence[str] | None = None) -> int:
    from opsdesk import log

    log.configure()
    parser = build_parser()
    args = parser.parse_args(argv)
    from opsdesk.store import engine

    engine.on_wait(lambda message: print(f"opsdesk: {message}", file=sys.stderr, flush=True))
    try:
        if args.command is None:
            return _gui(args)
        return int(args.func(args) or 0)
    except OpsDeskError as exc:
        print(f"opsdesk: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("opsdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path the system refuses (too long, not permitted, no space): one line, no traceback
        from opsdesk.files import os_error_line

        print(f"opsdesk: {os_error_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR


def workspace_path(args: argparse.Namespace) -> str:
    """The workspace to use: --database-url, --workspace, $OPSDESK_DATABASE_URL, $OPSDESK_WORKSPACE, default."""
    from opsdesk import paths

    explicit = (getattr(args, "database_url", None) or getattr(args, "workspace", None)
                or os.environ.get("OPSDESK_DATABASE_URL") or os.environ.get("OPSDESK_WORKSPACE"))
    return explicit or str(paths.default_workspace())


def open_ws(args: argparse.Namespace, *, read_only: bool = False):
    """Open the chosen workspace; for a server that wants a password no passfile gave, ask for it."""
    from opsdesk.services.workspace import lifecycle

    location = workspace_path(args)
    backup_ok = bool(getattr(args, "i_have_a_backup", False))
    try:
        ws = lifecycle.open_workspace(location, read_only=read_only, i_have_a_backup=backup_ok)
    except lifecycle.PasswordRequired:
        if not sys.stdin.isatty():
            raise
        import getpass

        password = getpass.getpass(f"Password for {location}: ")
        ws = lifecycle.open_workspace(location, read_only=read_only, password=password, i_have_a_backup=backup_ok)
    if not ws.read_only:
        try:
            opened_at = lifecycle.data_version(ws)
        except Exception:  # noqa: BLE001 - a role that cannot read it still runs its command, without the summary
            logging.getLogger(__name__).warning("cannot read the data version", exc_info=True)
        else:
            topics: list[str] = []
            ws.subscribe(topics.append)
            ws.before_close.append(lambda: warm_summary(ws, unless_version=opened_at, topics=topics))
    return ws


#: Writes that only record an event (an export: which paper, its SHA-256) and change no figure the dashboard shows.
AUDIT_ONLY_TOPICS = frozenset({"export"})


def warm_summary(ws, unless_version: int | None = None, topics: Sequence[str] = ()) -> None:
    """Keep the dashboard summary for the data as it now is (every command that changed the workspace does, as it
    closes it), so the next opening of the dashboard is quick. ``unless_version``: nothing to do when the data is
    still at that version, or when every write since (``topics``, one per committed write) only recorded an event
    (an export). A failure here loses nothing (the dashboard computes it on opening) and is only logged."""
    from opsdesk.analytics import summary
    from opsdesk.services.workspace import lifecycle

    try:
        if unless_version is None:
            summary.warm(ws)
            return
        writes = lifecycle.data_version(ws) - unless_version
        audit_only = bool(topics) and writes == len(topics) and set(topics) <= AUDIT_ONLY_TOPICS
        if writes and not audit_only:
            summary.warm(ws)
    except Exception:  # noqa: BLE001 - derived data: never fail the command that changed the workspace
        logging.getLogger(__name__).warning("could not keep the dashboard summary", exc_info=True)


def _gui(args: argparse.Namespace) -> int:
    if args.self_test:
        from opsdesk.ui.self_test import run_self_test

        return run_self_test()
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from opsdesk.ui.app import display_problem, run_gui

    problem = display_problem()
    if problem:
        print(f"opsdesk: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    return run_gui(workspace_path(args), screenshot_dir=args.screenshot, read_only=args.read_only,
                   size=args.size)
