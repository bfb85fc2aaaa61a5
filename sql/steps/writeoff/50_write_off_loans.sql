-- The loans written off on D become WRITTEN_OFF (class LOSS, product rules §7).
-- $1 date: the business date D
UPDATE loans l SET status = 'WRITTEN_OFF', written_off_date = $1::date, status_date = $1::date, updated_at = now()
  FROM writeoffs w
 WHERE w.writeoff_date = $1::date AND l.loan_id = w.loan_id
