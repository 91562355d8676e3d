"""The tray icon: the app's face at 3 AM.

Four states (off call, on call, on call but the ticket system is unreachable,
pages waiting with a count), a tooltip that
answers "who is on call and what is due next", a left click that opens the
window and a right-click menu for the actions a tired tech needs most.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.widgets.icons import TrayState, tray_icon

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import Snapshot

#: The snapshot parts the tray draws.
PARTS = ("pages", "offline_since", "me_on_call", "on_call", "rotation", "handoff_pending", "readiness", "timer")


def tray_state(snapshot: Snapshot) -> tuple[TrayState, int]:
    waiting = sum(1 for p in snapshot.pages if p.waiting)
    if waiting:
        return TrayState.PAGES, waiting
    if snapshot.offline_since and snapshot.me_on_call:
        return TrayState.OFFLINE, 0  # on call, and no new ticket can reach me: not green
    if snapshot.me_on_call:
        return TrayState.ON_CALL, 0
    return TrayState.OFF_CALL, 0


def tooltip_text(snapshot: Snapshot) -> str:
    lines = ["oncall-desktop"]
    for entry in snapshot.on_call:
        line = f"{entry.schedule}: {entry.person} now"
        if entry.next:
            line += f", next {entry.next}"
        if entry.backup:
            line += f", backup {entry.backup}"
        lines.append(line)
    mine = snapshot.rotation.my_next
    if mine and not mine.now:
        from oncall_desktop.services.app.now import local_stamp

        lines.append(f"Your next shift: {local_stamp(mine.start)} ({mine.schedule})")
    waiting = [p for p in snapshot.pages if p.waiting]
    if waiting:
        lines.append(f"{len(waiting)} page(s) waiting")
        timed = [p for p in waiting if p.ack_deadline is not None]
        nearest = min(timed, key=lambda p: p.ack_deadline or p.created) if timed else None
        if nearest:
            lines.append(f"Next deadline {nearest.ack_deadline_local}: {nearest.client} — {nearest.title}")
    if snapshot.offline_since:
        lines.append(f"Offline since {snapshot.offline_since} — showing cached tickets")
    if snapshot.handoff_pending is not None:
        lines.append(f"Handoff from {snapshot.handoff_pending.author} waiting — open the window to read it")
    if snapshot.readiness is not None and snapshot.readiness.shows_notice:
        lines.append(snapshot.readiness.headline)
    return "\n".join(lines)


class TrayController:
    """Owns the QSystemTrayIcon and keeps it in step with the snapshots."""

    def __init__(self, controller: AppController, open_window: Callable[[], None],
                 quit_app: Callable[[], None]) -> None:
        self.controller = controller
        self.icon = QSystemTrayIcon()
        self.icon.setIcon(tray_icon(TrayState.OFF_CALL))
        self.icon.setToolTip("oncall-desktop — opening workspace…")
        self.menu = QMenu()
        self.action_open = self._action("Open", open_window)

        def opening(action: Callable[..., object], *args: Any) -> Callable[[], None]:
            """A menu slot that opens the window, then runs ``action`` (no arguments: Qt passes none)."""
            def slot() -> None:
                open_window()
                action(*args)
            return slot
        self.menu.addSeparator()
        self.action_ack = self._action("Acknowledge latest", lambda: controller.acknowledge(None, origin="tray"))
        self.action_timer = self._action("Start timer", lambda: controller.toggle_timer(None))
        self.action_check = self._action("Check now", controller.check_now)
        self.menu.addSeparator()  # shift life: the window opens, then the dialog
        for text, kind in (("Write handoff…", "handoff"), ("Readiness check…", "readiness"),
                           ("Maintenance windows…", "maintenance")):
            self._action(text, opening(controller.sig_open_shift_dialog.emit, kind))
        self.action_find = self._action("Find runbook…", opening(controller.find_runbook))
        self.menu.addSeparator()
        self.action_quit = self._action("Quit", quit_app)
        # who is on call, at the top of the menu (information, not a command)
        self.action_on_call = QAction("Who is on call: opening workspace…", self.menu)
        self.action_on_call.setEnabled(False)
        self.menu.insertAction(self.action_open, self.action_on_call)
        self.menu.insertSeparator(self.action_open)
        # a failed pre-shift check (it runs by itself at shift start): one click opens the checklist
        self.action_readiness = QAction("", self.menu)
        self.action_readiness.setVisible(False)
        self.action_readiness.triggered.connect(
            opening(controller.sig_open_shift_dialog.emit, "readiness"))
        self.menu.insertAction(self.action_open, self.action_readiness)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._open_window = open_window
        self.state = TrayState.OFF_CALL
        self.count = 0
        self.troubles: dict[str, str] = {}
        controller.watch(self.menu, PARTS, lambda snapshot, _parts: self.update(snapshot))
        controller.sig_troubles.connect(self._troubles)

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def show(self) -> None:
        self.icon.show()

    def _troubles(self, troubles: dict[str, str]) -> None:
        self.troubles = dict(troubles)
        if self.controller.snapshot is not None:
            self.update(self.controller.snapshot)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._open_window()

    def update(self, snapshot: Snapshot) -> None:
        state, count = tray_state(snapshot)
        if (state, count) != (self.state, self.count):
            self.state, self.count = state, count
            self.icon.setIcon(tray_icon(state, count))
        self.icon.setToolTip("\n".join([tooltip_text(snapshot), *self.troubles.values()]))
        self.action_on_call.setText("; ".join(
            f"{e.schedule}: {e.person}" + (f" (backup {e.backup})" if e.backup else "")
            for e in snapshot.on_call) or "Nobody is on call")
        self.action_ack.setEnabled(count > 0)
        self.action_timer.setText("Stop timer" if snapshot.timer is not None else "Start timer")
        ready = snapshot.readiness
        show = ready is not None and ready.shows_notice
        self.action_readiness.setVisible(show)
        if show and ready is not None:
            self.action_readiness.setText(ready.headline)
