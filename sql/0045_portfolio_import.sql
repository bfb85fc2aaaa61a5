-- Portfolio import (opening book, docs/formats.md "Portfolio import"): a live book from
-- a previous system is booked once, as of its cut-over business date, before any night.
--
-- import_runs: one row per finished import, keyed by the sha256 of its manifest, so a
-- rerun of the same import set is recognised and does nothing. The row is written in
-- the import's single transaction: a killed import leaves no row (and nothing else).
-- import_refusals: the loans (and with them their users) the import refused, with the
-- file, line, field and reason, so the previous system can correct and resend them.
CREATE TABLE import_runs (
    import_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    manifest_sha256     text        NOT NULL UNIQUE CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    source_dir          text        NOT NULL,
    cutover_date        date        NOT NULL,
    job_run_id          bigint      NOT NULL REFERENCES job_runs (run_id),
    users_booked        bigint      NOT NULL CHECK (users_booked >= 0),
    loans_booked        bigint      NOT NULL CHECK (loans_booked >= 0),
    installments_booked bigint      NOT NULL CHECK (installments_booked >= 0),
    loans_refused       bigint      NOT NULL CHECK (loans_refused >= 0),
    users_refused       bigint      NOT NULL CHECK (users_refused >= 0),
    finished_at         timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE import_runs IS
    '组合迁移 / finished portfolio imports (opening book as of cutover_date); one per manifest';

CREATE TABLE import_refusals (
    import_id       bigint      NOT NULL REFERENCES import_runs (import_id),
    refusal_no      integer     NOT NULL CHECK (refusal_no >= 1),
    file_name       text        NOT NULL,
    line_no         bigint      NOT NULL CHECK (line_no >= 1),
    field           text        NOT NULL,
    user_id         text,
    order_id        text,
    reason          text        NOT NULL,
    PRIMARY KEY (import_id, refusal_no)
);

COMMENT ON TABLE import_refusals IS
    '迁移拒绝 / rows a portfolio import refused: file:line:field and reason; a refused loan refuses its user';

REVOKE UPDATE, DELETE ON import_runs, import_refusals FROM baitiao_batch;

-- The import books the whole portfolio in one transaction and then reconciles it in
-- the same one: the planner must know the tables are no longer empty (the statistics
-- collector sees the rows only after the commit), or the recon's per-user lookups
-- become scans of the book per user. ANALYZE counts the transaction's own new rows.
-- Owner's rights: only the owner may ANALYZE these tables.
CREATE FUNCTION import_refresh_statistics()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
BEGIN
    ANALYZE baitiao.users;
    ANALYZE baitiao.loans;
    ANALYZE baitiao.installments;
    ANALYZE baitiao.credit_balance_movements;
    ANALYZE baitiao.penalty_accruals;
    ANALYZE baitiao.loan_snapshots;
    ANALYZE baitiao.writeoffs;
    ANALYZE baitiao.recon_changed_users;
END
$$;
REVOKE ALL ON FUNCTION import_refresh_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION import_refresh_statistics() TO baitiao_batch;
