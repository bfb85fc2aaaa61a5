/* Repayments of business date D (product-rules §5, §11) and the credit balance
 * (溢缴款). A repayment pays the user's billed items oldest first (penalty, fee,
 * principal), then written-off items as recovery (capped at what was written off),
 * and the rest becomes credit balance. A repayment naming a loan (prepayment) first
 * pays that loan off when it covers the payoff.
 *
 * Set-based by "rounds": round 1 holds every repayment of the users who sent no
 * prepayment (all of a user's repayments on one number line, in arrival order) and
 * the first repayment of each user who did; round k > 1 the k-th repayment of the
 * latter. A prepayment's payoff depends on what the user's earlier repayments of the
 * night paid, so those users go one repayment per round: sequential per user as the
 * rule is, set-based across users, and the number of rounds is the largest number of
 * repayments one prepaying user sent on D (usually 1).
 *
 * A channel transaction id is applied once, ever: inbox_repayments.txn_id is UNIQUE
 * (a replay never gets a row), the step takes only PENDING rows, locked, and marks
 * them APPLIED in its own transaction; a PENDING row whose txn_id already has money
 * booked stops the step rather than book it twice. */
#include "eod_steps.h"

#include "db.h"
#include "gl.h"
#include "waterfall.h"

#define PRIN_OUT(a) WATERFALL_PRINCIPAL_OUT(a)
#define FEE_OUT(a) WATERFALL_FEE_OUT(a)
#define PEN_OUT(a, through) WATERFALL_PENALTY_OUT(a, through)

static const char sql_create_repay_today[] =
  "CREATE TEMP TABLE pg_temp.bt_repay_today ("
  "  txn_id text PRIMARY KEY,"
  "  user_id text NOT NULL,"
  "  amount_fen bigint NOT NULL,"
  "  channel text NOT NULL,"
  "  prepay_order_id text,"
  "  arrival_seq bigint NOT NULL,"
  "  round integer NOT NULL"
  ") ON COMMIT DROP";
static const char sql_clear_repay_today[] = "TRUNCATE pg_temp.bt_repay_today";

static const char sql_create_prepay[] =
  "CREATE TEMP TABLE pg_temp.bt_prepay ("
  "  txn_id text PRIMARY KEY,"
  "  user_id text NOT NULL,"
  "  loan_id bigint,"
  "  policy text,"
  "  amount_fen bigint NOT NULL,"
  "  payoff_fen bigint,"
  "  outcome text NOT NULL"
  ") ON COMMIT DROP";
static const char sql_clear_prepay[] = "TRUNCATE pg_temp.bt_prepay";

/* Online inserts are not validated by the loader: a repayment of a user we do not
 * know cannot be booked (credit balance belongs to a user), so it is rejected. */
static const char sql_reject_unknown_users[] =
  "WITH rej AS ("
  "  UPDATE inbox_repayments r"
  "     SET status = 'REJECTED', reject_reason = 'UNKNOWN_USER', processed_date = $1::date"
  "   WHERE r.pay_date = $1::date AND r.status = 'PENDING'"
  "     AND NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = r.user_id)"
  "  RETURNING r.txn_id, r.user_id, r.amount_fen, r.file_id, r.line_no),"
  " ins AS ("
  "  INSERT INTO rejects (file_id, line_no, source_kind, external_id, user_id, reason_code, detail,"
  "                       amount_fen, business_date)"
  "  SELECT file_id, line_no, 'repayments', txn_id, user_id, 'UNKNOWN_USER', 'no such user',"
  "         amount_fen, $1::date FROM rej)"
  " SELECT count(*), coalesce(sum(amount_fen), 0) FROM rej";

static const char sql_already_booked[] =
  "SELECT r.txn_id FROM inbox_repayments r"
  " WHERE r.pay_date = $1::date AND r.status = 'PENDING'"
  "   AND (EXISTS (SELECT 1 FROM allocations a WHERE a.txn_id = r.txn_id)"
  "        OR EXISTS (SELECT 1 FROM credit_balance_movements m"
  "                    WHERE m.user_id = r.user_id AND m.txn_id = r.txn_id))"
  " ORDER BY r.arrival_seq LIMIT 1";

