-- Why: inputs (files or online systems inserting directly, file_id NULL) land
-- in inbox tables first; the night for date D then processes the PENDING rows
-- dated D in arrival order (arrival_seq: file then line, product-rules §11).
-- External ids are UNIQUE here because the contract applies each of them
-- once, ever: a replay never gets a second inbox row; the loader records it
-- in rejects (DUPLICATE_ORDER / DUPLICATE_TXN / DUPLICATE_REFUND /
-- DUPLICATE_SETTLEMENT) and counts it in load_files.rows_duplicate. The
-- first arrival keeps the id even if it is later rejected.
-- No foreign key to users or products: unknown ones are rejected with a
-- reason code, not refused by the database.
-- Partial indexes hold only PENDING rows, so a night reads the day's work
-- without scanning history.

CREATE TABLE inbox_orders (
    arrival_seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        text        NOT NULL UNIQUE CHECK (length(order_id) BETWEEN 1 AND 64),
    user_id         text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    order_date      date        NOT NULL,
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    product_code    text        NOT NULL CHECK (length(product_code) BETWEEN 1 AND 32),
    file_id         bigint      REFERENCES load_files (file_id),
    line_no         integer     CHECK (line_no >= 1),
    received_at     timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL DEFAULT 'PENDING'
                                CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED')),
    reject_reason   text        CHECK (reject_reason IN ('UNKNOWN_USER', 'USER_FROZEN', 'UNKNOWN_PRODUCT',
                                                         'OVER_LIMIT', 'DATE_CLOSED', 'BAD_FIELD')),
    processed_date  date,       -- business date on which it was accepted or rejected
    CHECK ((file_id IS NULL) = (line_no IS NULL)),
    CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL)),
    CHECK ((status = 'PENDING') = (processed_date IS NULL))
);

CREATE INDEX inbox_orders_pending_idx ON inbox_orders (order_date, arrival_seq) WHERE status = 'PENDING';
CREATE INDEX inbox_orders_user_idx ON inbox_orders (user_id, order_date);
CREATE INDEX inbox_orders_processed_idx ON inbox_orders (processed_date, status) WHERE status <> 'PENDING';

COMMENT ON TABLE inbox_orders IS
    '订单收件箱 / orders received (orders.csv or online); PENDING → ACCEPTED (a loan with the same order_id) or REJECTED';

CREATE TABLE inbox_repayments (
    arrival_seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txn_id                  text        NOT NULL UNIQUE CHECK (length(txn_id) BETWEEN 1 AND 64),  -- channel transaction id
    user_id                 text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    pay_date                date        NOT NULL,
    amount_fen              bigint      NOT NULL CHECK (amount_fen > 0),
    channel                 text        NOT NULL CHECK (channel ~ '^[A-Za-z0-9_]{1,32}$'),
    prepay_order_id         text        CHECK (length(prepay_order_id) BETWEEN 1 AND 64),  -- NULL: ordinary repayment
    file_id                 bigint      REFERENCES load_files (file_id),
    line_no                 integer     CHECK (line_no >= 1),
    received_at             timestamptz NOT NULL DEFAULT now(),
    status                  text        NOT NULL DEFAULT 'PENDING'
                                        CHECK (status IN ('PENDING', 'APPLIED', 'REJECTED')),
    reject_reason           text        CHECK (reject_reason IN ('UNKNOWN_USER', 'DATE_CLOSED', 'BAD_FIELD')),
    -- What became of a prepayment request (NULL for ordinary repayments):
    -- PREPAID, SHORT_OF_PAYOFF (applied as ordinary, shortfall recorded),
    -- LOAN_NOT_ACTIVE / UNKNOWN_ORDER (applied as ordinary, §11).
    prepay_outcome          text        CHECK (prepay_outcome IN ('PREPAID', 'SHORT_OF_PAYOFF',
                                                                  'LOAN_NOT_ACTIVE', 'UNKNOWN_ORDER')),
    prepay_shortfall_fen    bigint      CHECK (prepay_shortfall_fen > 0),
    processed_date          date,
    CHECK ((file_id IS NULL) = (line_no IS NULL)),
    CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL)),
    CHECK ((status = 'PENDING') = (processed_date IS NULL)),
    CHECK (prepay_outcome IS NULL OR prepay_order_id IS NOT NULL),
    CHECK ((prepay_shortfall_fen IS NOT NULL) = (prepay_outcome IS NOT DISTINCT FROM 'SHORT_OF_PAYOFF'))
);

