-- An order can be attributed to the promotion (an approved plan) it came from 归因 (issue 7, effect
-- evaluation): set on a device by whoever answers for the order's customer. Orders travel with
-- their customer, so an attribution reaches devices when the customer is sent again.
ALTER TABLE orders ADD COLUMN campaign_id TEXT REFERENCES promotion_plans(id);
CREATE INDEX orders_campaign ON orders(campaign_id);
