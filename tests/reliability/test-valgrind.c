/* test-valgrind.c — real kassa-ctl runs under valgrind: no memory error, no definite leak
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case prepares what it needs with plain kassa-ctl runs (a kassa-bank-sim
 * process, a journal file in the test's own folder, a manager PIN), then runs
 * the command it is about under
 *
 *   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
 *            --show-leak-kinds=definite --suppressions=glib.supp
 *            [--suppressions=build-aux/valgrind.supp]
 *
 * and fails on exit 99 (an invalid read or write, a use of uninitialised
 * memory, a bad free, or a definitely lost block), printing valgrind's log,
 * or on any exit status other than the command's own expected one.
 * $KASSA_VALGRIND is valgrind (unset: the cases are skipped), $KASSA_VALGRIND_SUPP
 * a colon-separated list of suppression files. docs/reliability.md.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

#define PIN "2468"
#define VALGRIND_ERROR 99

typedef struct
{
  KassaTestSim *sim;
  char         *dir;
  char         *journal;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->sim = kassa_test_sim_spawnv (NULL);
  f->dir = g_build_filename (g_get_user_data_dir (), "valgrind", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  f->journal = g_build_filename (f->dir, "journal.sqlite", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->journal);
  g_free (f->dir);
}

/* Runs kassa-ctl @args (under valgrind when @checked) with the simulator,
 * the test terminal and the fixture's journal; @input goes to its stdin.
 * Asserts exit status @expected; returns stdout. */
static char *
ctl (Fixture            *f,
     gboolean            checked,
     int                 expected,
     const char         *input,
     const char * const *args)
{
  g_autoptr(GPtrArray) wrapper = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(KassaTestCtl) run = NULL;
  g_autofree char *log_path = g_build_filename (f->dir, "valgrind.log", NULL);
  g_autofree char *config_home = g_strconcat ("XDG_CONFIG_HOME=", g_get_user_config_dir (), NULL);
  g_autofree char *cache_home = g_strconcat ("XDG_CACHE_HOME=", g_get_user_cache_dir (), NULL);
  const char * const env[] = {
    /* GLib 2.74's slice allocator hides frees from valgrind. */
    "G_SLICE=always-malloc",
    /* The test's isolated folders (the training journal lives in the data one). */
    config_home,
    cache_home,
    NULL,
  };
  KassaTestCtlOptions options = {
    .sim = f->sim,
    .journal = f->journal,
    .data_home = g_get_user_data_dir (),
    .env = env,
    .input = input,
  };

  if (checked)
    {
      const char *supp = g_getenv ("KASSA_VALGRIND_SUPP");

      g_ptr_array_add (wrapper, g_strdup (g_getenv ("KASSA_VALGRIND")));
      g_ptr_array_add (wrapper, g_strdup ("--error-exitcode=" G_STRINGIFY (VALGRIND_ERROR)));
      g_ptr_array_add (wrapper, g_strdup ("--leak-check=full"));
      g_ptr_array_add (wrapper, g_strdup ("--errors-for-leak-kinds=definite"));
      g_ptr_array_add (wrapper, g_strdup ("--show-leak-kinds=definite"));
      g_ptr_array_add (wrapper, g_strdup ("--num-callers=30"));
      g_ptr_array_add (wrapper, g_strdup_printf ("--log-file=%s", log_path));
      if (supp != NULL)
        {
          g_auto(GStrv) files = g_strsplit (supp, ":", -1);

          for (guint i = 0; files[i] != NULL; i++)
            if (*files[i] != '\0')
              g_ptr_array_add (wrapper, g_strdup_printf ("--suppressions=%s", files[i]));
        }
      g_ptr_array_add (wrapper, NULL);
      options.wrapper = (const char * const *) wrapper->pdata;
      g_unlink (log_path);
    }

  run = kassa_test_ctl_run (&options, args);
  if (checked && run->status != expected)
    {
      g_autofree char *log = NULL;

      g_file_get_contents (log_path, &log, NULL, NULL);
      g_test_message ("valgrind's log:\n%s", log != NULL ? log : "(none)");
      if (run->status == VALGRIND_ERROR)
        g_error ("valgrind found a memory error or a definite leak in %s:\n%s",
                 run->command, log != NULL ? log : "");
    }
  if (run->status != expected)
    g_error ("%s exited %d, expected %d; stderr: %s", run->command, run->status, expected,
             run->err);

  return g_steal_pointer (&run->out);
}

/* Shorthands: NULL-terminated argument lists. */
#define CTL(f, expected, ...) \
  g_free (ctl ((f), FALSE, (expected), NULL, (const char * const []) { __VA_ARGS__, NULL }))
#define VG(f, expected, ...) \
  g_free (ctl ((f), TRUE, (expected), NULL, (const char * const []) { __VA_ARGS__, NULL }))
#define VG_IN(f, expected, input, ...) \
  g_free (ctl ((f), TRUE, (expected), (input), (const char * const []) { __VA_ARGS__, NULL }))

static gboolean
have_valgrind (void)
{
  const char *valgrind = g_getenv ("KASSA_VALGRIND");

  if (valgrind == NULL || *valgrind == '\0')
    {
      g_test_skip ("valgrind is not installed (build-aux/install-deps.sh --test)");
      return FALSE;
    }

  return TRUE;
}

static void
sim_autopay (Fixture *f,
             guint    seconds)
{
  g_autofree char *json = g_strdup_printf ("{\"seconds\": %u}", seconds);
  guint status = 0;
  g_autofree char *reply = kassa_test_sim_control (f->sim, "/sim/autopay", json, &status);

  g_assert_cmpuint (status, ==, 200);
}

