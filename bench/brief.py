"""Build a 10-page decision brief with 6 vector charts, and the same flowables as a bare reportlab document
(SimpleDocTemplate, default canvas: no marking, page numbers, outline or metadata) in the same run.

    python bench/brief.py [--repeat 5]

Prints the best time of each, the ratio, and whether the brief is byte-identical on repeat. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import re
import time

from opsdesk.reports.content import (
    ActionRow,
    Chart,
    CriterionRow,
    DecisionBlock,
    DocMeta,
    InitiativeBrief,
    KpiRow,
    LessonRow,
    VoteRow,
)

TARGET_SECONDS = 1.0


def sample_brief() -> InitiativeBrief:
    """Deterministic content of a realistic size: a year of daily points on six KPI charts, three years of
    ledger, standards, lessons and a decided vote."""
    start = (dt.date(2025, 12, 1) - dt.date(1970, 1, 1)).days
    charts = []
    for k in range(6):
        xs = tuple(float(start + i * 2.6) for i in range(140))
        ys = tuple(90 + 5 * math.sin(i / (7 + k)) + (i % 5) * 0.3 for i in range(140))
        charts.append(Chart(f"KPI {k + 1}", "%", xs, ys, 95.0, 88.0, ("green", "amber", "red")[k % 3]))
    ledger = tuple((f"{2024 + m // 12}-{m % 12 + 1:02d}", f"{12000 + 300 * m:,} USD", f"{sum(12000 + 300 * i for i in range(m + 1)):,} USD",
                    f"{m * 3}%") for m in range(36))
    meta = DocMeta("OPS-BRF-AI-0001", 3, "Decision brief: Benchmark initiative", "Gate to Expand", "Bench Org",
                   ("decision brief", "AI-0001"), "OFFICIAL-SENSITIVE", dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    votes = tuple(VoteRow(f"Member {i}", ("Data management", "ML operations", "Finance", "Executive")[i % 4],
                          "For" if i % 5 else "Abstain") for i in range(9))
    decision = DecisionBlock(42, "Approved with conditions", dt.datetime(2026, 11, 30, 11, tzinfo=dt.UTC),
                             "Gate criteria met; benefits case reviewed. " * 3, "Monthly drift report.", "", 7, 0, 2,
                             0, True, votes, tuple(ActionRow(f"Action {i}: report on the condition", "Member 1",
                                                             "2027-01-15", "Open") for i in range(6)))
    return InitiativeBrief(
        meta=meta, code="AI-0001", name="Benchmark initiative", stage="Pilot", risk_tier="High", owner="Ann Owner",
        sponsor="Sam Sponsor", classification="OFFICIAL-SENSITIVE",
        problem="Casework is triaged by hand; backlogs grow and decisions vary. " * 4,
        expected_benefits="Shorter turnaround and consistent decisions. " * 4,
        summary=tuple("Summary paragraph with the position of the initiative and what is asked. " * 3
                      for _ in range(4)),
        objectives=(("OBJ-01", "Faster citizen services", "70%"), ("OBJ-02", "Protect public money", "30%")),
        stage_history=(("—", "Proposed", "2025-01-01", "registered"), ("Proposed", "Pilot", "2025-06-01", "#12")),
        gate_target="Expand",
        criteria=tuple(CriterionRow(("Standards", "KPIs", "Budget", "Team")[i % 4], f"Criterion {i}", i % 3 != 0,
                                    "Met" if i % 3 else "Partial", "Evidence reviewed at the pilot gate. " * 2)
                       for i in range(22)),
        kpis=tuple(KpiRow(f"KPI {i + 1}", "DataOps", "91.2 %", ("green", "amber", "red")[i % 3],
                          "green ≥ 95 %, amber ≥ 88 %", "+0.4 %") for i in range(9)),
        charts=tuple(charts), budget="480,000 USD", spend="402,000 USD", ledger=ledger,
        unallocated=(("USD", "22,934 USD", "1.0%"),),
        spend_chart=None,
        standards=tuple((f"STD-{i // 4}", f"R-{i}", "Met" if i % 4 else "Waived", "Reviewed at the pilot gate. " * 2)
                        for i in range(44)),
        team=tuple((f"Person {i}", "Data management", "Data engineer") for i in range(8)),
        covered=("Data management", "ML operations", "Finance"), missing=(),
        risks=tuple(f"Risk {i}: a KPI is red or a requirement is not met, described in a sentence or two." for i in range(8)),
        lessons=tuple(LessonRow(f"AI-00{i:02d}", "Pilot", "Labelled data took twice as long as planned. " * 2,
                                "Start data-sharing agreements before the pilot gate.", "shares an objective")
                      for i in range(24)),
        requested_decision="Approve the move to Expand.",
        options=("Approve.", "Approve with conditions.", "Defer.", "Reject."),
        recommendation="Approve with conditions.", meeting="Committee, 14 January 2027", item_title="Gate to Expand",
        decision=decision)


def _pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def build_opsdesk(b: InitiativeBrief) -> bytes:
    from opsdesk.reports.brief import build_brief

    return build_brief(b)


def build_bare(b: InitiativeBrief) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from opsdesk.reports.brief import brief_story
    from opsdesk.reports.templates import BOTTOM, MARGIN, TOP

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
                            bottomMargin=BOTTOM, invariant=1)
    doc.build(brief_story(b))
    return buf.getvalue()


def best_of(fn, b: InitiativeBrief, repeat: int) -> tuple[float, bytes]:  # type: ignore[no-untyped-def]
    best, data = math.inf, b""
    for _ in range(repeat):
        t = time.perf_counter()
        data = fn(b)
        best = min(best, time.perf_counter() - t)
    return best, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    b = sample_brief()
    build_opsdesk(b)  # warm up: fonts registered, modules imported
    ours, data = best_of(build_opsdesk, b, args.repeat)
    bare, bare_data = best_of(build_bare, b, args.repeat)
    identical = build_opsdesk(b) == data
    print(f"brief: {_pages(data)} pages, {len(b.charts)} charts, {len(data):,} bytes")
    print(f"opsdesk brief (marking, n of N, outline, metadata): {ours * 1000:7.1f} ms  (target < {TARGET_SECONDS * 1000:.0f} ms)")
    print(f"bare reportlab, same flowables:                      {bare * 1000:7.1f} ms  ({_pages(bare_data)} pages)")
    print(f"ratio opsdesk / bare: {ours / bare:.2f}x; byte-identical on repeat: {identical}")
    return 0 if ours < TARGET_SECONDS and identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
