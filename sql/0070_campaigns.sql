-- Why: campaigns and coupons at origination (issue 18, 营销). A campaign lowers the
-- fee of the orders it matches; someone pays for what the user does not: the
-- platform (marketing expense, 6601) or the merchant (商户贴息, deducted from the
-- merchant payable 2202 at origination). The loan's installments carry the fee the
-- user owes (installments.fee_fen, unchanged in meaning); what a campaign pays of an
-- installment's fee is a row of fee_subsidies, the subsidy sub-ledger. Its fate
-- follows the fee it pays: earned as income when the installment is billed (or
-- charged by a CHARGE_ALL prepayment), returned to its funder when the installment
-- is never billed (refund, waived prepayment, write-off), and reversed back to its
-- funder, income and all, when the loan is fully refunded. docs/decisions.md
-- "Campaigns" has the accounting and a worked example.
--
-- A catalogue change never rewrites history: every definition a campaign ever had is
-- a row of campaign_versions, loans name the version that matched them, and only
-- the counters of campaigns (budget consumed, uses) change.

-- One row per definition of a campaign, as loaded; never updated or deleted.
CREATE TABLE campaign_versions (
    campaign_id             text        NOT NULL CHECK (campaign_id ~ '^[A-Za-z0-9_.-]{1,32}$'),
    version                 integer     NOT NULL CHECK (version >= 1),
    name                    text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- what it gives
    kind                    text        NOT NULL
                                        CHECK (kind IN ('FREE_PERIODS', 'RATE', 'PERCENT', 'WAIVE_ALL', 'AMOUNT_OFF')),
    free_periods            integer     CHECK (free_periods >= 1),             -- FREE_PERIODS: first k fees waived
    rate_ppm                integer     CHECK (rate_ppm >= 0),                 -- RATE: the monthly rate charged instead
    percent_ppm             integer     CHECK (percent_ppm BETWEEN 1 AND 1000000),  -- PERCENT: share of each fee off
    amount_off_fen          bigint      CHECK (amount_off_fen > 0),            -- AMOUNT_OFF: off the fees, first first
    funder                  text        NOT NULL CHECK (funder IN ('PLATFORM', 'MERCHANT')),
    -- who it is for (NULL: no restriction)
    products                text[],
    terms                   integer[],
    amount_min_fen          bigint      CHECK (amount_min_fen > 0),
    amount_max_fen          bigint      CHECK (amount_max_fen > 0),
    order_from              date        NOT NULL,
    order_to                date        NOT NULL,
    new_users_only          boolean     NOT NULL DEFAULT false,                -- the user's first accepted order
    statement_days          integer[],
    segments                text[],                                            -- user_segments
    merchants               text[],                                            -- orders.csv merchant_id
    categories              text[],                                            -- orders.csv category
    coupon_required         boolean     NOT NULL DEFAULT false,                -- only through a coupon of it
    coupon_return_days      integer     NOT NULL DEFAULT 0 CHECK (coupon_return_days >= 0),
    per_user_limit          integer     CHECK (per_user_limit >= 1),
    usage_limit             integer     CHECK (usage_limit >= 1),
    budget_fen              bigint      NOT NULL CHECK (budget_fen >= 0),
    budget_overflow         text        NOT NULL DEFAULT 'PARTIAL' CHECK (budget_overflow IN ('PARTIAL', 'NONE')),
    -- how it combines
    stack_group             text        NOT NULL CHECK (stack_group ~ '^[A-Za-z0-9_.-]{1,32}$'),
    stack_mode              text        NOT NULL CHECK (stack_mode IN ('EXCLUSIVE', 'STACKABLE')),
    priority                integer     NOT NULL DEFAULT 0,
    -- where it came from
    source_file_id          bigint      REFERENCES load_files (file_id),
    definition_sha256       text        NOT NULL CHECK (definition_sha256 ~ '^[0-9a-f]{64}$'),
    loaded_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, version),
    UNIQUE (campaign_id, definition_sha256),
    CHECK (order_from <= order_to),
    CHECK (amount_min_fen IS NULL OR amount_max_fen IS NULL OR amount_min_fen <= amount_max_fen),
    CHECK ((kind = 'FREE_PERIODS') = (free_periods IS NOT NULL)),
    CHECK ((kind = 'RATE') = (rate_ppm IS NOT NULL)),
    CHECK ((kind = 'PERCENT') = (percent_ppm IS NOT NULL)),
    CHECK ((kind = 'AMOUNT_OFF') = (amount_off_fen IS NOT NULL))
);
COMMENT ON TABLE campaign_versions IS
    '营销活动版本 / every definition a campaign ever had; loans name the version that matched them';
