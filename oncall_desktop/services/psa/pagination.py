"""Reading a vendor's list answer to the end: cursors, page numbers or offsets.

Why apart from the HTTP layer: paging is the same loop for every vendor and
only needs a ``fetch`` function, so it is tested with plain lists; a loop that
never ends (a repeating cursor, endless pages) is a typed error, not a hang.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError

T = TypeVar("T")
C = TypeVar("C")


def walk_pages(fetch: Callable[[C | None], tuple[Sequence[T], C | None]], *, system: str,
               max_pages: int = 2000) -> Iterator[T]:
    """Yield items page by page until ``fetch`` returns no next cursor.

    ``fetch(None)`` reads the first page; a cursor that repeats means the
    server loops, which is reported rather than followed forever.
    """
    cursor: C | None = None
    seen: set[Any] = set()
    for _ in range(max_pages):
        items, nxt = fetch(cursor)
        yield from items
        if nxt is None:
            return
        if nxt in seen:
            raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"{system}: paging went in a circle (page {nxt!r} "
                                    "came twice); the results were not read to the end.")
        seen.add(nxt)
        cursor = nxt
    raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"{system}: more than {max_pages} pages of results; "
                            "narrow the query (e.g. a board or project filter) in Settings.")


def by_page_number(get: Callable[[int], Sequence[T]], size: int,
                   first: int = 1) -> Callable[[int | None], tuple[Sequence[T], int | None]]:
    """A ``walk_pages`` fetcher for page/per_page APIs: a short page is the last."""
    def fetch(page: int | None) -> tuple[Sequence[T], int | None]:
        number = first if page is None else page
        items = get(number)
        return items, (number + 1 if len(items) >= size and items else None)
    return fetch


def by_offset(get: Callable[[int], tuple[Sequence[T], int]]) -> Callable[[int | None], tuple[Sequence[T], int | None]]:
    """A ``walk_pages`` fetcher for offset/limit APIs that report a total."""
    def fetch(offset: int | None) -> tuple[Sequence[T], int | None]:
        start = offset or 0
        items, total = get(start)
        after = start + len(items)
        return items, (after if items and after < total else None)
    return fetch
