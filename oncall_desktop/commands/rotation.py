"""Commands: rotation import|show|shifts|export|fairness|load (issue 3)."""
from __future__ import annotations

from oncall_desktop.commands.common import AddCommand


def register(add: AddCommand) -> None:
    """Adds this area's subcommands (none yet)."""
