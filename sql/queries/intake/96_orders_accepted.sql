-- In a sharded group's load, before the shard commits: each accepted order and its user, for the group's order directory (refunds follow it).
SELECT c1, c2 FROM intake_verdict WHERE reason IS NULL
