/* test-crash.c — the crash matrix and the fault matrix, with kassa-ctl as a real process
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Crash matrix: kassa-ctl ($KASSA_CTL) runs a sale, cancel, refund or
 * settlement against a kassa-bank-sim process and a journal file
 * ($KASSA_JOURNAL), with KASSA_CRASH_POINT set, so that it SIGKILLs itself
 * at that step (docs/lifecycle.md "Crash points"). Meanwhile the customer may
 * pay. Then `kassa-ctl recover` runs without the crash point, and the journal
 * (`kassa-ctl history --json`, and the file itself read with SQLite) must
 * agree with the simulator (`/sim/invoices`) for every invoice: nothing lost,
 * nothing doubled.
 *
 * Fault matrix: the same commands while the simulator slows (a delay longer
 * than the client's timeout), fails (HTTP 500, a header.code 500), garbles or
 * drops one request to each endpoint; after `recover` the same agreement.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

#define PIN "4321"
#define CLIENT_TIMEOUT "2"         /* seconds, --timeout of every kassa-ctl run */
#define SLOW_MS 3000               /* a delay fault longer than the timeout */
#define CTL_LIMIT_S 90             /* a kassa-ctl run that takes longer is a hang */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close_v2)

typedef struct
{
  KassaTestSim *sim;
  char         *journal_path;
} Fixture;

/* ---- fixture ---- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->sim = kassa_test_sim_spawnv (NULL);
  f->journal_path = g_build_filename (g_get_user_data_dir (), "crash.sqlite", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->journal_path);
}

/* ---- kassa-ctl ---- */

/* Runs kassa-ctl with the simulator, the test terminal and the fixture's
 * journal in its environment, KASSA_CRASH_POINT = @crash_point (NULL: unset)
 * and @input on its stdin (may be NULL). With @kill_when_held the test itself
 * SIGKILLs it as soon as the simulator holds one of its requests (a request
 * in flight). A run that does not end within CTL_LIMIT_S is killed and fails
 * the test. */
static KassaTestCtl *
ctl_runv (Fixture            *f,
          const char         *crash_point,
          gboolean            kill_when_held,
          const char         *input,
          const char * const *args)
{
  KassaTestCtlOptions options = {
    .sim = f->sim,
    .journal = f->journal_path,
    .crash_point = crash_point,
    .input = input,
    .limit_s = CTL_LIMIT_S,
    .kill_when_held = kill_when_held,
    .flags = KASSA_TEST_CTL_KILLABLE,
  };

  return kassa_test_ctl_run (&options, args);
}

/* NULL-terminated argument lists. */
#define ctl_run(f, crash_point, input, ...) \
  ctl_runv ((f), (crash_point), FALSE, (input), (const char * const []) { __VA_ARGS__ })

/* kassa-ctl ARGS…, SIGKILLed by the test while its request to the
 * simulator's @endpoint is in flight: the simulator holds that request for
 * SLOW_MS (a delay fault) and then carries it out although its client is gone,
 * as a bank would (docs/simulator.md). The run is killed as soon as the
 * simulator reports the request held (/sim/held). */

static void
sim_fault (Fixture    *f,
           const char *endpoint,
           const char *kind)
{
  kassa_test_sim_fault (f->sim, endpoint, kind, SLOW_MS, 1);
}

static KassaTestCtl *
ctl_run_in_flightv (Fixture            *f,
                    const char         *endpoint,
                    const char * const *args)
{
  sim_fault (f, endpoint, "delay");
  return ctl_runv (f, NULL, TRUE, NULL, args);
}

#define ctl_run_in_flight(f, endpoint, ...) \
  ctl_run_in_flightv ((f), (endpoint), (const char * const []) { __VA_ARGS__ })

/* The shared result helpers, by the short names the cases use. */
#define assert_exit   kassa_test_ctl_assert_exit
#define assert_killed kassa_test_ctl_assert_killed
#define ctl_invoice   kassa_test_ctl_invoice

