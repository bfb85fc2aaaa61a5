-- The installments whose billing date is D are billed (product-rules §3).
-- Found through installments_to_bill_idx (unbilled rows by billing date): the day's rows
-- only. Returns (rows, principal + fee billed, net of refunds and waivers before billing).
-- $1 date: the business date D
WITH billed AS (
  UPDATE installments SET status = 'BILLED', billed_date = $1::date
   WHERE status = 'UNBILLED' AND billing_date = $1::date
  RETURNING principal_fen - principal_reduced_fen AS principal_fen, fee_fen - fee_waived_fen AS fee_fen)
SELECT count(*), coalesce(sum(principal_fen + fee_fen), 0)::bigint FROM billed
