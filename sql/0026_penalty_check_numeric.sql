-- Why: the rounding check of penalty_accruals recomputed the penalty in bigint,
-- which overflows for bases above about 9.2e14 fen at 10 000 ppm although a
-- loan may be up to 1e15 fen. The same rule, computed in numeric.
ALTER TABLE penalty_accruals
    DROP CONSTRAINT penalty_accruals_round_half_up,
    ADD CONSTRAINT penalty_accruals_round_half_up
        CHECK (amount_fen = div(base_fen::numeric * penalty_ppm + 500000, 1000000));
