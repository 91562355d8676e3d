"""The operating system underneath: keyring, login autostart, frozen build, the GC."""
