-- Rejects the day's pending repayments of users we do not know (UNKNOWN_USER); returns (rows, amount_fen).
-- Online inserts are not validated by the loader: a repayment of an unknown user cannot be
-- booked (a credit balance belongs to a user), so it gets a rejects row instead.
-- $1 date: the business date D
WITH rej AS (
  UPDATE inbox_repayments r
     SET status = 'REJECTED', reject_reason = 'UNKNOWN_USER', processed_date = $1::date
   WHERE r.pay_date = $1::date AND r.status = 'PENDING'
     AND NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = r.user_id)
  RETURNING r.txn_id, r.user_id, r.amount_fen, r.file_id, r.line_no),
 ins AS (
  INSERT INTO rejects (file_id, line_no, source_kind, external_id, user_id, reason_code, detail,
                       amount_fen, business_date)
  SELECT file_id, line_no, 'repayments', txn_id, user_id, 'UNKNOWN_USER', 'no such user',
         amount_fen, $1::date FROM rej)
SELECT count(*), coalesce(sum(amount_fen), 0) FROM rej
