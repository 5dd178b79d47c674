"""import, costs, rates: bring the Ops teams' files in, read the cost ledger, keep the exchange-rate table."""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal

from opsdesk.cli import add_workspace_argument, open_ws, settled_imports
from opsdesk.cli.output import print_json, print_table

KINDS = ("auto", "metrics", "focus", "mlflow", "openlineage", "gx")
EXIT_REJECTED = 1


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("import", help="import metrics, FOCUS costs, MLflow, OpenLineage or Great Expectations files",
                       description="Read PATH(s), show what would be imported and commit it in one transaction. "
                                   "When anything is rejected nothing is written, unless --accept-partial.")
    add_workspace_argument(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, an mlruns/ folder or an mlflow.db")
    p.add_argument("--kind", choices=KINDS, default="auto", help="what the files are (default: detect)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--accept-partial", action="store_true",
                   help="commit the accepted rows even when some rows are rejected")
    p.add_argument("--include-deleted", action="store_true",
                   help="MLflow: keep deleted runs too, marked deleted (they are left out by default)")
    p.add_argument("--strict", action="store_true",
                   help="metrics: reject rows that repeat the series and timestamp of another row (by default the "
                        "last one is kept, with a warning)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("costs", help="cost totals per initiative, service or month, per currency; "
                                     "'costs export --focus --out FILE.csv' writes the records as FOCUS 1.2")
    add_workspace_argument(p)
    p.add_argument("action", nargs="?", choices=("export",), help="export: write the cost records to a file")
    p.add_argument("--focus", action="store_true", help="with export: as a FOCUS 1.2 CSV")
    p.add_argument("--out", metavar="FILE.csv", help="with export: the file to write")
    p.add_argument("--by", choices=("initiative", "service", "month"), default="initiative")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON (amounts as exact decimal strings)")
    out.add_argument("--csv", action="store_true", help="print CSV (formula-like text escaped)")
    p.add_argument("--convert-to", metavar="CUR", help="also give each total in CUR using the rate table")
    p.add_argument("--apply-rules", action="store_true", help="re-apply the allocation rules first")
    p.set_defaults(func=cmd_costs)

    p = sub.add_parser("rates", help="the exchange-rate table used to convert between currencies")
    add_workspace_argument(p)
    rsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = rsub.add_parser("list", help="list the rates")
    add_workspace_argument(lp)
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(func=cmd_rates_list)
    sp = rsub.add_parser("set", help="add or replace a rate: 1 FROM = RATE TO from a date on")
    add_workspace_argument(sp)
    sp.add_argument("from_currency", metavar="FROM")
    sp.add_argument("to_currency", metavar="TO")
    sp.add_argument("rate")
    sp.add_argument("--valid-from", default="1970-01-01", help="first day the rate applies (YYYY-MM-DD)")
    sp.set_defaults(func=cmd_rates_set)
    dp = rsub.add_parser("delete", help="delete a rate by its id")
    add_workspace_argument(dp)
    dp.add_argument("id", type=int)
    dp.set_defaults(func=cmd_rates_delete)


def cmd_import(args: argparse.Namespace) -> int:
    with settled_imports():
        from opsdesk import files
        from opsdesk.services.imports import runs
        from opsdesk.services.workspace import lifecycle  # noqa: F401 - what open_ws opens the workspace with

    for path in args.paths:  # a FIFO, a device or a /proc stream is refused before anything opens
        if not os.path.isdir(path) and files.regular_or_missing(path, "file or folder to import"):
            files.read_head(path, 1)

    ws = open_ws(args, read_only=args.dry_run)
    try:
        report = runs.import_paths(ws, args.paths, kind=args.kind, dry_run=args.dry_run,
                                   accept_partial=args.accept_partial, include_deleted=args.include_deleted,
                                   strict=args.strict)
    finally:
        ws.close()
    if args.json:
        print_json(report.to_json())
    else:
        for f in report.files:
            print(f"{f.name}: {f.kind.value}, {f.accepted} accepted, {f.rejected} rejected — {f.status}"
                  + (f" (batch {f.batch_id})" if f.batch_id else "") + (f": {f.message}" if f.message else ""))
        for issue in report.rejected[:200]:
            print(f"  rejected {issue}")
        if len(report.rejected) > 200:
            print(f"  … and {len(report.rejected) - 200} more rejected rows (use --json for all)")
        for issue in report.warnings:
            print(f"  warning  {issue}")
        print(report.message)
    return EXIT_REJECTED if report.rejected and not report.committed else 0


def cmd_costs(args: argparse.Namespace) -> int:
    from opsdesk.services.finance import costs, exchange_rates
    from opsdesk.store.types import written

    if args.action == "export":
        return _export_focus(args)
    ws = open_ws(args, read_only=not args.apply_rules)
    try:
        if args.apply_rules:
            costs.apply_rules(ws)
        rows = costs.ledger(ws, args.by)
        t = costs.totals(ws, args.by)
        converted = None
        if args.convert_to:
            converted = {key: exchange_rates.convert(ws, amounts, args.convert_to) for key, amounts in
                         t["totals"].items()}
            converted_all = exchange_rates.convert(ws, t["currencies"], args.convert_to)
    finally:
        ws.close()
    if args.json:
        def amounts(d: dict[str, Decimal]) -> dict[str, str]:
            return {c: written(v) for c, v in d.items()}

        payload: dict[str, object] = {
            "by": args.by,
            "totals": {k: amounts(cur) for k, cur in t["totals"].items()},
            "unallocated": amounts(t["unallocated"]),
            "currencies": amounts(t["currencies"]),
            "EffectiveCost": {"totals": {k: amounts(cur) for k, cur in t["totals"].items()},
                              "unallocated": amounts(t["unallocated"]), "currencies": amounts(t["currencies"])},
            "BilledCost": {"totals": {k: amounts(cur) for k, cur in t["billed"].items()},
                           "unallocated": amounts(t["unallocated_billed"]),
                           "currencies": amounts(t["currencies_billed"])},
            "rows": [{args.by: r.key, "currency": r.currency, "BilledCost": written(r.billed),
                      "EffectiveCost": written(r.total), "allocated": written(r.allocated),
                      "unallocated": written(r.unallocated), "BilledCost_allocated": written(r.billed_allocated),
                      "BilledCost_unallocated": written(r.billed_unallocated)} for r in rows],
        }
        if converted is not None:
            payload["converted"] = {"currency": args.convert_to.upper(), "total": written(converted_all),
                                    "totals": {k: written(v) for k, v in converted.items()}}
        print_json(payload)
        return 0
    headers = [args.by, "currency", "BilledCost", "EffectiveCost", "allocated", "unallocated"]
    table = [(r.key, r.currency, r.billed, r.total, r.allocated, r.unallocated) for r in rows]
    if args.csv:
        from opsdesk.domain.csv_safety import to_csv

        sys.stdout.write(to_csv(headers, table))
        return 0
    print_table(headers, [(k, c, *(_money(x) for x in xs)) for k, c, *xs in table])
    for currency in sorted(t["currencies"]):
        grand, amount = t["currencies"][currency], t["unallocated"][currency]
        share = f" ({amount / grand:.1%} of {_money(grand)})" if grand else ""
        print(f"{currency}: BilledCost {_money(t['currencies_billed'][currency])}, EffectiveCost {_money(grand)}; "
              f"unallocated EffectiveCost {_money(amount)}{share}")
    if converted is not None:
        print(f"total in {args.convert_to.upper()} (rate table): {_money(converted_all)}")
    return 0


def _export_focus(args: argparse.Namespace) -> int:
    from opsdesk.errors import ValidationError
    from opsdesk.services.finance import focus_export

    if not args.focus or not args.out:
        raise ValidationError("export", "say what to write: opsdesk costs export --focus --out FILE.csv")
    ws = open_ws(args)
    try:
        done = focus_export.export_focus(ws, args.out)
    finally:
        ws.close()
    print(f"wrote {done['rows']} FOCUS 1.2 rows to {done['path']} (sha256 {done['sha256']})")
    if done["empty_mandatory"]:
        print(f"  mandatory columns no record could fill (left empty): {', '.join(done['empty_mandatory'])}")
    for line in done["derived"]:
        print(f"  derived {line}")
    for line in done["notes"]:
        print(f"  note: {line}")
    return 0


def _money(value: Decimal) -> str:
    """Thousands separated, at the scale the amount carries (the bill's own scale)."""
    return f"{value:,f}"


def cmd_rates_list(args: argparse.Namespace) -> int:
    from opsdesk.services.finance import exchange_rates

    ws = open_ws(args, read_only=True)
    try:
        rates = exchange_rates.list_rates(ws)
    finally:
        ws.close()
    if args.json:
        print_json([{"id": r.id, "from": r.from_currency, "to": r.to_currency, "rate": str(r.rate),
                     "valid_from": r.valid_from.isoformat()} for r in rates])
    else:
        print_table(["id", "from", "to", "rate", "valid from"],
                    [(r.id, r.from_currency, r.to_currency, r.rate, r.valid_from) for r in rates])
    return 0


def cmd_rates_set(args: argparse.Namespace) -> int:
    from opsdesk.services.finance import exchange_rates

    ws = open_ws(args)
    try:
        r = exchange_rates.set_rate(ws, args.from_currency, args.to_currency, args.rate, args.valid_from)
    finally:
        ws.close()
    print(f"1 {r.from_currency} = {r.rate} {r.to_currency} from {r.valid_from}")
    return 0


def cmd_rates_delete(args: argparse.Namespace) -> int:
    from opsdesk.services.finance import exchange_rates

    ws = open_ws(args)
    try:
        exchange_rates.delete_rate(ws, args.id)
    finally:
        ws.close()
    print(f"deleted rate {args.id}")
    return 0
