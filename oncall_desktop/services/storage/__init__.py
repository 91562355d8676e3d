"""The workspace file: the SQLite store, its migrations, paths and the store thread."""
