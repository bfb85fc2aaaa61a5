-- Whether the users to recompute from the rows are at least half of the book (users' row count as
-- the planner's statistics know it): then one grouped pass over every user's rows costs less than
-- a lookup per user (22_recompute_users). Both give the same ledgers; this only picks the plan.
SELECT count(*) >= 0.5 * (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'users'::regclass)
  FROM pg_temp.recon_recompute
