/* test-ctl-till.c — kassa-ctl's till commands as real processes against kassa-bank-sim
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "kassa-bank-client.h"
#include "kassa-bank-sim.h"
#include "kassa-journal.h"
#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

typedef struct
{
  KassaTestSim *sim;
  char         *tmpdir;
  char         *journal;
  char         *data_home;
  const char   *url;      /* the bank kassa-ctl is told about */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = kassa_test_sim_spawnv (NULL);
  f->url = kassa_test_sim_get_url (f->sim);
  f->tmpdir = g_dir_make_tmp ("test-ctl-till-XXXXXX", &error);
  g_assert_no_error (error);
  f->journal = g_build_filename (f->tmpdir, "journal.sqlite", NULL);
  f->data_home = g_build_filename (f->tmpdir, "data", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->journal);
  g_free (f->data_home);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
}

/* Runs kassa-ctl with the fixture's bank and journal, @input on stdin (a pipe,
 * never a terminal), and waits for it. Every stdout line must be JSON, except
 * for --csv. */
static KassaTestCtl *
ctl_runv (Fixture            *f,
          const char         *input,
          gboolean            json_lines,
          const char * const *args)
{
  KassaTestCtlOptions options = {
    .sim = f->sim,
    .url = f->url,
    .journal = f->journal,
    .data_home = f->data_home,
    .input = input,
    .flags = json_lines ? KASSA_TEST_CTL_JSON_LINES : KASSA_TEST_CTL_DEFAULT,
  };

  return kassa_test_ctl_run (&options, args);
}

/* The shared result helpers, by the short names the cases use. */
#define line_object kassa_test_ctl_line_object
#define last_object kassa_test_ctl_last_object
#define only_array  kassa_test_ctl_only_array

#define ctl_run(f, ...) \
  ctl_runv ((f), NULL, TRUE, (const char * const []) { __VA_ARGS__, NULL })
#define ctl_run_input(f, input, ...) \
  ctl_runv ((f), (input), TRUE, (const char * const []) { __VA_ARGS__, NULL })

/* The invoice keys of kassa_invoice_to_json(): every line carries all of them. */
static void
assert_invoice_keys (JsonObject *object)
{
  static const char * const keys[] = {
    "invoice", "state", "amount", "method", "desc", "phone", "reference", "created",
    "approval_code", "card_number", "resp_code", "resp_desc", "paid_after_cancel",
    "settlement_id", "last_error",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
}

static char *
sim_control (Fixture    *f,
             const char *path,
             const char *json)
{
  guint status = 0;
  char *reply = kassa_test_sim_control (f->sim, path, json, &status);

  g_assert_cmpuint (status, ==, 200);

  return reply;
}

/* A sale left awaiting payment; returns its number. */
static char *
sale_awaiting (Fixture    *f,
               const char *amount)
{
  g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", amount, "--poll-ms", "100");
  JsonObject *last;

  g_assert_cmpint (r->status, ==, 0);
  last = last_object (r);
  g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "AWAITING_PAYMENT");

  return g_strdup (json_object_get_string_member (last, "invoice"));
}

/* A sale paid by the simulator's autopay; returns its number. */
static char *
sale_paid (Fixture    *f,
           const char *amount)
{
  g_autofree char *on = sim_control (f, "/sim/autopay", "{\"seconds\": 1}");
  g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", amount, "--wait", "--poll-ms", "100");
  g_autofree char *off = sim_control (f, "/sim/autopay", "{\"seconds\": 0}");

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last_object (r), "state"), ==, "PAID");

  return g_strdup (json_object_get_string_member (last_object (r), "invoice"));
}

/* ------------------------------------------------------------------ */

static void
test_sale_wait (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *on = sim_control (f, "/sim/autopay", "{\"seconds\": 1}");
  g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", "1 500", "--wait", "--poll-ms", "100",
                                    "--reference", "receipt 7");
  g_autofree char *bank_state = NULL;
  JsonObject *awaiting = NULL;
  JsonObject *last;
  const char *number;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (r->lines->len, >=, 2);

  /* One line per state change, all of the same invoice, ending PAID. */
  number = json_object_get_string_member (line_object (r, 0), "invoice");
  for (guint i = 0; i < r->lines->len; i++)
    {
      JsonObject *object = line_object (r, i);
      const char *state = json_object_get_string_member (object, "state");

      assert_invoice_keys (object);
      g_assert_cmpstr (json_object_get_string_member (object, "invoice"), ==, number);
      g_assert_cmpint (json_object_get_int_member (object, "amount"), ==, 1500);
      if (i > 0)
        g_assert_cmpstr (state, !=,
                         json_object_get_string_member (line_object (r, i - 1), "state"));
      if (g_str_equal (state, "AWAITING_PAYMENT"))
        awaiting = object;
    }
  g_assert_cmpstr (json_object_get_string_member (line_object (r, 0), "state"), ==, "CREATING");
  g_assert_nonnull (awaiting);
  /* The QR payload, with the amount in tag 54. */
  g_assert_true (g_str_has_prefix (json_object_get_string_member (awaiting, "desc"), "0002"));
  g_assert_nonnull (strstr (json_object_get_string_member (awaiting, "desc"), "54041500"));

  last = last_object (r);
  g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "PAID");
  g_assert_cmpstr (json_object_get_string_member (last, "reference"), ==, "receipt 7");
  g_assert_cmpstr (json_object_get_string_member (last, "resp_code"), ==, "00");
  g_assert_nonnull (json_object_get_string_member (last, "approval_code"));

  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "paid");
}