/* A normal exit (no crash), and not "internal error" or "usage". */
static void
assert_clean_exit (KassaTestCtl *result)
{
  if (result->signalled)
    g_error ("kassa-ctl was killed by signal %d; stderr: %s", result->signal, result->err);
  if (result->status == 1 || result->status == 2)
    g_error ("kassa-ctl exited %d; stderr: %s", result->status, result->err);
}

/* ---- the simulator ---- */

/* The customer pays every invoice that is still open at the bank. */
static guint
sim_pay_all_unpaid (Fixture *f)
{
  g_autoptr(GHashTable) table = kassa_test_sim_invoices (f->sim);
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_equal (value, "unpaid"))
      {
        kassa_test_sim_pay (f->sim, key);
        n++;
      }

  return n;
}

/* ---- the journal ---- */

/* invoice number → state name, from `kassa-ctl history --json`. */
static GHashTable *
journal_invoices (Fixture *f)
{
  g_autoptr(KassaTestCtl) result = ctl_run (f, NULL, NULL, "history", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonNode *root;
  JsonArray *array;

  assert_exit (result, 0);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      const char *number = json_object_get_string_member (o, "invoice");

      g_assert_nonnull (number);
      g_assert_false (g_hash_table_contains (table, number));
      g_hash_table_insert (table, g_strdup (number),
                           g_strdup (json_object_get_string_member (o, "state")));
    }

  return table;
}

/* What the bank must say for a journal state after recovery; NULL: the bank
 * must not know it. An unresolved state fails the test. */
static const char *
expected_sim_state (const char *state)
{
  static const struct { const char *journal, *sim; } map[] = {
    { "AWAITING_PAYMENT", "unpaid" },
    { "PAID", "paid" },
    { "DECLINED", "declined" },
    { "CANCELLED", "cancelled" },
    { "EXPIRED", "cancelled" },
    { "REFUNDED", "refunded" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (state, map[i].journal) == 0)
      return map[i].sim;

  if (g_strcmp0 (state, "FAILED") != 0)
    g_error ("the journal has an unresolved invoice after recovery (%s)", state);

  return NULL;
}

static sqlite3 *
journal_db (Fixture *f)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (f->journal_path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);

  return db;
}

static gint64
db_count (sqlite3    *db,
          const char *sql,
          const char *param)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return n;
}

/* Nothing lost, nothing doubled: every invoice of the journal has the bank's
 * state (FAILED ones are unknown to the bank), the bank has no invoice the
 * journal lacks, no invoice was ever sent to the bank twice, no payment was
 * refunded twice, no settlement batch is left open. Returns the journal's
 * table for more specific checks. */
static GHashTable *
assert_journal_agrees (Fixture *f)
{
  g_autoptr(GHashTable) bank = kassa_test_sim_invoices (f->sim);
  g_autoptr(sqlite3) db = NULL;
  GHashTable *journal = journal_invoices (f);
  GHashTableIter iter;
  gpointer key, value;
  guint at_bank = 0;

  g_hash_table_iter_init (&iter, journal);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *expected = expected_sim_state (value);
      const char *actual = g_hash_table_lookup (bank, key);

      g_test_message ("%s: journal %s, simulator %s", (char *) key, (char *) value, actual);
      g_assert_cmpstr (actual, ==, expected);
      if (expected != NULL)
        at_bank++;
    }
  g_assert_cmpuint (g_hash_table_size (bank), ==, at_bank);

  db = journal_db (f);
  g_hash_table_iter_init (&iter, journal);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_assert_cmpint (db_count (db, "SELECT count(*) FROM exchanges WHERE invoice = ?1 AND "
                                     "endpoint IN ('qr', 'deeplink', 'phone')", key), <=, 1);
      g_assert_cmpint (db_count (db, "SELECT count(*) FROM exchanges WHERE invoice = ?1 AND "
                                     "endpoint = 'refund' AND error_domain IS NULL", key), <=, 1);
    }
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM settlements WHERE state IN "
                                 "('SETTLING', 'SETTLE_UNKNOWN')", NULL), ==, 0);
  /* A settled batch agrees with the bank. */
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM settlements WHERE state = 'SETTLED' "
                                 "AND (bank_count IS NOT local_count OR "
                                 "CAST (bank_amount AS INTEGER) IS NOT local_amount)",
                             NULL), ==, 0);

  return journal;
}

