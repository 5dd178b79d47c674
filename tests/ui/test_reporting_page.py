"""The Reporting page: readiness per initiative, gaps fixed in place, exports with the year, ATRS preview."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from opsdesk.domain import inventory as inv
from opsdesk.services.reporting import inventory


def _settle(window) -> None:
    window.settle()
    window.settle()


def shown(page) -> list:
    return [page.register.proxy.row_at(r) for r in range(page.register.proxy.rowCount())]


def test_readiness_gaps_fixed_in_place_and_preview(window, tmp_path: Path) -> None:
    page = window.go_to("reporting")
    _settle(window)
    rows = shown(page)
    expected = inventory.check(window.ws, page.year.value())
    assert len(rows) == len(expected) > 0
    ready = sum(r.ready for r in expected)
    assert ready * 2 >= len(expected) and ready < len(expected)  # the demo: at least half ready, some gaps
    assert f"{ready} of {len(expected)}" in page.summary.text()
    window.grab().save(str(tmp_path / "reporting.png"))

    gappy = next(r for r in rows if r.gaps and any(g.column == "system_name_ato" for g in r.gaps))
    page.register.select_key(gappy.code)
    _settle(window)
    assert "system_name_ato" in page.gaps.toPlainText()
    window.grab().save(str(tmp_path / "reporting-gaps.png"))
    page.tabs.setCurrentIndex(1)
    _settle(window)
    assert "Algorithmic Transparency Recording Standard template v3.0" in page.atrs_view.toPlainText()
    assert gappy.name in page.atrs_view.toPlainText()
    window.grab().save(str(tmp_path / "reporting-atrs.png"))
    page.tabs.setCurrentIndex(0)

    page.fix_selected()
    form = page.form
    assert form is not None and "system_name_ato" in form.widgets
    form.set_text("system_name_ato", "Hospital Capacity Platform")
    form.grab().save(str(tmp_path / "reporting-form.png"))
    form.accept()
    _settle(window)
    after = {r.code: r for r in shown(page)}[gappy.code]
    assert not any(g.column == "system_name_ato" for g in after.gaps)


def test_export_buttons_use_the_chosen_year(window, tmp_path: Path) -> None:
    page = window.go_to("reporting")
    _settle(window)
    page.year.setValue(2025)
    _settle(window)
    out = tmp_path / "inv.csv"
    page.export_to("omb-2025", str(out))
    _settle(window)
    window.tasks.wait_idle()
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert tuple(df.columns) == inv.COLUMN_NAMES
    assert len(df) == len([r for r in inventory.check(window.ws, 2025) if not r.cots_task])
