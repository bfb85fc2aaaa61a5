-- Whether D is the cut-over date of a portfolio import: its book was not made by movements here,
-- so the checks that compare the day's intake with its movements do not apply to it.
-- $1 date: the business date D
SELECT EXISTS (SELECT 1 FROM import_runs WHERE cutover_date = $1::date)
