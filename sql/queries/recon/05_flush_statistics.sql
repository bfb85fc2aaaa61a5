-- Before R11's reading (06_read_row_versions): this connection's own counts of rows changed (the
-- night's steps ran on it) reach the shared statistics only when it goes idle, at most once a
-- second; this makes the flush at the end of this statement unconditional. Run outside a
-- transaction block, just before the reading.
SELECT pg_stat_force_next_flush()
