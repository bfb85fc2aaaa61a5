/* The reconciliation pass (product-rules §9). Each check is one set-based statement
 * that compares two independent sources row by row, returns (rows compared, total
 * compared) and puts every difference into the transaction's recon_found table;
 * the breaks are then stored with ON CONFLICT DO NOTHING on recon_breaks' UNIQUE
 * key, so a rerun over the same data finds the same breaks, never new copies.
 *
 * Cost. The night must cost what the day's activity costs, and recon at most half
 * the night. Checks R1, R2, R3, R5, R6, R7 and R9's movements read only the day's
 * rows through date indexes. R4, R8 and R9's closing balances compare *balances*:
 * recon keeps its own recomputation of every user's sub-ledger balances from the
 * installments (recon_user_ledgers) and each night recomputes only the users the
 * database saw change (recon_changed_users, filled by triggers on installments,
 * loans and users — not by the steps under test, so a change behind the system's
 * back is recomputed too; sql/0031). Portfolio totals are the sum of that narrow
 * table. Balances are the current state, so R4 and R8 are meaningful only for the
 * newest business date (nothing run since D's end): for an earlier date they are
 * skipped and R9 compares the closings stored by the recon of those dates.
 *
 * Trigger bypass (R11): the marks cannot be deleted by the batch role, and a change
 * that left no mark is found by per-user checksums of users, loans and installments
 * (sql/0036) at the cost of three whole-table aggregates (docs/performance.md).
 * The full audit (recon --full, recon_full.c) trusts none of this: it recomputes
 * every user, reruns the day checks for every closed date, recomputes every
 * schedule (R13) and ties the journal to the GL (R14, R15) for every date.
 *
 * Keys are business identifiers (order id, txn id, user id, account, ledger), so a
 * break reads without lookups. expected is the side the check recomputes from the
 * detail, actual the side under test; diff = actual − expected. A missing row
 * counts as 0 on its side. */
#include "recon.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "recon_full.h"

G_DEFINE_QUARK(recon-error-quark, recon_error)

/* How far back (beyond the settlement wait) R7 looks for items still unmatched: a
 * settlement file later than that is matched against existing breaks only. */
#define RECON_SETTLEMENT_LOOKBACK_DAYS "7"

typedef enum {
  CHECK_DAY,     /* the day's rows: runs for any date */
  CHECK_STATE,   /* current balances: only for the newest date */
  CHECK_FULL,    /* the whole book: only in the full audit (recon --full) */
} CheckScope;

typedef struct {
  const char *id;
  const char *title;
  CheckScope scope;
  const char *sql;     /* $1 = D; returns one row (rows compared, total compared) */
  ReconCheckFn run;    /* instead of sql: a check that takes more than one statement */
  gboolean every_date; /* a day check the full audit reruns for every earlier closed date */
  gboolean of_movements; /* compares the day's intake with its movements: not run on the cut-over
                          * date of a portfolio import, whose book was not made by movements here */
} ReconCheck;

/* Every check ends the same way: cmp(k, e, a[, t]) holds the compared rows. */
#define FOUND(check) \
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)" \
  "         SELECT '" check "', k, e, a FROM cmp WHERE e <> a)" \
  " SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp"

/* R1: Σ accepted orders on D = Σ principal of loans originated on D, per order. */
static const char sql_r1[] =
  "WITH o AS (SELECT order_id, amount_fen FROM inbox_orders"
  "            WHERE processed_date = $1::date AND status = 'ACCEPTED'),"
  " l AS (SELECT order_id, principal_fen FROM loans WHERE origination_date = $1::date),"
  " cmp AS (SELECT order_id AS k, coalesce(o.amount_fen, 0) AS e, coalesce(l.principal_fen, 0) AS a"
  "           FROM o FULL JOIN l USING (order_id)),"
  FOUND("R1");

/* R2: Σ original installment principal = loan principal. The schedule's original
 * principal_fen and the loan's principal never change after origination (refunds and
 * payments have their own columns), so each loan is checked on its origination
 * night: over the nights, every loan, at the cost of the day's loans. */
static const char sql_r2[] =
  "WITH cmp AS (SELECT l.order_id AS k, l.principal_fen AS e, coalesce(sum(i.principal_fen), 0)::bigint AS a"
  "               FROM loans l LEFT JOIN installments i ON i.loan_id = l.loan_id"
  "              WHERE l.origination_date = $1::date"
  "              GROUP BY l.loan_id, l.order_id, l.principal_fen),"
  FOUND("R2");

/* R3: each repayment applied on D = what it allocated on D (REPAYMENT allocations,
 * recovery included) + the credit balance it added (OVERPAYMENT), per txn id. */
static const char sql_r3[] =
  "WITH r AS (SELECT txn_id, amount_fen FROM inbox_repayments WHERE pay_date = $1::date AND status = 'APPLIED'),"
  " m AS (SELECT txn_id, sum(amount_fen)::bigint AS amount_fen"
  "         FROM (SELECT txn_id, amount_fen FROM allocations"
  "                WHERE business_date = $1::date AND source = 'REPAYMENT'"
  "               UNION ALL"
  "               SELECT txn_id, amount_fen FROM credit_balance_movements"
  "                WHERE business_date = $1::date AND reason = 'OVERPAYMENT') x"
  "        GROUP BY txn_id),"
  " cmp AS (SELECT txn_id AS k, coalesce(r.amount_fen, 0) AS e, coalesce(m.amount_fen, 0) AS a"
  "           FROM r FULL JOIN m USING (txn_id)),"
  FOUND("R3");

/* R4: GL closing of D (gl_daily_balances, debit-positive; 2241 is a liability, so
 * its sign is turned) = sub-ledger balances now, per account. */
static const char sql_r4[] =
  "WITH sub AS (SELECT CASE ledger WHEN 'PRINCIPAL' THEN '1122' WHEN 'FEE' THEN '1123'"
  "                                WHEN 'PENALTY' THEN '1124' ELSE '2241' END AS account_code, closing_fen"
  "               FROM pg_temp.recon_ledger_now WHERE ledger <> 'WRITTEN_OFF'),"
  " gl AS (SELECT account_code, CASE WHEN account_code = '2241' THEN -closing_fen ELSE closing_fen END AS closing_fen"
  "          FROM gl_daily_balances"
  "         WHERE business_date = $1::date AND account_code IN ('1122', '1123', '1124', '2241')),"
  " cmp AS (SELECT account_code AS k, coalesce(sub.closing_fen, 0) AS e, coalesce(gl.closing_fen, 0) AS a"
  "           FROM sub FULL JOIN gl USING (account_code)),"
  FOUND("R4");

