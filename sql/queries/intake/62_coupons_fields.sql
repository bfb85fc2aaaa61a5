-- Each refused coupons row names the field its reason is about, and says why where the C side did not.
UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_COUPON' THEN 'coupon_id'
 WHEN 'UNKNOWN_USER' THEN 'user_id' WHEN 'UNKNOWN_CAMPAIGN' THEN 'campaign_id'
 WHEN 'BAD_FIELD' THEN coalesce(field, 'valid_to') END,
bad_detail = CASE
 WHEN reason = 'BAD_FIELD' AND bad_field IS NULL THEN 'valid_to ' || c5 || ' is before valid_from ' || c4
 WHEN reason = 'DUPLICATE_COUPON' THEN 'coupon_id ' || c1 || ' was issued before: a coupon is issued once'
 WHEN reason = 'UNKNOWN_CAMPAIGN' THEN 'campaign_id ' || c3 || ' is not in the campaign catalogue'
       || ' (baitiao campaigns load)'
 ELSE bad_detail END
 WHERE reason IS NOT NULL