static void
assert_state (GHashTable *journal,
              const char *number,
              const char *state)
{
  g_assert_cmpstr (g_hash_table_lookup (journal, number), ==, state);
}

/* ---- the steps ---- */

/* A paid sale: the simulator pays every new invoice after a second. */
static char *
paid_sale (Fixture *f)
{
  g_autoptr(KassaTestCtl) sale = NULL;

  kassa_test_sim_expect (f->sim, "/sim/autopay", "{\"seconds\": 1}", 200);
  sale = ctl_run (f, NULL, NULL, "sale", "1500", "--wait", "--timeout", CLIENT_TIMEOUT, NULL);
  kassa_test_sim_expect (f->sim, "/sim/autopay", "{\"seconds\": 0}", 200);
  assert_exit (sale, 0);

  return ctl_invoice (sale);
}

static char *
open_sale (Fixture *f)
{
  g_autoptr(KassaTestCtl) sale = ctl_run (f, NULL, NULL, "sale", "1500", "--timeout",
                                       CLIENT_TIMEOUT, NULL);

  assert_exit (sale, 0);

  return ctl_invoice (sale);
}

static void
set_pin (Fixture *f)
{
  g_autoptr(KassaTestCtl) pin = ctl_run (f, NULL, PIN "\n", "manager-pin", NULL);

  assert_exit (pin, 0);
}

static void
recover (Fixture *f)
{
  g_autoptr(KassaTestCtl) result = ctl_run (f, NULL, NULL, "recover", "--timeout", CLIENT_TIMEOUT,
                                         NULL);

  assert_exit (result, 0);
}

/* The number of settlement batches in @state with @count local invoices. */
static gint64
settlements_with (Fixture    *f,
                  const char *state,
                  gint64      count)
{
  g_autoptr(sqlite3) db = journal_db (f);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM settlements WHERE state = ?1 "
                                          "AND local_count = %" G_GINT64_FORMAT, count);

  return db_count (db, sql, state);
}

/* ---- the crash matrix ---- */

typedef enum
{
  STEP_SALE,    /* kassa-ctl sale 1500 --wait */
  STEP_PHONE,   /* kassa-ctl sale 1500 --method phone --phone 99112233 --wait */
  STEP_CANCEL,  /* kassa-ctl cancel N, N unpaid */
  STEP_REFUND,  /* kassa-ctl refund N --pin P, N paid */
  STEP_SETTLE,  /* kassa-ctl settle, one paid invoice */
} Step;

typedef struct
{
  const char *path;
  const char *crash_point;   /* NULL: killed by the test during the request */
  Step        step;
  gboolean    pay_while_dead;  /* the customer pays every open invoice meanwhile */
  const char *expected;        /* the invoice's state after recovery; NULL: not in the journal */
} CrashCase;

