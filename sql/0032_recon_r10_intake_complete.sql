-- Why: reconciliation R10 "intake complete" (issue 12 §1). The night cuts D's
-- inbox when it opens D, rejects at load what comes after the cut (DATE_CLOSED)
-- and, in its step intake_close, whatever is still PENDING on or before D. R10
-- proves it for each date: per kind, the rows of D received = applied +
-- rejected (a rejected row counts only with its rejects record), and no inbox
-- row dated on or before D is PENDING. Its breaks carry check id R10, and it
-- reads the inbox by date: orders and refunds get a date index (repayments have
-- inbox_repayments_pay_date_channel_idx).

ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_check_id_check;
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_check_id_check
    CHECK (check_id IN ('R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10'));

CREATE INDEX inbox_orders_order_date_idx ON inbox_orders (order_date);
CREATE INDEX inbox_refunds_refund_date_idx ON inbox_refunds (refund_date);
