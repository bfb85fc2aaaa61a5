-- Why: reconciliation R4, R8 and R9 compare sub-ledger *balances*, which were
-- recomputed every night by one pass over every installment ever written: the
-- cost of recon grew with the book, not with the day (product-rules §9; issue 5
-- wants recon at most half the night). Now recon keeps its own recomputation of
-- each user's balances (recon_user_ledgers, written by recon only) and each
-- night recomputes, from the installments, only the users whose rows changed.
--
-- Which users changed is recorded by the database itself, by statement-level
-- triggers on installments, loans and users, not by the batch code under test:
-- a change made behind the system's back (psql, a bug in any step) marks its
-- user like any other, so recon still recomputes from the detail rows and finds
-- it. recon marks the rows it took with its business date (a rerun of the same
-- date takes the same users again) and prunes rows of earlier dates.

CREATE TABLE recon_user_ledgers (
    user_id                 text        PRIMARY KEY,
    principal_fen           bigint      NOT NULL,   -- outstanding principal, all loans
    active_principal_fen    bigint      NOT NULL,   -- outstanding principal of ACTIVE loans (R8)
    fee_fen                 bigint      NOT NULL,   -- billed fee receivable
    penalty_fen             bigint      NOT NULL,
    written_off_fen         bigint      NOT NULL,   -- written off less recovered
    business_date           date        NOT NULL    -- the recon that last recomputed the user
);

COMMENT ON TABLE recon_user_ledgers IS
    '对账子账（按用户）/ recon''s own recomputation of each user''s sub-ledger balances from installments';

CREATE TABLE recon_changed_users (
    user_id                 text        NOT NULL,
    reconciled_date         date                    -- NULL until a recon takes the row
);

CREATE INDEX recon_changed_users_date_idx ON recon_changed_users (reconciled_date);

COMMENT ON TABLE recon_changed_users IS
    '待重算用户 / users whose installments, loans or user row changed since recon last looked (written by triggers)';

-- The batch neither writes nor forges the change log itself: only the trigger
-- function (owner's rights) inserts; recon marks and prunes.
REVOKE INSERT ON recon_changed_users FROM baitiao_batch;
REVOKE DELETE ON recon_user_ledgers FROM baitiao_batch;

CREATE FUNCTION recon_mark_changed_users()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
BEGIN
    -- TG_ARGV[0] names the transition tables present: 'new', 'old' or 'both'
    IF TG_ARGV[0] = 'new' THEN
        INSERT INTO recon_changed_users (user_id) SELECT DISTINCT user_id FROM changed_new;
    ELSIF TG_ARGV[0] = 'old' THEN
        INSERT INTO recon_changed_users (user_id) SELECT DISTINCT user_id FROM changed_old;
    ELSE
        INSERT INTO recon_changed_users (user_id)
        SELECT user_id FROM changed_new UNION SELECT user_id FROM changed_old;
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION recon_mark_changed_users() FROM PUBLIC;

-- A trigger with transition tables serves one event, hence one per event.
CREATE TRIGGER installments_mark_insert AFTER INSERT ON installments
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('new');
CREATE TRIGGER installments_mark_update AFTER UPDATE ON installments
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('both');
CREATE TRIGGER installments_mark_delete AFTER DELETE ON installments
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('old');

-- A loan's status decides whether its principal counts as used limit (R8).
CREATE TRIGGER loans_mark_update AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('both');
CREATE TRIGGER loans_mark_delete AFTER DELETE ON loans
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('old');

-- The user row holds the used limit R8 checks.
CREATE TRIGGER users_mark_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('new');
CREATE TRIGGER users_mark_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('both');

-- An existing book: every user is recomputed by the next recon.
INSERT INTO recon_changed_users (user_id) SELECT user_id FROM users;
