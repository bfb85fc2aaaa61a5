-- Carries every other user's ledger forward by its movements since the last recon that stored a
-- closing (P, exclusive) through D: the rows R9 sums, per user (issue 15 §2: the cost follows the
-- day's movements, not the users' history; recon --full recomputes and compares, R17).
--   principal, and ACTIVE principal (a loan leaving ACTIVE changes its loans row: that user is
--     recomputed instead)  + loans originated − principal allocated − written off
--   fee      + fee billed (as billed) − fee paid (not an unbilled fee a prepayment pays) − billed
--              fee waived − written off
--   penalty  + accrued (each day's accruals, closed and open runs: penalty_accruals_on) − paid
--              − waived − written off
--   written off  + written off − recovered
-- Nothing is carried without a P (the first recon of a book recomputes every marked user). The
-- ledger as of the pass before is *_fen less d_* when the row is already of D (a rerun), else *_fen.
-- $1 date: the business date D
WITH p AS (SELECT max(business_date) AS prev FROM recon_ledger_closings WHERE business_date < $1::date),
 mv (user_id, principal, fee, penalty, written_off) AS (
  SELECT l.user_id, l.principal_fen, 0, 0, 0
    FROM loans l, p WHERE l.origination_date > p.prev AND l.origination_date <= $1::date
  UNION ALL
  SELECT a.user_id,
         CASE WHEN a.component = 'PRINCIPAL' THEN -a.amount_fen ELSE 0 END,
         CASE WHEN a.component = 'FEE' AND NOT a.is_prepayment THEN -a.amount_fen ELSE 0 END,
         CASE WHEN a.component = 'PENALTY' THEN -a.amount_fen ELSE 0 END,
         CASE WHEN a.component LIKE 'RECOVERY\_%' THEN -a.amount_fen ELSE 0 END
    FROM allocations a, p WHERE a.business_date > p.prev AND a.business_date <= $1::date
  UNION ALL
  SELECT i.user_id, 0,
         i.fee_fen - coalesce((SELECT sum(x.amount_fen) FROM waivers x
                                WHERE x.loan_id = i.loan_id AND x.installment_no = i.installment_no
                                  AND x.component = 'FEE' AND NOT x.was_billed
                                  AND x.business_date <= $1::date), 0),
         0, 0
    FROM installments i, p WHERE i.billed_date > p.prev AND i.billed_date <= $1::date
  UNION ALL
  SELECT x.user_id, 0,
         CASE WHEN x.component = 'FEE' AND x.was_billed THEN -x.amount_fen ELSE 0 END,
         CASE WHEN x.component = 'PENALTY' THEN -x.amount_fen ELSE 0 END, 0
    FROM waivers x, p WHERE x.business_date > p.prev AND x.business_date <= $1::date
  UNION ALL
  SELECT w.user_id, -w.principal_fen, -w.fee_fen, -w.penalty_fen, w.principal_fen + w.fee_fen + w.penalty_fen
    FROM writeoffs w, p WHERE w.writeoff_date > p.prev AND w.writeoff_date <= $1::date
  UNION ALL
  SELECT a.user_id, 0, 0, a.amount_fen, 0
    FROM p, generate_series(p.prev + 1, $1::date, interval '1 day') AS g(d),
         LATERAL penalty_accruals_on(g.d::date) a),
 delta AS (
  SELECT user_id, sum(principal)::bigint AS principal, sum(fee)::bigint AS fee, sum(penalty)::bigint AS penalty,
         sum(written_off)::bigint AS written_off
    FROM mv WHERE user_id NOT IN (SELECT user_id FROM pg_temp.recon_recompute)
   GROUP BY user_id)
INSERT INTO recon_user_ledgers AS g (user_id, principal_fen, active_principal_fen, fee_fen, penalty_fen,
                                     written_off_fen, d_principal_fen, d_active_principal_fen, d_fee_fen,
                                     d_penalty_fen, d_written_off_fen, business_date)
SELECT user_id, principal, principal, fee, penalty, written_off, principal, principal, fee, penalty, written_off,
       $1::date
  FROM delta
ON CONFLICT (user_id) DO UPDATE
   SET principal_fen = g.principal_fen - CASE WHEN g.business_date = $1::date THEN g.d_principal_fen ELSE 0 END
                       + excluded.d_principal_fen,
       active_principal_fen = g.active_principal_fen
                       - CASE WHEN g.business_date = $1::date THEN g.d_active_principal_fen ELSE 0 END
                       + excluded.d_active_principal_fen,
       fee_fen = g.fee_fen - CASE WHEN g.business_date = $1::date THEN g.d_fee_fen ELSE 0 END + excluded.d_fee_fen,
       penalty_fen = g.penalty_fen - CASE WHEN g.business_date = $1::date THEN g.d_penalty_fen ELSE 0 END
                     + excluded.d_penalty_fen,
       written_off_fen = g.written_off_fen - CASE WHEN g.business_date = $1::date THEN g.d_written_off_fen ELSE 0 END
                         + excluded.d_written_off_fen,
       d_principal_fen = excluded.d_principal_fen,
       d_active_principal_fen = excluded.d_active_principal_fen,
       d_fee_fen = excluded.d_fee_fen,
       d_penalty_fen = excluded.d_penalty_fen,
       d_written_off_fen = excluded.d_written_off_fen,
       business_date = excluded.business_date
