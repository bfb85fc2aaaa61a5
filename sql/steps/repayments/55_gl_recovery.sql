-- The journal lines of one channel's recoveries of written-off items: Dr 1002.ch / Cr 6301.
-- Product rules §7, §8 (recovery, 核销后收回). Amounts from pg_temp.bt_repay_channels.
-- $1 text: the repayment channel
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM pg_temp.bt_repay_channels s,
       LATERAL (VALUES ('1002.' || s.channel, s.recovered_fen, 0), ('6301', 0, s.recovered_fen))
         AS v(account_code, debit_fen, credit_fen)
 WHERE s.channel = $1::text
