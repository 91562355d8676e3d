"""Allows ``python -m oncall_desktop``; the frozen build starts here too."""
from __future__ import annotations

import sys

from oncall_desktop.services.platform.frozen_env import restore_library_path

restore_library_path()  # before anything can start a program (frozen Linux builds only)

from oncall_desktop.commands.cli import main  # noqa: E402 — after the environment is put back

if __name__ == "__main__":
    sys.exit(main())
