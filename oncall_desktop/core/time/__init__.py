"""Time values and injectable clocks: the one place the core learns what time it is."""
