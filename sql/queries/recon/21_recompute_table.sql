-- The users whose ledgers are recomputed from their rows rather than carried forward by the day's
-- movements (migration recon_ledger_deltas): those whose loans row changed (a status the movements
-- do not show: R8 counts ACTIVE loans only; a new loan is a movement), a mark from before marks named
-- their table, and every marked user when no earlier recon stored a closing to carry forward (the
-- first recon of a book, the cut-over date of an import). R11 adds the users changed behind the triggers.
-- $1 date: the business date D
CREATE TEMP TABLE recon_recompute ON COMMIT DROP AS
SELECT DISTINCT m.user_id
  FROM recon_changed_users m
 WHERE m.reconciled_date = $1::date
   AND (m.table_name IS NULL OR (m.table_name = 'loans' AND m.operation IS DISTINCT FROM 'INSERT')
        OR NOT EXISTS (SELECT 1 FROM recon_ledger_closings c WHERE c.business_date < $1::date))
