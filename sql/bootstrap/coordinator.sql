-- Bootstrap of a sharded group's coordinator (issue 16), run once by a superuser (the
-- DBA) after roles.sql and before `baitiao shard add`, in the coordinator's database
-- (psql -v dbname=NAME, the database roles.sql made; without it, the database psql is
-- connected to). Idempotent.
--
-- The group reads the shards through postgres_fdw (docs/architecture.md, "Group
-- reads"): `baitiao shard add` (as baitiao_owner) makes the foreign server shard_NAME,
-- the user mappings of the three roles and the foreign tables. postgres_fdw is not a
-- trusted extension, so a superuser creates it here; USAGE on the wrapper lets the
-- owner create servers, and as a server's owner it may create the user mappings of
-- every role on it.
--
-- Credentials: postgres_fdw lets a non-superuser connect only with a password in the
-- user mapping (else the remote would authenticate the coordinator's server process,
-- not our role). In production the DBA gives each mapping its password once the server
-- exists (`baitiao shard add NAME`, or before it, as baitiao_owner in psql:
-- SELECT baitiao.group_shard_server('s1', 'host', '5432', 'baitiao');):
--   ALTER USER MAPPING FOR baitiao_report SERVER shard_s1 OPTIONS (ADD password '...');
-- (the password lives in the catalog, readable by the superuser and the mapped role
-- only; never in baitiao's configuration or logs).
-- Clusters reached over a unix socket with trust authentication (the demo's and the
-- tests' throwaway clusters) have no password to give: a mapping there needs
-- password_required 'false', which only a superuser may set. With trust_mappings on
-- (the default; psql -v trust_mappings=off leaves it out, and drops it if it was
-- made), this file creates baitiao_fdw.trust_user_mapping(server, role): it creates
-- such a mapping for one of our three roles only, as that same remote role, on a
-- shard_* server of baitiao_owner whose host is a unix-socket directory, and never
-- replaces an existing mapping (so a DBA's mapping with a password is kept).
\if :{?dbname}
\else
\set dbname :DBNAME
\endif
\connect :"dbname"

CREATE EXTENSION IF NOT EXISTS postgres_fdw WITH SCHEMA public;
GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO baitiao_owner;

\if :{?trust_mappings}
\else
\set trust_mappings on
\endif
\if :trust_mappings
CREATE SCHEMA IF NOT EXISTS baitiao_fdw;
REVOKE ALL ON SCHEMA baitiao_fdw FROM PUBLIC;
GRANT USAGE ON SCHEMA baitiao_fdw TO baitiao_owner;

CREATE OR REPLACE FUNCTION baitiao_fdw.trust_user_mapping(p_server text, p_role text)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_owner   name;
    v_fdw     name;
    v_options text[];
    v_host    text;
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('baitiao_owner', 'baitiao_batch', 'baitiao_report') THEN
        RAISE EXCEPTION 'trust_user_mapping: % is not one of baitiao''s roles', p_role
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT r.rolname, w.fdwname, s.srvoptions INTO v_owner, v_fdw, v_options
      FROM pg_foreign_server s
      JOIN pg_roles r ON r.oid = s.srvowner
      JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
     WHERE s.srvname = p_server;
    IF NOT FOUND OR p_server !~ '^shard_[a-z][a-z0-9_]{0,31}$' OR v_owner <> 'baitiao_owner'
       OR v_fdw <> 'postgres_fdw' THEN
        RAISE EXCEPTION 'trust_user_mapping: % is not a shard server of baitiao_owner over postgres_fdw', p_server
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT substr(o, 6) INTO v_host FROM unnest(v_options) o WHERE o LIKE 'host=%';
    -- a unix-socket directory, one, and nothing that would send libpq elsewhere
    IF v_host IS NULL OR v_host !~ '^/[^,]*$'
       OR EXISTS (SELECT FROM unnest(v_options) o WHERE o LIKE 'hostaddr=%' OR o LIKE 'service=%') THEN
        RAISE EXCEPTION 'trust_user_mapping: server % is not reached over a unix socket (host %): its user mappings need a password',
                        p_server, coalesce(v_host, '(unset)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT FROM pg_user_mappings WHERE srvname = p_server AND usename = p_role) THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE USER MAPPING FOR %I SERVER %I OPTIONS (user %L, password_required %L)',
                   p_role, p_server, p_role, 'false');
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION baitiao_fdw.trust_user_mapping(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION baitiao_fdw.trust_user_mapping(text, text) TO baitiao_owner;
COMMENT ON FUNCTION baitiao_fdw.trust_user_mapping(text, text) IS
    'a password-less user mapping (trust over a unix socket) for one of baitiao''s roles on a shard server';
\else
DROP SCHEMA IF EXISTS baitiao_fdw CASCADE;
\endif
