"""The desktop underneath: display and Qt probes, D-Bus notifications, the self-test."""
