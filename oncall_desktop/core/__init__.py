"""The pure core: dataclasses and rules that take ``now``; no Qt, no I/O, no services."""
