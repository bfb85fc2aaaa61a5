-- Statistics on the pass's allocations (pg_temp.bt_wf_alloc), for the statements that settle them.
-- Without them the planner guesses the work table's size and may read every loan or user
-- of the book to join a pass of a few rows (or none: the credit-balance pass of a quiet
-- night), a cost that grows with the book instead of with the day.
ANALYZE pg_temp.bt_wf_alloc
