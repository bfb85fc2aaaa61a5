-- Why: the campaign report (issue 18 §6, reports/campaigns.report) on one database and
-- on a sharded group. Three things the spec needs and every database must hold:
-- 1. The labels of the campaign codes a finance reader sees (kind, funder), in
--    code_labels like every other stable code (sql/0042).
-- 2. The status a subsidy had at the end of a business date, from its dates: a
--    report of a past date shows each fee_subsidies row as it stood then
--    (PENDING until earned or settled), so a rerun of history gives the same file
--    and the figures foot to the GL's balances of that date, not of today.
-- 3. The group's reads of sql/0070's tables (sql/0067 group_tables, sql/0068
--    group_book_tables): `baitiao report` at a group's coordinator renders the campaign
--    report from the shards, as it does every other report. Their meanings:
--      campaigns          rows: each shard holds its share of every budget (weight_i /
--                         Σ weights, the remainder to the first shard) and what it
--                         consumed of it, so the report sums budget and consumed per
--                         campaign_id, which on one database is the one row as it is.
--                         current_version is not a figure: never summed (hence not 'sum').
--      campaign_versions  chart: one definition per (campaign_id, version), the same
--                         name, kind and funder on every shard (its budget_fen is the
--                         shard's share: the report reads budgets from campaigns).
--      campaign_policy    chart: one row, the same cap on every shard.
--      campaign_days      sum: per campaign and night, each shard's counts and discount.
--      user_segments, coupons, coupon_uses, loan_campaigns, fee_subsidies
--                         rows: routed by user, so the union is the one database's table.

INSERT INTO code_labels (kind, code, label_zh, label_en) VALUES
    ('campaign_kind',   'FREE_PERIODS', '免息期',         'Interest-free periods'),
    ('campaign_kind',   'RATE',         '费率优惠',       'Lower fee rate'),
    ('campaign_kind',   'PERCENT',      '手续费折扣',     'Percent off the fee'),
    ('campaign_kind',   'WAIVE_ALL',    '手续费全免',     'Whole fee waived'),
    ('campaign_kind',   'AMOUNT_OFF',   '手续费立减',     'Amount off the fee'),
    ('campaign_funder', 'PLATFORM',     '平台（营销费用）', 'Platform (marketing expense)'),
    ('campaign_funder', 'MERCHANT',     '商户贴息',       'Merchant (商户贴息)'),
    ('subsidy_status',  'PENDING',      '待确认',         'Pending'),
    ('subsidy_status',  'EARNED',       '已确认收入',     'Earned'),
    ('subsidy_status',  'RETURNED',     '已退回出资方',   'Returned'),
    ('subsidy_status',  'REVERSED',     '已冲回',         'Reversed');

-- The status of a fee_subsidies row at the end of business date P_DATE, from its
-- dates (sql/0070: earned_date set on EARNED and REVERSED, settled_date on RETURNED
-- and REVERSED): settled by then → its final status; earned by then → EARNED; else
-- PENDING. A row granted after P_DATE is the caller's to leave out (its loan's
-- origination_date, loan_campaigns).
CREATE FUNCTION fee_subsidy_status_on(p_status text, p_earned_date date, p_settled_date date, p_date date)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_settled_date <= p_date THEN p_status
                WHEN p_earned_date <= p_date THEN 'EARNED'
                ELSE 'PENDING' END
$$;
COMMENT ON FUNCTION fee_subsidy_status_on(text, date, date, date) IS
    '贴息在某业务日结束时的状态 / a fee subsidy''s status at the end of a business date: PENDING, EARNED, RETURNED or REVERSED';
GRANT EXECUTE ON FUNCTION fee_subsidy_status_on(text, date, date, date) TO baitiao_batch, baitiao_report;

INSERT INTO group_tables (table_name, why) VALUES
    ('campaign_versions', 'the group''s reports: campaigns (name, kind, funder)'),
    ('campaigns',         'the group''s reports: campaigns (each shard''s budget share and consumption)'),
    ('campaign_policy',   'the catalogue''s cap, as each shard stored it'),
    ('user_segments',     'segment memberships, routed by user'),
    ('coupons',           'the group''s reports: campaigns (coupons issued), routed by user'),
    ('coupon_uses',       'the group''s reports: campaigns (coupons used)'),
    ('loan_campaigns',    'the group''s reports: campaigns (orders matched, discount granted)'),
    ('fee_subsidies',     'the group''s reports: campaigns (earned, returned, reversed, pending)'),
    ('campaign_days',     'the group''s reports: campaigns (eligible orders, budget refused)')
ON CONFLICT (table_name) DO NOTHING;

INSERT INTO group_book_tables (table_name, meaning, coordinator_rows, why) VALUES
    ('campaign_versions', 'chart', false, 'one definition per campaign and version, the same on every shard'),
    ('campaigns',         'rows',  false, 'each shard''s share of every budget and what it consumed: reports sum per campaign_id'),
    ('campaign_policy',   'chart', false, 'one row, the same on every shard'),
    ('user_segments',     'rows',  false, 'per user'),
    ('coupons',           'rows',  false, 'per user: a coupon is routed by its user'),
    ('coupon_uses',       'rows',  false, 'per user: used by an order of its coupon''s user'),
    ('loan_campaigns',    'rows',  false, 'per user'),
    ('fee_subsidies',     'rows',  false, 'per user'),
    ('campaign_days',     'sum',   false, 'per campaign and night, the sum of the shards''');

INSERT INTO group_book_functions (function_name, position, why) VALUES
    ('fee_subsidy_status_on(text, date, date, date)', 130, 'reads nothing (IMMUTABLE): campaigns');

-- sql/0070 added columns to inbox_orders, a table the group reads: at a coordinator whose
-- shards were attached before it, their foreign tables shard_NAME.inbox_orders still have
-- the old columns, and grp's views, made from our own definition, could not be rebuilt
-- over them. So a foreign table whose columns are not our table's is dropped (with the
-- grp view over it, which group_rebuild_views makes again) and defined afresh from our
-- definition, as group_define_foreign_tables does for a table new to the group (every
-- member has the same schema version; the next attach imports from the shard as usual).
-- Returns how many it dropped.
CREATE FUNCTION group_drop_stale_foreign_tables()
RETURNS integer
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
SET client_min_messages = warning   -- not the list of views the drop takes
AS $$
DECLARE
    v record;
    v_n integer := 0;
BEGIN
    FOR v IN
        SELECT 'shard_' || m.shard AS schema_name, c.relname
          FROM shard_members m CROSS JOIN group_tables t JOIN pg_class c ON c.oid = t.table_name
         WHERE to_regclass(format('%I.%I', 'shard_' || m.shard, c.relname)) IS NOT NULL
           AND (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                  FROM pg_attribute a WHERE a.attrelid = t.table_name AND a.attnum > 0 AND NOT a.attisdropped)
               IS DISTINCT FROM
               (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                  FROM pg_attribute a
                 WHERE a.attrelid = to_regclass(format('%I.%I', 'shard_' || m.shard, c.relname))
                   AND a.attnum > 0 AND NOT a.attisdropped)
         ORDER BY 1, 2
    LOOP
        EXECUTE format('DROP FOREIGN TABLE %I.%I CASCADE', v.schema_name, v.relname);
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION group_drop_stale_foreign_tables() FROM baitiao_batch, baitiao_report;

-- grp's views of the tables added above, then grp_book afresh (as sql/0068 ends).
SELECT group_drop_stale_foreign_tables();
SELECT group_define_foreign_tables();
SELECT group_rebuild_views();
SELECT group_book_build();
