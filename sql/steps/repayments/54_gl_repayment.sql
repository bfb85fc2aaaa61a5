-- The journal lines of one channel's repayments: Dr 1002.ch / Cr 1124, 1123, 1122 as allocated, Cr 2241 the excess.
-- Product rules §8 (repayment). Amounts from pg_temp.bt_repay_channels (53_channel_sums).
-- $1 text: the repayment channel
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM pg_temp.bt_repay_channels s,
       LATERAL (VALUES ('1002.' || s.channel, s.penalty_fen + s.fee_fen + s.principal_fen + s.excess_fen, 0),
                       ('1124', 0, s.penalty_fen), ('1123', 0, s.fee_fen), ('1122', 0, s.principal_fen),
                       ('2241', 0, s.excess_fen)) AS v(account_code, debit_fen, credit_fen)
 WHERE s.channel = $1::text
