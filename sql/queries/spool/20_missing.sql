-- The expected files of D ([intake] expected, KIND:CHANNEL) still missing, in the configured order.
-- An entry is met by an arrival of D that was not refused (an entry without a channel by any
-- file of its kind), or closed without by an earlier run of D (eod --allow-missing).
-- $1 date: the business date D
-- $2 text[]: the expected entries' kinds
-- $3 text[]: the expected entries' channels ('' for any)
SELECT e.kind || ':' || e.channel
  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e (kind, channel, n)
 WHERE NOT EXISTS (SELECT 1 FROM spool_arrivals a
                    WHERE a.business_date = $1::date AND a.kind = e.kind AND a.outcome <> 'REFUSED'
                      AND (e.channel = '' OR a.channel = e.channel))
   AND NOT EXISTS (SELECT 1 FROM eod_missing_overrides o
                    WHERE o.business_date = $1::date AND o.kind = e.kind AND o.channel = e.channel)
 ORDER BY e.n
