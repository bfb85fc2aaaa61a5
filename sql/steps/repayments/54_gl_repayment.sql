-- The journal lines of one channel's repayments: Dr 1002.ch / Cr 1124, 1123, 1122 as allocated, Cr 2241 the excess.
-- Product rules §8 (repayment). Amounts from the day's allocations and OVERPAYMENT movements
-- of that channel's repayments.
-- $1 date: the business date D
-- $2 text: the repayment channel
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'PENALTY'), 0) AS penalty,
               coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'FEE'), 0) AS fee,
               coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'PRINCIPAL'), 0) AS principal
          FROM allocations a JOIN inbox_repayments r ON r.txn_id = a.txn_id
         WHERE a.business_date = $1::date AND a.source = 'REPAYMENT' AND r.channel = $2::text) s,
       (SELECT coalesce(sum(m.amount_fen), 0) AS excess
          FROM credit_balance_movements m JOIN inbox_repayments r ON r.txn_id = m.txn_id
         WHERE m.business_date = $1::date AND m.reason = 'OVERPAYMENT' AND r.channel = $2::text) o,
       LATERAL (VALUES ('1002.' || $2::text, s.penalty + s.fee + s.principal + o.excess, 0),
                       ('1124', 0, s.penalty), ('1123', 0, s.fee), ('1122', 0, s.principal),
                       ('2241', 0, o.excess)) AS v(account_code, debit_fen, credit_fen)
