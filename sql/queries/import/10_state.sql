-- The import's starting point: how many business dates the database has, and the
-- cut-over date of an earlier import of the same manifest (NULL when none).
-- An import books an opening book before any night (product rules §1 "Cut-over"), and a
-- rerun of a finished import is a no-op: the manifest's SHA-256 names it.
-- $1 text: the manifest's SHA-256 (hex)
SELECT (SELECT count(*) FROM business_calendar),
       (SELECT cutover_date::text FROM import_runs WHERE manifest_sha256 = $1)
