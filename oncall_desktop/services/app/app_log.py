"""The app's log file: rotated, private (0600), and never a secret in it.

Why a file at all: a tray app has no console, and "it went quiet at 3 AM" can
only be explained afterwards from what it wrote down.  Why the filter sits
on the handler: records from every logger (the poller's, a PSA adapter's,
a failed background job's traceback) pass through it before a byte is
written — a URL with ``user:password@``, an ``Authorization:`` header, a
``token=`` parameter or a secret the keyring holds for this workspace comes
out as ``***``.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from oncall_desktop.services.storage.paths import default_log_dir, open_private, private_dir

if TYPE_CHECKING:
    from oncall_desktop.services.storage.store import Store

LOG_NAME = "oncall-desktop.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"

_PATTERNS = (
    # scheme://user:password@host → scheme://***@host
    (re.compile(r"(?<=://)[^/\s@:]+:[^/\s@]*@"), MASK + "@"),
    # Authorization: Bearer abc / Basic abc= (header or dict repr), to the end of the value
    (re.compile(r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?)[^\r\n'\",;]+"), r"\1" + MASK),
    # token=…, apikey=…, api_key: …, password=…, secret=… in query strings, JSON and messages
    (re.compile(r"(?i)(\b(?:access_|refresh_)?(?:token|api[_-]?key|apikey|password|passwd|secret)['\"]?\s*[=:]\s*"
                r"['\"]?)[^\s&'\",;}]+"), r"\1" + MASK),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with credentials masked: known secrets first, then anything that looks like one."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks credentials in a record's message and traceback before any handler writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler whose files (the current one and each new one after a rollover) are 0600."""

    def _open(self) -> IO[Any]:  # type: ignore[override]
        return open_private(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors)


#: One filter for the process: secrets learnt later reach the installed handler.
FILTER = RedactingFilter()


def add_secret(secret: str | None) -> None:
    """Never write ``secret`` to the log (call it with each secret the app reads from the keyring)."""
    if secret and len(secret) >= 4:  # shorter would mask ordinary words
        FILTER.secrets.add(secret)


def remember_workspace_secrets(store: Store) -> int:
    """Masks the ticket system's stored secret for this workspace; returns how many were learnt.

    It asks the keyring (which may wait on D-Bus): call it off the GUI
    thread, once after the store is open and again after Settings connects a
    new system. A keyring that cannot be read teaches nothing.
    """
    try:
        from oncall_desktop.services.platform import credentials
        from oncall_desktop.services.psa import ticket_systems
        conn = ticket_systems.load(store)
        secret = credentials.get_secret(conn.kind, conn.account) if conn.kind and conn.account else None
    except Exception:  # noqa: BLE001 — no keyring, no system configured: nothing to mask
        return 0
    before = len(FILTER.secrets)
    add_secret(secret)
    return len(FILTER.secrets) - before


def log_path(directory: Path | str | None = None) -> Path:
    """The current log file in ``directory`` (default: the user's log folder)."""
    return Path(directory or default_log_dir()) / LOG_NAME


def install(directory: Path | str | None = None, level: int = logging.INFO) -> Path:
    """Send the process's logging to the rotated, private, redacted file; returns its path.

    Idempotent: a second call replaces the handler (e.g. another folder).
    """
    path = log_path(private_dir(directory or default_log_dir()))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _PrivateRotatingFileHandler)]:
        root.removeHandler(old)
        old.close()
    handler = _PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(FILTER)
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def uninstall() -> None:
    """Close the log file (tests; the app simply exits)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _PrivateRotatingFileHandler)]:
        root.removeHandler(old)
        old.close()


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of the log, reaching into the previous rotated file when the current is short."""
    files = [path.with_name(f"{path.name}.1"), path]
    kept: deque[str] = deque(maxlen=max(lines, 0))
    for file in files:
        try:
            with file.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    kept.append(line.rstrip("\n"))
        except FileNotFoundError:
            continue
    return list(kept)
