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

from PySide6.QtCore import QItemSelectionModel, Qt
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


def show_rows(table: QTableWidget, count: int) -> None:
    """Show the first ``count`` rows; rows beyond are hidden, not removed, so their items are reused.

    Why: a list whose length moves by one (a page resolved, another opened)
    would otherwise delete a row's items and make new ones every time.  The
    table keeps as many rows as it ever showed at once — bounded by the
    longest list — and a hidden row forgets its data and leaves the selection.
    """
    if table.rowCount() < count:
        table.setRowCount(count)
    model = table.model()
    for row in range(table.rowCount()):
        hidden = row >= count
        if table.isRowHidden(row) != hidden:
            table.setRowHidden(row, hidden)
        if hidden:
            for col in range(table.columnCount()):
                item = table.item(row, col)
                if item is not None and item.isSelected():
                    table.selectionModel().select(model.index(row, col),
                                                  QItemSelectionModel.SelectionFlag.Deselect)
                if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
                    item.setData(Qt.ItemDataRole.UserRole, None)


def visible_rows(table: QTableWidget) -> int:
    """The rows a user sees (``rowCount`` also counts the hidden ones kept for reuse)."""
    return sum(1 for row in range(table.rowCount()) if not table.isRowHidden(row))


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
