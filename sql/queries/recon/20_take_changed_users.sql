-- The users to look at: those the triggers marked since the last recon (marked with D, so a rerun of
-- D takes the same users again); marks of earlier dates are pruned. The batch role can neither
-- delete nor rewrite a mark: it takes them through the owner's function, which also brings their
-- R11 checksums forward (sql/0035, 0036).
-- $1 date: the business date D
CREATE TEMP TABLE recon_changed ON COMMIT DROP AS SELECT user_id FROM recon_take_changed_users($1::date)