/* R5: every journal entry of D balanced (key entry:<id>), and Σ debits = Σ credits
 * to date (key to_date): the closings of D chain every earlier day's debits and
 * credits, so their debit-side and credit-side sums must be equal. */
static const char sql_r5[] =
  "WITH e AS (SELECT l.entry_id, sum(l.debit_fen)::bigint AS d, sum(l.credit_fen)::bigint AS c"
  "             FROM journal_lines l WHERE l.business_date = $1::date GROUP BY l.entry_id),"
  " t AS (SELECT coalesce(sum(closing_fen) FILTER (WHERE closing_fen > 0), 0)::bigint AS d,"
  "              coalesce(-sum(closing_fen) FILTER (WHERE closing_fen < 0), 0)::bigint AS c"
  "         FROM gl_daily_balances WHERE business_date = $1::date),"
  " cmp AS (SELECT 'entry:' || coalesce(j.posting_key, '#' || e.entry_id) AS k, e.d AS e, e.c AS a"
  "           FROM e LEFT JOIN journal_entries j ON j.entry_id = e.entry_id AND j.business_date = $1::date"
  "         UNION ALL SELECT 'to_date', d, c FROM t),"
  FOUND("R5");

/* What an installment billed on D was billed at: its original amounts less what a
 * refund reduced (REFUND allocations) or waived (unbilled fee waivers) before or on
 * D. Later settlements have their own dates and do not change it. */
#define BILLED_PRINCIPAL(i)                                                          \
  "(" i ".principal_fen - coalesce((SELECT sum(a.amount_fen) FROM allocations a"     \
  "   WHERE a.loan_id = " i ".loan_id AND a.installment_no = " i ".installment_no"   \
  "     AND a.source = 'REFUND' AND a.business_date <= $1::date), 0))"
#define BILLED_FEE(i)                                                                \
  "(" i ".fee_fen - coalesce((SELECT sum(x.amount_fen) FROM waivers x"               \
  "   WHERE x.loan_id = " i ".loan_id AND x.installment_no = " i ".installment_no"   \
  "     AND x.component = 'FEE' AND NOT x.was_billed AND x.business_date <= $1::date), 0))"

/* R6: new charges on the statements of D = installments billed on D, per user. */
static const char sql_r6[] =
  "WITH b AS (SELECT i.user_id, sum(" BILLED_PRINCIPAL("i") " + " BILLED_FEE("i") ")::bigint AS amount_fen"
  "             FROM installments i WHERE i.billed_date = $1::date GROUP BY i.user_id),"
  " s AS (SELECT user_id, new_principal_fen + new_fee_fen AS amount_fen"
  "         FROM statements WHERE statement_date = $1::date),"
  " cmp AS (SELECT user_id AS k, coalesce(b.amount_fen, 0) AS e, coalesce(s.amount_fen, 0) AS a"
  "           FROM b FULL JOIN s USING (user_id)),"
  FOUND("R6");

/* R8: each changed user's used limit = Σ unpaid principal of the user's ACTIVE loans
 * (recon_user_ledgers; looked up per changed user, never a pass over all users); and
 * available ≥ 0 (key <user>:available, expected = the limit, actual = the use) for
 * the users who borrowed on D — only a new loan may not overdraw: a limit lowered
 * below what is already used is allowed (sql/0007). */
static const char sql_r8[] =
  "WITH used AS (SELECT c.user_id AS k,"
  "                     coalesce((SELECT g.active_principal_fen FROM recon_user_ledgers g"
  "                                WHERE g.user_id = c.user_id), 0) AS e,"
  "                     (SELECT u.used_limit_fen FROM users u WHERE u.user_id = c.user_id) AS a"
  "                FROM pg_temp.recon_changed c),"
  " overdrawn AS (SELECT u.user_id || ':available' AS k, u.credit_limit_fen AS e, u.used_limit_fen AS a"
  "            FROM users u"
  "           WHERE u.user_id IN (SELECT user_id FROM loans WHERE origination_date = $1::date)"
  "             AND u.used_limit_fen > u.credit_limit_fen),"
  " cmp AS (SELECT k, e, a FROM used UNION ALL SELECT k, e, a FROM overdrawn),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)"
  "         SELECT 'R8', k, e, a FROM cmp WHERE e <> a)"
  " SELECT (SELECT count(*) FROM used), coalesce((SELECT sum(e) FROM used), 0)::bigint";

/* R7, $1 = D, $2 = settlement_wait_days: items paid on P are judged from the recon
 * of P + wait + 1 on (the channel's file comes T+1; it may be late by wait days),
 * looking back RECON_SETTLEMENT_LOOKBACK_DAYS more. Matched on (channel, txn id);
 * 长款 CHANNEL_ONLY (their line, no repayment of ours), 短款 SYSTEM_ONLY (ours, not
 * on their file), AMOUNT_MISMATCH. An item already reported under another date is
 * not reported again (each unmatched item is one break, however many nights it
 * stays unmatched); a rerun of the same date finds its own breaks again. */
static const char sql_r7[] =
  "WITH w AS (SELECT $1::date - $2::int - 1 AS cutoff),"
  " ours AS (SELECT r.channel, r.txn_id, r.amount_fen AS e, s.amount_fen AS a"
  "            FROM inbox_repayments r CROSS JOIN w"
  "            LEFT JOIN settlement_lines s ON s.channel = r.channel AND s.channel_txn_id = r.txn_id"
  "           WHERE r.pay_date BETWEEN w.cutoff - " RECON_SETTLEMENT_LOOKBACK_DAYS " AND w.cutoff"
  "             AND r.status = 'APPLIED'),"
  " theirs AS (SELECT s.channel, s.channel_txn_id AS txn_id, NULL::bigint AS e, s.amount_fen AS a"
  "              FROM settlement_lines s CROSS JOIN w"
  "             WHERE s.pay_date BETWEEN w.cutoff - " RECON_SETTLEMENT_LOOKBACK_DAYS " AND w.cutoff"
  "               AND NOT EXISTS (SELECT 1 FROM inbox_repayments r WHERE r.txn_id = s.channel_txn_id"
  "                                  AND r.channel = s.channel AND r.status = 'APPLIED')),"
  " cmp AS (SELECT channel || ':' || txn_id AS k,"
  "                CASE WHEN a IS NULL THEN 'SYSTEM_ONLY' WHEN e IS NULL THEN 'CHANNEL_ONLY'"
  "                     WHEN a <> e THEN 'AMOUNT_MISMATCH' END AS t,"
  "                coalesce(e, 0) AS e, coalesce(a, 0) AS a"
  "           FROM (SELECT * FROM ours UNION ALL SELECT * FROM theirs) x),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_type, break_key, expected_fen, actual_fen, severity)"
  "         SELECT 'R7', t, k, e, a, 'MEDIUM' FROM cmp"
  "          WHERE t IS NOT NULL"
  "            AND NOT EXISTS (SELECT 1 FROM recon_breaks b WHERE b.check_id = 'R7' AND b.break_key = cmp.k"
  "                               AND b.break_type = cmp.t AND b.business_date <> $1::date))"
  " SELECT count(*), coalesce(sum(greatest(e, a)), 0)::bigint FROM cmp";

