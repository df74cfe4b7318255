/* test-history-model.c — paged, filtered history over a million invoices
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One journal of N_BIG invoices is generated once (direct SQL on the file, in
 * the schema of docs/journal.md, then opened with KassaJournal). Invoice i
 * has a value of every column that is a function of i, so each assertion is
 * checked against arithmetic, not against the code under test. The live
 * updates run a real KassaTill against the in-process training bank.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "kassa-history-model.h"
#include "kassa-journal-query.h"
#include "kassa-test-util.h"
#include "kassa-training.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close_v2)

#define N_BIG      1000000
#define PAGE       KASSA_HISTORY_MODEL_PAGE_SIZE
#define LIMIT_S    20

/* 2025-06-01 00:00:00 UTC; two invoices per minute (so created times tie). */
#define BASE_US    G_GINT64_CONSTANT (1748736000000000)
#define STEP_US    (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

static char *big_dir;
static char *big_path;

/* The generated invoice i. */
static void
expected_number (guint  i,
                 char  *buf)
{
  g_snprintf (buf, 16, "H%07u", i);
}

static KassaInvoiceState
expected_state (guint i)
{
  static const KassaInvoiceState states[] = {
    KASSA_INVOICE_PAID, KASSA_INVOICE_REFUNDED, KASSA_INVOICE_CANCELLED,
    KASSA_INVOICE_DECLINED, KASSA_INVOICE_EXPIRED,
  };

  return states[i % 5];
}

static gint64
expected_amount (guint i)
{
  return 1000 + (gint64) (i % 997) * 100;
}

static char *
expected_reference (guint i)
{
  return i % 10 == 3 ? g_strdup_printf ("order-%u", i) : NULL;
}

/* The same without an allocation (the predicates run a million times). */
static const char *
expected_reference_buf (guint  i,
                        char  *buf)
{
  if (i % 10 != 3)
    return NULL;
  g_snprintf (buf, 24, "order-%u", i);
  return buf;
}

static gint64
expected_created_us (guint i)
{
  return BASE_US + (gint64) (i / 2) * STEP_US;
}

static void
generate_big_journal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *sql = NULL;
  char *message = NULL;
  gint64 start = g_get_monotonic_time ();

  /* The isolated per-test folders do not exist yet: one of our own. */
  big_dir = g_dir_make_tmp ("kassa-history-XXXXXX", &error);
  g_assert_no_error (error);
  big_path = g_build_filename (big_dir, "big.sqlite", NULL);

  /* The journal creates the schema; then the rows go in by plain SQL. */
  journal = kassa_journal_open (big_path, &error);
  g_assert_no_error (error);
  kassa_journal_close (journal);

  g_assert_cmpint (sqlite3_open (big_path, &db), ==, SQLITE_OK);
  /* Bulk load: no rollback journal, and the two secondary indexes built
   * once at the end (a sort) rather than row by row. */
  sql = g_strdup_printf (
    "PRAGMA synchronous=OFF;"
    "PRAGMA journal_mode=OFF;"
    "PRAGMA cache_size=-65536;"
    "BEGIN;"
    "DROP INDEX invoices_created;"
    "DROP INDEX invoices_state;"
    "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) "
    "INSERT INTO invoices (number, terminal, amount, method, reference, created_at, state, "
    "                      updated_at) "
    "SELECT printf('H%%07d', i), '12345678', 1000 + (i %% 997) * 100, 'qr', "
    "       CASE WHEN i %% 10 = 3 THEN 'order-' || i END, "
    "       %" G_GINT64_FORMAT " + (i / 2) * %" G_GINT64_FORMAT ", "
    "       CASE i %% 5 WHEN 0 THEN 'PAID' WHEN 1 THEN 'REFUNDED' WHEN 2 THEN 'CANCELLED' "
    "                   WHEN 3 THEN 'DECLINED' ELSE 'EXPIRED' END, "
    "       %" G_GINT64_FORMAT " FROM seq;"
    "CREATE INDEX invoices_created ON invoices (created_at);"
    "CREATE INDEX invoices_state ON invoices (state);"
    "COMMIT;",
    N_BIG - 1, BASE_US, STEP_US, BASE_US);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("Generating the journal failed: %s", message);

  g_test_message ("Generated %d invoices in %.1f s", N_BIG,
                  (g_get_monotonic_time () - start) / 1e6);
}

