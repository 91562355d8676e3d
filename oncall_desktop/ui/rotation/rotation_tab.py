"""The Rotation tab: who covers when, and the tools to change it.

Everything drawn here comes from the snapshot's ``rotation``, ``on_call`` and
``me`` parts, and the tab redraws only when one of them changed; every
change (editor save, swap, import, export, fairness) runs through
``controller.act``/``controller.query`` on the store thread.  File dialogs are
behind small ``ask_*`` methods so tests can answer them.
"""
from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.time.clock import parse_instant
from oncall_desktop.services.app.now import local_stamp
from oncall_desktop.services.app.view_model import RotationView, Snapshot
from oncall_desktop.services.storage.paths import write_private
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.rotation.feed_status import FeedStatusLabel
from oncall_desktop.ui.rotation.rotation_timeline import RotationTimeline
from oncall_desktop.ui.rotation.schedule_editor import ScheduleEditor
from oncall_desktop.ui.widgets.countdown_ticker import CountdownTicker
from oncall_desktop.ui.widgets.table_cells import bold_font, cell, clear_style

if TYPE_CHECKING:
    from oncall_desktop.core.rotation.swaps import SwapProposal
    from oncall_desktop.services.app.view_model import ShiftView

FAIRNESS_COLUMNS = ("Person", "Shifts", "Hours", "Night h", "Weekend h", "Holiday h")
#: The snapshot parts this tab draws.
PARTS = ("rotation", "on_call", "me")
#: How often the timeline's red "now" line moves (a pixel is several minutes on a two-week timeline).
NOW_LINE_MS = 60_000


def _local(value: str) -> str:
    return local_stamp(parse_instant(value))


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


