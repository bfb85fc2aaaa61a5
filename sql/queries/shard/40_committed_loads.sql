-- Decided loads not yet done, oldest first (a cut-over import is done by its own command: shard_import.h).
SELECT load_id FROM group_loads WHERE state = 'committed' AND kind <> 'import' ORDER BY load_id
