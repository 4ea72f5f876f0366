-- The sync feed (see server/src/changes.rs and server/src/http/sync.rs).
-- Counters: id 1 = the change sequence, id 2 = the organisation epoch (bumped when visibility
-- changes wholesale, e.g. a user moves team; clients then re-sync from scratch). Taking the next
-- number updates the row, which locks it until commit: numbers are handed out in commit order,
-- also with several server processes on one PostgreSQL, so a pull never skips a late commit.
CREATE TABLE sync_counter (
    id    INTEGER PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO sync_counter (id, value) VALUES (1, 0);
INSERT INTO sync_counter (id, value) VALUES (2, 0);

-- One row per change to a synced record.
CREATE TABLE change_log (
    seq       BIGINT PRIMARY KEY,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX change_log_entity ON change_log(entity, entity_id);

-- What each pushed mutation came to, so a replayed batch returns the same results and changes
-- nothing (idempotency by user, device and sequence number).
CREATE TABLE sync_applied (
    user_id   TEXT NOT NULL REFERENCES users(id),
    client_id TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    result    TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id, seq)
);

-- The devices that push; writing a device's row first serialises its concurrent pushes.
CREATE TABLE sync_clients (
    user_id      TEXT NOT NULL REFERENCES users(id),
    client_id    TEXT NOT NULL,
    last_push_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- A value that a later push overwrote, shown to the user who had set it.
CREATE TABLE sync_conflicts (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id),
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    field          TEXT NOT NULL,
    their_value    TEXT,
    current_value  TEXT,
    original_value TEXT,
    at             BIGINT NOT NULL,
    resolved       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sync_conflicts_user ON sync_conflicts(user_id, resolved);
