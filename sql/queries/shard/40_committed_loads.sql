-- Decided loads not yet done, oldest first.
SELECT load_id FROM group_loads WHERE state = 'committed' ORDER BY load_id
