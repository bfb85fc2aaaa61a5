-- One statement per statement user of D: new charges + carried balances − credit applied.
-- The due date is the earliest due date of its new charges, else of its carried items (all
-- of them already due or past due), never before D. The credit applied is the fall of the
-- user's credit balance since 40_statement_users took it (product-rules §3, §5).
-- $1 date: the business date D
INSERT INTO statements (user_id, statement_date, due_date, new_principal_fen, new_fee_fen,
                        carried_principal_fen, carried_fee_fen, carried_penalty_fen,
                        credit_applied_fen, total_due_fen)
SELECT b.user_id, $1::date,
       greatest($1::date, coalesce(min(b.due_date) FILTER (WHERE b.line_kind = 'NEW'), min(b.due_date))),
       coalesce(sum(b.principal_fen) FILTER (WHERE b.line_kind = 'NEW'), 0),
       coalesce(sum(b.fee_fen) FILTER (WHERE b.line_kind = 'NEW'), 0),
       coalesce(sum(b.principal_fen) FILTER (WHERE b.line_kind = 'CARRIED'), 0),
       coalesce(sum(b.fee_fen) FILTER (WHERE b.line_kind = 'CARRIED'), 0),
       coalesce(sum(b.penalty_fen) FILTER (WHERE b.line_kind = 'CARRIED'), 0),
       c.before_fen - u.credit_balance_fen,
       sum(b.principal_fen + b.fee_fen + b.penalty_fen) - (c.before_fen - u.credit_balance_fen)
  FROM statement_base b JOIN statement_users c USING (user_id) JOIN users u USING (user_id)
 GROUP BY b.user_id, c.before_fen, u.credit_balance_fen
