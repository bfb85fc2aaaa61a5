-- The file's rejected rows per reason, for the load's summary line.
SELECT reason, count(*) FROM intake_verdict WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason
