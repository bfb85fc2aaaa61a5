-- The status of a break (why explain or resolve changed nothing).
-- $1 bigint: the break
SELECT status FROM recon_breaks WHERE break_id = $1::bigint
