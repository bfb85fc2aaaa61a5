-- One shard's part of a decided load: the file's lines routed to it.
-- $1 bigint: the group load
-- $2 text: the shard
-- $3 bigint: how many rows were routed to it
-- $4 text: the lines, as an integer[] literal
INSERT INTO group_load_shards (load_id, shard, rows_routed, lines) VALUES ($1::bigint, $2, $3::bigint, $4::integer[])
