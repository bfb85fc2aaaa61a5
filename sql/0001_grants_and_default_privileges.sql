-- Why: three roles share one database. baitiao_owner does DDL and owns every
-- object; baitiao_batch (the nightly batch) may only read and write rows;
-- baitiao_report may only read. Privileges are set here once, as default
-- privileges, so every later migration gets them without repeating GRANTs.
-- Tables that the batch must treat as append-only or must not touch get
-- explicit REVOKEs in the migration that creates them.
-- The schema baitiao and schema_migrations already exist (the migration tool
-- creates them before this file runs).

-- Database level: only our roles connect. Temporary tables are allowed
-- (staging for COPY) but they cannot touch schema baitiao. current_database()
-- so that test databases with another name work too.
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO baitiao_batch, baitiao_report',
                   current_database());
END
$$;

-- Schema: nobody but the owner creates objects in it.
REVOKE ALL ON SCHEMA baitiao FROM PUBLIC;
GRANT USAGE ON SCHEMA baitiao TO baitiao_batch, baitiao_report;

-- Tables (and partitions, views) created by baitiao_owner in baitiao.
-- No TRUNCATE, REFERENCES or TRIGGER for anyone but the owner.
ALTER DEFAULT PRIVILEGES FOR ROLE baitiao_owner IN SCHEMA baitiao
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO baitiao_batch;
ALTER DEFAULT PRIVILEGES FOR ROLE baitiao_owner IN SCHEMA baitiao
    GRANT SELECT ON TABLES TO baitiao_report;

-- Sequences (identity columns need none of these for INSERT; kept for
-- currval/lastval and explicit sequences).
ALTER DEFAULT PRIVILEGES FOR ROLE baitiao_owner IN SCHEMA baitiao
    GRANT USAGE, SELECT ON SEQUENCES TO baitiao_batch;
ALTER DEFAULT PRIVILEGES FOR ROLE baitiao_owner IN SCHEMA baitiao
    GRANT SELECT ON SEQUENCES TO baitiao_report;

-- Functions: PostgreSQL grants EXECUTE to PUBLIC by default; a per-schema
-- default cannot remove that, so the global default is revoked for the
-- owner's functions in this database. The batch may call our functions;
-- the report role gets EXECUTE only where a migration grants it explicitly
-- (so a future SECURITY DEFINER writer is never reachable from it).
ALTER DEFAULT PRIVILEGES FOR ROLE baitiao_owner
    REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE baitiao_owner IN SCHEMA baitiao
    GRANT EXECUTE ON FUNCTIONS TO baitiao_batch;

-- The migration ledger: readable, never writable, by the other roles.
REVOKE ALL ON TABLE schema_migrations FROM PUBLIC;
GRANT SELECT ON TABLE schema_migrations TO baitiao_batch, baitiao_report;
