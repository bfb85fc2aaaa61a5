-- Why: "outstanding" (what an installment still owes, product-rules §5 and §7)
-- was spelled out by hand in more than ten statements (waterfall.h's macros,
-- aging, write-off, billing, recon, import, the reports). These functions are
-- its one spelling, and penalty_of_day_fen the one spelling of the §7 rounding;
-- every statement calls them instead of writing the sums.
-- They are plain LANGUAGE sql, IMMUTABLE, without SET clauses, so the planner
-- inlines them: installment_principal_out_fen(i) becomes the column arithmetic
-- it stands for, and an index or a CHECK on that arithmetic still applies.
-- The row type argument is the caller's table alias: installment_fee_out_fen(i).

-- Outstanding principal: the schedule's principal less what refunds reduced,
-- payments paid and write-off took off the balance sheet.
CREATE FUNCTION installment_principal_out_fen(i installments)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen - i.writeoff_principal_fen
$$;

-- Outstanding fee/interest: the schedule's fee less waived (billed fees waived
-- and unbilled fees never charged), paid and written off. Callers that want
-- only billed fee filter on status = 'BILLED' themselves.
CREATE FUNCTION installment_fee_out_fen(i installments)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen
$$;

-- Outstanding penalty at the end of business date THROUGH: penalty accrued
-- through THROUGH less waived, paid and written off. In the night, steps before
-- aging (repayments, refunds, billing of D) pass D − 1, aging of D has not run
-- yet; aging, write-off, recon and the reports pass D. Until penalty accrues
-- in runs, everything accrued is in penalty_accrued_fen and THROUGH changes
-- nothing; the signature is already the one the callers keep.
CREATE FUNCTION installment_penalty_out_fen(i installments, through date)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen - i.writeoff_penalty_fen
$$;

-- The penalty of one overdue day (§7): round_half_up(base × ppm / 10^6), with
-- base the unpaid principal + fee at the end of the day. Computed in numeric so
-- that base × ppm cannot overflow (sql/0026). Example: 8833 fen at 500 ppm → 4.
CREATE FUNCTION penalty_of_day_fen(base_fen bigint, ppm integer)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT div(base_fen::numeric * ppm + 500000, 1000000)::bigint
$$;

COMMENT ON FUNCTION installment_principal_out_fen(installments) IS
    '未还本金 / outstanding principal of an installment: principal − reduced − paid − written off, fen';
COMMENT ON FUNCTION installment_fee_out_fen(installments) IS
    '未还费用 / outstanding fee of an installment: fee − waived − paid − written off, fen';
COMMENT ON FUNCTION installment_penalty_out_fen(installments, date) IS
    '未还罚息 / outstanding penalty of an installment at the end of a business date: accrued − waived − paid − written off, fen';
COMMENT ON FUNCTION penalty_of_day_fen(bigint, integer) IS
    '日罚息 / penalty of one overdue day: round_half_up(base_fen × ppm / 1e6), fen (product-rules §7)';

GRANT EXECUTE ON FUNCTION installment_principal_out_fen(installments), installment_fee_out_fen(installments),
                          installment_penalty_out_fen(installments, date), penalty_of_day_fen(bigint, integer)
    TO baitiao_batch, baitiao_report;