REVOKE UPDATE, DELETE ON campaign_versions FROM baitiao_batch;

-- One row per campaign: its current version and what it has used of its budget.
-- consumed_fen counts every discount granted, net of nothing: a refund cancels a
-- loan's discount but does not give the budget back (the budget is what marketing
-- may promise; docs/decisions.md).
CREATE TABLE campaigns (
    campaign_id         text        PRIMARY KEY CHECK (campaign_id ~ '^[A-Za-z0-9_.-]{1,32}$'),
    current_version     integer     NOT NULL,
    budget_fen          bigint      NOT NULL CHECK (budget_fen >= 0),    -- the current version's
    consumed_fen        bigint      NOT NULL DEFAULT 0 CHECK (consumed_fen >= 0),
    uses                integer     NOT NULL DEFAULT 0 CHECK (uses >= 0),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (campaign_id, current_version) REFERENCES campaign_versions (campaign_id, version),
    CONSTRAINT campaigns_budget_not_overspent CHECK (consumed_fen <= budget_fen)
);
COMMENT ON TABLE campaigns IS
    '营销活动 / each campaign''s current version, budget and what it has consumed (never more than the budget)';
REVOKE DELETE ON campaigns FROM baitiao_batch;

-- The catalogue-wide rules: one row, replaced by each catalogue load.
CREATE TABLE campaign_policy (
    singleton                   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    max_order_discount_fen      bigint  CHECK (max_order_discount_fen > 0),   -- NULL: no cap but the fee itself
    source_file_id              bigint  REFERENCES load_files (file_id),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
REVOKE DELETE ON campaign_policy FROM baitiao_batch;

-- User segments (a user attribute file): a campaign's segments= names them.
CREATE TABLE user_segments (
    segment         text        NOT NULL CHECK (segment ~ '^[A-Za-z0-9_.-]{1,32}$'),
    user_id         text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    source_file_id  bigint      REFERENCES load_files (file_id),
    PRIMARY KEY (segment, user_id)
);
CREATE INDEX user_segments_user_idx ON user_segments (user_id);
COMMENT ON TABLE user_segments IS '用户分群 / which users are in a segment, from a user attribute file';

-- Coupons (券): issued to a user for a campaign, valid over a window of order dates.
CREATE TABLE coupons (
    coupon_id       text        PRIMARY KEY CHECK (length(coupon_id) BETWEEN 1 AND 64),
    user_id         text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    campaign_id     text        NOT NULL REFERENCES campaigns (campaign_id),
    valid_from      date        NOT NULL,
    valid_to        date        NOT NULL,
    file_id         bigint      REFERENCES load_files (file_id),
    line_no         integer     CHECK (line_no >= 1),
    CHECK (valid_from <= valid_to)
);
CREATE INDEX coupons_user_idx ON coupons (user_id);
COMMENT ON TABLE coupons IS '优惠券 / coupons issued: used once (coupon_uses), returned on a full refund by the campaign''s rule';
REVOKE UPDATE, DELETE ON coupons FROM baitiao_batch;

-- Each use of a coupon; a returned use frees it again. Never two live uses.
CREATE TABLE coupon_uses (
    coupon_id       text        NOT NULL REFERENCES coupons (coupon_id),
    order_id        text        NOT NULL,
    used_date       date        NOT NULL,
    returned_date   date,
    PRIMARY KEY (coupon_id, order_id),
    CHECK (returned_date IS NULL OR returned_date >= used_date)
);
CREATE UNIQUE INDEX coupon_uses_one_live_idx ON coupon_uses (coupon_id) WHERE returned_date IS NULL;
CREATE INDEX coupon_uses_used_date_idx ON coupon_uses (used_date);
REVOKE DELETE ON coupon_uses FROM baitiao_batch;

-- orders.csv may carry three more columns (merchant_id, category, coupon_id); what
-- became of an order's coupon is recorded on the order, which is accepted either way.
ALTER TABLE inbox_orders
    ADD COLUMN merchant_id text CHECK (length(merchant_id) BETWEEN 1 AND 64),
    ADD COLUMN category text CHECK (length(category) BETWEEN 1 AND 64),
    ADD COLUMN coupon_id text CHECK (length(coupon_id) BETWEEN 1 AND 64),
    ADD COLUMN coupon_outcome text CHECK (coupon_outcome IN ('USED', 'COUPON_EXPIRED', 'COUPON_NOT_OWNED',
                                                             'COUPON_USED', 'COUPON_NOT_APPLICABLE')),
    ADD CONSTRAINT inbox_orders_coupon_outcome CHECK (coupon_outcome IS NULL OR coupon_id IS NOT NULL);

-- The campaigns a loan got, with the discount each granted (Σ of its fee_subsidies).
CREATE TABLE loan_campaigns (
    loan_id             bigint      NOT NULL REFERENCES loans (loan_id),
    campaign_id         text        NOT NULL,
    version             integer     NOT NULL,
    user_id             text        NOT NULL,       -- the loan's: per-user limits read it
    origination_date    date        NOT NULL,
    funder              text        NOT NULL CHECK (funder IN ('PLATFORM', 'MERCHANT')),
    coupon_id           text        REFERENCES coupons (coupon_id),
    discount_fen        bigint      NOT NULL CHECK (discount_fen > 0),
    PRIMARY KEY (loan_id, campaign_id),
    FOREIGN KEY (campaign_id, version) REFERENCES campaign_versions (campaign_id, version)
);
CREATE INDEX loan_campaigns_origination_date_idx ON loan_campaigns (origination_date);
CREATE INDEX loan_campaigns_campaign_idx ON loan_campaigns (campaign_id, origination_date);
CREATE INDEX loan_campaigns_user_idx ON loan_campaigns (user_id, campaign_id);
COMMENT ON TABLE loan_campaigns IS '借据营销 / the campaigns each loan got and the discount each granted';
REVOKE UPDATE, DELETE ON loan_campaigns FROM baitiao_batch;

-- The subsidy sub-ledger: what a campaign pays of one installment's fee.
--   PENDING   granted at origination, the installment not yet billed (GL 2203)
--   EARNED    the installment was billed (or its fee charged by a prepayment): income
--   RETURNED  the installment was never billed: back to the funder
--   REVERSED  earned, then the loan was fully refunded: income and all back to the funder
CREATE TABLE fee_subsidies (
    loan_id             bigint      NOT NULL,
    installment_no      integer     NOT NULL,
    campaign_id         text        NOT NULL,
    funder              text        NOT NULL CHECK (funder IN ('PLATFORM', 'MERCHANT')),
    amount_fen          bigint      NOT NULL CHECK (amount_fen > 0),
    billing_date        date        NOT NULL,       -- the installment's: when it is earned if all goes well
    status              text        NOT NULL DEFAULT 'PENDING'
                                    CHECK (status IN ('PENDING', 'EARNED', 'RETURNED', 'REVERSED')),
    earned_date         date,
    settled_date        date,       -- RETURNED or REVERSED on
    PRIMARY KEY (loan_id, installment_no, campaign_id),
    FOREIGN KEY (loan_id, installment_no) REFERENCES installments (loan_id, installment_no),
    FOREIGN KEY (loan_id, campaign_id) REFERENCES loan_campaigns (loan_id, campaign_id),
    CHECK ((status IN ('EARNED', 'REVERSED')) = (earned_date IS NOT NULL)),
    CHECK ((status IN ('RETURNED', 'REVERSED')) = (settled_date IS NOT NULL))
);
CREATE INDEX fee_subsidies_to_earn_idx ON fee_subsidies (billing_date) WHERE status = 'PENDING';
CREATE INDEX fee_subsidies_pending_loan_idx ON fee_subsidies (loan_id) WHERE status = 'PENDING';
CREATE INDEX fee_subsidies_earned_date_idx ON fee_subsidies (earned_date) WHERE earned_date IS NOT NULL;
CREATE INDEX fee_subsidies_settled_date_idx ON fee_subsidies (settled_date) WHERE settled_date IS NOT NULL;
COMMENT ON TABLE fee_subsidies IS
    '贴息明细 / what a campaign pays of an installment''s fee: PENDING → EARNED (→ REVERSED) | RETURNED';
REVOKE DELETE ON fee_subsidies FROM baitiao_batch;

-- Per campaign and night: the orders it could have matched, those it did, and those
-- its budget or limits turned away; take-up in the campaign report.
CREATE TABLE campaign_days (
    campaign_id         text        NOT NULL REFERENCES campaigns (campaign_id),
    business_date       date        NOT NULL,
    eligible_orders     integer     NOT NULL CHECK (eligible_orders >= 0),
    matched_orders      integer     NOT NULL CHECK (matched_orders >= 0),
    budget_refused      integer     NOT NULL CHECK (budget_refused >= 0),
    discount_fen        bigint      NOT NULL CHECK (discount_fen >= 0),
    PRIMARY KEY (campaign_id, business_date),
    CHECK (matched_orders <= eligible_orders)
);
REVOKE UPDATE, DELETE ON campaign_days FROM baitiao_batch;

-- The accounts: marketing expense for the platform's campaigns; the subsidy granted
-- but not yet earned (the installment not yet billed) is deferred in 2203.
INSERT INTO gl_accounts (account_code, name_zh, name_en, account_type, normal_side, is_postable) VALUES
    ('2203', '预收贴息', 'Deferred fee subsidy', 'LIABILITY', 'CREDIT', true),
    ('6601', '营销费用', 'Marketing expense', 'EXPENSE', 'DEBIT', true);

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_entry_type_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_entry_type_check CHECK (entry_type IN (
    'ORIGINATION', 'BILLING', 'PENALTY', 'REPAYMENT', 'CREDIT_BALANCE_USE',
    'REFUND', 'WAIVER', 'WRITEOFF', 'RECOVERY', 'ADJUSTMENT', 'OPENING', 'SUBSIDY'));

ALTER TABLE load_files DROP CONSTRAINT load_files_kind_check;
ALTER TABLE load_files ADD CONSTRAINT load_files_kind_check
    CHECK (kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement', 'products',
                    'campaigns', 'coupons', 'segments'));
