-- R16: the risk reports' aggregates (sql/0043) = their definition recomputed from the whole book (the
-- same functions with no bound on the snapshots read): of D, the vintage rows its report reads (D's
-- and the month ends' before it), the roll-rate cells and, when D is the newest date (aging's
-- balances are the installments' current ones), the aging cells. Keys: vintage:<obs>:<cohort
-- month>:<field>, roll:<book>:<from>:<to status>:<to bucket>:<field>,
-- aging:<status>:<bucket>:<class>:<field>; a row on one side counts 0 on the other.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
-- $2 boolean: D is the newest business date
WITH vf AS (SELECT * FROM risk_vintage_compute($1::date, '-infinity')),
vs AS (SELECT obs_date, cohort_month, loans, principal_fen, bad_fen FROM risk_vintage
         WHERE cohort_month >= risk_vintage_first_cohort($1::date)
           AND (obs_date = $1::date
                OR (obs_date >= cohort_month AND obs_date < date_trunc('month', $1::date)
                    AND extract(day FROM obs_date + 1) = 1))),
v AS (SELECT obs_date || ':' || to_char(cohort_month, 'YYYY-MM') AS k,
              coalesce(f.loans, 0) AS el, coalesce(s.loans, 0) AS al,
              coalesce(f.principal_fen, 0) AS ep, coalesce(s.principal_fen, 0) AS ap,
              coalesce(f.bad_fen, 0) AS eb, coalesce(s.bad_fen, 0) AS ab
         FROM vf f FULL JOIN vs s USING (obs_date, cohort_month)),
rf AS (SELECT * FROM risk_roll_compute($1::date, '-infinity')),
rs AS (SELECT book, from_bucket, to_status, to_bucket, loans, from_fen, to_offbalance_fen
          FROM risk_roll WHERE business_date = $1::date),
r AS (SELECT book || ':' || from_bucket || ':' || to_status || ':' || to_bucket AS k,
              coalesce(f.loans, 0) AS el, coalesce(s.loans, 0) AS al,
              coalesce(f.from_fen, 0) AS ef, coalesce(s.from_fen, 0) AS af,
              coalesce(f.to_offbalance_fen, 0) AS eo, coalesce(s.to_offbalance_fen, 0) AS ao
         FROM rf f FULL JOIN rs s USING (book, from_bucket, to_status, to_bucket)),
af AS (SELECT * FROM risk_aging_compute($1::date, '-infinity') WHERE $2::boolean),
s_ AS (SELECT status, bucket, class, loans, principal_fen, fee_fen, penalty_fen, offbalance_fen
          FROM risk_aging WHERE business_date = $1::date AND $2::boolean),
a AS (SELECT status || ':' || bucket || ':' || class AS k,
              coalesce(f.loans, 0) AS el, coalesce(s.loans, 0) AS al,
              coalesce(f.principal_fen, 0) AS ep, coalesce(s.principal_fen, 0) AS ap,
              coalesce(f.fee_fen, 0) AS ef, coalesce(s.fee_fen, 0) AS af_,
              coalesce(f.penalty_fen, 0) AS en, coalesce(s.penalty_fen, 0) AS an,
              coalesce(f.offbalance_fen, 0) AS eo, coalesce(s.offbalance_fen, 0) AS ao
         FROM af f FULL JOIN s_ s USING (status, bucket, class)),
cmp AS (SELECT 'vintage:' || k || ':loans' AS k, el AS e, al AS a, 0 AS t FROM v
         UNION ALL SELECT 'vintage:' || k || ':principal', ep, ap, 0 FROM v
         UNION ALL SELECT 'vintage:' || k || ':bad', eb, ab, eb FROM v
         UNION ALL SELECT 'roll:' || k || ':loans', el, al, 0 FROM r
         UNION ALL SELECT 'roll:' || k || ':from', ef, af, ef FROM r
         UNION ALL SELECT 'roll:' || k || ':offbalance', eo, ao, 0 FROM r
         UNION ALL SELECT 'aging:' || k || ':loans', el, al, 0 FROM a
         UNION ALL SELECT 'aging:' || k || ':principal', ep, ap, ep FROM a
         UNION ALL SELECT 'aging:' || k || ':fee', ef, af_, ef FROM a
         UNION ALL SELECT 'aging:' || k || ':penalty', en, an, en FROM a
         UNION ALL SELECT 'aging:' || k || ':offbalance', eo, ao, eo FROM a),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)
         SELECT 'R16', k, e, a, $1::date FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(t), 0)::bigint FROM cmp
