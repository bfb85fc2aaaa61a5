-- The key of the day's next credit-balance entry: "credit_balance_use:K" for the K-th one.
-- A natural key (date and order within the night), never an allocation id: a night killed
-- anywhere and rerun posts the same keys as a clean one, because a killed step's entries
-- roll back with it and the steps run in a fixed order. The credit balance is applied
-- inside refunds, repayments and billing, so a night posts up to three such entries.
-- $1 date: the business date D
SELECT 'credit_balance_use:' || (count(*) + 1) FROM journal_entries
 WHERE business_date = $1::date AND entry_type = 'CREDIT_BALANCE_USE'
