-- Why: the cut-over of a sharded group (issue 16 §3 with issue 15 §1). `baitiao import
-- book DIR` at the coordinator splits one opening book by user into one part per shard
-- and each shard imports its part as a single database imports a book. The group's
-- decision is committed at the coordinator after every shard booked its part in a
-- transaction still open and before any of them commits: this record, with the
-- directory rows of every user and loan the shards accepted (user_directory,
-- order_directory, under a group_loads row of kind 'import', so a rerun routes the same
-- rows to the same shards whatever the configuration says by then). Each shard's commit
-- is then recorded here; a rerun after a crash between the shards' commits imports only
-- where imported_at is missing, and the cut-over date goes into group_closed_dates when
-- every shard has it (docs/decisions.md "A sharded group's cut-over").

CREATE TABLE group_imports (
    load_id         bigint      PRIMARY KEY REFERENCES group_loads,
    manifest_sha256 text        NOT NULL UNIQUE,   -- the original manifest.csv: a rerun is known by it
    cutover_date    date        NOT NULL,
    decided_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz                     -- every shard imported its part
);
COMMENT ON TABLE group_imports IS
    '集团期初迁移 / a sharded group''s opening book: decided at the coordinator, done when every shard imported its part';
REVOKE DELETE ON group_imports FROM baitiao_batch;

CREATE TABLE group_import_shards (
    load_id         bigint      NOT NULL REFERENCES group_imports,
    shard           text        NOT NULL REFERENCES shard_members,
    part_sha256     text        NOT NULL,   -- the part's manifest.csv: the shard's import_runs know it by it
    users           bigint      NOT NULL CHECK (users >= 0),      -- the part's rows, as its control lines say
    loans           bigint      NOT NULL CHECK (loans >= 0),
    installments    bigint      NOT NULL CHECK (installments >= 0),
    credit_balances bigint      NOT NULL CHECK (credit_balances >= 0),
    imported_at     timestamptz,            -- the shard committed its import
    PRIMARY KEY (load_id, shard)
);
COMMENT ON TABLE group_import_shards IS
    '集团期初迁移明细 / each shard''s part of the group''s opening book and when the shard committed it';
REVOKE DELETE ON group_import_shards FROM baitiao_batch;
