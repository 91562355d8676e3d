"""The Insights tab: charts from a month of demo history render offscreen; exports work."""
from __future__ import annotations

import csv
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from oncall_desktop.ui.insights.insights_tab import preset_dates


@pytest.fixture
def tab(insights_tab):
    return insights_tab


def _not_blank(view) -> bool:
    image = view.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    return image.width() > 100 and len(colours) > 5


def test_charts_render_from_the_event_log(qtbot, tab) -> None:
    qtbot.mouseClick(tab.refresh_button, Qt.MouseButton.LeftButton)
    data = tab.data
    assert data is not None and data["totals"]["pages"] > 40
    assert data["from"][:10] in ("2026-10-26", "2026-10-27")  # local midnight, in UTC
    tab.show()
    for key, view in tab.charts.items():
        assert view.chart().series(), key
        assert _not_blank(view), key
    heat = tab.charts["heatmap"]
    assert sum(s.count() for s in heat.series) == 7 * 24  # every cell drawn, shaded by count
    assert "pages" in tab.totals.text() and tab.summary.toPlainText().startswith("On-call review")


def test_exports_csv_png_and_summary(qtbot, tab, tmp_path) -> None:
    tab.refresh()
    assert tab.csv_button.isEnabled()
    tab.export_csv(tmp_path / "insights.csv")
    rows = list(csv.reader((tmp_path / "insights.csv").read_text().splitlines()))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["totals", "", "pages", str(tab.data["totals"]["pages"])] in rows
    saved = tab.save_pngs(tmp_path / "charts")
    assert len(saved) == 5 and all(p.stat().st_size > 2000 for p in saved)
    qtbot.mouseClick(tab.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().startswith("On-call review")


def test_period_presets() -> None:
    assert preset_dates(7, date(2026, 11, 25)) == (date(2026, 11, 19), date(2026, 11, 25))
    assert preset_dates(-1, date(2026, 11, 25)) == (date(2026, 11, 1), date(2026, 11, 25))
    assert preset_dates(-2, date(2026, 1, 10)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_reversed_period_is_explained_not_computed(qtbot, tab) -> None:
    tab.end_edit.setDate(date(2026, 10, 1))
    assert "ends before it starts" in tab.status.text()


def test_small_whole_number_axes_label_each_number_once(qapp) -> None:
    from oncall_desktop.ui.insights.insights_charts import value_axis

    for top in (0.0, 0.4, 1.0, 3.0):
        axis = value_axis(top)
        ticks = axis.tickCount()
        step = (axis.max() - axis.min()) / (ticks - 1)
        labels = [f"{axis.min() + i * step:.0f}" for i in range(ticks)]
        assert len(labels) == len(set(labels)), (top, labels)