CREATE INDEX inbox_repayments_pending_idx ON inbox_repayments (pay_date, arrival_seq) WHERE status = 'PENDING';
CREATE INDEX inbox_repayments_pay_date_channel_idx ON inbox_repayments (pay_date, channel);  -- R3, R7
CREATE INDEX inbox_repayments_user_idx ON inbox_repayments (user_id, pay_date);

COMMENT ON TABLE inbox_repayments IS
    '还款收件箱 / repayments received; txn_id is applied once, ever (replays go to rejects as DUPLICATE_TXN)';

CREATE TABLE inbox_refunds (
    arrival_seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    refund_id       text        NOT NULL UNIQUE CHECK (length(refund_id) BETWEEN 1 AND 64),
    order_id        text        NOT NULL CHECK (length(order_id) BETWEEN 1 AND 64),
    user_id         text        CHECK (length(user_id) BETWEEN 1 AND 64),  -- from the loan; NULL if the order is unknown
    refund_date     date        NOT NULL,
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    file_id         bigint      REFERENCES load_files (file_id),
    line_no         integer     CHECK (line_no >= 1),
    received_at     timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL DEFAULT 'PENDING'
                                CHECK (status IN ('PENDING', 'APPLIED', 'REJECTED')),
    reject_reason   text        CHECK (reject_reason IN ('UNKNOWN_ORDER', 'REFUND_EXCEEDS_PRINCIPAL',
                                                         'REFUND_LOAN_NOT_REFUNDABLE', 'DATE_CLOSED', 'BAD_FIELD')),
    processed_date  date,
    CHECK ((file_id IS NULL) = (line_no IS NULL)),
    CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL)),
    CHECK ((status = 'PENDING') = (processed_date IS NULL)),
    CHECK (status <> 'APPLIED' OR user_id IS NOT NULL)
);

CREATE INDEX inbox_refunds_pending_idx ON inbox_refunds (refund_date, arrival_seq) WHERE status = 'PENDING';
CREATE INDEX inbox_refunds_order_idx ON inbox_refunds (order_id);

COMMENT ON TABLE inbox_refunds IS
    '退款收件箱 / refunds received; refund_id is applied once, ever';

CREATE TABLE settlement_lines (
    settlement_line_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel             text        NOT NULL CHECK (channel ~ '^[A-Za-z0-9_]{1,32}$'),
    channel_txn_id      text        NOT NULL CHECK (length(channel_txn_id) BETWEEN 1 AND 64),
    pay_date            date        NOT NULL,
    amount_fen          bigint      NOT NULL CHECK (amount_fen > 0),
    file_id             bigint      NOT NULL REFERENCES load_files (file_id),
    line_no             integer     NOT NULL CHECK (line_no >= 1),
    received_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, channel_txn_id)
);

CREATE INDEX settlement_lines_pay_date_idx ON settlement_lines (pay_date, channel);

COMMENT ON TABLE settlement_lines IS
    '渠道清算明细 / channel settlement file lines, matched to inbox_repayments (channel, txn_id) by recon R7';

-- Received facts are kept: the batch changes their status, never removes them.
REVOKE DELETE ON inbox_orders, inbox_repayments, inbox_refunds FROM baitiao_batch;
REVOKE UPDATE, DELETE ON settlement_lines FROM baitiao_batch;
