-- OPEN breaks of D: what keeps a date from closing under [recon] breaks_block_close.
-- $1 date: the business date D
SELECT count(*) FROM recon_breaks WHERE business_date = $1::date AND status = 'OPEN'
