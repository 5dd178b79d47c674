"""initiatives list."""

from __future__ import annotations

import argparse

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("initiatives", help="the register of initiatives")
    isub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = isub.add_parser("list", help="list every initiative")
    add_workspace_argument(lp)
    lp.add_argument("--json", action="store_true", help="print JSON")
    lp.set_defaults(func=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    from opsdesk.services.registry import initiatives

    ws = open_ws(args, read_only=True)
    try:
        rows = initiatives.list_rows(ws)
    finally:
        ws.close()
    if args.json:
        print_json([{"code": r.code, "name": r.name, "stage": r.stage.value, "risk_tier": r.risk_tier.value,
                     "owner": r.owner, "classification": r.classification, "budget": str(r.budget),
                     "currency": r.currency, "spend_to_date": str(r.spend_to_date),
                     "objectives": list(r.objectives)} for r in rows])
    else:
        print_table(["code", "name", "stage", "risk", "owner", "budget"],
                    [(r.code, r.name, r.stage.value, r.risk_tier.value, r.owner, f"{r.budget:,.0f} {r.currency}")
                     for r in rows])
    return 0