/* The night's batch, taken once and locked: statements below read this table, never
 * "PENDING" again, so a row inserted online meanwhile is neither half-applied nor
 * marked APPLIED unapplied. */
static const char sql_take_batch[] =
  "INSERT INTO pg_temp.bt_repay_today (txn_id, user_id, amount_fen, channel, prepay_order_id,"
  "                                    arrival_seq, round)"
  " WITH pending AS ("
  "   SELECT txn_id, user_id, amount_fen, channel, prepay_order_id, arrival_seq"
  "     FROM inbox_repayments"
  "    WHERE pay_date = $1::date AND status = 'PENDING'"
  "      FOR UPDATE)"
  " SELECT txn_id, user_id, amount_fen, channel, prepay_order_id, arrival_seq,"
  "        CASE WHEN bool_or(prepay_order_id IS NOT NULL) OVER (PARTITION BY user_id)"
  "             THEN row_number() OVER (PARTITION BY user_id ORDER BY arrival_seq)"
  "             ELSE 1 END"
  "   FROM pending";

static const char sql_analyze_batch[] = "ANALYZE pg_temp.bt_repay_today";

static const char sql_batch_totals[] =
  "SELECT count(*), coalesce(sum(amount_fen), 0), coalesce(max(round), 0) FROM pg_temp.bt_repay_today";

/* ---- prepayment (提前还款) ------------------------------------------------ */

/* $1 round, $2 date (penalty through D − 1). The payoff of the named loan (of the paying user) as it stands now:
 * billed items in full, unbilled principal, and unbilled fee under CHARGE_ALL. */
static const char sql_prepay_evaluate[] =
  "INSERT INTO pg_temp.bt_prepay (txn_id, user_id, loan_id, policy, amount_fen, payoff_fen, outcome)"
  " SELECT r.txn_id, r.user_id, l.loan_id, l.prepay_fee_policy, r.amount_fen, p.payoff,"
  "        CASE WHEN l.loan_id IS NULL THEN 'UNKNOWN_ORDER'"
  "             WHEN l.status <> 'ACTIVE' THEN 'LOAN_NOT_ACTIVE'"
  "             WHEN r.amount_fen < p.payoff THEN 'SHORT_OF_PAYOFF'"
  "             ELSE 'PREPAID' END"
  "   FROM pg_temp.bt_repay_today r"
  "   LEFT JOIN loans l ON l.order_id = r.prepay_order_id AND l.user_id = r.user_id"
  "   LEFT JOIN LATERAL ("
  "     SELECT coalesce(sum(" PRIN_OUT("i")
  "                         + CASE WHEN i.status = 'BILLED' THEN " PEN_OUT("i", "$2::date - 1") " + " FEE_OUT("i")
  "                                WHEN l.prepay_fee_policy = 'CHARGE_ALL' THEN " FEE_OUT("i")
  "                                ELSE 0 END), 0) AS payoff"
  "       FROM installments i"
  "      WHERE i.loan_id = l.loan_id AND i.status IN ('UNBILLED', 'BILLED')) p ON true"
  "  WHERE r.round = $1::int AND r.prepay_order_id IS NOT NULL";

static const char sql_prepay_record_outcome[] =
  "UPDATE inbox_repayments r"
  "   SET prepay_outcome = e.outcome,"
  "       prepay_shortfall_fen = CASE WHEN e.outcome = 'SHORT_OF_PAYOFF' THEN e.payoff_fen - e.amount_fen END"
  "  FROM pg_temp.bt_prepay e"
  " WHERE r.txn_id = e.txn_id";

