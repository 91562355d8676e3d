"""Commands: runbooks validate|search, tree walk (issue 6)."""
from __future__ import annotations

from oncall_desktop.commands.common import AddCommand


def register(add: AddCommand) -> None:
    """Adds this area's subcommands (none yet)."""
