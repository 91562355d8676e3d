"""The workspace as the app sees it: wiring, the snapshot, settings, run and log bookkeeping."""