/* Recorded, money still applied (§11); amount_fen is the shortfall. */
static const char sql_prepay_reject_short[] =
  "INSERT INTO rejects (file_id, line_no, source_kind, external_id, user_id, reason_code, detail,"
  "                     amount_fen, business_date)"
  " SELECT r.file_id, r.line_no, 'repayments', r.txn_id, r.user_id, 'PREPAY_SHORT_OF_PAYOFF',"
  "        'payoff of order ' || r.prepay_order_id || ' is ' || e.payoff_fen || ' fen, paid '"
  "        || e.amount_fen || ' fen: applied as an ordinary repayment',"
  "        e.payoff_fen - e.amount_fen, $1::date"
  "   FROM pg_temp.bt_prepay e JOIN inbox_repayments r ON r.txn_id = e.txn_id"
  "  WHERE e.outcome = 'SHORT_OF_PAYOFF'"
  "  ORDER BY r.arrival_seq";

/* Everything the loan owes, component by component; unbilled fee only under
 * CHARGE_ALL (is_prepayment marks what was unbilled: its fee is recognised now). */
static const char sql_prepay_allocate[] =
  "INSERT INTO allocations (business_date, user_id, source, txn_id, loan_id, installment_no,"
  "                         component, amount_fen, is_prepayment)"
  " SELECT $1::date, e.user_id, 'REPAYMENT', e.txn_id, i.loan_id, i.installment_no, c.component,"
  "        c.amount, i.status = 'UNBILLED'"
  "   FROM pg_temp.bt_prepay e"
  "   JOIN installments i ON i.loan_id = e.loan_id AND i.status IN ('UNBILLED', 'BILLED')"
  "   CROSS JOIN LATERAL (VALUES"
  "          (1, 'PENALTY', " PEN_OUT("i", "$1::date - 1") "),"
  "          (2, 'FEE', CASE WHEN i.status = 'BILLED' OR e.policy = 'CHARGE_ALL' THEN " FEE_OUT("i")
  "                          ELSE 0 END),"
  "          (3, 'PRINCIPAL', " PRIN_OUT("i") ")) AS c(ord, component, amount)"
  "  WHERE e.outcome = 'PREPAID' AND c.amount > 0"
  "  ORDER BY e.txn_id, i.due_date, i.installment_no, c.ord";

/* WAIVE_UNBILLED: the unbilled fee was never recognised, so no GL (was_billed false). */
static const char sql_prepay_waive[] =
  "INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen,"
  "                     reason, was_billed, txn_id)"
  " SELECT $1::date, e.user_id, i.loan_id, i.installment_no, 'FEE', " FEE_OUT("i") ","
  "        'PREPAYMENT', false, e.txn_id"
  "   FROM pg_temp.bt_prepay e"
  "   JOIN installments i ON i.loan_id = e.loan_id AND i.status = 'UNBILLED'"
  "  WHERE e.outcome = 'PREPAID' AND e.policy = 'WAIVE_UNBILLED' AND " FEE_OUT("i") " > 0"
  "  ORDER BY i.loan_id, i.installment_no";

/* $2 allocation mark, $3 waiver mark. Every open row of a prepaid loan closes PAID
 * (an unbilled one straight from UNBILLED, sql/0010); the amounts come from the rows
 * just written, and installments_closed_settled proves they settle each row exactly. */
static const char sql_prepay_settle[] =
  "UPDATE installments i"
  "   SET paid_penalty_fen = i.paid_penalty_fen + s.penalty,"
  "       paid_fee_fen = i.paid_fee_fen + s.fee,"
  "       paid_principal_fen = i.paid_principal_fen + s.principal,"
  "       fee_waived_fen = i.fee_waived_fen + s.fee_waived,"
  "       status = 'PAID', paid_date = $1::date"
  "  FROM (SELECT t.loan_id, t.installment_no,"
  "               coalesce(a.penalty, 0) AS penalty, coalesce(a.fee, 0) AS fee,"
  "               coalesce(a.principal, 0) AS principal, coalesce(w.fee_waived, 0) AS fee_waived"
  "          FROM pg_temp.bt_prepay e"
  "          JOIN installments t ON t.loan_id = e.loan_id AND t.status IN ('UNBILLED', 'BILLED')"
  "          LEFT JOIN (SELECT loan_id, installment_no,"
  "                            sum(amount_fen) FILTER (WHERE component = 'PENALTY') AS penalty,"
  "                            sum(amount_fen) FILTER (WHERE component = 'FEE') AS fee,"
  "                            sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL') AS principal"
  "                       FROM allocations WHERE allocation_id > $2::bigint"
  "                      GROUP BY loan_id, installment_no) a"
  "                 ON a.loan_id = t.loan_id AND a.installment_no = t.installment_no"
  "          LEFT JOIN (SELECT loan_id, installment_no, sum(amount_fen) AS fee_waived"
  "                       FROM waivers WHERE waiver_id > $3::bigint AND component = 'FEE'"
  "                      GROUP BY loan_id, installment_no) w"
  "                 ON w.loan_id = t.loan_id AND w.installment_no = t.installment_no"
  "         WHERE e.outcome = 'PREPAID') s"
  " WHERE i.loan_id = s.loan_id AND i.installment_no = s.installment_no";

