"""After-hours billing: business-hours calendars, agreements, the clients file."""