static void
test_sale_recover (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *number = sale_awaiting (f, "1000");
  g_autoptr(KassaTestCtl) pending = ctl_run (f, "pending");
  g_autoptr(KassaTestCtl) recover = NULL;
  g_autoptr(KassaTestCtl) after = NULL;
  JsonObject *output;
  JsonArray *array;

  /* pending does not need the bank: the journal says it. */
  g_assert_cmpint (pending->status, ==, 0);
  array = only_array (pending);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  assert_invoice_keys (json_array_get_object_element (array, 0));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "invoice"), ==, number);

  /* The customer pays while no kassa-ctl runs. */
  kassa_test_sim_pay (f->sim, number);

  recover = ctl_run (f, "recover", "--poll-ms", "100");
  g_assert_cmpint (recover->status, ==, 0);
  g_assert_cmpuint (recover->lines->len, ==, 1);
  output = line_object (recover, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (output, "summary"), "1 paid"));
  array = json_object_get_array_member (output, "invoices");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "state"), ==, "PAID");

  after = ctl_run (f, "pending");
  g_assert_cmpint (after->status, ==, 0);
  g_assert_cmpuint (json_array_get_length (only_array (after)), ==, 0);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *number = sale_awaiting (f, "700");
  g_autofree char *paid = NULL;
  g_autofree char *bank_state = NULL;
  g_autoptr(KassaTestCtl) r = ctl_run (f, "cancel", number, "--poll-ms", "100");
  g_autoptr(KassaTestCtl) again = NULL;
  g_autoptr(KassaTestCtl) unknown = NULL;
  g_autoptr(KassaTestCtl) of_paid = NULL;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (line_object (r, 0), "state"), ==,
                   "CANCELLING");
  g_assert_cmpstr (json_object_get_string_member (last_object (r), "state"), ==, "CANCELLED");
  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "cancelled");

  /* Cancelled already: refused here, nothing printed. */
  again = ctl_run (f, "cancel", number);
  g_assert_cmpint (again->status, ==, 2);
  g_assert_cmpuint (again->lines->len, ==, 0);

  unknown = ctl_run (f, "cancel", "NOPE-0001");
  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "NOPE-0001"));

  paid = sale_paid (f, "800");
  of_paid = ctl_run (f, "cancel", paid);
  g_assert_cmpint (of_paid->status, ==, 2);
  g_assert_nonnull (strstr (of_paid->err, "refund"));
}

static void
test_refund (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *number = sale_paid (f, "2500");
  g_autofree char *bank_state = NULL;
  g_autoptr(KassaTestCtl) no_pin_set = ctl_run (f, "refund", number, "--pin", "1234");
  g_autoptr(KassaTestCtl) set = NULL;
  g_autoptr(KassaTestCtl) bad_pin = NULL;
  g_autoptr(KassaTestCtl) wrong = NULL;
  g_autoptr(KassaTestCtl) right = NULL;
  g_autoptr(KassaTestCtl) twice = NULL;
  g_autoptr(KassaTestCtl) missing = NULL;
  g_autoptr(KassaTestCtl) audit = NULL;
  JsonArray *rows;
  JsonObject *row;

  /* No PIN set yet: every refund is refused. */
  g_assert_cmpint (no_pin_set->status, ==, 9);
  g_assert_cmpuint (no_pin_set->lines->len, ==, 0);
  g_assert_nonnull (strstr (no_pin_set->err, "No manager PIN"));

  bad_pin = ctl_run_input (f, "12\n", "manager-pin");
  g_assert_cmpint (bad_pin->status, ==, 2);
  g_assert_nonnull (strstr (bad_pin->err, "4 to 8 digits"));

  set = ctl_run_input (f, "1234\n", "manager-pin");
  g_assert_cmpint (set->status, ==, 0);

  missing = ctl_run (f, "refund", number);
  g_assert_cmpint (missing->status, ==, 2);

  wrong = ctl_run (f, "refund", number, "--pin", "9999");
  g_assert_cmpint (wrong->status, ==, 9);
  g_assert_cmpuint (wrong->lines->len, ==, 0);
  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "paid");
  g_clear_pointer (&bank_state, g_free);

  /* The PIN from stdin, as a script would pass it. */
  right = ctl_run_input (f, "1234\n", "refund", number, "--pin", "-",
                         "--reason", "Returned goods");
  g_assert_cmpint (right->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (line_object (right, 0), "state"), ==,
                   "REFUNDING");
  g_assert_cmpstr (json_object_get_string_member (last_object (right), "state"), ==,
                   "REFUNDED");
  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "refunded");

  twice = ctl_run (f, "refund", number, "--pin", "1234");
  g_assert_cmpint (twice->status, ==, 2);
  g_assert_nonnull (strstr (twice->err, "refunded"));

  /* The audit log: the PIN set, the wrong try and the refund, with its reason. */
  audit = ctl_run (f, "audit", "list", "--json");
  g_assert_cmpint (audit->status, ==, 0);
  rows = only_array (audit);
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  row = json_array_get_object_element (rows, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "action"), ==, "pin-set");
  row = json_array_get_object_element (rows, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "action"), ==, "refund");
  g_assert_cmpstr (json_object_get_string_member (row, "result"), ==, "wrong-pin");
  g_assert_cmpstr (json_object_get_string_member (row, "subject"), ==, number);
  row = json_array_get_object_element (rows, 2);
  g_assert_cmpstr (json_object_get_string_member (row, "action"), ==, "refund");
  g_assert_cmpstr (json_object_get_string_member (row, "result"), ==, "authorised");
  g_assert_cmpstr (json_object_get_string_member (row, "reason"), ==, "Returned goods");
  g_assert_cmpstr (json_object_get_string_member (row, "prev_hash"), ==,
                   json_object_get_string_member (json_array_get_object_element (rows, 1),
                                                  "hash"));
  /* The PIN is never echoed. */
  g_assert_null (strstr (right->err, "1234"));
  g_assert_null (strstr (wrong->err, "9999"));
}

