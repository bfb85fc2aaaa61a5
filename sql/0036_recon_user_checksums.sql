-- Why (issue 12 §3, check R11): the nightly recon recomputes only the users the
-- mark triggers (0031) recorded. A change made with the triggers off
-- (session_replication_role = replica, ALTER TABLE ... DISABLE TRIGGER) or
-- whose mark was deleted leaves no mark, so it went unseen. What such a change
-- cannot avoid is the row itself: recon keeps, per user, a checksum of the
-- user's rows in users, loans and installments (the sum of a 64-bit hash of
-- each whole row), brought forward each night for the users the triggers
-- marked (users: a hash of the row's text; loans and installments, the big
-- tables: of their columns, recon_loan_hash and recon_installment_hash). Any other difference between the stored
-- checksums and the tables is a change nobody marked: R11 names the table and
-- the user.
--
-- Cost: the nightly pass first compares three whole-table totals (one
-- sequential scan of users, loans and installments, hashing each row, no
-- sort, no grouping); only a table whose total differs is grouped per user to
-- name the users. docs/performance.md has the measured figures.
--
-- The checksums are written only by the functions below (owner's rights), and
-- brought forward only together with taking the marks (recon_take_changed_users),
-- so the batch role cannot bring a user forward without recon recomputing that
-- user. Every take is logged (recon_mark_takes). Hashes
-- are computed with fixed output settings, so every session sees the same text
-- of a row.

CREATE TABLE recon_user_checksums (
    user_id             text        PRIMARY KEY,
    users_sum           numeric     NOT NULL,   -- Σ hash of the user's row in users
    loans_sum           numeric     NOT NULL,   -- Σ hash of the user's loans
    installments_sum    numeric     NOT NULL,   -- Σ hash of the user's installments
    business_date       date        NOT NULL    -- the recon that last brought the user forward
);

COMMENT ON TABLE recon_user_checksums IS
    '对账校验和（按用户）/ per user: Σ hash of the user''s rows in users, loans, installments (R11)';

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON recon_user_checksums FROM baitiao_batch;

-- The hash of one installment row, column by column in integer arithmetic:
-- the table has 15 million rows at a million users, and this is 3-4 times
-- cheaper than hashing the row's text (docs/performance.md). Every column is in
-- it (t/itest_tamper.c checks the list against the table): a column added to
-- installments must be added here, by a new migration. (Timings: docs/performance.md.)
CREATE FUNCTION recon_installment_hash(i installments)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
SELECT
    hashint8extended(i.recovered_fen,
    hashint8extended(i.writeoff_penalty_fen,
    hashint8extended(i.writeoff_fee_fen,
    hashint8extended(i.writeoff_principal_fen,
    hashint8extended(i.penalty_waived_fen,
    hashint8extended(i.paid_penalty_fen,
    hashint8extended(i.penalty_accrued_fen,
    hashint8extended(i.paid_fee_fen,
    hashint8extended(i.paid_principal_fen,
    hashint8extended(i.fee_waived_fen,
    hashint8extended(i.principal_reduced_fen,
    hashint8extended(i.fee_fen,
    hashint8extended(i.principal_fen,
    hashint8extended(i.installment_no,
    hashint8extended(i.loan_id,
    hashint8extended(coalesce(i.written_off_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.cancelled_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.paid_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.billed_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.due_date - date '2000-01-01', -1),
    hashint8extended(coalesce(i.billing_date - date '2000-01-01', -1),
    hashtextextended(i.status, hashtextextended(i.order_id, hashtextextended(i.user_id, 0))))))))))))))))))))))))
$$;

-- The same for a loan; its timestamps hashed as UTC timestamps (the callers
-- run with TimeZone UTC), hence STABLE.
CREATE FUNCTION recon_loan_hash(l loans)
RETURNS bigint
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
SELECT
    hashint8extended(l.loan_id,
    hashint8extended(l.principal_fen,
    hashint8extended(l.term,
    hashint8extended(l.rate_ppm,
    hashint8extended(l.grace_days,
    hashint8extended(l.penalty_ppm,
    hashint8extended(l.writeoff_dpd,
    hashint8extended(l.apr_bp,
    hashint8extended(l.statement_day,
    hashint8extended(l.refunded_principal_fen,
    timestamp_hash_extended(l.created_at::timestamp,
    timestamp_hash_extended(l.updated_at::timestamp,
    hashint8extended(coalesce(l.origination_date - date '2000-01-01', -1),
    hashint8extended(coalesce(l.first_billing_date - date '2000-01-01', -1),
    hashint8extended(coalesce(l.status_date - date '2000-01-01', -1),
    hashint8extended(coalesce(l.written_off_date - date '2000-01-01', -1),
    hashtextextended(l.status, hashtextextended(l.prepay_fee_policy, hashtextextended(l.method, hashtextextended(l.product_code, hashtextextended(l.user_id, hashtextextended(l.order_id, 0))))))))))))))))))))))
$$;

-- Brings forward the checksums of the users marked for P_DATE (taken by
-- recon_take_changed_users), one index lookup per user; a user whose rows are
-- all gone keeps a row of zeros. Returns the number of users brought forward.
CREATE FUNCTION recon_checkpoint_users(p_date date)
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
AS $$
    WITH up AS (
        INSERT INTO recon_user_checksums (user_id, users_sum, loans_sum, installments_sum, business_date)
        SELECT c.user_id,
               coalesce((SELECT sum(hashtextextended(u::text, 0)) FROM users u WHERE u.user_id = c.user_id), 0),
               coalesce((SELECT sum(recon_loan_hash(l)) FROM loans l WHERE l.user_id = c.user_id), 0),
               coalesce((SELECT sum(recon_installment_hash(i))
                           FROM loans l JOIN installments i ON i.loan_id = l.loan_id
                          WHERE l.user_id = c.user_id), 0),
               p_date
          FROM (SELECT DISTINCT m.user_id FROM recon_changed_users m WHERE m.reconciled_date = p_date) c
        ON CONFLICT (user_id) DO UPDATE
           SET users_sum = excluded.users_sum, loans_sum = excluded.loans_sum,
               installments_sum = excluded.installments_sum, business_date = excluded.business_date
        RETURNING 1)
    SELECT count(*) FROM up
