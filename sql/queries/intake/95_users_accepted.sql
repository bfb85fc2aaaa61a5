-- In a sharded group's load, before the shard commits: the users this file's accepted rows name, for the group's directory.
SELECT DISTINCT c1, NULL::text FROM intake_verdict WHERE reason IS NULL