/* manager-pin: set once, changed only with the current PIN, removed likewise. */
static void
test_manager_pin (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KassaTestCtl) set = ctl_run_input (f, "2468\n", "manager-pin");
  g_autoptr(KassaTestCtl) no_old = NULL;
  g_autoptr(KassaTestCtl) wrong_old = NULL;
  g_autoptr(KassaTestCtl) changed = NULL;
  g_autoptr(KassaTestCtl) old_refused = NULL;
  g_autoptr(KassaTestCtl) letters = NULL;
  g_autoptr(KassaTestCtl) cleared = NULL;
  g_autoptr(KassaTestCtl) settle = NULL;
  g_autoptr(KassaTestCtl) audit = NULL;
  g_autofree char *number = NULL;

  g_assert_cmpint (set->status, ==, 0);
  g_assert_nonnull (strstr (set->err, "was set"));

  /* Only one line: it is taken as the current PIN, and no new one follows. */
  no_old = ctl_run_input (f, "1357\n", "manager-pin");
  g_assert_cmpint (no_old->status, ==, 2);

  wrong_old = ctl_run_input (f, "1111\n1357\n", "manager-pin");
  g_assert_cmpint (wrong_old->status, ==, 9);
  g_assert_nonnull (strstr (wrong_old->err, "Wrong manager PIN"));
  g_assert_null (strstr (wrong_old->err, "1357"));

  letters = ctl_run_input (f, "2468\nabcd\n", "manager-pin");
  g_assert_cmpint (letters->status, ==, 2);
  g_assert_nonnull (strstr (letters->err, "only digits"));

  changed = ctl_run_input (f, "1357\n", "manager-pin", "--pin", "2468");
  g_assert_cmpint (changed->status, ==, 0);
  g_assert_nonnull (strstr (changed->err, "changed"));

  /* The old PIN no longer authorises anything. */
  number = sale_paid (f, "700");
  old_refused = ctl_run (f, "refund", number, "--pin", "2468");
  g_assert_cmpint (old_refused->status, ==, 9);

  cleared = ctl_run_input (f, "1357\n", "manager-pin", "--clear");
  g_assert_cmpint (cleared->status, ==, 0);
  settle = ctl_run (f, "settle", "--pin", "1357");
  g_assert_cmpint (settle->status, ==, 9);
  g_assert_nonnull (strstr (settle->err, "No manager PIN"));

  audit = ctl_run (f, "audit", "list");
  g_assert_cmpint (audit->status, ==, 0);
  /* pin-set, pin-change wrong, pin-change, refund wrong, pin-clear */
  g_assert_cmpuint (audit->lines->len, ==, 5);
  g_assert_cmpstr (json_object_get_string_member (line_object (audit, 1), "result"), ==,
                   "wrong-pin");
  g_assert_cmpstr (json_object_get_string_member (line_object (audit, 2), "action"), ==,
                   "pin-change");
  g_assert_cmpstr (json_object_get_string_member (line_object (audit, 4), "action"), ==,
                   "pin-clear");
}

/* audit verify: 0 while intact; 12 and the row once an old row is edited. */
static void
test_audit (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(KassaTestCtl) set = ctl_run_input (f, "2468\n", "manager-pin");
  g_autoptr(KassaTestCtl) wrong = NULL;
  g_autoptr(KassaTestCtl) intact = NULL;
  g_autoptr(KassaTestCtl) broken = NULL;
  g_autoptr(KassaTestCtl) usage = NULL;
  g_autoptr(KassaTestCtl) settle = NULL;
  g_autofree char *number = sale_paid (f, "900");
  JsonObject *verdict;

  g_assert_cmpint (set->status, ==, 0);
  wrong = ctl_run (f, "refund", number, "--pin", "1111");
  g_assert_cmpint (wrong->status, ==, 9);
  settle = ctl_run (f, "settle", "--pin", "2468");
  g_assert_cmpint (settle->status, ==, 0);

  intact = ctl_run (f, "audit", "verify");
  g_assert_cmpint (intact->status, ==, 0);
  verdict = line_object (intact, 0);
  g_assert_true (json_object_get_boolean_member (verdict, "ok"));
  g_assert_cmpint (json_object_get_int_member (verdict, "rows"), ==, 3);

  /* Someone turns the wrong PIN into an authorised refund. */
  kassa_test_sqlite_exec (f->journal, "UPDATE audit SET result = 'authorised' WHERE id = 2");
  broken = ctl_run (f, "audit", "verify");
  g_assert_cmpint (broken->status, ==, 13);
  verdict = line_object (broken, 0);
  g_assert_false (json_object_get_boolean_member (verdict, "ok"));
  g_assert_cmpint (json_object_get_int_member (verdict, "bad_row"), ==, 2);
  g_assert_nonnull (strstr (broken->err, "row 2"));

  usage = ctl_run (f, "audit", "check");
  g_assert_cmpint (usage->status, ==, 2);
}

/* Whether @needle occurs in @length bytes at @data (NULs included). */
static gboolean
bytes_contain (const char *data,
               gsize       length,
               const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; n <= length && i <= length - n; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;

  return FALSE;
}

/* Fails if any file below @path contains @needle. */
static void
assert_no_file_contains (const char *path,
                         const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          assert_no_file_contains (child, needle);
          continue;
        }
      g_file_get_contents (child, &contents, &length, &error);
      g_assert_no_error (error);
      if (bytes_contain (contents, length, needle))
        g_error ("%s contains the terminal secret", child);
    }
}

/* A whole day (sales, a refund, a settlement with its report, the audit log)
 * leaves the terminal secret in no file and no output. */
