-- Why: "the database refuses an unbalanced entry" (product-rules §8) and the
-- ledger is append-only (corrections are new entries). A step inserts an
-- entry's lines in one or several statements, so balance can only be judged
-- at COMMIT: a DEFERRABLE INITIALLY DEFERRED constraint trigger re-sums the
-- entry of every inserted line and raises SQLSTATE 23514 (check_violation,
-- constraint journal_entry_balanced) naming the entry and both sums, which
-- aborts the COMMIT.
--
-- Partitioning: PostgreSQL 15 accepts row-level constraint triggers on a
-- partitioned table and clones them to every partition, existing and future
-- (pg_trigger.tgparentid), including the DEFAULT one and partitions created
-- later by ensure_partitions. Verified on PG 15 before writing this file.
--
-- Cost: one index probe per inserted line, pruned to one partition by
-- business_date. Entries are meant to be small (one summary entry per account
-- pair and day, §8); an entry of n lines costs n re-sums of n lines.
-- SET CONSTRAINTS journal_entry_balanced IMMEDIATE checks earlier, e.g. in tests.

CREATE FUNCTION journal_entry_check_balanced() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_debit_fen  numeric;
    v_credit_fen numeric;
BEGIN
    SELECT coalesce(sum(l.debit_fen), 0), coalesce(sum(l.credit_fen), 0)
      INTO v_debit_fen, v_credit_fen
      FROM baitiao.journal_lines l
     WHERE l.entry_id = NEW.entry_id
       AND l.business_date = NEW.business_date;

    IF v_debit_fen <> v_credit_fen THEN
        RAISE EXCEPTION 'journal entry % is unbalanced: debits % fen, credits % fen',
                        NEW.entry_id, v_debit_fen, v_credit_fen
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'journal_entry_balanced',
                  SCHEMA = 'baitiao',
                  TABLE = 'journal_lines',
                  DETAIL = format('business_date %s, difference %s fen',
                                  NEW.business_date, v_debit_fen - v_credit_fen);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER journal_entry_balanced
    AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_entry_check_balanced();

-- Append-only: posted headers and lines never change or disappear.
CREATE FUNCTION journal_refuse_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% on %.% refused: the ledger is append-only, post a correcting entry instead',
                    TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER journal_lines_append_only
    BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_lines_no_truncate
    BEFORE TRUNCATE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_entries_append_only
    BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_entries_no_truncate
    BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();

-- Trigger functions are not for calling.
REVOKE ALL ON FUNCTION journal_entry_check_balanced(), journal_refuse_change() FROM PUBLIC, baitiao_batch;
