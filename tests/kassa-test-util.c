/* kassa-test-util.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* unshare() */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "kassa-test-util.h"

struct _KassaTestSim
{
  GSubprocess *process;
  char        *url;
};

void
kassa_test_init (int    *argc,
                 char ***argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  /* The isolated directories hide GSettings schemas; GIO's GNOME proxy module
   * would abort on the first connection. Tests only ever talk to loopback. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}

const char *
kassa_test_env_path (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set; run the tests with meson test (the ui suite under "
             "build-aux/with-display.sh)", name);

  return value;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

KassaTestSim *
kassa_test_sim_spawnv (const char * const *extra_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  KassaTestSim *sim;

  g_ptr_array_add (argv, (char *) kassa_test_env_path ("KASSA_BANK_SIM"));
  g_ptr_array_add (argv, (char *) "--port");
  g_ptr_array_add (argv, (char *) "0");
  g_ptr_array_add (argv, (char *) "--terminal");
  g_ptr_array_add (argv, (char *) KASSA_TEST_TERMINAL);
  g_ptr_array_add (argv, (char *) "--secret");
  g_ptr_array_add (argv, (char *) KASSA_TEST_SECRET);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  sim = g_new0 (KassaTestSim, 1);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* A test that aborts skips its teardown: the simulator must not outlive it
   * (it would hold the runner's pipes open until the timeout). */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sim->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                               &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    g_error ("kassa-bank-sim exited before printing its URL");
  g_assert_true (g_str_has_prefix (line, "http://127.0.0.1:") ||
                 g_str_has_prefix (line, "https://127.0.0.1:"));
  sim->url = g_steal_pointer (&line);

  return sim;
}

KassaTestSim *
kassa_test_sim_spawn (const char *first_arg,
                      ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return kassa_test_sim_spawnv ((const char * const *) args->pdata);
}

const char *
kassa_test_sim_get_url (KassaTestSim *sim)
{
  return sim->url;
}

GSubprocess *
kassa_test_sim_get_process (KassaTestSim *sim)
{
  return sim->process;
}

char *
kassa_test_sim_control (KassaTestSim *sim,
                        const char   *path,
                        const char   *json,
                        guint        *out_status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (sim->url, path, NULL);
  char *reply;

  reply = kassa_test_http ("POST", url, "application/json", json ? json : "{}", -1,
                           out_status, &error);
  g_assert_no_error (error);

  return reply;
}

void
kassa_test_sim_expect (KassaTestSim *sim,
                       const char   *path,
                       const char   *json,
                       guint         expected_status)
{
  guint status = 0;
  g_autofree char *reply = kassa_test_sim_control (sim, path, json, &status);

  if (status != expected_status)
    g_error ("%s %s: HTTP %u %s", path, json, status, reply);
}

void
kassa_test_sim_pay (KassaTestSim *sim,
                    const char   *invoice)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}", invoice);

  kassa_test_sim_expect (sim, "/sim/pay", json, 200);
}

void
kassa_test_sim_decline (KassaTestSim *sim,
                        const char   *invoice)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}", invoice);

  kassa_test_sim_expect (sim, "/sim/decline", json, 200);
}

void
kassa_test_sim_fault (KassaTestSim *sim,
                      const char   *endpoint,
                      const char   *kind,
                      guint         delay_ms,
                      guint         count)
{
  g_autofree char *json = g_strdup_printf ("{\"endpoint\": \"%s\", \"kind\": \"%s\", "
                                           "\"delay_ms\": %u, \"count\": %u}",
                                           endpoint, kind, delay_ms, count);

  kassa_test_sim_expect (sim, "/sim/fault", json, 200);
}

void
kassa_test_sim_free (KassaTestSim *sim)
{
  if (sim == NULL)
    return;

  g_subprocess_send_signal (sim->process, SIGTERM);
  g_subprocess_wait (sim->process, NULL, NULL);
  g_clear_object (&sim->process);
  g_free (sim->url);
  g_free (sim);
}

char *
kassa_test_http (const char  *method,
                 const char  *url,
                 const char  *content_type,
                 const char  *body,
                 gssize       body_len,
                 guint       *out_status,
                 GError     **error)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;

  g_assert_nonnull (msg);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;

      if (body_len < 0)
        body_len = strlen (body);
      bytes = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  reply = soup_session_send_and_read (session, msg, NULL, error);
  if (reply == NULL)
    return NULL;

  if (out_status != NULL)
    *out_status = soup_message_get_status (msg);

  return g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
}

static gboolean
wait_timeout_cb (gpointer data)
{
  g_error ("timed out waiting for an asynchronous result");
  return G_SOURCE_REMOVE;
}

void
kassa_test_async_done_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  KassaTestAsync *w = user_data;

  g_assert_false (w->done);
  g_assert_true (G_IS_OBJECT (source));
  w->result = g_object_ref (result);
  w->done = TRUE;
}

GAsyncResult *
kassa_test_async_wait (KassaTestAsync *w,
                       guint           timeout_s)
{
  kassa_test_wait_for (&w->done, timeout_s);
  return g_steal_pointer (&w->result);
}