static void
test_secret_never_written (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *paid = sale_paid (f, "1500");
  g_autofree char *other = sale_paid (f, "2500");
  g_autofree char *report = g_build_filename (f->tmpdir, "report.pdf", NULL);
  g_autofree char *csv = g_build_filename (f->tmpdir, "report.csv", NULL);
  g_autoptr(KassaTestCtl) set = ctl_run_input (f, "1234\n", "manager-pin");
  g_autoptr(KassaTestCtl) refund = ctl_run (f, "refund", paid, "--pin", "1234");
  g_autoptr(KassaTestCtl) settle = ctl_run (f, "settle", "--pin", "1234", "--report", report,
                                         "--csv", csv);
  g_autoptr(KassaTestCtl) audit = ctl_run (f, "audit", "list", "--json");
  g_autoptr(KassaTestCtl) history = ctl_run (f, "history", "--json");
  KassaTestCtl *results[] = { set, refund, settle, audit, history };

  g_assert_cmpint (set->status, ==, 0);
  g_assert_cmpint (refund->status, ==, 0);
  g_assert_cmpint (settle->status, ==, 0);
  g_assert_cmpint (audit->status, ==, 0);
  g_assert_cmpint (history->status, ==, 0);
  g_assert_true (g_file_test (report, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_null (strstr (results[i]->out, KASSA_TEST_SECRET));
      g_assert_null (strstr (results[i]->err, KASSA_TEST_SECRET));
    }
  /* The journal (with its WAL), the reports, everything under the data home. */
  assert_no_file_contains (f->tmpdir, KASSA_TEST_SECRET);
}

static void
test_settle (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *first = sale_paid (f, "1000");
  g_autofree char *second = sale_paid (f, "2000");
  g_autofree char *unpaid = sale_awaiting (f, "3000");
  g_autoptr(KassaTestCtl) set = ctl_run_input (f, "1234\n", "manager-pin");
  g_autoptr(KassaTestCtl) no_pin = ctl_run (f, "settle");
  g_autoptr(KassaTestCtl) wrong = ctl_run (f, "settle", "--pin", "4321");
  g_autoptr(KassaTestCtl) r = NULL;
  g_autoptr(KassaTestCtl) empty = NULL;
  g_autoptr(KassaTestCtl) history = NULL;
  JsonObject *report;
  JsonArray *invoices;

  /* Without the PIN, or with a wrong one, no batch is even begun. */
  g_assert_cmpint (set->status, ==, 0);
  g_assert_cmpint (no_pin->status, ==, 2);
  g_assert_nonnull (strstr (no_pin->err, "--pin"));
  g_assert_cmpint (wrong->status, ==, 9);
  g_assert_cmpuint (wrong->lines->len, ==, 0);
  history = ctl_run (f, "history", "--json");
  g_assert_true (json_object_get_null_member (
                   json_array_get_object_element (only_array (history), 0), "settlement_id"));
  g_clear_pointer (&history, kassa_test_ctl_free);

  r = ctl_run (f, "settle", "--pin", "1234");
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (r->lines->len, ==, 1);
  report = line_object (r, 0);
  g_assert_cmpstr (json_object_get_string_member (report, "state"), ==, "SETTLED");
  g_assert_true (json_object_get_boolean_member (report, "matches"));
  g_assert_cmpint (json_object_get_int_member (report, "local_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (report, "local_amount"), ==, 3000);
  g_assert_cmpint (json_object_get_int_member (report, "bank_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (report, "bank_amount"), ==, 3000);
  invoices = json_object_get_array_member (report, "invoices");
  g_assert_cmpuint (json_array_get_length (invoices), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (invoices, 0), ==, first);
  g_assert_cmpstr (json_array_get_string_element (invoices, 1), ==, second);

  /* The next batch is empty, and says so. */
  empty = ctl_run (f, "settle", "--pin", "1234");
  g_assert_cmpint (empty->status, ==, 0);
  report = line_object (empty, 0);
  g_assert_true (json_object_get_boolean_member (report, "empty"));
  g_assert_true (json_object_get_boolean_member (report, "matches"));
  g_assert_cmpstr (json_object_get_string_member (line_object (r, 0), "settlement"), !=,
                   json_object_get_string_member (report, "settlement"));

  /* The settled invoices name their batch. */
  history = ctl_run (f, "history", "--json");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (only_array (history), 0), "settlement_id"),
                   ==, json_object_get_string_member (line_object (r, 0), "settlement"));
  g_assert_true (json_object_get_null_member (
                   json_array_get_object_element (only_array (history), 2), "settlement_id"));
}

static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *first = sale_awaiting (f, "1000");
  g_autoptr(KassaTestCtl) quoted = ctl_run (f, "sale", "2000", "--reference", "a,\"b\"");
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *today_text = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *tomorrow_text = g_date_time_format (tomorrow, "%Y-%m-%d");
  g_autoptr(KassaTestCtl) json = ctl_run (f, "history", "--json");
  g_autoptr(KassaTestCtl) lines = ctl_run (f, "history");
  g_autoptr(KassaTestCtl) csv = ctl_runv (f, NULL, FALSE,
                                       (const char * const []) { "history", "--csv", NULL });
  g_autoptr(KassaTestCtl) today = ctl_run (f, "history", "--json", "--from", today_text);
  g_autoptr(KassaTestCtl) future = ctl_run (f, "history", "--json", "--from", tomorrow_text);
  g_autoptr(KassaTestCtl) past = ctl_run (f, "history", "--json", "--to", "2000-01-01T00:00:00Z");
  g_autoptr(KassaTestCtl) bad = ctl_run (f, "history", "--from", "2024-02-30");
  g_autoptr(KassaTestCtl) both = ctl_run (f, "history", "--json", "--csv");
  g_auto(GStrv) rows = NULL;
  JsonArray *array;

  g_assert_cmpint (quoted->status, ==, 0);

  g_assert_cmpint (json->status, ==, 0);
  array = only_array (json);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  assert_invoice_keys (json_array_get_object_element (array, 0));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "invoice"), ==, first);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1),
                                                  "reference"), ==, "a,\"b\"");

  /* Default: one object per line. */
  g_assert_cmpint (lines->status, ==, 0);
  g_assert_cmpuint (lines->lines->len, ==, 2);

  g_assert_cmpint (csv->status, ==, 0);
  rows = g_strsplit (csv->out, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (rows), ==, 4);  /* header, 2 rows, "" after the last CRLF */
  g_assert_true (g_str_has_prefix (rows[0], "invoice,state,amount,method,desc,"));
  g_assert_true (g_str_has_prefix (rows[1], first));
  g_assert_nonnull (strstr (rows[1], ",AWAITING_PAYMENT,1000,qr,"));
  g_assert_nonnull (strstr (rows[2], ",\"a,\"\"b\"\"\","));
  g_assert_cmpstr (rows[3], ==, "");

  g_assert_cmpint (today->status, ==, 0);
  g_assert_cmpuint (json_array_get_length (only_array (today)), ==, 2);
  g_assert_cmpint (future->status, ==, 0);
  g_assert_cmpuint (json_array_get_length (only_array (future)), ==, 0);
  g_assert_cmpint (past->status, ==, 0);
  g_assert_cmpuint (json_array_get_length (only_array (past)), ==, 0);

  g_assert_cmpint (bad->status, ==, 2);
  g_assert_nonnull (strstr (bad->err, "2024-02-30"));
  g_assert_cmpint (both->status, ==, 2);
}

