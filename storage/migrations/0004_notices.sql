-- Office notices to many people: where villagers live, whether they want notices, who can no
-- longer be reached, the notices themselves, and one outbox row per (notice, recipient).

ALTER TABLE users ADD COLUMN home_hamlet_id TEXT;
ALTER TABLE users ADD COLUMN home_asked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN notices_on INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN unreachable_since TEXT;

CREATE INDEX users_by_home ON users(home_hamlet_id);

CREATE TABLE notices (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id            INTEGER NOT NULL,
    audience             TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
    file_id              TEXT,
    texts                TEXT NOT NULL,
    state                TEXT NOT NULL
                         CHECK (state IN ('scheduled', 'sending', 'done', 'cancelled')),
    send_at              TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    started_at           TEXT,
    finished_at          TEXT,
    recipients           INTEGER NOT NULL DEFAULT 0,
    progress_chat_id     INTEGER,
    progress_message_id  INTEGER
);

CREATE INDEX notices_by_state ON notices(state, send_at);

ALTER TABLE outbox ADD COLUMN notice_id INTEGER REFERENCES notices(id);
ALTER TABLE outbox ADD COLUMN outcome TEXT;

CREATE INDEX outbox_by_chat ON outbox(chat_id, id);
-- Claiming walks pending rows in (priority, id) order and stops at the first few due ones.
DROP INDEX outbox_due;
CREATE INDEX outbox_next ON outbox(state, priority, id);
CREATE INDEX outbox_by_notice ON outbox(notice_id, state, outcome);
