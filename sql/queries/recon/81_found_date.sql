-- Dates the differences found so far: the full audit runs the day checks once per earlier date.
-- $1 date: the business date D
UPDATE pg_temp.recon_found SET business_date = $1::date WHERE business_date IS NULL
