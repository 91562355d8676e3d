"""oncall-desktop: the on-call technician's tray companion.

The package root is the *core*: pure Python, no Qt and no I/O (a test enforces
the Qt part), so every rule can be tested with fixed times.
"""
from __future__ import annotations

__version__ = "0.1.0"
