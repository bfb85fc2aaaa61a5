-- The journal lines of one channel's recoveries of written-off items: Dr 1002.ch / Cr 6301.
-- Product rules §7, §8 (recovery, 核销后收回).
-- $1 date: the business date D
-- $2 text: the repayment channel
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(a.amount_fen), 0) AS recovered
          FROM allocations a JOIN inbox_repayments r ON r.txn_id = a.txn_id
         WHERE a.business_date = $1::date AND a.source = 'REPAYMENT'
           AND a.component LIKE 'RECOVERY\_%' AND r.channel = $2::text) s,
       LATERAL (VALUES ('1002.' || $2::text, s.recovered, 0), ('6301', 0, s.recovered))
         AS v(account_code, debit_fen, credit_fen)
