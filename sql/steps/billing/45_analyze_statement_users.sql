-- Planner statistics of the day's statement users, so their lines are read by index per user.
-- A temporary table has none until analyzed: without them the planner guesses its size and
-- may hash every BILLED installment of the book instead of probing the day's users' rows.
ANALYZE statement_users
