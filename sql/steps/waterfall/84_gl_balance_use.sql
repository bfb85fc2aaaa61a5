-- The journal lines of one credit-balance pass: Dr 2241 / Cr 1124, 1123, 1122 as allocated.
-- Product rules §8 (credit-balance use). Amounts from the pass's allocations
-- (pg_temp.bt_wf_alloc); gl_post_query posts the rows as one balanced entry.
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty,
               coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE'), 0) AS fee,
               coalesce(sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL'), 0) AS principal
          FROM pg_temp.bt_wf_alloc
         WHERE source = 'CREDIT_BALANCE') s,
       LATERAL (VALUES ('2241', s.penalty + s.fee + s.principal, 0), ('1124', 0, s.penalty),
                       ('1123', 0, s.fee), ('1122', 0, s.principal))
         AS v(account_code, debit_fen, credit_fen)
