-- Recomputes recon_user_ledgers from the rows for the users in pg_temp.recon_recompute. For a few
-- users, one lateral lookup per user (recon_user_ledger_from_rows: a hash join would read the whole
-- book whenever the planner thinks a tenth of the users is many); when they are most of the book
-- ($2: the cut-over recon of an import, the full audit), one grouped pass over every user's rows
-- (recon_user_ledgers_from_rows, the same sums; a user without loans is zeros). The branch not
-- taken is a constant false filter: the planner drops it. d_* is what this date's pass changed:
-- the ledger as of the pass before is *_fen less d_* when the row is already of D (a rerun), else
-- *_fen, so a rerun neither loses nor doubles a change.
-- $1 date: the business date D
-- $2 boolean: recompute by the grouped pass
WITH f AS (
  SELECT r.user_id, x.principal_fen, x.active_principal_fen, x.fee_fen, x.penalty_fen, x.written_off_fen
    FROM pg_temp.recon_recompute r
   CROSS JOIN LATERAL recon_user_ledger_from_rows(r.user_id, $1::date) x
   WHERE NOT $2::boolean
  UNION ALL
  SELECT r.user_id, coalesce(x.principal_fen, 0), coalesce(x.active_principal_fen, 0), coalesce(x.fee_fen, 0),
         coalesce(x.penalty_fen, 0), coalesce(x.written_off_fen, 0)
    FROM pg_temp.recon_recompute r
    LEFT JOIN recon_user_ledgers_from_rows($1::date) x ON x.user_id = r.user_id
   WHERE $2::boolean)
INSERT INTO recon_user_ledgers AS g (user_id, principal_fen, active_principal_fen, fee_fen, penalty_fen,
                                     written_off_fen, d_principal_fen, d_active_principal_fen, d_fee_fen,
                                     d_penalty_fen, d_written_off_fen, business_date)
SELECT f.user_id, f.principal_fen, f.active_principal_fen, f.fee_fen, f.penalty_fen, f.written_off_fen,
       f.principal_fen, f.active_principal_fen, f.fee_fen, f.penalty_fen, f.written_off_fen, $1::date
  FROM f
ON CONFLICT (user_id) DO UPDATE
   SET principal_fen = excluded.principal_fen,
       active_principal_fen = excluded.active_principal_fen,
       fee_fen = excluded.fee_fen,
       penalty_fen = excluded.penalty_fen,
       written_off_fen = excluded.written_off_fen,
       d_principal_fen = excluded.principal_fen
         - (g.principal_fen - CASE WHEN g.business_date = $1::date THEN g.d_principal_fen ELSE 0 END),
       d_active_principal_fen = excluded.active_principal_fen
         - (g.active_principal_fen - CASE WHEN g.business_date = $1::date THEN g.d_active_principal_fen ELSE 0 END),
       d_fee_fen = excluded.fee_fen
         - (g.fee_fen - CASE WHEN g.business_date = $1::date THEN g.d_fee_fen ELSE 0 END),
       d_penalty_fen = excluded.penalty_fen
         - (g.penalty_fen - CASE WHEN g.business_date = $1::date THEN g.d_penalty_fen ELSE 0 END),
       d_written_off_fen = excluded.written_off_fen
         - (g.written_off_fen - CASE WHEN g.business_date = $1::date THEN g.d_written_off_fen ELSE 0 END),
       business_date = excluded.business_date
