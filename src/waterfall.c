/* The §5 waterfall, set-based: each user's owed items are laid end to end on a number
 * line in allocation order (cumulative sums, window functions), each payer's money on
 * another (cumulative sums in arrival order); an allocation is the overlap of two
 * intervals. One statement allocates a whole night's batch of payers. */
#include "waterfall.h"

#include "db.h"

#define PRIN_OUT(a) WATERFALL_PRINCIPAL_OUT(a)
#define FEE_OUT(a) WATERFALL_FEE_OUT(a)
#define PEN_OUT(a, through) WATERFALL_PENALTY_OUT(a, through)

static const char sql_temp_exists[] =
  "SELECT (to_regclass('pg_temp.' || $1) IS NOT NULL)::int";

gboolean
waterfall_query_int(EodContext *ctx, const char *name, const char *sql, int nparams,
                    const char *const *params, gint64 *out, GError **error)
{
  g_autoptr(PGresult) res = db_query_one(ctx->conn, name, sql, nparams, params, error);
  if (!res)
    return FALSE;
  *out = PQgetisnull(res, 0, 0) ? 0 : g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  return TRUE;
}

gboolean
waterfall_temp_table(EodContext *ctx, const char *name, const char *create_sql, const char *clear_sql,
                     GError **error)
{
  gint64 exists = 0;
  const char *params[] = { name };
  if (!waterfall_query_int(ctx, "waterfall_temp_exists", sql_temp_exists, 1, params, &exists, error))
    return FALSE;
  if (exists)
    return db_exec(ctx->conn, "waterfall_temp_clear", clear_sql, 0, NULL, error);
  return db_exec(ctx->conn, "waterfall_temp_create", create_sql, 0, NULL, error);
}

/* Work tables live in the step's transaction only (ON COMMIT DROP): a failed step
 * leaves nothing behind, and the batch role needs no DDL on schema baitiao. */
static const char sql_create_wf_pay[] =
  "CREATE TEMP TABLE pg_temp.bt_wf_pay ("
  "  txn_id text,"
  "  user_id text NOT NULL,"
  "  seq bigint NOT NULL,"
  "  amount_fen bigint NOT NULL CHECK (amount_fen > 0),"
  "  PRIMARY KEY (user_id, seq)"
  ") ON COMMIT DROP";
static const char sql_clear_wf_pay[] = "TRUNCATE pg_temp.bt_wf_pay";

gboolean
waterfall_begin_pass(EodContext *ctx, GError **error)
{
  return waterfall_temp_table(ctx, "bt_wf_pay", sql_create_wf_pay, sql_clear_wf_pay, error);
}

static const char sql_allocation_mark[] =
  "SELECT coalesce(max(allocation_id), 0) FROM allocations";
static const char sql_waiver_mark[] =
  "SELECT coalesce(max(waiver_id), 0) FROM waivers";

gboolean
waterfall_allocation_mark(EodContext *ctx, gint64 *mark, GError **error)
{
  return waterfall_query_int(ctx, "waterfall_allocation_mark", sql_allocation_mark, 0, NULL, mark, error);
}

gboolean
waterfall_waiver_mark(EodContext *ctx, gint64 *mark, GError **error)
{
  return waterfall_query_int(ctx, "waterfall_waiver_mark", sql_waiver_mark, 0, NULL, mark, error);
}

/* Statistics on the payer table, for the joins on it. */
static const char sql_analyze_wf_pay[] = "ANALYZE pg_temp.bt_wf_pay";

/* $1 date, $2 source, $3 include written-off items (step 3, recovery).
 * Items: billed installments by due date, order id (bytewise), installment number;
 * within one penalty, fee, principal. Then written-off installments in the same order,
 * each component capped at what was written off less what was recovered before (a
 * recovery is taken penalty, fee, principal, so recovered_fen says which is left).
 * Each payer's items are read through the per-user partial indexes
 * (installments_waterfall_idx / _recovery_idx): the LATERAL subqueries are kept
 * apart from the join (OFFSET 0), because a planner that flattens them may hash every
 * billed installment of the portfolio to serve a night's few thousand payers, a cost
 * that grows with the book instead of with the day's activity. */