class SwapDialog(QDialog):
    """Offer a slice of your shift to a named colleague."""

    def __init__(self, schedule: str, colleagues: list[str], start: datetime, end: datetime,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Propose a swap — {schedule}")
        self.colleague = QComboBox()
        self.colleague.addItems(colleagues)
        self.start = QDateTimeEdit(QDateTime(start.astimezone()))  # type: ignore[call-overload]  # PySide6 converts a datetime; its stubs omit it
        self.end = QDateTimeEdit(QDateTime(end.astimezone()))  # type: ignore[call-overload]  # PySide6 converts a datetime; its stubs omit it
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd dd MMM yyyy HH:mm")
        form = QFormLayout(self)
        form.addRow(QLabel("Give this part of your shift to a colleague. It becomes theirs once they accept."))
        form.addRow("&Colleague", self.colleague)
        form.addRow("&From", self.start)
        form.addRow("&Until", self.end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Propose")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, datetime, datetime]:
        return (self.colleague.currentText(), cast(datetime, self.start.dateTime().toPython()).astimezone(),
                cast(datetime, self.end.dateTime().toPython()).astimezone())


class RotationTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.snapshot = Snapshot()
        self.editor: ScheduleEditor | None = None
        self.report: dict[str, Any] | None = None

        self.picker = QComboBox()
        self.picker.setMinimumWidth(180)
        self.picker.setAccessibleName("Schedule")
        self.new_button = QPushButton("&New…")
        self.edit_button = QPushButton("&Edit…")
        self.import_button = QPushButton("&Import .ics…")
        self.import_url_button = QPushButton("Import &link…")
        self.export_button = QPushButton("E&xport .ics…")
        self.new_button.setToolTip("Create a schedule (Ctrl+Shift+N)")
        self.edit_button.setToolTip("Members, layers and overrides of this schedule (Ctrl+E)")
        self.import_button.setToolTip("Read an on-call calendar (.ics) into this schedule (Ctrl+I)")
        self.import_url_button.setToolTip("Subscribe to a calendar link (PagerDuty, Opsgenie, Google, Outlook)")
        self.export_button.setToolTip("Write the next 12 months as a calendar, all shifts or only yours")
        bar = QHBoxLayout()
        label = QLabel("&Schedule")
        label.setBuddy(self.picker)
        bar.addWidget(label)
        bar.addWidget(self.picker)
        for b in (self.new_button, self.edit_button):
            bar.addWidget(b)
        bar.addStretch(1)
        for b in (self.import_button, self.import_url_button, self.export_button):
            bar.addWidget(b)

        self.feed_status = FeedStatusLabel(controller, self)
        self.summary = QLabel("Opening workspace…")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setStyleSheet("QLabel { padding: 4px 2px; }")
        self.timeline = RotationTimeline()
        self.now_line = CountdownTicker(self, self._move_now_line, NOW_LINE_MS)

        # shifts (all schedules, next 14 days)
        self.table = _table(("Schedule", "Person", "From", "Until"))

        # swaps
        self.swaps = _table(("Schedule", "From", "To", "Slice", "Offered"))
        self.propose_button = QPushButton("&Propose swap…")
        self.accept_button = QPushButton("&Accept")
        self.decline_button = QPushButton("&Decline")
        swaps_page = QWidget()
        sl = QVBoxLayout(swaps_page)
        sl.addWidget(self.swaps, 1)
        sb = QHBoxLayout()
        sb.addWidget(self.propose_button)
        sb.addStretch(1)
        sb.addWidget(self.accept_button)
        sb.addWidget(self.decline_button)
        sl.addLayout(sb)

        # fairness
        today = QDate.currentDate()
        self.fair_from = QDateEdit(QDate(today.year(), today.month(), 1).addMonths(-2))
        self.fair_to = QDateEdit(QDate(today.year(), today.month(), 1).addMonths(1))
        for edit in (self.fair_from, self.fair_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
        self.fair_button = QPushButton("&Compute")
        self.csv_button = QPushButton("Export &CSV…")
        self.csv_button.setEnabled(False)
        self.fair_note = QLabel("Hours on call per person; night = 22:00–06:00 in the schedule's zone.")
        self.fair_note.setWordWrap(True)
        self.fairness = _table(FAIRNESS_COLUMNS)
        fair_page = QWidget()
        fl = QVBoxLayout(fair_page)
        fr = QHBoxLayout()
        fr.addWidget(QLabel("From"))
        fr.addWidget(self.fair_from)
        fr.addWidget(QLabel("to"))
        fr.addWidget(self.fair_to)
        fr.addWidget(self.fair_button)
        fr.addStretch(1)
        fr.addWidget(self.csv_button)
        fl.addLayout(fr)
        fl.addWidget(self.fair_note)
        fl.addWidget(self.fairness, 1)

        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.table, "Shifts")
        self.pages.addTab(swaps_page, "Swaps")
        self.pages.addTab(fair_page, "Fairness")

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.feed_status)
        layout.addWidget(self.summary)
        layout.addWidget(self.timeline)
        layout.addWidget(self.message)
        layout.addWidget(self.pages, 1)

        self.picker.currentTextChanged.connect(self._picked)
        self.picker.currentTextChanged.connect(self.feed_status.set_schedule)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.current()))
        self.import_button.clicked.connect(self.import_file)
        self.import_url_button.clicked.connect(self.import_link)
        self.export_button.clicked.connect(self.export_file)
        self.propose_button.clicked.connect(self.propose_swap)
        self.accept_button.clicked.connect(lambda: self._decide("accept"))
        self.decline_button.clicked.connect(lambda: self._decide("decline"))
        self.swaps.itemSelectionChanged.connect(self._sync_buttons)
        self.fair_button.clicked.connect(self.compute_fairness)
        self.csv_button.clicked.connect(self.export_csv)
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (("Ctrl+E", lambda: self.open_editor(self.current())),
                           ("Ctrl+Shift+N", lambda: self.open_editor(None)), ("Ctrl+I", self.import_file)):
            QShortcut(QKeySequence(keys), self, slot, context=ctx)
        controller.watch(self, PARTS, self.update_snapshot)
        controller.sig_error.connect(self._error)
        self._sync_buttons()

    # --------------------------------------------------------------- drawing
    def current(self) -> str | None:
        return self.picker.currentText() or None

    def _rotation(self) -> RotationView:
        return self.snapshot.rotation

    def update_snapshot(self, snapshot: Snapshot, _parts: frozenset[str] = frozenset()) -> None:
        self.snapshot = snapshot
        rotation = self._rotation()
        names = [d["name"] for d in rotation.definitions]
        current = self.current()
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(names)
        if current not in names:  # first visit: the schedule that pages first (nobody's backup)
            backups = {d.get("backup") for d in rotation.definitions}
            current = next((n for n in names if n not in backups), names[0] if names else None)
        if current:
            self.picker.setCurrentText(current)
        self.picker.blockSignals(False)
        self._draw_shifts(rotation.shifts, snapshot.me)
        self._draw_swaps()
        self._picked(self.current() or "")

    def _picked(self, name: str) -> None:
        rotation = self._rotation()
        self._move_now_line()
        self.now_line.count(rotation.timeline is not None)
        self.summary.setText(self._summary(name))
        self._sync_buttons()

    def _move_now_line(self) -> None:
        """Redraw the timeline at the clock's now (its data is unchanged; no snapshot is needed)."""
        rotation = self._rotation()
        if rotation.timeline is not None:
            self.timeline.set_timeline(rotation.timeline, self.current(), now=self.controller.now())

    def _summary(self, name: str) -> str:
        snapshot, rotation = self.snapshot, self._rotation()
        if not rotation.definitions:
            return ("No schedules yet. <b>New…</b> builds one, <b>Import .ics…</b> reads a PagerDuty/Opsgenie/Google "
                    "calendar, and <code>oncall-desktop rotation load FILE.toml</code> loads a lead's file.")
        entry = next((e for e in snapshot.on_call if e.schedule == name), None)
        if entry is None:
            text = f"<b>{name}</b>: nobody is on call right now."
        else:
            text = f"<b>{name}</b>: <b>{entry.person}</b> until {local_stamp(entry.shift_end)}"
            for label, value in (("next", entry.next), ("backup", entry.backup), ("lead", entry.lead)):
                if value:
                    text += f" · {label} {value}"
        mine = rotation.my_next
        me = snapshot.me
        if me and mine:
            when = "now, until " + local_stamp(mine.end) if mine.now else local_stamp(mine.start)
            text += f"<br>You ({me}): {'on call ' if mine.now else 'next on call '}{when} in {mine.schedule}."
        waiting = [s for s in rotation.swaps if s.to_person == me]
        if waiting:
            text += f" <span style='color:#b45309'><b>{len(waiting)} swap offer(s) wait for you.</b></span>"
        return text

    def _draw_shifts(self, shifts: tuple[ShiftView, ...], me: str | None) -> None:
        self.table.setRowCount(len(shifts))
        for row, shift in enumerate(shifts):
            values = (shift.schedule, shift.person, shift.start_local, shift.end_local)
            for col, value in enumerate(values):
                item = cell(self.table, row, col)
                clear_style(item)
                item.setText(value)
                if shift.override:
                    item.setBackground(QBrush(QColor("#fde7c2")))
                    item.setForeground(QBrush(QColor("black")))
                    item.setToolTip("Override")
                if me and shift.person == me:
                    item.setFont(bold_font())

    def _draw_swaps(self) -> None:
        swaps = self._rotation().swaps
        me = self.snapshot.me
        self.swaps.setRowCount(len(swaps))
        for row, swap in enumerate(swaps):
            values = (swap.schedule, swap.from_person, swap.to_person,
                      f"{local_stamp(swap.start)} → {local_stamp(swap.end)}", local_stamp(swap.proposed_at))
            for col, value in enumerate(values):
                item = cell(self.swaps, row, col)
                clear_style(item)
                item.setText(value)
                item.setData(Qt.ItemDataRole.UserRole, swap.id)
                if swap.to_person == me:
                    item.setFont(bold_font())
        self.pages.setTabText(1, f"Swaps ({len(swaps)})" if swaps else "Swaps")

    def _selected_swap(self) -> SwapProposal | None:
        items = self.swaps.selectedItems()
        if not items:
            return None
        swap_id = items[0].data(Qt.ItemDataRole.UserRole)
        return next((s for s in self._rotation().swaps if s.id == swap_id), None)

    def _sync_buttons(self) -> None:
        has = bool(self.current())
        for b in (self.edit_button, self.export_button, self.fair_button, self.propose_button):
            b.setEnabled(has)
        swap, me = self._selected_swap(), self.snapshot.me
        self.accept_button.setEnabled(bool(swap and swap.to_person == me))
        self.decline_button.setEnabled(bool(swap and me in (swap.to_person, swap.from_person)))

    def say(self, text: str, error: bool = False) -> None:
        colours = ("#a50e0e", "#fce8e6") if error else ("#0d652d", "#e6f4ea")
        self.message.setStyleSheet(f"QLabel {{ color: {colours[0]}; background: {colours[1]}; padding: 6px; "
                                   "border-radius: 4px; }")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _error(self, text: str) -> None:
        if self.editor is not None and self.editor.isVisible():
            self.editor.show_error(text)
            self.editor.save_button.setEnabled(True)
        elif self.isVisible():
            self.say(text, error=True)

    # ---------------------------------------------------------------- editor
    def open_editor(self, name: str | None) -> ScheduleEditor:
        rotation = self._rotation()
        definition = next((d for d in rotation.definitions if d["name"] == name), None)
        names = [d["name"] for d in rotation.definitions]
        # the editor's own copy: the snapshot is shared with every view and must not change under them
        own = deepcopy(dict(definition)) if definition else None
        self.editor = ScheduleEditor(own, schedules=names, people=list(rotation.people),
                                     on_save=self._save_schedule, parent=self)
        self.editor.show()
        return self.editor

    def _save_schedule(self, schedule: Any, original: str | None) -> None:
        me = self.snapshot.me

        def done(saved: Any) -> None:
            if self.editor is not None:
                self.editor.accept()
            self.picker.setCurrentText(saved.name)
            self.say(f"Saved schedule '{saved.name}'.")

        self.controller.act(lambda ws: ws.rotation.save(schedule, by=me, replacing=original), done)

    # ------------------------------------------------------------- calendars
    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Import an on-call calendar", str(Path.home()),
                                              "Calendars (*.ics);;All files (*)")
        return path

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / suggested), filters)
        return path

    def ask_link(self) -> str:
        text, ok = QInputDialog.getText(self, "Import a calendar link",
                                        "The calendar's https link (PagerDuty, Opsgenie, Grafana OnCall, Google, "
                                        "Outlook):")
        return text.strip() if ok else ""

    def ask_export_person(self) -> str | None:
        """None: everyone; otherwise one person's shifts."""
        me = self.snapshot.me
        if not me:
            return None
        choice, ok = QInputDialog.getItem(self, "Export calendar", "Which shifts?", ["Everyone's", f"Only mine ({me})"],
                                          1, False)
        if not ok:
            return ""
        return me if choice.startswith("Only") else None

    def ask_import_person(self, me: str) -> str | None:
        """Whose shifts a calendar lists: "", each event names its person; a name, all are that person's.

        A feed of one person's own shifts (GoAlert's calendar subscription) names the schedule, not the
        person.  None means the tech cancelled.
        """
        named = "Each event names its person (PagerDuty, Opsgenie, Grafana OnCall, shared calendars)"
        choices = [named] + ([f"All are my shifts ({me})"] if me else []) + ["All are one person's shifts…"]
        choice, ok = QInputDialog.getItem(self, "Import calendar", "Whose shifts does this calendar list?", choices,
                                          0, False)
        if not ok:
            return None
        if choice == named:
            return ""
        if me and choice.startswith("All are my"):
            return me
        name, ok = QInputDialog.getText(self, "Import calendar", "Whose shifts are they? (their name)")
        return name.strip() if ok and name.strip() else None

    def import_file(self) -> None:
        path = self.ask_open_path()
        if path:
            self._import(path)

    def import_link(self) -> None:
        link = self.ask_link()
        if link:
            self._import(link)

    def _import(self, source: str) -> None:
        name = self.current()
        if not name:
            name, ok = QInputDialog.getText(self, "Import calendar", "Name of the schedule to create:")
            if not ok or not name.strip():
                return
            name = name.strip()
        me = self.snapshot.me
        person = self.ask_import_person(me)
        if person is None:
            return
        self.say(f"Importing into '{name}'…")

        def done(result: Any) -> None:
            text = f"Imported {result.events} on-call event(s) into '{name}' ({result.origin})."
            if result.note:
                text += " " + result.note
            if result.problems:
                text += f" {len(result.problems)} skipped: " + "; ".join(result.problems[:3])
            self.picker.setCurrentText(name)
            self.feed_status.reload()
            self.say(text)

        # a calendar link downloads on a network thread: an acknowledgement never waits behind it
        self.controller.fetch(lambda ws: ws.rotation.import_ics(source, name, person=person, by=me,
                                                                on_store=ws.on_store), done, redraw=True)

    def export_file(self) -> None:
        name = self.current()
        if not name:
            return
        person = self.ask_export_person()
        if person == "":
            return
        path = self.ask_save_path("Export calendar", f"on-call-{name.lower().replace(' ', '-')}.ics",
                                  "Calendars (*.ics)")
        if not path:
            return

        def work(ws: Any) -> int:
            text = ws.rotation.export(name, person=person)
            write_private(path, text, newline="")
            return text.count("BEGIN:VEVENT")

        self.controller.query(work, lambda n: self.say(f"Wrote {n} shift(s) to {path} — shown as free time, "
                                                          "with reminders."),
                              lambda exc: self.say(str(exc), error=True))

    # ----------------------------------------------------------------- swaps
    def propose_swap(self) -> None:
        name, me = self.current(), self.snapshot.me
        if not name or not me:
            self.say("Set who you are (Settings) before proposing a swap.", error=True)
            return
        people = [p for p in self._rotation().people if p != me]
        mine = self._rotation().my_next
        now = self.controller.now()  # the app's clock (a demo may run it at another time)
        if mine and mine.schedule == name:
            start, end = max(mine.start, now + timedelta(minutes=5)), mine.end
        else:
            start, end = now + timedelta(hours=1), now + timedelta(hours=13)
        dialog = SwapDialog(name, people, start, end, self)
        if self.exec_dialog(dialog):
            to, a, b = dialog.values()
            self.controller.act(lambda ws: ws.rotation.propose_swap(name, me, to, a, b),
                                lambda p: self.say(f"Swap offered to {p.to_person}; it becomes theirs when they "
                                                   "accept."))

    def exec_dialog(self, dialog: QDialog) -> bool:
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _decide(self, verb: str) -> None:
        swap, me = self._selected_swap(), self.snapshot.me
        if swap is None or not me:
            return
        if verb == "accept":
            self.controller.act(lambda ws: ws.rotation.accept_swap(swap.id, me),
                                lambda _s: self.say(f"You cover {local_stamp(swap.start)} → {local_stamp(swap.end)} "
                                                    f"for {swap.from_person}."))
        else:
            self.controller.act(lambda ws: ws.rotation.decline_swap(swap.id, me),
                                lambda _s: self.say("Swap declined."))

    # -------------------------------------------------------------- fairness
    def _period(self) -> tuple[datetime, datetime]:
        a = datetime.combine(cast(date, self.fair_from.date().toPython()), datetime.min.time()).astimezone()
        b = datetime.combine(cast(date, self.fair_to.date().toPython()), datetime.min.time()).astimezone()
        return a, b

    def compute_fairness(self) -> None:
        name = self.current()
        if not name:
            return
        a, b = self._period()
        if b <= a:
            self.say("The fairness period must end after it starts.", error=True)
            return
        self.fair_button.setEnabled(False)

        def work(ws: Any) -> dict[str, Any]:
            schedule = ws.rotation.schedule(name)
            report = ws.rotation.fairness(name, a, b)
            from oncall_desktop.core.rotation.fairness import fairness_csv

            return {"report": report.to_dict(), "csv": fairness_csv(report),
                    "country": ws.rotation.holiday_country(schedule)}

        def failed(exc: BaseException) -> None:
            self.fair_button.setEnabled(True)
            self.say(str(exc), error=True)

        self.controller.query(work, self.show_fairness, failed)

    def show_fairness(self, result: dict[str, Any]) -> None:
        self.fair_button.setEnabled(True)
        self.report = result
        people = result["report"]["people"]
        self.fairness.setRowCount(len(people))
        keys = ("person", "shifts", "hours", "night_hours", "weekend_hours", "holiday_hours")
        for row, person in enumerate(people):
            for col, key in enumerate(keys):
                value = person[key]
                item = QTableWidgetItem(f"{value:.1f}" if isinstance(value, float) else str(value))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.fairness.setItem(row, col, item)
        country = result.get("country")
        self.fair_note.setText(
            f"{result['report']['schedule']}, {_local(result['report']['from'])} → {_local(result['report']['to'])}. "
            f"Night = 22:00–06:00 in {result['report']['time_zone']}; holidays: "
            + (f"public holidays of {country}." if country else "none (this time zone names no country; the CLI's "
                                                               "--country DE picks one)."))
        self.csv_button.setEnabled(bool(people))

    def export_csv(self) -> None:
        if not self.report:
            return
        report = self.report["report"]
        path = self.ask_save_path("Export fairness CSV", f"on-call-{report['schedule'].lower().replace(' ', '-')}-"
                                  f"{report['from'][:10]}.csv", "CSV (*.csv)")
        if not path:
            return
        text = self.report["csv"]

        def work(_ws: Any) -> None:
            write_private(path, text, newline="")

        self.controller.query(work, lambda _r: self.say(f"Wrote {len(report['people'])} row(s) to {path}."),
                              lambda exc: self.say(f"Could not write {path}: {exc}", error=True))


