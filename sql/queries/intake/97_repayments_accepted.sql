-- In a sharded group's load, before the shard commits: each accepted repayment's channel and transaction, for the group's repayment directory (settlement lines follow it).
SELECT c5, c1 FROM intake_verdict WHERE reason IS NULL
