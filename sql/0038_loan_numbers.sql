-- Why: a loan's number (借据号), shown to finance in the loan listing, was its
-- surrogate loan_id: an identity value, which a night killed in originate and
-- rerun does not give out again, so the same loan got another number than in
-- a clean run (issue 12 §5: business keys from natural keys, never from a
-- sequence). A loan is one accepted order, so its number is derived from the
-- order id and the origination date: L20260304-O20260304001. loan_id stays as
-- the internal identity the tables join on.
-- IMMUTABLE: to_char with a numeric-only date pattern does not depend on
-- locale or time zone.

CREATE FUNCTION loan_number(p_origination_date date, p_order_id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT 'L' || to_char(p_origination_date, 'YYYYMMDD') || '-' || p_order_id $$;

COMMENT ON FUNCTION loan_number(date, text) IS
    '借据号 / a loan''s number from its natural key: L + origination date (YYYYMMDD) + - + order id';

GRANT EXECUTE ON FUNCTION loan_number(date, text) TO baitiao_report;
