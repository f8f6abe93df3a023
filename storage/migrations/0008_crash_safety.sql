-- Crash safety (issue 11): each report remembers the draft it was made from, at most once, so a
-- Submit handled twice (a re-delivered update, a double tap) finds the report it already made;
-- and the inbox keeps every update taken from Telegram until its handling is committed, so an
-- update confirmed to Telegram but cut short by a crash is handled once after the restart.

ALTER TABLE reports ADD COLUMN draft_id TEXT;
CREATE UNIQUE INDEX reports_by_draft ON reports(draft_id) WHERE draft_id IS NOT NULL;

CREATE TABLE inbox (
    update_id  INTEGER PRIMARY KEY,
    payload    TEXT NOT NULL,
    handled    INTEGER NOT NULL DEFAULT 0 CHECK (handled IN (0, 1))
);
CREATE INDEX inbox_unhandled ON inbox(handled, update_id);