/* An unpaid sale (plain run); returns its invoice number. */
static char *
open_sale (Fixture *f)
{
  const char * const args[] = { "sale", "1500", "--poll-ms", "100", NULL };
  g_autofree char *out = ctl (f, FALSE, 0, NULL, args);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, lines[0], -1, &error);
  g_assert_no_error (error);

  return g_strdup (json_object_get_string_member (
    json_node_get_object (json_parser_get_root (parser)), "invoice"));
}

/* A paid sale (plain run, the simulator pays it). */
static char *
paid_sale (Fixture *f)
{
  const char * const args[] = { "sale", "2500", "--wait", "--poll-ms", "100", NULL };
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  sim_autopay (f, 1);
  out = ctl (f, FALSE, 0, NULL, args);
  sim_autopay (f, 0);
  lines = g_strsplit (out, "\n", -1);
  json_parser_load_from_data (parser, lines[0], -1, &error);
  g_assert_no_error (error);

  return g_strdup (json_object_get_string_member (
    json_node_get_object (json_parser_get_root (parser)), "invoice"));
}

static void
set_pin (Fixture *f)
{
  const char * const args[] = { "manager-pin", NULL };

  g_free (ctl (f, FALSE, 0, PIN "\n", args));
}

/* ---- the cases ---- */

static void
test_version_help (Fixture       *f,
                   gconstpointer  data)
{
  if (!have_valgrind ())
    return;
  VG (f, 0, "--version");
  VG (f, 0, "--help");
  VG (f, 0, "bank", "--help");
}

static void
test_bank (Fixture       *f,
           gconstpointer  data)
{
  if (!have_valgrind ())
    return;
  VG (f, 0, "bank", "qr", "1500", "VG-0001");
  /* Unpaid, under the default reading: the bank refuses, exit 4. */
  VG (f, 4, "bank", "check", "1500", "VG-0001");
}

static void
test_sale_wait (Fixture       *f,
                gconstpointer  data)
{
  if (!have_valgrind ())
    return;
  /* Paid two seconds after it is made, while kassa-ctl polls. */
  sim_autopay (f, 2);
  VG (f, 0, "sale", "1500", "--wait", "--poll-ms", "200");
  sim_autopay (f, 0);
}

static void
test_pending_cancel (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *number = NULL;

  if (!have_valgrind ())
    return;
  number = open_sale (f);
  VG (f, 0, "pending");
  VG (f, 0, "cancel", number, "--poll-ms", "100");
}

static void
test_refund (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *number = NULL;

  if (!have_valgrind ())
    return;
  number = paid_sale (f);
  set_pin (f);
  VG_IN (f, 0, PIN "\n", "refund", number, "--pin", "-", "--reason", "valgrind");
}

static void
test_settle_report (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *number = NULL;
  g_autofree char *pdf = g_build_filename (f->dir, "batch.pdf", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "batch.csv", NULL);

  if (!have_valgrind ())
    return;
  number = paid_sale (f);
  set_pin (f);
  VG_IN (f, 0, PIN "\n", "settle", "--pin", "-", "--report", pdf, "--csv", csv,
         "--shop", "Valgrind");
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));
}

static void
test_history_audit (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *paid = NULL;
  g_autofree char *open = NULL;

  if (!have_valgrind ())
    return;
  paid = paid_sale (f);
  open = open_sale (f);
  set_pin (f);
  CTL (f, 0, "cancel", open);
  VG (f, 0, "history", "--json");
  VG (f, 0, "history", "--csv");
  VG (f, 0, "audit", "verify");
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  if (!have_valgrind ())
    return;
  /* Refused before anything is journaled or sent: the error paths. */
  VG (f, 2, "sale", "12.5");
  VG (f, 2, "bank", "qr", "-100", "VG-0002");
  VG (f, 2, "sale", "1500", "--method", "fax");
}

static void
test_training (Fixture       *f,
               gconstpointer  data)
{
  if (!have_valgrind ())
    return;
  /* The in-process training bank; paid a second after it is made. */
  VG (f, 0, "--training", "sale", "1500", "--wait", "--autopay", "1", "--poll-ms", "200");
}

static const struct
{
  const char    *path;
  void         (*func) (Fixture       *f,
                       gconstpointer  data);
  gboolean       till;  /* the group: the till commands, or the rest */
} cases[] = {
  { "/valgrind/version-help", test_version_help, FALSE },
  { "/valgrind/bank", test_bank, FALSE },
  { "/valgrind/bad-input", test_bad_input, FALSE },
  { "/valgrind/history-audit", test_history_audit, FALSE },
  { "/valgrind/settle-report", test_settle_report, FALSE },
  { "/valgrind/sale-wait", test_sale_wait, TRUE },
  { "/valgrind/pending-cancel", test_pending_cancel, TRUE },
  { "/valgrind/refund", test_refund, TRUE },
  { "/valgrind/training", test_training, TRUE },
};

/* `test-valgrind [--group till|other] [GTest options]`: meson runs the two
 * groups as two tests, in parallel (valgrind is slow). */
int
main (int   argc,
      char *argv[])
{
  int group = -1;

  if (argc >= 3 && g_str_equal (argv[1], "--group"))
    {
      group = g_str_equal (argv[2], "till") ? TRUE : FALSE;
      argv[2] = argv[0];
      argv += 2;
      argc -= 2;
    }
  kassa_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (group < 0 || cases[i].till == group)
      g_test_add (cases[i].path, Fixture, NULL, fixture_setup, cases[i].func,
                  fixture_teardown);

  return g_test_run ();
}
