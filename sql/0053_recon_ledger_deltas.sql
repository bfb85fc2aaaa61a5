-- Why (issue 15 §2, recon): recon_user_ledgers (sql/0031) was recomputed each
-- night, for every user a trigger marked, from all of that user's loans and
-- installments: the cost of recon followed the changed users' whole history.
-- Now a user's ledger is carried forward by the day's movements (loans
-- originated, allocations, fees billed, waivers, penalty accrued, write-offs:
-- the rows R9 sums, per user), and recomputed from the rows only when the
-- movements cannot tell (a loans row changed, a change behind the triggers
-- (R11), the first recon of a book). recon --full recomputes every user from
-- the rows and compares (R17) before it rewrites the table.
--
-- A rerun of the same date must not apply that date's movements twice: each row
-- keeps the change (d_*) the pass of its business_date applied, so the ledger
-- as of the previous pass is always *_fen − d_* for a row of the date being
-- rerun, and *_fen otherwise.

ALTER TABLE recon_user_ledgers
    ADD COLUMN d_principal_fen          bigint NOT NULL DEFAULT 0,
    ADD COLUMN d_active_principal_fen   bigint NOT NULL DEFAULT 0,
    ADD COLUMN d_fee_fen                bigint NOT NULL DEFAULT 0,
    ADD COLUMN d_penalty_fen            bigint NOT NULL DEFAULT 0,
    ADD COLUMN d_written_off_fen        bigint NOT NULL DEFAULT 0;

COMMENT ON COLUMN recon_user_ledgers.d_principal_fen IS
    'the change the pass of business_date applied (d_*): the ledger as of the pass before is *_fen − d_*';

-- One user's sub-ledger balances recomputed from the rows at the end of THROUGH:
-- outstanding principal (all loans, and ACTIVE loans only, for R8), billed fee,
-- penalty, and written-off balance less recoveries. Closed rows owe nothing
-- (installments_closed_settled), so summing every row is the same as summing
-- the live ones — and also sees a closed row that was tampered with. The rows
-- are reached through the user's loans (loans_user_idx, then the installments'
-- primary key). A plain STABLE SQL function: the planner inlines it into the
-- caller's LATERAL join. "Outstanding" is the one spelling of sql/0047.
CREATE FUNCTION recon_user_ledger_from_rows(p_user_id text, p_through date)
RETURNS TABLE (principal_fen bigint, active_principal_fen bigint, fee_fen bigint, penalty_fen bigint,
               written_off_fen bigint)
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT coalesce(sum(installment_principal_out_fen(i)), 0)::bigint,
           coalesce(sum(installment_principal_out_fen(i)) FILTER (WHERE l.status = 'ACTIVE'), 0)::bigint,
           coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status <> 'UNBILLED'), 0)::bigint,
           coalesce(sum(installment_penalty_out_fen(i, p_through)), 0)::bigint,
           coalesce(sum(i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen
                        - i.recovered_fen), 0)::bigint
      FROM loans l JOIN installments i ON i.loan_id = l.loan_id
     WHERE l.user_id = p_user_id
$$;

COMMENT ON FUNCTION recon_user_ledger_from_rows(text, date) IS
    '用户子账重算 / one user''s sub-ledger balances recomputed from loans and installments (recon, R17)';

REVOKE ALL ON FUNCTION recon_user_ledger_from_rows(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recon_user_ledger_from_rows(text, date) TO baitiao_batch, baitiao_report;