static gboolean
prepay_round(EodContext *ctx, const char *round, GError **error)
{
  gint64 alloc_mark = 0, waiver_mark = 0;
  if (!waterfall_temp_table(ctx, "bt_prepay", sql_create_prepay, sql_clear_prepay, error)
      || !waterfall_allocation_mark(ctx, &alloc_mark, error)
      || !waterfall_waiver_mark(ctx, &waiver_mark, error))
    return FALSE;
  g_autofree char *am = g_strdup_printf("%" G_GINT64_FORMAT, alloc_mark);
  g_autofree char *wm = g_strdup_printf("%" G_GINT64_FORMAT, waiver_mark);
  const char *round_param[] = { round, ctx->date_str };
  const char *date_param[] = { ctx->date_str };
  const char *settle_params[] = { ctx->date_str, am, wm };
  return db_exec(ctx->conn, "prepay_evaluate", sql_prepay_evaluate, 2, round_param, error)
         && db_exec(ctx->conn, "prepay_record_outcome", sql_prepay_record_outcome, 0, NULL, error)
         && db_exec(ctx->conn, "prepay_reject_short", sql_prepay_reject_short, 1, date_param, error)
         && db_exec(ctx->conn, "prepay_allocate", sql_prepay_allocate, 1, date_param, error)
         && db_exec(ctx->conn, "prepay_waive", sql_prepay_waive, 1, date_param, error)
         && db_exec(ctx->conn, "prepay_settle", sql_prepay_settle, 3, settle_params, error)
         && waterfall_restore_limit_since(ctx, alloc_mark, error)
         && waterfall_close_paid_off_loans_since(ctx, alloc_mark, error);
}

/* ---- the ordinary waterfall ------------------------------------------------- */

/* $1 round. What a repayment still holds after its prepayment (only prepayment
 * requests can have allocations already). */
static const char sql_fill_payers[] =
  "INSERT INTO pg_temp.bt_wf_pay (txn_id, user_id, seq, amount_fen)"
  " SELECT r.txn_id, r.user_id, r.arrival_seq, r.amount_fen - d.done"
  "   FROM pg_temp.bt_repay_today r"
  "   CROSS JOIN LATERAL ("
  "     SELECT CASE WHEN r.prepay_order_id IS NULL THEN 0"
  "                 ELSE (SELECT coalesce(sum(a.amount_fen), 0) FROM allocations a"
  "                        WHERE a.txn_id = r.txn_id) END AS done) d"
  "  WHERE r.round = $1::int AND r.amount_fen - d.done > 0";

static gboolean
ordinary_round(EodContext *ctx, const char *round, GError **error)
{
  gint64 mark = 0;
  const char *params[] = { round };
  return waterfall_begin_pass(ctx, error)
         && db_exec(ctx->conn, "repay_fill_payers", sql_fill_payers, 1, params, error)
         && waterfall_allocate(ctx, WATERFALL_REPAYMENT, &mark, error);
}

/* ---- what is left: credit balance ------------------------------------------ */

