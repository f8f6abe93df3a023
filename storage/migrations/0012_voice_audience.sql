-- Who may hear a report's voice description: 'office' (the default: a voice identifies its
-- speaker, and the grid member is a neighbour) or 'member' (the reporter allowed it). When only
-- the office may, the office can pass it on in words: voice_relay keeps those words.
ALTER TABLE reports ADD COLUMN voice_audience TEXT NOT NULL DEFAULT 'office';
ALTER TABLE reports ADD COLUMN voice_relay TEXT;

-- Files a person sent while putting a report together, so that drafts count against their
-- sender (a bounded number and size each), strays go after a day and /forgetme takes them.
-- A file stays listed until the daily purge; one a report uses is then only unlisted.
CREATE TABLE draft_files (
    path     TEXT PRIMARY KEY,
    user_id  INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    kept_at  TEXT NOT NULL
);
CREATE INDEX draft_files_by_user ON draft_files(user_id);

-- The days the office was warned that the media folder is filling up (once a day at most).
CREATE TABLE media_folder_warnings (
    day  TEXT PRIMARY KEY
);
