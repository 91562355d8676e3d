"""The Insights tab: what the event log says about the nights, as charts a lead can reuse.

Why it computes on demand: the figures scan a month of events, so they are
read on the store thread when the tab is shown or the period changes — never
on every snapshot.  Every chart draws from the same dict that
``oncall-desktop insights --json`` prints; CSV, PNG and the review text are
exports of that one result.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QDate
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.time.clock import local_tzinfo
from oncall_desktop.services.storage.paths import private_dir, private_file, write_private
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.insights.insights_charts import (
    ChartView,
    HeatmapView,
    draw_ack,
    draw_clients,
    draw_people,
    draw_rates,
)
from oncall_desktop.ui.insights.proposals_panel import ProposalsPanel

PRESETS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("This month", -1),
           ("Last month", -2), ("Custom", 0))
CHARTS = (("ack", "Time to acknowledge per week (minutes)"), ("heatmap", "Pages by hour and weekday"),
          ("clients", "After-hours work per client (billed amount)"), ("rates", "Escalations and false alarms"),
          ("people", "Pages per shift, per person (shifts)"))


def preset_dates(kind: int, today: date) -> tuple[date, date]:
    """(first day, last day), both inclusive, for a preset."""
    if kind > 0:
        return today - timedelta(days=kind - 1), today
    first = today.replace(day=1)
    if kind == -1:
        return first, today
    last = first - timedelta(days=1)
    return last.replace(day=1), last


class InsightsTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.data: dict[str, Any] | None = None
        self._stale = True
        self.preset = QComboBox()
        for name, days in PRESETS:
            self.preset.addItem(name, days)
        self.preset.setCurrentIndex(1)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        self.start_edit.setCalendarPopup(True)
        self.end_edit.setCalendarPopup(True)
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.refresh_button = QPushButton("&Refresh")
        self.csv_button = QPushButton("Export &CSV…")
        self.png_button = QPushButton("Save charts as &PNG…")
        self.copy_button = QPushButton("Cop&y review summary")
        self.status = QLabel("Open this tab to compute the figures.")
        self.status.setWordWrap(True)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setMaximumHeight(150)
        self.charts: dict[str, ChartView] = {}
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        for n, (key, title) in enumerate(CHARTS):
            view = HeatmapView(title) if key == "heatmap" else ChartView(title)
            self.charts[key] = view
            grid.addWidget(view, n // 2, n % 2)
        grid.addWidget(self.summary, 2, 1)
        self.proposals = ProposalsPanel(controller)
        self.proposals.accepted.connect(lambda _: self.refresh())
        grid.addWidget(self.proposals, 3, 0, 1, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period:"))
        bar.addWidget(self.preset)
        bar.addWidget(QLabel("from"))
        bar.addWidget(self.start_edit)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.end_edit)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        for b in (self.csv_button, self.png_button, self.copy_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.totals)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        self._apply_preset()
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.start_edit.dateChanged.connect(self._dates_edited)
        self.end_edit.dateChanged.connect(self._dates_edited)
        self.refresh_button.clicked.connect(self.refresh)
        self.csv_button.clicked.connect(self._ask_csv)
        self.png_button.clicked.connect(self._ask_png)
        self.copy_button.clicked.connect(self.copy_summary)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        self._sync_buttons()

    # ---------------------------------------------------------------- period
    def period(self) -> tuple[datetime, datetime]:
        """[start, end) in the machine's zone, from the inclusive dates shown."""
        first, last = cast(date, self.start_edit.date().toPython()), cast(date, self.end_edit.date().toPython())
        zone = local_tzinfo(datetime.now())
        return (datetime.combine(first, time(0), zone), datetime.combine(last + timedelta(days=1), time(0), zone))

    def _apply_preset(self) -> None:
        days = int(self.preset.currentData())
        if days == 0:
            return
        first, last = preset_dates(days, date.today())
        for edit, value in ((self.start_edit, first), (self.end_edit, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(value.year, value.month, value.day))
            edit.blockSignals(False)

    def _preset_changed(self) -> None:
        self._apply_preset()
        self.refresh()

    def _dates_edited(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(len(PRESETS) - 1)
        self.preset.blockSignals(False)
        self.refresh()

    # --------------------------------------------------------------- compute
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 — Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        start, end = self.period()
        if end <= start:
            self.status.setText("The period ends before it starts; pick a 'to' date after the 'from' date.")
            return
        self._stale = False
        self.status.setText("Reading the event log…")

        def work(ws: Any) -> dict[str, Any]:
            from oncall_desktop.core.shift.analytics import to_csv
            from oncall_desktop.services.paging.rules_store import RulesStore
            from oncall_desktop.services.shift.insights_service import insights_report
            from oncall_desktop.services.shift.proposals_service import feedback

            report = insights_report(ws, start, end)
            verdicts = feedback(ws, start, end)
            return {**report.to_json(), "csv": to_csv(report), "feedback": verdicts.to_json(),
                    "proposals": verdicts.proposals, "undo": RulesStore(ws.store).last_change()}

        self.controller.query(work, self.show_data, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._stale = True
        self.status.setText(f"Insights could not be computed: {exc}")

    def show_data(self, data: dict[str, Any]) -> None:
        from oncall_desktop.core.shift.analytics import hours_minutes, money

        self.data = data
        t = data["totals"]
        ack = (f"median {t['median_ack_minutes']} min, p90 {t['p90_ack_minutes']} min"
               if t["median_ack_minutes"] is not None else "no acknowledgements")
        amount = f" · billed {money(t['amount_cents'])}" if t["amount_cents"] is not None else ""
        self.totals.setText(
            f"<b>{t['pages']}</b> pages ({t['after_hours_pages']} after hours) · {t['suppressed']} suppressed · "
            f"time to acknowledge {ack} · after-hours work {hours_minutes(t['after_hours_minutes'])}{amount}")
        draw_ack(self.charts["ack"], data)
        self.charts["heatmap"].draw(data)  # type: ignore[attr-defined]
        draw_clients(self.charts["clients"], data)
        draw_rates(self.charts["rates"], data)
        draw_people(self.charts["people"], data)
        self.summary.setPlainText(data["summary"])
        self.proposals.show_feedback(data["feedback"], data["proposals"], data["undo"])
        ignored = f" Not understood (newer app?): {', '.join(data['ignored_kinds'])}." if data["ignored_kinds"] else ""
        first, last = self.start_edit.date().toString("yyyy-MM-dd"), self.end_edit.date().toString("yyyy-MM-dd")
        self.status.setText(f"Figures for {first} to {last} (weeks and hours in {data['time_zone']}).{ignored}")
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        for b in (self.csv_button, self.png_button, self.copy_button):
            b.setEnabled(self.data is not None)

    # ---------------------------------------------------------------- export
    def export_csv(self, path: Path) -> None:
        assert self.data is not None
        write_private(path, self.data["csv"])
        self.status.setText(f"Saved the figures to {path}")

    def save_pngs(self, folder: Path) -> list[Path]:
        folder = private_dir(folder)
        stamp = (self.data or {}).get("from", "")[:10]
        saved: list[Path] = []
        for key, view in self.charts.items():
            target = folder / f"insights-{key}-{stamp}.png"
            if not view.grab().save(str(target)):
                self.status.setText(f"Could not write {target}; check the folder is writable")
                return saved
            private_file(target)
            saved.append(target)
        self.status.setText(f"Saved {len(saved)} charts to {folder}")
        return saved

    def copy_summary(self) -> None:
        QGuiApplication.clipboard().setText(self.summary.toPlainText())
        self.status.setText("Review summary copied; paste it into your report.")

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export insights as CSV", "insights.csv", "CSV (*.csv)")
        if path:
            self._guard(lambda: self.export_csv(Path(path)))

    def _ask_png(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the charts as PNG into…")
        if folder:
            self._guard(lambda: self.save_pngs(Path(folder)))

    def _guard(self, fn: Any) -> None:
        try:
            fn()
        except OSError as exc:
            self.status.setText(f"Could not save: {exc.strerror or exc}. Choose another place.")
