"""A view's own second hand: moves its countdowns from the deadlines it holds.

Why in the view: a countdown changes every second but the facts behind it
(a deadline, the instant a timer started) change only when something
happens.  So the snapshot carries the instants and each view ticks its few
countdown cells itself; no snapshot is rebuilt or re-sent for a second to
pass.  The ticker runs only while its view is on screen and has something
to count, so a window hidden in the tray costs nothing.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

TICK_MS = 1000


class CountdownTicker(QObject):
    def __init__(self, view: QWidget, tick: Callable[[], None], interval_ms: int = TICK_MS) -> None:
        super().__init__(view)
        self.view = view
        self.tick = tick
        self.counting = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(tick)
        view.installEventFilter(self)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def count(self, counting: bool) -> None:
        """Say whether the view has a countdown to move now (after each redraw)."""
        self.counting = counting
        self._follow()

    def _follow(self) -> None:
        run = self.counting and self.view.isVisible()
        if run and not self.timer.isActive():
            self.timer.start()
        elif not run:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 — Qt override
        if watched is self.view and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            if event.type() == QEvent.Type.Show:
                self.tick()  # the countdowns stood still while hidden
            self._follow()
        return False
