-- Records each request's outcome on its inbox row (prepay_outcome, and the shortfall when short of the payoff).
UPDATE inbox_repayments r
   SET prepay_outcome = e.outcome,
       prepay_shortfall_fen = CASE WHEN e.outcome = 'SHORT_OF_PAYOFF' THEN e.payoff_fen - e.amount_fen END
  FROM pg_temp.bt_prepay e
 WHERE r.txn_id = e.txn_id