/* Late matches, before R7 judges: an open or explained 短款/长款 whose other side
 * has arrived since, with the same amount, is RESOLVED with a note. $1 D, $2 who. */
static const char sql_r7_late_matches[] =
  "WITH late AS ("
  "  SELECT b.break_id, f.file_name, s.line_no"
  "    FROM recon_breaks b"
  "    JOIN settlement_lines s ON s.channel = split_part(b.break_key, ':', 1)"
  "                           AND s.channel_txn_id = substr(b.break_key, strpos(b.break_key, ':') + 1)"
  "    JOIN inbox_repayments r ON r.txn_id = s.channel_txn_id AND r.channel = s.channel"
  "                           AND r.status = 'APPLIED' AND r.amount_fen = s.amount_fen"
  "    JOIN load_files f ON f.file_id = s.file_id"
  "   WHERE b.check_id = 'R7' AND b.status <> 'RESOLVED' AND b.break_type IN ('SYSTEM_ONLY', 'CHANNEL_ONLY')),"
  " done AS ("
  "  UPDATE recon_breaks b SET status = 'RESOLVED', resolved_by = $2, resolved_at = now(),"
  "         note = concat_ws(E'\\n', b.note, 'matched late: settlement file ' || l.file_name || ' line '"
  "                          || l.line_no || ', recon of ' || $1::date)"
  "    FROM late l WHERE b.break_id = l.break_id"
  "  RETURNING 1)"
  " SELECT count(*) FROM done";

/* ---- sub-ledger balances: the one whole-portfolio pass -------------------- */

/* The users to recompute: those changed since the last recon (marked with D, so a
 * rerun of D takes the same users again); rows of earlier dates are pruned. The
 * batch role can neither delete nor rewrite a mark: it takes them through the
 * owner's function (sql/0035, 0036). $1 D. */
static const char sql_changed_table[] =
  "CREATE TEMP TABLE recon_changed ON COMMIT DROP AS SELECT user_id FROM recon_take_changed_users($1::date)";
/* Users with an open penalty run: their outstanding penalty grows every day without
 * any row changing (penalty runs, sql migration penalty_runs), so no trigger marks
 * them; they are recomputed every night like marked ones. */
static const char sql_changed_open_runs[] =
  "INSERT INTO pg_temp.recon_changed"
  " SELECT DISTINCT user_id FROM installments WHERE penalty_run_from IS NOT NULL"
  " EXCEPT SELECT user_id FROM pg_temp.recon_changed";
/* The full audit recomputes every user. */
static const char sql_changed_all[] =
  "INSERT INTO pg_temp.recon_changed SELECT user_id FROM users EXCEPT SELECT user_id FROM pg_temp.recon_changed";

/* R11, trigger bypass: taking the marks brought the checksums of the marked users
 * forward, so every other difference between the stored checksums and the rows is
 * a change no trigger recorded (sql/0036), key <table>:<user>; those users are
 * recomputed like marked ones, so R4/R8 see what the change did to the balances. */
static const char sql_r11[] =
  "WITH f AS (SELECT table_name, user_id FROM recon_unmarked_changes()),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key)"
  "         SELECT 'R11', table_name || ':' || user_id FROM f),"
  " more AS (INSERT INTO pg_temp.recon_changed"
  "          SELECT DISTINCT user_id FROM f WHERE user_id NOT IN (SELECT user_id FROM pg_temp.recon_changed))"
  " SELECT (SELECT count(*) FROM recon_user_checksums), 0::bigint";


/* Per changed user: outstanding principal (all loans, and ACTIVE loans only, for R8),
 * billed fee, penalty, and written-off balance less recoveries. Closed rows owe
 * nothing (installments_closed_settled), so summing every row is the same as summing
 * the live ones — and also sees a closed row that was tampered with. A user's rows are
 * reached through the user's loans (loans_user_idx, then the installments' primary
 * key; the foreign key keeps installments.user_id equal to the loan's), one lateral
 * lookup per user — a hash join would read the whole book whenever the planner
 * thinks a tenth of the users is many — so the cost follows the changed users. $1 D. */
static const char sql_recompute_users[] =
  "INSERT INTO recon_user_ledgers (user_id, principal_fen, active_principal_fen, fee_fen, penalty_fen,"
  "                                written_off_fen, business_date)"
  " SELECT c.user_id, g.principal_fen, g.active_principal_fen, g.fee_fen, g.penalty_fen, g.written_off_fen,"
  "        $1::date"
  "   FROM pg_temp.recon_changed c"
  "  CROSS JOIN LATERAL ("
  "    SELECT coalesce(sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
  "                        - i.writeoff_principal_fen), 0)::bigint AS principal_fen,"
  "           coalesce(sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
  "                        - i.writeoff_principal_fen) FILTER (WHERE l.status = 'ACTIVE'), 0)::bigint"
  "             AS active_principal_fen,"
  "           coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen)"
  "                    FILTER (WHERE i.status <> 'UNBILLED'), 0)::bigint AS fee_fen,"
  "           coalesce(sum(installment_penalty_out_fen(i, $1::date)), 0)::bigint AS penalty_fen,"
  "           coalesce(sum(i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen"
  "                        - i.recovered_fen), 0)::bigint AS written_off_fen"
  "      FROM loans l JOIN installments i ON i.loan_id = l.loan_id"
  "     WHERE l.user_id = c.user_id) g"
  " ON CONFLICT (user_id) DO UPDATE"
  "   SET principal_fen = excluded.principal_fen, active_principal_fen = excluded.active_principal_fen,"
  "       fee_fen = excluded.fee_fen, penalty_fen = excluded.penalty_fen,"
  "       written_off_fen = excluded.written_off_fen, business_date = excluded.business_date";

