-- A campaign's definition as a new version (the highest so far + 1), unless the same
-- definition (its canonical sha256) is already one of its versions: history is never
-- rewritten, a definition come back is pointed at again by 21_set_current.
-- $1 text: the campaign id
-- $2 text: its name
-- $3 text: its kind (FREE_PERIODS, RATE, PERCENT, WAIVE_ALL, AMOUNT_OFF)
-- $4 integer: free_periods (FREE_PERIODS only, else NULL)
-- $5 integer: rate_ppm (RATE only, else NULL)
-- $6 integer: percent_ppm (PERCENT only, else NULL)
-- $7 bigint: amount_off_fen (AMOUNT_OFF only, else NULL)
-- $8 text: the funder (PLATFORM or MERCHANT)
-- $9 text[]: the products it is for (NULL: any)
-- $10 integer[]: the terms it is for (NULL: any)
-- $11 bigint: the least order amount in fen (NULL: none)
-- $12 bigint: the greatest order amount in fen (NULL: none)
-- $13 date: the first order date of its window
-- $14 date: the last order date of its window
-- $15 boolean: only for a user's first accepted order
-- $16 integer[]: the statement days it is for (NULL: any)
-- $17 text[]: the user segments it is for (NULL: anyone)
-- $18 text[]: the merchants it is for (NULL: any)
-- $19 text[]: the categories it is for (NULL: any)
-- $20 boolean: only through a coupon of it
-- $21 integer: days within which a full refund returns the coupon (0: never)
-- $22 integer: uses per user (NULL: no limit)
-- $23 integer: uses in all, this database's share (NULL: no limit)
-- $24 bigint: the budget in fen, this database's share
-- $25 text: what an order that would overspend gets (PARTIAL or NONE)
-- $26 text: its stacking group
-- $27 text: the group's mode (EXCLUSIVE or STACKABLE)
-- $28 integer: its priority, higher first
-- $29 bigint: the load_files row of the catalogue
-- $30 text: the sha256 of its canonical definition, hex
INSERT INTO campaign_versions (campaign_id, version, name, kind, free_periods, rate_ppm, percent_ppm,
                               amount_off_fen, funder, products, terms, amount_min_fen, amount_max_fen,
                               order_from, order_to, new_users_only, statement_days, segments, merchants,
                               categories, coupon_required, coupon_return_days, per_user_limit, usage_limit,
                               budget_fen, budget_overflow, stack_group, stack_mode, priority, source_file_id,
                               definition_sha256)
SELECT $1, COALESCE(max(v.version), 0) + 1, $2, $3, $4::integer, $5::integer, $6::integer, $7::bigint, $8,
       $9::text[], $10::integer[], $11::bigint, $12::bigint, $13::date, $14::date, $15::boolean, $16::integer[],
       $17::text[], $18::text[], $19::text[], $20::boolean, $21::integer, $22::integer, $23::integer,
       $24::bigint, $25, $26, $27, $28::integer, $29::bigint, $30
  FROM campaign_versions v
 WHERE v.campaign_id = $1
ON CONFLICT (campaign_id, definition_sha256) DO NOTHING
