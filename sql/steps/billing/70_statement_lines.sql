-- The lines of each statement of D: its installments, NEW lines without penalty.
-- $1 date: the business date D
INSERT INTO statement_lines (statement_id, loan_id, installment_no, user_id, line_kind,
                             principal_fen, fee_fen, penalty_fen)
SELECT s.statement_id, b.loan_id, b.installment_no, b.user_id, b.line_kind, b.principal_fen,
       b.fee_fen, CASE WHEN b.line_kind = 'NEW' THEN 0 ELSE b.penalty_fen END
  FROM statement_base b JOIN statements s ON s.user_id = b.user_id AND s.statement_date = $1::date
