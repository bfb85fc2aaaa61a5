-- The good users rows create or update their users (product-rules §12).
-- A user row for an existing user updates limit, status and contact data; a new statement
-- day takes effect from the next cycle (next_statement_day). Within one file the last row of
-- a user wins. A new user's dates are the open business date, else the day after the last.
-- $1 bigint: the load_files id of the file
INSERT INTO users AS u (user_id, credit_limit_fen, statement_day, status, name_masked, phone_masked,
                       created_date, last_change_date, last_file_id)
SELECT DISTINCT ON (c1) c1, c2::bigint, c3::smallint, c4, nullif(c5, ''), nullif(c6, ''),
       b.d, b.d, $1::bigint
  FROM intake_verdict,
       (SELECT coalesce(max(business_date) FILTER (WHERE status = 'OPEN'), max(business_date) + 1,
                        current_date) AS d FROM business_calendar) b
 WHERE reason IS NULL ORDER BY c1, line_no DESC
ON CONFLICT (user_id) DO UPDATE SET
  credit_limit_fen = excluded.credit_limit_fen, status = excluded.status,
  name_masked = excluded.name_masked, phone_masked = excluded.phone_masked,
  next_statement_day = CASE WHEN excluded.statement_day <> u.statement_day THEN excluded.statement_day END,
  statement_day_changed_date = CASE WHEN excluded.statement_day <> u.statement_day
                                    THEN excluded.last_change_date END,
  last_change_date = excluded.last_change_date, last_file_id = excluded.last_file_id, updated_at = now()
