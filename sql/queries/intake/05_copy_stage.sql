-- The file's records, checked field by field on the C side, streamed into the staging table.
COPY intake_stage FROM STDIN