/* The credit balances are read through the partial index of users holding one. */
static const char sql_ledger_now[] =
  "CREATE TEMP TABLE recon_ledger_now ON COMMIT DROP AS"
  " SELECT v.ledger, v.closing_fen::bigint AS closing_fen"
  "   FROM (SELECT coalesce(sum(principal_fen), 0) AS p, coalesce(sum(fee_fen), 0) AS f,"
  "                coalesce(sum(penalty_fen), 0) AS pen, coalesce(sum(written_off_fen), 0) AS w"
  "           FROM recon_user_ledgers) s,"
  "        (SELECT coalesce(sum(credit_balance_fen), 0) AS c FROM users WHERE credit_balance_fen > 0) c,"
  "        LATERAL (VALUES ('PRINCIPAL', s.p), ('FEE', s.f), ('PENALTY', s.pen), ('CREDIT_BALANCE', c.c),"
  "                        ('WRITTEN_OFF', s.w)) AS v(ledger, closing_fen)";

/* ---- R9: closing(D−1) + movements(D) = closing(D) -------------------------- */

/* The day's movements of each sub-ledger, from the movement tables only:
 *   PRINCIPAL   + loans originated − principal allocated (paid, prepaid, refunded) − written off
 *   FEE         + fee billed (as billed, see BILLED_FEE) − fee paid − billed fee waived − written off;
 *               an unbilled fee a prepayment pays (CHARGE_ALL) is recognised and paid at once: not counted
 *   PENALTY     + accrued − paid − waived − written off
 *   CREDIT_BALANCE  Σ signed credit_balance_movements
 *   WRITTEN_OFF + written off − recovered */
static const char sql_ledger_moves[] =
  "CREATE TEMP TABLE recon_ledger_moves ON COMMIT DROP AS"
  " SELECT v.ledger, v.amount_fen::bigint AS amount_fen"
  "   FROM (SELECT coalesce(sum(principal_fen), 0) AS originated FROM loans WHERE origination_date = $1::date) o,"
  "        (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL'), 0) AS principal,"
  "                coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE' AND NOT is_prepayment), 0) AS fee,"
  "                coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty,"
  "                coalesce(sum(amount_fen) FILTER (WHERE component LIKE 'RECOVERY\\_%'), 0) AS recovered"
  "           FROM allocations WHERE business_date = $1::date) a,"
  "        (SELECT coalesce(sum(" BILLED_FEE("i") "), 0) AS fee FROM installments i"
  "          WHERE i.billed_date = $1::date) b,"
  "        (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE' AND was_billed), 0) AS fee,"
  "                coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty"
  "           FROM waivers WHERE business_date = $1::date) w,"
  "        (SELECT coalesce(sum(principal_fen), 0) AS principal, coalesce(sum(fee_fen), 0) AS fee,"
  "                coalesce(sum(penalty_fen), 0) AS penalty"
  "           FROM writeoffs WHERE writeoff_date = $1::date) x,"
  "        (SELECT penalty_accrued_on_fen($1::date) AS accrued) p,"
  "        (SELECT coalesce(sum(amount_fen), 0) AS moved FROM credit_balance_movements"
  "          WHERE business_date = $1::date) m,"
  "        LATERAL (VALUES ('PRINCIPAL', o.originated - a.principal - x.principal),"
  "                        ('FEE', b.fee - a.fee - w.fee - x.fee),"
  "                        ('PENALTY', p.accrued - a.penalty - w.penalty - x.penalty),"
  "                        ('CREDIT_BALANCE', m.moved),"
  "                        ('WRITTEN_OFF', x.principal + x.fee + x.penalty - a.recovered))"
  "          AS v(ledger, amount_fen)";

/* Opening = the closing stored for D−1; 0 on the very first business date. With no
 * stored closing for D−1 (recon never ran then) the ledger is only a baseline; so is
 * the cut-over date of a portfolio import (its book was not built by movements here). */
#define R9_COMPARE(closing_source)                                                                 \
  "WITH prev AS (SELECT ledger, closing_fen FROM recon_ledger_closings WHERE business_date = $1::date - 1)," \
  " first AS (SELECT NOT EXISTS (SELECT 1 FROM business_calendar WHERE business_date < $1::date)"          \
  "                  AND NOT EXISTS (SELECT 1 FROM import_runs WHERE cutover_date = $1::date) AS is_first)," \
  " closing AS (" closing_source "),"                                                              \
  " cmp AS (SELECT m.ledger AS k, (coalesce(p.closing_fen, 0) + m.amount_fen)::bigint AS e, c.closing_fen AS a" \
  "           FROM pg_temp.recon_ledger_moves m JOIN closing c USING (ledger)"                       \
  "           LEFT JOIN prev p USING (ledger) CROSS JOIN first"                                      \
  "          WHERE p.ledger IS NOT NULL OR first.is_first),"                                         \
  FOUND("R9")

static const char sql_r9_newest[] =
  R9_COMPARE("SELECT ledger, closing_fen FROM pg_temp.recon_ledger_now");
static const char sql_r9_stored[] =
  R9_COMPARE("SELECT ledger, closing_fen FROM recon_ledger_closings WHERE business_date = $1::date");

/* $1 D, $2 recon run. */
static const char sql_store_closings[] =
  "INSERT INTO recon_ledger_closings (business_date, ledger, closing_fen, recon_run_id)"
  " SELECT $1::date, ledger, closing_fen, $2::bigint FROM pg_temp.recon_ledger_now"
  " ON CONFLICT (business_date, ledger) DO UPDATE"
  "   SET closing_fen = excluded.closing_fen, recon_run_id = excluded.recon_run_id";

/* ---- R12: the journal hash chain --------------------------------------------- */

/* The nightly R12 re-verifies the last week's sealed days (a few dozen summary entries each);
 * recon --full verifies every date (recon_verify_journal_chain with FROM NULL). */
#define RECON_CHAIN_NIGHTLY_DAYS 7

/* $1 first date (NULL: the first), $2 last date. Each difference between the journal
 * and its sealed chain (journal_chain_verify, the migration journal_hash_chain) is a
 * break keyed "DATE POSTING_KEY PROBLEM" (HEAD/LINK/UNSEALED name the date only). */
