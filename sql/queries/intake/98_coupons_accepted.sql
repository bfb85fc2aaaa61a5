-- In a sharded group's load, before the shard commits: each accepted coupon and its user, for the group's coupon directory (a coupon id is issued once over the group).
SELECT c1, c2 FROM intake_verdict WHERE reason IS NULL
