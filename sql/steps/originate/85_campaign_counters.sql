-- Each campaign's budget consumed and uses grow by the discounts its loans of D got; the
-- table's CHECK refuses a budget overspent (the matcher never gives more than is left).
-- $1 date: the business date D
UPDATE campaigns c SET consumed_fen = c.consumed_fen + s.discount_fen, uses = c.uses + s.loans, updated_at = now()
  FROM (SELECT campaign_id, sum(discount_fen)::bigint AS discount_fen, count(*)::integer AS loans
          FROM loan_campaigns WHERE origination_date = $1::date GROUP BY campaign_id) s
 WHERE c.campaign_id = s.campaign_id
