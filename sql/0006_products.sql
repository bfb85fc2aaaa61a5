-- Why: a product is a row of configuration (product-rules §2). Loans copy the
-- terms at origination, so a product reloaded with new terms never changes a
-- loan already made. The CHECKs are the contract's value domains.

CREATE TABLE products (
    product_code        text        PRIMARY KEY CHECK (product_code ~ '^[A-Za-z0-9_.-]{1,32}$'),
    term                integer     NOT NULL CHECK (term >= 1),
    method              text        NOT NULL
                                    CHECK (method IN ('INTEREST_FREE', 'FEE_PER_PERIOD', 'EQUAL_PRINCIPAL', 'ANNUITY')),
    rate_ppm            integer     NOT NULL CHECK (rate_ppm >= 0),              -- monthly, per period
    grace_days          integer     NOT NULL DEFAULT 9   CHECK (grace_days >= 0),
    penalty_ppm         integer     NOT NULL DEFAULT 500 CHECK (penalty_ppm >= 0),  -- per calendar day
    writeoff_dpd        integer     NOT NULL DEFAULT 180 CHECK (writeoff_dpd >= 1),
    prepay_fee_policy   text        NOT NULL DEFAULT 'WAIVE_UNBILLED'
                                    CHECK (prepay_fee_policy IN ('WAIVE_UNBILLED', 'CHARGE_ALL')),
    apr_bp              integer     NOT NULL CHECK (apr_bp >= 0),                -- display APR, basis points (10.90 % = 1090)
    source_file_name    text,
    source_sha256       text        CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    source_file_id      bigint      REFERENCES load_files (file_id),
    loaded_at           timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- 不分期: one period, no fee.
    CONSTRAINT products_interest_free_terms CHECK (method <> 'INTEREST_FREE' OR (term = 1 AND rate_ppm = 0))
);

COMMENT ON TABLE products IS
    '分期产品 / installment products (product-rules §2); loans snapshot these terms at origination';

-- Loans reference products: a product is never deleted.
REVOKE DELETE ON products FROM baitiao_batch;
