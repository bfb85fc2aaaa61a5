/* The campaign catalogue (issue 18, 营销): parse and validate the GKeyFile (errors
 * name file:line:key, as the products' do), store it versioned, and read the live
 * campaigns back for the night. The matcher is campaign_match.c. */
#include "campaign.h"

#include <string.h>

#include "date.h"
#include "db.h"
#include "keyfile.h"
#include "money.h"
#include "schedule.h"
#include "stmt.h"

G_DEFINE_QUARK(campaign-error-quark, campaign_error)

#define CAMPAIGN_FREE_PERIODS_MAX 360
#define CAMPAIGN_NAME_MAX 200
#define CAMPAIGN_LIST_ITEM_MAX 64   /* merchant and category ids: inbox_orders allows 64 */
#define CAMPAIGN_STATEMENT_DAY_MAX 28

static const char *const campaign_keys[] = {
  "name", "kind", "free_periods", "rate_ppm", "percent", "amount_off", "funder", "products", "terms",
  "amount_min", "amount_max", "order_from", "order_to", "new_users_only", "statement_days", "segments",
  "merchants", "categories", "coupon", "coupon_return_days", "per_user_limit", "usage_limit", "budget",
  "budget_overflow", "group", "priority", NULL,
};
static const char *const policy_keys[] = { "max_order_discount", NULL };
static const char *const group_keys[] = { "mode", NULL };

/* ---- names ---- */

static const char *const kind_names[] = { "FREE_PERIODS", "RATE", "PERCENT", "WAIVE_ALL", "AMOUNT_OFF" };
static const char *const funder_names[] = { "PLATFORM", "MERCHANT" };
static const char *const mode_names[] = { "EXCLUSIVE", "STACKABLE" };

const char *
campaign_kind_to_string(CampaignKind k)
{
  return (guint) k < G_N_ELEMENTS(kind_names) ? kind_names[k] : "?";
}

const char *
campaign_funder_to_string(CampaignFunder f)
{
  return (guint) f < G_N_ELEMENTS(funder_names) ? funder_names[f] : "?";
}

const char *
campaign_stack_mode_to_string(CampaignStackMode m)
{
  return (guint) m < G_N_ELEMENTS(mode_names) ? mode_names[m] : "?";
}

/* The catalogue writes mode=exclusive, the database EXCLUSIVE: either case is taken. */
static gboolean
name_index(const char *s, const char *const *names, guint n, guint *out)
{
  for (guint i = 0; s && i < n; i++)
    if (g_ascii_strcasecmp(s, names[i]) == 0) {
      *out = i;
      return TRUE;
    }
  return FALSE;
}

gboolean
campaign_kind_from_string(const char *s, CampaignKind *out)
{
  guint i;
  if (!name_index(s, kind_names, G_N_ELEMENTS(kind_names), &i))
    return FALSE;
  *out = (CampaignKind) i;
  return TRUE;
}

gboolean
campaign_funder_from_string(const char *s, CampaignFunder *out)
{
  guint i;
  if (!name_index(s, funder_names, G_N_ELEMENTS(funder_names), &i))
    return FALSE;
  *out = (CampaignFunder) i;
  return TRUE;
}

gboolean
campaign_stack_mode_from_string(const char *s, CampaignStackMode *out)
{
  guint i;
  if (!name_index(s, mode_names, G_N_ELEMENTS(mode_names), &i))
    return FALSE;
  *out = (CampaignStackMode) i;
  return TRUE;
}

/* ---- memory ---- */

void
campaign_free(Campaign *c)
{
  if (!c)
    return;
  g_free(c->id);
  g_free(c->name);
  g_strfreev(c->products);
  g_free(c->terms);
  g_strfreev(c->segments);
  g_strfreev(c->merchants);
  g_strfreev(c->categories);
  g_free(c->stack_group);
  g_free(c);
}

void
campaign_set_free(CampaignSet *set)
{
  if (!set)
    return;
  g_free(set->path);
  g_free(set->text);
  g_free(set->sha256);
  if (set->campaigns)
    g_ptr_array_unref(set->campaigns);
  g_free(set);
}

void
campaign_live_free(CampaignLive *live)
{
  if (!live)
    return;
  if (live->campaigns)
    g_ptr_array_unref(live->campaigns);
  if (live->budget_left_fen)
    g_array_unref(live->budget_left_fen);
  if (live->uses_left)
    g_array_unref(live->uses_left);
  g_free(live);
}

/* ---- reading the file: one value at a time ---- */

gboolean
campaign_valid_name(const char *s)
{
  gsize n = strlen(s);
  if (n == 0 || n > 32)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && !strchr("_.-", s[i]))
      return FALSE;
  return TRUE;
}

/* A merchant or category id as orders.csv carries it: 1..64 printable characters,
 * no space and no ',' (the list separator). */
