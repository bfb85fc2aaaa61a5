-- Why: a book split by user over several PostgreSQL clusters (issue 16, 分库). Each
-- shard is a complete baitiao database of its users; the coordinator (the database
-- of [database] in a sharded configuration) keeps who lives where and what the group
-- did. These tables exist in every database (one schema everywhere: a migration is
-- the same file on every cluster) and are used at the coordinator, except
-- shard_identity, which a shard holds.
--
-- Placement is a directory, not a formula: a user is placed when first seen and the
-- directory row never changes (the batch may insert, never update or delete), so
-- adding a shard is a configuration change plus `baitiao shard add` and no existing
-- row moves. The keys are user_id, the distribution column a Citus deployment would
-- use as well.

CREATE TABLE shard_members (
    shard       text        PRIMARY KEY CHECK (shard ~ '^[a-z][a-z0-9_]{0,31}$'),
    added_at    timestamptz NOT NULL DEFAULT now(),
    added_by    text        NOT NULL DEFAULT current_user
);
COMMENT ON TABLE shard_members IS
    '分库成员 / the shards `baitiao shard add` added to the group: a configuration may not drop one';
REVOKE INSERT, UPDATE, DELETE ON shard_members FROM baitiao_batch;

-- At the coordinator: the group's own id, made once, which its shards record.
CREATE TABLE group_identity (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    group_id    uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE group_identity IS '集团标识 / at the coordinator: the id its shards record in shard_identity';
REVOKE INSERT, UPDATE, DELETE ON group_identity FROM baitiao_batch;

-- On a shard: its name in its group, one row at most (the singleton key). A shard
-- added under one name is refused under another, or by a second group.
CREATE TABLE shard_identity (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    shard       text        NOT NULL CHECK (shard ~ '^[a-z][a-z0-9_]{0,31}$'),
    group_id    uuid        NOT NULL,   -- the coordinator's group_identity
    added_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE shard_identity IS '本库身份 / on a shard: its name and its coordinator';
REVOKE INSERT, UPDATE, DELETE ON shard_identity FROM baitiao_batch;

-- The group load: a partner file is loaded on every shard or on none. Its bytes are
-- kept until every shard committed its part, so a crash between the shards' commits
-- is finished by the next run from the very same file (docs/decisions.md "Loading a
-- file across shards").
CREATE TABLE group_loads (
    load_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    channel     text,
    file_name   text        NOT NULL,
    sha256      text        NOT NULL,
    content     text,                   -- the file (UTF-8, as intake requires); NULL once done
    state       text        NOT NULL CHECK (state IN ('committed', 'done')),
    decided_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    UNIQUE (kind, sha256),
    CHECK ((state = 'done') = (done_at IS NOT NULL)),
    CHECK (state = 'done' OR content IS NOT NULL)
);
COMMENT ON TABLE group_loads IS
    '分库装载 / partner files loaded across the shards: committed = decided, done = on every shard';
REVOKE DELETE ON group_loads FROM baitiao_batch;

CREATE TABLE group_load_shards (
    load_id      bigint      NOT NULL REFERENCES group_loads,
    shard        text        NOT NULL REFERENCES shard_members,
    rows_routed  bigint      NOT NULL CHECK (rows_routed >= 0),
    lines        integer[]   NOT NULL,  -- the file's lines routed here: a rerun loads the very same
    committed_at timestamptz,
    PRIMARY KEY (load_id, shard)
);
COMMENT ON TABLE group_load_shards IS '分库装载明细 / each shard''s part of a group load and when it committed';
REVOKE DELETE ON group_load_shards FROM baitiao_batch;

CREATE TABLE user_directory (
    user_id     text        PRIMARY KEY,
    shard       text        NOT NULL REFERENCES shard_members,
    load_id     bigint      NOT NULL REFERENCES group_loads,
    placed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_directory_shard_idx ON user_directory (shard);
COMMENT ON TABLE user_directory IS '用户分库目录 / the shard each user lives on, from the load that first placed them';
REVOKE UPDATE, DELETE ON user_directory FROM baitiao_batch;

-- Refunds name an order, not a user: they go where the order went.
CREATE TABLE order_directory (
    order_id    text        PRIMARY KEY,
    user_id     text        NOT NULL,
    shard       text        NOT NULL REFERENCES shard_members,
    load_id     bigint      NOT NULL REFERENCES group_loads
);
COMMENT ON TABLE order_directory IS '订单分库目录 / the shard each accepted order went to (refunds follow it)';
REVOKE UPDATE, DELETE ON order_directory FROM baitiao_batch;

-- Settlement lines name a channel's transaction: they go where its repayment went;
-- a line no repayment matches stays at the coordinator (channel-only, 长款).
CREATE TABLE repayment_directory (
    channel     text        NOT NULL,
    txn_id      text        NOT NULL,
    shard       text        NOT NULL REFERENCES shard_members,
    load_id     bigint      NOT NULL REFERENCES group_loads,
    PRIMARY KEY (channel, txn_id)
);
COMMENT ON TABLE repayment_directory IS
    '还款分库目录 / the shard each accepted repayment went to (its settlement line follows it)';
REVOKE UPDATE, DELETE ON repayment_directory FROM baitiao_batch;

-- D is closed for the group only when every shard closed D.
CREATE TABLE group_closed_dates (
    business_date date        PRIMARY KEY,
    shards        integer     NOT NULL CHECK (shards > 0),
    closed_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE group_closed_dates IS '集团日终 / business dates every shard of the group closed';
REVOKE UPDATE, DELETE ON group_closed_dates FROM baitiao_batch;
