-- R12: the journal hash chain of the sealed dates FROM..TO recomputes (journal_chain_verify, the
-- journal_hash_chain migration: one definition, shared with the seal). Each difference is a break
-- keyed "DATE POSTING_KEY PROBLEM" (HEAD/LINK/UNSEALED name the date only). The nightly pass
-- verifies the last week (a few dozen summary entries a day), recon --full every date.
-- Rows compared: the chain's entries; total: their debits.
-- $1 date: the first date (NULL: the first of all)
-- $2 date: the last date, D
WITH v AS (SELECT * FROM journal_chain_verify($1::date, $2::date)),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key)
         SELECT 'R12', concat_ws(' ', business_date, nullif(posting_key, ''), problem) FROM v)
SELECT (SELECT count(*) FROM journal_chain
          WHERE business_date BETWEEN coalesce($1::date, '-infinity') AND $2::date),
        (SELECT coalesce(sum(debit_fen), 0)::bigint FROM journal_lines
          WHERE business_date BETWEEN coalesce($1::date, '-infinity') AND $2::date)
