-- Calendar feeds: whose shifts a one-person feed lists (GoAlert's subscriptions name the
-- schedule, not the person), the Last-Modified a conditional download sends back, and the
-- last refresh attempt with why it failed ('' when it worked), for the Rotation tab.
ALTER TABLE rotation_sources ADD COLUMN person TEXT NOT NULL DEFAULT '';
ALTER TABLE rotation_sources ADD COLUMN last_modified TEXT NOT NULL DEFAULT '';
ALTER TABLE rotation_sources ADD COLUMN checked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE rotation_sources ADD COLUMN refresh_problem TEXT NOT NULL DEFAULT '';
