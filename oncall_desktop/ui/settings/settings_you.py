"""Settings → You: who uses this workspace, which zone times are shown in, start at login.

Why "who am I" matters: shift notices, "my next shift", the readiness check
and every "acknowledged by" note go by this name; a wrong one means the
notice for tonight goes to nobody.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_common import SettingsPage, Status

NOBODY = "— choose your name —"


class YouPage(SettingsPage):
    title = "You"

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.me = QComboBox()
        self.me.setToolTip("Shift notices, the readiness check and ack notes go by this name")
        self.me.setMinimumContentsLength(24)
        self.zone = QLabel("")
        self.zone.setWordWrap(True)
        self.me_status = Status()
        who = QGroupBox("Who am I")
        form = QFormLayout(who)
        form.addRow("&Name", self.me)
        form.addRow("Time zone", self.zone)
        form.addRow("", self.me_status)
        self.autostart = QCheckBox("Start oncall-desktop when I &log in")
        self.autostart.setToolTip("An on-call app that is not running after a reboot pages nobody")
        self.autostart_status = Status()
        login = QGroupBox("Start at login")
        login_layout = QVBoxLayout(login)
        login_layout.addWidget(self.autostart)
        login_layout.addWidget(self.autostart_status)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(login)
        layout.addStretch(1)
        self.me.activated.connect(self._save_me)
        self.autostart.toggled.connect(self._save_autostart)

    def fill(self, values: dict[str, Any]) -> None:
        people = [p["name"] for p in values.get("people", [])]
        me = values.get("me", "")
        if me and me not in people:
            people.append(me)
        self.me.clear()
        self.me.addItem(NOBODY, "")
        for name in people:
            self.me.addItem(name, name)
        self.me.setCurrentIndex(max(0, self.me.findData(me)))
        self.zone.setText(zone_text(values))
        self.autostart.setChecked(bool(values.get("autostart")))

    def _save_me(self, index: int) -> None:
        name = self.me.itemData(index) or ""
        if not name:
            self.me_status.fail("pick your own name: shift notices and ack notes go by it")
            return
        self.save(lambda p: p.set_me(name), self.me_status, lambda v: f"You are {v}")

    def _save_autostart(self, on: bool) -> None:
        self.save(lambda p: p.set_autostart(on), self.autostart_status,
                  lambda enabled: "starts when you log in" if enabled else "will not start by itself after a reboot")


def zone_text(values: dict[str, Any]) -> str:
    """Times are shown in this computer's zone; say so, and warn when my listed zone differs."""
    local = values.get("local_zone") or "UTC"
    text = f"Times are shown in {local} (this computer's zone)."
    me = values.get("me", "")
    listed = next((p.get("time_zone") for p in values.get("people", []) if p["name"] == me), None)
    if me and listed and listed != local:
        text += f" The team lists you in {listed}: set the computer's zone if you are travelling."
    return text
