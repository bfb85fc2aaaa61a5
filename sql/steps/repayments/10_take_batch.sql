-- Takes the night's pending repayments, locked, into pg_temp.bt_repay_today with their waterfall round.
-- Round 1 holds every repayment of the users who sent no prepayment (all of a user's
-- repayments on one number line, in arrival order, product-rules §11) and the first
-- repayment of each user who did; round k > 1 the k-th repayment of the latter. A
-- prepayment's payoff depends on what the user's earlier repayments of the night paid, so
-- those users go one repayment per round: sequential per user as the rule is, set-based
-- across users. Locked (FOR UPDATE): a row inserted online meanwhile is neither
-- half-applied nor marked APPLIED unapplied.
-- $1 date: the business date D
INSERT INTO pg_temp.bt_repay_today (txn_id, user_id, amount_fen, channel, prepay_order_id,
                                    arrival_seq, round)
WITH pending AS (
  SELECT txn_id, user_id, amount_fen, channel, prepay_order_id, arrival_seq
    FROM inbox_repayments
   WHERE pay_date = $1::date AND status = 'PENDING'
     FOR UPDATE)
SELECT txn_id, user_id, amount_fen, channel, prepay_order_id, arrival_seq,
       CASE WHEN bool_or(prepay_order_id IS NOT NULL) OVER (PARTITION BY user_id)
            THEN row_number() OVER (PARTITION BY user_id ORDER BY arrival_seq)
            ELSE 1 END
  FROM pending
