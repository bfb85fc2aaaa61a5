-- Why: every accepted order becomes exactly one loan (product-rules §2). The
-- loan carries a snapshot of the product terms at origination, so reloading a
-- product never changes an existing loan's schedule, penalty or write-off.

CREATE TABLE loans (
    loan_id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id                text        NOT NULL UNIQUE CHECK (length(order_id) BETWEEN 1 AND 64),
    user_id                 text        NOT NULL REFERENCES users (user_id),
    product_code            text        NOT NULL REFERENCES products (product_code),
    principal_fen           bigint      NOT NULL CHECK (principal_fen > 0),
    -- product terms at origination
    term                    integer     NOT NULL CHECK (term >= 1),
    method                  text        NOT NULL
                                        CHECK (method IN ('INTEREST_FREE', 'FEE_PER_PERIOD', 'EQUAL_PRINCIPAL', 'ANNUITY')),
    rate_ppm                integer     NOT NULL CHECK (rate_ppm >= 0),
    grace_days              integer     NOT NULL CHECK (grace_days >= 0),
    penalty_ppm             integer     NOT NULL CHECK (penalty_ppm >= 0),
    writeoff_dpd            integer     NOT NULL CHECK (writeoff_dpd >= 1),
    prepay_fee_policy       text        NOT NULL CHECK (prepay_fee_policy IN ('WAIVE_UNBILLED', 'CHARGE_ALL')),
    apr_bp                  integer     NOT NULL CHECK (apr_bp >= 0),
    statement_day           smallint    NOT NULL CHECK (statement_day BETWEEN 1 AND 28),  -- user's S used for the schedule
    origination_date        date        NOT NULL,
    first_billing_date      date        NOT NULL,
    status                  text        NOT NULL DEFAULT 'ACTIVE'
                                        CHECK (status IN ('ACTIVE', 'PAID_OFF', 'CANCELLED', 'WRITTEN_OFF')),
    status_date             date        NOT NULL,        -- business date of the last status change
    refunded_principal_fen  bigint      NOT NULL DEFAULT 0 CHECK (refunded_principal_fen >= 0),
    written_off_date        date,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    -- installments copy (user_id, order_id) and reference them through this key
    UNIQUE (loan_id, user_id, order_id),
    CONSTRAINT loans_interest_free_terms CHECK (method <> 'INTEREST_FREE' OR (term = 1 AND rate_ppm = 0)),
    -- a purchase on the statement day goes to the next cycle (§3)
    CONSTRAINT loans_first_billing_after_origination CHECK (first_billing_date > origination_date),
    CONSTRAINT loans_status_date_after_origination CHECK (status_date >= origination_date),
    CONSTRAINT loans_refund_within_principal CHECK (refunded_principal_fen <= principal_fen),
    -- full refund (cumulative refunds = principal) ⇔ CANCELLED (§6)
    CONSTRAINT loans_cancelled_iff_fully_refunded CHECK ((status = 'CANCELLED') = (refunded_principal_fen = principal_fen)),
    CONSTRAINT loans_written_off_date CHECK ((status = 'WRITTEN_OFF') = (written_off_date IS NOT NULL))
) WITH (fillfactor = 90);

CREATE INDEX loans_user_idx ON loans (user_id, origination_date);
CREATE INDEX loans_origination_date_idx ON loans (origination_date);   -- R1, vintage

COMMENT ON TABLE loans IS
    '借据 / one loan per accepted order, with the product terms at origination; '
    'status ACTIVE → PAID_OFF | CANCELLED (full refund) | WRITTEN_OFF';

REVOKE DELETE ON loans FROM baitiao_batch;
