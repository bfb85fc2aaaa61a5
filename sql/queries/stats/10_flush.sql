-- This connection's counts of rows changed reach the shared statistics only when it goes idle, at most once
-- a second; this makes the flush at the end of this statement unconditional. Run outside a transaction
-- block. Read after it: the planner statistics' refresh after each step (20_refresh: without it the step
-- that just wrote the day's rows is often not counted yet; measured, the aging step at 1M users planned for
-- one allocation of the day, 340 s instead of 10) and R11's reading of the row versions
-- (recon/06_read_row_versions).
SELECT pg_stat_force_next_flush()
