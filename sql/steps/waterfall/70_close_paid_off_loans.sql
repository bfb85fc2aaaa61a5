-- The loans the pass paid everything of become PAID_OFF.
-- Product rules §11: PAID_OFF only when everything, penalty included, is settled: no row of
-- the loan is still UNBILLED or BILLED (a row is PAID only when its penalty is paid too).
-- $1 date: the business date D
UPDATE loans l
   SET status = 'PAID_OFF', status_date = $1::date, updated_at = now()
 WHERE l.loan_id IN (SELECT loan_id FROM pg_temp.bt_wf_alloc)
   AND l.status = 'ACTIVE'
   AND NOT EXISTS (SELECT 1 FROM installments i
                    WHERE i.loan_id = l.loan_id AND i.status IN ('UNBILLED', 'BILLED'))
