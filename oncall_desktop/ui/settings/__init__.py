"""The Settings tab and its pages, editors and dialogs."""
