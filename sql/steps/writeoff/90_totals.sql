-- What the step did on D: loans written off and principal + fee + penalty written off.
-- The unbilled fees waived are not in the amount: they were never receivable.
-- $1 date: the business date D
SELECT count(*), coalesce(sum(principal_fen + fee_fen + penalty_fen), 0)::bigint
  FROM writeoffs WHERE writeoff_date = $1::date