static KassaJournal *
open_big (void)
{
  g_autoptr(GError) error = NULL;
  KassaJournal *journal = kassa_journal_open (big_path, &error);

  g_assert_no_error (error);
  return journal;
}

/* Asserts that item @position of @model is generated invoice @i. */
static void
assert_item (GListModel *model,
             guint       position,
             guint       i)
{
  g_autoptr(KassaInvoice) invoice = g_list_model_get_item (model, position);
  g_autofree char *reference = expected_reference (i);
  char number[16];

  expected_number (i, number);
  g_assert_nonnull (invoice);
  g_assert_cmpstr (kassa_invoice_get_number (invoice), ==, number);
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, expected_amount (i));
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, expected_state (i));
  g_assert_cmpstr (kassa_invoice_get_reference (invoice), ==, reference);
  g_assert_cmpint (g_date_time_to_unix (kassa_invoice_get_created (invoice)), ==,
                   expected_created_us (i) / G_USEC_PER_SEC);
}

/* Counts the generated invoices @pred accepts, and the @nth (newest first). */
typedef gboolean (*Pred) (guint i, gconstpointer data);

static guint
expected_matches (Pred           pred,
                  gconstpointer  data,
                  GArray        *out_newest_first)
{
  guint n = 0;

  for (guint k = N_BIG; k-- > 0;)
    if (pred (k, data))
      {
        n++;
        if (out_newest_first != NULL)
          g_array_append_val (out_newest_first, k);
      }

  return n;
}

/* Compares @model (count, a few pages across boundaries, the end) with @pred. */
static void
assert_model_matches (GListModel    *model,
                      Pred           pred,
                      gconstpointer  data)
{
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n = expected_matches (pred, data, want);
  guint probes[] = { 0, 1, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE - 1, 3 * PAGE, n / 2, n - 2, n - 1 };

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  for (guint p = 0; p < G_N_ELEMENTS (probes); p++)
    if (probes[p] < n)
      assert_item (model, probes[p], g_array_index (want, guint, probes[p]));

  g_assert_null (g_list_model_get_item (model, n));
  g_assert_null (g_list_model_get_item (model, n + PAGE));
}

/* ── the big journal ──────────────────────────────────────────────────── */

static gboolean
pred_all (guint i, gconstpointer data)
{
  return TRUE;
}

static void
test_order_and_paging (void)
{
  g_autoptr(KassaJournal) journal = open_big ();
  g_autoptr(KassaHistoryModel) model = kassa_history_model_new (journal, NULL);
  GListModel *list = G_LIST_MODEL (model);
  guint by_offset = 0, by_key = 0;

  g_assert_true (g_list_model_get_item_type (list) == KASSA_TYPE_INVOICE);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, N_BIG);
  g_assert_cmpuint (kassa_history_model_get_n_pages (model), ==, 0);

  /* A jump to the end (OFFSET) and its count, timed for the log (not asserted:
   * timing targets belong in bench/). */
  {
    gint64 start = g_get_monotonic_time ();

    assert_item (list, N_BIG - 1, 0);
    g_test_message ("Jump to row %d: %.1f ms", N_BIG - 1,
                    (g_get_monotonic_time () - start) / 1e3);
    start = g_get_monotonic_time ();
    kassa_history_model_refresh (model);
    g_test_message ("Count of %d: %.1f ms", N_BIG, (g_get_monotonic_time () - start) / 1e3);
  }

  /* Newest first; ties (two invoices per minute) by insertion, newest first. */
  assert_model_matches (list, pred_all, NULL);

  /* A sequential walk over 12 pages sees every invoice once, in order, and
   * reads the pages after the first by key, not by OFFSET. */
  kassa_history_model_refresh (model);
  for (guint p = 0; p < 12 * PAGE; p++)
    assert_item (list, p, N_BIG - 1 - p);
  kassa_history_model_get_page_reads (model, &by_offset, &by_key);
  g_assert_cmpuint (by_key, >=, 11);

  /* Memory stays bounded: never more than MAX_PAGES pages held. */
  g_assert_cmpuint (kassa_history_model_get_n_pages (model), ==, KASSA_HISTORY_MODEL_MAX_PAGES);
  for (guint p = 0; p < N_BIG; p += N_BIG / 40)
    assert_item (list, p, N_BIG - 1 - p);
  g_assert_cmpuint (kassa_history_model_get_n_pages (model), <=, KASSA_HISTORY_MODEL_MAX_PAGES);

  /* The same invoice is the same object while alive. */
  {
    g_autoptr(KassaInvoice) a = g_list_model_get_item (list, 5);
    g_autoptr(KassaInvoice) b = g_list_model_get_item (list, 5);
    g_autoptr(GError) error = NULL;
    g_autoptr(KassaInvoice) c = kassa_journal_lookup (journal, kassa_invoice_get_number (a),
                                                      &error);

    g_assert_no_error (error);
    g_assert_true (a == b);
    g_assert_true (a == c);
  }
}

