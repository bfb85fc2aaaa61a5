-- Why: a sharded group's partners deliver into one spool, at the coordinator
-- (issue 16 §3). `baitiao intake` there routes each file over the shards
-- (group_loads), so the arrival it records names the group's load, not a row of
-- the coordinator's own load_files; the expected-files gate of the group's night
-- reads these arrivals as a single database's night reads its own. An arrival
-- names exactly one of the two, or neither when it was refused.
ALTER TABLE spool_arrivals
    ADD COLUMN group_load_id bigint REFERENCES group_loads (load_id);

ALTER TABLE spool_arrivals
    DROP CONSTRAINT spool_arrivals_check,
    ADD CONSTRAINT spool_arrivals_loaded_names_its_load
        CHECK ((outcome = 'REFUSED') = (file_id IS NULL AND group_load_id IS NULL)
               AND (file_id IS NULL OR group_load_id IS NULL));

COMMENT ON COLUMN spool_arrivals.group_load_id IS
    '集团装载 / at a sharded group''s coordinator: the group load that took the file (file_id is then NULL)';
