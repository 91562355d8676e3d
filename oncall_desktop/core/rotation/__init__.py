"""Who is on call: schedules, swaps, fairness, and their iCalendar and TOML forms."""
