"""Commands: time add|report|export, clients load (issue 7)."""
from __future__ import annotations

from oncall_desktop.commands.common import AddCommand


def register(add: AddCommand) -> None:
    """Adds this area's subcommands (none yet)."""
