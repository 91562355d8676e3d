"""Intake to notification: poll, judge, page, notify; the stored pages and their clocks."""
