-- Records a prepayment short of its payoff as a PREPAY_SHORT_OF_PAYOFF rejects row (the money is still applied, as an ordinary repayment).
-- Product rules §5, §11: recorded, money still applied; amount_fen is the shortfall.
-- $1 date: the business date D
INSERT INTO rejects (file_id, line_no, source_kind, external_id, user_id, reason_code, detail,
                     amount_fen, business_date)
SELECT r.file_id, r.line_no, 'repayments', r.txn_id, r.user_id, 'PREPAY_SHORT_OF_PAYOFF',
       'payoff of order ' || r.prepay_order_id || ' is ' || e.payoff_fen || ' fen, paid '
       || e.amount_fen || ' fen: applied as an ordinary repayment',
       e.payoff_fen - e.amount_fen, $1::date
  FROM pg_temp.bt_prepay e JOIN inbox_repayments r ON r.txn_id = e.txn_id
 WHERE e.outcome = 'SHORT_OF_PAYOFF'
 ORDER BY r.arrival_seq
