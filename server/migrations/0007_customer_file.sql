-- The full customer file (issue 5): the rest of a customer's profile, and contacts with their
-- part in the buying decision. Codes (source, satisfaction, role) are the stable codes of
-- `kedao_app::domain::catalog`; tags are stored canonical, comma-separated
-- (`kedao_app::domain::sync::normalize_tags`); a customer is hot while `hot_reason` is set.
ALTER TABLE customers ADD COLUMN short_name TEXT;
ALTER TABLE customers ADD COLUMN source TEXT;
ALTER TABLE customers ADD COLUMN address TEXT;
ALTER TABLE customers ADD COLUMN tags TEXT;
ALTER TABLE customers ADD COLUMN cooperation_since TEXT;
ALTER TABLE customers ADD COLUMN credit_limit_fen BIGINT;
ALTER TABLE customers ADD COLUMN satisfaction TEXT;
ALTER TABLE customers ADD COLUMN credit_code TEXT;
ALTER TABLE customers ADD COLUMN hot_reason TEXT;
CREATE INDEX customers_credit_code ON customers(credit_code);

ALTER TABLE contacts ADD COLUMN role TEXT;
ALTER TABLE contacts ADD COLUMN wechat TEXT;
ALTER TABLE contacts ADD COLUMN birthday TEXT;
ALTER TABLE contacts ADD COLUMN notes TEXT;
UPDATE contacts SET role = 'decision_maker' WHERE is_decision_maker;
