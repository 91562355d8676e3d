"""Shift dialogs: handoff, maintenance, readiness, and the shift menu."""
