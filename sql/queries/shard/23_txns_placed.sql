-- The shards the repayments with these transaction ids went to, whatever their channel (a transaction id is applied once, ever: a row repeating one goes where the first went, whose shard rejects it DUPLICATE_TXN).
-- $1 text[]: the transaction ids
SELECT txn_id, min(shard) FROM repayment_directory WHERE txn_id = ANY ($1::text[]) GROUP BY txn_id