static gboolean
valid_item(const char *s)
{
  gsize n = strlen(s);
  if (n == 0 || n > CAMPAIGN_LIST_ITEM_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if ((guchar) s[i] <= ' ' || s[i] == ',' || s[i] == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
required(const Keyfile *k, const char *group, const char *key, const char *what, GError **error)
{
  if (g_key_file_has_key(k->kf, group, key, NULL))
    return TRUE;
  keyfile_value_error(error, k, group, key, "is required%s", what);
  return FALSE;
}

/* An amount in yuan (zero, one or two decimals, money.h: never a float) in [MIN, MAX] fen. */
static gboolean
read_yuan(const Keyfile *k, const char *group, const char *key, gint64 min, gint64 max, gint64 *out,
          GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  if (!raw)
    return TRUE;
  gint64 fen = 0;
  if (!money_parse_yuan_lenient(raw, &fen, NULL) || fen < min || fen > max) {
    g_autofree char *lo = money_format_fen(min);
    g_autofree char *hi = money_format_fen(max);
    keyfile_value_error(error, k, group, key,
                        "must be an amount in yuan, up to two decimals, from %s to %s, not \"%s\"", lo, hi, raw);
    return FALSE;
  }
  *out = fen;
  return TRUE;
}

static gboolean
read_date(const Keyfile *k, const char *group, const char *key, GDate *out, GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  g_date_clear(out, 1);
  if (!raw)
    return required(k, group, key, " (YYYY-MM-DD)", error);
  g_autoptr(GError) local = NULL;
  if (!date_parse(raw, out, &local)) {
    keyfile_value_error(error, k, group, key, "is refused: %s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* One of two words (case taken as written or upper): *OUT TRUE for YES. */
static gboolean
read_choice(const Keyfile *k, const char *group, const char *key, const char *yes, const char *no,
            gboolean *out, GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  if (!raw)
    return TRUE;
  if (g_ascii_strcasecmp(raw, yes) == 0 || g_ascii_strcasecmp(raw, no) == 0) {
    *out = g_ascii_strcasecmp(raw, yes) == 0;
    return TRUE;
  }
  keyfile_value_error(error, k, group, key, "must be %s or %s, not \"%s\"", yes, no, raw);
  return FALSE;
}

typedef gboolean (*ItemCheck)(const char *item);

/* A ','-separated list, each item trimmed and checked; NULL when the key is absent. */
static gboolean
read_list(const Keyfile *k, const char *group, const char *key, ItemCheck check, const char *what,
          char ***out, GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  *out = NULL;
  if (!raw)
    return TRUE;
  g_auto(GStrv) items = g_strsplit(raw, ",", -1);
  for (int i = 0; items[i] || i == 0; i++) {
    if (items[i])
      g_strstrip(items[i]);
    if (!items[i] || !check(items[i])) {   /* "products=" restricts to nothing: a mistake */
      keyfile_value_error(error, k, group, key, "must be a ','-separated list of %s, not \"%s\"", what, raw);
      return FALSE;
    }
  }
  *out = g_steal_pointer(&items);
  return TRUE;
}

/* A ','-separated list of whole numbers in [MIN, MAX]; NULL when absent. */
static gboolean
read_int_list(const Keyfile *k, const char *group, const char *key, gint64 min, gint64 max, GArray **out,
              GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  *out = NULL;
  if (!raw)
    return TRUE;
  g_auto(GStrv) items = g_strsplit(raw, ",", -1);
  g_autoptr(GArray) values = g_array_new(FALSE, FALSE, sizeof(int));
  for (int i = 0; items[i] || i == 0; i++) {
    gint64 v = 0;
    if (!items[i] || !g_ascii_string_to_signed(g_strstrip(items[i]), 10, min, max, &v, NULL)) {
      keyfile_value_error(error, k, group, key,
                          "must be a ','-separated list of whole numbers from %" G_GINT64_FORMAT
                          " to %" G_GINT64_FORMAT ", not \"%s\"", min, max, raw);
      return FALSE;
    }
    int iv = (int) v;
    g_array_append_val(values, iv);
  }
  *out = g_steal_pointer(&values);
  return TRUE;
}

/* ---- reading one campaign ---- */

static gboolean
read_kind(const Keyfile *k, const char *group, Campaign *c, GError **error)
{
  g_autofree char *kind = keyfile_string(k, group, "kind");
  if (!kind)
    return required(k, group, "kind", " (FREE_PERIODS, RATE, PERCENT, WAIVE_ALL or AMOUNT_OFF)", error);
  if (!campaign_kind_from_string(kind, &c->kind)) {
    keyfile_value_error(error, k, group, "kind", "must be FREE_PERIODS, RATE, PERCENT, WAIVE_ALL or AMOUNT_OFF, not \"%s\"",
                        kind);
    return FALSE;
  }
  return TRUE;
}

/* The key each kind needs, and that no other kind may have. */
static const struct {
  CampaignKind kind;
  const char *key;
} kind_keys[] = {
  { CAMPAIGN_FREE_PERIODS, "free_periods" },
  { CAMPAIGN_RATE, "rate_ppm" },
  { CAMPAIGN_PERCENT, "percent" },
  { CAMPAIGN_AMOUNT_OFF, "amount_off" },
};

static gboolean
check_kind_keys(const Keyfile *k, const char *group, const Campaign *c, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(kind_keys); i++) {
    gboolean has = g_key_file_has_key(k->kf, group, kind_keys[i].key, NULL);
    if (has && kind_keys[i].kind != c->kind) {
      keyfile_value_error(error, k, group, kind_keys[i].key, "is for kind %s, and this campaign is kind %s",
                          campaign_kind_to_string(kind_keys[i].kind), campaign_kind_to_string(c->kind));
      return FALSE;
    }
    if (!has && kind_keys[i].kind == c->kind) {
      keyfile_value_error(error, k, group, kind_keys[i].key, "is required for kind %s",
                          campaign_kind_to_string(c->kind));
      return FALSE;
    }
  }
  return TRUE;
}

/* percent=30.00: hundredths of a percent read as yuan are fen (3000), ×100 is ppm. */
static gboolean
read_discount(const Keyfile *k, const char *group, Campaign *c, GError **error)
{
  gint64 periods = 0, hundredths = 0;
  if (!check_kind_keys(k, group, c, error)
      || !keyfile_int(k, group, "free_periods", 1, CAMPAIGN_FREE_PERIODS_MAX, &periods, error)
      || !keyfile_int(k, group, "rate_ppm", 0, SCHED_RATE_MAX_PPM, &c->rate_ppm, error)
      || !read_yuan(k, group, "amount_off", 1, MONEY_MAX_AMOUNT_FEN, &c->amount_off_fen, error))
    return FALSE;
  g_autofree char *pct = keyfile_string(k, group, "percent");
  if (pct && (!money_parse_yuan_lenient(pct, &hundredths, NULL) || hundredths < 1 || hundredths > 10000)) {
    keyfile_value_error(error, k, group, "percent",
                        "must be a percentage from 0.01 to 100.00, up to two decimals, not \"%s\"", pct);
    return FALSE;
  }
  c->free_periods = (int) periods;
  c->percent_ppm = hundredths * 100;
  return TRUE;
}

static gboolean
read_funder(const Keyfile *k, const char *group, Campaign *c, GError **error)
{
  g_autofree char *funder = keyfile_string(k, group, "funder");
  if (!funder)
    return required(k, group, "funder", " (PLATFORM or MERCHANT)", error);
  if (!campaign_funder_from_string(funder, &c->funder)) {
    keyfile_value_error(error, k, group, "funder", "must be PLATFORM or MERCHANT, not \"%s\"", funder);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_terms_and_days(const Keyfile *k, const char *group, Campaign *c, GError **error)
{
  g_autoptr(GArray) terms = NULL;
  g_autoptr(GArray) days = NULL;
  if (!read_int_list(k, group, "terms", 1, SCHED_TERM_MAX, &terms, error)
      || !read_int_list(k, group, "statement_days", 1, CAMPAIGN_STATEMENT_DAY_MAX, &days, error))
    return FALSE;
  if (terms) {
    c->n_terms = terms->len;
    c->terms = (int *) (void *) g_array_free(g_steal_pointer(&terms), FALSE);
  }
  for (guint i = 0; days && i < days->len; i++)
    c->statement_days |= 1u << g_array_index(days, int, i);
  return TRUE;
}

static gboolean
read_who(const Keyfile *k, const char *group, Campaign *c, GError **error)
{
  if (!read_list(k, group, "products", campaign_valid_name, "product codes", &c->products, error)
      || !read_terms_and_days(k, group, c, error)
      || !read_yuan(k, group, "amount_min", 1, MONEY_MAX_AMOUNT_FEN, &c->amount_min_fen, error)
      || !read_yuan(k, group, "amount_max", 1, MONEY_MAX_AMOUNT_FEN, &c->amount_max_fen, error)
      || !read_date(k, group, "order_from", &c->order_from, error)
      || !read_date(k, group, "order_to", &c->order_to, error)
      || !keyfile_bool(k, group, "new_users_only", &c->new_users_only, error)
      || !read_list(k, group, "segments", campaign_valid_name, "segment names", &c->segments, error)
      || !read_list(k, group, "merchants", valid_item, "merchant ids", &c->merchants, error)
      || !read_list(k, group, "categories", valid_item, "categories", &c->categories, error))
    return FALSE;
  if (c->amount_min_fen && c->amount_max_fen && c->amount_min_fen > c->amount_max_fen) {
    g_autofree char *lo = money_format_fen(c->amount_min_fen);
    keyfile_value_error(error, k, group, "amount_max", "is below amount_min (%s)", lo);
    return FALSE;
  }
  if (g_date_compare(&c->order_from, &c->order_to) > 0) {
    char from[DATE_TEXT_SIZE];
    date_format(&c->order_from, from);
    keyfile_value_error(error, k, group, "order_to", "is before order_from (%s)", from);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_limits(const Keyfile *k, const char *group, Campaign *c, GError **error)
{
  gint64 return_days = 0, per_user = 0, usage = 0;
  c->budget_partial = TRUE;
  if (!read_choice(k, group, "coupon", "required", "none", &c->coupon_required, error)
      || !keyfile_int(k, group, "coupon_return_days", 0, 3650, &return_days, error)
      || !keyfile_int(k, group, "per_user_limit", 1, G_MAXINT32, &per_user, error)
      || !keyfile_int(k, group, "usage_limit", 1, G_MAXINT32, &usage, error)
      || !required(k, group, "budget", " (yuan)", error)
      || !read_yuan(k, group, "budget", 0, MONEY_MAX_AMOUNT_FEN * 100, &c->budget_fen, error)
      || !read_choice(k, group, "budget_overflow", "partial", "none", &c->budget_partial, error))
    return FALSE;
  c->coupon_return_days = (int) return_days;
  c->per_user_limit = (int) per_user;
  c->usage_limit = (int) usage;
  return TRUE;
}

/* group= names a [group NAME] of the file (GROUPS: name → mode). */
static gboolean
read_stacking(const Keyfile *k, const char *group, GHashTable *groups, Campaign *c, GError **error)
{
  gint64 priority = 0;
  if (!keyfile_int(k, group, "priority", G_MININT32, G_MAXINT32, &priority, error))
    return FALSE;
  c->priority = (int) priority;
  c->stack_group = keyfile_string(k, group, "group");
  if (!c->stack_group)
    return required(k, group, "group", " (a [group NAME] of the file)", error);
  gpointer mode;
  if (!g_hash_table_lookup_extended(groups, c->stack_group, NULL, &mode)) {
    keyfile_value_error(error, k, group, "group", "names \"%s\", and the file has no [group %s]", c->stack_group,
                        c->stack_group);
    return FALSE;
  }
  c->stack_mode = (CampaignStackMode) GPOINTER_TO_INT(mode);
  return TRUE;
}

static Campaign *
read_campaign(const Keyfile *k, const char *group, GHashTable *groups, GError **error)
{
  const char *id = group + strlen("campaign ");
  int line = keyfile_line(k, group, NULL);
  if (!campaign_valid_name(id)) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE,
                "%s:%d: campaign id \"%s\" must be 1 to 32 letters, digits, '_', '.' or '-'", k->path, line, id);
    return NULL;
  }
  if (!keyfile_check_keys(k, group, campaign_keys, error))
    return NULL;
  g_autoptr(Campaign) c = g_new0(Campaign, 1);
  c->id = g_strdup(id);
  c->line = line;
  c->name = keyfile_string(k, group, "name");
  if (!c->name && !required(k, group, "name", "", error))
    return NULL;
  if (!g_utf8_validate(c->name, -1, NULL) || g_utf8_strlen(c->name, -1) < 1
      || g_utf8_strlen(c->name, -1) > CAMPAIGN_NAME_MAX) {
    keyfile_value_error(error, k, group, "name", "must be 1 to %d characters of UTF-8", CAMPAIGN_NAME_MAX);
    return NULL;
  }
  if (!read_kind(k, group, c, error) || !read_discount(k, group, c, error) || !read_funder(k, group, c, error)
      || !read_who(k, group, c, error) || !read_limits(k, group, c, error)
      || !read_stacking(k, group, groups, c, error))
    return NULL;
  return g_steal_pointer(&c);
}

/* ---- the file as a whole ---- */

static gboolean
read_policy(const Keyfile *k, CampaignSet *set, GError **error)
{
  if (!g_key_file_has_group(k->kf, "policy"))
    return TRUE;
  return keyfile_check_keys(k, "policy", policy_keys, error)
         && read_yuan(k, "policy", "max_order_discount", 1, MONEY_MAX_AMOUNT_FEN, &set->max_order_discount_fen, error);
}

/* Every [group NAME] with its mode, into GROUPS (name → CampaignStackMode). */
static gboolean
read_groups(const Keyfile *k, char **names, GHashTable *groups, GError **error)
{
  for (int i = 0; names[i]; i++) {
    if (!g_str_has_prefix(names[i], "group "))
      continue;
    const char *name = names[i] + strlen("group ");
    if (!campaign_valid_name(name)) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE,
                  "%s:%d: group name \"%s\" must be 1 to 32 letters, digits, '_', '.' or '-'", k->path,
                  keyfile_line(k, names[i], NULL), name);
      return FALSE;
    }
    if (!keyfile_check_keys(k, names[i], group_keys, error))
      return FALSE;
    g_autofree char *raw = keyfile_string(k, names[i], "mode");
    CampaignStackMode mode;
    if (!raw) {
      keyfile_value_error(error, k, names[i], "mode", "is required (exclusive or stackable)");
      return FALSE;
    }
    if (!campaign_stack_mode_from_string(raw, &mode)) {
      keyfile_value_error(error, k, names[i], "mode", "must be exclusive or stackable, not \"%s\"", raw);
      return FALSE;
    }
    g_hash_table_insert(groups, g_strdup(name), GINT_TO_POINTER(mode));
  }
  return TRUE;
}

static gboolean
windows_overlap(const Campaign *a, const Campaign *b)
{
  return g_date_compare(&a->order_from, &b->order_to) <= 0 && g_date_compare(&b->order_from, &a->order_to) <= 0;
}

static gboolean
same_exclusive_group(const Campaign *a, const Campaign *b)
{
  return g_str_equal(a->stack_group, b->stack_group) && a->stack_mode == CAMPAIGN_STACK_EXCLUSIVE;
}

/* Why A and B may not both be in force, or NULL when they may. A and B overlap in time. */
static const char *
contradiction(const Campaign *a, const Campaign *b)
{
  if (a->kind == CAMPAIGN_RATE && b->kind == CAMPAIGN_RATE && !same_exclusive_group(a, b))
    return "are both RATE with overlapping order windows and not in one exclusive group: "
           "two rates cannot both apply to one order";
  if ((a->kind == CAMPAIGN_WAIVE_ALL || b->kind == CAMPAIGN_WAIVE_ALL) && g_str_equal(a->stack_group, b->stack_group)
      && a->stack_mode == CAMPAIGN_STACK_STACKABLE)
    return "overlap in the stackable group, and one of them is WAIVE_ALL: "
           "nothing can stack on every fee waived";
  return NULL;
}

static gboolean
check_stacking(const CampaignSet *set, GError **error)
{
  for (guint i = 0; i < set->campaigns->len; i++) {
    const Campaign *a = set->campaigns->pdata[i];
    for (guint j = i + 1; j < set->campaigns->len; j++) {
      const Campaign *b = set->campaigns->pdata[j];
      const char *why = windows_overlap(a, b) ? contradiction(a, b) : NULL;
      if (why) {
        g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_STACKING,
                    "%s:%d: campaigns %s (line %d) and %s (line %d) %s", set->path, b->line, a->id, a->line, b->id,
                    b->line, why);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean
read_campaigns(const Keyfile *k, char **names, GHashTable *groups, CampaignSet *set, GError **error)
{
  for (int i = 0; names[i]; i++) {
    if (g_str_equal(names[i], "policy") || g_str_has_prefix(names[i], "group "))
      continue;
    if (!g_str_has_prefix(names[i], "campaign ")) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_UNKNOWN,
                  "%s:%d: unknown group [%s]; the catalogue has [policy], [group NAME] and [campaign ID]", k->path,
                  keyfile_line(k, names[i], NULL), names[i]);
      return FALSE;
    }
    Campaign *c = read_campaign(k, names[i], groups, error);
    if (!c)
      return FALSE;
    g_ptr_array_add(set->campaigns, c);
  }
  if (set->campaigns->len == 0) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE, "%s: no [campaign ID] group", k->path);
    return FALSE;
  }
  return TRUE;
}

static CampaignSet *
load_set(const char *path, GError **error)
{
  g_autoptr(Keyfile) k = keyfile_load_with(path, KEYFILE_REFUSE_REPEATS, error);
  if (!k)   /* a group or key written twice is refused by the key file itself */
    return NULL;
  g_autoptr(CampaignSet) set = g_new0(CampaignSet, 1);
  set->path = g_strdup(path);
  set->text = g_strdup(k->text);
  set->sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, k->text, -1);
  set->campaigns = g_ptr_array_new_with_free_func((GDestroyNotify) campaign_free);
  g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) names = g_key_file_get_groups(k->kf, NULL);
  if (!read_policy(k, set, error) || !read_groups(k, names, groups, error)
      || !read_campaigns(k, names, groups, set, error) || !check_stacking(set, error))
    return NULL;
  return g_steal_pointer(&set);
}

/* The keyfile helpers' errors become CAMPAIGN_ERROR: FILE for an unreadable or
 * malformed file, KEY for the rest; the message is kept as it is. */
CampaignSet *
campaign_set_load(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  CampaignSet *set = load_set(path, &local);
  if (set)
    return set;
  if (local->domain == CAMPAIGN_ERROR) {
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  CampaignError code = local->domain == KEYFILE_ERROR && local->code == KEYFILE_ERROR_FILE ? CAMPAIGN_ERROR_FILE
                                                                                          : CAMPAIGN_ERROR_KEY;
  g_set_error_literal(error, CAMPAIGN_ERROR, code, local->message);
  return NULL;
}

/* ---- shares of a group ---- */

gint64
campaign_share(gint64 whole, const gint64 *weights, guint n, guint index)
{
  if (!weights || n == 0)
    return whole;
  gint64 total = 0;
  for (guint i = 0; i < n; i++)
    total += weights[i];
  if (total <= 0)
    return index == 0 ? whole : 0;
  gint64 rest = whole;
  for (guint i = 1; i < n; i++) {
    gint64 part = (gint64) ((MoneyInt128) whole * weights[i] / total);
    if (i == index)
      return part;
    rest -= part;
  }
  return rest;
}

/* ---- storing ---- */

static char *
list_text(char **items)
{
  return items ? g_strjoinv(",", items) : g_strdup("");
}

static char *
ints_text(const int *values, guint n)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, "%s%d", i ? "," : "", values[i]);
  return g_string_free(s, FALSE);
}

static char *
days_text(guint32 days)
{
  GString *s = g_string_new(NULL);
  for (int d = 1; d <= CAMPAIGN_STATEMENT_DAY_MAX; d++)
    if (days & (1u << d))
      g_string_append_printf(s, "%s%d", s->len ? "," : "", d);
  return g_string_free(s, FALSE);
}

/* The definition as stored, one normalised field a line: its sha256 tells a changed
 * campaign from one only rewritten (comments, order of keys, 30 for 30.00). */
static char *
canonical_form(const Campaign *c, gint64 budget_fen, gint64 usage_limit)
{
  g_autofree char *products = list_text(c->products);
  g_autofree char *terms = ints_text(c->terms, c->n_terms);
  g_autofree char *days = days_text(c->statement_days);
  g_autofree char *segments = list_text(c->segments);
  g_autofree char *merchants = list_text(c->merchants);
  g_autofree char *categories = list_text(c->categories);
  char from[DATE_TEXT_SIZE], to[DATE_TEXT_SIZE];
  date_format(&c->order_from, from);
  date_format(&c->order_to, to);
  return g_strdup_printf("id=%s\nname=%s\nkind=%s\nfree_periods=%d\nrate_ppm=%" G_GINT64_FORMAT
                         "\npercent_ppm=%" G_GINT64_FORMAT "\namount_off_fen=%" G_GINT64_FORMAT
                         "\nfunder=%s\nproducts=%s\nterms=%s\namount_min_fen=%" G_GINT64_FORMAT
                         "\namount_max_fen=%" G_GINT64_FORMAT "\norder_from=%s\norder_to=%s\nnew_users_only=%d"
                         "\nstatement_days=%s\nsegments=%s\nmerchants=%s\ncategories=%s\ncoupon_required=%d"
                         "\ncoupon_return_days=%d\nper_user_limit=%d\nusage_limit=%" G_GINT64_FORMAT
                         "\nbudget_fen=%" G_GINT64_FORMAT "\nbudget_partial=%d\nstack_group=%s\nstack_mode=%s"
                         "\npriority=%d\n",
                         c->id, c->name, campaign_kind_to_string(c->kind), c->free_periods, c->rate_ppm,
                         c->percent_ppm, c->amount_off_fen, campaign_funder_to_string(c->funder), products, terms,
                         c->amount_min_fen, c->amount_max_fen, from, to, c->new_users_only, days, segments,
                         merchants, categories, c->coupon_required, c->coupon_return_days, c->per_user_limit,
                         usage_limit, budget_fen, c->budget_partial, c->stack_group,
                         campaign_stack_mode_to_string(c->stack_mode), c->priority);
}

/* A list as ','-joined text, or NULL (no restriction): items hold no ',' (read_list). */
static char *
opt_list(char **items)
{
  return items ? g_strjoinv(",", items) : NULL;
}

static char *
opt_text(const char *csv)
{
  return *csv ? g_strdup(csv) : NULL;
}

/* NULL for 0 ("none"), else the number. */
static char *
opt_int(gint64 v)
{
  return v ? g_strdup_printf("%" G_GINT64_FORMAT, v) : NULL;
}

/* What a campaign becomes on this database: its budget and usage limit scaled. */
typedef struct {
  const Campaign *c;
  gint64 budget_fen;
  gint64 usage_limit;   /* 0: none */
  char *sha256;
} Staged;

/* The columns of queries/campaigns/20_insert_versions, $1 … $29, one array each; $30
 * is the file. */
#define VERSION_COLUMNS 29

/* S's value of each column (NULL: SQL NULL), owned. */
static void
version_row(const Staged *s, char *row[VERSION_COLUMNS])
{
  const Campaign *c = s->c;
  char from[DATE_TEXT_SIZE], to[DATE_TEXT_SIZE];
  date_format(&c->order_from, from);
  date_format(&c->order_to, to);
  g_autofree char *terms = ints_text(c->terms, c->n_terms);
  g_autofree char *days = days_text(c->statement_days);
  char *values[VERSION_COLUMNS] = {
    g_strdup(c->id), g_strdup(c->name), g_strdup(campaign_kind_to_string(c->kind)),
    c->kind == CAMPAIGN_FREE_PERIODS ? g_strdup_printf("%d", c->free_periods) : NULL,
    c->kind == CAMPAIGN_RATE ? g_strdup_printf("%" G_GINT64_FORMAT, c->rate_ppm) : NULL,
    c->kind == CAMPAIGN_PERCENT ? opt_int(c->percent_ppm) : NULL,
    c->kind == CAMPAIGN_AMOUNT_OFF ? opt_int(c->amount_off_fen) : NULL,
    g_strdup(campaign_funder_to_string(c->funder)), opt_list(c->products), opt_text(terms),
    opt_int(c->amount_min_fen), opt_int(c->amount_max_fen), g_strdup(from), g_strdup(to),
    g_strdup(c->new_users_only ? "true" : "false"), opt_text(days), opt_list(c->segments),
    opt_list(c->merchants), opt_list(c->categories), g_strdup(c->coupon_required ? "true" : "false"),
    g_strdup_printf("%d", c->coupon_return_days), opt_int(c->per_user_limit), opt_int(s->usage_limit),
    g_strdup_printf("%" G_GINT64_FORMAT, s->budget_fen), g_strdup(c->budget_partial ? "PARTIAL" : "NONE"),
    g_strdup(c->stack_group), g_strdup(campaign_stack_mode_to_string(c->stack_mode)),
    g_strdup_printf("%d", c->priority), g_strdup(s->sha256),
  };
  memcpy(row, values, sizeof(values));
}

/* Every definition not yet one of its campaign's versions becomes the next version;
 * one statement for the whole catalogue, the columns as arrays. */
static gboolean
insert_versions(PGconn *conn, const Staged *staged, guint n, const char *file_id, GError **error)
{
  GPtrArray *columns[VERSION_COLUMNS];
  for (guint j = 0; j < VERSION_COLUMNS; j++)
    columns[j] = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n; i++) {
    char *row[VERSION_COLUMNS];
    version_row(&staged[i], row);
    for (guint j = 0; j < VERSION_COLUMNS; j++)
      g_ptr_array_add(columns[j], row[j]);
  }
  char *arrays[VERSION_COLUMNS];
  const char *params[VERSION_COLUMNS + 1];
  for (guint j = 0; j < VERSION_COLUMNS; j++)
    params[j] = arrays[j] = db_array_literal((const char *const *) columns[j]->pdata, n);
  params[VERSION_COLUMNS] = file_id;
  gboolean ok = stmt_exec(conn, "queries/campaigns/20_insert_versions", VERSION_COLUMNS + 1, params, error);
  for (guint j = 0; j < VERSION_COLUMNS; j++) {
    g_free(arrays[j]);
    g_ptr_array_unref(columns[j]);
  }
  return ok;
}

