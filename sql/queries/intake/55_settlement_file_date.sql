-- The settlement file's date: the latest pay date on it (one file per channel and day).
-- the day it settles: the latest pay date on it (one file per channel and day)
-- $1 bigint: the load_files id of the file
UPDATE load_files SET file_date = (SELECT max(c2::date) FROM intake_verdict WHERE reason IS NULL)
WHERE file_id = $1::bigint
