"""Tickets and pages: the nouns every feature speaks."""
