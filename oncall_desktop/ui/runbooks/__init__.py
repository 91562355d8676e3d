"""The Runbooks tab: search, the triage walker, the editors."""