static const char sql_r12[] =
  "WITH v AS (SELECT * FROM journal_chain_verify($1::date, $2::date)),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key)"
  "         SELECT 'R12', concat_ws(' ', business_date, nullif(posting_key, ''), problem) FROM v)"
  " SELECT (SELECT count(*) FROM journal_chain"
  "          WHERE business_date BETWEEN coalesce($1::date, '-infinity') AND $2::date),"
  "        (SELECT coalesce(sum(debit_fen), 0)::bigint FROM journal_lines"
  "          WHERE business_date BETWEEN coalesce($1::date, '-infinity') AND $2::date)";
static const char sql_r12_head[] =
  "SELECT entries, encode(head_hash, 'hex') FROM journal_chain_heads WHERE business_date = $1::date";

/* R10: intake complete. Per kind, the inbox rows of D received = applied + rejected,
 * where a rejected row counts only with its rejects record (the reason it was given);
 * key KIND:D. And no inbox row dated D or earlier is still PENDING (the night cut D's
 * intake and its step intake_close rejected what was left): key KIND:ID. */
#define R10_KIND(table, kind, id_col, date_col)                                                     \
  "SELECT '" kind "' AS kind, " id_col " AS id, amount_fen, status, reject_reason, processed_date"    \
  "  FROM " table " WHERE " date_col " = $1::date"
#define R10_PENDING(table, kind, id_col, date_col)                                                  \
  "SELECT '" kind ":' || " id_col ", amount_fen, 0::bigint FROM " table                              \
  " WHERE status = 'PENDING' AND " date_col " <= $1::date"
static const char sql_r10[] =
  "WITH received AS ("
  R10_KIND("inbox_orders", "orders", "order_id", "order_date") " UNION ALL "
  R10_KIND("inbox_repayments", "repayments", "txn_id", "pay_date") " UNION ALL "
  R10_KIND("inbox_refunds", "refunds", "refund_id", "refund_date") "),"
  " judged AS (SELECT r.kind, r.amount_fen, r.status IN ('ACCEPTED', 'APPLIED') AS applied,"
  "                   r.status = 'REJECTED' AND EXISTS ("
  "                     SELECT 1 FROM rejects j WHERE j.business_date = r.processed_date"
  "                        AND j.source_kind = r.kind AND j.external_id = r.id"
  "                        AND j.reason_code = r.reject_reason) AS rejected"
  "              FROM received r),"
  " per_kind AS (SELECT kind || ':' || $1::date AS k, sum(amount_fen)::bigint AS e,"
  "                     (coalesce(sum(amount_fen) FILTER (WHERE applied), 0)"
  "                      + coalesce(sum(amount_fen) FILTER (WHERE rejected), 0))::bigint AS a"
  "                FROM judged GROUP BY kind),"
  " pending (k, e, a) AS ("
  R10_PENDING("inbox_orders", "orders", "order_id", "order_date") " UNION ALL "
  R10_PENDING("inbox_repayments", "repayments", "txn_id", "pay_date") " UNION ALL "
  R10_PENDING("inbox_refunds", "refunds", "refund_id", "refund_date") "),"
  " cmp AS (SELECT k, e, a FROM per_kind UNION ALL SELECT k, e, a FROM pending),"
  FOUND("R10");

/* ---- the pass ----------------------------------------------------------------- */

static gboolean run_r7(ReconPass *p, ReconCheckSummary *out, GError **error);
static gboolean run_r9(ReconPass *p, ReconCheckSummary *out, GError **error);
static gboolean run_r12(ReconPass *p, ReconCheckSummary *out, GError **error);

/* R11 has neither: it runs while the users to recompute are prepared. */
static const ReconCheck checks[RECON_N_CHECKS] = {
  { "R1", "accepted orders = loans originated", CHECK_DAY, sql_r1, NULL, TRUE, TRUE },
  { "R2", "installment principal = loan principal", CHECK_DAY, sql_r2, NULL, TRUE, FALSE },
  { "R3", "repayments = allocations + credit added", CHECK_DAY, sql_r3, NULL, TRUE, TRUE },
  { "R4", "GL 1122/1123/1124/2241 = sub-ledgers", CHECK_STATE, sql_r4, NULL, FALSE, FALSE },
  { "R5", "journal entries balanced", CHECK_DAY, sql_r5, NULL, TRUE, FALSE },
  { "R6", "statement new charges = billing", CHECK_DAY, sql_r6, NULL, TRUE, TRUE },
  { "R7", "settlement files = repayments", CHECK_DAY, NULL, run_r7, FALSE, FALSE },
  { "R8", "used limit = unpaid principal", CHECK_STATE, sql_r8, NULL, FALSE, FALSE },
  { "R9", "sub-ledger roll-forward", CHECK_DAY, NULL, run_r9, TRUE, FALSE },
  { "R10", "intake complete: received = applied + rejected", CHECK_DAY, sql_r10, NULL, TRUE, TRUE },
  { "R11", "no change behind the triggers", CHECK_STATE, NULL, NULL, FALSE, FALSE },
  { "R12", "journal hash chain", CHECK_DAY, NULL, run_r12, FALSE, FALSE },
  { "R13", "schedules = schedule engine", CHECK_FULL, NULL, recon_full_r13, FALSE, FALSE },
  { "R14", "journal = GL daily debits/credits", CHECK_FULL, NULL, recon_full_r14, FALSE, FALSE },
  { "R15", "GL opening = previous closing", CHECK_FULL, NULL, recon_full_r15, FALSE, FALSE },
  { "R16", "risk aggregates = recompute from the book", CHECK_FULL, NULL, recon_full_r16, FALSE, FALSE },
};

static ReconCheckSummary *
summary_of(ReconSummary *s, const char *check_id)
{
  for (int i = 0; i < RECON_N_CHECKS; i++)
    if (strcmp(checks[i].id, check_id) == 0)
      return &s->checks[i];
  g_assert_not_reached();
}

/* business_date: the date a break belongs to when not the pass's own (full audit). */
static const char sql_found_table[] =
  "CREATE TEMP TABLE recon_found (check_id text NOT NULL, break_type text NOT NULL DEFAULT 'MISMATCH',"
  "                               break_key text NOT NULL, expected_fen bigint, actual_fen bigint,"
  "                               severity text NOT NULL DEFAULT 'HIGH', business_date date) ON COMMIT DROP";
static const char sql_is_newest[] =
  "SELECT $1::date >= coalesce((SELECT max(business_date) FROM business_calendar), $1::date)";
