"""Commands: connect, rules test (issue 4)."""
from __future__ import annotations

from oncall_desktop.commands.common import AddCommand


def register(add: AddCommand) -> None:
    """Adds this area's subcommands (none yet)."""