static const CrashCase crash_cases[] = {
  /* Journaled, never sent: the bank never heard of it. */
  { "create-committed", "create-committed", STEP_SALE, FALSE, "FAILED" },
  /* Killed while the create was in flight; the bank made the invoice
   * afterwards. Recovery finds it with check (never a second create); no
   * customer saw its QR, so it is cancelled there. */
  { "create-in-flight", NULL, STEP_SALE, FALSE, "CANCELLED" },
  /* Created at the bank, the QR never reached the journal, so no customer
   * saw it: cancelled at the bank. Unless paid (a phone invoice could be). */
  { "create-replied", "create-replied", STEP_SALE, FALSE, "CANCELLED" },
  { "create-replied/paid", "create-replied", STEP_SALE, TRUE, "PAID" },
  /* A phone invoice needs no payload: it is kept, and can still be paid. */
  { "create-replied/phone", "create-replied", STEP_PHONE, FALSE, "AWAITING_PAYMENT" },
  { "create-replied/phone-paid", "create-replied", STEP_PHONE, TRUE, "PAID" },
  { "awaiting", "awaiting", STEP_SALE, FALSE, "AWAITING_PAYMENT" },
  { "awaiting/paid", "awaiting", STEP_SALE, TRUE, "PAID" },
  /* The cancel was never sent: sent again at recovery; or the customer paid first. */
  { "cancel-committed", "cancel-committed", STEP_CANCEL, FALSE, "CANCELLED" },
  { "cancel-committed/paid", "cancel-committed", STEP_CANCEL, TRUE, "PAID" },
  /* Killed during the cancel, which the bank then carries out; or the
   * customer paid before it arrived, and the bank refused it. */
  { "cancel-in-flight", NULL, STEP_CANCEL, FALSE, "CANCELLED" },
  { "cancel-in-flight/paid", NULL, STEP_CANCEL, TRUE, "PAID" },
  { "cancel-replied", "cancel-replied", STEP_CANCEL, FALSE, "CANCELLED" },
  /* The refund was never sent: still paid (a refund is never re-sent). */
  { "refund-committed", "refund-committed", STEP_REFUND, FALSE, "PAID" },
  /* Killed during the refund, which the bank then carries out: recovery
   * learns it with check, never by sending it again. */
  { "refund-in-flight", NULL, STEP_REFUND, FALSE, "REFUNDED" },
  { "refund-replied", "refund-replied", STEP_REFUND, FALSE, "REFUNDED" },
  { "settle-committed", "settle-committed", STEP_SETTLE, FALSE, "PAID" },
  { "settle-in-flight", NULL, STEP_SETTLE, FALSE, "PAID" },
  { "settle-replied", "settle-replied", STEP_SETTLE, FALSE, "PAID" },
};

