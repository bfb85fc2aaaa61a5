-- The loan_snapshots change rows of D, and at a month end a full row for every live loan.
-- Product rules §7, §11; docs/decisions.md "Aging snapshots by date arithmetic".
-- DPD = D − the earliest due date among the loan's overdue installments (billed, due before D,
-- principal + fee unpaid), derived here for each candidate, never stored per night. A loan's
-- status, bucket or class changes only on a day when
--  - its DPD reaches a boundary of §7 (dpd_grade_boundaries(): 1, 31, 61, …): then its earliest
--    overdue installment is due on D − t and still billed — an equality lookup for each t on
--    the partial index of billed installments by due date (of written-off ones for the
--    off-balance DPD of §11), not a scan of the overdue stock;
--  - money moved on it: a payment or a recovery (allocations of D), a refund (refund
--    applications of D), a waiver (waivers of D);
--  - its status changed (status_date = D: paid off, cancelled, written off) or it was
--    originated (origination_date = D);
--  - or D is a month end: every ACTIVE loan and every written-off loan not fully recovered
--    (the one allowed book-wide pass).
-- The days looked at are those after the previous pass P up to D (in production P = D − 1,
-- so each boundary is one equality lookup; after a gap within a month a range). With no usable
-- previous pass (20_previous_pass: the first night, or the first after nights skipped across a
-- month end, as only tests do) every overdue loan is a candidate too (the partial index's range
-- D − due date > 0): its latest row may be missing or stale.
-- Each candidate gets a row when it has none in the window yet, when its status, bucket or
-- class differs from its latest row, when it recovered money today (its off-balance remainder
-- changed), or at a month end. A loan's latest row is looked for from the previous month end
-- on: a live loan always has one there. Balances are those at the end of D. A written-off loan
-- (§11): DPD over its written-off installments whose principal + fee written off is not fully
-- recovered (recovery takes penalty, then fee, then principal), class LOSS, on-balance
-- balances 0, the remainder in offbalance_fen. PAID_OFF / CANCELLED: DPD 0, a final row on
-- their status date. One grouped pass over the candidates' installments: on a month end the
-- planner makes it one pass over installments, on an ordinary day a few index lookups a loan.
-- $1 date: the business date D
-- $2 boolean: D is a month end
-- $3 date: the last day of the month before D's (the window's start)
-- $4 date: the previous pass P (D − 1 when there was none)
-- $5 boolean: no usable previous pass: every overdue loan is a candidate
WITH boundary AS (
  SELECT i.loan_id FROM installments i
   WHERE i.status = 'BILLED'
     AND i.due_date = ANY (ARRAY(SELECT $1::date - t - k FROM unnest(dpd_grade_boundaries()) AS t,
                                        generate_series(0, $1::date - $4::date - 1) AS k))
     AND installment_principal_out_fen(i) + installment_fee_out_fen(i) > 0
  UNION
  SELECT i.loan_id FROM installments i
   WHERE i.status = 'WRITTEN_OFF'
     AND i.due_date = ANY (ARRAY(SELECT $1::date - t - k FROM unnest(dpd_grade_boundaries()) AS t,
                                        generate_series(0, $1::date - $4::date - 1) AS k))),
 recovered AS (
  SELECT DISTINCT loan_id FROM allocations
   WHERE business_date > $4::date AND business_date <= $1::date AND component LIKE 'RECOVERY\_%'),
 candidates AS (
  SELECT loan_id FROM boundary
  UNION SELECT loan_id FROM allocations WHERE business_date > $4::date AND business_date <= $1::date
  UNION SELECT loan_id FROM refund_applications WHERE business_date > $4::date AND business_date <= $1::date
  UNION SELECT loan_id FROM waivers WHERE business_date > $4::date AND business_date <= $1::date
  UNION SELECT loan_id FROM loans WHERE status_date > $4::date AND status_date <= $1::date
  UNION SELECT loan_id FROM loans WHERE origination_date > $4::date AND origination_date <= $1::date
  UNION SELECT i.loan_id FROM installments i
         WHERE $5::boolean AND i.status = 'BILLED' AND i.due_date < $1::date
           AND installment_principal_out_fen(i) + installment_fee_out_fen(i) > 0
  UNION SELECT loan_id FROM writeoffs
         WHERE $2::boolean AND recovered_fen < principal_fen + fee_fen + penalty_fen
  UNION SELECT loan_id FROM loans WHERE $2::boolean AND status = 'ACTIVE'),
 books AS (
  SELECT i.loan_id,
         min(i.due_date) FILTER (WHERE i.status = 'BILLED' AND i.due_date < $1::date
                                   AND installment_principal_out_fen(i) + installment_fee_out_fen(i) > 0)
           AS first_due_date,
         coalesce(sum(installment_principal_out_fen(i))
                  FILTER (WHERE i.status = 'BILLED' AND i.due_date < $1::date
                            AND installment_principal_out_fen(i) + installment_fee_out_fen(i) > 0), 0)::bigint
           AS overdue_principal_fen,
         min(i.due_date) FILTER (WHERE i.status = 'WRITTEN_OFF' AND i.due_date < $1::date
                                   AND i.writeoff_principal_fen + i.writeoff_fee_fen > 0
                                   AND i.recovered_fen < i.writeoff_principal_fen + i.writeoff_fee_fen
                                                         + i.writeoff_penalty_fen) AS wo_first_due_date,
         coalesce(sum(i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen - i.recovered_fen)
                  FILTER (WHERE i.status = 'WRITTEN_OFF'), 0)::bigint AS remainder_fen,
         sum(installment_principal_out_fen(i))::bigint AS principal_fen,
         coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status = 'BILLED'), 0)::bigint AS fee_fen,
         sum(installment_penalty_out_fen(i, $1::date))::bigint AS penalty_fen
    FROM installments i WHERE i.loan_id IN (SELECT loan_id FROM candidates)
   GROUP BY i.loan_id),
 state AS (
  SELECT l.loan_id, l.user_id, l.status,
         CASE l.status WHEN 'ACTIVE' THEN coalesce($1::date - b.first_due_date, 0)
                       WHEN 'WRITTEN_OFF' THEN coalesce($1::date - b.wo_first_due_date, 0) ELSE 0 END AS dpd,
         CASE WHEN l.status = 'ACTIVE' THEN coalesce(b.overdue_principal_fen, 0) ELSE 0 END
           AS overdue_principal_fen,
         CASE WHEN l.status = 'WRITTEN_OFF' THEN coalesce(b.remainder_fen, 0) ELSE 0 END AS offbalance_fen,
         coalesce(b.principal_fen, 0) AS principal_fen, coalesce(b.fee_fen, 0) AS fee_fen,
         coalesce(b.penalty_fen, 0) AS penalty_fen,
         r.loan_id IS NOT NULL AS recovered_since
    FROM candidates c JOIN loans l ON l.loan_id = c.loan_id
    LEFT JOIN books b ON b.loan_id = c.loan_id
    LEFT JOIN recovered r ON r.loan_id = c.loan_id
   WHERE l.status IN ('ACTIVE', 'WRITTEN_OFF') OR l.status_date = $1::date),
 graded AS (
  SELECT s.*, dpd_bucket(s.dpd) AS bucket, loan_class(s.status, s.dpd) AS class FROM state s),
 changed AS MATERIALIZED (
  SELECT g.* FROM graded g WHERE $2::boolean
  UNION ALL
  SELECT g.* FROM graded g
    LEFT JOIN LATERAL (SELECT p.status, p.bucket, p.class FROM loan_snapshots p
                        WHERE p.loan_id = g.loan_id
                          AND p.snapshot_date BETWEEN $3::date AND $1::date
                        ORDER BY p.snapshot_date DESC LIMIT 1) prev ON true
   WHERE NOT $2::boolean AND (prev.status IS NULL OR g.recovered_since
      OR (prev.status, prev.bucket, prev.class) IS DISTINCT FROM (g.status, g.bucket, g.class))),
 written AS (
  INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,
                              outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen,
                              overdue_principal_fen, offbalance_fen, is_month_end)
  SELECT c.loan_id, $1::date, c.user_id, c.status, c.dpd, c.bucket, c.class,
         c.principal_fen, c.fee_fen, c.penalty_fen, c.overdue_principal_fen, c.offbalance_fen, $2::boolean
    FROM changed c
  ON CONFLICT (loan_id, snapshot_date) DO UPDATE SET
     status = excluded.status, dpd = excluded.dpd, bucket = excluded.bucket, class = excluded.class,
     outstanding_principal_fen = excluded.outstanding_principal_fen,
     outstanding_fee_fen = excluded.outstanding_fee_fen,
     outstanding_penalty_fen = excluded.outstanding_penalty_fen,
     overdue_principal_fen = excluded.overdue_principal_fen, offbalance_fen = excluded.offbalance_fen,
     is_month_end = excluded.is_month_end
  RETURNING 1)
SELECT count(*) FROM written
