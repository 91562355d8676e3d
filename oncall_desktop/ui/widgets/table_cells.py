"""Table cells made once and updated in place, for tables redrawn from every snapshot.

Why: a view that puts a new ``QTableWidgetItem`` into each cell on every redraw
makes Qt delete the old ones, and PySide 6.11 keeps one reference to ``None``
for each method first called on an item it wraps (``setText``, ``font``,
``setBackground`` …): a few dozen a redraw, thousands an hour in a tray app
left running.  Harmless to ``None`` itself, but it hides real leaks from the
soak bench, and reusing the items spares the allocations too.  Callers reset
what they set conditionally (``clear_style``), since the item remembers it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

_STYLE_ROLES = (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole,
                Qt.ItemDataRole.ToolTipRole)


def cell(table: QTableWidget, row: int, col: int) -> QTableWidgetItem:
    """The table's item at (row, col), made the first time it is needed."""
    item = table.item(row, col)
    if item is None:
        item = QTableWidgetItem()
        table.setItem(row, col, item)
    return item


def clear_style(item: QTableWidgetItem) -> None:
    """Forget the colours, font and tooltip a previous redraw gave this item."""
    for role in _STYLE_ROLES:
        item.setData(role, None)


_bold: list[QFont] = []


def bold_font() -> QFont:
    """The application's font in bold (made once, after the application exists)."""
    if not _bold:
        font = QFont(QApplication.font())
        font.setBold(True)
        _bold.append(font)
    return _bold[0]
