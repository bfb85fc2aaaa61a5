-- The members of the group that the group's reads do not cover (no schema shard_NAME: never
-- attached), and whether the group's book (schema grp_book, sql/0068) exists: a report of the
-- group refuses to run rather than leave a shard's users out of its figures.
SELECT coalesce(string_agg(m.shard, ', ' ORDER BY m.shard), ''), to_regnamespace('grp_book') IS NOT NULL
  FROM shard_members m
 WHERE to_regnamespace(quote_ident('shard_' || m.shard)) IS NULL
