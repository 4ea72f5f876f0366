-- Customers explicitly shared with a user beyond the owner (a rep sees own + shared).
CREATE TABLE customer_shares (
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shared_by   TEXT NOT NULL REFERENCES users(id),
    shared_at   BIGINT NOT NULL,
    PRIMARY KEY (customer_id, user_id)
);
CREATE INDEX customer_shares_user ON customer_shares(user_id);