static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  const CrashCase *c = data;
  g_autoptr(KassaTestCtl) killed = NULL;
  g_autoptr(GHashTable) journal = NULL;
  g_autoptr(GHashTable) bank = NULL;
  g_autofree char *number = NULL;

  switch (c->step)
    {
    case STEP_SALE:
      if (c->crash_point == NULL)
        killed = ctl_run_in_flight (f, "qr", "sale", "1500", "--wait",
                                    "--timeout", CLIENT_TIMEOUT, NULL);
      else
        killed = ctl_run (f, c->crash_point, NULL, "sale", "1500", "--wait",
                          "--timeout", CLIENT_TIMEOUT, NULL);
      break;
    case STEP_PHONE:
      killed = ctl_run (f, c->crash_point, NULL, "sale", "1500", "--method", "phone",
                        "--phone", "99112233", "--wait", "--timeout", CLIENT_TIMEOUT, NULL);
      break;
    case STEP_CANCEL:
      number = open_sale (f);
      if (c->crash_point == NULL)
        killed = ctl_run_in_flight (f, "cancel", "cancel", number,
                                    "--timeout", CLIENT_TIMEOUT, NULL);
      else
        killed = ctl_run (f, c->crash_point, NULL, "cancel", number,
                          "--timeout", CLIENT_TIMEOUT, NULL);
      break;
    case STEP_REFUND:
      number = paid_sale (f);
      set_pin (f);
      if (c->crash_point == NULL)
        killed = ctl_run_in_flight (f, "refund", "refund", number, "--pin", PIN,
                                    "--timeout", CLIENT_TIMEOUT, NULL);
      else
        killed = ctl_run (f, c->crash_point, NULL, "refund", number, "--pin", PIN,
                          "--timeout", CLIENT_TIMEOUT, NULL);
      break;
    case STEP_SETTLE:
      number = paid_sale (f);
      set_pin (f);
      if (c->crash_point == NULL)
        killed = ctl_run_in_flight (f, "settlement", "settle", "--pin", PIN,
                                    "--timeout", CLIENT_TIMEOUT, NULL);
      else
        killed = ctl_run (f, c->crash_point, NULL, "settle", "--pin", PIN,
                          "--timeout", CLIENT_TIMEOUT, NULL);
      break;
    default:
      g_assert_not_reached ();
    }
  assert_killed (killed);

  /* The till is dead; the bank goes on. */
  if (c->pay_while_dead)
    g_assert_cmpuint (sim_pay_all_unpaid (f), ==, 1);

  recover (f);
  journal = assert_journal_agrees (f);
  g_assert_cmpuint (g_hash_table_size (journal), ==, 1);
  if (number == NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, journal);
      g_assert_true (g_hash_table_iter_next (&iter, &key, NULL));
      number = g_strdup (key);
    }
  assert_state (journal, number, c->expected);

  /* A second recovery finds nothing to do and changes nothing. */
  recover (f);
  g_clear_pointer (&journal, g_hash_table_unref);
  journal = assert_journal_agrees (f);
  assert_state (journal, number, c->expected);

  switch (c->step)
    {
    case STEP_REFUND:
      {
        g_autoptr(KassaTestCtl) again = ctl_run (f, NULL, NULL, "refund", number, "--pin", PIN,
                                              "--timeout", CLIENT_TIMEOUT, NULL);

        /* Refunded once, whatever the crash: a second refund is refused. */
        if (g_str_equal (c->expected, "PAID"))
          {
            g_autoptr(KassaTestCtl) third = NULL;

            /* The refund never happened: the manager can make it now, once. */
            assert_exit (again, 0);
            third = ctl_run (f, NULL, NULL, "refund", number, "--pin", PIN,
                             "--timeout", CLIENT_TIMEOUT, NULL);
            assert_exit (third, 2);
          }
        else
          {
            /* ILLEGAL "already refunded": exit 2, nothing was sent. */
            assert_exit (again, 2);
          }
        g_clear_pointer (&journal, g_hash_table_unref);
        journal = assert_journal_agrees (f);
        assert_state (journal, number, "REFUNDED");
      }
      break;
    case STEP_SETTLE:
      {
        g_autoptr(KassaTestCtl) again = NULL;

        /* The interrupted batch was finished by recovery with its own id;
         * the next one is empty, and both agree with the bank. */
        g_assert_cmpint (settlements_with (f, "SETTLED", 1), ==, 1);
        again = ctl_run (f, NULL, NULL, "settle", "--pin", PIN, "--timeout", CLIENT_TIMEOUT,
                         NULL);
        assert_exit (again, 0);
        g_assert_cmpint (settlements_with (f, "SETTLED", 1), ==, 1);
        g_assert_cmpint (settlements_with (f, "SETTLED", 0), ==, 1);
        g_clear_pointer (&journal, g_hash_table_unref);
        journal = assert_journal_agrees (f);
      }
      break;
    case STEP_SALE:
    case STEP_PHONE:
    case STEP_CANCEL:
    default:
      break;
    }

  bank = kassa_test_sim_invoices (f->sim);
  g_assert_cmpuint (g_hash_table_size (bank), ==,
                    g_str_equal (c->expected, "FAILED") ? 0 : 1);
}

/* ---- the fault matrix ---- */

typedef struct
{
  const char *endpoint;  /* the simulator's endpoint name */
  const char *kind;
} FaultCase;

static const char * const fault_endpoints[] = { "qr", "check", "cancel", "refund", "settlement" };
static const char * const fault_kinds[] = { "delay", "http500", "code500", "malformed", "drop" };

