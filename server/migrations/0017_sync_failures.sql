-- A pushed mutation whose apply failed on the server (a fault such as a database error, not a
-- refusal): its tries are counted so that after a few it is set aside as rejected with reason
-- `server_error` instead of blocking every change queued behind it on the device.
CREATE TABLE sync_failures (
    user_id    TEXT NOT NULL REFERENCES users(id),
    client_id  TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    attempts   BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id, seq)
);
