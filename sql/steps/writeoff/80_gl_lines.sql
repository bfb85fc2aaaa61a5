-- The journal lines of D's write-off: Dr 6701 / Cr 1122, 1123, 1124 what the writeoffs of D hold.
-- Product rules §8.
-- $1 date: the business date D
SELECT '6701' AS account_code, coalesce(sum(principal_fen + fee_fen + penalty_fen), 0)::bigint AS debit_fen,
       0::bigint AS credit_fen FROM writeoffs WHERE writeoff_date = $1::date
UNION ALL SELECT '1122', 0, coalesce(sum(principal_fen), 0)::bigint FROM writeoffs WHERE writeoff_date = $1::date
UNION ALL SELECT '1123', 0, coalesce(sum(fee_fen), 0)::bigint FROM writeoffs WHERE writeoff_date = $1::date
UNION ALL SELECT '1124', 0, coalesce(sum(penalty_fen), 0)::bigint FROM writeoffs WHERE writeoff_date = $1::date
