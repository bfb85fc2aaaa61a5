-- Why: the chart of accounts of product-rules §8, seeded here so every
-- posting has a valid account from the first night. 1002 (渠道清算) is a
-- parent: postings go to its per-channel children 1002.<CHANNEL>, which the
-- batch adds (ensure_channel_account) the first time a channel appears.
-- The batch may add accounts but never change or remove one.

CREATE TABLE gl_accounts (
    account_code    text        PRIMARY KEY CHECK (account_code ~ '^[0-9]{4}(\.[A-Za-z0-9_]{1,32})?$'),
    name_zh         text        NOT NULL CHECK (length(name_zh) >= 1),
    name_en         text        NOT NULL CHECK (length(name_en) >= 1),
    account_type    text        NOT NULL CHECK (account_type IN ('ASSET', 'LIABILITY', 'INCOME', 'EXPENSE')),
    normal_side     text        NOT NULL CHECK (normal_side IN ('DEBIT', 'CREDIT')),
    parent_code     text        REFERENCES gl_accounts (account_code),
    channel         text        CHECK (channel ~ '^[A-Za-z0-9_]{1,32}$'),
    is_postable     boolean     NOT NULL DEFAULT true,       -- false for parents (1002)
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (normal_side = CASE WHEN account_type IN ('ASSET', 'EXPENSE') THEN 'DEBIT' ELSE 'CREDIT' END),
    -- top-level accounts are 4 digits; children are <parent>.<channel>
    CHECK ((parent_code IS NULL AND channel IS NULL AND account_code ~ '^[0-9]{4}$')
           OR (parent_code IS NOT NULL AND channel IS NOT NULL AND account_code = parent_code || '.' || channel))
);

COMMENT ON TABLE gl_accounts IS
    '会计科目 / chart of accounts (product-rules §8); 1002.<CHANNEL> children are added by the batch';

INSERT INTO gl_accounts (account_code, name_zh, name_en, account_type, normal_side, is_postable) VALUES
    ('1002', '渠道清算',            'Cash clearing (per channel)',   'ASSET',     'DEBIT',  false),
    ('1122', '应收本金',            'Loan principal receivable',     'ASSET',     'DEBIT',  true),
    ('1123', '应收分期服务费/利息', 'Fee & interest receivable',     'ASSET',     'DEBIT',  true),
    ('1124', '应收罚息',            'Penalty receivable',            'ASSET',     'DEBIT',  true),
    ('2202', '应付商户款',          'Merchant payable',              'LIABILITY', 'CREDIT', true),
    ('2241', '溢缴款',              'Customer credit balance',       'LIABILITY', 'CREDIT', true),
    ('6011', '分期服务费/利息收入', 'Fee & interest income',         'INCOME',    'CREDIT', true),
    ('6012', '罚息收入',            'Penalty income',                'INCOME',    'CREDIT', true),
    ('6301', '核销后收回',          'Recovery income',               'INCOME',    'CREDIT', true),
    ('6701', '核销损失',            'Write-off loss',                'EXPENSE',   'DEBIT',  true);

-- The clearing account of a repayment channel, created on first use.
-- Returns its code ('1002.' || channel). Idempotent and safe under concurrency.
CREATE FUNCTION ensure_channel_account(p_channel text)
RETURNS text
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_code text := '1002.' || p_channel;
BEGIN
    INSERT INTO gl_accounts (account_code, name_zh, name_en, account_type, normal_side,
                             parent_code, channel, is_postable)
    VALUES (v_code, '渠道清算-' || p_channel, 'Cash clearing - ' || p_channel, 'ASSET', 'DEBIT',
            '1002', p_channel, true)
    ON CONFLICT (account_code) DO NOTHING;
    RETURN v_code;
END
$$;

COMMENT ON FUNCTION ensure_channel_account(text) IS
    '确保渠道清算科目存在 / create GL account 1002.<channel> if missing; returns its code';

REVOKE UPDATE, DELETE ON gl_accounts FROM baitiao_batch;
