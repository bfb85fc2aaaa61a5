-- Evaluates the round's prepayment requests (提前还款) into pg_temp.bt_prepay: the named loan of the paying user, its payoff as it stands now, the outcome.
-- Product rules §5, §11. Payoff: billed items in full (penalty through D − 1, fee,
-- principal), unbilled principal, and unbilled fee under CHARGE_ALL. A loan that is not
-- ACTIVE is paid as an ordinary repayment (LOAN_NOT_ACTIVE), so is an amount short of the
-- payoff (SHORT_OF_PAYOFF, recorded).
-- $1 date: the business date D
-- $2 integer: the round
INSERT INTO pg_temp.bt_prepay (txn_id, user_id, loan_id, policy, amount_fen, payoff_fen, outcome)
SELECT r.txn_id, r.user_id, l.loan_id, l.prepay_fee_policy, r.amount_fen, p.payoff,
       CASE WHEN l.loan_id IS NULL THEN 'UNKNOWN_ORDER'
            WHEN l.status <> 'ACTIVE' THEN 'LOAN_NOT_ACTIVE'
            WHEN r.amount_fen < p.payoff THEN 'SHORT_OF_PAYOFF'
            ELSE 'PREPAID' END
  FROM pg_temp.bt_repay_today r
  LEFT JOIN loans l ON l.order_id = r.prepay_order_id AND l.user_id = r.user_id
  LEFT JOIN LATERAL (
    SELECT coalesce(sum(installment_principal_out_fen(i)
                        + CASE WHEN i.status = 'BILLED'
                                    THEN installment_penalty_out_fen(i, $1::date - 1) + installment_fee_out_fen(i)
                               WHEN l.prepay_fee_policy = 'CHARGE_ALL' THEN installment_fee_out_fen(i)
                               ELSE 0 END), 0) AS payoff
      FROM installments i
     WHERE i.loan_id = l.loan_id AND i.status IN ('UNBILLED', 'BILLED')) p ON true
 WHERE r.round = $2::int AND r.prepay_order_id IS NOT NULL
