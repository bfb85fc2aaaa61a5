-- The campaigns each loan of the day got, with the discount each granted (issue 18).
COPY loan_campaigns (loan_id, campaign_id, version, user_id, origination_date, funder, coupon_id, discount_fen)
FROM STDIN
