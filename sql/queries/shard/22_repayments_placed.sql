-- The shards the repayments of a channel with these transaction ids went to; a settlement line follows its repayment.
-- $1 text[]: the channel's transaction ids
-- $2 text: the channel (upper case, as stored)
SELECT txn_id, shard FROM repayment_directory WHERE channel = $2 AND txn_id = ANY ($1::text[])
