-- The abuse controls keyed by a keyed hash of the Telegram id (see storage/keys.py), so that
-- /forgetme keeps them without keeping who the person was: report limits count reports by
-- their reporter_key, /join lockouts and reporting blocks hold only the key. Existing rows are
-- keyed here with abuse_key(), a function the storage registers before migrating.

-- The installation's secret (unless config gives one) and a check value for it.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO secrets (name, value) SELECT 'abuse_key', abuse_key_secret()
WHERE abuse_key_secret() IS NOT NULL;
INSERT INTO secrets (name, value) VALUES ('abuse_key_check', abuse_key_check());

-- A report keeps its reporter's key when /forgetme replaces the reporter by the stand-in.
ALTER TABLE reports ADD COLUMN reporter_key TEXT;
UPDATE reports SET reporter_key = abuse_key(reporter_id) WHERE reporter_id != 0;
CREATE INDEX reports_by_reporter_key ON reports(reporter_key, created_at);

CREATE TABLE join_failures_keyed (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key  TEXT NOT NULL,
    at        TEXT NOT NULL
);
INSERT INTO join_failures_keyed (id, user_key, at)
SELECT id, abuse_key(user_id), at FROM join_failures;
DROP TABLE join_failures;
ALTER TABLE join_failures_keyed RENAME TO join_failures;
CREATE INDEX join_failures_by_key ON join_failures(user_key, at);

CREATE TABLE reporting_blocks_keyed (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    blocked_by  INTEGER NOT NULL,
    blocked_at  TEXT NOT NULL,
    lifted_by   INTEGER,
    lifted_at   TEXT
);
INSERT INTO reporting_blocks_keyed
    (id, user_key, reason, blocked_by, blocked_at, lifted_by, lifted_at)
SELECT id, abuse_key(user_id), reason, blocked_by, blocked_at, lifted_by, lifted_at
FROM reporting_blocks;
DROP TABLE reporting_blocks;
ALTER TABLE reporting_blocks_keyed RENAME TO reporting_blocks;
CREATE UNIQUE INDEX reporting_blocks_active ON reporting_blocks(user_key) WHERE lifted_at IS NULL;
