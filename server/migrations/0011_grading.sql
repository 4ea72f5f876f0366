-- Customer grading 客户分级 (issue 7). The rules live in app_meta ('grading', JSON of
-- `domain::grading::GradingConfig`; absent: the starter rules). Every regrading is a run; each
-- customer whose grade it changed gets a history row.
CREATE TABLE grading_runs (
    id        TEXT PRIMARY KEY,
    -- 'YYYY-MM' for the month's scheduled run (unique: of several processes, one runs it);
    -- NULL for a run someone asked for.
    month     TEXT UNIQUE,
    run_at    BIGINT NOT NULL,
    run_by    TEXT REFERENCES users(id),
    config    TEXT NOT NULL,
    customers BIGINT NOT NULL,
    changed   BIGINT NOT NULL
);

CREATE TABLE customer_grade_history (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    run_id      TEXT NOT NULL REFERENCES grading_runs(id),
    from_grade  TEXT NOT NULL,
    to_grade    TEXT NOT NULL,
    -- The revenue or profit (fen) the grade was given for.
    value_fen   BIGINT NOT NULL
);
CREATE INDEX customer_grade_history_customer ON customer_grade_history(customer_id);
CREATE INDEX customer_grade_history_run ON customer_grade_history(run_id);
