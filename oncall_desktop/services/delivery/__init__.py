"""Writes to the ticket system: the durable, idempotent outbox."""