static gboolean
pred_state (guint i, gconstpointer data)
{
  return (GPOINTER_TO_UINT (data) & KASSA_JOURNAL_FILTER_STATE (expected_state (i))) != 0;
}

typedef struct { gint64 from_us, to_us; } Range;

static gboolean
pred_created (guint i, gconstpointer data)
{
  const Range *r = data;
  gint64 c = expected_created_us (i);

  return c >= r->from_us && c < r->to_us;
}

typedef struct { gint64 min, max; } Amounts;

static gboolean
pred_amount (guint i, gconstpointer data)
{
  const Amounts *a = data;
  gint64 amount = expected_amount (i);

  return (a->min == 0 || amount >= a->min) && (a->max == 0 || amount <= a->max);
}

static gboolean
pred_text (guint i, gconstpointer data)
{
  char buf[24];
  const char *reference = expected_reference_buf (i, buf);
  char number[16];

  expected_number (i, number);
  return strstr (number, data) != NULL || (reference != NULL && strstr (reference, data) != NULL);
}

typedef struct { guint32 states; gint64 min; const char *text; } Combined;

static gboolean
pred_combined (guint i, gconstpointer data)
{
  const Combined *c = data;

  return pred_state (i, GUINT_TO_POINTER (c->states)) &&
         expected_amount (i) >= c->min && pred_text (i, c->text);
}

typedef struct { guint position, removed, added, calls; } Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
  changes->calls++;
}