ALTER TABLE rejects DROP CONSTRAINT rejects_source_kind_check;
ALTER TABLE rejects ADD CONSTRAINT rejects_source_kind_check
    CHECK (source_kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement', 'products',
                           'campaigns', 'coupons', 'segments'));
ALTER TABLE rejects DROP CONSTRAINT rejects_reason_code_check;
ALTER TABLE rejects ADD CONSTRAINT rejects_reason_code_check CHECK (reason_code IN (
    'UNKNOWN_USER', 'USER_FROZEN', 'DUPLICATE_ORDER', 'UNKNOWN_PRODUCT',
    'OVER_LIMIT', 'DATE_CLOSED', 'BAD_FIELD',
    'REFUND_EXCEEDS_PRINCIPAL', 'REFUND_LOAN_NOT_REFUNDABLE',
    'PREPAY_SHORT_OF_PAYOFF',
    'DUPLICATE_TXN', 'DUPLICATE_REFUND', 'DUPLICATE_SETTLEMENT',
    'UNKNOWN_ORDER',
    'APR_OVER_CAP',
    -- coupons file (issue 18)
    'UNKNOWN_CAMPAIGN', 'DUPLICATE_COUPON'));

-- ---- the coupons file in the spool and across a sharded group ----
-- A coupons file comes in like the other partner files: by `baitiao load coupons`, or
-- through the spool as coupons.csv (so the spool's arrivals and the night's expected
-- files may name the kind).
ALTER TABLE spool_arrivals DROP CONSTRAINT spool_arrivals_kind_check;
ALTER TABLE spool_arrivals ADD CONSTRAINT spool_arrivals_kind_check
    CHECK (kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement', 'coupons'));
ALTER TABLE eod_missing_overrides DROP CONSTRAINT eod_missing_overrides_kind_check;
ALTER TABLE eod_missing_overrides ADD CONSTRAINT eod_missing_overrides_kind_check
    CHECK (kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement', 'coupons'));

-- A sharded group routes a coupon by its user; a coupon id is issued once over the
-- group, so a later file repeating one goes where the first went, whose shard rejects
-- it DUPLICATE_COUPON (as order_directory does for orders).
CREATE TABLE coupon_directory (
    coupon_id   text        PRIMARY KEY,
    user_id     text        NOT NULL,
    shard       text        NOT NULL REFERENCES shard_members,
    load_id     bigint      NOT NULL REFERENCES group_loads
);
COMMENT ON TABLE coupon_directory IS '优惠券分库目录 / the shard each accepted coupon went to (a repeated id follows it)';
REVOKE UPDATE, DELETE ON coupon_directory FROM baitiao_batch;
