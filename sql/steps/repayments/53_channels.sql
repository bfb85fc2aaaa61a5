-- The channels of the night's batch, each posted as its own entries.
SELECT DISTINCT channel FROM pg_temp.bt_repay_today ORDER BY channel
