-- The core report loop: people, reports with their evidence, the append-only event log,
-- the notification outbox and the chat framework's persisted conversations.

CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,
    language    TEXT,
    first_name  TEXT NOT NULL DEFAULT '',
    username    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE reports (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id      INTEGER NOT NULL REFERENCES users(user_id),
    category         TEXT NOT NULL,
    state            TEXT NOT NULL,
    latitude         REAL,
    longitude        REAL,
    location_source  TEXT NOT NULL,
    hamlet_id        TEXT,
    village_id       TEXT,
    description      TEXT,
    duplicate_of     INTEGER REFERENCES reports(id),
    created_at       TEXT NOT NULL,
    assigned_at      TEXT,
    ack_due_at       TEXT,
    fix_due_at       TEXT,
    accepted_by      INTEGER,
    fixed_at         TEXT,
    fix_note         TEXT,
    closed_at        TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX reports_by_state ON reports(state, fix_due_at);
CREATE INDEX reports_by_reporter ON reports(reporter_id, id);
CREATE INDEX reports_by_hamlet ON reports(hamlet_id, state);
CREATE INDEX reports_by_category_place ON reports(category, latitude, longitude);
CREATE INDEX reports_by_duplicate ON reports(duplicate_of);

CREATE TABLE report_media (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id       INTEGER NOT NULL REFERENCES reports(id),
    role            TEXT NOT NULL CHECK (role IN ('photo', 'voice', 'after_photo')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    local_path      TEXT,
    position        INTEGER NOT NULL
);
CREATE INDEX report_media_by_report ON report_media(report_id, role, position);

CREATE TABLE report_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX report_events_by_report ON report_events(report_id, id);
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END;
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END;

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id          INTEGER NOT NULL,
    priority         INTEGER NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'dropped')),
    parts_done       INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    finished_at      TEXT,
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox(state, priority, next_attempt_at, id);

CREATE TABLE conversations (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,
    state  TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE TABLE user_data (
    user_id  INTEGER PRIMARY KEY,
    data     TEXT NOT NULL
);
