"""kpis and attention: the dashboard's numbers on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-30") from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("kpis", help="every KPI with its value, unit, RAG status and the threshold used")
    add_workspace_argument(p)
    p.add_argument("--initiative", metavar="CODE", help="only this initiative (default: every one and the portfolio)")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the day to compute for (default: latest data)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("attention", help='the ranked "needs the committee" list, each entry with its reason')
    add_workspace_argument(p)
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the day to compute for (default: latest data)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_attention)


def kpi_json(k: Any) -> dict[str, Any]:
    return {"key": k.key, "name": k.name, "discipline": k.discipline.value, "initiative": k.initiative_code,
            "value": k.value, "unit": k.unit, "rag": k.rag, "threshold": k.threshold, "trend": k.trend,
            "method": k.method}


def cmd_kpis(args: argparse.Namespace) -> int:
    from opsdesk.analytics import kpis
    from opsdesk.analytics.rag import fmt_number
    from opsdesk.errors import NotFoundError

    ws = open_ws(args, read_only=True)
    try:
        report = kpis.all_kpis(ws, args.as_of, codes=[args.initiative] if args.initiative else None)
    finally:
        ws.close()
    if args.initiative and args.initiative not in report.per_initiative:
        raise NotFoundError("initiative", args.initiative)
    groups = [] if args.initiative else [("portfolio", report.portfolio)]
    groups += list(report.per_initiative.items())
    if args.json:
        out: dict[str, Any] = {"as_of": report.as_of.isoformat()}
        if not args.initiative:
            out["portfolio"] = [kpi_json(k) for k in report.portfolio]
        out["initiatives"] = {code: [kpi_json(k) for k in ks] for code, ks in report.per_initiative.items()}
        print_json(out)
        return 0
    print(f"KPIs as of {report.as_of.isoformat()}")
    rows = [(scope, k.discipline.label, k.name, "—" if k.value is None else fmt_number(round(k.value, 4)), k.unit,
             k.rag.upper(), k.threshold) for scope, ks in groups for k in ks]
    print_table(["scope", "discipline", "kpi", "value", "unit", "rag", "threshold"], rows)
    return 0


def cmd_attention(args: argparse.Namespace) -> int:
    from opsdesk.analytics import bottlenecks

    ws = open_ws(args, read_only=True)
    try:
        items = bottlenecks.attention(ws, args.as_of)
    finally:
        ws.close()
    if args.json:
        print_json([{"initiative": a.initiative_code, "kind": a.kind, "reason": a.reason, "score": round(a.score, 2),
                     "since": a.since, "discipline": a.discipline} for a in items])
        return 0
    print_table(["#", "initiative", "kind", "score", "reason"],
                [(n, a.initiative_code or "—", a.kind, f"{a.score:.0f}", a.reason) for n, a in enumerate(items, 1)])
    return 0
