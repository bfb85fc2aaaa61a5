-- Users the directory places on each member shard, with when the shard was added.
SELECT m.shard, to_char(m.added_at, 'YYYY-MM-DD HH24:MI'), count(d.user_id)
  FROM shard_members m LEFT JOIN user_directory d ON d.shard = m.shard
 GROUP BY m.shard, m.added_at ORDER BY m.shard
