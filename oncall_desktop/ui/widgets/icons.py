"""Tray and window icons, drawn at run time.

Why drawn: the tray needs a badge with the live page count, and a drawn icon
with a light outline around a saturated fill reads on both light and dark
panels (a static PNG per count would not).  This module avoids the ``Qt``
namespace on purpose: its first use costs ~16 ms, and the tray icon is on
the start-up path.
"""
from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QIcon, QPainter, QPen, QPixmap


class TrayState(Enum):
    OFF_CALL = "off call"
    ON_CALL = "on call"
    PAGES = "pages waiting"
    OFFLINE = "ticket system unreachable"


_FILL = {
    TrayState.OFF_CALL: QColor("#7a8590"),
    TrayState.ON_CALL: QColor("#1e9e5a"),
    TrayState.PAGES: QColor("#d93025"),
    TrayState.OFFLINE: QColor("#b06000"),
}


def tray_icon(state: TrayState, count: int = 0, size: int = 64) -> QIcon:
    return QIcon(tray_pixmap(state, count, size))


def tray_pixmap(state: TrayState, count: int = 0, size: int = 64) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(QColor(0, 0, 0, 0))
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = size * 0.06
    rect = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    # dark outer ring + light inner ring: visible on light and dark panels alike
    p.setPen(QPen(QColor(20, 20, 20, 220), size * 0.06))
    p.setBrush(_FILL[state])
    p.drawEllipse(rect)
    p.setPen(QPen(QColor(255, 255, 255, 230), size * 0.03))
    p.setBrush(QBrush())
    inner = rect.adjusted(size * 0.06, size * 0.06, -size * 0.06, -size * 0.06)
    p.drawEllipse(inner)
    p.setPen(QColor("white"))
    if state is TrayState.PAGES and count > 0:
        text = str(count) if count < 100 else "99+"
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * (0.5 if len(text) == 1 else 0.38)))
        p.setFont(font)
        metrics = QFontMetricsF(font)
        box = metrics.tightBoundingRect(text)
        p.drawText(QPointF(rect.center().x() - box.width() / 2 - box.left(),
                           rect.center().y() - box.height() / 2 - box.top()), text)
    elif state is TrayState.OFFLINE:
        # a broken link: two bars with a gap, "the ticket system cannot reach you"
        p.setPen(QPen(QColor("white"), size * 0.09))
        c = rect.center()
        w = size * 0.16
        p.drawLine(QPointF(c.x() - 2.2 * w, c.y() + w), QPointF(c.x() - 0.5 * w, c.y() - w * 0.2))
        p.drawLine(QPointF(c.x() + 0.5 * w, c.y() + w * 0.2), QPointF(c.x() + 2.2 * w, c.y() - w))
    elif state is TrayState.ON_CALL:
        # a small bell clapper dot: "you are the one they will page"
        d = size * 0.22
        p.setBrush(QColor("white"))
        p.drawEllipse(QRectF(size / 2 - d / 2, size / 2 - d / 2, d, d))
    p.end()
    return pix


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(tray_pixmap(TrayState.ON_CALL, 0, size))
    return icon
