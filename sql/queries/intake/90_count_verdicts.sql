-- The file's rows read, accepted and rejected, from its verdicts.
SELECT count(*), count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL)
  FROM intake_verdict
