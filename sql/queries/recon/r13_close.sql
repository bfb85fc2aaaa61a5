-- R13: the loans' cursor is closed once every batch's schedules are in.
CLOSE recon_loans