/* Points each campaign at the version of its definition (new, or an earlier one come
 * back); *CHANGED counts those added or moved. */
static gboolean
set_current(PGconn *conn, const Staged *staged, guint n, guint *changed, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new();
  g_autoptr(GPtrArray) shas = g_ptr_array_new();
  for (guint i = 0; i < n; i++) {
    g_ptr_array_add(ids, staged[i].c->id);
    g_ptr_array_add(shas, staged[i].sha256);
  }
  g_autofree char *id_array = db_array_literal((const char *const *) ids->pdata, n);
  g_autofree char *sha_array = db_array_literal((const char *const *) shas->pdata, n);
  const char *params[] = { id_array, sha_array };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/campaigns/21_set_current", 2, params, error);
  if (!res)
    return FALSE;
  *changed = (guint) PQntuples(res);
  return TRUE;
}

/* A budget may shrink, never below what the campaign has granted; a usage limit
 * never below the uses made. Checked for every campaign before anything is written. */
static gboolean
check_counters(PGconn *conn, const Staged *staged, guint n, GError **error)
{
  g_autoptr(PGresult) res = stmt_query(conn, "queries/campaigns/11_counters", 0, NULL, error);
  if (!res)
    return FALSE;
  g_autoptr(GHashTable) rows = g_hash_table_new(g_str_hash, g_str_equal);
  for (int r = 0; r < PQntuples(res); r++)
    g_hash_table_insert(rows, PQgetvalue(res, r, 0), GINT_TO_POINTER(r + 1));
  for (guint i = 0; i < n; i++) {
    int r = GPOINTER_TO_INT(g_hash_table_lookup(rows, staged[i].c->id)) - 1;
    if (r < 0)
      continue;
    gint64 consumed = g_ascii_strtoll(PQgetvalue(res, r, 1), NULL, 10);
    gint64 uses = g_ascii_strtoll(PQgetvalue(res, r, 2), NULL, 10);
    if (staged[i].budget_fen < consumed) {
      g_autofree char *b = money_format_fen(staged[i].budget_fen);
      g_autofree char *u = money_format_fen(consumed);
      g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_STORE,
                  "campaign %s: budget %s is below the %s it has already consumed; nothing stored",
                  staged[i].c->id, b, u);
      return FALSE;
    }
    if (staged[i].usage_limit && staged[i].usage_limit < uses) {
      g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_STORE,
                  "campaign %s: usage_limit %" G_GINT64_FORMAT " is below the %" G_GINT64_FORMAT
                  " uses it has already had; nothing stored", staged[i].c->id, staged[i].usage_limit, uses);
      return FALSE;
    }
  }
  return TRUE;
}