static void
test_filters (void)
{
  g_autoptr(KassaJournal) journal = open_big ();
  g_autoptr(KassaHistoryModel) model = kassa_history_model_new (journal, NULL);
  g_autoptr(KassaJournalFilter) filter = kassa_journal_filter_new ();
  GListModel *list = G_LIST_MODEL (model);
  Changes changes = { 0 };
  guint32 paid = KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_PAID);
  guint32 two = paid | KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_DECLINED);
  Range range = { BASE_US + 100000 * STEP_US, BASE_US + 200000 * STEP_US };
  Amounts amounts = { 2000, 2900 };
  Amounts min_only = { 99000, 0 };
  Combined combined = { paid, 50000, "order-12" };

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);

  /* One state: every fifth invoice. */
  filter->states = paid;
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (changes.calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, N_BIG);
  g_assert_cmpuint (changes.added, ==, N_BIG / 5);
  assert_model_matches (list, pred_state, GUINT_TO_POINTER (paid));

  /* An equal filter changes nothing. */
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (changes.calls, ==, 1);

  filter->states = two;
  kassa_history_model_set_filter (model, filter);
  assert_model_matches (list, pred_state, GUINT_TO_POINTER (two));

  /* Created in [from, to): half-open. */
  filter->states = 0;
  filter->from = g_date_time_new_from_unix_utc (range.from_us / G_USEC_PER_SEC);
  filter->to = g_date_time_new_from_unix_utc (range.to_us / G_USEC_PER_SEC);
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 200000);
  assert_model_matches (list, pred_created, &range);
  g_clear_pointer (&filter->from, g_date_time_unref);
  g_clear_pointer (&filter->to, g_date_time_unref);

  /* Amounts, inclusive. */
  filter->amount_min = amounts.min;
  filter->amount_max = amounts.max;
  kassa_history_model_set_filter (model, filter);
  assert_model_matches (list, pred_amount, &amounts);
  filter->amount_min = min_only.min;
  filter->amount_max = 0;
  kassa_history_model_set_filter (model, filter);
  assert_model_matches (list, pred_amount, &min_only);
  filter->amount_min = 0;

  /* Text: an invoice number, part of one, a reference, case-insensitively. */
  filter->text = g_strdup ("H0123456");
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  assert_item (list, 0, 123456);
  g_free (filter->text);
  filter->text = g_strdup ("h012345");
  kassa_history_model_set_filter (model, filter);
  assert_model_matches (list, pred_text, "H012345");
  g_free (filter->text);
  filter->text = g_strdup ("order-4567");
  kassa_history_model_set_filter (model, filter);
  assert_model_matches (list, pred_text, "order-4567");
  g_assert_cmpuint (g_list_model_get_n_items (list), >, 1);

  /* LIKE's wildcards are literal: "_" matches only an underscore. */
  g_free (filter->text);
  filter->text = g_strdup ("order_4567");
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_assert_null (g_list_model_get_item (list, 0));
  g_free (filter->text);
  filter->text = g_strdup ("%");
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_clear_pointer (&filter->text, g_free);

  /* Everything at once. */
  filter->states = combined.states;
  filter->amount_min = combined.min;
  filter->text = g_strdup (combined.text);
  kassa_history_model_set_filter (model, filter);
  assert_model_matches (list, pred_combined, &combined);

  /* A filter nothing can match (min > max) is simply empty. */
  filter->amount_min = 5000;
  filter->amount_max = 4000;
  kassa_history_model_set_filter (model, filter);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);

  /* NULL is everything again. */
  kassa_history_model_set_filter (model, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, N_BIG);
  g_assert_cmpuint (changes.added, ==, N_BIG);
  g_assert_null (kassa_history_model_get_error (model));
}

