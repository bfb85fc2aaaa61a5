-- Statistics on the pass's payer table, so that the planner sizes the join on it.
-- A temporary table is never analysed by autovacuum; without this the planner guesses
-- its row count and may pick a plan that reads every billed installment of the book.
ANALYZE pg_temp.bt_wf_pay
