-- Each refused settlement row names the field its reason is about.
UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_SETTLEMENT' THEN 'channel_txn_id'
 ELSE field END