static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) held = kassa_journal_open (f->journal, &error);
  g_autoptr(KassaTestCtl) sale = NULL;
  g_autoptr(KassaTestCtl) pending = NULL;
  g_autofree char *invoices = NULL;

  g_assert_no_error (error);

  sale = ctl_run (f, "sale", "1000");
  g_assert_cmpint (sale->status, ==, 10);
  g_assert_cmpuint (sale->lines->len, ==, 0);
  g_assert_nonnull (strstr (sale->err, f->journal));
  g_assert_nonnull (strstr (sale->err, "in use"));

  pending = ctl_run (f, "pending");
  g_assert_cmpint (pending->status, ==, 10);

  /* Nothing reached the bank. */
  invoices = sim_control (f, "/sim/invoices", "{}");
  g_assert_cmpstr (invoices, ==, "[]");
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  const char *bad[] = { "abc", "0", "-5", "10.5", "" };
  g_autoptr(KassaTestCtl) method = ctl_run (f, "sale", "1000", "--method", "cash");
  g_autoptr(KassaTestCtl) phone = ctl_run (f, "sale", "1000", "--method", "phone");
  g_autoptr(KassaTestCtl) bad_phone = ctl_run (f, "sale", "1000", "--method", "phone",
                                            "--phone", "123");
  g_autoptr(KassaTestCtl) no_amount = ctl_run (f, "sale");
  g_autoptr(KassaTestCtl) autopay = ctl_run (f, "sale", "1000", "--autopay", "1");
  g_autoptr(KassaTestCtl) history = NULL;
  g_autofree char *invoices = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", bad[i]);

      g_assert_cmpint (r->status, ==, 2);
      g_assert_cmpuint (r->lines->len, ==, 0);
      g_assert_cmpstr (r->err, !=, "");
    }
  g_assert_cmpint (method->status, ==, 2);
  g_assert_cmpint (phone->status, ==, 2);
  g_assert_cmpint (bad_phone->status, ==, 2);
  g_assert_cmpint (no_amount->status, ==, 2);
  g_assert_cmpint (autopay->status, ==, 2);

  /* Nothing journaled, nothing sent. */
  history = ctl_run (f, "history", "--json");
  g_assert_cmpint (history->status, ==, 0);
  g_assert_cmpuint (json_array_get_length (only_array (history)), ==, 0);
  invoices = sim_control (f, "/sim/invoices", "{}");
  g_assert_cmpstr (invoices, ==, "[]");
}

static void
test_bank_down (Fixture       *f,
                gconstpointer  data)
{
  const char *live_url = f->url;
  g_autoptr(KassaTestCtl) sale = NULL;
  g_autoptr(KassaTestCtl) pending = NULL;
  g_autoptr(KassaTestCtl) second = NULL;
  g_autoptr(KassaTestCtl) recover = NULL;
  JsonArray *array;
  const char *state;

  /* Port 9 on loopback: nothing listens (the test environment's own choice). */
  f->url = "http://127.0.0.1:9";
  sale = ctl_run (f, "sale", "1000", "--timeout", "1", "--poll-ms", "100");
  g_assert_cmpint (sale->status, ==, 3);
  g_assert_cmpstr (json_object_get_string_member (line_object (sale, 0), "state"), ==,
                   "CREATING");

  pending = ctl_run (f, "pending");
  g_assert_cmpint (pending->status, ==, 0);
  array = only_array (pending);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  state = json_object_get_string_member (json_array_get_object_element (array, 0), "state");
  g_assert_cmpstr (state, ==, "CREATE_UNKNOWN");

  /* Still down: recovery gives up at once instead of waiting forever. */
  second = ctl_run (f, "sale", "2000", "--timeout", "1", "--poll-ms", "100");
  /* 8, not 3: this sale was never journaled nor sent (3 says it was). */
  g_assert_cmpint (second->status, ==, 8);
  g_assert_cmpuint (second->lines->len, ==, 0);
  g_assert_nonnull (strstr (second->err, "recover"));

  /* Back up: the bank never saw the invoice; after the grace period it failed. */
  f->url = live_url;
  recover = ctl_run (f, "recover", "--timeout", "1", "--poll-ms", "100");
  g_assert_cmpint (recover->status, ==, 0);
  array = json_object_get_array_member (line_object (recover, 0), "invoices");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "state"), ==, "FAILED");
}

static void
test_training (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *state_file = g_build_filename (f->data_home, "kassa", "training-bank.json",
                                                  NULL);
  g_autofree char *journal = g_build_filename (f->data_home, "kassa", "training.sqlite", NULL);
  g_autoptr(KassaTestCtl) first = NULL;
  g_autoptr(KassaTestCtl) second = NULL;
  g_autoptr(KassaTestCtl) pay = NULL;
  g_autoptr(KassaTestCtl) history = NULL;
  g_autoptr(KassaTestCtl) recover = NULL;
  g_autoptr(KassaTestCtl) real = NULL;
  g_autoptr(KassaTestCtl) with_url = NULL;
  g_autoptr(KassaTestCtl) not_training = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *unpaid = NULL;
  JsonArray *array;
  GStatBuf st;

  /* The real bank is dead here: training must not need it. */
  f->url = "http://127.0.0.1:9";

  first = ctl_run (f, "--training", "sale", "1500", "--wait", "--autopay", "1",
                   "--poll-ms", "100");
  g_assert_cmpint (first->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last_object (first), "state"), ==, "PAID");
  paid = g_strdup (json_object_get_string_member (last_object (first), "invoice"));

  /* The training journal, not KASSA_JOURNAL's, and the bank's state beside it. */
  g_assert_true (g_file_test (journal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (f->journal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (state_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  second = ctl_run (f, "--training", "sale", "700", "--poll-ms", "100");
  g_assert_cmpint (second->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last_object (second), "state"), ==,
                   "AWAITING_PAYMENT");
  unpaid = g_strdup (json_object_get_string_member (last_object (second), "invoice"));

  pay = ctl_run (f, "--training", "customer", "pay", unpaid);
  g_assert_cmpint (pay->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (line_object (pay, 0), "bank_state"), ==,
                   "paid");

  /* A later run sees the earlier invoices, and the bank still knows them. */
  history = ctl_run (f, "--training", "history", "--json");
  g_assert_cmpint (history->status, ==, 0);
  array = only_array (history);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "invoice"), ==, paid);

  recover = ctl_run (f, "recover", "--training", "--poll-ms", "100");
  g_assert_cmpint (recover->status, ==, 0);
  array = json_object_get_array_member (line_object (recover, 0), "invoices");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "invoice"), ==, unpaid);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "state"), ==, "PAID");

  /* The real journal never saw any of it. */
  f->url = kassa_test_sim_get_url (f->sim);
  real = ctl_run (f, "history", "--json");
  g_assert_cmpuint (json_array_get_length (only_array (real)), ==, 0);

  with_url = ctl_run (f, "--training", "sale", "100", "--url", "http://127.0.0.1:9");
  g_assert_cmpint (with_url->status, ==, 2);
  not_training = ctl_run (f, "customer", "pay", unpaid);
  g_assert_cmpint (not_training->status, ==, 2);
}

/* ------------------------------------------------------------------ */
/* The simulator's state file, in-process                              */

