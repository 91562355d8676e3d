"""CSV that a spreadsheet opens as data, never as formulas (no file I/O here).

Excel, LibreOffice and Google Sheets run a cell that begins with ``=``,
``+``, ``-`` or ``@`` as a formula, and a tab or carriage return in front
does not stop them, so a ticket titled ``=1+2+cmd.example`` would run
in the billing clerk's spreadsheet.  Following OWASP's advice on CSV
injection, such text cells get a leading single quote, which spreadsheets
show as text.  Numbers written as ``int``/``float`` stay as they are, so a
numeric column (minutes, cents, a negative correction) stays numeric; only
*text* is escaped, however number-like it looks.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any]) -> Any: ...


def safe_cell(value: Any) -> Any:
    """``value`` with a leading quote when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows pass through :func:`safe_cell` (every export writes through one)."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer: _Writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **options: Any) -> SafeWriter:
    """The one way to start a CSV export: ``csv.writer``'s options, formula cells escaped."""
    return SafeWriter(out, **options)
