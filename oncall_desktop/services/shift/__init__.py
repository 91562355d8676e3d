"""Handoffs and insights fed from one workspace."""
