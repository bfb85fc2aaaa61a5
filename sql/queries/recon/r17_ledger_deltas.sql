-- R17 (recon --full): the sub-ledgers the nights carried forward by per-user deltas
-- (recon_user_ledgers) = every user's balances recomputed from the rows at the end of D. A movement
-- row missing, doubled or edited since its night, or an installment amount changed with the
-- triggers on (which the nightly pass, trusting the movements, does not recompute), differs here.
-- Key: user:PRINCIPAL|ACTIVE_PRINCIPAL|FEE|PENALTY|WRITTEN_OFF; expected: from the rows; actual:
-- the carried ledger (a user without a ledger row counts 0).
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH x AS (
  SELECT u.user_id, f.principal_fen AS ep, coalesce(g.principal_fen, 0) AS ap,
         f.active_principal_fen AS eq, coalesce(g.active_principal_fen, 0) AS aq,
         f.fee_fen AS ef, coalesce(g.fee_fen, 0) AS af, f.penalty_fen AS en, coalesce(g.penalty_fen, 0) AS an,
         f.written_off_fen AS ew, coalesce(g.written_off_fen, 0) AS aw
    FROM users u
   CROSS JOIN LATERAL recon_user_ledger_from_rows(u.user_id, $1::date) f
    LEFT JOIN recon_user_ledgers g ON g.user_id = u.user_id),
 cmp AS (SELECT user_id || ':PRINCIPAL' AS k, ep AS e, ap AS a FROM x
         UNION ALL SELECT user_id || ':ACTIVE_PRINCIPAL', eq, aq FROM x
         UNION ALL SELECT user_id || ':FEE', ef, af FROM x
         UNION ALL SELECT user_id || ':PENALTY', en, an FROM x
         UNION ALL SELECT user_id || ':WRITTEN_OFF', ew, aw FROM x),
 ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R17', k, e, a FROM cmp WHERE e <> a)
SELECT (SELECT count(*) FROM x), coalesce((SELECT sum(ep + ef + en) FROM x), 0)::bigint
