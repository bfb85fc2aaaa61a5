-- One shard's part of the group import, in the decision's transaction.
-- $1 bigint: the group import
-- $2 text: the shard
-- $3 text: the part's manifest SHA-256 (hex)
-- $4 bigint: the part's users.csv rows
-- $5 bigint: its loans.csv rows
-- $6 bigint: its installments.csv rows
-- $7 bigint: its credit_balances.csv rows
INSERT INTO group_import_shards (load_id, shard, part_sha256, users, loans, installments, credit_balances)
VALUES ($1::bigint, $2, $3, $4::bigint, $5::bigint, $6::bigint, $7::bigint)
