-- The sub-ledgers now, for R4 and R9: the portfolio totals are the sum of the narrow per-user table
-- plus the users holding a credit balance (read through their partial index). Empty unless D is
-- the newest business date: balances are the current state only.
-- $1 boolean: D is the newest business date
CREATE TEMP TABLE recon_ledger_now ON COMMIT DROP AS
SELECT v.ledger, v.closing_fen::bigint AS closing_fen
   FROM (SELECT coalesce(sum(principal_fen), 0) AS p, coalesce(sum(fee_fen), 0) AS f,
                coalesce(sum(penalty_fen), 0) AS pen, coalesce(sum(written_off_fen), 0) AS w
           FROM recon_user_ledgers) s,
        (SELECT coalesce(sum(credit_balance_fen), 0) AS c FROM users WHERE credit_balance_fen > 0) c,
        LATERAL (VALUES ('PRINCIPAL', s.p), ('FEE', s.f), ('PENALTY', s.pen), ('CREDIT_BALANCE', c.c),
                        ('WRITTEN_OFF', s.w)) AS v(ledger, closing_fen)
  WHERE $1::boolean
