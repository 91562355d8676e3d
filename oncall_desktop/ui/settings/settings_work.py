"""Settings → Pages & timers: how long a page waits for me, and how my work is timed.

Why together: both decide what happens in the minutes after a ticket pages —
the ack window and its reminders, then the timer that bills the call-out.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QSpinBox, QVBoxLayout

from oncall_desktop.services.app import preferences as prefs
from oncall_desktop.services.storage.store import EVENTS_KEEP_DAYS_MIN
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_common import SettingsPage, Status

CRASH_CHOICES = (("resume", "Resume it (I kept working while the app restarted)"),
                 ("close", "Close it at the last heartbeat (≤ 1 s lost)"))


def _minutes_box(bounds: tuple[int, int], tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(*bounds)
    box.setSuffix(" min")
    box.setToolTip(tip)
    return box


class WorkPage(SettingsPage):
    title = "Pages & timers"

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.ack = _minutes_box(prefs.ACK_MINUTES, "How long a page waits for an acknowledgement before it goes "
                                                   "to the backup (clients' own minutes in the clients file win)")
        self.stale = _minutes_box(prefs.STALE_MINUTES, "An acknowledged page with no timer running pages again "
                                                       "after this long")
        self.renotify = _minutes_box(prefs.RENOTIFY_MINUTES, "While a page waits, the notification repeats this often")
        self.ack_status = Status()
        acks = QGroupBox("Acknowledgements")
        form = QFormLayout(acks)
        form.addRow("&Acknowledge within", self.ack)
        form.addRow("&Stale re-trigger after", self.stale)
        form.addRow("&Re-notify every", self.renotify)
        form.addRow("", self.ack_status)
        self.autostart = QCheckBox("Start the timer when I &acknowledge a page")
        self.after_crash = QComboBox()
        for key, text in CRASH_CHOICES:
            self.after_crash.addItem(text, key)
        self.gap = _minutes_box(prefs.GAP_MINUTES, "A restart shorter than this counts as work; a longer gap "
                                                   "(the laptop slept) asks 'were you working?'")
        self.timer_status = Status()
        timers = QGroupBox("Timers")
        tform = QFormLayout(timers)
        tform.addRow("", self.autostart)
        tform.addRow("After a &crash", self.after_crash)
        tform.addRow("Ask after a &gap of", self.gap)
        tform.addRow("", self.timer_status)
        self.keep = QSpinBox()
        self.keep.setRange(EVENTS_KEEP_DAYS_MIN, prefs.EVENTS_KEEP_DAYS_MAX)
        self.keep.setSuffix(" days")
        self.keep.setToolTip("Older entries of the event log are deleted once a day; the newest of each kind and "
                             "everything about a page still open are kept")
        self.keep_status = Status()
        history = QGroupBox("History")
        hform = QFormLayout(history)
        hform.addRow("&Keep the event log for", self.keep)
        hform.addRow("", self.keep_status)
        layout = QVBoxLayout(self)
        layout.addWidget(acks)
        layout.addWidget(timers)
        layout.addWidget(history)
        layout.addStretch(1)
        for box in (self.ack, self.stale, self.renotify):
            box.editingFinished.connect(self._save_ack)
        self.autostart.toggled.connect(self._save_autostart)
        self.after_crash.activated.connect(self._save_crash)
        self.gap.editingFinished.connect(self._save_gap)
        self.keep.editingFinished.connect(self._save_keep)

    def fill(self, values: dict[str, Any]) -> None:
        ack = values.get("ack", {})
        for box, key in ((self.ack, "ack"), (self.stale, "stale"), (self.renotify, "renotify")):
            if not box.hasFocus() and key in ack:
                box.setValue(int(ack[key]))
        self.autostart.setChecked(bool(values.get("timer_autostart", True)))
        self.after_crash.setCurrentIndex(max(0, self.after_crash.findData(values.get("timer_after_crash", "resume"))))
        if not self.gap.hasFocus():
            self.gap.setValue(int(values.get("timer_gap_minutes", 5)))
        if not self.keep.hasFocus() and "events_keep_days" in values:
            self.keep.setValue(int(values["events_keep_days"]))

    def _save_ack(self) -> None:
        ack, stale, again = self.ack.value(), self.stale.value(), self.renotify.value()
        if (ack, stale, again) == tuple(self.values.get("ack", {}).get(k) for k in ("ack", "stale", "renotify")):
            return
        self.save(lambda p: p.set_ack_minutes(ack, stale, again), self.ack_status,
                  lambda m: f"pages wait {m.ack} min, repeat every {m.renotify} min; acknowledged pages with no "
                            f"timer page again after {m.stale} min")

    def _save_autostart(self, on: bool) -> None:
        self.save(lambda p: p.set_timer_autostart(on), self.timer_status,
                  lambda v: "acknowledging starts the timer" if v else "start the timer yourself after acknowledging")

    def _save_crash(self, index: int) -> None:
        mode = str(self.after_crash.itemData(index))
        self.save(lambda p: p.set_timer_after_crash(mode), self.timer_status,
                  lambda v: "after a crash the timer resumes" if v == "resume" else
                  "after a crash the timer closes at its last heartbeat")

    def _save_gap(self) -> None:
        minutes = self.gap.value()
        if minutes == self.values.get("timer_gap_minutes"):
            return
        self.save(lambda p: p.set_timer_gap_minutes(minutes), self.timer_status,
                  lambda v: f"a gap longer than {v} min asks whether you were working")

    def _save_keep(self) -> None:
        days = self.keep.value()
        if days == self.values.get("events_keep_days"):
            return
        self.save(lambda p: p.set_events_keep_days(days), self.keep_status,
                  lambda v: f"the event log keeps {v} days (a year of insights needs 366)")
