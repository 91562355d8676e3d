"""The schedule editor: members, layers and overrides, validated as you type.

Why validation lives in the core: the editor turns its fields into the same
dict the store keeps and asks ``Schedule.from_dict`` — the rules (no empty
layer, turn length above zero, a known time zone…) and their wording are the
ones the TOML loader and the CLI use, so a lead sees one set of messages.
Times typed here are wall-clock times in the schedule's own zone.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.rotation.model import RotationError, Schedule, zone_of
from oncall_desktop.core.time.clock import iso

TURNS = ("daily", "weekly", "fortnightly", "12h", "8h", "3d")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NO_BACKUP = "(no backup)"
_TURN_NAMES = {"1d": "daily", "7d": "weekly", "14d": "fortnightly"}
_LOCAL_FMT = "%Y-%m-%d %H:%M"


class EditorError(ValueError):
    """A field the editor cannot read; the message names it."""


# --------------------------------------------------------------- text forms
def restrictions_text(items: list[dict[str, Any]]) -> str:
    """Stored windows as one line a person can edit: 'weekdays 17:00-09:00; sat,sun 00:00-00:00'."""
    groups: dict[tuple[str, int], list[int | None]] = {}
    for r in items:
        groups.setdefault((r["start"], int(r["minutes"])), []).append(r.get("day") if r.get("kind") != "daily" else None)
    parts = []
    for (start, minutes), days in groups.items():
        h, m = divmod((int(start[:2]) * 60 + int(start[3:5]) + minutes) % (24 * 60), 60)
        span = f"{start}-{h:02d}:{m:02d}"
        if minutes > 24 * 60:
            span = f"{start}+{minutes // 60}h" if minutes % 60 == 0 else f"{start}+{minutes}m"
        if None in days:
            parts.append(f"daily {span}")
            continue
        ds = sorted(d for d in days if d is not None)
        label = ("weekdays" if ds == [1, 2, 3, 4, 5] else "weekends" if ds == [6, 7]
                 else ",".join(DAY_NAMES[d - 1] for d in ds))
        parts.append(f"{label} {span}")
    return "; ".join(parts)


def parse_restrictions(text: str) -> list[dict[str, Any]]:
    """The editor's line back into windows the core reads (friendly form, or stored form for '+Nh')."""
    out: list[dict[str, Any]] = []
    for n, chunk in enumerate(p.strip() for p in text.split(";")):
        if not chunk:
            continue
        words = chunk.split()
        if len(words) != 2:
            raise EditorError(f"restriction {n + 1} ('{chunk}'): write days and hours, e.g. 'weekdays 17:00-09:00'")
        days, span = words
        days_value: Any = days.lower() if days.lower() in ("daily", "weekdays", "weekends") else days.split(",")
        if "+" in span:
            start, length = span.split("+", 1)
            unit = 60 if length.endswith("h") else 1
            try:
                minutes = int(length.rstrip("hm")) * unit
            except ValueError:
                raise EditorError(f"restriction {n + 1}: '{span}' should look like 17:00+64h") from None
            if days_value == "daily":
                out.append({"kind": "daily", "start": start, "minutes": minutes})
            else:
                from oncall_desktop.core.rotation.model import Restriction

                out.extend({"kind": "weekly", "day": w.day, "start": start, "minutes": minutes}
                           for w in Restriction.on_days(days_value, start, start))
            continue
        if "-" not in span:
            raise EditorError(f"restriction {n + 1}: '{span}' should be from-to, e.g. 17:00-09:00")
        start, end = span.split("-", 1)
        out.append({"days": days_value, "from": start, "to": end})
    return out


def _local_text(value: str | None, zone_name: str) -> str:
    if not value:
        return ""
    from oncall_desktop.core.time.clock import parse_instant

    try:
        return parse_instant(value).astimezone(zone_of(zone_name)).strftime(_LOCAL_FMT)
    except RotationError:
        return parse_instant(value).strftime(_LOCAL_FMT)


def _instant_from(text: str, zone_name: str, what: str) -> str:
    raw = text.strip()
    try:
        value = datetime.strptime(raw, _LOCAL_FMT)
    except ValueError:
        raise EditorError(f"{what}: '{raw}' is not a date and time; write it as 2026-01-05 09:00") from None
    return iso(value.replace(tzinfo=zone_of(zone_name)))


