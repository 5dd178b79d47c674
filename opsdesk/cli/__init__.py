"""The ``opsdesk`` command: the GUI by default, and headless subcommands over the same services.

Each group of subcommands lives in its own module with a ``register(subparsers)`` function. ``COMMANDS`` names
every top-level command, the module that registers it and its one-line help, so that ``opsdesk --help`` lists
them all and a run imports only the module of the command it runs (start-up is what a person waits for).
A user error prints one line to stderr and exits non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from opsdesk.errors import OpsDeskError

_M = "opsdesk.cli."
# command → (module that registers it, its help in `opsdesk --help`); tests/cli checks both against the modules
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (_M + "workspace_cmds", "create an empty workspace"),
    "demo": (_M + "workspace_cmds", "write the demo workspace"),
    "verify": (_M + "workspace_cmds", "check the audit chain, its signed head, every audited record and the database"),
    "audit": (_M + "workspace_cmds", "the audit chain's signed head"),
    "migrate": (_M + "workspace_cmds", "copy a whole workspace between a file and a PostgreSQL server"),
    "settings": (_M + "workspace_cmds", "settings of this machine that every OpsDesk process honours"),
    "backup": (_M + "workspace_cmds", "copy the workspace to DEST with SQLite's online backup"),
    "initiatives": (_M + "register_cmds", "the register of initiatives"),
    "standards": (_M + "standards_cmds", "the standards catalogue and its starter library"),
    "conformance": (_M + "standards_cmds", "conformance per initiative and requirement, %% and gate readiness"),
    "skills": (_M + "standards_cmds", "skills matrix, training records and cross-training analytics"),
    "import": (_M + "import_cmds", "import metrics, FOCUS costs, MLflow, OpenLineage or Great Expectations files"),
    "costs": (_M + "import_cmds", "cost totals per initiative, service or month, per currency; 'costs export --focus "
              "--out FILE.csv' writes the records as FOCUS 1.2"),
    "rates": (_M + "import_cmds", "the exchange-rate table used to convert between currencies"),
    "kpis": (_M + "analytics_cmds", "every KPI with its value, unit, RAG status and the threshold used"),
    "attention": (_M + "analytics_cmds", 'the ranked "needs the committee" list, each entry with its reason'),
    "export-bundle": (_M + "exchange_cmds", "write a signed bundle of initiatives for another workspace"),
    "import-bundle": (_M + "exchange_cmds", "verify a signed bundle and apply it in one transaction"),
    "keys": (_M + "exchange_cmds", "this workspace's signing key and the keys it trusts"),
    "restore": (_M + "exchange_cmds", "replace the workspace with a verified backup (the old file is kept)"),
    "brief": (_M + "committee_cmds", "export a decision brief, a meeting pack or minutes as PDF"),
    "meetings": (_M + "committee_cmds", "committee meetings"),
    "inventory": (_M + "reporting_cmds", "the federal AI use case inventory and UK ATRS records"),
    "risks": (_M + "risk_cmds", "the risk register"),
    "incidents": (_M + "risk_cmds", "the incident register"),
    "assessments": (_M + "risk_cmds", "AI impact assessments"),
    "sign": (_M + "signing_cmds", "sign a PDF (PAdES) with a certificate file or a smart card"),
    "verify-pdf": (_M + "signing_cmds", "check every signature of a PDF offline against the trusted anchors"),
    "certs": (_M + "signing_cmds", "trust anchors and revocation lists for signatures on papers"),
}
COMMAND_MODULES = tuple(dict.fromkeys(module for module, _help in COMMANDS.values()))

EXIT_USER_ERROR = 2


class _Version(argparse.Action):
    """--version, reading the version only when asked for it."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        from opsdesk import __version__

        print(f"opsdesk {__version__}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser (every command module imported), or with ``command`` only that command's module."""
    parser, sub = _top_parser()
    modules = COMMAND_MODULES if command is None else (COMMANDS[command][0],)
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _index_parser() -> argparse.ArgumentParser:
    """Every command by name and help, none of their modules imported: enough for ``--help`` and to tell which
    command a command line runs."""
    parser, sub = _top_parser()
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)  # its own arguments are parsed by the real one
    return parser


class _NotJustTheWindow(Exception):
    pass


class _WindowParser(argparse.ArgumentParser):
    """The options of the window alone (no commands, no --help): what a plain start parses. Anything else (a
    command, --help, a mistake) is left to the whole parser, which says what it says about it."""

    def __init__(self) -> None:
        super().__init__(prog="opsdesk", add_help=False)
        _window_options(self)

    def error(self, message: str) -> NoReturn:
        raise _NotJustTheWindow(message)