void
kassa_test_wait_for (gboolean *flag,
                     guint     timeout_s)
{
  guint id = g_timeout_add_seconds (timeout_s, wait_timeout_cb, NULL);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (id);
}

typedef struct
{
  KassaInvoiceState want;
  gboolean          reached;
} StateWait;

static void
on_state_cb (KassaInvoice *invoice,
             GParamSpec   *pspec,
             StateWait    *w)
{
  if (kassa_invoice_get_state (invoice) == w->want)
    w->reached = TRUE;
}

void
kassa_test_wait_for_state (KassaInvoice      *invoice,
                           KassaInvoiceState  state,
                           guint              timeout_s)
{
  StateWait w = { state, kassa_invoice_get_state (invoice) == state };
  gulong id = g_signal_connect (invoice, "notify::state", G_CALLBACK (on_state_cb), &w);

  kassa_test_wait_for (&w.reached, timeout_s);
  g_signal_handler_disconnect (invoice, id);
}

void
kassa_test_wait_in_state (KassaInvoice      *invoice,
                          KassaInvoiceState  state,
                          guint              timeout_s)
{
  kassa_test_wait_for_state (invoice, state, timeout_s);
  g_assert_cmpstr (kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)), ==,
                   kassa_invoice_state_to_string (state));
}

void
kassa_test_sqlite_exec (const char *path,
                        const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

void
kassa_test_run_openssl (const char         *dir,
                        const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) "openssl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", args[0], error->message, err);
}

GHashTable *
kassa_test_sim_invoices (KassaTestSim *sim)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *array;
  guint status = 0;

  reply = kassa_test_sim_control (sim, "/sim/invoices", "{}", &status);
  g_assert_cmpuint (status, ==, 200);
  json_parser_load_from_data (parser, reply, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      g_hash_table_insert (table, g_strdup (json_object_get_string_member (o, "invoice")),
                           g_strdup (json_object_get_string_member (o, "state")));
    }

  return table;
}

char *
kassa_test_sim_state (KassaTestSim *sim,
                      const char   *invoice)
{
  g_autoptr(GHashTable) table = kassa_test_sim_invoices (sim);

  return g_strdup (g_hash_table_lookup (table, invoice));
}

const char *
kassa_test_expected_sim_state (KassaInvoiceState  state,
                               gboolean          *unresolved)
{
  *unresolved = FALSE;
  switch (state)
    {
    case KASSA_INVOICE_AWAITING_PAYMENT: return "unpaid";
    case KASSA_INVOICE_PAID:             return "paid";
    case KASSA_INVOICE_DECLINED:         return "declined";
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:          return "cancelled";
    case KASSA_INVOICE_REFUNDED:         return "refunded";
    case KASSA_INVOICE_FAILED:           return NULL;
    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
    default:
      *unresolved = TRUE;
      return NULL;
    }
}

void
kassa_test_assert_journal_agrees (KassaJournal *journal,
                                  KassaTestSim *sim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) table = kassa_test_sim_invoices (sim);
  g_autoptr(GPtrArray) invoices = kassa_journal_list (journal, NULL, NULL, &error);
  guint at_bank = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < invoices->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (invoices, i);
      gboolean unresolved;
      const char *expected = kassa_test_expected_sim_state (kassa_invoice_get_state (invoice),
                                                            &unresolved);
      const char *actual = g_hash_table_lookup (table, kassa_invoice_get_number (invoice));

      if (unresolved)
        g_error ("a test ended with an unresolved invoice (%s)",
                 kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));

      g_test_message ("%s: journal %s, simulator %s", kassa_invoice_get_number (invoice),
                      kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)), actual);
      g_assert_cmpstr (actual, ==, expected);
      if (expected != NULL)
        at_bank++;
    }

  g_assert_cmpuint (g_hash_table_size (table), ==, at_bank);
}

gboolean
kassa_test_private_mounts (char **out_reason)
{
  if (geteuid () != 0)
    {
      *out_reason = g_strdup ("needs root (mounts a small tmpfs to fill a disk for real)");
      return FALSE;
    }
  if (unshare (CLONE_NEWNS) != 0)
    {
      *out_reason = g_strdup_printf ("unshare(CLONE_NEWNS) failed: %s", g_strerror (errno));
      return FALSE;
    }
  /* Mounts made here must not reach the host's namespace. */
  if (mount ("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    {
      *out_reason = g_strdup_printf ("cannot make / private: %s", g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

void
kassa_test_mount_tmpfs (const char *dir,
                        guint       size_kib)
{
  g_autofree char *options = g_strdup_printf ("size=%uk,mode=0700", size_kib);

  if (mount ("kassa-test", dir, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
    g_error ("mount -t tmpfs %s: %s", dir, g_strerror (errno));
}

void
kassa_test_fill_disk (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  static const char block[4096];
  int fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  gsize size = sizeof block;

  g_assert_cmpint (fd, >=, 0);
  /* Whole blocks, then ever smaller writes: no byte left. */
  while (size > 0)
    {
      if (write (fd, block, size) < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          size /= 2;
        }
    }
  close (fd);
}

void
kassa_test_unfill_disk (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
}

void
kassa_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        kassa_test_remove_tree (child);
      else
        g_assert_cmpint (g_remove (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}