static void
create_invoice (KassaBankSim *sim,
                const char   *number,
                gint64        amount)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  KassaTestAsync w = { 0, };

  client = kassa_bank_client_new (kassa_bank_sim_get_url (sim), KASSA_TEST_TERMINAL,
                                  KASSA_TEST_SECRET, NULL, NULL, &error);
  g_assert_no_error (error);
  kassa_bank_client_qr_async (client, amount, number, NULL, kassa_test_async_done_cb, &w);
  result = kassa_test_async_wait (&w, 30);
  reply = kassa_bank_client_qr_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static void
test_sim_state_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-sim-state-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bank.json", NULL);
  g_autoptr(KassaBankSim) sim = kassa_bank_sim_new (NULL);
  g_autoptr(KassaBankSim) again = NULL;
  g_autoptr(KassaBankSim) broken = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  GStatBuf st;

  g_assert_no_error (error);

  g_assert_true (kassa_bank_sim_set_state_file (sim, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (kassa_bank_sim_add_terminal (sim, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                              &error));
  g_assert_true (kassa_bank_sim_listen (sim, 0, NULL, NULL, &error));
  g_assert_no_error (error);

  create_invoice (sim, "STATE-0001", 1500);
  create_invoice (sim, "STATE-0002", 2500);
  g_assert_true (kassa_bank_sim_pay (sim, NULL, "STATE-0001", &error));
  g_assert_true (kassa_bank_sim_decline (sim, NULL, "STATE-0002", &error));
  g_assert_no_error (error);
  before = kassa_bank_sim_list_invoices (sim);

  /* Once there are invoices, the file cannot be changed. */
  g_assert_false (kassa_bank_sim_set_state_file (sim, path, &error));
  g_assert_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  kassa_bank_sim_shutdown (sim);
  g_assert_finalize_object (g_steal_pointer (&sim));

  /* A new simulator finds everything, the secret included. */
  again = kassa_bank_sim_new (NULL);
  g_assert_true (kassa_bank_sim_set_state_file (again, path, &error));
  g_assert_no_error (error);
  after = kassa_bank_sim_list_invoices (again);
  g_assert_cmpstr (after, ==, before);
  secret = kassa_bank_sim_dup_secret (again, KASSA_TEST_TERMINAL);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  g_assert_null (kassa_bank_sim_dup_secret (again, "87654321"));
  g_assert_cmpint (kassa_bank_sim_get_invoice_state (again, NULL, "STATE-0001", &error), ==,
                   KASSA_SIM_INVOICE_PAID);
  g_assert_no_error (error);
  /* The customer cannot pay twice after a restart either. */
  g_assert_false (kassa_bank_sim_pay (again, NULL, "STATE-0001", &error));
  g_assert_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_WRONG_STATE);
  g_clear_error (&error);
  g_assert_finalize_object (g_steal_pointer (&again));

  /* Not a state file: a clear error, and the file is left alone. */
  g_assert_true (g_file_set_contents (path, "{\"version\": 1, \"invoices\": 3}", -1, &error));
  broken = kassa_bank_sim_new (NULL);
  g_assert_false (kassa_bank_sim_set_state_file (broken, path, &error));
  g_assert_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "not json", -1, &error));
  g_assert_false (kassa_bank_sim_set_state_file (broken, path, &error));
  g_assert_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Options, messages and references (kassa-ctl faults)                 */

static void
assert_nothing_journaled (Fixture *f)
{
  g_autoptr(KassaTestCtl) history = ctl_run (f, "history", "--json");
  g_autofree char *invoices = sim_control (f, "/sim/invoices", "{}");

  g_assert_cmpint (history->status, ==, 0);
  g_assert_cmpuint (json_array_get_length (only_array (history)), ==, 0);
  g_assert_cmpstr (invoices, ==, "[]");
}

static void
test_reference_disguise (Fixture       *f,
                         gconstpointer  data)
{
  /* U+202E makes "a" U+202E "bc" print as "acb"; the others hide or reorder text too. */
  static const char * const bad[] = {
    "a\u202eb", "\u202e0001 ataeR", "a\u2066b\u2069", "a\u200fb", "a\u061cb", "a\u200bb",
    "line\nbreak",
  };
  g_autofree char *too_long = g_strnfill (129, 'r');

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", "1000", "--reference", bad[i]);

      g_assert_cmpint (r->status, ==, 2);
      g_assert_cmpuint (r->lines->len, ==, 0);
      g_assert_nonnull (strstr (r->err, "reference"));
    }
  {
    g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", "1000", "--reference", too_long);

    g_assert_cmpint (r->status, ==, 2);
  }

  assert_nothing_journaled (f);
}

/* The bank answered the check, with an error: kassa-ctl must not say it
 * cannot be reached. --expiry ends the sale (the cancel is not faulted). */
static void
test_check_answered (Fixture       *f,
                     gconstpointer  data)
{
  const struct
  {
    const char *kind;
    const char *says;
  } faults[] = {
    { "http500", "answered with an error" },
    { "malformed", "reply could not be read" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(KassaTestCtl) r = NULL;

      g_test_message ("check fault %s", faults[i].kind);
      kassa_test_sim_fault (f->sim, "check", faults[i].kind, 0, 0);
      r = ctl_run (f, "sale", "1000", "--wait", "--poll-ms", "100", "--expiry", "2",
                   "--timeout", "2");
      kassa_test_sim_fault (f->sim, "check", "none", 0, 0);

      g_assert_cmpint (r->status, ==, 7);
      g_assert_nonnull (strstr (r->err, faults[i].says));
      g_assert_null (strstr (r->err, "cannot be reached"));
    }
}

/* Recovery of an older invoice gives up while the bank hangs: the new sale
 * was never created (exit 8, nothing printed) and it gave up after one
 * --timeout. The old code waited a second full timeout after the hung check
 * had already timed out: nearly twice --timeout (7.8 s for 4 s here), so the
 * bound is halfway between. */
static void
test_recovery_gives_up (Fixture       *f,
                        gconstpointer  data)
{
  const char *live_url = f->url;
  g_autoptr(KassaTestCtl) first = NULL;
  g_autoptr(KassaTestCtl) second = NULL;
  g_autoptr(KassaTestCtl) pending = NULL;
  gint64 started;
  gint64 elapsed;

  f->url = "http://127.0.0.1:9";
  first = ctl_run (f, "sale", "1000", "--timeout", "1", "--poll-ms", "100");
  g_assert_cmpint (first->status, ==, 3);

  f->url = live_url;
  kassa_test_sim_fault (f->sim, "check", "delay", 60000, 0);
  started = g_get_monotonic_time ();
  second = ctl_run (f, "sale", "2000", "--timeout", "4", "--poll-ms", "100");
  elapsed = g_get_monotonic_time () - started;
  g_test_message ("gave up after %" G_GINT64_FORMAT " ms", elapsed / 1000);

  g_assert_cmpint (second->status, ==, 8);
  g_assert_cmpuint (second->lines->len, ==, 0);
  g_assert_nonnull (strstr (second->err, "recover"));
  g_assert_cmpint (elapsed, <, 6 * G_USEC_PER_SEC);

  /* Only the older invoice is journaled. */
  pending = ctl_run (f, "pending");
  g_assert_cmpuint (json_array_get_length (only_array (pending)), ==, 1);
}

/* ---- issue 14: the exchange log is trimmed; journal check|stats ---- */

static gint64
sql_int (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  return value;
}

/* SELECT @what FROM exchanges WHERE invoice = @number @extra */
static gint64
invoice_int (const char *path,
             const char *number,
             const char *what,
             const char *extra)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM exchanges WHERE invoice = '%s' %s",
                                          what, number, extra);

  return sql_int (path, sql);
}

