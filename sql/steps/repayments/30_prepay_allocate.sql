-- Allocates each prepayment to everything its loan owes, component by component, and keeps what it wrote in pg_temp.bt_wf_alloc.
-- Product rules §5 (prepayment): billed items (penalty through D − 1, fee, principal), then
-- all unbilled principal; unbilled fee only under CHARGE_ALL (is_prepayment marks what was
-- unbilled: its fee is recognised now, 56_gl_prepay_fee). What the request holds beyond the
-- payoff goes through the ordinary waterfall after (40_fill_payers).
-- $1 date: the business date D
WITH ins AS (
  INSERT INTO allocations (business_date, user_id, source, txn_id, loan_id, installment_no,
                           component, amount_fen, is_prepayment)
  SELECT $1::date, e.user_id, 'REPAYMENT', e.txn_id, i.loan_id, i.installment_no, c.component,
         c.amount, i.status = 'UNBILLED'
    FROM pg_temp.bt_prepay e
    JOIN installments i ON i.loan_id = e.loan_id AND i.status IN ('UNBILLED', 'BILLED')
   CROSS JOIN LATERAL (VALUES
          (1, 'PENALTY', installment_penalty_out_fen(i, $1::date - 1)),
          (2, 'FEE', CASE WHEN i.status = 'BILLED' OR e.policy = 'CHARGE_ALL' THEN installment_fee_out_fen(i)
                          ELSE 0 END),
          (3, 'PRINCIPAL', installment_principal_out_fen(i))) AS c(ord, component, amount)
   WHERE e.outcome = 'PREPAID' AND c.amount > 0
   ORDER BY e.txn_id, i.due_date, i.installment_no, c.ord
  RETURNING user_id, source, loan_id, installment_no, component, amount_fen)
INSERT INTO pg_temp.bt_wf_alloc (user_id, source, loan_id, installment_no, component, amount_fen)
SELECT user_id, source, loan_id, installment_no, component, amount_fen FROM ins
