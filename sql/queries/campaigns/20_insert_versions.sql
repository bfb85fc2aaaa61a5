-- Each campaign's definition of a catalogue as its new version (the highest so far + 1),
-- unless the same definition (its canonical sha256) is already one of its versions:
-- history is never rewritten, and a definition come back is pointed at again by
-- 21_set_current. One row per campaign, its fields in parallel arrays; lists come as
-- ','-joined text (their items hold no ','), NULL for no restriction.
-- $1 text[]: the campaign ids
-- $2 text[]: their names
-- $3 text[]: their kinds (FREE_PERIODS, RATE, PERCENT, WAIVE_ALL, AMOUNT_OFF)
-- $4 integer[]: free_periods (FREE_PERIODS only, else NULL)
-- $5 integer[]: rate_ppm (RATE only, else NULL)
-- $6 integer[]: percent_ppm (PERCENT only, else NULL)
-- $7 bigint[]: amount_off_fen (AMOUNT_OFF only, else NULL)
-- $8 text[]: the funders (PLATFORM or MERCHANT)
-- $9 text[]: the products each is for, ','-joined (NULL: any)
-- $10 text[]: the terms each is for, ','-joined (NULL: any)
-- $11 bigint[]: the least order amount in fen (NULL: none)
-- $12 bigint[]: the greatest order amount in fen (NULL: none)
-- $13 date[]: the first order date of each window
-- $14 date[]: the last order date of each window
-- $15 boolean[]: only for a user's first accepted order
-- $16 text[]: the statement days each is for, ','-joined (NULL: any)
-- $17 text[]: the user segments each is for, ','-joined (NULL: anyone)
-- $18 text[]: the merchants each is for, ','-joined (NULL: any)
-- $19 text[]: the categories each is for, ','-joined (NULL: any)
-- $20 boolean[]: only through a coupon of it
-- $21 integer[]: days within which a full refund returns the coupon (0: never)
-- $22 integer[]: uses per user (NULL: no limit)
-- $23 integer[]: uses in all, this database's share (NULL: no limit)
-- $24 bigint[]: the budgets in fen, this database's share
-- $25 text[]: what an order that would overspend gets (PARTIAL or NONE)
-- $26 text[]: the stacking groups
-- $27 text[]: the groups' modes (EXCLUSIVE or STACKABLE)
-- $28 integer[]: the priorities, higher first
-- $29 text[]: the sha256 of each canonical definition, hex
-- $30 bigint: the load_files row of the catalogue
INSERT INTO campaign_versions (campaign_id, version, name, kind, free_periods, rate_ppm, percent_ppm,
                               amount_off_fen, funder, products, terms, amount_min_fen, amount_max_fen,
                               order_from, order_to, new_users_only, statement_days, segments, merchants,
                               categories, coupon_required, coupon_return_days, per_user_limit, usage_limit,
                               budget_fen, budget_overflow, stack_group, stack_mode, priority, source_file_id,
                               definition_sha256)
SELECT d.id,
       COALESCE((SELECT max(v.version) FROM campaign_versions v WHERE v.campaign_id = d.id), 0) + 1,
       d.name, d.kind, d.free_periods, d.rate_ppm, d.percent_ppm, d.amount_off_fen, d.funder,
       string_to_array(d.products, ','), string_to_array(d.terms, ',')::integer[], d.amount_min_fen,
       d.amount_max_fen, d.order_from, d.order_to, d.new_users_only,
       string_to_array(d.statement_days, ',')::integer[], string_to_array(d.segments, ','),
       string_to_array(d.merchants, ','), string_to_array(d.categories, ','), d.coupon_required,
       d.coupon_return_days, d.per_user_limit, d.usage_limit, d.budget_fen, d.budget_overflow, d.stack_group,
       d.stack_mode, d.priority, $30::bigint, d.sha256
  FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::integer[], $6::integer[], $7::bigint[],
              $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::date[], $14::date[],
              $15::boolean[], $16::text[], $17::text[], $18::text[], $19::text[], $20::boolean[],
              $21::integer[], $22::integer[], $23::integer[], $24::bigint[], $25::text[], $26::text[],
              $27::text[], $28::integer[], $29::text[])
       AS d (id, name, kind, free_periods, rate_ppm, percent_ppm, amount_off_fen, funder, products, terms,
             amount_min_fen, amount_max_fen, order_from, order_to, new_users_only, statement_days, segments,
             merchants, categories, coupon_required, coupon_return_days, per_user_limit, usage_limit,
             budget_fen, budget_overflow, stack_group, stack_mode, priority, sha256)
ON CONFLICT (campaign_id, definition_sha256) DO NOTHING
