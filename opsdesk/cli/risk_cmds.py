"""risks list|add|update|delete|import|export, incidents list|add|update|action|import|export,
assessments list|new|update|approve — the risk, impact assessment and incident registers."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table

RISK_OPTIONS = (
    ("--title", "title", "the risk in a few words"),
    ("--description", "description", "what could happen and why"),
    ("--category", "category", "performance, bias_and_fairness, privacy, security, safety, legal, financial, "
                               "operational, vendor"),
    ("--likelihood", "likelihood", "1–5"),
    ("--impact", "impact", "1–5"),
    ("--residual-likelihood", "residual_likelihood", "1–5 after mitigation"),
    ("--residual-impact", "residual_impact", "1–5 after mitigation"),
    ("--owner", "owner", "e-mail or name of the owner"),
    ("--treatment", "treatment", "mitigate, accept, transfer or avoid"),
    ("--accepted-by", "accepted_by", "who accepted the risk (with --treatment accept)"),
    ("--review-on", "review_on", "next review date, YYYY-MM-DD"),
    ("--nist", "nist", "NIST AI RMF categories, comma-separated (e.g. MEASURE-2,MANAGE-1)"),
    ("--model", "model", "the model it is about: name or name:version"),
    ("--data-asset", "data_asset", "the data asset it is about"),
    ("--kpi", "trigger_series", "a KPI series of the initiative whose breach raises the risk"),
    ("--trigger-level", "trigger_level", "red (default) or amber"),
    ("--status", "status", "open or closed"),
)
INCIDENT_OPTIONS = (
    ("--title", "title", "the incident in a few words"),
    ("--occurred-on", "occurred_on", "YYYY-MM-DD"),
    ("--detected-on", "detected_on", "YYYY-MM-DD"),
    ("--severity", "severity", "1 (critical) … 4 (minor)"),
    ("--description", "description", "what happened"),
    ("--affected", "affected", "who was affected"),
    ("--affected-count", "affected_count", "how many people"),
    ("--status", "status", "open, contained, resolved or closed"),
    ("--root-cause", "root_cause", "the root cause"),
    ("--reportable", "reportable", "yes or no"),
    ("--report-to", "report_to", "to whom it is reported"),
    ("--reported-on", "reported_on", "YYYY-MM-DD"),
    ("--resolved-on", "resolved_on", "YYYY-MM-DD"),
    ("--model", "model", "the model involved: name or name:version"),
)


def _options(p: argparse.ArgumentParser, options: tuple[tuple[str, str, str], ...]) -> None:
    for flag, dest, text in options:
        p.add_argument(flag, dest=f"f_{dest}", metavar="VALUE", help=text)


def _values(args: argparse.Namespace, options: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    return {dest: getattr(args, f"f_{dest}") for _f, dest, _t in options if getattr(args, f"f_{dest}") is not None}


def _parser(sub: Any, name: str, help_text: str, func: Any, json_flag: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text)
    add_workspace_argument(p)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=func)
    return p


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("risks", help="the risk register")
    rs = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = _parser(rs, "list", "list risks with their inherent and residual ratings", cmd_risks_list)
    lp.add_argument("--initiative", metavar="CODE")
    lp.add_argument("--category")
    lp.add_argument("--residual", help="low, medium, high or critical")
    lp.add_argument("--status", help="open or closed")
    lp.add_argument("--untreated", action="store_true", help="only high residual risks with no treatment in hand")
    ap = _parser(rs, "add", "add a risk to an initiative", cmd_risks_add)
    ap.add_argument("--initiative", metavar="CODE", required=True)
    _options(ap, RISK_OPTIONS)
    ap.add_argument("--mitigation", action="append", default=[], metavar="ACTION;OWNER;DUE;STATUS",
                    help="a mitigation (repeat for more): action; owner e-mail; due date; status")
    up = _parser(rs, "update", "change a risk", cmd_risks_update)
    up.add_argument("ref", help="the risk's reference, e.g. AI-0003-R2")
    _options(up, RISK_OPTIONS)
    up.add_argument("--mitigation", action="append", default=None, metavar="ACTION;OWNER;DUE;STATUS",
                    help="replaces the risk's mitigations with these (repeat for more)")
    up.add_argument("--no-mitigations", action="store_true", help="remove every mitigation")
    dp = _parser(rs, "delete", "delete a risk", cmd_risks_delete, json_flag=False)
    dp.add_argument("ref")
    ip = _parser(rs, "import", "import a risk register CSV (all or nothing)", cmd_risks_import)
    ip.add_argument("file")
    ep = _parser(rs, "export", "export the risk register as CSV", cmd_risks_export, json_flag=False)
    ep.add_argument("file")
    ep.add_argument("--initiative", metavar="CODE")

    p = sub.add_parser("incidents", help="the incident register")
    xs = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = _parser(xs, "list", "list incidents, newest first", cmd_incidents_list)
    lp.add_argument("--initiative", metavar="CODE")
    lp.add_argument("--open", action="store_true", help="only open or contained incidents")
    ap = _parser(xs, "add", "record an incident", cmd_incidents_add)
    ap.add_argument("--initiative", metavar="CODE", required=True)
    _options(ap, INCIDENT_OPTIONS)
    up = _parser(xs, "update", "change an incident", cmd_incidents_update)
    up.add_argument("ref", help="the incident's reference, e.g. AI-0003-INC1")
    _options(up, INCIDENT_OPTIONS)
    cp = _parser(xs, "action", "add a corrective action (an action item) to an incident", cmd_incidents_action)
    cp.add_argument("ref")
    cp.add_argument("title")
    cp.add_argument("--owner", default="")
    cp.add_argument("--due-on", type=dt.date.fromisoformat)
    ip = _parser(xs, "import", "import an incident register CSV (all or nothing)", cmd_incidents_import)
    ip.add_argument("file")
    ep = _parser(xs, "export", "export the incident register as CSV", cmd_incidents_export, json_flag=False)
    ep.add_argument("file")
    ep.add_argument("--initiative", metavar="CODE")

    p = sub.add_parser("assessments", help="AI impact assessments")
    ax = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = _parser(ax, "list", "each initiative's assessments (every version with --all)", cmd_assessments_list)
    lp.add_argument("--initiative", metavar="CODE")
    ap = _parser(ax, "approve", "approve the draft version of an initiative's assessment", cmd_assessments_approve)
    ap.add_argument("initiative", metavar="CODE")
    ap.add_argument("--approver", required=True, help="e-mail or name")
    ap.add_argument("--on", type=dt.date.fromisoformat, help="approval date (default today)")
    ap.add_argument("--review-by", type=dt.date.fromisoformat, help="default: a year after approval")


def _mitigations(items: list[str]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        parts = [x.strip() for x in item.split(";")] + ["", "", ""]
        out.append({"action": parts[0], "owner": parts[1], "due_on": parts[2] or None,
                    "status": parts[3] or "planned"})
    return out


def _risk_json(r: Any) -> dict[str, Any]:
    return {"ref": r.ref, "initiative": r.initiative_code, "title": r.title, "description": r.description,
            "category": r.category, "likelihood": r.likelihood, "impact": r.impact,
            "inherent_rating": r.inherent, "residual_likelihood": r.residual_score[0],
            "residual_impact": r.residual_score[1], "residual_rating": r.residual, "owner": r.owner,
            "treatment": r.treatment, "accepted_by": r.accepted_by, "treated": r.treated,
            "treatment_note": r.treatment_note, "review_on": r.review_on, "nist": r.nist, "model": r.model,
            "data_asset": r.data_asset, "kpi": r.trigger_series, "trigger_level": r.trigger_level,
            "raised": r.raised, "status": r.status,
            "mitigations": [{"action": m.action, "owner": m.owner, "due_on": m.due_on, "status": m.status}
                            for m in r.mitigations]}


def _print_risks(rows: list[Any], as_json: bool) -> None:
    if as_json:
        print_json([_risk_json(r) for r in rows])
        return
    print_table(["ref", "title", "category", "inherent", "residual", "treatment", "owner", "status"],
                [(r.ref, r.title, r.category.value, f"{r.inherent.value} {r.likelihood}x{r.impact}",
                  f"{r.residual.value} {r.residual_score[0]}x{r.residual_score[1]}" + (" raised" if r.raised else ""),
                  r.treatment.value + ("" if r.treated else " (untreated)"), r.owner, r.status.value) for r in rows])


def cmd_risks_list(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import risks

    ws = open_ws(args, read_only=True)
    try:
        rows = risks.list_risks(ws, initiative_code=args.initiative, category=args.category, residual=args.residual,
                                status=args.status)
    finally:
        ws.close()
    if args.untreated:
        rows = [r for r in rows if r.untreated_high]
    _print_risks(rows, args.json)
    return 0


def cmd_risks_add(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import risks

    ws = open_ws(args)
    try:
        r = risks.create(ws, args.initiative, _values(args, RISK_OPTIONS), _mitigations(args.mitigation))
    finally:
        ws.close()
    _print_risks([r], args.json)
    return 0


def cmd_risks_update(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import risks

    mits = [] if args.no_mitigations else _mitigations(args.mitigation) if args.mitigation is not None else None
    ws = open_ws(args)
    try:
        r = risks.update(ws, risks.id_of(ws, args.ref), _values(args, RISK_OPTIONS), mits)
    finally:
        ws.close()
    _print_risks([r], args.json)
    return 0


def cmd_risks_delete(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import risks

    ws = open_ws(args)
    try:
        risks.delete(ws, risks.id_of(ws, args.ref))
    finally:
        ws.close()
    print(f"deleted {args.ref}")
    return 0


def _import(args: argparse.Namespace, kind: str) -> int:
    from opsdesk.services.risk import csv_io

    ws = open_ws(args)
    try:
        result = (csv_io.import_risks if kind == "risks" else csv_io.import_incidents)(ws, args.file)
    except csv_io.CsvImportError as exc:
        if args.json:
            print_json({"file": args.file, "imported": False,
                        "problems": [{"file": p.file, "row": p.row, "field": p.field, "reason": p.reason}
                                     for p in exc.problems]})
        raise
    finally:
        ws.close()
    if args.json:
        print_json({"file": result.file_name, "imported": not result.already_imported, "rows": result.rows,
                    "created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    elif result.already_imported:
        print(f"{result.file_name}: already imported; nothing changed")
    else:
        print(f"{result.file_name}: {result.rows} rows; {result.created} created, {result.updated} updated, "
              f"{result.unchanged} unchanged")
    return 0


def cmd_risks_import(args: argparse.Namespace) -> int:
    return _import(args, "risks")


def cmd_risks_export(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import csv_io

    ws = open_ws(args, read_only=True)
    try:
        path = csv_io.export_risks(ws, args.file, args.initiative)
    finally:
        ws.close()
    print(f"wrote {path}")
    return 0


def _incident_json(x: Any) -> dict[str, Any]:
    return {"ref": x.ref, "initiative": x.initiative_code, "stage": x.stage, "title": x.title,
            "occurred_on": x.occurred_on, "detected_on": x.detected_on, "severity": x.severity,
            "description": x.description, "affected": x.affected, "affected_count": x.affected_count,
            "status": x.status, "root_cause": x.root_cause, "reportable": x.reportable, "report_to": x.report_to,
            "reported_on": x.reported_on, "resolved_on": x.resolved_on, "model": x.model,
            "corrective_actions": [{"id": a.id, "title": a.title, "owner": a.owner, "due_on": a.due_on,
                                    "status": a.status} for a in x.actions]}


def _print_incidents(rows: list[Any], as_json: bool) -> None:
    if as_json:
        print_json([_incident_json(x) for x in rows])
        return
    print_table(["ref", "detected", "sev", "title", "status", "reportable", "actions"],
                [(x.ref, x.detected_on, x.severity, x.title, x.status.value,
                  f"yes ({x.report_to})" if x.reportable else "no", len(x.actions)) for x in rows])


def cmd_incidents_list(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import incidents

    ws = open_ws(args, read_only=True)
    try:
        rows = incidents.list_incidents(ws, initiative_code=args.initiative, open_only=args.open)
    finally:
        ws.close()
    _print_incidents(rows, args.json)
    return 0


def cmd_incidents_add(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import incidents

    ws = open_ws(args)
    try:
        x = incidents.create(ws, args.initiative, _values(args, INCIDENT_OPTIONS))
    finally:
        ws.close()
    _print_incidents([x], args.json)
    return 0


def cmd_incidents_update(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import incidents

    ws = open_ws(args)
    try:
        x = incidents.update(ws, incidents.id_of(ws, args.ref), _values(args, INCIDENT_OPTIONS))
    finally:
        ws.close()
    _print_incidents([x], args.json)
    return 0


def cmd_incidents_action(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import incidents

    ws = open_ws(args)
    try:
        iid = incidents.id_of(ws, args.ref)
        incidents.add_corrective_action(ws, iid, args.title, owner=args.owner, due_on=args.due_on)
        x = incidents.find(ws, args.ref)
    finally:
        ws.close()
    _print_incidents([x], args.json)
    return 0


def cmd_incidents_import(args: argparse.Namespace) -> int:
    return _import(args, "incidents")


def cmd_incidents_export(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import csv_io

    ws = open_ws(args, read_only=True)
    try:
        path = csv_io.export_incidents(ws, args.file, args.initiative)
    finally:
        ws.close()
    print(f"wrote {path}")
    return 0


def cmd_assessments_list(args: argparse.Namespace) -> int:
    from opsdesk.services.risk import assessments

    ws = open_ws(args, read_only=True)
    try:
        rows = assessments.list_all(ws, args.initiative)
    finally:
        ws.close()
    if args.json:
        print_json([{"initiative": a.initiative_code, "version": a.version_number, "status": a.status,
                     "current": a.current, "note": a.currency_note, **a.texts, "assessor": a.assessor,
                     "assessed_on": a.assessed_on, "approver": a.approver, "approved_on": a.approved_on,
                     "review_by": a.review_by} for a in rows])
    else:
        print_table(["initiative", "version", "status", "current", "approver", "approved", "note"],
                    [(a.initiative_code, a.version_number, a.status.value, "yes" if a.current else "no", a.approver,
                      a.approved_on or "", a.currency_note) for a in rows])
    return 0


def cmd_assessments_approve(args: argparse.Namespace) -> int:
    from opsdesk.errors import ValidationError
    from opsdesk.services.risk import assessments

    ws = open_ws(args)
    try:
        drafts = [a for a in assessments.history(ws, args.initiative) if a.status.value == "draft"]
        if not drafts:
            raise ValidationError("initiative", f"{args.initiative} has no draft assessment to approve")
        a = assessments.approve(ws, drafts[0].id, args.approver, args.on, args.review_by)
    finally:
        ws.close()
    if args.json:
        print_json({"initiative": a.initiative_code, "version": a.version_number, "current": a.current,
                    "note": a.currency_note})
    else:
        print(f"{a.initiative_code} impact assessment v{a.version_number}: {a.currency_note}")
    return 0
