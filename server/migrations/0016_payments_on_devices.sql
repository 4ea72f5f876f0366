-- Each order now travels with its payment plan folded in — received so far and the next unpaid
-- instalment's due day (issue 7: a campaign's ROI counts attributed payments; the customer 360
-- view shows what is owed). Devices synced before this build hold orders without them: a new
-- organisation epoch makes each start over at its next pull.
UPDATE sync_counter SET value = value + 1 WHERE id = 2;
