"""A custom-painted 14-day timeline: one row per schedule, one bar per shift.

Why painted rather than a table: "who covers Saturday night?" is answered by
looking, not reading.  Each person keeps one colour across rows, overrides
are hatched in orange with an orange frame, the tech's own shifts carry a
blue underline and bold name, weekends are shaded and a red line marks now.
The widget only draws what ``set_timeline`` gives it (the snapshot's
``rotation.timeline``, a ``TimelineView``); it never touches the store.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from oncall_desktop.services.app.now import local_stamp

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import TimelineRow, TimelineView

PALETTE = ("#9cc3f5", "#a7e3b6", "#d3bdf7", "#f7b5cf", "#8fdde6", "#c9e59a", "#f4c48f", "#b8c2f5",
           "#e8d28a", "#9fd8c8")
OVERRIDE = QColor("#e8710a")
MINE = QColor("#1a56db")
NOW = QColor("#d93025")
GRID = QColor("#d9dde3")
WEEKEND = QColor("#f3f4f7")
TEXT = QColor("#1f2329")
MUTED = QColor("#69707a")

LABEL_W = 132
HEADER_H = 40
ROW_H = 46
LEGEND_H = 28
PAD = 8


@dataclass(frozen=True)
class Bar:
    """One drawn shift, kept so tooltips and tests can find it."""

    rect: QRectF
    schedule: str
    person: str
    start: datetime
    end: datetime
    override: bool
    mine: bool


def person_colours(people: list[str]) -> dict[str, QColor]:
    """Stable colours: sorted names take the palette in turn."""
    return {name: QColor(PALETTE[i % len(PALETTE)]) for i, name in enumerate(sorted(set(people)))}


def _local(value: datetime) -> datetime:
    return value.astimezone()


class RotationTimeline(QWidget):
    """Who covers when, for every schedule, over the next days (from local midnight today)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Rotation timeline")
        self.rows: tuple[TimelineRow, ...] = ()
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.now: datetime | None = None
        self.selected: str | None = None
        self.bars: list[Bar] = []
        self.colours: dict[str, QColor] = {}
        self._data: tuple[TimelineView, str | None] | None = None

    # ------------------------------------------------------------------ data
    def set_timeline(self, timeline: TimelineView, selected: str | None = None,
                     now: datetime | None = None) -> None:
        """Draw ``timeline`` with the red line at ``now`` (the view's clock; None draws no line)."""
        if (timeline, selected) == self._data:
            if now != self.now:
                self.now = now
                self.update()
            return
        self._data = (timeline, selected)
        self.rows = timeline.rows
        self.start, self.end = timeline.start, timeline.end
        self.now = now
        self.selected = selected
        self.colours = person_colours([s.person for r in self.rows for s in r.shifts])
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 — Qt override
        return QSize(900, HEADER_H + max(1, len(self.rows)) * ROW_H + LEGEND_H + PAD)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 — Qt override
        return QSize(520, self.sizeHint().height())

    # -------------------------------------------------------------- geometry
    def _x(self, t: datetime) -> float:
        assert self.start is not None and self.end is not None
        span = (self.end - self.start).total_seconds() or 1.0
        width = self.width() - LABEL_W - PAD
        return LABEL_W + width * max(0.0, min(1.0, (t - self.start).total_seconds() / span))

    def _days(self) -> list[datetime]:
        """Local midnights from start to end (DST-safe: each day is found by date, not by 24 h steps)."""
        assert self.start is not None and self.end is not None
        out: list[datetime] = []
        day = _local(self.start).date()
        while True:
            midnight = datetime.combine(day, datetime.min.time()).astimezone()  # naive = local wall time
            if midnight >= self.end:
                return out
            out.append(midnight)
            day += timedelta(days=1)

    # --------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 — Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        self.bars = []
        if self.start is None or not self.rows:
            p.setPen(MUTED)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "No schedules yet — create one with New…, load a TOML file or import a calendar.")
            p.end()
            return
        body_top, body_bottom = HEADER_H, HEADER_H + len(self.rows) * ROW_H
        self._paint_days(p, body_top, body_bottom)
        for i, row in enumerate(self.rows):
            self._paint_row(p, row, body_top + i * ROW_H)
        if self.now is not None and self.end is not None and self.start <= self.now < self.end:
            x = self._x(self.now)
            p.setPen(QPen(NOW, 2))
            p.drawLine(QPointF(x, body_top - 4), QPointF(x, body_bottom))
            p.setBrush(NOW)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawPolygon(QPolygonF([QPointF(x - 5, body_top - 10), QPointF(x + 5, body_top - 10),
                                     QPointF(x, body_top - 3)]))
        self._paint_legend(p, body_bottom + 6)
        p.end()

    def _paint_days(self, p: QPainter, top: int, bottom: int) -> None:
        days = self._days()
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1))
        bold = QFont(small)
        bold.setBold(True)
        today = _local(self.now).date() if self.now else None
        for i, day in enumerate(days):
            x0 = self._x(day)
            x1 = self._x(days[i + 1]) if i + 1 < len(days) else self._x(self.end)  # type: ignore[arg-type]
            if day.isoweekday() >= 6:
                p.fillRect(QRectF(x0, top, x1 - x0, bottom - top), WEEKEND)
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(x0, top - 14), QPointF(x0, bottom))
            p.setFont(bold if day.date() == today else small)
            p.setPen(NOW if day.date() == today else (MUTED if day.isoweekday() >= 6 else TEXT))
            label = day.strftime("%a") + "\n" + (day.strftime("%d %b") if i == 0 or day.day == 1 else day.strftime("%d"))
            p.drawText(QRectF(x0, 2, x1 - x0, HEADER_H - 10), Qt.AlignmentFlag.AlignCenter, label)
        p.setPen(QPen(GRID, 1))
        for i in range(len(self.rows) + 1):
            y = top + i * ROW_H
            p.drawLine(QPointF(0, y), QPointF(self.width() - PAD, y))

    def _paint_row(self, p: QPainter, row: TimelineRow, y: int) -> None:
        name = row.name
        label_font = QFont(self.font())
        label_font.setBold(name == self.selected)
        if name == self.selected:
            p.fillRect(QRectF(0, y + 1, LABEL_W - 6, ROW_H - 1), QColor("#e8f0fe"))
        p.setFont(label_font)
        p.setPen(TEXT)
        metrics = p.fontMetrics()
        p.drawText(QRectF(10, y, LABEL_W - 16, ROW_H), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   metrics.elidedText(name, Qt.TextElideMode.ElideRight, LABEL_W - 16))
        for shift in row.shifts:
            x0, x1 = self._x(shift.start), self._x(shift.end)
            rect = QRectF(x0 + 1, y + 7, max(2.0, x1 - x0 - 2), ROW_H - 14)
            bar = Bar(rect, name, shift.person, shift.start, shift.end, shift.override, shift.mine)
            self.bars.append(bar)
            self._paint_bar(p, bar)

    def _paint_bar(self, p: QPainter, bar: Bar) -> None:
        colour = self.colours.get(bar.person, QColor(PALETTE[0]))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawRoundedRect(bar.rect, 5, 5)
        if bar.override:
            p.setBrush(QBrush(OVERRIDE, Qt.BrushStyle.BDiagPattern))
            p.drawRoundedRect(bar.rect, 5, 5)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(OVERRIDE, 2.5))
            p.drawRoundedRect(bar.rect.adjusted(1, 1, -1, -1), 5, 5)
        if bar.mine:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(MINE)
            p.drawRoundedRect(QRectF(bar.rect.left() + 2, bar.rect.bottom() - 5, bar.rect.width() - 4, 4), 2, 2)
        if bar.rect.width() > 24:
            font = QFont(self.font())
            font.setBold(bar.mine)
            p.setFont(font)
            p.setPen(TEXT)
            text = ("★ " if bar.mine else "") + bar.person
            inner = bar.rect.adjusted(6, 0, -4, -3)
            p.drawText(inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(inner.width())))

    def _paint_legend(self, p: QPainter, y: float) -> None:
        p.setFont(self.font())
        x = float(LABEL_W)
        items = ((OVERRIDE, "override (covering for someone)", True), (MINE, "your shifts", False),
                 (NOW, "now", False))
        for colour, text, hatched in items:
            box = QRectF(x, y + 4, 22, 12)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(PALETTE[0]) if hatched else colour)
            p.drawRoundedRect(box, 3, 3)
            if hatched:
                p.setBrush(QBrush(OVERRIDE, Qt.BrushStyle.BDiagPattern))
                p.drawRoundedRect(box, 3, 3)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(OVERRIDE, 2))
                p.drawRoundedRect(box, 3, 3)
            p.setPen(MUTED)
            p.drawText(QPointF(x + 28, y + 15), text)
            x += 40 + p.fontMetrics().horizontalAdvance(text)

    # --------------------------------------------------------------- tooltips
    def bar_at(self, x: float, y: float) -> Bar | None:
        return next((b for b in self.bars if b.rect.contains(QPointF(x, y))), None)

    def event(self, event: Any) -> bool:
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            bar = self.bar_at(event.position().x() if hasattr(event, "position") else event.x(), event.y())
            if bar is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), tooltip(bar), self)
            return True
        return super().event(event)


def tooltip(bar: Bar) -> str:
    hours = (bar.end - bar.start).total_seconds() / 3600
    length = f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"
    span = f"{local_stamp(bar.start)} → {local_stamp(bar.end)} ({length})"
    lines = [f"{bar.person} — {bar.schedule}", span]
    if bar.override:
        lines.append("Override: covering for the rotation")
    if bar.mine:
        lines.append("This is your shift")
    return "\n".join(lines)
