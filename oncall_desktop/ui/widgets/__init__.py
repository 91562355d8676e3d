"""Widgets and drawings shared by the tray and the tabs: icons, reusable table cells."""
