-- R18 (issue 18): campaign discounts of D are posted and within budget, and no coupon is used
-- twice. Recomputed from loan_campaigns and fee_subsidies against the journal and the counters:
--   granted:FUNDER   Σ discounts the loans of D got = Σ their fee_subsidies rows (per funder)
--   posted:FUNDER    Σ discounts the loans of D got = the SUBSIDY_GRANT entry's Dr 6601 / Dr 2202
--   earned           Σ subsidies earned on D = the subsidies:EARNED entry's Cr 6011
--   returned:FUNDER  Σ subsidies returned on D = the subsidies:RETURNED entry's Cr 6601 / Cr 2202
--   reversed:FUNDER  Σ subsidies reversed on D = the subsidies:REVERSED entry's Cr 6601 / Cr 2202
--   day:CAMPAIGN     the campaign's day row = Σ discounts its loans of D got
--   budget:CAMPAIGN  consumed ≤ budget (a break only when it is over: expected is the budget)
--   coupon:COUPON    a coupon used on D has one live use
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- The total compared is the discounts granted on D (not the budgets and counts beside them).
-- $1 date: the business date D
WITH lc AS (SELECT funder, sum(discount_fen)::bigint AS fen FROM loan_campaigns
             WHERE origination_date = $1::date GROUP BY funder),
fs AS (SELECT f.funder, sum(f.amount_fen)::bigint AS fen
         FROM fee_subsidies f JOIN loan_campaigns l ON l.loan_id = f.loan_id AND l.campaign_id = f.campaign_id
        WHERE l.origination_date = $1::date GROUP BY f.funder),
gl AS (SELECT e.posting_key, jl.account_code, sum(jl.debit_fen)::bigint AS dr, sum(jl.credit_fen)::bigint AS cr
         FROM journal_entries e JOIN journal_lines jl ON jl.entry_id = e.entry_id AND jl.business_date = e.business_date
        WHERE e.business_date = $1::date AND e.entry_type = 'SUBSIDY'
        GROUP BY e.posting_key, jl.account_code),
moved AS (SELECT 'earned' AS k, sum(amount_fen)::bigint AS fen FROM fee_subsidies WHERE earned_date = $1::date
          UNION ALL
          SELECT lower(status) || ':' || funder, sum(amount_fen)::bigint FROM fee_subsidies
           WHERE settled_date = $1::date GROUP BY status, funder),
days AS (SELECT campaign_id, discount_fen FROM campaign_days WHERE business_date = $1::date),
per_campaign AS (SELECT campaign_id, sum(discount_fen)::bigint AS fen FROM loan_campaigns
                  WHERE origination_date = $1::date GROUP BY campaign_id),
cmp AS (SELECT 'granted:' || coalesce(lc.funder, fs.funder) AS k, coalesce(lc.fen, 0) AS e, coalesce(fs.fen, 0) AS a
          FROM lc FULL JOIN fs USING (funder)
        UNION ALL
        SELECT 'posted:' || f.funder, coalesce(lc.fen, 0),
               coalesce((SELECT dr FROM gl WHERE posting_key = 'originate:SUBSIDY_GRANT'
                          AND account_code = CASE f.funder WHEN 'PLATFORM' THEN '6601' ELSE '2202' END), 0)
          FROM (VALUES ('PLATFORM'), ('MERCHANT')) f (funder) LEFT JOIN lc USING (funder)
        UNION ALL
        SELECT 'earned', coalesce((SELECT fen FROM moved WHERE k = 'earned'), 0),
               coalesce((SELECT cr FROM gl WHERE posting_key = 'subsidies:EARNED' AND account_code = '6011'), 0)
        UNION ALL
        SELECT s.kind || ':' || f.funder, coalesce((SELECT fen FROM moved WHERE k = s.kind || ':' || f.funder), 0),
               coalesce((SELECT cr FROM gl WHERE posting_key = 'subsidies:' || upper(s.kind)
                          AND account_code = CASE f.funder WHEN 'PLATFORM' THEN '6601' ELSE '2202' END), 0)
          FROM (VALUES ('returned'), ('reversed')) s (kind), (VALUES ('PLATFORM'), ('MERCHANT')) f (funder)
        UNION ALL
        SELECT 'day:' || coalesce(p.campaign_id, d.campaign_id), coalesce(p.fen, 0), coalesce(d.discount_fen, 0)
          FROM per_campaign p FULL JOIN days d USING (campaign_id)
        UNION ALL
        SELECT 'budget:' || campaign_id, least(consumed_fen, budget_fen), consumed_fen
          FROM campaigns WHERE campaign_id IN (SELECT campaign_id FROM per_campaign)
        UNION ALL
        SELECT 'coupon:' || u.coupon_id, 1,
               (SELECT count(*) FROM coupon_uses x WHERE x.coupon_id = u.coupon_id AND x.returned_date IS NULL)
          FROM coupon_uses u WHERE u.used_date = $1::date AND u.returned_date IS NULL),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R18', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e) FILTER (WHERE k LIKE 'granted:%'), 0)::bigint FROM cmp