static void
test_journal_routine_checks (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *on = sim_control (f, "/sim/autopay", "{\"seconds\": 2}");
  g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", "1500", "--wait", "--poll-ms", "100");
  g_autofree char *off = sim_control (f, "/sim/autopay", "{\"seconds\": 0}");
  g_autofree char *number = NULL;
  gint64 checks;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last_object (r), "state"), ==, "PAID");
  number = g_strdup (json_object_get_string_member (last_object (r), "invoice"));

  /* About 20 polls in 2 s: the create, one row counting the "not paid
   * yet" checks (with the first and last time), the paid check. */
  g_assert_cmpint (invoice_int (f->journal, number, "count(*)", ""), <=, 3);
  checks = invoice_int (f->journal, number, "repeats", "AND routine = 1");
  g_assert_cmpint (checks, >=, 5);
  g_assert_cmpint (invoice_int (f->journal, number, "first_at < at", "AND routine = 1"), ==, 1);
  g_assert_cmpint (invoice_int (f->journal, number, "count(*)",
                                "AND endpoint = 'check' AND routine = 0"), ==, 1);
}

static void
test_journal_errors_kept (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *on = sim_control (f, "/sim/autopay", "{\"seconds\": 3}");
  g_autofree char *fault = sim_control (f, "/sim/fault", "{\"endpoint\": \"check\", "
                                        "\"kind\": \"http500\", \"count\": 3}");
  g_autoptr(KassaTestCtl) r = ctl_run (f, "sale", "1500", "--wait", "--poll-ms", "100");
  g_autofree char *off = sim_control (f, "/sim/autopay", "{\"seconds\": 0}");
  g_autofree char *number = NULL;

  g_assert_cmpint (r->status, ==, 0);
  number = g_strdup (json_object_get_string_member (last_object (r), "invoice"));

  /* Each of the three failed checks is a row of its own. */
  g_assert_cmpint (invoice_int (f->journal, number, "count(*)", "AND http_status = 500"), ==, 3);
  g_assert_cmpint (invoice_int (f->journal, number, "max(repeats)", "AND http_status = 500"),
                   ==, 1);
  g_assert_cmpint (invoice_int (f->journal, number, "count(*)", ""), <=, 6);
}

static void
test_journal_stats (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *first = sale_paid (f, "1500");
  g_autofree char *second = sale_awaiting (f, "2500");
  g_autoptr(KassaTestCtl) r = ctl_run (f, "journal", "stats", "--json");
  g_autoptr(KassaTestCtl) text = NULL;
  JsonObject *stats = kassa_test_ctl_assert_json (r);
  JsonObject *states = json_object_get_object_member (stats, "states");
  GStatBuf st;

  /* Equal to what SQLite itself counts on the same file. */
  g_assert_cmpint (json_object_get_int_member (stats, "invoices"), ==,
                   sql_int (f->journal, "SELECT count(*) FROM invoices"));
  g_assert_cmpint (json_object_get_int_member (stats, "invoices"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (states, "PAID"), ==,
                   sql_int (f->journal, "SELECT count(*) FROM invoices WHERE state = 'PAID'"));
  g_assert_cmpint (json_object_get_int_member (states, "AWAITING_PAYMENT"), ==,
                   sql_int (f->journal, "SELECT count(*) FROM invoices WHERE state = "
                                        "'AWAITING_PAYMENT'"));
  g_assert_cmpint (json_object_get_int_member (stats, "exchange_rows"), ==,
                   sql_int (f->journal, "SELECT count(*) FROM exchanges"));
  g_assert_cmpint (json_object_get_int_member (stats, "exchanges"), ==,
                   sql_int (f->journal, "SELECT sum(repeats) FROM exchanges"));
  g_assert_cmpint (json_object_get_int_member (stats, "transitions"), ==,
                   sql_int (f->journal, "SELECT count(*) FROM transitions"));
  g_assert_cmpint (json_object_get_int_member (stats, "page_size"), ==,
                   sql_int (f->journal, "PRAGMA page_size"));
  g_assert_cmpint (json_object_get_int_member (stats, "page_count"), ==,
                   sql_int (f->journal, "PRAGMA page_count"));
  g_assert_cmpint (json_object_get_int_member (stats, "freelist_count"), ==,
                   sql_int (f->journal, "PRAGMA freelist_count"));
  g_assert_cmpint (g_stat (f->journal, &st), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "file_bytes"), ==,
                   json_object_get_int_member (stats, "page_count") *
                   json_object_get_int_member (stats, "page_size"));
  g_assert_cmpint (json_object_get_int_member (stats, "bytes_per_sale"), ==,
                   (json_object_get_int_member (stats, "file_bytes") +
                    json_object_get_int_member (stats, "wal_bytes")) / 2);

  /* For people: the same numbers in words. */
  text = ctl_runv (f, NULL, FALSE, (const char * const []) { "journal", "stats", NULL });
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "Invoices: 2\n"));
  g_assert_nonnull (strstr (text->out, "bytes per sale"));
}

