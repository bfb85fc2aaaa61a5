-- Why (issue 14 §2, issue 15 §2): two readers of the penalty sub-ledger defined
-- in earlier migrations must see the open penalty runs (sql migration
-- penalty_runs) and read "outstanding" through its one spelling.
-- 1. risk_aging_compute (sql/0043), the aging aggregates' recomputation, sums
--    each loan's outstanding principal, billed fee and penalty: now with
--    installment_*_out_fen, the penalty through D.
-- 2. recon_installment_hash (sql/0036, R11) hashes every column of
--    installments: the three run columns join it. A row without an open run
--    hashes exactly as before (the checksums stored before this migration stay
--    valid); a row with one hashes its run on top.

CREATE OR REPLACE FUNCTION risk_aging_compute(d date, since date)
RETURNS TABLE (status text, bucket text, class text, loans bigint, principal_fen bigint,
               fee_fen bigint, penalty_fen bigint, offbalance_fen bigint)
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    WITH state AS (
        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, class, offbalance_fen
          FROM loan_snapshots WHERE snapshot_date <= d AND snapshot_date >= since
         ORDER BY loan_id, snapshot_date DESC),
    live AS (
        SELECT * FROM state
         WHERE status = 'ACTIVE' OR (status = 'WRITTEN_OFF' AND offbalance_fen > 0)),
    balance AS (
        SELECT i.loan_id,
               sum(installment_principal_out_fen(i)) AS p,
               coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status = 'BILLED'), 0) AS f,
               sum(installment_penalty_out_fen(i, d)) AS pen
          FROM installments i JOIN live s USING (loan_id)
         WHERE s.status = 'ACTIVE'
         GROUP BY i.loan_id)
    SELECT s.status, s.bucket, s.class, count(*),
           coalesce(sum(b.p), 0)::bigint, coalesce(sum(b.f), 0)::bigint, coalesce(sum(b.pen), 0)::bigint,
           coalesce(sum(s.offbalance_fen) FILTER (WHERE s.status = 'WRITTEN_OFF'), 0)::bigint
      FROM live s LEFT JOIN balance b USING (loan_id)
     WHERE s.status = 'WRITTEN_OFF' OR b.loan_id IS NOT NULL
     GROUP BY s.status, s.bucket, s.class
$$;

CREATE OR REPLACE FUNCTION recon_installment_hash(i installments)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
SELECT
    hashint8extended(i.recovered_fen,
    hashint8extended(i.writeoff_penalty_fen,
    hashint8extended(i.writeoff_fee_fen,
    hashint8extended(i.writeoff_principal_fen,
    hashint8extended(i.penalty_waived_fen,
    hashint8extended(i.paid_penalty_fen,
    hashint8extended(i.penalty_accrued_fen,
    hashint8extended(i.paid_fee_fen,
    hashint8extended(i.paid_principal_fen,
    hashint8extended(i.fee_waived_fen,
    hashint8extended(i.principal_reduced_fen,
    hashint8extended(i.fee_fen,
    hashint8extended(i.principal_fen,
    hashint8extended(i.installment_no,
    hashint8extended(i.loan_id,
    hashint8extended(coalesce(i.written_off_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.cancelled_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.paid_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.billed_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.due_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.billing_date - date '2000-01-01', -1),
    hashtextextended(i.status, hashtextextended(i.order_id, hashtextextended(i.user_id, 0))))))))))))))))))))))))
    # CASE WHEN i.penalty_run_from IS NULL AND i.penalty_run_base_fen IS NULL AND i.penalty_run_fen_per_day IS NULL
           THEN 0
           ELSE hashint8extended(coalesce(i.penalty_run_fen_per_day, -1),
                hashint8extended(coalesce(i.penalty_run_base_fen, -1),
                hashint8extended(coalesce(i.penalty_run_from - date '2000-01-01', -1),
                hashint8extended(i.installment_no, hashint8extended(i.loan_id, 1))))) END
$$;

-- (as sql/0036: only recon's owner-rights functions call it)
REVOKE ALL ON FUNCTION recon_installment_hash(installments) FROM PUBLIC, baitiao_batch, baitiao_report;