static const char sql_start_run[] =
  "INSERT INTO recon_runs (business_date, job_run_id, mode) VALUES ($1::date, nullif($2::bigint, 0), $3)"
  " RETURNING recon_run_id";
/* The closed dates before $1, for the full audit's day checks. */
static const char sql_earlier_dates[] =
  "SELECT DISTINCT business_date::text FROM job_step_runs"
  " WHERE step_name = 'gl_close' AND status = 'SUCCEEDED' AND business_date < $1::date ORDER BY 1";
static const char sql_found_date[] =
  "UPDATE pg_temp.recon_found SET business_date = $1::date WHERE business_date IS NULL";
static const char sql_store_breaks[] =
  "WITH ins AS ("
  "  INSERT INTO recon_breaks (recon_run_id, business_date, check_id, break_type, break_key,"
  "                            expected_fen, actual_fen, diff_fen, severity)"
  "  SELECT $2::bigint, coalesce(business_date, $1::date), check_id, break_type, left(break_key, 200),"
  "         expected_fen, actual_fen, actual_fen - expected_fen, severity"
  "    FROM pg_temp.recon_found ORDER BY business_date, check_id, break_type, break_key"
  "  ON CONFLICT (business_date, check_id, break_type, break_key) DO NOTHING RETURNING 1)"
  " SELECT count(*) FROM ins";
static const char sql_found_counts[] =
  "SELECT check_id, count(*), coalesce(sum(abs(actual_fen - expected_fen)), 0)::bigint"
  "  FROM pg_temp.recon_found GROUP BY check_id ORDER BY check_id";
static const char sql_end_run[] =
  "UPDATE recon_runs SET status = 'SUCCEEDED', ended_at = clock_timestamp(), checks_run = $2::int,"
  "       breaks_found = $3::int WHERE recon_run_id = $1::bigint";
static const char sql_failed_run[] =
  "INSERT INTO recon_runs (business_date, job_run_id, status, ended_at, error, mode)"
  " VALUES ($1::date, nullif($2::bigint, 0), 'FAILED', clock_timestamp(), $3, $4)";
static const char sql_gl_closed[] =
  "SELECT EXISTS (SELECT 1 FROM job_step_runs WHERE business_date = $1::date AND step_name = 'gl_close'"
  "                  AND status = 'SUCCEEDED')";
static const char sql_default_date[] =
  "SELECT max(business_date)::text FROM job_step_runs WHERE step_name = 'gl_close' AND status = 'SUCCEEDED'";
static const char sql_open_breaks[] =
  "SELECT count(*) FROM recon_breaks WHERE business_date = $1::date AND status = 'OPEN'";

static gint64
int_value(PGresult *res, int row, int col)
{
  return g_ascii_strtoll(PQgetvalue(res, row, col), NULL, 10);
}

gboolean
recon_verify_journal_chain(PGconn *conn, const char *from, const char *to, ReconCheckSummary *out,
                           GError **error)
{
  const char *params[] = { from, to };
  g_autoptr(PGresult) res = db_query_one(conn, "recon_R12", sql_r12, 2, params, error);
  if (!res)
    return FALSE;
  out->rows += int_value(res, 0, 0);
  out->total_fen += int_value(res, 0, 1);
  const char *date[] = { to };
  g_autoptr(PGresult) head = db_query(conn, "recon_R12_head", sql_r12_head, 1, date, error);
  if (!head)
    return FALSE;
  if (PQntuples(head) == 1)
    g_snprintf(out->detail, sizeof out->detail, "head %s (%s entries)", PQgetvalue(head, 0, 1),
               PQgetvalue(head, 0, 0));
  else
    g_snprintf(out->detail, sizeof out->detail, "no sealed chain for %s", to);
  return TRUE;
}

/* The nightly pass re-verifies the last week's chain; the full audit every date. */
static gboolean
run_r12(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  if (p->mode == RECON_FULL)
    return recon_verify_journal_chain(p->conn, NULL, p->date, out, error);
  GDate from;
  g_date_clear(&from, 1);
  g_date_set_parse(&from, p->date);
  g_date_subtract_days(&from, RECON_CHAIN_NIGHTLY_DAYS - 1);
  char from_str[11];
  g_date_strftime(from_str, sizeof from_str, "%Y-%m-%d", &from);
  return recon_verify_journal_chain(p->conn, from_str, p->date, out, error);
}

static const char *
mode_name(ReconMode mode)
{
  return mode == RECON_FULL ? "FULL" : "NIGHTLY";
}

gboolean
recon_check_sql(ReconPass *p, const char *name, const char *sql, int nparams, const char *const *params,
                ReconCheckSummary *out, GError **error)
{
  g_autoptr(PGresult) res = db_query_one(p->conn, name, sql, nparams, params, error);
  if (!res)
    return FALSE;
  out->rows += int_value(res, 0, 0);
  out->total_fen += int_value(res, 0, 1);
  return TRUE;
}

static const char sql_is_cutover[] =
  "SELECT EXISTS (SELECT 1 FROM import_runs WHERE cutover_date = $1::date)";

static gboolean
run_check(ReconPass *p, const ReconCheck *check, ReconCheckSummary *out, GError **error)
{
  if (check->of_movements) {
    const char *d[] = { p->date };
    g_autoptr(PGresult) res = db_query_one(p->conn, "recon_is_cutover", sql_is_cutover, 1, d, error);
    if (!res)
      return FALSE;
    if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
      if (p->newest) {
        out->skipped = TRUE;
        out->skipped_why = "cut-over date of a portfolio import: its book was not made by movements here";
      }
      return TRUE;
    }
  }
  if (check->run)
    return check->run(p, out, error);
  g_autofree char *name = g_strdup_printf("recon_%s", check->id);
  const char *d[] = { p->date };
  return recon_check_sql(p, name, check->sql, 1, d, out, error);
}

/* R7 first closes earlier breaks that a late settlement line now matches. */
static gboolean
run_r7(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  g_autofree char *who = recon_who();
  g_autofree char *resolver = g_strdup_printf("recon (automatic) %s", who);
  const char *late_params[] = { p->date, resolver };
  g_autoptr(PGresult) late = db_query_one(p->conn, "recon_R7_late_matches", sql_r7_late_matches, 2, late_params,
                                          error);
  if (!late)
    return FALSE;
  p->summary->late_matches = int_value(late, 0, 0);
  g_autofree char *wait = g_strdup_printf("%d", p->config->recon_settlement_wait_days);
  const char *params[] = { p->date, wait };
  return recon_check_sql(p, "recon_R7", sql_r7, 2, params, out, error);
}

