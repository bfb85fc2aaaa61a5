-- The repayments of D or earlier still PENDING in inbox_repayments are rejected DATE_CLOSED.
-- The night cut D's inbox when it opened D (docs/architecture.md, "Intake cut-off"), so a
-- row still PENDING now reached the inbox behind the loader's back after its step; it gets
-- its rejects row (file, line, field, reason, detail) so that no row of a closed date waits
-- for ever. Recon R10 proves it. Returns (rows, amount_fen).
-- $1 date: the business date D
WITH swept AS (
  UPDATE inbox_repayments SET status = 'REJECTED', reject_reason = 'DATE_CLOSED', processed_date = $1::date
   WHERE status = 'PENDING' AND pay_date <= $1::date
  RETURNING txn_id AS external_id, user_id, amount_fen, file_id, line_no, pay_date AS d),
 ins AS (
  INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,
                       detail, amount_fen, business_date)
  SELECT s.file_id, f.file_name, s.line_no, 'repayments', s.external_id, s.user_id, 'pay_date',
         'DATE_CLOSED', 'repayments dated ' || s.d || ' still pending at the end of the night of '
         || $1::date || ': it reached the inbox after its step', s.amount_fen, $1::date
    FROM swept s LEFT JOIN load_files f ON f.file_id = s.file_id)
SELECT count(*), coalesce(sum(amount_fen), 0)::bigint FROM swept
