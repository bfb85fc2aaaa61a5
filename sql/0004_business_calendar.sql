-- Why: the business calendar is the spine of the nightly batch. Each business
-- date D is OPEN while its night runs and CLOSED after; rows dated on a
-- CLOSED date are rejected (DATE_CLOSED). The database enforces the order of
-- nights: dates are consecutive, a date opens only after the previous one
-- closed, at most one date is OPEN, and a closed date never reopens.

CREATE TABLE business_calendar (
    business_date       date        PRIMARY KEY,
    status              text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
    opened_at           timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz,
    closed_by_run_id    bigint      REFERENCES job_runs (run_id),
    CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL)),
    CHECK (closed_at IS NULL OR closed_at >= opened_at)
);

-- At most one night is in progress.
CREATE UNIQUE INDEX business_calendar_one_open_idx
    ON business_calendar ((true)) WHERE status = 'OPEN';

COMMENT ON TABLE business_calendar IS
    '营业日历 / business dates: OPEN while the night runs, CLOSED after; consecutive, one OPEN at a time';

CREATE FUNCTION business_calendar_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_last        date;
    v_last_status text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT business_date, status INTO v_last, v_last_status
          FROM business_calendar ORDER BY business_date DESC LIMIT 1;
        IF FOUND THEN
            IF NEW.business_date <> v_last + 1 THEN
                RAISE EXCEPTION 'business date % cannot open: the next date after % is %',
                                NEW.business_date, v_last, v_last + 1
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'business_calendar_consecutive';
            END IF;
            IF v_last_status <> 'CLOSED' THEN
                RAISE EXCEPTION 'business date % cannot open: % is not closed', NEW.business_date, v_last
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'business_calendar_consecutive';
            END IF;
        END IF;
        RETURN NEW;
    END IF;

    -- UPDATE
    IF NEW.business_date <> OLD.business_date THEN
        RAISE EXCEPTION 'business_calendar.business_date is immutable'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'business_calendar_immutable';
    END IF;
    IF OLD.status = 'CLOSED' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'business date % is closed and cannot change', OLD.business_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'business_calendar_immutable';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER business_calendar_guard
    BEFORE INSERT OR UPDATE ON business_calendar
    FOR EACH ROW EXECUTE FUNCTION business_calendar_guard();

-- Dates are never removed.
REVOKE DELETE ON business_calendar FROM baitiao_batch;