static const char sql_overpayments[] =
  "INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason, txn_id)"
  " SELECT r.user_id, $1::date, r.amount_fen - coalesce(a.done, 0), 'OVERPAYMENT', r.txn_id"
  "   FROM pg_temp.bt_repay_today r"
  "   LEFT JOIN (SELECT txn_id, sum(amount_fen) AS done FROM allocations"
  "               WHERE business_date = $1::date AND source = 'REPAYMENT'"
  "               GROUP BY txn_id) a ON a.txn_id = r.txn_id"
  "  WHERE r.amount_fen > coalesce(a.done, 0)"
  "  ORDER BY r.arrival_seq";

static const char sql_overpaid_balances[] =
  "UPDATE users u"
  "   SET credit_balance_fen = u.credit_balance_fen + m.amount, updated_at = now()"
  "  FROM (SELECT user_id, sum(amount_fen) AS amount FROM credit_balance_movements"
  "         WHERE business_date = $1::date AND reason = 'OVERPAYMENT'"
  "         GROUP BY user_id) m"
  " WHERE u.user_id = m.user_id";

static const char sql_mark_applied[] =
  "UPDATE inbox_repayments r"
  "   SET status = 'APPLIED', processed_date = $1::date"
  "  FROM pg_temp.bt_repay_today t"
  " WHERE r.txn_id = t.txn_id";

/* ---- general ledger ------------------------------------------------------- */

static const char sql_channels[] =
  "SELECT DISTINCT channel FROM pg_temp.bt_repay_today ORDER BY channel";
static const char sql_ensure_channel[] = "SELECT ensure_channel_account($1)";

/* $1 date, $2 channel: Dr 1002.ch / Cr 1124, 1123, 1122 as allocated, Cr 2241 the excess. */
static const char sql_gl_repayment[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'PENALTY'), 0) AS penalty,"
  "               coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'FEE'), 0) AS fee,"
  "               coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'PRINCIPAL'), 0) AS principal"
  "          FROM allocations a JOIN inbox_repayments r ON r.txn_id = a.txn_id"
  "         WHERE a.business_date = $1::date AND a.source = 'REPAYMENT' AND r.channel = $2::text) s,"
  "       (SELECT coalesce(sum(m.amount_fen), 0) AS excess"
  "          FROM credit_balance_movements m JOIN inbox_repayments r ON r.txn_id = m.txn_id"
  "         WHERE m.business_date = $1::date AND m.reason = 'OVERPAYMENT' AND r.channel = $2::text) o,"
  "       LATERAL (VALUES ('1002.' || $2::text, s.penalty + s.fee + s.principal + o.excess, 0),"
  "                       ('1124', 0, s.penalty), ('1123', 0, s.fee), ('1122', 0, s.principal),"
  "                       ('2241', 0, o.excess)) AS v(account_code, debit_fen, credit_fen)";

/* $1 date, $2 channel: recovery Dr 1002.ch / Cr 6301. */
static const char sql_gl_recovery[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(a.amount_fen), 0) AS recovered"
  "          FROM allocations a JOIN inbox_repayments r ON r.txn_id = a.txn_id"
  "         WHERE a.business_date = $1::date AND a.source = 'REPAYMENT'"
  "           AND a.component LIKE 'RECOVERY\\_%' AND r.channel = $2::text) s,"
  "       LATERAL (VALUES ('1002.' || $2::text, s.recovered, 0), ('6301', 0, s.recovered))"
  "         AS v(account_code, debit_fen, credit_fen)";

/* $1 date: CHARGE_ALL recognises the unbilled fee a prepayment pays (Dr 1123 / Cr 6011),
 * the same posting as billing; the REPAYMENT entry then credits 1123 with it. */
static const char sql_gl_prepay_fee[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(amount_fen), 0) AS fee FROM allocations"
  "         WHERE business_date = $1::date AND source = 'REPAYMENT' AND is_prepayment"
  "           AND component = 'FEE') s,"
  "       LATERAL (VALUES ('1123', s.fee, 0), ('6011', 0, s.fee)) AS v(account_code, debit_fen, credit_fen)";