static const char sql_allocate[] =
  "INSERT INTO allocations (business_date, user_id, source, txn_id, loan_id, installment_no,"
  "                         component, amount_fen)"
  " WITH payers AS (SELECT DISTINCT user_id FROM pg_temp.bt_wf_pay),"
  " pay AS ("
  "   SELECT txn_id, user_id, seq, amount_fen,"
  "          sum(amount_fen) OVER (PARTITION BY user_id ORDER BY seq) AS hi"
  "     FROM pg_temp.bt_wf_pay),"
  " owed AS ("
  "   SELECT i.user_id, 1 AS tier, i.due_date, i.order_id, i.installment_no, i.loan_id,"
  "          c.ord, c.component, c.amount"
  "     FROM payers p"
  "     CROSS JOIN LATERAL (SELECT * FROM installments b"
  "                          WHERE b.user_id = p.user_id AND b.status = 'BILLED' OFFSET 0) i"
  "     CROSS JOIN LATERAL (VALUES (1, 'PENALTY', " PEN_OUT("i", "$1::date - 1") "),"
  "                                (2, 'FEE', " FEE_OUT("i") "),"
  "                                (3, 'PRINCIPAL', " PRIN_OUT("i") ")) AS c(ord, component, amount)"
  "    WHERE c.amount > 0"
  "   UNION ALL"
  "   SELECT i.user_id, 2, i.due_date, i.order_id, i.installment_no, i.loan_id,"
  "          c.ord, c.component, c.cap - least(c.cap, greatest(i.recovered_fen - c.prior, 0))"
  "     FROM payers p"
  "     CROSS JOIN LATERAL (SELECT * FROM installments w"
  "                          WHERE $3::boolean AND w.user_id = p.user_id AND w.status = 'WRITTEN_OFF'"
  "                         OFFSET 0) i"
  "     CROSS JOIN LATERAL (VALUES"
  "            (1, 'RECOVERY_PENALTY', i.writeoff_penalty_fen, 0::bigint),"
  "            (2, 'RECOVERY_FEE', i.writeoff_fee_fen, i.writeoff_penalty_fen),"
  "            (3, 'RECOVERY_PRINCIPAL', i.writeoff_principal_fen, i.writeoff_penalty_fen + i.writeoff_fee_fen))"
  "          AS c(ord, component, cap, prior)"
  "    WHERE $3::boolean AND c.cap > greatest(i.recovered_fen - c.prior, 0)),"
  " line AS ("
  "   SELECT o.*, sum(o.amount) OVER (PARTITION BY o.user_id"
  "                                   ORDER BY o.tier, o.due_date, o.order_id COLLATE \"C\","
  "                                            o.installment_no, o.ord) AS hi"
  "     FROM owed o)"
  " SELECT $1::date, p.user_id, $2::text, p.txn_id, l.loan_id, l.installment_no, l.component,"
  "        (least(p.hi, l.hi) - greatest(p.hi - p.amount_fen, l.hi - l.amount))::bigint"
  "   FROM pay p"
  "   JOIN line l ON l.user_id = p.user_id AND l.hi - l.amount < p.hi AND p.hi - p.amount_fen < l.hi"
  "  ORDER BY p.user_id, p.seq, l.hi";

gboolean
waterfall_allocate(EodContext *ctx, WaterfallSource source, gint64 *mark, GError **error)
{
  if (!waterfall_allocation_mark(ctx, mark, error))
    return FALSE;
  if (!db_exec(ctx->conn, "waterfall_analyze_payers", sql_analyze_wf_pay, 0, NULL, error))
    return FALSE;
  const char *params[] = {
    ctx->date_str,
    source == WATERFALL_REPAYMENT ? "REPAYMENT" : "CREDIT_BALANCE",
    source == WATERFALL_REPAYMENT ? "true" : "false",
  };
  if (!db_exec(ctx->conn, "waterfall_allocate", sql_allocate, 3, params, error))
    return FALSE;
  return waterfall_settle_since(ctx, *mark, error);
}

/* The allocations of a pass, per installment and component. */
#define SQL_ALLOCATED_SINCE_MARK                                                                \
  "SELECT loan_id, installment_no,"                                                             \
  "       coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty,"         \
  "       coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE'), 0) AS fee,"                 \
  "       coalesce(sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL'), 0) AS principal,"     \
  "       coalesce(sum(amount_fen) FILTER (WHERE component LIKE 'RECOVERY\\_%'), 0) AS recovered" \
  "  FROM allocations"                                                                          \
  " WHERE allocation_id > $2::bigint AND source IN ('REPAYMENT', 'CREDIT_BALANCE')"             \
  " GROUP BY loan_id, installment_no"

