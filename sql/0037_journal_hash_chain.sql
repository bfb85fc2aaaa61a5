-- Why: a tamper-evident ledger (issue 12 §4). Each journal entry gets a hash
-- over its header and lines, and each business date a chain of those hashes:
--     chain_1 = sha256(start || entry_hash_1), chain_k = sha256(chain_{k-1} || entry_hash_k)
-- where start is the previous date's head (genesis on the first date) and the
-- entries of the date are taken in the order of their posting key (COLLATE "C").
-- GL close seals the day (journal_chain_seal) after its last posting; recon R12
-- recomputes the chain from the journal (journal_chain_verify) and compares. An
-- edit, insert or delete of a past line or entry — even by a superuser with the
-- append-only triggers off — changes a recomputed hash and names the entry; a
-- consistent rewrite of the stored chain too changes every later head, which the
-- reconciliation report prints every night so a copy kept elsewhere proves the
-- books were not rewritten.
--
-- Only natural values are hashed (date, posting key, type, step, description,
-- line number, account, amounts, memo), never entry_id, run ids or clock times:
-- a night killed anywhere and rerun seals the identical chain.
-- sha256(bytea) is built into PostgreSQL since 11: no extension needed.
--
-- Cost: one pass over the date's entries and lines (a few dozen summary entries
-- a day, product-rules §8), through journal_entries_business_date_idx and the
-- month partition of journal_lines.

CREATE TABLE journal_chain (
    business_date   date        NOT NULL,
    chain_no        integer     NOT NULL CHECK (chain_no >= 1),
    posting_key     text        NOT NULL,     -- the entry's posting key ('#' || entry_id when it has none)
    entry_hash      bytea       NOT NULL CHECK (length(entry_hash) = 32),
    chain_hash      bytea       NOT NULL CHECK (length(chain_hash) = 32),
    PRIMARY KEY (business_date, chain_no),
    UNIQUE (business_date, posting_key)
);

COMMENT ON TABLE journal_chain IS
    '凭证哈希链 / per business date, each journal entry''s hash and the running chain hash, sealed at GL close; append-only';

CREATE TABLE journal_chain_heads (
    business_date   date        PRIMARY KEY,
    entries         integer     NOT NULL CHECK (entries >= 0),
    start_hash      bytea       NOT NULL CHECK (length(start_hash) = 32),   -- the previous date's head
    head_hash       bytea       NOT NULL CHECK (length(head_hash) = 32),    -- the last chain hash (start when no entry)
    sealed_at       timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE journal_chain_heads IS
    '哈希链日终值 / the chain head of every sealed business date; printed in the reconciliation report; append-only';

-- The start of the very first date's chain.
CREATE FUNCTION journal_chain_genesis() RETURNS bytea
LANGUAGE sql IMMUTABLE
AS $$ SELECT sha256(convert_to('baitiao journal chain genesis', 'UTF8')) $$;

-- Each entry of P_DATE as it is now: its chain key and the hash of its header
-- and lines. Lines are grouped by their own entry_id and date, so lines whose
-- entry is gone (or on another date) still show, as an entry "#orphan:N".
CREATE FUNCTION journal_entry_hashes(p_date date)
RETURNS TABLE (posting_key text, entry_hash bytea)
LANGUAGE sql STABLE
AS $$
    WITH e AS (SELECT e.entry_id, coalesce(e.posting_key, '#' || e.entry_id) AS chain_key,
                      concat_ws(E'\x1f', e.business_date, e.entry_type, e.step_name,
                                coalesce(e.posting_key, ''), coalesce(e.description, ''),
                                coalesce(r.business_date || '/' || coalesce(r.posting_key, '#' || r.entry_id), '')) AS header
                 FROM baitiao.journal_entries e
                 LEFT JOIN baitiao.journal_entries r ON r.entry_id = e.reverses_entry_id
                WHERE e.business_date = p_date),
         l AS (SELECT l.entry_id,
                      string_agg(concat_ws(E'\x1f', l.line_no, l.business_date, l.account_code, l.debit_fen,
                                           l.credit_fen, coalesce(l.memo, '')),
                                 E'\x1e' ORDER BY l.line_no) AS lines
                 FROM baitiao.journal_lines l
                WHERE l.business_date = p_date
                GROUP BY l.entry_id)
    SELECT coalesce(e.chain_key, '#orphan:' || l.entry_id),
           sha256(convert_to(concat_ws(E'\x1d', coalesce(e.header, ''), coalesce(l.lines, '')), 'UTF8'))
      FROM e FULL JOIN l ON l.entry_id = e.entry_id
$$;

-- The chain of P_DATE recomputed from the journal, starting from P_START.
CREATE FUNCTION journal_chain_compute(p_date date, p_start bytea)
RETURNS TABLE (chain_no integer, posting_key text, entry_hash bytea, chain_hash bytea)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_hash bytea := p_start;
    v_row  record;
BEGIN
    chain_no := 0;
    FOR v_row IN SELECT h.posting_key, h.entry_hash FROM baitiao.journal_entry_hashes(p_date) h
                  ORDER BY h.posting_key COLLATE "C"
    LOOP
        v_hash := sha256(v_hash || v_row.entry_hash);
        chain_no := chain_no + 1;
        posting_key := v_row.posting_key;
        entry_hash := v_row.entry_hash;
        chain_hash := v_hash;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The head P_DATE's chain starts from: the latest sealed date before it.
CREATE FUNCTION journal_chain_start(p_date date) RETURNS bytea
LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT h.head_hash FROM baitiao.journal_chain_heads h
                      WHERE h.business_date < p_date ORDER BY h.business_date DESC LIMIT 1),
                    baitiao.journal_chain_genesis())
