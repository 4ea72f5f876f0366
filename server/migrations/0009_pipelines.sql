-- Pipelines 销售流程 (issue 6): the stages, probabilities, criteria and stall limits of each sales
-- process an admin configures, stored as the shared `PipelineConfig` in JSON (read and checked by
-- `kedao_app::domain::pipeline`; one row per pipeline, in the admin's order). They travel with the
-- company's lists (the catalogue, sync counter 3). Starter pipelines: `kedao::catalog::ensure_starter`.
CREATE TABLE pipelines (
    code     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    config   TEXT NOT NULL
);

-- What the board and the funnel analytics read of a deal, kept on the deal so a device's first
-- sync needs no join: its pipeline; when it was last moved or worked on (stalled deals); every
-- stage it entered (`code@day;…`, filled from the stage history by `kedao::catalog::backfill_paths`
-- for deals older than this column); the criteria ticked (`stage.code,…`); its place in the
-- board column when someone placed it by hand; why it was lost.
ALTER TABLE opportunities ADD COLUMN pipeline TEXT NOT NULL DEFAULT 'project';
ALTER TABLE opportunities ADD COLUMN touched_at BIGINT;
ALTER TABLE opportunities ADD COLUMN path TEXT;
ALTER TABLE opportunities ADD COLUMN criteria TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN board_rank TEXT;
ALTER TABLE opportunities ADD COLUMN lost_reason TEXT;
CREATE INDEX opportunities_pipeline_stage ON opportunities(pipeline, stage);
CREATE INDEX activities_opportunity ON activities(opportunity_id);

UPDATE opportunities SET touched_at = stage_entered_at;
UPDATE opportunities SET touched_at = (SELECT MAX(a.occurred_at) FROM activities a WHERE a.opportunity_id = opportunities.id)
 WHERE EXISTS (SELECT 1 FROM activities a WHERE a.opportunity_id = opportunities.id AND a.occurred_at > opportunities.touched_at);
