"""Every CSV OpsDesk writes escapes formulas: a text cell that a spreadsheet would evaluate (leading ``=``, ``+``,
``-``, ``@``, tab, carriage return) is written with a leading apostrophe, and OpsDesk reads its own export back
unchanged. One writer does it: no other module of OpsDesk creates a CSV writer."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from opsdesk.domain import csv_safety
from opsdesk.services.registry import people
from opsdesk.services.standards import skills, skills_csv

HOSTILE = ['=HYPERLINK("http://evil.example/x","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\tTAB=1+1", "\r=1+1", "＝1+1"]
ROOT = Path(__file__).resolve().parents[2] / "opsdesk"


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


def _live(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _hostile_people(ws) -> None:
    for n, text in enumerate(HOSTILE):
        p = people.create(ws, {"name": f"{text} {n}".strip(), "email": f"p{n}@example.org", "discipline": "data"})
        k = skills.create_skill(ws, {"name": f"{text} skill {n}", "discipline": "ml"})
        skills.set_level(ws, p.id, k.id, 3, dt.date(2026, 1, 5))
        skills.add_training(ws, p.id, {"course": f"{text} course", "provider": text, "hours": "1.5",
                                       "completed_on": dt.date(2026, 1, 5), "discipline": "ml",
                                       "certificate_ref": text})


def test_skills_exports_escape_every_formula(ws, tmp_path: Path):
    _hostile_people(ws)
    for export in (skills_csv.export_matrix, skills_csv.export_training):
        out = export(ws, tmp_path / f"{export.__name__}.csv")
        cells = _cells(out)
        assert any(c.startswith("'=HYPERLINK") for c in cells), "the hostile text is exported, escaped"
        assert not [c for c in cells if _live(c)], f"{out.name} holds live formulas"
    assert {"1.5", "1.50"} & set(_cells(out)), "numbers stay numbers"


def test_opsdesk_reads_its_own_escaped_export_back_unchanged(ws, tmp_path: Path):
    _hostile_people(ws)
    before = {(p.name, p.email) for p in people.list_all(ws)}
    levels = skills.levels(ws)
    out = skills_csv.export_matrix(ws, tmp_path / "matrix.csv")
    result = skills_csv.import_matrix(ws, out)
    assert result.created == 0 and result.updated == 0, "the round trip changes nothing"
    assert {(p.name, p.email) for p in people.list_all(ws)} == before and skills.levels(ws) == levels


def test_escape_cell_keeps_numbers_and_plain_text():
    assert csv_safety.escape_cell(-5) == "-5" and csv_safety.escape_cell("plain") == "plain"
    assert csv_safety.escape_cell("-40.00") == "-40.00" and csv_safety.escape_cell("+1e-3") == "+1e-3"
    for text in HOSTILE:
        assert csv_safety.escape_cell(text).startswith("'")
        assert csv_safety.unescape_cell(csv_safety.escape_cell(text)) == text


def test_one_csv_writer_in_opsdesk():
    writers = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
               if re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert writers == ["domain/csv_safety.py"], f"CSV written outside the one escaping writer: {writers}"
