-- What the night's repayments booked, per channel (pg_temp.bt_repay_channels): the amounts the channel's journal entries post.
-- One row per channel of the batch; filled once (53_channel_sums) so that the entries of
-- every channel read a few rows instead of each rescanning the day's allocations.
CREATE TEMP TABLE pg_temp.bt_repay_channels (
  channel text PRIMARY KEY,
  penalty_fen bigint NOT NULL,
  fee_fen bigint NOT NULL,
  principal_fen bigint NOT NULL,
  recovered_fen bigint NOT NULL,
  excess_fen bigint NOT NULL
) ON COMMIT DROP
