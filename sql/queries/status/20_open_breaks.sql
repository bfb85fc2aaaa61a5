-- How many reconciliation breaks are OPEN, and the business date of the oldest ('' when none).
SELECT count(*), coalesce(min(business_date)::text, '')
  FROM recon_breaks WHERE status = 'OPEN'
