-- The lines of the day's statements: every BILLED installment of a statement user, as it
-- stands before the credit balance is applied. NEW when billed on D, else CARRIED; amounts
-- are what is outstanding (the functions of the outstanding migration); penalty through
-- D − 1, aging of D has not run yet.
-- $1 date: the business date D
CREATE TEMP TABLE statement_base ON COMMIT DROP AS
SELECT i.user_id, i.loan_id, i.installment_no,
       CASE WHEN i.billing_date = $1::date THEN 'NEW' ELSE 'CARRIED' END AS line_kind,
       installment_principal_out_fen(i) AS principal_fen,
       installment_fee_out_fen(i) AS fee_fen,
       installment_penalty_out_fen(i, $1::date - 1) AS penalty_fen,
       i.due_date
  FROM statement_users s JOIN installments i ON i.user_id = s.user_id AND i.status = 'BILLED'
