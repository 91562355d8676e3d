"""The Rotation tab: timeline, schedule editor, swaps."""
