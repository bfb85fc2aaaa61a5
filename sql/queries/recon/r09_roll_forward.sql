-- R9: every sub-ledger rolls forward: closing(D−1) + movements(D) = closing(D) (product rules §9).
-- The day's movements, from the movement tables only:
--   PRINCIPAL   + loans originated − principal allocated (paid, prepaid, refunded) − written off
--   FEE         + fee billed (as billed: original less unbilled fee waivers up to D) − fee paid
--               − billed fee waived − written off; an unbilled fee a prepayment pays (CHARGE_ALL)
--               is recognised and paid at once: not counted
--   PENALTY     + accrued − paid − waived − written off
--   CREDIT_BALANCE  Σ signed credit_balance_movements
--   WRITTEN_OFF + written off − recovered
-- Opening = the closing stored for D−1; 0 on the very first business date. With no stored closing
-- for D−1 (recon never ran then) the ledger is only a baseline; so is the cut-over date of a
-- portfolio import (its book was not built by movements here). closing(D) is the sub-ledgers now
-- (pg_temp.recon_ledger_now) for the newest date, else what that date's recon stored. Key: ledger.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
-- $2 boolean: D is the newest business date
WITH moves AS (
  SELECT v.ledger, v.amount_fen::bigint AS amount_fen
    FROM (SELECT coalesce(sum(principal_fen), 0) AS originated FROM loans WHERE origination_date = $1::date) o,
         (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL'), 0) AS principal,
                 coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE' AND NOT is_prepayment), 0) AS fee,
                 coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty,
                 coalesce(sum(amount_fen) FILTER (WHERE component LIKE 'RECOVERY\_%'), 0) AS recovered
            FROM allocations WHERE business_date = $1::date) a,
         (SELECT coalesce(sum(i.fee_fen - coalesce((SELECT sum(x.amount_fen) FROM waivers x
                                                     WHERE x.loan_id = i.loan_id AND x.installment_no = i.installment_no
                                                       AND x.component = 'FEE' AND NOT x.was_billed
                                                       AND x.business_date <= $1::date), 0)), 0) AS fee
            FROM installments i WHERE i.billed_date = $1::date) b,
         (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE' AND was_billed), 0) AS fee,
                 coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty
            FROM waivers WHERE business_date = $1::date) w,
         (SELECT coalesce(sum(principal_fen), 0) AS principal, coalesce(sum(fee_fen), 0) AS fee,
                 coalesce(sum(penalty_fen), 0) AS penalty
            FROM writeoffs WHERE writeoff_date = $1::date) x,
         (SELECT penalty_accrued_on_fen($1::date) AS accrued) p,
         (SELECT coalesce(sum(amount_fen), 0) AS moved FROM credit_balance_movements
           WHERE business_date = $1::date) m,
         LATERAL (VALUES ('PRINCIPAL', o.originated - a.principal - x.principal),
                         ('FEE', b.fee - a.fee - w.fee - x.fee),
                         ('PENALTY', p.accrued - a.penalty - w.penalty - x.penalty),
                         ('CREDIT_BALANCE', m.moved),
                         ('WRITTEN_OFF', x.principal + x.fee + x.penalty - a.recovered))
           AS v(ledger, amount_fen)),
 prev AS (SELECT ledger, closing_fen FROM recon_ledger_closings WHERE business_date = $1::date - 1),
 first AS (SELECT NOT EXISTS (SELECT 1 FROM business_calendar WHERE business_date < $1::date)
                  AND NOT EXISTS (SELECT 1 FROM import_runs WHERE cutover_date = $1::date) AS is_first),
 closing AS (SELECT ledger, closing_fen FROM pg_temp.recon_ledger_now WHERE $2::boolean
             UNION ALL
             SELECT ledger, closing_fen FROM recon_ledger_closings WHERE business_date = $1::date AND NOT $2::boolean),
 cmp AS (SELECT m.ledger AS k, (coalesce(p.closing_fen, 0) + m.amount_fen)::bigint AS e, c.closing_fen AS a
           FROM moves m JOIN closing c USING (ledger)
           LEFT JOIN prev p USING (ledger) CROSS JOIN first
          WHERE p.ledger IS NOT NULL OR first.is_first),
 ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R9', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
