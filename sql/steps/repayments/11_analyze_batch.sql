-- Statistics on the night's batch table, for the joins on it (autovacuum never analyses a temporary table).
ANALYZE pg_temp.bt_repay_today
