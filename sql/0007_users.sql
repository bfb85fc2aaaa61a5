-- Why: the user is the unit of credit (limit, statement cycle, credit
-- balance) and the future sharding key. used_limit_fen and
-- credit_balance_fen are maintained by the batch so intake can check the
-- limit without summing loans; reconciliation R8/R4 recomputes them.
-- Only masked PII is stored (张*, 138****1234).

CREATE TABLE users (
    user_id                     text        PRIMARY KEY CHECK (length(user_id) BETWEEN 1 AND 64),
    credit_limit_fen            bigint      NOT NULL CHECK (credit_limit_fen >= 0),
    statement_day               smallint    NOT NULL CHECK (statement_day BETWEEN 1 AND 28),
    -- A statement-day change takes effect from the next cycle: the batch
    -- moves next_statement_day into statement_day after the statement on
    -- the old day (and sets both columns below back to NULL).
    next_statement_day          smallint    CHECK (next_statement_day BETWEEN 1 AND 28),
    statement_day_changed_date  date,
    status                      text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'FROZEN')),
    name_masked                 text        CHECK (name_masked LIKE '%*%'),
    phone_masked                text        CHECK (phone_masked LIKE '%*%'),
    -- Unpaid principal of the user's ACTIVE loans, billed or not (§4, §11).
    -- Not capped by credit_limit_fen: a limit may be lowered below it.
    used_limit_fen              bigint      NOT NULL DEFAULT 0 CHECK (used_limit_fen >= 0),
    -- 溢缴款 (§5), a liability to the user.
    credit_balance_fen          bigint      NOT NULL DEFAULT 0 CHECK (credit_balance_fen >= 0),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    created_date                date,                       -- business date first seen
    last_change_date            date,                       -- business date of the last change
    last_file_id                bigint      REFERENCES load_files (file_id),
    CHECK ((next_statement_day IS NULL) = (statement_day_changed_date IS NULL))
) WITH (fillfactor = 90);   -- balances are updated nightly: leave room for HOT updates

-- Statement generation picks the users whose statement day is today.
CREATE INDEX users_statement_day_idx ON users (statement_day);

COMMENT ON TABLE users IS
    '用户与授信 / users: credit limit, statement day, status, maintained used limit and credit balance; masked PII only';

-- Users are deactivated (FROZEN), never deleted.
REVOKE DELETE ON users FROM baitiao_batch;
