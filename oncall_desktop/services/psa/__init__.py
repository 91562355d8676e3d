"""Ticket-system adapters: one module per vendor behind ``base.TicketSystem``."""
