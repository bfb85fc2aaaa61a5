-- R13: the next batch of loans from the cursor (5 000 at a time).
FETCH 5000 FROM recon_loans
