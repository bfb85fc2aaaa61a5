-- The last full audit (recon --full): its date, status, breaks found, when, and whether it is overdue.
-- The audit runs weekly from jobs/baitiao-audit; "overdue" is more than eight days since it ended
-- (or started). No row: it never ran.
SELECT business_date::text, status, breaks_found,
       to_char(coalesce(ended_at, started_at), 'YYYY-MM-DD HH24:MI'),
       coalesce(ended_at, started_at) < now() - interval '8 days'
  FROM recon_runs WHERE mode = 'FULL' ORDER BY recon_run_id DESC LIMIT 1