static void
staged_clear(Staged *staged, guint n)
{
  for (guint i = 0; i < n; i++)
    g_free(staged[i].sha256);
  g_free(staged);
}

/* Each campaign's share on this database. A usage limit whose share would be 0 would
 * read as "no limit": refused, as the whole would be overspent. */
static Staged *
stage_all(const CampaignSet *set, const gint64 *weights, guint n, guint index, GError **error)
{
  guint len = set->campaigns->len;
  Staged *staged = g_new0(Staged, len);
  for (guint i = 0; i < len; i++) {
    const Campaign *c = set->campaigns->pdata[i];
    staged[i].c = c;
    staged[i].budget_fen = campaign_share(c->budget_fen, weights, n, index);
    staged[i].usage_limit = c->usage_limit ? campaign_share(c->usage_limit, weights, n, index) : 0;
    if (c->usage_limit && staged[i].usage_limit == 0) {
      g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_STORE,
                  "%s:%d: campaign %s: usage_limit %d cannot be shared over the group's shards "
                  "(one shard's share would be no use at all); raise it", set->path, c->line, c->id,
                  c->usage_limit);
      staged_clear(staged, len);
      return NULL;
    }
    g_autofree char *form = canonical_form(c, staged[i].budget_fen, staged[i].usage_limit);
    staged[i].sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, form, -1);
  }
  return staged;
}

