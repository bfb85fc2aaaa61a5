-- Why: the aging step finds the loans whose status changed on D (paid off,
-- cancelled, written off) by status_date, and at month end every live loan;
-- without these indexes each ordinary night would scan the whole loans table.
CREATE INDEX loans_status_date_idx ON loans (status_date);
CREATE INDEX loans_active_idx ON loans (loan_id) WHERE status = 'ACTIVE';
