-- The spool files of D that intake refused and nothing replaced, with the first line of the reason.
-- "Replaced": a later file of the same kind and channel that was not refused. The partner has to
-- send the others again.
-- $1 date: the business date D (the next one to run)
SELECT a.file_name, coalesce(split_part(a.reason, E'\n', 1), '')
  FROM spool_arrivals a
 WHERE a.business_date = $1::date AND a.outcome = 'REFUSED'
   AND NOT EXISTS (SELECT 1 FROM spool_arrivals b WHERE b.business_date = a.business_date
                      AND b.kind = a.kind AND b.channel = a.channel AND b.outcome <> 'REFUSED'
                      AND b.arrival_id > a.arrival_id)
 ORDER BY a.arrival_id
