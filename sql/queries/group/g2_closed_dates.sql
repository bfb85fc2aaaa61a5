-- G2: every shard closed exactly the group's closed dates (issue 16 §4-5): each date the group
-- closed after a shard joined it (group_closed_dates.closed_at >= shard_members.added_at) is CLOSED
-- in that shard's business_calendar (else NOT_CLOSED), and every date a shard closed is one the
-- group closed (else AHEAD: the group's night of that date is unfinished on another shard; the
-- rerun of eod completes it). Key SHARD:DATE.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH sc AS (SELECT shard, business_date FROM grp.business_calendar WHERE status = 'CLOSED'),
req AS (SELECT m.shard, g.business_date FROM group_closed_dates g JOIN shard_members m ON g.closed_at >= m.added_at),
cmp AS (SELECT coalesce(sc.shard, req.shard) AS sh, coalesce(sc.business_date, req.business_date) AS d,
               CASE WHEN sc.shard IS NULL THEN 'NOT_CLOSED'
                    WHEN NOT EXISTS (SELECT 1 FROM group_closed_dates g WHERE g.business_date = sc.business_date)
                    THEN 'AHEAD' END AS t
          FROM sc FULL JOIN req ON req.shard = sc.shard AND req.business_date = sc.business_date),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard)
         SELECT 'G2', t, sh || ':' || d, sh FROM cmp WHERE t IS NOT NULL)
SELECT count(*), 0::bigint FROM cmp
