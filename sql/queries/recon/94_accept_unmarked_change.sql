-- Resolving an R11 break (TABLE:user) accepts the change it found: in the transaction that resolved
-- it, the user's checksum of that table is re-baselined from its rows by the owner's function, which
-- logs it (recon_checksum_acceptances, migration recon_checksum_deltas). Without this the checksum,
-- carried forward by the triggers' deltas only, would differ from the rows every night.
-- $1 bigint: the break
SELECT recon_accept_unmarked_change($1::bigint)