/* The full audit reruns R9 for every earlier date: each date's movements anew. */
static const char sql_drop_ledger_moves[] = "DROP TABLE pg_temp.recon_ledger_moves";

static gboolean
run_r9(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  const char *d[] = { p->date };
  gboolean earlier = strcmp(p->date, p->summary->date_str) != 0;   /* D's own R9 made the table */
  if ((earlier && !db_exec(p->conn, "recon_drop_ledger_moves", sql_drop_ledger_moves, 0, NULL, error))
      || !db_exec(p->conn, "recon_ledger_moves", sql_ledger_moves, 1, d, error)
      || !recon_check_sql(p, "recon_R9", p->newest ? sql_r9_newest : sql_r9_stored, 1, d, out, error))
    return FALSE;
  const char *store[] = { p->date, p->run };
  return !p->newest || db_exec(p->conn, "recon_store_closings", sql_store_closings, 2, store, error);
}

/* Takes the marked users, finds the changes no trigger marked (R11), recomputes
 * recon_user_ledgers for them (every user in the full audit) and sums the
 * portfolio's ledgers (newest date). */
static gboolean
recompute_changed_users(ReconPass *p, GError **error)
{
  const char *d[] = { p->date };
  return db_exec(p->conn, "recon_changed_table", sql_changed_table, 1, d, error)
         && recon_check_sql(p, "recon_R11", sql_r11, 0, NULL, summary_of(p->summary, "R11"), error)
         && db_exec(p->conn, "recon_changed_open_runs", sql_changed_open_runs, 0, NULL, error)
         && (p->mode != RECON_FULL || db_exec(p->conn, "recon_changed_all", sql_changed_all, 0, NULL, error))
         && db_exec(p->conn, "recon_recompute_users", sql_recompute_users, 1, d, error)
         && db_exec(p->conn, "recon_ledger_now", sql_ledger_now, 0, NULL, error);
}

static gboolean
run_checks(ReconPass *p, GError **error)
{
  ReconSummary *s = p->summary;
  if (p->newest && !recompute_changed_users(p, error))
    return FALSE;
  for (int i = 0; i < RECON_N_CHECKS; i++) {
    const ReconCheck *c = &checks[i];
    if (c->scope == CHECK_STATE && !p->newest) {
      s->checks[i].skipped = TRUE;
      s->checks[i].skipped_why = "whole-portfolio balances: newest date only";
    } else if (c->scope == CHECK_FULL && p->mode != RECON_FULL) {
      s->checks[i].skipped = TRUE;
      s->checks[i].skipped_why = "recon --full only";
    } else if ((c->sql || c->run) && !run_check(p, c, &s->checks[i], error)) {
      return FALSE;
    }
  }
  return TRUE;
}

/* The full audit: the day checks again for every earlier closed date, their
 * breaks stored under that date (so a nightly break found again is not doubled). */
