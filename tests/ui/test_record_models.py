"""Every table model of the registers passes qtmodeltester, fetches lazily, and searches and sorts all rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt

from opsdesk.services.committee import dossier
from opsdesk.services.registry import alignment, initiatives, metadata, people
from opsdesk.ui.models.records import Column, RecordProxy, RecordTableModel, attr


def _check(qtmodeltester, columns, rows, key=lambda r: r.id):
    model = RecordTableModel(columns, key=key)
    model.set_rows(rows)
    assert model.total == len(rows)
    qtmodeltester.check(model)
    proxy = RecordProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    for c in range(len(columns)):  # sorting on every column works over every row
        proxy.sort(c, Qt.SortOrder.DescendingOrder)
        assert model.matching == len(rows)
    return model


def test_initiatives_model(qtmodeltester, demo_ws):
    from opsdesk.ui.pages.initiatives import COLUMNS

    _check(qtmodeltester, COLUMNS, initiatives.list_rows(demo_ws), key=lambda r: r.code)


def test_data_asset_and_model_models(qtmodeltester, demo_ws):
    from opsdesk.ui.pages.data_models import ASSET_COLUMNS, MODEL_COLUMNS

    _check(qtmodeltester, ASSET_COLUMNS, metadata.list_assets(demo_ws))
    _check(qtmodeltester, MODEL_COLUMNS, metadata.list_models(demo_ws))


def test_people_model(qtmodeltester, demo_ws):
    from opsdesk.ui.pages.people import COLUMNS

    _check(qtmodeltester, COLUMNS, people.list_all(demo_ws, include_inactive=True))


def test_objective_and_alignment_matrix_models(qtmodeltester, demo_ws):
    from opsdesk.ui.pages.objectives import OBJECTIVE_COLUMNS, MatrixRow, matrix_columns

    a = alignment.alignment(demo_ws)
    _check(qtmodeltester, OBJECTIVE_COLUMNS, a.objectives, key=lambda x: x.objective.code)
    rows = [MatrixRow(code, name, {o: w for (i, o), w in a.weights.items() if i == code})
            for code, name in a.initiatives]
    model = _check(qtmodeltester, matrix_columns([x.objective.code for x in a.objectives]), rows,
                   key=lambda r: r.code)
    assert model.index(0, 3).data() == "0.7"  # AI-0001 serves OBJ-01 with weight 0.7


def test_detail_tab_models(qtmodeltester, demo_ws):
    from opsdesk.ui.pages import initiative_detail as d

    dos = dossier.initiative_dossier(demo_ws, "AI-0001")
    for columns, rows in ((d.COST_COLUMNS, dos.cost_lines), (d.SERIES_COLUMNS, dos.series),
                          (d.DECISION_COLUMNS, dos.decisions), (d.LESSON_COLUMNS, dos.lessons),
                          (d.HISTORY_COLUMNS, dos.history)):
        assert rows
        _check(qtmodeltester, columns, rows, key=id)


@dataclass(frozen=True)
class Row:
    id: int
    name: str


COLS = (Column("id", "Id", lambda r: str(r.id), sort=lambda r: r.id), Column("name", "Name", attr("name")))


def test_long_lists_are_fetched_lazily(qtmodeltester):
    model = RecordTableModel(COLS)
    model.set_rows([Row(i, f"record {i:05d}") for i in range(10_000)])
    assert model.rowCount() == RecordTableModel.CHUNK
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * RecordTableModel.CHUNK
    qtmodeltester.check(model)


def test_search_and_sort_reach_rows_not_fetched_yet():
    model = RecordTableModel(COLS)
    model.set_rows([Row(i, f"record {i:05d}") for i in range(10_000)])
    model.set_search("record 09999")
    assert model.matching == 1 and model.index(0, 1).data() == "record 09999"
    model.set_search("")
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == "9999"
    assert model.row_of(3) == 9996  # fetched up to the record asked for
    assert model.rowCount() == 9997


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_search_shows_everything(text):
    model = RecordTableModel(COLS)
    model.set_rows([Row(1, "a"), Row(2, "b")])
    model.set_search(text)
    assert model.matching == 2


def test_a_column_of_an_attribute_shows_labels_text_and_blanks():
    from dataclasses import dataclass as _dc

    from opsdesk.domain.enums import Discipline
    from opsdesk.ui.models.records import attr

    class Shifting:  # not an enum: its label is asked every time
        n = 0

        @property
        def label(self) -> str:
            Shifting.n += 1
            return f"label {Shifting.n}"

    @_dc
    class Row:
        value: object

    get = attr("value")
    assert [get(Row(v)) for v in (Discipline.ML, Discipline.ML, "plain", None, 4)] == [
        "ML operations", "ML operations", "plain", "", "4"]
    shifting = Shifting()
    first, second = get(Row(shifting)), get(Row(shifting))
    assert first.startswith("label ") and first != second


def test_the_search_text_of_a_row_joins_its_searchable_columns_case_folded():
    from types import SimpleNamespace

    from opsdesk.ui.models.records import Column, attr, haystack

    rows = [SimpleNamespace(a="Straße", b="X", c="hidden"), SimpleNamespace(a="", b="yZ", c="no")]
    columns = (Column("a", "A", attr("a")), Column("c", "C", attr("c"), searchable=False), Column("b", "B", attr("b")))
    assert haystack(columns, rows) == ["strasse\x1fx", "\x1fyz"]
    assert haystack(columns[1:2], rows) == ["", ""]
    assert haystack(columns, []) == []
