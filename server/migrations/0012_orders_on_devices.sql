-- Orders now travel to devices with their customers (issue 7: segments, RFM and promotion
-- baselines are computed from the replica). Devices synced before this build hold customers
-- without orders: a new organisation epoch makes each start over at its next pull.
UPDATE sync_counter SET value = value + 1 WHERE id = 2;
