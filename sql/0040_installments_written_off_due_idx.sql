-- Why: the aging step finds the written-off loans whose bucket may change today
-- (product-rules §11: the bucket follows the DPD of the off-balance remainder) by
-- the due dates of their written-off installments, DPD = D - due date on a bucket
-- boundary (1, 31, 61, ... 181). This partial index keeps that lookup to the few
-- rows due on those dates instead of the whole written-off book.

CREATE INDEX installments_written_off_due_idx ON installments (due_date) WHERE status = 'WRITTEN_OFF';
