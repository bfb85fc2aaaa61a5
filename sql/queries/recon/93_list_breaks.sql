-- recon breaks: the breaks, oldest first; the last column is the note on one line for the text layout.
-- $1 boolean: only the OPEN ones
-- $2 date: only this business date (NULL: every date)
SELECT break_id, business_date::text, check_id, break_type, break_key, expected_fen, actual_fen, diff_fen,
       severity, status, note, coalesce(replace(note, E'\n', ' | '), '')
  FROM recon_breaks
WHERE ($1::boolean IS NOT TRUE OR status = 'OPEN')
   AND ($2::date IS NULL OR business_date = $2::date)
ORDER BY business_date, check_id, break_type, break_key
