/* kassa-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <sys/prctl.h>

#include <libsoup/soup.h>

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

static const char *
sim_path (void)
{
  const char *path = g_getenv ("KASSA_BANK_SIM");

  if (path == NULL)
    g_error ("KASSA_BANK_SIM is not set; run the tests with meson test");

  return path;
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

  g_ptr_array_add (argv, (char *) sim_path ());
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

  w->result = g_object_ref (result);
  w->done = TRUE;
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
