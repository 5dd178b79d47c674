"""standards list/library/adopt, conformance, skills coverage/import/export."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

from opsdesk.cli import add_workspace_argument, open_ws
from opsdesk.cli.output import print_json, print_table


def _sub(sub: argparse._SubParsersAction, name: str, help_: str, func: Callable[[argparse.Namespace], int],  # type: ignore[type-arg]
         *, json_flag: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_)
    add_workspace_argument(p)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=func)
    return p


def _as_of(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="judge waivers and certificate expiry on this day (default: today)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("standards", help="the standards catalogue and its starter library")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _sub(ssub, "list", "every standard, every version, with its requirements", cmd_standards_list)
    _sub(ssub, "library", "the ready-made standards that can be adopted", cmd_library, json_flag=True)
    ap = _sub(ssub, "adopt", "adopt a standard from the starter library", cmd_adopt, json_flag=False)
    ap.add_argument("key", help="library key or code, e.g. nist-ai-rmf-1.0")
    ap.add_argument("--draft", action="store_true", help="adopt it as a draft (not applied yet)")

    cp = _sub(sub, "conformance", "conformance per initiative and requirement, %% and gate readiness",
              cmd_conformance)
    cp.add_argument("--initiative", metavar="CODE", help="only this initiative")
    _as_of(cp)

    kp = sub.add_parser("skills", help="skills matrix, training records and cross-training analytics")
    ksub = kp.add_subparsers(dest="action", metavar="ACTION", required=True)
    cov = _sub(ksub, "coverage", "cross-training coverage, gaps, pairings, expiring certificates, hours",
               cmd_coverage)
    _as_of(cov)
    for name, what in (("import-matrix", "person × skill levels"), ("import-training", "training records")):
        ip = _sub(ksub, name, f"import {what} from an HR CSV export", cmd_import, json_flag=False)
        ip.add_argument("file")
    for name, what in (("export-matrix", "person × skill levels"), ("export-training", "training records")):
        ep = _sub(ksub, name, f"export {what} as CSV", cmd_export, json_flag=False)
        ep.add_argument("file")


def _open(args: argparse.Namespace, read_only: bool = True):

    return open_ws(args, read_only=read_only)


def cmd_standards_list(args: argparse.Namespace) -> int:
    from opsdesk.services.standards import catalog

    ws = _open(args)
    try:
        items = catalog.list_standards(ws)
    finally:
        ws.close()
    if args.json:
        print_json([{"id": s.id, "code": s.code, "title": s.title, "category": s.category.value,
                     "version": s.version_label, "status": s.status.value, "owner": s.owner, "source": s.source,
                     "risk_tiers": s.risk_tiers, "supersedes_id": s.supersedes_id,
                     "requirements": [{"id": r.id, "code": r.code, "text": r.text, "stages": r.stages}
                                      for r in s.requirements]} for s in items])
    else:
        print_table(["category", "code", "version", "status", "owner", "requirements", "title"],
                    [(s.category.label, s.code, s.version_label, s.status.value, s.owner, len(s.requirements),
                      s.title) for s in items])
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    from opsdesk.services.standards import library as standard_library

    items = standard_library.list_library()
    if args.json:
        print_json([{"key": i.key, "code": i.code, "title": i.title, "category": i.category.value,
                     "version": i.version_label, "requirements": i.requirement_count, "source": i.source}
                    for i in items])
    else:
        print_table(["key", "code", "version", "requirements", "title"],
                    [(i.key, i.code, i.version_label, i.requirement_count, i.title) for i in items])
    return 0


def cmd_adopt(args: argparse.Namespace) -> int:
    from opsdesk.domain.enums import StandardStatus
    from opsdesk.services.standards import library as standard_library

    ws = _open(args, read_only=False)
    try:
        std = standard_library.adopt(ws, args.key,
                                     status=StandardStatus.DRAFT if args.draft else StandardStatus.ADOPTED)
    finally:
        ws.close()
    print(f"adopted {std.code} {std.version_label} ({std.status.value}) with {len(std.requirements)} requirements")
    return 0


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value} %"


def cmd_conformance(args: argparse.Namespace) -> int:
    from opsdesk.services.standards import conformance

    ws = _open(args)
    try:
        m = conformance.matrix(ws, as_of=args.as_of, initiative_code=args.initiative)
        gates = {i.code: conformance.next_gate(ws, i.code, m.as_of) for i in m.initiatives}
    finally:
        ws.close()
    rows = [(i, r, m.cell(i.code, r.id)) for i in m.initiatives for r in m.requirements
            if m.cell(i.code, r.id).applicable]
    if args.json:
        print_json({
            "as_of": m.as_of, "method": m.method,
            "by_initiative": m.by_initiative, "by_standard": m.by_standard,
            "cells": [{"initiative": i.code, "standard": f"{r.standard_code} {r.standard_version}",
                       "requirement": r.code, "recorded": c.recorded, "status": c.status,
                       "waiver_expired": c.waiver_expired, "waiver_expires": c.waiver_expires,
                       "reviewer": c.reviewer, "reviewed_on": c.reviewed_on, "evidence_files": c.evidence_files}
                      for i, r, c in rows],
            "gates": {code: {"target_stage": target, "ready": all(g.met for g in crit),
                             "criteria": [{"requirement": g.requirement, "standard": g.standard, "status": g.status,
                                           "met": g.met, "note": g.note} for g in crit]}
                      for code, (target, crit) in gates.items()},
        })
        return 0
    print(f"Conformance on {m.as_of.isoformat()} ({m.method})\n")
    print_table(["initiative", "standard", "requirement", "status", "note"],
                [(i.code, f"{r.standard_code} {r.standard_version}", r.code,
                  c.status.value if c.status else "unassessed",
                  "waiver expired" if c.waiver_expired else "") for i, r, c in rows])
    print()
    print_table(["initiative", "stage", "conformance", "next stage", "gate criteria not met"],
                [(i.code, i.stage.value, _pct(m.by_initiative[i.code]),
                  gates[i.code][0].value if gates[i.code][0] else "–",
                  f"{sum(not g.met for g in gates[i.code][1])} of {len(gates[i.code][1])}")
                 for i in m.initiatives])
    print()
    print_table(["standard", "conformance"], [(k, _pct(v)) for k, v in m.by_standard.items()])
    if args.initiative and gates.get(args.initiative, (None, []))[0] is not None:
        target, crit = gates[args.initiative]
        print(f"\nGate to {target.value if target else '–'}: not yet met")
        print_table(["standard", "requirement", "status", "note"],
                    [(g.standard, g.requirement[:70], g.status.value if g.status else "unassessed", g.note)
                     for g in crit if not g.met])
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from opsdesk.analytics import skills

    ws = _open(args)
    try:
        r = skills.coverage_report(ws, args.as_of)
    finally:
        ws.close()
    if args.json:
        print_json({
            "as_of": r.as_of,
            "cross_training": [{"discipline": d.discipline, "home_people": d.home_people,
                                "cross_trained": d.cross_trained, "names": d.names} for d in r.depth],
            "teams": {code: {"covered": t.covered, "missing": t.missing, "cross_trained": t.cross_trained,
                             "members": [{"name": m.name, "home": m.home, "role": m.role, "practises": m.practises}
                                         for m in t.members]} for code, t in r.teams.items()},
            "pairings": [{"learner": p.learner, "mentor": p.mentor, "skill": p.skill, "discipline": p.discipline,
                          "learner_level": p.learner_level, "mentor_level": p.mentor_level,
                          "initiatives": p.initiatives} for p in r.pairings],
            "expiring_certificates": [{"person": e.person, "course": e.course, "certificate_ref": e.certificate_ref,
                                       "expires_on": e.expires_on, "days_left": e.days_left} for e in r.expiring],
            "training_hours": [{"quarter": h.quarter, "discipline": h.discipline, "hours": h.hours} for h in r.hours],
        })
        return 0
    print("People at level ≥ 2 outside their home discipline")
    print_table(["discipline", "home people", "cross-trained"],
                [(d.discipline.label, d.home_people, d.cross_trained) for d in r.depth])
    print("\nTeams")
    print_table(["initiative", "covered", "missing", "through cross-training"],
                [(code, ", ".join(d.value for d in t.covered), ", ".join(d.value for d in t.missing) or "–",
                  ", ".join(d.value for d in t.cross_trained) or "–") for code, t in r.teams.items()])
    print("\nSuggested pairings")
    print_table(["learner", "skill", "level", "mentor", "mentor level", "initiatives"],
                [(p.learner, p.skill, p.learner_level, p.mentor, p.mentor_level, ", ".join(p.initiatives))
                 for p in r.pairings])
    print(f"\nCertificates expiring within 90 days of {r.as_of.isoformat()}")
    print_table(["person", "course", "certificate", "expires", "days left"],
                [(e.person, e.course, e.certificate_ref, e.expires_on.isoformat(), e.days_left) for e in r.expiring])
    print("\nTraining hours per quarter")
    print_table(["quarter", "discipline", "hours"], [(h.quarter, h.discipline.label, h.hours) for h in r.hours])
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from opsdesk.services.standards import skills_csv

    ws = _open(args, read_only=False)
    try:
        fn = skills_csv.import_matrix if args.action == "import-matrix" else skills_csv.import_training
        result = fn(ws, args.file)
    finally:
        ws.close()
    if result.already_imported:
        print(f"{result.file_name} was already imported; nothing changed")
    else:
        print(f"{result.file_name}: {result.rows} rows, {result.created} new, {result.updated} updated, "
              f"{result.unchanged} unchanged")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from opsdesk.services.standards import skills_csv

    ws = _open(args)
    try:
        fn = skills_csv.export_matrix if args.action == "export-matrix" else skills_csv.export_training
        path = fn(ws, args.file)
    finally:
        ws.close()
    print(f"wrote {path}")
    return 0