gboolean
campaign_set_check_shares(const CampaignSet *set, const gint64 *weights, guint n, GError **error)
{
  for (guint i = 0; i < n; i++) {
    Staged *staged = stage_all(set, weights, n, i, error);
    if (!staged)
      return FALSE;
    staged_clear(staged, set->campaigns->len);
  }
  return TRUE;
}

/* Records the file; NULL in *FILE_ID (and TRUE) when the same file was loaded before. */
static gboolean
record_file(PGconn *conn, const CampaignSet *set, char **file_id, GError **error)
{
  g_autofree char *base = g_path_get_basename(set->path);
  g_autofree char *size = g_strdup_printf("%zu", strlen(set->text));
  g_autofree char *rows = g_strdup_printf("%u", set->campaigns->len);
  const char *params[] = { base, set->sha256, size, rows };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/campaigns/10_record_file", 4, params, error);
  if (!res)
    return FALSE;
  *file_id = PQntuples(res) ? g_strdup(PQgetvalue(res, 0, 0)) : NULL;
  return TRUE;
}

static gboolean
store_policy(PGconn *conn, const CampaignSet *set, const char *file_id, GError **error)
{
  g_autofree char *cap = opt_int(set->max_order_discount_fen);
  const char *params[] = { cap, file_id };
  return stmt_exec(conn, "queries/campaigns/22_policy", 2, params, error);
}

