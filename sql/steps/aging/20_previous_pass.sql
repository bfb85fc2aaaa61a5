-- The aging pass D's date arithmetic starts from, and whether D must also look at every overdue loan.
-- The previous pass P is the latest night before D that the aging step ran (aging_passes) or
-- that was closed (business_calendar: nights closed before aging_passes existed, a portfolio
-- import's cut-over date). Changes of the days after P up to D are looked for; in production
-- P = D − 1. Every overdue loan is looked at too (as before the date arithmetic) when there is
-- no P, or when P is before the previous month end: then the window a loan's latest row is
-- read from (previous month end .. D) is not known to hold a row of every live loan.
-- Returns (P or NULL, P or D − 1 when none, overdue loans to look at).
-- $1 date: the business date D
-- $2 date: the last day of the month before D's (the window's start)
WITH p AS (
  SELECT greatest((SELECT max(business_date) FROM aging_passes WHERE business_date < $1::date),
                  (SELECT max(business_date) FROM business_calendar
                    WHERE status = 'CLOSED' AND business_date < $1::date)) AS previous_date)
SELECT previous_date, coalesce(previous_date, $1::date - 1), previous_date IS NULL OR previous_date < $2::date FROM p
