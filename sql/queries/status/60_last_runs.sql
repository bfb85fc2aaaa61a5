-- The last runs of any command, newest first, with their steps and the first line of their error.
-- Columns: id, command, date, status, start, duration, host:pid, steps succeeded, steps, error.
-- $1 integer: how many runs (status --runs)
SELECT r.run_id, r.command, coalesce(r.business_date::text, ''), r.status,
       to_char(r.started_at, 'YYYY-MM-DD HH24:MI:SS'),
       coalesce(to_char(r.ended_at - r.started_at, 'HH24:MI:SS'), 'running'),
       coalesce(r.host || ':' || r.pid, ''),
       (SELECT count(*) FROM job_step_runs s WHERE s.run_id = r.run_id AND s.status = 'SUCCEEDED'),
       (SELECT count(*) FROM job_step_runs s WHERE s.run_id = r.run_id),
       coalesce(split_part(r.error, E'\n', 1), '')
  FROM job_runs r ORDER BY r.run_id DESC LIMIT $1::int
