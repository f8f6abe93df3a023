-- Roles bound by invitation, the office's audit log, reporting blocks, and what /forgetme needs:
-- events whose actor can be erased.

-- One row per role a person holds through an invitation (config.toml roles are not stored here).
-- scope: a hamlet id (grid member), a village id (village lead), a department key (department
-- member) or '' (office admin). A revoked row is kept, with who revoked it and when.
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    role        TEXT NOT NULL
                CHECK (role IN ('grid_member', 'village_lead', 'department_member', 'office_admin')),
    scope       TEXT NOT NULL DEFAULT '',
    granted_by  INTEGER NOT NULL,
    granted_at  TEXT NOT NULL,
    invitation  INTEGER REFERENCES invitations(id),
    revoked_by  INTEGER,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX roles_active ON roles(user_id, role, scope) WHERE revoked_at IS NULL;

-- A one-time code: only its SHA-256 is stored. scopes: a JSON list (see roles.scope).
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash   TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

-- Wrong /join codes, for the lockout (5 in an hour locks /join for an hour by default).
CREATE TABLE join_failures (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  INTEGER NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX join_failures_by_user ON join_failures(user_id, at);

-- The command menu last set for a person's chat, so it is set again only when it changes.
CREATE TABLE command_menus (
    user_id    INTEGER PRIMARY KEY,
    signature  TEXT NOT NULL
);

-- Office actions, append-only: who did what to what, and when.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_recent ON audit_log(id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- People the office stopped from reporting; lifting a block keeps the row.
CREATE TABLE reporting_blocks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    blocked_by  INTEGER NOT NULL,
    blocked_at  TEXT NOT NULL,
    lifted_by   INTEGER,
    lifted_at   TEXT
);
CREATE UNIQUE INDEX reporting_blocks_active ON reporting_blocks(user_id) WHERE lifted_at IS NULL;

-- The event log stays append-only, except that /forgetme may erase an event's actor.
DROP TRIGGER report_events_no_update;
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
WHEN NOT (NEW.actor_id IS NULL AND NEW.id = OLD.id AND NEW.report_id = OLD.report_id
          AND NEW.at = OLD.at AND NEW.from_state IS OLD.from_state
          AND NEW.to_state = OLD.to_state AND NEW.note IS OLD.note)
BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END;
