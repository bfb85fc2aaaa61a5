-- R13: the schedules the engine computes (src/schedule.c) come into this table by COPY.
CREATE TEMP TABLE recon_schedule (origination_date date NOT NULL, order_id text NOT NULL,
                                  installment_no integer NOT NULL,
                                  billing_date date NOT NULL, due_date date NOT NULL,
                                  principal_fen bigint NOT NULL, fee_fen bigint NOT NULL) ON COMMIT DROP
