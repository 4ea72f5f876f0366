-- Saved customer segments 客户细分 (issue 7): a segment keeps its definition (the rule and the
-- purchase period, JSON of `domain::segment::Rule`), not a list, so each device evaluates it over
-- the customers it may see. Shared ones are seen by the owner's team (everyone when the owner has
-- no team: managers, the director). Synced through the change feed (entity 'segment').
CREATE TABLE saved_segments (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    rule        TEXT NOT NULL,
    period_days INTEGER NOT NULL,
    shared      BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX saved_segments_owner ON saved_segments(owner_id);
