-- Makes sure the channel's clearing account 1002.ch exists (sql function ensure_channel_account).
-- $1 text: the repayment channel
SELECT ensure_channel_account($1)
