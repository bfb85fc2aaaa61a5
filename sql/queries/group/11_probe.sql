-- Every attached member shard asked through its foreign server before a group read: shard, and
-- why it did not answer (NULL when it did). A member not attached yet is group recon G6's.
SELECT m.shard, group_probe(m.shard)
  FROM shard_members m
 WHERE to_regnamespace(quote_ident('shard_' || m.shard)) IS NOT NULL
 ORDER BY m.shard
