"""Where a workspace lives when none is named (kept tiny: the tray start imports it)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

APP_NAME = "oncall-desktop"


def default_workspace_dir() -> Path:
    """The user's own workspace (platformdirs), unless ONCALL_WORKSPACE says otherwise."""
    env = os.environ.get("ONCALL_WORKSPACE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_log_dir() -> Path:
    """Where the app's log file lives (platformdirs' user log folder), unless ONCALL_LOG_DIR says otherwise."""
    env = os.environ.get("ONCALL_LOG_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


# ------------------------------------------------------------- private files
#: What the app creates for its user alone: the workspace holds tickets, pages
#: and time worked; exports and handoffs carry client names and notes.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path | str) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder keeps its mode."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path | str) -> Path:
    """Make sure ``path`` exists and only its owner can read it (0600), without changing its content.

    An existing file that is already private is not touched (so a read-only
    folder is not written to); a looser one is tightened.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        mode = -1
    if mode != PRIVATE_FILE_MODE:
        os.chmod(path, PRIVATE_FILE_MODE)
    return path


def open_private(path: Path | str, mode: str = "w", **kw: Any) -> IO[Any]:
    """``open(path, mode, **kw)`` for a file only its owner may read: created 0600, tightened if it existed."""
    def opener(name: str, flags: int) -> int:
        fd = os.open(name, flags, PRIVATE_FILE_MODE)
        os.fchmod(fd, PRIVATE_FILE_MODE)
        return fd

    return open(path, mode, opener=opener, **kw)


def write_private(path: Path | str, text: str, encoding: str = "utf-8", newline: str | None = None) -> Path:
    """``Path.write_text`` for a file only its owner may read (exports, handoffs)."""
    with open_private(path, "w", encoding=encoding, newline=newline) as fh:
        fh.write(text)
    return Path(path)
