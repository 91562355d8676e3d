-- Calendar feeds: whose shifts a one-person feed lists (GoAlert's subscriptions name the
-- schedule, not the person), and the Last-Modified a conditional download sends back.
ALTER TABLE rotation_sources ADD COLUMN person TEXT NOT NULL DEFAULT '';
ALTER TABLE rotation_sources ADD COLUMN last_modified TEXT NOT NULL DEFAULT '';
