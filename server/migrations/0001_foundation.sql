-- Kedao's foundation schema. One file serves SQLite and PostgreSQL: only portable types are used
-- (TEXT, BIGINT, INTEGER, BOOLEAN). Ids are text (UUIDs) because clients create records offline.
-- Money is BIGINT fen. Instants are BIGINT Unix milliseconds; calendar dates are TEXT YYYY-MM-DD.

CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    id      TEXT PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE teams (
    id        TEXT PRIMARY KEY,
    region_id TEXT NOT NULL REFERENCES regions(id),
    name_zh   TEXT NOT NULL,
    name_en   TEXT NOT NULL
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    team_id              TEXT REFERENCES teams(id),
    manager_id           TEXT REFERENCES users(id),
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           BIGINT NOT NULL
);

-- The regions a manager is responsible for.
CREATE TABLE user_regions (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    region_id TEXT NOT NULL REFERENCES regions(id),
    PRIMARY KEY (user_id, region_id)
);

-- Server-side sessions: any server process can serve any request. Only a hash of the token is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE products (
    id             TEXT PRIMARY KEY,
    sku            TEXT NOT NULL UNIQUE,
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    unit           TEXT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    unit_cost_fen  BIGINT NOT NULL
);

CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_en       TEXT,
    kind          TEXT NOT NULL,
    region_id     TEXT NOT NULL REFERENCES regions(id),
    city          TEXT NOT NULL,
    industry      TEXT NOT NULL,
    size          TEXT NOT NULL,
    business_type TEXT NOT NULL,
    grade         TEXT NOT NULL,
    owner_id      TEXT NOT NULL REFERENCES users(id),
    phone         TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX customers_owner ON customers(owner_id);
CREATE INDEX customers_region ON customers(region_id);

CREATE TABLE contacts (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    name              TEXT NOT NULL,
    title             TEXT,
    phone             TEXT,
    email             TEXT,
    is_decision_maker BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contacts_customer ON contacts(customer_id);

CREATE TABLE opportunities (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    owner_id         TEXT NOT NULL REFERENCES users(id),
    title            TEXT NOT NULL,
    stage            TEXT NOT NULL,
    amount_fen       BIGINT NOT NULL,
    source           TEXT NOT NULL,
    expected_close   TEXT NOT NULL,
    closed_on        TEXT,
    stage_entered_at BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX opportunities_customer ON opportunities(customer_id);
CREATE INDEX opportunities_owner_stage ON opportunities(owner_id, stage);

CREATE TABLE opportunity_stage_history (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    from_stage     TEXT,
    to_stage       TEXT NOT NULL,
    changed_by     TEXT NOT NULL REFERENCES users(id),
    changed_at     BIGINT NOT NULL
);
CREATE INDEX stage_history_opportunity ON opportunity_stage_history(opportunity_id);

CREATE TABLE activities (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    opportunity_id TEXT REFERENCES opportunities(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    occurred_at    BIGINT NOT NULL
);
CREATE INDEX activities_customer ON activities(customer_id);
CREATE INDEX activities_user_time ON activities(user_id, occurred_at);

CREATE TABLE orders (
    id             TEXT PRIMARY KEY,
    order_no       TEXT NOT NULL UNIQUE,
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    opportunity_id TEXT REFERENCES opportunities(id),
    owner_id       TEXT NOT NULL REFERENCES users(id),
    order_date     TEXT NOT NULL,
    total_fen      BIGINT NOT NULL,
    cost_fen       BIGINT NOT NULL,
    status         TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE order_lines (
    id             TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL REFERENCES orders(id),
    product_id     TEXT NOT NULL REFERENCES products(id),
    quantity       BIGINT NOT NULL,
    unit_price_fen BIGINT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines(order_id);

CREATE TABLE payments (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    instalment  INTEGER NOT NULL,
    due_date    TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    paid_date   TEXT,
    paid_fen    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX payments_order ON payments(order_id);
CREATE INDEX payments_due ON payments(due_date);