static gboolean
run_earlier_dates(ReconPass *p, GError **error)
{
  const char *d[] = { p->date };
  if (!db_exec(p->conn, "recon_found_date", sql_found_date, 1, d, error))   /* what D's own checks found */
    return FALSE;
  g_autoptr(PGresult) dates = db_query(p->conn, "recon_earlier_dates", sql_earlier_dates, 1, d, error);
  if (!dates)
    return FALSE;
  for (int r = 0; r < PQntuples(dates); r++) {
    ReconPass earlier = *p;
    earlier.date = PQgetvalue(dates, r, 0);
    earlier.newest = FALSE;
    const char *e[] = { earlier.date };
    for (int i = 0; i < RECON_N_CHECKS; i++)
      if (checks[i].every_date && !run_check(&earlier, &checks[i], &p->summary->checks[i], error))
        return FALSE;
    if (!db_exec(p->conn, "recon_found_date", sql_found_date, 1, e, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
store_breaks(ReconPass *p, GError **error)
{
  ReconSummary *s = p->summary;
  const char *params[] = { p->date, p->run };
  g_autoptr(PGresult) stored = db_query_one(p->conn, "recon_store_breaks", sql_store_breaks, 2, params, error);
  g_autoptr(PGresult) counts = stored ? db_query(p->conn, "recon_found_counts", sql_found_counts, 0, NULL, error)
                                      : NULL;
  if (!counts)
    return FALSE;
  s->new_breaks = int_value(stored, 0, 0);
  for (int r = 0; r < PQntuples(counts); r++) {
    for (int i = 0; i < RECON_N_CHECKS; i++)
      if (strcmp(s->checks[i].check_id, PQgetvalue(counts, r, 0)) == 0)
        s->checks[i].breaks = int_value(counts, r, 1);
    s->breaks += int_value(counts, r, 1);
    s->diff_fen += int_value(counts, r, 2);
  }
  return TRUE;
}

static void
summary_init(ReconSummary *s, const char *date, ReconMode mode)
{
  memset(s, 0, sizeof *s);
  s->mode = mode;
  g_strlcpy(s->date_str, date, sizeof s->date_str);
  for (int i = 0; i < RECON_N_CHECKS; i++) {
    s->checks[i].check_id = checks[i].id;
    s->checks[i].title = checks[i].title;
  }
}

static gboolean
end_run(ReconPass *p, GError **error)
{
  int ran = 0;
  for (int i = 0; i < RECON_N_CHECKS; i++)
    ran += !p->summary->checks[i].skipped;
  g_autofree char *ran_text = g_strdup_printf("%d", ran);
  g_autofree char *breaks = g_strdup_printf("%" G_GINT64_FORMAT, p->summary->breaks);
  const char *end_params[] = { p->run, ran_text, breaks };
  return db_exec(p->conn, "recon_end_run", sql_end_run, 3, end_params, error);
}

static gboolean
run_in_transaction(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconMode mode,
                   ReconSummary *s, GError **error)
{
  char d[11];
  g_date_strftime(d, sizeof d, "%Y-%m-%d", date);
  summary_init(s, d, mode);
  g_autofree char *job = g_strdup_printf("%" G_GINT64_FORMAT, job_run_id);
  const char *start_params[] = { d, job, mode_name(mode) };
  const char *date_param[] = { d };
  g_autoptr(PGresult) started = db_query_one(conn, "recon_start_run", sql_start_run, 3, start_params, error);
  g_autoptr(PGresult) newest = started ? db_query_one(conn, "recon_is_newest", sql_is_newest, 1, date_param, error)
                                       : NULL;
  if (!newest || !db_exec(conn, "recon_found_table", sql_found_table, 0, NULL, error))
    return FALSE;
  s->recon_run_id = int_value(started, 0, 0);
  ReconPass p = { .conn = conn, .config = config, .date = d, .run = PQgetvalue(started, 0, 0),
                  .newest = strcmp(PQgetvalue(newest, 0, 0), "t") == 0, .mode = mode, .summary = s };
  return run_checks(&p, error) && (mode != RECON_FULL || run_earlier_dates(&p, error)) && store_breaks(&p, error)
         && end_run(&p, error);
}

gboolean
recon_run_in_transaction(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id,
                         ReconSummary *s, GError **error)
{
  return run_in_transaction(conn, config, date, job_run_id, RECON_NIGHTLY, s, error);
}

static gboolean
require_gl_closed(PGconn *conn, const char *date, GError **error)
{
  const char *params[] = { date };
  g_autoptr(PGresult) res = db_query_one(conn, "recon_gl_closed", sql_gl_closed, 1, params, error);
  if (!res)
    return FALSE;
  if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
    return TRUE;
  g_set_error(error, RECON_ERROR, RECON_ERROR_DATE,
              "cannot reconcile %s: its night has not closed the GL (step gl_close)\n"
              "hint: run \"baitiao eod\" for it first", date);
  return FALSE;
}

static void
record_failure(PGconn *conn, const char *date, gint64 job_run_id, ReconMode mode, const GError *cause)
{
  if (PQstatus(conn) != CONNECTION_OK)
    return;
  g_autofree char *job = g_strdup_printf("%" G_GINT64_FORMAT, job_run_id);
  const char *params[] = { date, job, cause ? cause->message : "unknown error", mode_name(mode) };
  db_exec(conn, "recon_failed_run", sql_failed_run, 4, params, NULL);
}

gboolean
recon_run(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconSummary *s,
          GError **error)
{
  return recon_run_mode(conn, config, date, job_run_id, RECON_NIGHTLY, s, error);
}

gboolean
recon_run_mode(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconMode mode,
               ReconSummary *s, GError **error)
{
  char d[11];
  g_date_strftime(d, sizeof d, "%Y-%m-%d", date);
  if (!require_gl_closed(conn, d, error))
    return FALSE;
  /* One snapshot for every check: online inserts meanwhile are seen by none or all. */
  if (!db_begin(conn, error))
    return FALSE;
  gboolean ok = db_exec(conn, "recon_isolation", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", 0, NULL,
                        error)
                && run_in_transaction(conn, config, date, job_run_id, mode, s, error)
                && db_commit(conn, error);
  if (!ok) {
    db_rollback(conn);
    record_failure(conn, d, job_run_id, mode, error ? *error : NULL);
  }
  return ok;
}

gboolean
eod_step_recon(EodContext *ctx, GError **error)
{
  ReconSummary s;
  if (!recon_run_in_transaction(ctx->conn, ctx->config, &ctx->date, ctx->run_id, &s, error))
    return FALSE;
  for (int i = 0; i < RECON_N_CHECKS; i++)
    if (s.checks[i].breaks > 0)
      log_warning("%s: %s found %" G_GINT64_FORMAT " break(s): %s", s.date_str, s.checks[i].check_id,
                  s.checks[i].breaks, s.checks[i].title);
  ctx->rows = s.breaks;
  ctx->amount_fen = s.diff_fen;
  return TRUE;
}

gboolean
recon_default_date(PGconn *conn, GDate *date, GError **error)
{
  g_autoptr(PGresult) res = db_query_one(conn, "recon_default_date", sql_default_date, 0, NULL, error);
  if (!res)
    return FALSE;
  const char *text = PQgetvalue(res, 0, 0);
  g_date_clear(date, 1);
  if (!PQgetisnull(res, 0, 0))
    g_date_set_parse(date, text);
  if (!g_date_valid(date)) {
    g_set_error(error, RECON_ERROR, RECON_ERROR_DATE, "nothing to reconcile: no night has closed its GL yet");
    return FALSE;
  }
  return TRUE;
}

gboolean
recon_open_breaks(PGconn *conn, const char *date_str, gint64 *count, GError **error)
{
  const char *params[] = { date_str };
  g_autoptr(PGresult) res = db_query_one(conn, "recon_open_breaks", sql_open_breaks, 1, params, error);
  if (!res)
    return FALSE;
  *count = int_value(res, 0, 0);
  return TRUE;
}

/* ---- the life of a break ---------------------------------------------------- */

static const char sql_explain[] =
  "UPDATE recon_breaks SET status = 'EXPLAINED', note = $2::text, explained_by = $3::text, explained_at = now()"
  " WHERE break_id = $1::bigint AND status <> 'RESOLVED' RETURNING break_id";
static const char sql_resolve[] =
  "UPDATE recon_breaks SET status = 'RESOLVED', note = coalesce(concat_ws(E'\\n', note, $2::text), note),"
  "       resolved_by = $3, resolved_at = now()"
  " WHERE break_id = $1::bigint AND status <> 'RESOLVED' RETURNING break_id";
static const char sql_break_status[] =
  "SELECT status FROM recon_breaks WHERE break_id = $1::bigint";

static gboolean
change_break(PGconn *conn, const char *name, const char *sql, gint64 break_id, const char *note,
             const char *who, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, break_id);
  const char *params[] = { id, note, who };
  g_autoptr(PGresult) res = db_query(conn, name, sql, 3, params, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 1)
    return TRUE;
  const char *id_param[] = { id };
  g_autoptr(PGresult) st = db_query(conn, "recon_break_status", sql_break_status, 1, id_param, error);
  if (!st)
    return FALSE;
  if (PQntuples(st) == 0)
    g_set_error(error, RECON_ERROR, RECON_ERROR_BREAK_ID, "no break %s", id);
  else
    g_set_error(error, RECON_ERROR, RECON_ERROR_BREAK_ID, "break %s is already resolved", id);
  return FALSE;
}

gboolean
recon_explain(PGconn *conn, gint64 break_id, const char *note, const char *who, GError **error)
{
  return change_break(conn, "recon_explain", sql_explain, break_id, note, who, error);
}

gboolean
recon_resolve(PGconn *conn, gint64 break_id, const char *note, const char *who, GError **error)
{
  return change_break(conn, "recon_resolve", sql_resolve, break_id, note, who, error);
}

char *
recon_who(void)
{
  return g_strdup_printf("%s@%s", g_get_user_name(), g_get_host_name());
}