static gboolean
post_channel(EodContext *ctx, const char *channel, GError **error)
{
  const char *ch[] = { channel };
  g_autoptr(PGresult) acct = db_query_one(ctx->conn, "repay_ensure_channel", sql_ensure_channel, 1, ch, error);
  if (!acct)
    return FALSE;
  const char *params[] = { ctx->date_str, channel };
  g_autofree char *repay_key = g_strdup_printf("repayments:REPAYMENT:%s", channel);
  g_autofree char *recovery_key = g_strdup_printf("repayments:RECOVERY:%s", channel);
  gint64 posted = 0;
  return gl_post_query(ctx, "REPAYMENT", "repayments", repay_key, "repayments by channel",
                       sql_gl_repayment, 2, params, &posted, error)
         && gl_post_query(ctx, "RECOVERY", "repayments", recovery_key, "recovery of written-off items",
                          sql_gl_recovery, 2, params, &posted, error);
}

static gboolean
post_repayments(EodContext *ctx, GError **error)
{
  g_autoptr(PGresult) channels = db_query(ctx->conn, "repay_channels", sql_channels, 0, NULL, error);
  if (!channels)
    return FALSE;
  for (int i = 0; i < PQntuples(channels); i++)
    if (!post_channel(ctx, PQgetvalue(channels, i, 0), error))
      return FALSE;
  const char *params[] = { ctx->date_str };
  gint64 posted = 0;
  return gl_post_query(ctx, "BILLING", "repayments", "repayments:PREPAY_FEE",
                       "unbilled fee charged by prepayments (CHARGE_ALL)", sql_gl_prepay_fee, 1, params,
                       &posted, error);
}

/* ---- the step --------------------------------------------------------------- */

static gboolean
refuse_booked_txn(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  g_autoptr(PGresult) res = db_query(ctx->conn, "repay_already_booked", sql_already_booked, 1, params, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 0)
    return TRUE;
  g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT,
              "repayment %s is PENDING but money is already booked for it: a channel transaction is "
              "applied once, ever; find who reset it before rerunning the night",
              PQgetvalue(res, 0, 0));
  return FALSE;
}

