"""oncall-desktop: the on-call technician's tray companion.

One package per layer, imports pointing down only: ``ui`` (Qt widgets) >
``services`` (I/O: the workspace, ticket systems, notifications) > ``core``
(pure Python, no Qt and no I/O, so every rule can be tested with fixed times;
tests enforce both).  ``commands`` is the command line.  Inside each layer, one
package per area: paging, rotation, runbooks, time, billing, shift.
"""
from __future__ import annotations

__version__ = "0.1.0"
