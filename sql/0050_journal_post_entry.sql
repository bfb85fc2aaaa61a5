-- Why: the posting of a journal entry (product-rules §8) is one function a DBA can
-- read, not SQL composed around each step's query (issue 14 §1). A step computes its
-- entry's lines set-based from the sub-ledger rows it wrote (sql/steps/*/NN_gl_lines.sql)
-- and hands them here as three arrays (account, debit, credit):
--   - the lines are summed per account and side; an account whose sums are both zero
--     gives no line; a negative sum is refused (22023): a bug in the step's lines;
--   - debits must equal credits, else the entry is refused (23514, naming both sums)
--     before anything is written — 0021's deferred trigger would refuse it at COMMIT
--     anyway, this names the step and posting key at once;
--   - nothing left (a day without movements): no entry, returns 0;
--   - otherwise one header and its lines, numbered debits first then credits, each side
--     by account code — the numbering the journal has always had, so the hash chain of
--     0037 (which hashes line numbers, accounts and amounts) is unchanged;
--   - returns the entry's total (Σ debits = Σ credits).
-- posting_key is unique per date (0020): a second posting of the same key fails on it.
-- SECURITY INVOKER: the caller's INSERT privilege on the journal is what posts.

-- The lines summed per account: (account, Σ debits, Σ credits), NULL amounts as zero.
CREATE FUNCTION journal_entry_sides(p_accounts text[], p_debits bigint[], p_credits bigint[])
RETURNS TABLE (account_code text, debit_fen numeric, credit_fen numeric)
LANGUAGE sql IMMUTABLE
AS $$
    SELECT a.account_code, sum(coalesce(a.debit_fen, 0)), sum(coalesce(a.credit_fen, 0))
      FROM unnest(p_accounts, p_debits, p_credits) AS a (account_code, debit_fen, credit_fen)
     GROUP BY a.account_code
$$;

CREATE FUNCTION journal_post_entry(p_date date, p_entry_type text, p_step text, p_run_id bigint,
                                   p_posting_key text, p_description text,
                                   p_accounts text[], p_debits bigint[], p_credits bigint[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_debit    numeric;
    v_credit   numeric;
    v_negative integer;
    v_lines    integer;
    v_entry_id bigint;
BEGIN
    IF cardinality(p_accounts) IS DISTINCT FROM cardinality(p_debits)
       OR cardinality(p_accounts) IS DISTINCT FROM cardinality(p_credits) THEN
        RAISE EXCEPTION '% entry %: % accounts, % debits, % credits', p_step, p_posting_key,
                        cardinality(p_accounts), cardinality(p_debits), cardinality(p_credits)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT coalesce(sum(s.debit_fen), 0), coalesce(sum(s.credit_fen), 0),
           count(*) FILTER (WHERE s.debit_fen < 0 OR s.credit_fen < 0),
           count(*) FILTER (WHERE s.debit_fen <> 0 OR s.credit_fen <> 0)
      INTO v_debit, v_credit, v_negative, v_lines
      FROM journal_entry_sides(p_accounts, p_debits, p_credits) s;

    IF v_negative > 0 THEN
        RAISE EXCEPTION '% entry %: a negative line amount', p_step, p_posting_key
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_debit <> v_credit THEN
        RAISE EXCEPTION '% entry % is unbalanced: debits % fen, credits % fen', p_step, p_posting_key,
                        v_debit, v_credit
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    IF v_lines = 0 THEN
        RETURN 0;
    END IF;

    INSERT INTO journal_entries (business_date, entry_type, step_name, job_run_id, posting_key, description)
    VALUES (p_date, p_entry_type, p_step, p_run_id, p_posting_key, p_description)
    RETURNING entry_id INTO v_entry_id;

    INSERT INTO journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)
    SELECT v_entry_id, row_number() OVER (ORDER BY s.credit_fen > 0, s.account_code), p_date,
           s.account_code, s.debit_fen, s.credit_fen
      FROM (SELECT a.account_code, a.debit_fen, 0::bigint AS credit_fen
              FROM journal_entry_sides(p_accounts, p_debits, p_credits) a WHERE a.debit_fen > 0
            UNION ALL
            SELECT a.account_code, 0, a.credit_fen
              FROM journal_entry_sides(p_accounts, p_debits, p_credits) a WHERE a.credit_fen > 0) s;

    RETURN v_debit::bigint;
END
$$;

COMMENT ON FUNCTION journal_post_entry(date, text, text, bigint, text, text, text[], bigint[], bigint[]) IS
    '记账 / posts one balanced journal entry from (account, debit, credit) lines summed per account and side; '
    'returns its total, 0 when nothing to post';

-- The batch posts (EXECUTE by 0001's default privileges); nobody else.
REVOKE ALL ON FUNCTION journal_post_entry(date, text, text, bigint, text, text, text[], bigint[], bigint[])
    FROM PUBLIC, baitiao_report;
