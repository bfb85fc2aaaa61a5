-- Reserves the loan ids of the imported loans from loans' identity sequence, so the
-- loans and their installments are COPYed straight into their tables, ids included
-- (COPY takes the values given for an identity column), with no staging table or join.
-- The import holds the night's lock, so nothing else takes ids meanwhile: the ids come
-- out contiguous, which the caller checks (first, last, count).
-- $1 bigint: how many ids
SELECT min(id), max(id), count(*)
  FROM (SELECT nextval(pg_get_serial_sequence('loans', 'loan_id')) AS id FROM generate_series(1, $1::bigint)) r
