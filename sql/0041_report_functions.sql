-- Why: rules the report specs share, defined once instead of in each spec.
-- 1. Every balance report carries foot lines that reconcile its totals to the
--    GL account it belongs to (reports/README, "Footing"). The GL figure must
--    come from the ledger, never from the sub-ledger tables the report itself
--    reads: gl_balance_fen and gl_foot_label are what every foot_sql calls.
-- 2. A past date's report shows each break with its status as it was at the end
--    of that business date (break_status_on), so rerunning history gives the
--    same file whatever was explained or resolved since.

-- The balance of ACCOUNT (and of its children: '1002' is every 1002.<channel>) at
-- the end of business date P_DATE, in the account's normal direction: assets and
-- expenses debit-positive, liabilities and income credit-positive (so 2241 溢缴款
-- reads as the positive amount owed to customers). gl_daily_balances has a row
-- for every account with a balance or a movement on a closed date, so a missing
-- row is a zero balance.
CREATE FUNCTION gl_balance_fen(p_account text, p_date date)
RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT coalesce(sum(CASE WHEN a.normal_side = 'DEBIT' THEN b.closing_fen ELSE -b.closing_fen END), 0)::bigint
      FROM gl_daily_balances b
      JOIN gl_accounts a USING (account_code)
     WHERE b.business_date = p_date
       AND (b.account_code = p_account OR a.parent_code = p_account)
$$;
COMMENT ON FUNCTION gl_balance_fen(text, date) IS
    '总账余额 / GL closing of an account (and its children) on a date, in its normal direction, fen';

-- The foot line's label: "总账 1122 应收本金 余额" / "GL 1122 Loan principal receivable, balance".
CREATE FUNCTION gl_foot_label(p_account text, p_lang text)
RETURNS text
LANGUAGE sql STABLE STRICT
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_lang = 'en' THEN 'GL ' || account_code || ' ' || name_en || ', balance'
                ELSE '总账 ' || account_code || ' ' || name_zh || ' 余额' END
      FROM gl_accounts WHERE account_code = p_account
$$;
COMMENT ON FUNCTION gl_foot_label(text, text) IS
    '对账行标签 / the label of a report foot line for a GL account, zh or en';

-- The status a break had at the end of business date P_DATE (midnight after it,
-- in the session's time zone): RESOLVED if resolved by then, else EXPLAINED if
-- explained by then, else OPEN. Today's status is the latest of these.
CREATE FUNCTION break_status_on(p_explained_at timestamptz, p_resolved_at timestamptz, p_date date)
RETURNS text
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_resolved_at < (p_date + 1)::timestamptz THEN 'RESOLVED'
                WHEN p_explained_at < (p_date + 1)::timestamptz THEN 'EXPLAINED'
                ELSE 'OPEN' END
$$;
COMMENT ON FUNCTION break_status_on(timestamptz, timestamptz, date) IS
    '差异在某业务日结束时的状态 / a break''s status at the end of a business date: OPEN, EXPLAINED or RESOLVED';

GRANT EXECUTE ON FUNCTION gl_balance_fen(text, date), gl_foot_label(text, text),
                          break_status_on(timestamptz, timestamptz, date) TO baitiao_report;
