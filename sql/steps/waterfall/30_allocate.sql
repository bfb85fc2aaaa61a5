-- Allocates every payment of pg_temp.bt_wf_pay to its user's owed items by the §5 order, and keeps what it wrote in pg_temp.bt_wf_alloc.
-- Product rules §5: billed items by due date, order id (bytewise), installment number;
-- within one item penalty, fee, principal; then (repayments only, $3) written-off items in
-- the same order as recovery, each component capped at what was written off less what was
-- recovered before (a recovery is taken penalty, fee, principal, so recovered_fen says
-- which is left). Each user's items are laid end to end on a number line (cumulative sums
-- in that order), each user's payments on another (cumulative sums in arrival order, seq);
-- an allocation is the overlap of a payment's interval with an item's.
-- Set-based for all the pass's payers at once: the payers' user ids go to the partial
-- indexes installments_waterfall_idx / installments_recovery_idx as one array (one index
-- scan visiting the payers' keys in order), so the cost follows the payers of the day, not
-- the billed stock of the book, whatever the planner thinks of a join.
-- Penalty outstanding through D − 1: the aging of D, which accrues D's penalty, runs after
-- the repayments, refunds and billing of D (product-rules §10).
-- $1 date: the business date D
-- $2 text: the allocations' source, REPAYMENT or CREDIT_BALANCE
-- $3 boolean: also allocate to written-off items as recovery (step 3 of §5)
WITH payers AS (
  SELECT array_agg(DISTINCT user_id) AS ids FROM pg_temp.bt_wf_pay),
 pay AS (
  SELECT txn_id, user_id, seq, amount_fen,
         sum(amount_fen) OVER (PARTITION BY user_id ORDER BY seq) AS hi
    FROM pg_temp.bt_wf_pay),
 owed AS (
  SELECT i.user_id, 1 AS tier, i.due_date, i.order_id, i.installment_no, i.loan_id,
         c.ord, c.component, c.amount
    FROM installments i
   CROSS JOIN LATERAL (VALUES (1, 'PENALTY', installment_penalty_out_fen(i, $1::date - 1)),
                              (2, 'FEE', installment_fee_out_fen(i)),
                              (3, 'PRINCIPAL', installment_principal_out_fen(i))) AS c(ord, component, amount)
   WHERE i.status = 'BILLED' AND i.user_id = ANY ((SELECT ids FROM payers)::text[])
     AND c.amount > 0
  UNION ALL
  SELECT i.user_id, 2, i.due_date, i.order_id, i.installment_no, i.loan_id,
         c.ord, c.component, c.cap - least(c.cap, greatest(i.recovered_fen - c.prior, 0))
    FROM installments i
   CROSS JOIN LATERAL (VALUES
          (1, 'RECOVERY_PENALTY', i.writeoff_penalty_fen, 0::bigint),
          (2, 'RECOVERY_FEE', i.writeoff_fee_fen, i.writeoff_penalty_fen),
          (3, 'RECOVERY_PRINCIPAL', i.writeoff_principal_fen, i.writeoff_penalty_fen + i.writeoff_fee_fen))
        AS c(ord, component, cap, prior)
   WHERE $3::boolean AND i.status = 'WRITTEN_OFF' AND i.user_id = ANY ((SELECT ids FROM payers)::text[])
     AND c.cap > greatest(i.recovered_fen - c.prior, 0)),
 line AS (
  SELECT o.*, sum(o.amount) OVER (PARTITION BY o.user_id
                                  ORDER BY o.tier, o.due_date, o.order_id COLLATE "C",
                                           o.installment_no, o.ord) AS hi
    FROM owed o),
 ins AS (
  INSERT INTO allocations (business_date, user_id, source, txn_id, loan_id, installment_no,
                           component, amount_fen)
  SELECT $1::date, p.user_id, $2::text, p.txn_id, l.loan_id, l.installment_no, l.component,
         (least(p.hi, l.hi) - greatest(p.hi - p.amount_fen, l.hi - l.amount))::bigint
    FROM pay p
    JOIN line l ON l.user_id = p.user_id AND l.hi - l.amount < p.hi AND p.hi - p.amount_fen < l.hi
   ORDER BY p.user_id, p.seq, l.hi
  RETURNING user_id, source, loan_id, installment_no, component, amount_fen)
INSERT INTO pg_temp.bt_wf_alloc (user_id, source, loan_id, installment_no, component, amount_fen)
SELECT user_id, source, loan_id, installment_no, component, amount_fen FROM ins
