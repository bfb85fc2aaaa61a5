-- Bootstrap, run once per cluster by a superuser (the DBA), before any migration:
-- the three roles of baitiao and the database the owner role owns. Idempotent.
--   baitiao_owner   DDL: owns the schema, applies migrations (baitiao migrate up)
--   baitiao_batch   the nightly run: DML on batch tables, never DDL
--   baitiao_report  reports and status: read only
-- Passwords are not set here: use peer/trust on the local socket, or set them with
-- \password and a .pgpass file, never in a config file or on a command line.
SELECT 'CREATE ROLE baitiao_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'baitiao_owner') \gexec
SELECT 'CREATE ROLE baitiao_batch LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'baitiao_batch') \gexec
SELECT 'CREATE ROLE baitiao_report LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'baitiao_report') \gexec
SELECT format('CREATE DATABASE %I OWNER baitiao_owner ENCODING ''UTF8'' TEMPLATE template0', :'dbname')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'dbname') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO baitiao_batch, baitiao_report', :'dbname') \gexec
