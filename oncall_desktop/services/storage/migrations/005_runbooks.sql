-- Issue 5 (runbooks): workspace runbooks with version history, team pack state.
-- Every save is a new row; the current text of a document is its highest version.
-- Rows are never updated or deleted: a revert saves the old text as a new version.
CREATE TABLE runbook_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('runbook', 'tree')),
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, doc_id, version)
);
CREATE TRIGGER runbook_versions_no_update BEFORE UPDATE ON runbook_versions
    BEGIN SELECT RAISE(ABORT, 'runbook history is append-only'); END;

-- The last accepted team pack (one row; the configured source and the last failure
-- are settings).  Its files are the offline cache, so the app
-- works from the last accepted pack when the URL cannot be reached.
CREATE TABLE team_pack (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    source TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    files TEXT NOT NULL DEFAULT '{}',
    synced_at TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
