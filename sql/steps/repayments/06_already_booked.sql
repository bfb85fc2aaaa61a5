-- A pending repayment of D whose channel transaction already has money booked, if any (the step then stops).
-- Product rules §5: a channel transaction id is applied once, ever. inbox_repayments.txn_id
-- is UNIQUE, so a replay never gets a row; a PENDING row with allocations or a credit
-- balance movement was reset by hand, and booking it again would pay twice.
-- $1 date: the business date D
SELECT r.txn_id FROM inbox_repayments r
 WHERE r.pay_date = $1::date AND r.status = 'PENDING'
   AND (EXISTS (SELECT 1 FROM allocations a WHERE a.txn_id = r.txn_id)
        OR EXISTS (SELECT 1 FROM credit_balance_movements m
                    WHERE m.user_id = r.user_id AND m.txn_id = r.txn_id))
 ORDER BY r.arrival_seq LIMIT 1