static void
test_fault (Fixture       *f,
            gconstpointer  data)
{
  const FaultCase *c = data;
  g_autoptr(KassaTestCtl) result = NULL;
  g_autoptr(GHashTable) journal = NULL;
  g_autofree char *number = NULL;
  const char *state;

  if (g_str_equal (c->endpoint, "qr"))
    {
      sim_fault (f, "qr", c->kind);
      result = ctl_run (f, NULL, NULL, "sale", "1500", "--wait", "--timeout", CLIENT_TIMEOUT,
                        NULL);
      assert_clean_exit (result);
      /* Nothing paid it: it failed, or (created late) was cancelled. */
      g_assert_cmpint (result->status, !=, 0);
    }
  else if (g_str_equal (c->endpoint, "check"))
    {
      sim_fault (f, "check", c->kind);
      number = paid_sale (f);
    }
  else if (g_str_equal (c->endpoint, "cancel"))
    {
      number = open_sale (f);
      sim_fault (f, "cancel", c->kind);
      result = ctl_run (f, NULL, NULL, "cancel", number, "--timeout", CLIENT_TIMEOUT, NULL);
      assert_clean_exit (result);
      g_assert_cmpint (result->status, !=, 0);  /* its outcome was not seen */
    }
  else if (g_str_equal (c->endpoint, "refund"))
    {
      number = paid_sale (f);
      set_pin (f);
      sim_fault (f, "refund", c->kind);
      result = ctl_run (f, NULL, NULL, "refund", number, "--pin", PIN,
                        "--timeout", CLIENT_TIMEOUT, NULL);
      assert_clean_exit (result);
      g_assert_cmpint (result->status, !=, 0);  /* its outcome was not seen */
    }
  else if (g_str_equal (c->endpoint, "settlement"))
    {
      number = paid_sale (f);
      set_pin (f);
      sim_fault (f, "settlement", c->kind);
      result = ctl_run (f, NULL, NULL, "settle", "--pin", PIN, "--timeout", CLIENT_TIMEOUT,
                        NULL);
      assert_clean_exit (result);
      g_assert_cmpint (result->status, !=, 0);  /* its outcome was not seen */
    }
  else
    {
      g_assert_not_reached ();
    }

  recover (f);
  journal = assert_journal_agrees (f);
  g_assert_cmpuint (g_hash_table_size (journal), ==, 1);

  if (number == NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, journal);
      g_assert_true (g_hash_table_iter_next (&iter, &key, NULL));
      number = g_strdup (key);
    }
  state = g_hash_table_lookup (journal, number);

  if (g_str_equal (c->endpoint, "qr"))
    {
      /* A delayed create reaches the bank after the till gave up waiting:
       * the QR was never shown, so it is cancelled there. Any other fault
       * is a request the bank never processed. */
      g_assert_cmpstr (state, ==, g_str_equal (c->kind, "delay") ? "CANCELLED" : "FAILED");
    }
  else if (g_str_equal (c->endpoint, "check"))
    {
      g_assert_cmpstr (state, ==, "PAID");
    }
  else if (g_str_equal (c->endpoint, "cancel"))
    {
      g_assert_cmpstr (state, ==, "CANCELLED");
    }
  else if (g_str_equal (c->endpoint, "refund"))
    {
      /* A delayed refund was carried out; a failed one did not happen. */
      g_assert_cmpstr (state, ==, g_str_equal (c->kind, "delay") ? "REFUNDED" : "PAID");
    }
  else if (g_str_equal (c->endpoint, "settlement"))
    {
      g_assert_cmpstr (state, ==, "PAID");
      g_assert_cmpint (settlements_with (f, "SETTLED", 1), ==, 1);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) fault_cases = g_ptr_array_new_with_free_func (g_free);

  kassa_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (crash_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/crash/%s", crash_cases[i].path);

      g_test_add (path, Fixture, &crash_cases[i], fixture_setup, test_crash, fixture_teardown);
    }

  for (guint i = 0; i < G_N_ELEMENTS (fault_endpoints); i++)
    for (guint j = 0; j < G_N_ELEMENTS (fault_kinds); j++)
      {
        FaultCase *c = g_new0 (FaultCase, 1);
        g_autofree char *path = NULL;

        c->endpoint = fault_endpoints[i];
        c->kind = fault_kinds[j];
        g_ptr_array_add (fault_cases, c);
        path = g_strdup_printf ("/fault/%s/%s", c->endpoint, c->kind);
        g_test_add (path, Fixture, c, fixture_setup, test_fault, fixture_teardown);
      }

  return g_test_run ();
}
