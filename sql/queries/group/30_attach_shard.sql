-- Attaches shard NAME to the group's reads (baitiao shard add, as the owner): its foreign server
-- shard_NAME (made or its connection updated), the three roles' user mappings where missing, its
-- tables imported afresh as foreign tables in schema shard_NAME, and the views of schema grp rebuilt
-- over every attached member (sql/0067). Returns how many shards the views cover.
-- $1 text: the shard's name (a member: shard_members)
-- $2 text: its host or unix-socket directory
-- $3 text: its port
-- $4 text: its database
SELECT group_attach_shard($1, $2, $3, $4)