static gboolean
store_staged(PGconn *conn, const CampaignSet *set, const Staged *staged, const char *file_id, guint *changed,
             GError **error)
{
  if (!check_counters(conn, staged, set->campaigns->len, error))
    return FALSE;
  return insert_versions(conn, staged, set->campaigns->len, file_id, error)
         && set_current(conn, staged, set->campaigns->len, changed, error) && store_policy(conn, set, file_id, error);
}

gboolean
campaign_set_stage(PGconn *conn, const CampaignSet *set, const gint64 *weights, guint n, guint index,
                   guint *changed, GError **error)
{
  *changed = 0;
  Staged *staged = stage_all(set, weights, n, index, error);
  if (!staged)
    return FALSE;
  g_autofree char *file_id = NULL;
  gboolean ok = record_file(conn, set, &file_id, error);
  if (ok && file_id)
    ok = store_staged(conn, set, staged, file_id, changed, error);
  staged_clear(staged, set->campaigns->len);
  return ok;
}

/* SHARE_NUM/SHARE_DEN as the weights {den - num, num} of a two-shard group, taken for
 * the second: floor (x × num / den), the remainder going to the other. */
gboolean
campaign_set_store(PGconn *conn, const CampaignSet *set, gint64 share_num, gint64 share_den, guint *changed,
                   GError **error)
{
  *changed = 0;
  if (share_den <= 0 || share_num < 0 || share_num > share_den) {
    g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_STORE,
                "budget share %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " is not a share", share_num, share_den);
    return FALSE;
  }
  const gint64 weights[] = { share_den - share_num, share_num };
  if (!db_begin(conn, error))
    return FALSE;
  if (!campaign_set_stage(conn, set, weights, 2, 1, changed, error) || !db_commit(conn, error)) {
    db_rollback(conn);
    *changed = 0;
    return FALSE;
  }
  return TRUE;
}

