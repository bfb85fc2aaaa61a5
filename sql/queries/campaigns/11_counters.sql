-- What every stored campaign has used, locked until the load commits: a new budget may not
-- fall below what was consumed, nor a usage limit below the uses, and the night may not
-- consume more in between.
SELECT campaign_id, consumed_fen, uses FROM campaigns ORDER BY campaign_id FOR UPDATE
