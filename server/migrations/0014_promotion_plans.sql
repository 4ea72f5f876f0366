-- Promotion plans 促销方案 (issue 7): saved by their owner (the plan's definition as JSON of
-- `domain::promotion::Draft`), submitted for approval, approved or rejected by a manager over the
-- owner's region, or by the director (or an admin). Drafts are seen by their owner only; a plan in
-- approval by the owner, the people who may decide on it, and the owner's supervisor. Synced
-- through the change feed (entity 'promotion').
CREATE TABLE promotion_plans (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    draft       TEXT NOT NULL,
    status      TEXT NOT NULL,
    decided_by  TEXT REFERENCES users(id),
    decided_at  BIGINT,
    note        TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX promotion_plans_owner ON promotion_plans(owner_id);
