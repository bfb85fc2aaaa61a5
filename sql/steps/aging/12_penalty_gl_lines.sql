-- The journal lines of D's penalty: Dr 1124 / Cr 6012 the Σ fen per day of the runs open on D.
-- Product rules §8. After the two statements before, every installment overdue at the end
-- of D has exactly one open run, begun on or before D, and no closed run covers D (aging
-- closes runs through D − 1), so this is the exact Σ of the day's accruals, fen for fen what
-- one row per overdue installment would sum to. Read from installments_penalty_run_idx
-- (the fen per day is in the index).
-- $1 date: the business date D
WITH s AS (
  SELECT coalesce(sum(penalty_run_fen_per_day), 0)::bigint AS fen
    FROM installments WHERE penalty_run_from <= $1::date)
SELECT '1124' AS account_code, s.fen AS debit_fen, 0::bigint AS credit_fen FROM s
UNION ALL
SELECT '6012', 0, s.fen FROM s
