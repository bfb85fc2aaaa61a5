-- Splits each applied refund over its loan's open rows (pg_temp.bt_refund_split).
-- Product rules §6: one number line per loan, unbilled rows from the last backwards, then
-- billed rows oldest first; a row takes the overlap of its outstanding principal with
-- [0, R). An unbilled row reaching 0 is cancelled and its fee waived. A full refund covers
-- every open row (R ≥ their principal), cancels them and waives every unpaid fee and
-- penalty (penalty outstanding through D − 1: aging of D runs after the refunds). The fee
-- of a billed row is never waived by a partial refund (docs/decisions.md).
-- $1 date: the business date D
WITH open_rows AS (
  SELECT e.refund_id, e.amount_fen AS refund_fen, e.is_full, i.user_id, i.loan_id,
         i.installment_no, i.status, i.due_date,
         installment_principal_out_fen(i) AS principal, installment_fee_out_fen(i) AS fee,
         installment_penalty_out_fen(i, $1::date - 1) AS penalty
    FROM pg_temp.bt_refund_eval e
    JOIN installments i ON i.loan_id = e.loan_id AND i.status IN ('UNBILLED', 'BILLED')
   WHERE e.reason IS NULL),
 line AS (
  SELECT o.*, sum(o.principal) OVER (PARTITION BY o.loan_id
                                     ORDER BY o.status = 'BILLED',
                                              CASE WHEN o.status = 'UNBILLED' THEN -o.installment_no END,
                                              o.due_date, o.installment_no) AS hi
    FROM open_rows o),
 cut AS (
  SELECT l.*, greatest(least(l.hi, l.refund_fen) - (l.hi - l.principal), 0)::bigint AS reduced
    FROM line l),
 decided AS (
  SELECT c.*, c.is_full OR (c.status = 'UNBILLED' AND c.reduced > 0 AND c.reduced = c.principal)
              AS cancels
    FROM cut c)
INSERT INTO pg_temp.bt_refund_split (refund_id, user_id, loan_id, installment_no, was_billed,
                                     principal_reduced_fen, fee_waived_fen, penalty_waived_fen,
                                     new_status)
SELECT refund_id, user_id, loan_id, installment_no, status = 'BILLED', reduced,
       CASE WHEN cancels THEN fee ELSE 0 END,
       CASE WHEN is_full THEN penalty ELSE 0 END,
       CASE WHEN cancels THEN 'CANCELLED'
            WHEN status = 'BILLED' AND reduced > 0 AND reduced = principal AND fee = 0 AND penalty = 0
                 THEN 'PAID' END
  FROM decided
 WHERE reduced > 0 OR cancels
