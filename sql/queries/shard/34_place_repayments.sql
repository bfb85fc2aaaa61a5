-- Records the shard of the repayments a shard accepted in this load (their settlement lines go there).
-- $1 text[]: the channels
-- $2 text[]: the transaction ids, in the same order
-- $3 text: the shard
-- $4 bigint: the group load
INSERT INTO repayment_directory (channel, txn_id, shard, load_id)
SELECT c, t, $3, $4::bigint FROM unnest($1::text[], $2::text[]) AS x (c, t)
ON CONFLICT (channel, txn_id) DO NOTHING
