-- Every write, field by field: who, when, from which device, what changed from what to what.
-- Append-only: the application has no statement that updates or deletes it.
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  TEXT NOT NULL REFERENCES users(id),
    device    TEXT,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, at);
