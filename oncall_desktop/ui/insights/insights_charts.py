"""The five Insights charts, each a QChartView fed from ``Insights.to_json()``.

Why plain functions over a JSON dict: the charts draw exactly the figures
``oncall-desktop insights --json`` prints, so a lead can check a bar against
the CLI.  QtCharts has no heatmap, so the hour × weekday grid is a scatter of
square markers in five shades (empty, then four quartiles of the busiest hour).
"""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QResizeEvent

BLUE, ORANGE, GREY = QColor("#1f6feb"), QColor("#d9730d"), QColor("#8c959f")
HEAT = (QColor("#eef2f7"), QColor("#c6dbef"), QColor("#6baed6"), QColor("#2171b5"), QColor("#08306b"))


class ChartView(QChartView):
    """A chart with a title, antialiased, that keeps its last data for redraws."""

    def __init__(self, title: str) -> None:
        chart = QChart()
        chart.setTitle(title)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(360, 240)

    def reset(self) -> QChart:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        return chart


def value_axis(top: float, fmt: str = "%.0f", title: str = "") -> QValueAxis:
    """A y axis from 0 with headroom above ``top``; whole-number ticks for small counts."""
    axis = QValueAxis()
    upper = max(1.0, top * 1.1)
    axis.setLabelFormat(fmt)
    if fmt in ("%.0f", "%d") and upper <= 5:
        # whole-number labels on a small range: one tick per whole number, never "0 0 1 1"
        whole = math.ceil(upper)
        axis.setRange(0, whole)
        axis.setTickCount(whole + 1)
    else:
        axis.setRange(0, upper)
        axis.applyNiceNumbers()
    if title:
        axis.setTitleText(title)
    return axis


def _bars(view: ChartView, categories: list[str], sets: list[tuple[str, list[float], QColor]],
          horizontal: bool = False, fmt: str = "%.0f", value_title: str = "") -> None:
    chart = view.reset()
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    top = 0.0
    for name, values, color in sets:
        bar_set = QBarSet(name)
        bar_set.setColor(color)
        bar_set.setBorderColor(color)
        for v in values:
            bar_set.append(float(v))
            top = max(top, float(v))
        series.append(bar_set)
    # value labels only where they cannot collide (vertical single-set charts)
    series.setLabelsVisible(not horizontal and len(sets) == 1)
    series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    series.setLabelsFormat("@value")
    chart.addSeries(series)
    cats = QBarCategoryAxis()
    cats.append(categories or ["no data"])
    cats.setTruncateLabels(False)
    axis = value_axis(top, fmt, value_title)
    chart.addAxis(cats, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(cats)
    series.attachAxis(axis)
    chart.legend().setVisible(len(sets) > 1)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)


def draw_ack(view: ChartView, data: dict[str, Any]) -> None:
    rows = data["ack_by_week"]
    _bars(view, [r["week"][5:] for r in rows],
          [("median", [r["median_minutes"] or 0 for r in rows], BLUE),
           ("p90", [r["p90_minutes"] or 0 for r in rows], ORANGE)], fmt="%.0f", value_title="minutes")


def draw_clients(view: ChartView, data: dict[str, Any]) -> None:
    from oncall_desktop.core.shift.analytics import money

    rows = list(reversed(data["clients"][:8]))  # horizontal bars draw bottom-up
    names = [r["client"] + (f" · {money(r['amount_cents'])}" if r["amount_cents"] is not None else "")
             for r in rows]
    _bars(view, names, [("after-hours minutes", [r["after_hours_minutes"] for r in rows], BLUE),
                        ("billable minutes", [r["billable_minutes"] for r in rows], ORANGE)],
          horizontal=True, value_title="minutes")


def draw_rates(view: ChartView, data: dict[str, Any]) -> None:
    t = data["totals"]

    def pct(rate: float | None) -> float:
        return round((rate or 0.0) * 100, 1)

    _bars(view, [f"escalated ({t['escalated']}/{t['pages']})",
                 f"false alarms ({t['false_alarms']}/{t['resolved']})"],
          [("% of pages", [pct(t["escalation_rate"]), pct(t["false_alarm_rate"])], ORANGE)],
          fmt="%.0f", value_title="%")


def draw_people(view: ChartView, data: dict[str, Any]) -> None:
    rows = [r for r in data["people"] if r["pages_per_shift"] is not None]
    _bars(view, [f"{r['person']} ({r['shifts']})" for r in rows],
          [("pages per shift", [r["pages_per_shift"] for r in rows], BLUE)], fmt="%.1f", value_title="pages")


class HeatmapView(ChartView):
    """Pages by hour of day (x) and weekday (y), darker = more."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.series: list[QScatterSeries] = []
        self.chart().plotAreaChanged.connect(self._fit_markers)

    def draw(self, data: dict[str, Any]) -> None:
        chart = self.reset()
        counts = data["heatmap"]["counts"]
        top = max((n for row in counts for n in row), default=0)
        self.series = []
        cells: list[list[tuple[int, int, int]]] = [[] for _ in HEAT]
        for day, row in enumerate(counts):
            for hour, n in enumerate(row):
                shade = 0 if n == 0 or top == 0 else min(4, max(1, -(-n * 4 // top)))
                cells[shade].append((hour, day, n))
        for shade, color in enumerate(HEAT):
            series = QScatterSeries()
            series.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeRectangle)
            series.setColor(color)
            series.setBorderColor(QColor("white"))
            found = sorted({n for _, _, n in cells[shade]})
            if shade == 0:
                series.setName("no pages")
            elif found:
                series.setName(f"{found[0]} page(s)" if len(found) == 1 else f"{found[0]}–{found[-1]} pages")
            for hour, day, _ in cells[shade]:
                series.append(hour, day)
            self.series.append(series)
        x = QCategoryAxis()
        x.setStartValue(-0.5)
        x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for hour in range(0, 24, 3):
            x.append(f"{hour:02d}", float(hour))
        x.append(" ", 23.5)
        x.setTitleText("hour of day")
        x.setGridLineVisible(False)
        y = QCategoryAxis()
        y.setStartValue(-0.5)
        for day, name in enumerate(data["heatmap"]["rows"]):  # the report names its rows
            y.append(name, day + 0.5)
        y.setReverse(True)
        y.setGridLineVisible(False)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        for series in self.series:
            chart.addSeries(series)
            series.attachAxis(x)
            series.attachAxis(y)
        x.setRange(-0.5, 23.5)  # attaching re-scales to the data; the cells need their half-cell margins
        y.setRange(-0.5, 6.5)
        chart.legend().setVisible(True)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        for series in self.series:
            if not series.name():
                for marker in chart.legend().markers(series):
                    marker.setVisible(False)
        self._fit_markers()

    def _fit_markers(self, *_: object) -> None:
        area = self.chart().plotArea()
        size = max(4.0, min(area.width() / 24, area.height() / 7) * 0.92)
        for series in self.series:
            series.setMarkerSize(size)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 — Qt override
        super().resizeEvent(event)
        self._fit_markers()
