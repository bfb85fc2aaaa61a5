-- R12's line in the summary: D's chain head, or that D has none.
-- $1 date: the business date D
SELECT coalesce((SELECT 'head ' || encode(head_hash, 'hex') || ' (' || entries || ' entries)'
                     FROM journal_chain_heads WHERE business_date = $1::date),
                'no sealed chain for ' || $1::date)
