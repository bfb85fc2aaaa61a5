-- Records that a night closes D without an expected file (eod --allow-missing), and who said so.
-- $1 bigint: the night's run id
-- $2 date: the business date D
-- $3 text: the missing file's kind
-- $4 text: its channel ('' for any)
-- $5 text: who allowed it (the operating system user)
INSERT INTO eod_missing_overrides (run_id, business_date, kind, channel, overridden_by)
VALUES ($1::bigint, $2::date, $3, $4, $5)
