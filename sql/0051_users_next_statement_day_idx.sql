-- Why: billing switches the statement day of the users whose change is pending and whose
-- old statement day is D (product-rules §3: a change takes effect from the next cycle).
-- users_statement_day_idx would visit every user with that statement day (a 28th of the
-- book each night) to find the few with a change pending; this partial index holds only
-- the pending changes, so the night touches the day's switching users only (issue 15 §2).
CREATE INDEX users_next_statement_day_idx ON users (statement_day) WHERE next_statement_day IS NOT NULL;
