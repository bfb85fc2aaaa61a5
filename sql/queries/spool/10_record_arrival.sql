-- Records a file's arrival in the spool: the day folder, kind, channel, name and outcome.
-- One row per file taken (LOADED, DUPLICATE or REFUSED with its reason): what the expected
-- files of a date are checked against (20_missing).
-- $1 date: the business date of the day folder it was delivered in
-- $2 text: the file kind
-- $3 text: the channel the name gives, upper case ('' when none)
-- $4 text: the file name
-- $5 text: the outcome: LOADED, DUPLICATE or REFUSED
-- $6 bigint: the load_files id (NULL when refused before loading)
-- $7 text: why it was refused (NULL otherwise)
-- $8 bigint: a sharded group's load that took it (NULL otherwise: then $6 names it)
INSERT INTO spool_arrivals (business_date, kind, channel, file_name, outcome, file_id, reason, group_load_id)
VALUES ($1::date, $2, $3, $4, $5, $6::bigint, $7, $8::bigint)
