"""A shift seen whole: the handoff note and the insights computed from the event log."""
