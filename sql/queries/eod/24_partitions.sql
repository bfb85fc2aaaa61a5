-- The dated tables' partitions for D and the two months after it (owner's function, sql/0002).
-- $1 date: the business date D
SELECT ensure_partitions($1::date, ($1::date + interval '2 months')::date)