$$;

-- Seals P_DATE (GL close, after the day's last posting): stores its chain and head.
-- Sealing a date twice fails on the primary keys: a sealed day is never resealed.
CREATE FUNCTION journal_chain_seal(p_date date)
RETURNS TABLE (entries integer, head_hash bytea)
LANGUAGE plpgsql
AS $$
DECLARE
    v_start bytea := baitiao.journal_chain_start(p_date);
BEGIN
    INSERT INTO baitiao.journal_chain (business_date, chain_no, posting_key, entry_hash, chain_hash)
    SELECT p_date, c.chain_no, c.posting_key, c.entry_hash, c.chain_hash
      FROM baitiao.journal_chain_compute(p_date, v_start) c;
    RETURN QUERY
    INSERT INTO baitiao.journal_chain_heads (business_date, entries, start_hash, head_hash)
    SELECT p_date, count(*)::integer,
           v_start,
           coalesce((SELECT c.chain_hash FROM baitiao.journal_chain c
                      WHERE c.business_date = p_date ORDER BY c.chain_no DESC LIMIT 1), v_start)
      FROM baitiao.journal_chain c WHERE c.business_date = p_date
    RETURNING journal_chain_heads.entries, journal_chain_heads.head_hash;
END
$$;

-- Every difference between the journal and the sealed chains of the dates in
-- [P_FROM, P_TO] (P_FROM NULL: from the first), one row per named entry:
--   CHANGED     the entry's header or lines differ from what was sealed
--   MISSING     sealed, but no longer in the journal (deleted, or its key altered)
--   UNEXPECTED  in the journal, but not in the sealed chain (inserted afterwards)
--   UNSEALED    the date has entries but was never sealed
--   HEAD        the stored chain or head does not recompute (the chain table was edited)
--   LINK        the date's chain does not start from the previous sealed head
CREATE FUNCTION journal_chain_verify(p_from date, p_to date)
RETURNS TABLE (business_date date, posting_key text, problem text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_date date;
    v_head baitiao.journal_chain_heads;
    v_link record;
    v_hash bytea;
    v_n    integer;
    v_bad  boolean;
BEGIN
    FOR v_date IN SELECT h.business_date FROM baitiao.journal_chain_heads h
                   WHERE h.business_date BETWEEN coalesce(p_from, '-infinity') AND p_to
                  UNION
                  SELECT DISTINCT e.business_date FROM baitiao.journal_entries e
                   WHERE e.business_date BETWEEN coalesce(p_from, '-infinity') AND p_to
                  ORDER BY 1
    LOOP
        business_date := v_date;
        SELECT * INTO v_head FROM baitiao.journal_chain_heads h WHERE h.business_date = v_date;
        IF NOT FOUND THEN
            posting_key := ''; problem := 'UNSEALED';
            RETURN NEXT;
            CONTINUE;
        END IF;
        RETURN QUERY
        SELECT v_date, coalesce(s.posting_key, n.posting_key),
               CASE WHEN n.posting_key IS NULL THEN 'MISSING'
                    WHEN s.posting_key IS NULL THEN 'UNEXPECTED'
                    ELSE 'CHANGED' END
          FROM (SELECT c.posting_key, c.entry_hash FROM baitiao.journal_chain c WHERE c.business_date = v_date) s
          FULL JOIN baitiao.journal_entry_hashes(v_date) n ON n.posting_key = s.posting_key
         WHERE s.entry_hash IS DISTINCT FROM n.entry_hash
         ORDER BY coalesce(s.posting_key, n.posting_key) COLLATE "C";
        -- The stored chain must recompute from its own start and entry hashes.
        v_hash := v_head.start_hash;
        v_n := 0;
        v_bad := false;
        FOR v_link IN SELECT c.chain_no, c.entry_hash, c.chain_hash FROM baitiao.journal_chain c
                       WHERE c.business_date = v_date ORDER BY c.chain_no
        LOOP
            v_n := v_n + 1;
            v_hash := sha256(v_hash || v_link.entry_hash);
            v_bad := v_bad OR v_link.chain_no <> v_n OR v_link.chain_hash <> v_hash;
        END LOOP;
        IF v_bad OR v_n <> v_head.entries OR v_hash <> v_head.head_hash THEN
            posting_key := ''; problem := 'HEAD';
            RETURN NEXT;
        END IF;
        IF v_head.start_hash <> baitiao.journal_chain_start(v_date) THEN
            posting_key := ''; problem := 'LINK';
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;

-- Append-only, like the journal itself (0021's trigger function).
CREATE TRIGGER journal_chain_append_only
    BEFORE UPDATE OR DELETE ON journal_chain
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_chain_no_truncate
    BEFORE TRUNCATE ON journal_chain
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_chain_heads_append_only
    BEFORE UPDATE OR DELETE ON journal_chain_heads
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_chain_heads_no_truncate
    BEFORE TRUNCATE ON journal_chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();

-- A database that already has a history: seal every date GL close has closed,
-- in date order, so the chain covers the whole journal from now on.
DO $$
DECLARE
    v_date date;
BEGIN
    FOR v_date IN SELECT DISTINCT g.business_date FROM baitiao.gl_daily_balances g ORDER BY 1 LOOP
        PERFORM baitiao.journal_chain_seal(v_date);
    END LOOP;
END
$$;

-- R12's breaks are stored like every other check's: recon_breaks.check_id listed
-- R1..R9 and now takes any R<number>, so a check added to src/recon.c's table
-- needs no migration of its own.
ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_check_id_check;
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_check_id_check CHECK (check_id ~ '^R[1-9][0-9]?$');
COMMENT ON TABLE recon_breaks IS
    '对账差异 / reconciliation breaks (check_id R1..R99, src/recon.c): OPEN → EXPLAINED → RESOLVED; never deleted';

GRANT SELECT, INSERT ON journal_chain, journal_chain_heads TO baitiao_batch;
REVOKE UPDATE, DELETE, TRUNCATE ON journal_chain, journal_chain_heads FROM baitiao_batch;
GRANT SELECT ON journal_chain, journal_chain_heads TO baitiao_report;
-- An auditor with the report role can verify the chain (read-only functions);
-- the batch role gets EXECUTE on every function by 0001's default privileges.
GRANT EXECUTE ON FUNCTION journal_chain_genesis(), journal_entry_hashes(date), journal_chain_compute(date, bytea),
                          journal_chain_start(date), journal_chain_verify(date, date) TO baitiao_report;
