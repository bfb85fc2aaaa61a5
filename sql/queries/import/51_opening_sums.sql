-- What the opening entry booked per receivable and credit-balance account, for the
-- import's summary.
-- $1 date: the cut-over date
SELECT account_code, debit_fen - credit_fen FROM journal_lines WHERE business_date = $1::date
   AND account_code IN ('1122', '1123', '1124', '2241')