static void
test_filter_matches_sql (void)
{
  g_autoptr(KassaJournal) journal = open_big ();
  g_autoptr(KassaJournalFilter) filter = kassa_journal_filter_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = kassa_journal_lookup (journal, "H0004563", &error);
  guint position = 0;

  g_assert_no_error (error);

  /* The C predicate agrees with the SQL, and the position is its index. */
  g_assert_true (kassa_journal_filter_matches (filter, invoice));
  g_assert_true (kassa_journal_invoice_position (journal, filter, invoice, &position, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (position, ==, N_BIG - 1 - 4563);

  filter->text = g_strdup ("ORDER-4563");
  g_assert_true (kassa_journal_filter_matches (filter, invoice));
  g_assert_true (kassa_journal_invoice_position (journal, filter, invoice, &position, &error));
  {
    guint newer = 0;

    /* "order-14563", "order-45633", … are newer matches (ASCII case folded). */
    for (guint k = 4564; k < N_BIG; k++)
      newer += pred_text (k, "order-4563");
    g_assert_cmpuint (newer, >, 0);
    g_assert_cmpuint (position, ==, newer);
  }

  filter->states = KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_PAID);
  g_assert_false (kassa_journal_filter_matches (filter, invoice)); /* 4563 % 5 = 3: DECLINED */
  g_assert_false (kassa_journal_invoice_position (journal, filter, invoice, &position, &error));
  g_assert_no_error (error);

  /* A closed journal is an error, not a crash. */
  kassa_journal_close (journal);
  g_assert_false (kassa_journal_count_invoices (journal, NULL, &position, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_clear_error (&error);
  {
    g_autoptr(KassaHistoryModel) model = kassa_history_model_new (journal, NULL);

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
    g_assert_error (kassa_history_model_get_error (model), KASSA_JOURNAL_ERROR,
                    KASSA_JOURNAL_ERROR_IO);
  }
}

/* ── live updates from a real till ────────────────────────────────────── */

static void
on_n_items (GObject    *object,
            GParamSpec *pspec,
            gboolean   *flag)
{
  *flag = TRUE;
}

static void
test_live_updates (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "live.sqlite", NULL);
  g_autofree char *secret = NULL;
  g_autoptr(KassaBankSim) bank = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaTill) till = NULL;
  g_autoptr(KassaHistoryModel) all = NULL;
  g_autoptr(KassaHistoryModel) paid = NULL;
  g_autoptr(KassaJournalFilter) filter = kassa_journal_filter_new ();
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) first = NULL;
  Changes changes = { 0 };
  KassaTestAsync w = { 0 };
  gboolean paid_changed = FALSE;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  bank = kassa_training_bank_new (NULL, &secret, &error);
  g_assert_no_error (error);
  client = kassa_bank_client_new (kassa_bank_sim_get_url (bank), KASSA_TRAINING_TERMINAL,
                                  secret, NULL, NULL, &error);
  g_assert_no_error (error);
  journal = kassa_journal_open (path, &error);
  g_assert_no_error (error);
  till = kassa_till_new (journal, client);

  kassa_till_recover_async (till, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, LIMIT_S);
  g_assert_true (kassa_till_recover_finish (till, w.result, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&w.result);

  all = kassa_history_model_new (journal, till);
  filter->states = KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_PAID);
  paid = kassa_history_model_new (journal, till);
  kassa_history_model_set_filter (paid, filter);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (all)), ==, 0);
  g_signal_connect (all, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_signal_connect (paid, "notify::n-items", G_CALLBACK (on_n_items), &paid_changed);

  /* Two sales: each appears at the top as it is journaled. */
  for (guint k = 0; k < 2; k++)
    {
      w.done = FALSE;
      kassa_till_sale_async (till, 1500 + k, KASSA_INVOICE_METHOD_QR, NULL, "ref-live", NULL,
                             kassa_test_async_done_cb, &w);
      kassa_test_wait_for (&w.done, LIMIT_S);
      g_clear_object (&invoice);
      invoice = kassa_till_sale_finish (till, w.result, &error);
      g_assert_no_error (error);
      g_clear_object (&w.result);

      g_assert_cmpuint (changes.calls, ==, k + 1);
      g_assert_cmpuint (changes.position, ==, 0);
      g_assert_cmpuint (changes.removed, ==, 0);
      g_assert_cmpuint (changes.added, ==, 1);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (all)), ==, k + 1);
      g_clear_object (&first);
      first = g_list_model_get_item (G_LIST_MODEL (all), 0);
      g_assert_true (first == invoice);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (paid)), ==, 0);

  /* The customer pays the newest: the PAID view gains it. */
  g_assert_true (kassa_bank_sim_pay (bank, NULL, kassa_invoice_get_number (invoice), &error));
  g_assert_no_error (error);
  kassa_till_check_now (till, invoice);
  kassa_test_wait_for (&paid_changed, LIMIT_S);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (paid)), ==, 1);
  g_clear_object (&first);
  first = g_list_model_get_item (G_LIST_MODEL (paid), 0);
  g_assert_true (first == invoice);
  /* The unfiltered model did not need a change for a move. */
  g_assert_cmpuint (changes.calls, ==, 2);

  g_clear_object (&all);
  g_clear_object (&paid);
  g_clear_object (&till);
  kassa_journal_close (journal);
  kassa_bank_sim_shutdown (bank);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  kassa_test_init (&argc, &argv);

  generate_big_journal ();

  g_test_add_func ("/history/order-and-paging", test_order_and_paging);
  g_test_add_func ("/history/filters", test_filters);
  g_test_add_func ("/history/filter-matches-sql", test_filter_matches_sql);
  g_test_add_func ("/history/live-updates", test_live_updates);

  ret = g_test_run ();

  g_unlink (big_path);
  g_rmdir (big_dir);
  g_free (big_path);
  g_free (big_dir);
  return ret;
}
