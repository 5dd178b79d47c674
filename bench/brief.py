"""Papers: a 24-page meeting pack (agenda, contents, two items' briefs with their charts) and a 10-page decision
brief, each against bare reportlab building the same flowables (SimpleDocTemplate, default canvas: no marking,
"page n of N", outline, metadata or filled contents), alternately in the same run; medians. Work inside the
process. Target: each < 1 s (issue 21); the pack's contents come from one layout pass.

    python bench/brief.py [--quick] [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Result, alternate, emit, median  # noqa: E402

from opsdesk.reports.content import (  # noqa: E402
    ActionRow,
    AgendaLine,
    Chart,
    CriterionRow,
    DecisionBlock,
    DocMeta,
    InitiativeBrief,
    KpiRow,
    LessonRow,
    MeetingPack,
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


def sample_pack(items: int = 2) -> MeetingPack:
    """A meeting pack of 24 pages: cover, contents, agenda and members, then two gate items' briefs."""
    b = sample_brief()
    meta = DocMeta("OPS-PCK-0001", 1, "Meeting pack: Committee, 14 January 2027", "Meeting pack", "Bench Org",
                   ("meeting pack",), "OFFICIAL-SENSITIVE", dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    agenda = tuple(AgendaLine(i, f"Gate to Expand: initiative {i}", "stage gate", "AI-0001",
                              "Approve the move to Expand.") for i in range(1, items + 1))
    return MeetingPack(meta, "Committee, 14 January 2027", dt.datetime(2027, 1, 14, 10, tzinfo=dt.UTC), "Room 1",
                       agenda, tuple(b for _ in agenda),
                       members=tuple((f"Member {i}", "Finance", "Member") for i in range(9)))


def build_opsdesk(b: InitiativeBrief) -> bytes:
    from opsdesk.reports.brief import build_brief

    return build_brief(b)


def build_opsdesk_pack(p: MeetingPack) -> bytes:
    from opsdesk.reports.pack import build_pack

    return build_pack(p)


def _bare(story: Sequence[object]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from opsdesk.reports.templates import BOTTOM, MARGIN, TOP

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
                            bottomMargin=BOTTOM, invariant=1)
    doc.build(list(story))
    return buf.getvalue()


def build_bare(b: InitiativeBrief) -> bytes:
    from opsdesk.reports.brief import brief_story

    return _bare(brief_story(b))


def build_bare_pack(p: MeetingPack) -> bytes:
    """The same flowables, one reportlab pass (its contents stay the placeholder reportlab draws then)."""
    from opsdesk.reports.pack import pack_story

    return _bare(pack_story(p))


def _measure(name: str, what: str, ours: Callable[[], bytes], bare: Callable[[], bytes],
             repeat: int) -> tuple[Result, bytes, bytes]:
    """Each side rebuilds its story on every run, as an export does."""
    times = alternate({"opsdesk": ours, "bare": bare}, repeat=repeat)
    data, bare_data = ours(), bare()
    identical = ours() == data
    return (Result(name, what, median(times["opsdesk"]), median(times["bare"]), target_abs=TARGET_SECONDS,
                   baseline_label="bare reportlab, same flowables",
                   note=f"{_pages(data)} pages (bare {_pages(bare_data)}), {len(times['opsdesk'])} runs each, "
                        f"byte-identical on repeat: {identical}"), data, bare_data)


def run(quick: bool, repeat: int | None = None) -> list[Result]:
    repeat = repeat or (3 if quick else 7)
    p, b = sample_pack(), sample_brief()
    pack, _data, _bare_data = _measure("brief", "24-page meeting pack (in process)", lambda: build_opsdesk_pack(p),
                                       lambda: build_bare_pack(p), repeat)
    brief, _data, _bare_data = _measure("brief", "10-page decision brief (in process)", lambda: build_opsdesk(b),
                                        lambda: build_bare(b), repeat)
    return [pack, brief]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    results = run(args.quick, args.repeat)
    emit(results, args.json_out)
    for r in results:
        print(f"{r.what}: {r.note}")
    return 1 if any(r.failures(1.0) for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
