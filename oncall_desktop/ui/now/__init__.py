"""The Now tab: pages waiting, with their countdowns."""
