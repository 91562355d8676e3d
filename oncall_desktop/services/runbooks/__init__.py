"""The runbook library: bundled, workspace and team-pack content, search, history."""