# ------------------------------------------------------------------ dialog
class ScheduleEditor(QDialog):
    """Edit one schedule (or a new one); ``on_save(schedule, old_name)`` stores it."""

    def __init__(self, definition: dict[str, Any] | None, *, schedules: list[str], people: list[str],
                 on_save: Callable[[Schedule, str | None], None], parent: QWidget | None = None) -> None:
        from oncall_desktop.services.paging.ack_clock import local_zone

        super().__init__(parent)
        self.original = (definition or {}).get("name")
        self.on_save = on_save
        self.setWindowTitle(f"Edit schedule — {self.original}" if self.original else "New schedule")
        self.resize(820, 620)
        data = definition or {"name": "", "time_zone": local_zone(), "layers": [], "overrides": [],
                              "backup": None, "lead": None}
        zone = data["time_zone"]
        self.layers: list[dict[str, Any]] = [self._layer_form(layer, zone) for layer in data.get("layers", [])]
        self._current = -1
        self._loading = False

        # schedule fields
        self.name = QLineEdit(data["name"])
        self.name.setPlaceholderText("e.g. Primary")
        self.zone = QComboBox()
        self.zone.setEditable(True)
        zones = sorted(available_timezones())
        self.zone.addItems(zones)
        self.zone.setCurrentText(zone)
        completer = QCompleter(zones, self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.backup = QComboBox()
        self.backup.addItems([NO_BACKUP] + [s for s in schedules if s != self.original])
        self.backup.setCurrentText(data.get("backup") or NO_BACKUP)
        self.lead = QLineEdit(data.get("lead") or "")
        self.lead.setPlaceholderText("optional: the person paged at level 3")
        self.lead.setCompleter(QCompleter(people, self.lead))
        top = QFormLayout()
        top.addRow("&Name", self.name)
        top.addRow("Time &zone", self.zone)
        top.addRow("&Backup schedule", self.backup)
        top.addRow("&Lead", self.lead)

        # layers: list + form
        self.layer_list = QListWidget()
        self.layer_list.setMaximumWidth(200)
        self.add_layer_button = QPushButton("Add layer")
        self.remove_layer_button = QPushButton("Remove")
        self.up_button = QPushButton("▲")
        self.up_button.setToolTip("Move the layer down the stack (lower layers lose where layers overlap)")
        self.up_button.setAccessibleName("Move layer up the list")
        self.layer_name = QLineEdit()
        self.members = QPlainTextEdit()
        self.members.setPlaceholderText("One person per line, in turn order")
        self.members.setTabChangesFocus(True)
        self.layer_start = QLineEdit()
        self.layer_start.setPlaceholderText("2026-01-05 09:00 (schedule time)")
        self.turn = QComboBox()
        self.turn.setEditable(True)
        self.turn.addItems(TURNS)
        self.turn.setToolTip("daily, weekly, fortnightly, a number of days (3d), weeks (2w) or hours (12h)")
        self.handoff = QLineEdit()
        self.handoff.setPlaceholderText("HH:MM, default: the time of the start")
        self.restrictions = QLineEdit()
        self.restrictions.setPlaceholderText("e.g. weekdays 17:00-09:00; weekends 00:00-00:00 (empty: always)")
        form = QFormLayout()
        form.addRow("Layer name", self.layer_name)
        form.addRow("Members", self.members)
        form.addRow("Starts", self.layer_start)
        form.addRow("Turn length", self.turn)
        form.addRow("Handoff at", self.handoff)
        form.addRow("Active only", self.restrictions)
        self.layer_form = QWidget()
        self.layer_form.setLayout(form)
        side = QVBoxLayout()
        side.addWidget(self.layer_list, 1)
        row = QHBoxLayout()
        for b in (self.add_layer_button, self.remove_layer_button, self.up_button):
            row.addWidget(b)
        side.addLayout(row)
        layers_box = QGroupBox("Layers (the last one wins where several are active)")
        layers_layout = QHBoxLayout(layers_box)
        layers_layout.addLayout(side)
        layers_layout.addWidget(self.layer_form, 1)

        # overrides
        self.overrides = QTableWidget(0, 4)
        self.overrides.setHorizontalHeaderLabels(("Person", "From", "Until", "Note"))
        self.overrides.verticalHeader().setVisible(False)
        self.overrides.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.overrides.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for o in data.get("overrides", []):
            self._add_override_row(o["person"], _local_text(o["start"], zone), _local_text(o["end"], zone),
                                   o.get("note", ""))
        self.add_override_button = QPushButton("Add override")
        self.remove_override_button = QPushButton("Remove override")
        overrides_box = QGroupBox("Overrides (win over every layer)")
        ov = QVBoxLayout(overrides_box)
        ov.addWidget(self.overrides)
        ov_buttons = QHBoxLayout()
        ov_buttons.addWidget(self.add_override_button)
        ov_buttons.addWidget(self.remove_override_button)
        ov_buttons.addStretch(1)
        ov.addLayout(ov_buttons)

        self.errors = QLabel()
        self.errors.setWordWrap(True)
        self.errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors.setStyleSheet("QLabel { color: #a50e0e; background: #fce8e6; padding: 6px; border-radius: 4px; }")
        self.errors.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(layers_box, 3)
        layout.addWidget(overrides_box, 2)
        layout.addWidget(self.errors)
        layout.addWidget(self.buttons)

        self.add_layer_button.clicked.connect(self.add_layer)
        self.remove_layer_button.clicked.connect(self.remove_layer)
        self.up_button.clicked.connect(self.move_layer_up)
        self.add_override_button.clicked.connect(lambda: self._add_override_row("", "", "", ""))
        self.remove_override_button.clicked.connect(self._remove_override)
        self.layer_list.currentRowChanged.connect(self._show_layer)
        for edit in (self.name, self.layer_name, self.layer_start, self.handoff, self.restrictions, self.lead):
            edit.textChanged.connect(self._changed)
        self.members.textChanged.connect(self._changed)
        self.turn.currentTextChanged.connect(self._changed)
        self.zone.currentTextChanged.connect(self._changed)
        self.backup.currentTextChanged.connect(self._changed)
        self.overrides.itemChanged.connect(lambda _item: self._changed())
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("Ctrl+L"), self, self.add_layer)

        self._refresh_list()
        if self.layers:
            self.layer_list.setCurrentRow(0)
        else:
            self.layer_form.setEnabled(False)
        self.validate()

    # -------------------------------------------------------------- layers
    @staticmethod
    def _layer_form(layer: dict[str, Any], zone: str) -> dict[str, str]:
        return {"name": layer["name"], "members": "\n".join(layer["members"]),
                "start": _local_text(layer["start"], zone),
                "turn_length": _TURN_NAMES.get(str(layer["turn_length"]), str(layer["turn_length"])),
                "handoff_time": layer.get("handoff_time") or "",
                "restrictions": restrictions_text(layer.get("restrictions") or []),
                "end": layer.get("end") or ""}

    def _refresh_list(self) -> None:
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        for layer in self.layers:
            self.layer_list.addItem(layer["name"] or "(unnamed)")
        self.layer_list.blockSignals(False)
        if 0 <= self._current < len(self.layers):
            self.layer_list.setCurrentRow(self._current)

    def _show_layer(self, index: int) -> None:
        self._current = index
        self.layer_form.setEnabled(index >= 0)
        if index < 0:
            return
        layer = self.layers[index]
        self._loading = True
        try:
            self.layer_name.setText(layer["name"])
            self.members.setPlainText(layer["members"])
            self.layer_start.setText(layer["start"])
            self.turn.setCurrentText(layer["turn_length"])
            self.handoff.setText(layer["handoff_time"])
            self.restrictions.setText(layer["restrictions"])
        finally:
            self._loading = False

    def _store_current(self) -> None:
        if 0 <= self._current < len(self.layers):
            layer = self.layers[self._current]
            layer.update(name=self.layer_name.text().strip(), members=self.members.toPlainText(),
                         start=self.layer_start.text().strip(), turn_length=self.turn.currentText().strip(),
                         handoff_time=self.handoff.text().strip(), restrictions=self.restrictions.text().strip())
            item = self.layer_list.item(self._current)
            if item is not None:
                item.setText(layer["name"] or "(unnamed)")

    def add_layer(self) -> None:
        self._store_current()
        start = datetime.now(zone_of(self._zone_or_utc())).replace(hour=9, minute=0, second=0, microsecond=0)
        self.layers.append({"name": f"Layer {len(self.layers) + 1}", "members": "", "start": start.strftime(_LOCAL_FMT),
                            "turn_length": "weekly", "handoff_time": "09:00", "restrictions": "", "end": ""})
        self._current = len(self.layers) - 1
        self._refresh_list()
        self._show_layer(self._current)
        self.members.setFocus()
        self.validate()

    def remove_layer(self) -> None:
        if 0 <= self._current < len(self.layers):
            del self.layers[self._current]
            self._current = min(self._current, len(self.layers) - 1)
            self._refresh_list()
            self._show_layer(self._current)
            self.validate()

    def move_layer_up(self) -> None:
        i = self._current
        if i > 0:
            self._store_current()
            self.layers[i - 1], self.layers[i] = self.layers[i], self.layers[i - 1]
            self._current = i - 1
            self._refresh_list()
            self.validate()

    # ------------------------------------------------------------ overrides
    def _add_override_row(self, person: str, start: str, end: str, note: str) -> None:
        row = self.overrides.rowCount()
        self.overrides.insertRow(row)
        for col, value in enumerate((person, start, end, note)):
            self.overrides.setItem(row, col, QTableWidgetItem(value))

    def _remove_override(self) -> None:
        rows = sorted({i.row() for i in self.overrides.selectedItems()}, reverse=True)
        for row in rows:
            self.overrides.removeRow(row)
        self.validate()

    # ------------------------------------------------------------ validation
    def _zone_or_utc(self) -> str:
        try:
            zone_of(self.zone.currentText().strip())
            return self.zone.currentText().strip()
        except RotationError:
            return "UTC"

    def _changed(self) -> None:
        if not self._loading:
            self._store_current()
            self.validate()

    def definition(self) -> dict[str, Any]:
        """The fields as the stored JSON form; raises EditorError for fields it cannot read."""
        zone = self.zone.currentText().strip()
        zone_of(zone)
        layers = []
        for n, layer in enumerate(self.layers):
            where = f"layer {n + 1} ('{layer['name'] or 'unnamed'}')"
            try:
                restrictions = parse_restrictions(layer["restrictions"])
                start = _instant_from(layer["start"], zone, "start")
            except (EditorError, RotationError) as exc:
                raise EditorError(f"{where}: {exc}") from None
            layers.append({"name": layer["name"], "members": [m.strip() for m in layer["members"].splitlines()
                                                             if m.strip()],
                           "start": start, "turn_length": layer["turn_length"] or "weekly",
                           "handoff_time": layer["handoff_time"] or None, "restrictions": restrictions,
                           "end": layer["end"] or None})
        overrides = []
        for row in range(self.overrides.rowCount()):
            cells = [(item.text().strip() if (item := self.overrides.item(row, c)) else "") for c in range(4)]
            if not any(cells):
                continue
            where = f"override {row + 1}"
            try:
                overrides.append({"person": cells[0], "start": _instant_from(cells[1], zone, "from"),
                                  "end": _instant_from(cells[2], zone, "until"), "note": cells[3]})
            except EditorError as exc:
                raise EditorError(f"{where}: {exc}") from None
        backup = self.backup.currentText()
        return {"name": self.name.text().strip(), "time_zone": zone, "layers": layers, "overrides": overrides,
                "backup": None if backup == NO_BACKUP else backup, "lead": self.lead.text().strip() or None}

    def schedule(self) -> Schedule:
        """The schedule the fields describe, or an error in words."""
        data = self.definition()
        if not data["name"]:
            raise EditorError("give the schedule a name")
        if not data["layers"] and not data["overrides"]:
            raise EditorError("add at least one layer (who takes turns) or an override")
        return Schedule.from_dict(data)

    def validate(self) -> Schedule | None:
        try:
            schedule = self.schedule()
        except (EditorError, RotationError) as exc:
            self.show_error(_sentence(str(exc)))
            self.save_button.setEnabled(False)
            return None
        self.show_error(None)
        self.save_button.setEnabled(True)
        return schedule

    def show_error(self, text: str | None) -> None:
        self.errors.setText(text or "")
        self.errors.setVisible(bool(text))

    def save(self) -> None:
        self._store_current()
        schedule = self.validate()
        if schedule is not None:
            self.save_button.setEnabled(False)
            self.on_save(schedule, self.original)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
