-- Each refused repayments row names the field its reason is about, and a DATE_CLOSED row the cut it missed.
UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_TXN' THEN 'txn_id'
 WHEN 'DATE_CLOSED' THEN 'pay_date' WHEN 'UNKNOWN_USER' THEN 'user_id' ELSE field END,
bad_detail = CASE reason WHEN 'DATE_CLOSED' THEN 'pay_date ' || c3 || ' is on or before ' || (SELECT max(business_date) FROM business_calendar) || ', whose night has started or ended:'
       || ' intake for it is cut; send it dated on an open date' ELSE bad_detail END
