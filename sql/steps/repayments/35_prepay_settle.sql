-- Closes every open row of a prepaid loan as PAID, with the amounts the round allocated and waived.
-- An unbilled row goes straight from UNBILLED to PAID (sql/0010). The amounts come from the
-- rows just written (pg_temp.bt_wf_alloc, pg_temp.bt_prepay_waived), and the CHECK
-- installments_closed_settled proves they settle each row exactly.
-- $1 date: the business date D
UPDATE installments i
   SET paid_penalty_fen = i.paid_penalty_fen + s.penalty,
       paid_fee_fen = i.paid_fee_fen + s.fee,
       paid_principal_fen = i.paid_principal_fen + s.principal,
       fee_waived_fen = i.fee_waived_fen + s.fee_waived,
       status = 'PAID', paid_date = $1::date
  FROM (SELECT t.loan_id, t.installment_no,
               coalesce(a.penalty, 0) AS penalty, coalesce(a.fee, 0) AS fee,
               coalesce(a.principal, 0) AS principal, coalesce(w.fee_waived, 0) AS fee_waived
          FROM pg_temp.bt_prepay e
          JOIN installments t ON t.loan_id = e.loan_id AND t.status IN ('UNBILLED', 'BILLED')
          LEFT JOIN (SELECT loan_id, installment_no,
                            sum(amount_fen) FILTER (WHERE component = 'PENALTY') AS penalty,
                            sum(amount_fen) FILTER (WHERE component = 'FEE') AS fee,
                            sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL') AS principal
                       FROM pg_temp.bt_wf_alloc
                      GROUP BY loan_id, installment_no) a
                 ON a.loan_id = t.loan_id AND a.installment_no = t.installment_no
          LEFT JOIN (SELECT loan_id, installment_no, sum(amount_fen) AS fee_waived
                       FROM pg_temp.bt_prepay_waived
                      GROUP BY loan_id, installment_no) w
                 ON w.loan_id = t.loan_id AND w.installment_no = t.installment_no
         WHERE e.outcome = 'PREPAID') s
 WHERE i.loan_id = s.loan_id AND i.installment_no = s.installment_no