/* ---- reading back ---- */

/* The columns of queries/campaigns/30_live, in order. */
enum {
  L_ID, L_VERSION, L_NAME, L_KIND, L_FREE, L_RATE, L_PERCENT, L_AMOUNT_OFF, L_FUNDER, L_PRODUCTS, L_TERMS,
  L_AMOUNT_MIN, L_AMOUNT_MAX, L_FROM, L_TO, L_NEW_USERS, L_DAYS, L_SEGMENTS, L_MERCHANTS, L_CATEGORIES,
  L_COUPON, L_RETURN_DAYS, L_PER_USER, L_USAGE, L_BUDGET, L_OVERFLOW, L_GROUP, L_MODE, L_PRIORITY,
  L_BUDGET_LEFT, L_USES_LEFT,
};

static gint64
col_int(PGresult *res, int row, int col)
{
  return PQgetisnull(res, row, col) ? 0 : g_ascii_strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static char **
col_list(PGresult *res, int row, int col)
{
  return PQgetisnull(res, row, col) ? NULL : g_strsplit(PQgetvalue(res, row, col), ",", -1);
}

static gboolean
col_bool(PGresult *res, int row, int col)
{
  return g_str_equal(PQgetvalue(res, row, col), "t");
}

static void
row_lists(PGresult *res, int r, Campaign *c)
{
  c->products = col_list(res, r, L_PRODUCTS);
  c->segments = col_list(res, r, L_SEGMENTS);
  c->merchants = col_list(res, r, L_MERCHANTS);
  c->categories = col_list(res, r, L_CATEGORIES);
  g_auto(GStrv) terms = col_list(res, r, L_TERMS);
  c->n_terms = terms ? g_strv_length(terms) : 0;
  c->terms = terms ? g_new0(int, c->n_terms) : NULL;
  for (guint i = 0; i < c->n_terms; i++)
    c->terms[i] = (int) g_ascii_strtoll(terms[i], NULL, 10);
  g_auto(GStrv) days = col_list(res, r, L_DAYS);
  for (int i = 0; days && days[i]; i++)
    c->statement_days |= 1u << (guint) g_ascii_strtoll(days[i], NULL, 10);
}

static Campaign *
row_campaign(PGresult *res, int r, GError **error)
{
  g_autoptr(Campaign) c = g_new0(Campaign, 1);
  c->id = g_strdup(PQgetvalue(res, r, L_ID));
  c->version = (int) col_int(res, r, L_VERSION);
  c->name = g_strdup(PQgetvalue(res, r, L_NAME));
  c->free_periods = (int) col_int(res, r, L_FREE);
  c->rate_ppm = col_int(res, r, L_RATE);
  c->percent_ppm = col_int(res, r, L_PERCENT);
  c->amount_off_fen = col_int(res, r, L_AMOUNT_OFF);
  c->amount_min_fen = col_int(res, r, L_AMOUNT_MIN);
  c->amount_max_fen = col_int(res, r, L_AMOUNT_MAX);
  c->new_users_only = col_bool(res, r, L_NEW_USERS);
  c->coupon_required = col_bool(res, r, L_COUPON);
  c->coupon_return_days = (int) col_int(res, r, L_RETURN_DAYS);
  c->per_user_limit = (int) col_int(res, r, L_PER_USER);
  c->usage_limit = (int) col_int(res, r, L_USAGE);
  c->budget_fen = col_int(res, r, L_BUDGET);
  c->budget_partial = g_str_equal(PQgetvalue(res, r, L_OVERFLOW), "PARTIAL");
  c->stack_group = g_strdup(PQgetvalue(res, r, L_GROUP));
  c->priority = (int) col_int(res, r, L_PRIORITY);
  row_lists(res, r, c);
  if (!campaign_kind_from_string(PQgetvalue(res, r, L_KIND), &c->kind)
      || !campaign_funder_from_string(PQgetvalue(res, r, L_FUNDER), &c->funder)
      || !campaign_stack_mode_from_string(PQgetvalue(res, r, L_MODE), &c->stack_mode)
      || !date_parse(PQgetvalue(res, r, L_FROM), &c->order_from, NULL)
      || !date_parse(PQgetvalue(res, r, L_TO), &c->order_to, NULL)) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "campaign %s version %d: a value the catalogue cannot hold",
                c->id, c->version);
    return NULL;
  }
  return g_steal_pointer(&c);
}

