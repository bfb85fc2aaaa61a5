-- Restores what 28_suspend_checks suspended: the indexes built over the imported rows,
-- the foreign keys re-added and so validated for every one of them.
SELECT bulk_load_restore()
