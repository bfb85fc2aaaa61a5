-- R13: every loan's schedule recomputed by the schedule engine = its installments, field by field,
-- so a break says what differs; dates compare as YYYYMMDD. A row on one side only counts 0 on the
-- other. Stored under the loan's origination date, so a later audit finds the same break, not a
-- new one. Key: order:installment:principal|fee|billing_date|due_date.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- A campaign's discount (issue 18) is part of the engine's fee: fee_fen is what the user owes,
-- the fee_subsidies rows what the campaigns pay of it.
-- $1 date: the business date D
WITH i AS (SELECT l.origination_date, i.order_id, i.installment_no, i.billing_date, i.due_date, i.principal_fen,
                  i.fee_fen + coalesce((SELECT sum(f.amount_fen) FROM fee_subsidies f
                                         WHERE f.loan_id = i.loan_id AND f.installment_no = i.installment_no), 0)
                  AS fee_fen
             FROM installments i JOIN loans l ON l.loan_id = i.loan_id WHERE l.origination_date <= $1::date),
j2 AS (SELECT coalesce(s.origination_date, i.origination_date) AS bd, order_id, installment_no, s.principal_fen AS sp, i.principal_fen AS ip,
                s.fee_fen AS sf, i.fee_fen AS if_,
                to_char(s.billing_date, 'YYYYMMDD')::bigint AS sb, to_char(i.billing_date, 'YYYYMMDD')::bigint AS ib,
                to_char(s.due_date, 'YYYYMMDD')::bigint AS sd, to_char(i.due_date, 'YYYYMMDD')::bigint AS id_
           FROM pg_temp.recon_schedule s FULL JOIN i USING (order_id, installment_no)),
cmp AS (SELECT bd, order_id || ':' || installment_no || ':principal' AS k, coalesce(sp, 0) AS e,
                coalesce(ip, 0) AS a, coalesce(sp, 0) AS t FROM j2
         UNION ALL SELECT bd, order_id || ':' || installment_no || ':fee', coalesce(sf, 0), coalesce(if_, 0),
                coalesce(sf, 0) FROM j2
         UNION ALL SELECT bd, order_id || ':' || installment_no || ':billing_date', coalesce(sb, 0),
                coalesce(ib, 0), 0 FROM j2
         UNION ALL SELECT bd, order_id || ':' || installment_no || ':due_date', coalesce(sd, 0),
                coalesce(id_, 0), 0 FROM j2),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)
         SELECT 'R13', k, e, a, bd FROM cmp WHERE e <> a)
SELECT (SELECT count(*) FROM j2), coalesce(sum(t), 0)::bigint FROM cmp
