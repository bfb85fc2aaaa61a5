-- R13: every loan originated up to D, with the terms it was originated with (its own columns,
-- sql/0009; the purchase date is its origination date), streamed to the schedule engine.
-- $1 date: the business date D
DECLARE recon_loans NO SCROLL CURSOR FOR
SELECT order_id, principal_fen, method, term, rate_ppm, grace_days, statement_day, origination_date::text
   FROM loans WHERE origination_date <= $1::date
