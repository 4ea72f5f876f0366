-- Failed sign-ins, for throttling per account and per client address. Kept in the database so
-- every server process sees the same counts.
CREATE TABLE login_failures (
    key       TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_key_time ON login_failures(key, failed_at);
