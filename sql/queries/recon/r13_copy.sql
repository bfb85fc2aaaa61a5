-- R13: one batch's schedules, from the engine, into pg_temp.recon_schedule.
COPY pg_temp.recon_schedule FROM STDIN
