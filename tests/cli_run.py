"""Running the command line in-process, for the CLI tests.

In-process (not a subprocess) so a test can read the exit code and both streams in
milliseconds and pytest's ``capsys`` sees exactly what a technician would see.
"""
from __future__ import annotations

import pytest

from oncall_desktop.commands.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``oncall-desktop *argv``: the exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
