"""Settings → Rotation: when I hear about my shifts, who is paged first, holidays, the rotation file.

Why holidays per schedule: a team with a Berlin and a Manila rota counts
holiday shifts by different calendars in the fairness view.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_common import SettingsPage, Status, row

AUTOMATIC = ""


class RotationPage(SettingsPage):
    title = "Rotation"

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.notice_days = QLineEdit()
        self.notice_days.setPlaceholderText("e.g. 14, 1 — days before a shift; empty: no advance notice")
        self.notice_status = Status()
        self.calendar_refresh = QLineEdit()
        self.calendar_refresh.setPlaceholderText("minutes between downloads of calendar links; 0: never")
        self.calendar_refresh.setToolTip("Schedules imported from an https link (PagerDuty, Google, Outlook …) are "
                                         "downloaded again this often, 5 to 1440 minutes")
        self.refresh_status = Status()
        self.page_schedule = QComboBox()
        self.page_schedule.setToolTip("Level 1 of every page is whoever is on call in this schedule")
        self.page_status = Status()
        notices = QGroupBox("Shift notices and paging")
        form = QFormLayout(notices)
        form.addRow("&Notice days before a shift", self.notice_days)
        form.addRow("", self.notice_status)
        form.addRow("&Schedule paged first", self.page_schedule)
        form.addRow("", self.page_status)
        form.addRow("Refresh calendar &links every", self.calendar_refresh)
        form.addRow("", self.refresh_status)
        self.holidays = QTableWidget(0, 3)
        self.holidays.setHorizontalHeaderLabels(("Schedule", "Time zone", "Holiday country"))
        self.holidays.verticalHeader().setVisible(False)
        self.holidays.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.holidays.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, 220)
        self.holidays.setMinimumHeight(110)
        self.country_edits: dict[str, QLineEdit] = {}
        self.holiday_status = Status()
        holidays = QGroupBox("Holidays (fairness counts holiday shifts by these calendars)")
        hl = QVBoxLayout(holidays)
        hl.addWidget(self.holidays)
        hl.addWidget(self.holiday_status)
        self.load_button = QPushButton("&Load rotation file…")
        self.load_button.setToolTip("A rotation TOML (docs/rotation.md): every schedule in it is stored, or none")
        self.load_status = Status()
        files = QGroupBox("Rotation file")
        fl = QVBoxLayout(files)
        fl.addWidget(row(self.load_button))
        fl.addWidget(self.load_status)
        layout = QVBoxLayout(self)
        for group in (notices, holidays, files):
            layout.addWidget(group)
        layout.addStretch(1)
        self.notice_days.editingFinished.connect(self._save_notice_days)
        self.page_schedule.activated.connect(self._save_page_schedule)
        self.calendar_refresh.editingFinished.connect(self._save_calendar_refresh)
        self.load_button.clicked.connect(self._load_file)

    def fill(self, values: dict[str, Any]) -> None:
        if not self.notice_days.hasFocus():
            self.notice_days.setText(", ".join(str(d) for d in values.get("notice_days", [])))
        if not self.calendar_refresh.hasFocus():
            self.calendar_refresh.setText(str(values.get("calendar_refresh_minutes", "")))
        schedules = values.get("schedules", [])
        self.page_schedule.clear()
        auto = values.get("paging_schedule") if not values.get("page_schedule") else ""
        self.page_schedule.addItem(f"Automatic ({auto or 'the first that is nobody’s backup'})", AUTOMATIC)
        for s in schedules:
            self.page_schedule.addItem(s["name"], s["name"])
        self.page_schedule.setCurrentIndex(max(0, self.page_schedule.findData(values.get("page_schedule") or "")))
        self.holidays.setRowCount(0)  # drops the old rows' country fields too
        self.holidays.setRowCount(len(schedules))
        self.country_edits = {}
        for r, s in enumerate(schedules):
            self.holidays.setItem(r, 0, QTableWidgetItem(s["name"]))
            self.holidays.setItem(r, 1, QTableWidgetItem(s["time_zone"]))
            edit = QLineEdit(s.get("holiday_country", ""))
            edit.setPlaceholderText(f"{s['zone_country'] or '—'} (from the zone)")
            edit.setToolTip("ISO country code such as DE, GB or US-CA; empty: the country of the schedule's zone")
            edit.editingFinished.connect(lambda name=s["name"], e=edit: self._save_country(name, e))
            self.holidays.setCellWidget(r, 2, edit)
            self.country_edits[s["name"]] = edit

    def _save_notice_days(self) -> None:
        text = self.notice_days.text()
        self.save(lambda p: p.set_notice_days(text), self.notice_status,
                  lambda days: ("you hear about a shift " + " and ".join(f"{d} day{'s' if d != 1 else ''}"
                                                                          for d in days) + " before it starts")
                  if days else "no advance notice; you still hear when a shift starts and ends")

    def _save_calendar_refresh(self) -> None:
        text = self.calendar_refresh.text().strip()
        self.save(lambda p: p.set_calendar_refresh(text), self.refresh_status,
                  lambda minutes: f"calendar links are downloaded again every {minutes} minutes" if minutes
                  else "calendar links are downloaded only when you import them")

    def _save_page_schedule(self, index: int) -> None:
        name = str(self.page_schedule.itemData(index) or "")
        self.save(lambda p: p.set_page_schedule(name), self.page_status,
                  lambda v: f"pages go first to whoever is on call in {v}" if v else
                  "the first schedule that is nobody's backup is paged first")

    def _save_country(self, schedule: str, edit: QLineEdit) -> None:
        text = edit.text()
        self.save(lambda p: p.set_holiday_country(schedule, text), self.holiday_status,
                  lambda v: f"{schedule}: holidays of {v}" if v else f"{schedule}: holidays of its zone's country")

    def _load_file(self) -> None:
        path = self.pick_file("Load rotation file", "Rotation files (*.toml);;All files (*)")
        if not path:
            return
        self.load_status.ok("loading…")
        self.save(lambda p: p.load_rotation_file(path), self.load_status,
                  lambda names: f"loaded {len(names)} schedule(s): {', '.join(names)}")