/* A billed row whose every component the pass settled closes as PAID that day. */
#define SQL_SETTLES                                                                         \
  "i.status = 'BILLED' AND " PEN_OUT("i", "$1::date - 1") " = s.penalty AND " FEE_OUT("i") " = s.fee"       \
  " AND " PRIN_OUT("i") " = s.principal"

static const char sql_settle_installments[] =
  "UPDATE installments i"
  "   SET paid_penalty_fen = i.paid_penalty_fen + s.penalty,"
  "       paid_fee_fen = i.paid_fee_fen + s.fee,"
  "       paid_principal_fen = i.paid_principal_fen + s.principal,"
  "       recovered_fen = i.recovered_fen + s.recovered,"
  "       status = CASE WHEN " SQL_SETTLES " THEN 'PAID' ELSE i.status END,"
  "       paid_date = CASE WHEN " SQL_SETTLES " THEN $1::date ELSE i.paid_date END"
  "  FROM (" SQL_ALLOCATED_SINCE_MARK ") s"
  " WHERE i.loan_id = s.loan_id AND i.installment_no = s.installment_no";

static const char sql_settle_writeoffs[] =
  "UPDATE writeoffs w"
  "   SET recovered_fen = w.recovered_fen + s.recovered, last_recovery_date = $1::date, updated_at = now()"
  "  FROM (SELECT loan_id, sum(amount_fen) AS recovered"
  "          FROM allocations"
  "         WHERE allocation_id > $2::bigint AND component LIKE 'RECOVERY\\_%'"
  "         GROUP BY loan_id) s"
  " WHERE w.loan_id = s.loan_id";

/* Billed rows only exist on ACTIVE loans (written-off and cancelled loans close theirs),
 * so every principal a pass settles was counted in the used limit. */
static const char sql_restore_limit[] =
  "UPDATE users u"
  "   SET used_limit_fen = u.used_limit_fen - s.principal, updated_at = now()"
  "  FROM (SELECT user_id, sum(amount_fen) AS principal"
  "          FROM allocations"
  "         WHERE allocation_id > $1::bigint AND component = 'PRINCIPAL'"
  "           AND source IN ('REPAYMENT', 'CREDIT_BALANCE')"
  "         GROUP BY user_id) s"
  " WHERE u.user_id = s.user_id";

/* §11: PAID_OFF only when everything, penalty included, is settled. */
static const char sql_close_loans[] =
  "UPDATE loans l"
  "   SET status = 'PAID_OFF', status_date = $1::date, updated_at = now()"
  " WHERE l.loan_id IN (SELECT loan_id FROM allocations WHERE allocation_id > $2::bigint)"
  "   AND l.status = 'ACTIVE'"
  "   AND NOT EXISTS (SELECT 1 FROM installments i"
  "                    WHERE i.loan_id = l.loan_id AND i.status IN ('UNBILLED', 'BILLED'))";

static gboolean
exec_since(EodContext *ctx, const char *name, const char *sql, gint64 mark, GError **error)
{
  g_autofree char *m = g_strdup_printf("%" G_GINT64_FORMAT, mark);
  const char *params[] = { ctx->date_str, m };
  return db_exec(ctx->conn, name, sql, 2, params, error);
}

gboolean
waterfall_restore_limit_since(EodContext *ctx, gint64 mark, GError **error)
{
  g_autofree char *m = g_strdup_printf("%" G_GINT64_FORMAT, mark);
  const char *params[] = { m };
  return db_exec(ctx->conn, "waterfall_restore_limit", sql_restore_limit, 1, params, error);
}

gboolean
waterfall_close_paid_off_loans_since(EodContext *ctx, gint64 mark, GError **error)
{
  return exec_since(ctx, "waterfall_close_loans", sql_close_loans, mark, error);
}

gboolean
waterfall_settle_since(EodContext *ctx, gint64 mark, GError **error)
{
  return exec_since(ctx, "waterfall_settle_installments", sql_settle_installments, mark, error)
         && exec_since(ctx, "waterfall_settle_writeoffs", sql_settle_writeoffs, mark, error)
         && waterfall_restore_limit_since(ctx, mark, error)
         && waterfall_close_paid_off_loans_since(ctx, mark, error);
}
