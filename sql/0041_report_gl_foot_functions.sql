-- Why: every balance report carries foot lines that reconcile its totals to the
-- GL account it belongs to (reports/README, "Footing"). The GL figure must come
-- from the ledger, never from the sub-ledger tables the report itself reads, and
-- be defined once: these two functions are what every spec's foot_sql calls.

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

GRANT EXECUTE ON FUNCTION gl_balance_fen(text, date), gl_foot_label(text, text) TO baitiao_report;
