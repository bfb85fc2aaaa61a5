-- The full audit looks at every user: all of them are compared (R8) and recomputed from the rows
-- once R17 has compared the ledgers the nights carried forward.
INSERT INTO pg_temp.recon_changed SELECT user_id FROM users EXCEPT SELECT user_id FROM pg_temp.recon_changed