static gboolean
read_policy_cap(PGconn *conn, gint64 *cap, GError **error)
{
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/campaigns/31_policy", 0, NULL, error);
  if (!res)
    return FALSE;
  *cap = col_int(res, 0, 0);
  return TRUE;
}

CampaignLive *
campaign_live_read(PGconn *conn, const char *date, GError **error)
{
  const char *params[] = { date };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/campaigns/30_live", 1, params, error);
  if (!res)
    return NULL;
  g_autoptr(CampaignLive) live = g_new0(CampaignLive, 1);
  live->campaigns = g_ptr_array_new_with_free_func((GDestroyNotify) campaign_free);
  live->budget_left_fen = g_array_new(FALSE, FALSE, sizeof(gint64));
  live->uses_left = g_array_new(FALSE, FALSE, sizeof(gint64));
  for (int r = 0; r < PQntuples(res); r++) {
    Campaign *c = row_campaign(res, r, error);
    if (!c)
      return NULL;
    g_ptr_array_add(live->campaigns, c);
    gint64 left = col_int(res, r, L_BUDGET_LEFT), uses = col_int(res, r, L_USES_LEFT);
    g_array_append_val(live->budget_left_fen, left);
    g_array_append_val(live->uses_left, uses);
  }
  if (!read_policy_cap(conn, &live->max_order_discount_fen, error))
    return NULL;
  return g_steal_pointer(&live);
}
