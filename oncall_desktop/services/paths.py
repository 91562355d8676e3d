"""Where a workspace lives when none is named (kept tiny: the tray start imports it)."""
from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "oncall-desktop"


def default_workspace_dir() -> Path:
    """The user's own workspace (platformdirs), unless ONCALL_WORKSPACE says otherwise."""
    env = os.environ.get("ONCALL_WORKSPACE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
