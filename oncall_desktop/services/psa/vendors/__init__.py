"""One adapter per ticket system, each behind ``base.TicketSystem``."""
