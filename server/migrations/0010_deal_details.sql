-- A deal's own facts beyond its stage (issue 6, `kedao_app::domain::deal`): competitors in the
-- running (comma-separated, like tags) and the one it was lost to; the value assessment (intent,
-- budget, competition: codes); the customer's contacts involved with their part
-- (`contact_id:role,…`); the next step with its date; the follow-up cadence in days.
ALTER TABLE opportunities ADD COLUMN competitors TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN lost_to TEXT;
ALTER TABLE opportunities ADD COLUMN intent TEXT;
ALTER TABLE opportunities ADD COLUMN budget TEXT;
ALTER TABLE opportunities ADD COLUMN competition TEXT;
ALTER TABLE opportunities ADD COLUMN deal_contacts TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN next_step TEXT;
ALTER TABLE opportunities ADD COLUMN next_step_date TEXT;
ALTER TABLE opportunities ADD COLUMN cadence_days BIGINT;