def _top_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:  # type: ignore[type-arg]
    parser = argparse.ArgumentParser(
        prog="opsdesk",
        description="OpsDesk: the AI governance committee's lifecycle. Without a command, opens the window.",
    )
    _window_options(parser)
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND")


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    add_workspace_argument(parser)
    parser.add_argument("--self-test", action="store_true",
                        help="open Qt offscreen on a temporary workspace, draw a chart, write a PDF, exit")
    parser.add_argument("--screenshot", metavar="DIR",
                        help="open the window offscreen, save a PNG of every page into DIR, exit")
    parser.add_argument("--size", metavar="WxH", type=_size, default=None,
                        help="with --screenshot: the window's size in pixels (default 1440x900)")
    parser.add_argument("--read-only", action="store_true", help="open the workspace read-only")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse a command line, importing only the module of the command it names."""
    try:
        window, rest = _WindowParser().parse_known_args(argv)
    except _NotJustTheWindow:
        rest = ["?"]
    if not rest:  # only the window's options (a plain start): the index of commands is not needed
        window.command = None
        return window
    index = _index_parser()
    known, _rest = index.parse_known_args(argv)
    if known.command is None:
        return index.parse_args(argv)  # the window (or --version, --help): anything left over is an error
    return build_parser(known.command).parse_args(argv)


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
    args = parse(argv)
    if args.command is not None:
        _leave_without_final_collection()
        # OpsDesk does no linear algebra: numpy's BLAS need not start a thread per core as numpy is imported
        # (~10 ms of every command that imports numpy, on two cores); a value the user set is kept
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if args.command is not None or args.screenshot or args.self_test:
        from opsdesk.store import engine  # (the window says it is working in its status bar instead)

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
    finally:
        _thaw()


def _thaw() -> None:
    """What :func:`settled_imports` left out of collections goes back to the collector."""
    global _frozen
    if _frozen:
        gc.unfreeze()
        _frozen = False


_final_collection_skipped = False
_frozen = False


@contextmanager
def settled_imports() -> Iterator[None]:
    """Import what a command needs with the cyclic garbage collector paused, then leave what the imports made out
    of later collections (``gc.freeze``): the ORM models, numpy and the rest make ~100,000 objects that the
    collector would otherwise walk again and again as they come (~30 ms of an import's start). :func:`main` hands
    them back to the collector (``gc.unfreeze``) when the command returns, so a process that runs commands
    in-process (the tests) collects as before."""
    global _frozen
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _frozen = True
        if enabled:
            gc.enable()


def _leave_without_final_collection() -> None:
    """A command's process ends when its command returns: let the objects still alive then (the modules of
    SQLAlchemy, numpy and OpsDesk) go with the process instead of walking them all in the interpreter's last
    garbage collection (~0.1 s). ``gc.freeze`` at exit only keeps that collection from looking at them: every
    command has closed its workspace and files by then, stdout and the log are flushed as always. Registered
    once, at exit, so a process that runs commands in-process (the tests) collects as usual until it ends."""
    global _final_collection_skipped
    if not _final_collection_skipped:
        import atexit

        atexit.register(gc.freeze)
        _final_collection_skipped = True


def workspace_path(args: argparse.Namespace) -> str:
    """The workspace to use: --database-url, --workspace, $OPSDESK_DATABASE_URL, $OPSDESK_WORKSPACE, default."""
    from opsdesk import paths

    explicit = (getattr(args, "database_url", None) or getattr(args, "workspace", None)
                or os.environ.get("OPSDESK_DATABASE_URL") or os.environ.get("OPSDESK_WORKSPACE"))
    return explicit or str(paths.default_workspace())


def open_ws(args: argparse.Namespace, *, read_only: bool = False, quick_check: bool = True):
    """Open the chosen workspace; for a server that wants a password no passfile gave, ask for it."""
    from opsdesk.services.workspace import lifecycle

    location = workspace_path(args)
    backup_ok = bool(getattr(args, "i_have_a_backup", False))
    try:
        ws = lifecycle.open_workspace(location, read_only=read_only, i_have_a_backup=backup_ok,
                                      quick_check=quick_check)
    except lifecycle.PasswordRequired:
        if not sys.stdin.isatty():
            raise
        import getpass

        password = getpass.getpass(f"Password for {location}: ")
        ws = lifecycle.open_workspace(location, read_only=read_only, password=password, i_have_a_backup=backup_ok,
                                      quick_check=quick_check)
    if not ws.read_only:
        try:
            opened_at = lifecycle.records_version(ws)
        except Exception:  # noqa: BLE001 - a role that cannot read it still runs its command, without the summary
            logging.getLogger(__name__).warning("cannot read the data version", exc_info=True)
        else:
            ws.before_close.append(lambda: warm_summary(ws, unless_version=opened_at))
    return ws


def warm_summary(ws, unless_version: int | None = None) -> None:
    """Keep the dashboard summary for the data as it now is (every command that changed the workspace does, as it
    closes it), so the next opening of the dashboard is quick. ``unless_version``: nothing to do when the data is
    still at that version. A failure here loses nothing (the dashboard computes it on opening) and is only
    logged."""
    from opsdesk.services.workspace import lifecycle

    try:
        if unless_version is None or lifecycle.records_version(ws) != unless_version:
            from opsdesk.analytics import summary  # numpy and the KPIs: only for a command that changed data

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