$$;

-- The users whose rows differ from their stored checksum, per table: first the
-- whole-table totals, then, only for a table whose total differs, the per-user
-- sums (a user missing on one side counts 0 there). Run after
-- recon_checkpoint_users for the same date.
CREATE FUNCTION recon_unmarked_changes()
RETURNS TABLE (table_name text, user_id text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
AS $$
DECLARE
    stored  record;
BEGIN
    SELECT coalesce(sum(s.users_sum), 0) AS u, coalesce(sum(s.loans_sum), 0) AS l,
           coalesce(sum(s.installments_sum), 0) AS i
      INTO stored FROM recon_user_checksums s;
    IF (SELECT coalesce(sum(hashtextextended(u::text, 0)), 0) FROM users u) <> stored.u THEN
        RETURN QUERY
        SELECT 'users', coalesce(f.user_id, s.user_id)
          FROM (SELECT u.user_id, sum(hashtextextended(u::text, 0)) AS h FROM users u GROUP BY u.user_id) f
          FULL JOIN recon_user_checksums s ON s.user_id = f.user_id
         WHERE coalesce(f.h, 0) <> coalesce(s.users_sum, 0);
    END IF;
    IF (SELECT coalesce(sum(recon_loan_hash(l)), 0) FROM loans l) <> stored.l THEN
        RETURN QUERY
        SELECT 'loans', coalesce(f.user_id, s.user_id)
          FROM (SELECT l.user_id, sum(recon_loan_hash(l)) AS h FROM loans l GROUP BY l.user_id) f
          FULL JOIN recon_user_checksums s ON s.user_id = f.user_id
         WHERE coalesce(f.h, 0) <> coalesce(s.loans_sum, 0);
    END IF;
    IF (SELECT coalesce(sum(recon_installment_hash(i)), 0) FROM installments i) <> stored.i THEN
        RETURN QUERY
        SELECT 'installments', coalesce(f.user_id, s.user_id)
          FROM (SELECT i.user_id, sum(recon_installment_hash(i)) AS h
                  FROM installments i GROUP BY i.user_id) f
          FULL JOIN recon_user_checksums s ON s.user_id = f.user_id
         WHERE coalesce(f.h, 0) <> coalesce(s.installments_sum, 0);
    END IF;
END
$$;

-- Every take of the marks, by whom: a take outside a recon run shows here.
CREATE TABLE recon_mark_takes (
    take_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date       date        NOT NULL,
    users_taken         bigint      NOT NULL,
    taken_by            text        NOT NULL DEFAULT session_user,
    application_name    text        NOT NULL DEFAULT current_setting('application_name'),
    taken_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX recon_mark_takes_date_idx ON recon_mark_takes (business_date);

COMMENT ON TABLE recon_mark_takes IS
    '变更标记领取记录 / every take of recon_changed_users (recon_take_changed_users), append-only';

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON recon_mark_takes FROM baitiao_batch;

-- Takes the marks not yet taken for P_DATE (a rerun of P_DATE takes the same
-- users again), prunes the marks of earlier dates, brings the checksums of the
-- users marked for P_DATE forward, logs the take and returns those users.
-- Refuses a date after the newest business date (which would take tomorrow's
-- marks today) and a date before the last one taken (which would re-label
-- marks already taken).
CREATE FUNCTION recon_take_changed_users(p_date date)
RETURNS TABLE (user_id text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    n   bigint;
BEGIN
    IF p_date > (SELECT max(business_date) FROM business_calendar) THEN
        RAISE EXCEPTION 'recon_take_changed_users: % is after the newest business date', p_date
            USING ERRCODE = '22023';
    END IF;
    IF p_date < (SELECT max(t.business_date) FROM recon_mark_takes t) THEN
        RAISE EXCEPTION 'recon_take_changed_users: % is before the last date taken', p_date
            USING ERRCODE = '22023';
    END IF;
    UPDATE recon_changed_users c SET reconciled_date = p_date WHERE c.reconciled_date IS NULL;
    DELETE FROM recon_changed_users c WHERE c.reconciled_date < p_date;
    n := recon_checkpoint_users(p_date);
    INSERT INTO recon_mark_takes (business_date, users_taken) VALUES (p_date, n);
    RETURN QUERY SELECT DISTINCT c.user_id FROM recon_changed_users c WHERE c.reconciled_date = p_date;
END
$$;

-- (default privileges grant EXECUTE to the batch role: taken back where it must not call)
REVOKE ALL ON FUNCTION recon_checkpoint_users(date) FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_take_changed_users(date) FROM PUBLIC, baitiao_report;
REVOKE ALL ON FUNCTION recon_unmarked_changes() FROM PUBLIC, baitiao_report;
REVOKE ALL ON FUNCTION recon_installment_hash(installments) FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_loan_hash(loans) FROM PUBLIC, baitiao_batch, baitiao_report;
GRANT EXECUTE ON FUNCTION recon_take_changed_users(date) TO baitiao_batch;
GRANT EXECUTE ON FUNCTION recon_unmarked_changes() TO baitiao_batch;

-- An existing book: every user is brought forward (and recomputed) by the next recon.
INSERT INTO recon_changed_users (user_id) SELECT user_id FROM users;
