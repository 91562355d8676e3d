"""The Time tab: the running timer and the time entries."""
