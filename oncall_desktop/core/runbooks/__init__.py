"""Runbooks and decision trees: the model, its YAML reader, and the bundled set."""