/* Writes 0xff over the root page of @index of the (closed) journal. */
static void
damage_index (const char *path,
              const char *index)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rootpage FROM sqlite_master WHERE name = '%s'",
                                          index);
  gint64 root = sql_int (path, sql);
  gint64 page_size = sql_int (path, "PRAGMA page_size");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileIOStream) stream = g_file_open_readwrite (file, NULL, NULL);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (stream));
  guint8 garbage[16];

  g_assert_cmpint (root, >, 1);
  memset (garbage, 0xff, sizeof garbage);
  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), (root - 1) * page_size, G_SEEK_SET,
                                  NULL, NULL));
  g_assert_true (g_output_stream_write_all (out, garbage, sizeof garbage, NULL, NULL, NULL));
  g_assert_true (g_io_stream_close (G_IO_STREAM (stream), NULL, NULL));
}

static void
test_journal_check (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *number = sale_paid (f, "1500");
  g_autoptr(KassaTestCtl) ok = ctl_run (f, "journal", "check", "--json");
  g_autoptr(KassaTestCtl) damaged = NULL;
  g_autoptr(KassaTestCtl) human = NULL;
  g_autoptr(KassaTestCtl) pending = NULL;
  JsonObject *result = kassa_test_ctl_assert_json (ok);

  g_assert_true (json_object_get_boolean_member (result, "ok"));
  g_assert_cmpstr (json_object_get_string_member (result, "check"), ==, "integrity_check");

  /* Damage that opening does not read: a clean close skipped the check at
   * open (pending works), `journal check` finds it. */
  damage_index (f->journal, "exchanges_invoice");
  pending = ctl_run (f, "pending");
  g_assert_cmpint (pending->status, ==, 0);

  damaged = ctl_run (f, "journal", "check", "--json");
  g_assert_cmpint (damaged->status, ==, 10);
  result = last_object (damaged);
  g_assert_false (json_object_get_boolean_member (result, "ok"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "problems")),
                    >, 0);
  g_assert_nonnull (strstr (damaged->err, "is damaged"));

  human = ctl_runv (f, NULL, FALSE, (const char * const []) { "journal", "check", "--quick",
                                                              NULL });
  g_assert_cmpint (human->status, ==, 10);
  g_assert_nonnull (strstr (human->err, "is damaged"));
}

static void
test_journal_unclean_checked (Fixture       *f,
                              gconstpointer  data)
{
  KassaTestCtlOptions options = {
    .sim = f->sim,
    .url = f->url,
    .journal = f->journal,
    .data_home = f->data_home,
    .crash_point = "create-replied",
    .flags = KASSA_TEST_CTL_KILLABLE,
  };
  g_autoptr(KassaTestCtl) killed = NULL;
  g_autoptr(KassaTestCtl) refused = NULL;
  g_autofree char *number = sale_paid (f, "1500");

  /* kassa-ctl killed (SIGKILL) while it holds the journal: no clean close. */
  killed = kassa_test_ctl_run (&options, (const char * const []) { "sale", "1000", NULL });
  kassa_test_ctl_assert_killed (killed);
  g_assert_cmpint (sql_int (f->journal, "SELECT count(*) FROM meta WHERE key = 'clean_close'"),
                   ==, 0);

  /* The next open checks the whole file, finds the damage, and refuses it
   * as any corrupt journal (exit 10, the journal's own message). */
  damage_index (f->journal, "exchanges_invoice");
  refused = ctl_run (f, "pending");
  kassa_test_ctl_assert_failed (refused, 10);
  g_assert_nonnull (strstr (refused->err, "is damaged or is not a Kassa journal"));
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/ctl-till/sim-state-file", test_sim_state_file);
  g_test_add ("/ctl-till/sale-wait", Fixture, NULL, fixture_setup, test_sale_wait,
              fixture_teardown);
  g_test_add ("/ctl-till/sale-recover", Fixture, NULL, fixture_setup, test_sale_recover,
              fixture_teardown);
  g_test_add ("/ctl-till/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);
  g_test_add ("/ctl-till/refund", Fixture, NULL, fixture_setup, test_refund, fixture_teardown);
  g_test_add ("/ctl-till/secret-never-written", Fixture, NULL, fixture_setup,
              test_secret_never_written, fixture_teardown);
  g_test_add ("/ctl-till/settle", Fixture, NULL, fixture_setup, test_settle, fixture_teardown);
  g_test_add ("/ctl-till/manager-pin", Fixture, NULL, fixture_setup, test_manager_pin,
              fixture_teardown);
  g_test_add ("/ctl-till/audit", Fixture, NULL, fixture_setup, test_audit, fixture_teardown);
  g_test_add ("/ctl-till/history", Fixture, NULL, fixture_setup, test_history,
              fixture_teardown);
  g_test_add ("/ctl-till/locked", Fixture, NULL, fixture_setup, test_locked, fixture_teardown);
  g_test_add ("/ctl-till/bad-input", Fixture, NULL, fixture_setup, test_bad_input,
              fixture_teardown);
  g_test_add ("/ctl-till/bank-down", Fixture, NULL, fixture_setup, test_bank_down,
              fixture_teardown);
  g_test_add ("/ctl-till/training", Fixture, NULL, fixture_setup, test_training,
              fixture_teardown);
  /* kassa-ctl faults: references, messages, exit codes */
  g_test_add ("/ctl-till/reference-disguise", Fixture, NULL, fixture_setup,
              test_reference_disguise, fixture_teardown);
  g_test_add ("/ctl-till/check-answered", Fixture, NULL, fixture_setup, test_check_answered,
              fixture_teardown);
  g_test_add ("/ctl-till/recovery-gives-up", Fixture, NULL, fixture_setup,
              test_recovery_gives_up, fixture_teardown);
  g_test_add ("/ctl-till/journal/routine-checks", Fixture, NULL, fixture_setup,
              test_journal_routine_checks, fixture_teardown);
  g_test_add ("/ctl-till/journal/errors-kept", Fixture, NULL, fixture_setup,
              test_journal_errors_kept, fixture_teardown);
  g_test_add ("/ctl-till/journal/stats", Fixture, NULL, fixture_setup,
              test_journal_stats, fixture_teardown);
  g_test_add ("/ctl-till/journal/check", Fixture, NULL, fixture_setup,
              test_journal_check, fixture_teardown);
  g_test_add ("/ctl-till/journal/unclean-checked", Fixture, NULL, fixture_setup,
              test_journal_unclean_checked, fixture_teardown);

  return g_test_run ();
}
