-- The prepayment requests of one round, evaluated (pg_temp.bt_prepay): the named loan, its payoff and the outcome.
-- outcome: UNKNOWN_ORDER, LOAN_NOT_ACTIVE, SHORT_OF_PAYOFF (applied as an ordinary
-- repayment, the shortfall recorded) or PREPAID. A work table of the step's transaction.
CREATE TEMP TABLE pg_temp.bt_prepay (
  txn_id text PRIMARY KEY,
  user_id text NOT NULL,
  loan_id bigint,
  policy text,
  amount_fen bigint NOT NULL,
  payoff_fen bigint,
  outcome text NOT NULL
) ON COMMIT DROP
