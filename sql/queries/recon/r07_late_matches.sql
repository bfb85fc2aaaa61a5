-- R7, before it judges: an open or explained 短款/长款 whose other side has arrived since, with the
-- same amount, is RESOLVED with a note naming the file and line. Returns how many.
-- $1 date: the business date D
-- $2 text: who resolves (recon (automatic) user@host)
WITH late AS (
  SELECT b.break_id, f.file_name, s.line_no
    FROM recon_breaks b
    JOIN settlement_lines s ON s.channel = split_part(b.break_key, ':', 1)
                           AND s.channel_txn_id = substr(b.break_key, strpos(b.break_key, ':') + 1)
    JOIN inbox_repayments r ON r.txn_id = s.channel_txn_id AND r.channel = s.channel
                           AND r.status = 'APPLIED' AND r.amount_fen = s.amount_fen
    JOIN load_files f ON f.file_id = s.file_id
   WHERE b.check_id = 'R7' AND b.status <> 'RESOLVED' AND b.break_type IN ('SYSTEM_ONLY', 'CHANNEL_ONLY')),
done AS (
  UPDATE recon_breaks b SET status = 'RESOLVED', resolved_by = $2, resolved_at = now(),
         note = concat_ws(E'\n', b.note, 'matched late: settlement file ' || l.file_name || ' line '
                          || l.line_no || ', recon of ' || $1::date)
    FROM late l WHERE b.break_id = l.break_id
  RETURNING 1)
SELECT count(*) FROM done
