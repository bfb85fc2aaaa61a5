-- Suspends the foreign keys, plain indexes and mark triggers of the tables the import fills (empty
-- ones only; migration bulk_load_suspension): the COPYs then write rows, not index
-- probes, and 36_restore_checks rebuilds and re-validates everything before the commit.
SELECT bulk_load_suspend(ARRAY['users', 'loans', 'installments'])
