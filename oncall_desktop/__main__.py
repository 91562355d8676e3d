"""Allows ``python -m oncall_desktop``; the frozen build starts here too."""
from __future__ import annotations

import sys

from oncall_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
