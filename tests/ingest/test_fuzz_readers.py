"""Every importer, fed real sample files mutated the way broken exports and attackers mutate them, ends in a
report or a clean refusal — never another exception — and a refused import leaves the workspace as it was.

The mutations are structure-aware (``tests/fuzzing.py``): a JSON node changes type or becomes ``1e308``, a YAML
date becomes the 45th of the 13th month, a database cell turns into bytes, a CSV cell into a formula, a file is
cut short. Kept small (``max_examples``) so the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.domain.enums import ImportKind
from opsdesk.errors import OpsDeskError
from opsdesk.ingest.detect import read_path
from opsdesk.ingest.report import ParsedFile
from opsdesk.services.imports import runs as imports
from tests.fuzzing import CELL_VALUES, json_bytes, mutated_csv
from tests.ingest.conftest import DATA, workspace_state

#: OPSDESK_FUZZ_EXAMPLES=500 runs a deeper search by hand; the default keeps the file well under a minute.
EXAMPLES = int(os.environ.get("OPSDESK_FUZZ_EXAMPLES", "25"))
QUICK = settings(max_examples=EXAMPLES, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                        HealthCheck.data_too_large, HealthCheck.large_base_example])
THROUGH = settings(QUICK, max_examples=max(1, EXAMPLES // 3))
_n = itertools.count()

OPENLINEAGE = [json.loads((DATA / "openlineage" / n).read_text()) for n in
               ("postgres_failed_run_ol_events.json", "serde_example_run_event.json")]
OPENLINEAGE.append(json.loads((DATA / "marquez-openlineage-seed" / "metadata.json").read_text())[:3])
GX = [json.loads(p.read_text()) for p in sorted((DATA / "great-expectations-results").glob("*.json"))]
FOCUS = (DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv").read_text(encoding="utf-8-sig")
METRICS = ("timestamp,initiative,metric,value,unit,discipline\n"
           "2026-01-01T00:00:00Z,AI-0001,Data quality score,97.5,%,dataops\n"
           "2026-01-02T00:00:00+02:00,AI-0002,Model AUC,0.91,ratio,mlops\n"
           "2026-01-03 00:00:00,,Cloud spend,1200.50,USD,finops\n")
FILESTORES = [DATA / "mlflow-generated-filestore" / "mlruns", DATA / "mlflow-mlruns-packt" / "mlruns"]
MLFLOW_DB = DATA / "mlflow-generated-sqlite" / "mlflow.db"


def read_cleanly(path: Path, kind: ImportKind) -> ParsedFile:
    """Read with the importer for ``kind``: no exception, a reason for every rejection, no internal error."""
    parsed = read_path(path, kind)
    assert all(i.reason.strip() for i in parsed.rejected)
    internal = [str(i) for i in parsed.rejected if i.kind == "internal"]
    assert not internal, f"the reader failed inside: {internal}"
    assert parsed.accepted >= 0
    return parsed


def import_cleanly(ws, path: Path, kind: ImportKind) -> None:
    """Import through the service: a report or an OpsDeskError; when nothing was committed, nothing changed."""
    read_cleanly(path, kind)
    before = workspace_state(ws)
    try:
        report = imports.import_paths(ws, [path], kind=kind, accept_partial=True)
    except OpsDeskError as exc:
        assert "\n" not in str(exc) and str(exc).strip()
        assert workspace_state(ws) == before
        return
    assert all(i.reason.strip() and i.file for i in report.rejected)
    if not report.committed:
        assert workspace_state(ws) == before


def _file(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"fuzz-{next(_n)}{suffix}"
    path.write_bytes(data)
    return path


# --- OpenLineage and Great Expectations: JSON documents ---------------------------------------------------------

def test_known_crashes_are_reports(tmp_path: Path):
    """The cases a 200-case fuzz of 'opsdesk import' found, kept as plain examples."""
    huge = {"eventTime": "2024-01-01T00:00:00Z", "job": {"namespace": "a", "name": "b"}, "inputs": 1e308}
    parsed = read_cleanly(_file(tmp_path, ".json", json.dumps(huge).encode()), ImportKind.OPENLINEAGE)
    assert parsed.accepted == 1 and any(w.column == "inputs" for w in parsed.warnings)
    odd = {"validation_results": [{"results": [], "meta": {"active_batch_definition": "x"}}], "meta": {}}
    parsed = read_cleanly(_file(tmp_path, ".json", json.dumps(odd).encode()), ImportKind.GX)
    assert parsed.accepted == 0 and parsed.rejected
    store = tmp_path / "mlruns"
    shutil.copytree(FILESTORES[0], store)
    meta = next(p for p in sorted(store.glob("*/*/meta.yaml")))
    meta.write_text(meta.read_text() + "\nstart_time: 2024-13-45\n")
    parsed = read_cleanly(store, ImportKind.MLFLOW)
    assert any(w.column.endswith("start_time") and str(meta.relative_to(store)) in w.column for w in parsed.warnings)


@QUICK
@given(data=st.data())
def test_openlineage_reader_survives_mutated_events(tmp_path: Path, data: st.DataObject):
    base = data.draw(st.sampled_from(OPENLINEAGE))
    read_cleanly(_file(tmp_path, ".json", data.draw(json_bytes(base))), ImportKind.OPENLINEAGE)


@QUICK
@given(data=st.data())
def test_gx_reader_survives_mutated_results(tmp_path: Path, data: st.DataObject):
    base = data.draw(st.sampled_from(GX))
    read_cleanly(_file(tmp_path, ".json", data.draw(json_bytes(base))), ImportKind.GX)


@THROUGH
@given(data=st.data())
def test_json_imports_commit_or_change_nothing(ws, tmp_path: Path, data: st.DataObject):
    kind = data.draw(st.sampled_from([ImportKind.OPENLINEAGE, ImportKind.GX]))
    base = data.draw(st.sampled_from(OPENLINEAGE if kind is ImportKind.OPENLINEAGE else GX))
    import_cleanly(ws, _file(tmp_path, ".json", data.draw(json_bytes(base))), kind)


# --- FOCUS and tidy metrics: CSV and XLSX -----------------------------------------------------------------------

@QUICK
@given(data=st.data())
def test_focus_reader_survives_mutated_official_sample(tmp_path: Path, data: st.DataObject):
    read_cleanly(_file(tmp_path, ".csv", data.draw(mutated_csv(FOCUS))), ImportKind.FOCUS)


@QUICK
@given(data=st.data())
def test_metrics_csv_reader_survives_mutated_files(tmp_path: Path, data: st.DataObject):
    read_cleanly(_file(tmp_path, ".csv", data.draw(mutated_csv(METRICS))), ImportKind.METRICS)


@THROUGH
@given(data=st.data())
def test_csv_imports_commit_or_change_nothing(ws, tmp_path: Path, data: st.DataObject):
    from opsdesk.services.registry import initiatives

    if not initiatives.list_rows(ws):
        initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage"})
    kind = data.draw(st.sampled_from([ImportKind.FOCUS, ImportKind.METRICS]))
    content = data.draw(mutated_csv(FOCUS if kind is ImportKind.FOCUS else METRICS))
    import_cleanly(ws, _file(tmp_path, ".csv", content), kind)


xlsx_cells = st.one_of(
    st.sampled_from(CELL_VALUES), st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.dates(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(), st.timedeltas(min_value=dt.timedelta(days=-3), max_value=dt.timedelta(days=3)),
    st.text(max_size=20))


@QUICK
@given(rows=st.lists(st.lists(xlsx_cells, min_size=0, max_size=6), max_size=6), cut=st.integers(-1, 3000),
       header=st.booleans())
def test_metrics_xlsx_reader_survives_odd_cells_and_broken_workbooks(tmp_path: Path, rows, cut: int, header: bool):
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    if header:
        sheet.append(["timestamp", "initiative", "metric", "value", "unit"])
    from openpyxl.utils.exceptions import IllegalCharacterError

    buffer = io.BytesIO()
    try:
        for row in rows:
            sheet.append(row)
        wb.save(buffer)
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses to write such cells: not our reader
        return
    data = buffer.getvalue()
    if cut >= 0:
        data = data[:cut]
    read_cleanly(_file(tmp_path, ".xlsx", data), ImportKind.METRICS)


# --- MLflow: the mlruns/ file store and mlflow.db ---------------------------------------------------------------

YAML_VALUES = ["2024-13-45", "2024-02-30 25:61:00", "1e400", "-1", "99999999999999999999999", "[1, 2]", "{a: 1}",
               "null", "''", "!!binary aGVsbG8=", ".nan", ".inf", "true", "&a [*a, *a]", "[[[[[[[[[[[[[[]]]]]]]]]]]]]]",
               "\"\\0\"", "x" * 400, "!!python/object:os.system ls", "- a\n- b", "{", "2024-01-01 00:00:00+99:00"]
METRIC_LINES = ["1 2", "x y z", "99999999999999999999999 1 0", "1700000000000 1e400 0", "-1 nan -1",
                "1700000000000 0.5 99999999999999999999999", "", "1700000000000", "1700000000000 0.5 1 extra",
                "-99999999999999 1 0"]


@st.composite
def mutated_filestore(draw: st.DrawFn, folder: Path) -> Path:
    source = draw(st.sampled_from(FILESTORES))
    target = folder / f"mlruns-{next(_n)}"
    shutil.copytree(source, target)
    files = sorted(p for p in target.rglob("*") if p.is_file() and "artifacts" not in p.parts)
    for _ in range(draw(st.integers(1, 3))):
        f = draw(st.sampled_from(files))
        if not f.exists():
            continue
        op = draw(st.sampled_from(["yaml", "yaml", "metric", "bytes", "truncate", "delete"]))
        if op == "yaml" and f.name == "meta.yaml":
            lines = f.read_text(encoding="utf-8", errors="replace").splitlines() or ["name: x"]
            i = draw(st.integers(0, len(lines) - 1))
            key = lines[i].split(":", 1)[0] if ":" in lines[i] else draw(st.sampled_from(["start_time", "name"]))
            lines[i] = f"{key}: {draw(st.sampled_from(YAML_VALUES))}"
            f.write_text("\n".join(lines), encoding="utf-8")
        elif op == "metric" or (op == "yaml" and "metrics" in f.parts):
            with f.open("a", encoding="utf-8") as fh:
                fh.write("\n" + draw(st.sampled_from(METRIC_LINES)) + "\n")
        elif op == "bytes":
            f.write_bytes(draw(st.binary(max_size=200)))
        elif op == "truncate":
            f.write_bytes(f.read_bytes()[: draw(st.integers(0, 50))])
        else:
            f.unlink()
    return target


@QUICK
@given(data=st.data())
def test_mlflow_file_store_reader_survives_mutated_stores(tmp_path: Path, data: st.DataObject):
    read_cleanly(data.draw(mutated_filestore(tmp_path)), ImportKind.MLFLOW)


DB_VALUES = [None, "abc", "", 1e308, -1.0, 2**62, -(2**62), b"\xff\x00", "\x00", 3.5, "2024-13-45", "NaN", 1]


@st.composite
def mutated_mlflow_db(draw: st.DrawFn, folder: Path) -> Path:
    target = folder / f"mlflow-{next(_n)}.db"
    shutil.copyfile(MLFLOW_DB, target)
    op = draw(st.sampled_from(["cells", "cells", "cells", "truncate", "bytes", "drop"]))
    if op == "truncate":
        data = target.read_bytes()
        target.write_bytes(data[: draw(st.integers(0, len(data)))])
        return target
    if op == "bytes":
        data = bytearray(target.read_bytes())
        at = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=64))
        data[at:at + len(chunk)] = chunk
        target.write_bytes(bytes(data))
        return target
    conn = sqlite3.connect(target)
    try:
        tables = {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        wanted = sorted(t for t in tables if t in ("runs", "metrics", "params", "tags", "experiments",
                                                   "model_versions", "registered_models", "registered_model_aliases",
                                                   "model_version_tags", "registered_model_tags"))
        if op == "drop":
            conn.execute(f'DROP TABLE "{draw(st.sampled_from(wanted))}"')
        for _ in range(draw(st.integers(1, 3))):
            table = draw(st.sampled_from(wanted))
            column = draw(st.sampled_from(tables[table]))
            value = draw(st.sampled_from(DB_VALUES))
            with contextlib.suppress(sqlite3.Error):  # a constraint of MLflow's schema refused it: still valid
                conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid IN '
                             f'(SELECT rowid FROM "{table}" LIMIT 3)', (value,))
        conn.commit()
    finally:
        conn.close()
    return target


@QUICK
@given(data=st.data())
def test_mlflow_db_reader_survives_mutated_databases(tmp_path: Path, data: st.DataObject):
    read_cleanly(data.draw(mutated_mlflow_db(tmp_path)), ImportKind.MLFLOW)


@THROUGH
@given(data=st.data())
def test_mlflow_imports_commit_or_change_nothing(ws, tmp_path: Path, data: st.DataObject):
    strategy = mutated_filestore(tmp_path) if data.draw(st.booleans()) else mutated_mlflow_db(tmp_path)
    import_cleanly(ws, data.draw(strategy), ImportKind.MLFLOW)


# --- the skills CSV ---------------------------------------------------------------------------------------------

SKILL_HEADERS = ["Employee ID", "Employee Name", "Skill", "Proficiency Level", "Assessed On", "Course Title",
                 "Provider", "Hours", "Completion Date", "Discipline", "Certificate ID", "Expiry Date"]


@pytest.fixture
def people_ws(ws):
    from opsdesk.services.registry import people
    from opsdesk.services.standards import skills

    people.create(ws, {"name": "Ana Ops", "email": "ana@example.org", "discipline": "data"})
    skills.create_skill(ws, {"name": "SQL", "discipline": "data"})
    return ws


@THROUGH
@given(data=st.data())
def test_skills_csv_import_reports_or_refuses_cleanly(people_ws, tmp_path: Path, data: st.DataObject):
    from opsdesk.services.standards import skills_csv

    header = data.draw(st.lists(st.sampled_from(SKILL_HEADERS), min_size=1, max_size=8))
    cells = st.one_of(st.sampled_from(CELL_VALUES + ["ana@example.org", "SQL", "3", "2026-01-31", "12-Mar-2026",
                                                     "data", "ml", "4", "5", "40"]), st.text(max_size=10))
    rows = data.draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 1), max_size=4))
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    content = text.encode("utf-8", "surrogatepass")
    if data.draw(st.booleans()):
        content = data.draw(st.sampled_from([content[: len(content) // 2], content + b"\x00\xff", content]))
    path = _file(tmp_path, ".csv", content)
    importer = data.draw(st.sampled_from([skills_csv.import_matrix, skills_csv.import_training]))
    before = workspace_state(people_ws)
    try:
        importer(people_ws, path)
    except OpsDeskError as exc:
        assert str(exc).strip()
        assert workspace_state(people_ws) == before


def test_partial_import_skips_series_whose_every_row_was_rejected(ws, tmp_path: Path):
    """Found by the fuzz test: with --accept-partial, a series whose only rows were rejected (an unknown
    discipline) made the writer fail instead of being left out."""
    from opsdesk.services.registry import initiatives

    initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage"})
    path = _file(tmp_path, ".csv", b"timestamp,initiative,metric,value,unit,discipline\n"
                                   b"2026-01-01T00:00:00Z,AI-0001,Data quality score,97.5,%,NULL\n"
                                   b"2026-01-03T00:00:00Z,,Cloud spend,1200.50,USD,finops\n")
    report = imports.import_paths(ws, [path], kind=ImportKind.METRICS, accept_partial=True)
    assert report.committed and report.accepted == 1
    assert [(i.line, i.column) for i in report.rejected] == [(2, "discipline")]
