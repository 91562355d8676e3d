"""Rotations stored in the workspace: calendars in and out, swaps, shift notices."""
