"""inventory export / check / import: the mandated AI reports (OMB 2025 inventory, UK ATRS)."""

from __future__ import annotations

import argparse
import sys

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table

FORMATS = ("omb-2025", "omb-2025-cots", "atrs")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("inventory", help="the federal AI use case inventory and UK ATRS records")
    isub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ep = isub.add_parser("export", help="write the OMB 2025 inventory (or COTS file) or ATRS records")
    add_workspace_argument(ep)
    ep.add_argument("--format", required=True, choices=FORMATS)
    ep.add_argument("--out", required=True, metavar="FILE", help="omb: .csv; atrs: .md, .csv or .json")
    ep.add_argument("--year", type=int, help="reporting year (default: this year); initiatives retired before it "
                                             "are left out")
    ep.add_argument("--tier", type=int, choices=(1, 2), default=1, help="ATRS tier (default 1)")
    ep.add_argument("--spelling", choices=("short", "full"), default="short",
                    help="choice spellings: OMB's shorthand codes as in the published file (default) or the "
                         "template's lettered selections")
    ep.set_defaults(func=cmd_export)

    cp = isub.add_parser("check", help="what each initiative still lacks for the inventory")
    add_workspace_argument(cp)
    cp.add_argument("--year", type=int)
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_check)

    cp2 = isub.add_parser("cots", help="record whether the agency uses commercial AI for one consolidated COTS task")
    add_workspace_argument(cp2)
    cp2.add_argument("task", help="the task as OMB words it (e.g. 'Generating code using AI.')")
    cp2.add_argument("--use", required=True, choices=("Y", "N", "y", "n"))
    cp2.add_argument("--product", default="", help="commercial product(s) used, ';'-separated")
    cp2.add_argument("--licences", default="", help="estimated number of licences or users, e.g. 1-100")
    cp2.set_defaults(func=cmd_cots)

    ip = isub.add_parser("import", help="seed or update the register from a published inventory CSV")
    add_workspace_argument(ip)
    ip.add_argument("file", metavar="FILE.csv")
    ip.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    ip.add_argument("--json", action="store_true")
    ip.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    from opsdesk.services.reporting import inventory

    ws = open_ws(args)
    try:
        result = inventory.export(ws, args.format, args.out, year=args.year, spelling=args.spelling,
                                  tier=args.tier)
    finally:
        ws.close()
    print(f"wrote {result.path}: {result.rows} row(s), {result.ready} without gaps, {result.gaps} gap(s); "
          f"sha256 {result.sha256}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from opsdesk.services.reporting import inventory

    ws = open_ws(args, read_only=True)
    try:
        year = args.year if args.year is not None else inventory.default_year(ws)
        rows = inventory.check(ws, year)
    finally:
        ws.close()
    if args.json:
        print_json({"year": year, "initiatives": len(rows), "ready": sum(r.ready for r in rows),
                    "rows": [{"code": r.code, "name": r.name, "id": r.values.get("id"), "ready": r.ready,
                              "gaps": [{"column": g.column, "kind": g.kind, "problem": g.problem} for g in r.gaps]}
                             for r in rows]})
        return 0
    print_table(["code", "use case id", "name", "ready", "gaps"],
                [(r.code, r.values.get("id"), r.name[:40], "yes" if r.ready else "no", len(r.gaps)) for r in rows])
    for r in rows:
        for g in r.gaps:
            print(f"{r.code}: {g.text()}")
    print(f"{sum(r.ready for r in rows)} of {len(rows)} initiative(s) ready for the {year} inventory")
    return 0


def cmd_cots(args: argparse.Namespace) -> int:
    from opsdesk.services.reporting import inventory

    ws = open_ws(args)
    try:
        agency = inventory.organisation(ws)
        inventory.set_cots_uses(ws, agency, [(args.task, "Yes" if args.use.upper() == "Y" else "No", args.product,
                                              args.licences)])
    finally:
        ws.close()
    print(f"recorded for {agency}: {args.task} — {args.use.upper()}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from opsdesk.services.reporting import inventory_import

    ws = open_ws(args)
    try:
        report = inventory_import.import_file(ws, args.file, dry_run=args.dry_run)
    finally:
        ws.close()
    if args.json:
        print_json(report.to_json())
        return 0
    verb = "would create" if report.dry_run else "created"
    print(f"{report.file} ({report.shape} inventory, {report.encoding}): {report.rows} row(s); {verb} "
          f"{report.created}, updated {report.updated}, unchanged {report.unchanged}, rejected "
          f"{len(report.rejected)}")
    def where(issue) -> str:  # type: ignore[no-untyped-def]
        row = report.rows_by_line.get(issue.line) if issue.line is not None else None
        return f"{issue} (spreadsheet row {row})" if row is not None and row != issue.line else str(issue)

    for issue in report.rejected:
        print(f"rejected {where(issue)}", file=sys.stderr)
    for issue in report.warnings[:200]:
        print(f"warning {where(issue)}", file=sys.stderr)
    if len(report.warnings) > 200:
        print(f"… and {len(report.warnings) - 200} more warning(s) (--json lists them all)", file=sys.stderr)
    for line in report.notes:
        print(f"note: {line}")
    return 0