static gboolean
run_rounds(EodContext *ctx, gint64 rounds, GError **error)
{
  for (gint64 k = 1; k <= rounds; k++) {
    g_autofree char *round = g_strdup_printf("%" G_GINT64_FORMAT, k);
    if (!prepay_round(ctx, round, error) || !ordinary_round(ctx, round, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
eod_step_repayments(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  g_autoptr(PGresult) rejected = db_query_one(ctx->conn, "repay_reject_unknown_users",
                                              sql_reject_unknown_users, 1, params, error);
  if (!rejected || !refuse_booked_txn(ctx, error))
    return FALSE;
  if (!waterfall_temp_table(ctx, "bt_repay_today", sql_create_repay_today, sql_clear_repay_today, error)
      || !db_exec(ctx->conn, "repay_take_batch", sql_take_batch, 1, params, error)
      || !db_exec(ctx->conn, "repay_analyze_batch", sql_analyze_batch, 0, NULL, error))
    return FALSE;
  g_autoptr(PGresult) totals = db_query_one(ctx->conn, "repay_batch_totals", sql_batch_totals, 0, NULL, error);
  if (!totals)
    return FALSE;
  gint64 rounds = g_ascii_strtoll(PQgetvalue(totals, 0, 2), NULL, 10);
  if (!run_rounds(ctx, rounds, error)
      || !db_exec(ctx->conn, "repay_overpayments", sql_overpayments, 1, params, error)
      || !db_exec(ctx->conn, "repay_overpaid_balances", sql_overpaid_balances, 1, params, error)
      || !db_exec(ctx->conn, "repay_mark_applied", sql_mark_applied, 1, params, error)
      || !post_repayments(ctx, error)
      || !eod_apply_credit_balances(ctx, error))
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10)
              + g_ascii_strtoll(PQgetvalue(rejected, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10)
                    + g_ascii_strtoll(PQgetvalue(rejected, 0, 1), NULL, 10);
  return TRUE;
}

/* ---- credit balance (溢缴款) applied by the waterfall ------------------------- */

/* Users holding a balance and owing billed items. Reads users by credit_balance_fen > 0
 * (a partial index on that predicate keeps it to the few users concerned). */
static const char sql_fill_balances[] =
  "INSERT INTO pg_temp.bt_wf_pay (txn_id, user_id, seq, amount_fen)"
  " SELECT NULL, u.user_id, 1, u.credit_balance_fen"
  "   FROM users u"
  "  WHERE u.credit_balance_fen > 0"
  "    AND EXISTS (SELECT 1 FROM installments i WHERE i.user_id = u.user_id AND i.status = 'BILLED')";

/* $1 date, $2 mark. */
static const char sql_balance_applied[] =
  "INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason)"
  " SELECT user_id, $1::date, -sum(amount_fen), 'APPLIED'"
  "   FROM allocations"
  "  WHERE allocation_id > $2::bigint AND source = 'CREDIT_BALANCE'"
  "  GROUP BY user_id"
  "  ORDER BY user_id";

static const char sql_balance_reduce[] =
  "UPDATE users u"
  "   SET credit_balance_fen = u.credit_balance_fen - s.applied, updated_at = now()"
  "  FROM (SELECT user_id, sum(amount_fen) AS applied FROM allocations"
  "         WHERE allocation_id > $1::bigint AND source = 'CREDIT_BALANCE'"
  "         GROUP BY user_id) s"
  " WHERE u.user_id = s.user_id";

/* $1 mark: Dr 2241 / Cr 1124, 1123, 1122. */
static const char sql_gl_balance_use[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty,"
  "               coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE'), 0) AS fee,"
  "               coalesce(sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL'), 0) AS principal"
  "          FROM allocations"
  "         WHERE allocation_id > $1::bigint AND source = 'CREDIT_BALANCE') s,"
  "       LATERAL (VALUES ('2241', s.penalty + s.fee + s.principal, 0), ('1124', 0, s.penalty),"
  "                       ('1123', 0, s.fee), ('1122', 0, s.principal))"
  "         AS v(account_code, debit_fen, credit_fen)";

/* $1 date: the key of the day's next credit-balance entry, "credit_balance_use:K" for
 * the K-th one. A natural key (date and order within the night), never an allocation
 * id: a night killed anywhere and rerun posts the same keys as a clean one, because a
 * killed step's entries roll back with it and the steps run in a fixed order. */
static const char sql_balance_use_key[] =
  "SELECT 'credit_balance_use:' || (count(*) + 1) FROM journal_entries"
  " WHERE business_date = $1::date AND entry_type = 'CREDIT_BALANCE_USE'";

/* Called inside other steps (refunds, repayments, billing), possibly several times a
 * night: each call posts its own entry (sql_balance_use_key). It leaves ctx->rows and
 * ctx->amount_fen to the calling step. */
gboolean
eod_apply_credit_balances(EodContext *ctx, GError **error)
{
  gint64 mark = 0;
  if (!waterfall_begin_pass(ctx, error)
      || !db_exec(ctx->conn, "balance_fill_payers", sql_fill_balances, 0, NULL, error)
      || !waterfall_allocate(ctx, WATERFALL_CREDIT_BALANCE, &mark, error))
    return FALSE;
  g_autofree char *m = g_strdup_printf("%" G_GINT64_FORMAT, mark);
  const char *params[] = { ctx->date_str, m };
  const char *mark_param[] = { m };
  if (!db_exec(ctx->conn, "balance_applied", sql_balance_applied, 2, params, error)
      || !db_exec(ctx->conn, "balance_reduce", sql_balance_reduce, 1, mark_param, error))
    return FALSE;
  const char *date_param[] = { ctx->date_str };
  g_autoptr(PGresult) key = db_query_one(ctx->conn, "balance_use_key", sql_balance_use_key, 1, date_param, error);
  if (!key)
    return FALSE;
  gint64 posted = 0;
  return gl_post_query(ctx, "CREDIT_BALANCE_USE", "apply_credit_balances", PQgetvalue(key, 0, 0),
                       "credit balance applied to billed items", sql_gl_balance_use, 1, mark_param,
                       &posted, error);
}
