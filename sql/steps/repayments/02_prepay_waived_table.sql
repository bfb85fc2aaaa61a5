-- The unbilled fees one prepayment round waived (pg_temp.bt_prepay_waived), as INSERT … RETURNING gave them back.
-- Read by 35_prepay_settle instead of "waivers above the highest id before the round".
CREATE TEMP TABLE pg_temp.bt_prepay_waived (
  loan_id bigint NOT NULL,
  installment_no integer NOT NULL,
  amount_fen bigint NOT NULL
) ON COMMIT DROP
