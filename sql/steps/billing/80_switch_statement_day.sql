-- A statement-day change takes effect from the next cycle: after the statement on the old
-- day, the new day applies (product-rules §3). Only the users with a change pending whose
-- statement day is D, through users_next_statement_day_idx (the pending changes only; the
-- day compared as smallint so that the index applies).
-- $1 date: the business date D
UPDATE users SET statement_day = next_statement_day, next_statement_day = NULL,
       statement_day_changed_date = NULL, updated_at = now(), last_change_date = $1::date
 WHERE next_statement_day IS NOT NULL AND statement_day = extract(day FROM $1::date)::smallint
