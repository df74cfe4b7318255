/* kassa-test-ctl.c — kassa-ctl ($KASSA_CTL) as a real process, for every test that runs it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-test-ctl.h"

#include <signal.h>
#include <string.h>

#define HELD_POLL_MS 10

struct _KassaTestCtlPrivate
{
  GSubprocess          *process;
  KassaTestSim         *sim;
  char                 *secret;
  KassaTestCtlFlags     flags;
  guint                 limit_s;
  KassaTestCtlLineFunc  line_func;
  gpointer              line_data;

  GString              *out;
  GString              *err;
  gsize                 line_pos;  /* line_func has seen out up to here */
  gsize                 read_pos;  /* kassa_test_ctl_next_object() has read up to here */
  gboolean              out_eof;
  gboolean              err_eof;
  gboolean              exited;
  gboolean              finished;
  guint                 limit_id;
  guint                 held_id;
  JsonNode             *json;      /* kassa_test_ctl_assert_json()'s */
};

/* ---- the environment ---- */

static char **
ctl_environ (const KassaTestCtlOptions *options)
{
  char **env = g_get_environ ();
  const char *url = options->url;
  const char *terminal = options->terminal;
  const char *secret = options->secret;

  if (options->sim != NULL)
    {
      url = url != NULL ? url : kassa_test_sim_get_url (options->sim);
      terminal = terminal != NULL ? terminal : KASSA_TEST_TERMINAL;
      secret = secret != NULL ? secret : KASSA_TEST_SECRET;
    }

  env = g_environ_setenv (env, "KASSA_BANK_URL", url != NULL ? url : "", TRUE);
  env = g_environ_setenv (env, "KASSA_TERMINAL", terminal != NULL ? terminal : "", TRUE);
  env = g_environ_setenv (env, "KASSA_SECRET", secret != NULL ? secret : "", TRUE);
  env = g_environ_setenv (env, "KASSA_BANK_CA_FILE", "", TRUE);
  if (options->journal != NULL)
    env = g_environ_setenv (env, "KASSA_JOURNAL", options->journal, TRUE);
  if (options->data_home != NULL)
    env = g_environ_setenv (env, "XDG_DATA_HOME", options->data_home, TRUE);
  if (options->crash_point != NULL)
    env = g_environ_setenv (env, "KASSA_CRASH_POINT", options->crash_point, TRUE);
  else
    env = g_environ_unsetenv (env, "KASSA_CRASH_POINT");
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  env = g_environ_unsetenv (env, "LC_ALL");

  for (guint i = 0; options->env != NULL && options->env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (options->env[i], "=", 2);

      if (pair[1] != NULL)
        env = g_environ_setenv (env, pair[0], pair[1], TRUE);
      else
        env = g_environ_unsetenv (env, pair[0]);
    }

  return env;
}

/* ---- reading the output ---- */

static void read_pipe (KassaTestCtl *ctl,
                       GInputStream *pipe);

/* Hands line_func the complete lines read so far (and at the end the last,
 * unterminated one). */
static void
deliver_lines (KassaTestCtl *ctl,
               gboolean      at_end)
{
  KassaTestCtlPrivate *priv = ctl->priv;

  while (priv->line_pos < priv->out->len)
    {
      const char *start = priv->out->str + priv->line_pos;
      const char *end = memchr (start, '\n', priv->out->len - priv->line_pos);
      g_autofree char *line = NULL;

      if (end == NULL && !at_end)
        return;
      if (end == NULL)
        end = priv->out->str + priv->out->len;
      line = g_strndup (start, end - start);
      priv->line_pos = MIN ((gsize) (end - priv->out->str) + 1, priv->out->len);
      if (priv->line_func != NULL)
        priv->line_func (line, priv->line_data);
    }
}

/* stdout or stderr: appended to out or err until the end. */
static void
pipe_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KassaTestCtl *ctl = user_data;
  KassaTestCtlPrivate *priv = ctl->priv;
  GInputStream *pipe = G_INPUT_STREAM (source);
  gboolean is_out = pipe == g_subprocess_get_stdout_pipe (priv->process);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (pipe, result, &error);

  g_assert_no_error (error);
  if (g_bytes_get_size (bytes) == 0)
    {
      if (is_out)
        priv->out_eof = TRUE;
      else
        priv->err_eof = TRUE;
      return;
    }
  g_string_append_len (is_out ? priv->out : priv->err, g_bytes_get_data (bytes, NULL),
                       g_bytes_get_size (bytes));
  if (is_out)
    deliver_lines (ctl, FALSE);
  read_pipe (ctl, pipe);
}

static void
read_pipe (KassaTestCtl *ctl,
           GInputStream *pipe)
{
  g_input_stream_read_bytes_async (pipe, 4096, G_PRIORITY_DEFAULT, NULL, pipe_read_cb, ctl);
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  KassaTestCtl *ctl = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error);
  g_assert_no_error (error);
  ctl->priv->exited = TRUE;
}

static gboolean
limit_cb (gpointer user_data)
{
  KassaTestCtl *ctl = user_data;

  ctl->priv->limit_id = 0;
  ctl->timed_out = TRUE;
  g_subprocess_force_exit (ctl->priv->process);
  return G_SOURCE_REMOVE;
}

/* Kills the run once the simulator holds its request. */
static gboolean
kill_when_held_cb (gpointer user_data)
{
  KassaTestCtl *ctl = user_data;
  KassaTestCtlPrivate *priv = ctl->priv;
  g_autofree char *reply = NULL;
  guint status = 0;

  if (priv->exited)
    {
      priv->held_id = 0;
      return G_SOURCE_REMOVE;
    }
  reply = kassa_test_sim_control (priv->sim, "/sim/held", "{}", &status);
  if (!(priv->flags & KASSA_TEST_CTL_UNCHECKED))
    g_assert_cmpuint (status, ==, 200);
  if (status != 200 || g_str_equal (reply, "{\"held\": 0}"))
    return G_SOURCE_CONTINUE;

  g_subprocess_send_signal (priv->process, SIGKILL);
  ctl->held_kill = TRUE;
  priv->held_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* ---- the run ---- */

KassaTestCtl *
kassa_test_ctl_start (const KassaTestCtlOptions *options,
                      const char * const        *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GString) command = g_string_new (NULL);
  g_auto(GStrv) env = ctl_environ (options);
  g_autoptr(GError) error = NULL;
  KassaTestCtl *ctl = g_new0 (KassaTestCtl, 1);
  KassaTestCtlPrivate *priv = g_new0 (KassaTestCtlPrivate, 1);
  GOutputStream *in;

  ctl->priv = priv;
  priv->sim = options->sim;
  priv->secret = g_strdup (options->secret);
  priv->flags = options->flags;
  priv->limit_s = options->limit_s;
  priv->line_func = options->line_func;
  priv->line_data = options->line_data;
  priv->out = g_string_new (NULL);
  priv->err = g_string_new (NULL);

  for (guint i = 0; options->wrapper != NULL && options->wrapper[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) options->wrapper[i]);
  if (options->wrapper != NULL && options->wrapper[0] != NULL)
    {
      g_autofree char *name = g_path_get_basename (options->wrapper[0]);

      g_string_append_printf (command, "%s ", name);
    }
  g_string_append (command, "kassa-ctl");
  g_ptr_array_add (argv, (char *) kassa_test_env_path ("KASSA_CTL"));
  for (guint i = 0; args[i] != NULL; i++)
    {
      g_ptr_array_add (argv, (char *) args[i]);
      g_string_append_printf (command, " %s", args[i]);
    }
  g_ptr_array_add (argv, NULL);
  if (options->crash_point != NULL)
    g_string_append_printf (command, " [KASSA_CRASH_POINT=%s]", options->crash_point);
  ctl->command = g_string_free (g_steal_pointer (&command), FALSE);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, env);
  priv->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);

  /* A pipe, never a terminal; closed after the input, so nothing waits for more. */
  in = g_subprocess_get_stdin_pipe (priv->process);
  if (options->input != NULL)
    {
      g_output_stream_write_all (in, options->input, strlen (options->input), NULL, NULL,
                                 &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (in, NULL, NULL);

  read_pipe (ctl, g_subprocess_get_stdout_pipe (priv->process));
  read_pipe (ctl, g_subprocess_get_stderr_pipe (priv->process));
  g_subprocess_wait_async (priv->process, NULL, exited_cb, ctl);
  if (options->limit_s > 0)
    priv->limit_id = g_timeout_add_seconds (options->limit_s, limit_cb, ctl);
  if (options->kill_when_held)
    {
      g_assert_nonnull (options->sim);
      priv->held_id = g_timeout_add (HELD_POLL_MS, kill_when_held_cb, ctl);
    }

  return ctl;
}

static void
wait_until_done (KassaTestCtl *ctl)
{
  KassaTestCtlPrivate *priv = ctl->priv;

  while (!(priv->out_eof && priv->err_eof && priv->exited))
    g_main_context_iteration (NULL, TRUE);
  g_clear_handle_id (&priv->limit_id, g_source_remove);
  g_clear_handle_id (&priv->held_id, g_source_remove);
}

static void
assert_not_in_output (KassaTestCtl *ctl,
                      const char   *secret)
{
  g_assert_null (strstr (ctl->out, secret));
  g_assert_null (strstr (ctl->err, secret));
}

void
kassa_test_ctl_finish (KassaTestCtl *ctl)
{
  KassaTestCtlPrivate *priv = ctl->priv;
  gboolean checked = !(priv->flags & KASSA_TEST_CTL_UNCHECKED);

  g_assert_false (priv->finished);
  wait_until_done (ctl);
  priv->finished = TRUE;
  deliver_lines (ctl, TRUE);

  ctl->out = g_strndup (priv->out->str, priv->out->len);
  ctl->err = g_strndup (priv->err->str, priv->err->len);
  ctl->signalled = g_subprocess_get_if_signaled (priv->process);
  if (ctl->signalled)
    ctl->signal = g_subprocess_get_term_sig (priv->process);
  else
    ctl->status = g_subprocess_get_exit_status (priv->process);
  g_test_message ("%s → %s %d\nstdout: %s\nstderr: %s", ctl->command,
                  ctl->signalled ? "signal" : "exit",
                  ctl->signalled ? ctl->signal : ctl->status, ctl->out, ctl->err);
  ctl->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  if (!checked)
    return;

  if (ctl->timed_out)
    g_error ("%s did not finish within %u s", ctl->command, priv->limit_s);
  if (ctl->signalled && !(priv->flags & KASSA_TEST_CTL_KILLABLE))
    g_error ("kassa-ctl did not exit normally (signal %d); stderr: %s", ctl->signal, ctl->err);
  /* Any other encoding is a failure (the locale tests rely on it). */
  if (!g_utf8_validate (ctl->out, -1, NULL) || !g_utf8_validate (ctl->err, -1, NULL))
    g_error ("%s wrote something that is not UTF-8", ctl->command);

  /* No run, killed or not, ever shows the secret. */
  assert_not_in_output (ctl, KASSA_TEST_SECRET);
  if (priv->secret != NULL && priv->secret[0] != '\0')
    assert_not_in_output (ctl, priv->secret);

  if (priv->flags & KASSA_TEST_CTL_JSON_LINES)
    {
      g_auto(GStrv) lines = g_strsplit (ctl->out, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;
          JsonNode *node;

          if (lines[i][0] == '\0')
            continue;
          node = json_from_string (lines[i], &error);
          g_assert_no_error (error);
          g_assert_nonnull (node);
          g_ptr_array_add (ctl->lines, node);
        }
      /* Exactly one line ending per line: nothing else on stdout. */
      g_assert_true (ctl->out[0] == '\0' || g_str_has_suffix (ctl->out, "\n"));
    }
}

KassaTestCtl *
kassa_test_ctl_run (const KassaTestCtlOptions *options,
                    const char * const        *args)
{
  KassaTestCtl *ctl = kassa_test_ctl_start (options, args);

  kassa_test_ctl_finish (ctl);
  return ctl;
}

GSubprocess *
kassa_test_ctl_get_process (KassaTestCtl *ctl)
{
  return ctl->priv->process;
}

void
kassa_test_ctl_free (KassaTestCtl *ctl)
{
  KassaTestCtlPrivate *priv;

  if (ctl == NULL)
    return;

  priv = ctl->priv;
  /* A run the test did not finish (it failed, or did not need the end): its
   * reads hold @ctl until the pipes close. */
  if (!(priv->out_eof && priv->err_eof && priv->exited))
    {
      g_subprocess_force_exit (priv->process);
      wait_until_done (ctl);
    }
  g_clear_handle_id (&priv->limit_id, g_source_remove);
  g_clear_handle_id (&priv->held_id, g_source_remove);
  g_clear_object (&priv->process);
  g_free (priv->secret);
  g_string_free (priv->out, TRUE);
  g_string_free (priv->err, TRUE);
  g_clear_pointer (&priv->json, json_node_unref);
  g_free (priv);
  g_free (ctl->command);
  g_free (ctl->out);
  g_free (ctl->err);
  g_clear_pointer (&ctl->lines, g_ptr_array_unref);
  g_free (ctl);
}

/* ---- while it runs ---- */

static JsonObject *
next_object (KassaTestCtl *ctl,
             guint         timeout_s,
             const char   *what)
{
  KassaTestCtlPrivate *priv = ctl->priv;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gboolean late = FALSE;
  guint late_id = g_timeout_add_seconds (timeout_s, flag_timeout_cb, &late);
  const char *start;
  const char *end;

  for (;;)
    {
      start = priv->out->str + priv->read_pos;
      end = memchr (start, '\n', priv->out->len - priv->read_pos);
      if (end != NULL || priv->out_eof || late)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  if (!late)
    g_source_remove (late_id);
  if (end == NULL && !priv->out_eof)
    {
      g_subprocess_force_exit (priv->process);
      g_error ("no line from %s within %u s: %s", ctl->command, timeout_s, what);
    }
  if (ctl->timed_out && !(priv->flags & KASSA_TEST_CTL_UNCHECKED))
    g_error ("%s did not finish within %u s", ctl->command, priv->limit_s);
  if (end == NULL)
    end = priv->out->str + priv->out->len;
  if (end == start)
    return NULL;

  line = g_strndup (start, end - start);
  priv->read_pos = MIN ((gsize) (end - priv->out->str) + 1, priv->out->len);
  g_test_message ("kassa-ctl: %s", line);
  node = json_from_string (line, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

JsonObject *
kassa_test_ctl_next_object (KassaTestCtl *ctl,
                            guint         timeout_s)
{
  return next_object (ctl, timeout_s, "the next line");
}

JsonObject *
kassa_test_ctl_wait_for_state (KassaTestCtl *ctl,
                               const char   *state,
                               guint         timeout_s)
{
  for (;;)
    {
      g_autoptr(JsonObject) object = next_object (ctl, timeout_s, state);

      g_assert_nonnull (object);
      if (g_strcmp0 (json_object_get_string_member (object, "state"), state) == 0)
        return g_steal_pointer (&object);
    }
}

/* ---- the result ---- */

JsonObject *
kassa_test_ctl_assert_json (KassaTestCtl *ctl)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  gsize len;

  if (ctl->status != 0)
    g_error ("kassa-ctl exited %d; stderr: %s", ctl->status, ctl->err);
  g_assert_cmpstr (ctl->err, ==, "");

  len = strlen (ctl->out);
  g_assert_cmpuint (len, >, 2);
  g_assert_cmpint (ctl->out[len - 1], ==, '\n');
  g_assert_true (strchr (ctl->out, '\n') == ctl->out + len - 1);
  g_assert_cmpint (ctl->out[0], ==, '{');

  g_clear_pointer (&ctl->priv->json, json_node_unref);
  root = ctl->priv->json = json_from_string (ctl->out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_cmpint (json_node_get_node_type (root), ==, JSON_NODE_OBJECT);

  return json_node_get_object (root);
}

void
kassa_test_ctl_assert_failed (KassaTestCtl *ctl,
                              int           expected_status)
{
  g_auto(GStrv) lines = NULL;

  if (ctl->status != expected_status)
    g_error ("kassa-ctl exited %d, expected %d; stdout: %s; stderr: %s",
             ctl->status, expected_status, ctl->out, ctl->err);

  g_assert_cmpstr (ctl->out, ==, "");
  g_assert_true (g_str_has_suffix (ctl->err, "\n"));
  lines = g_strsplit (ctl->err, "\n", -1);
  for (guint i = 0; lines[i + 1] != NULL; i++)
    g_assert_true (g_str_has_prefix (lines[i], "kassa-ctl: "));
}

void
kassa_test_ctl_assert_exit (KassaTestCtl *ctl,
                            int           status)
{
  if (ctl->signalled)
    g_error ("kassa-ctl was killed by signal %d; stderr: %s", ctl->signal, ctl->err);
  if (ctl->status != status)
    g_error ("kassa-ctl exited %d, expected %d; stderr: %s", ctl->status, status, ctl->err);
}

void
kassa_test_ctl_assert_killed (KassaTestCtl *ctl)
{
  if (!ctl->signalled)
    g_error ("kassa-ctl was not killed at its crash point: exit %d; stderr: %s",
             ctl->status, ctl->err);
  g_assert_cmpint (ctl->signal, ==, SIGKILL);
}

JsonObject *
kassa_test_ctl_line_object (KassaTestCtl *ctl,
                            guint         index)
{
  JsonNode *node;

  g_assert_cmpuint (index, <, ctl->lines->len);
  node = g_ptr_array_index (ctl->lines, index);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_node_get_object (node);
}

JsonObject *
kassa_test_ctl_last_object (KassaTestCtl *ctl)
{
  g_assert_cmpuint (ctl->lines->len, >, 0);

  return kassa_test_ctl_line_object (ctl, ctl->lines->len - 1);
}

JsonArray *
kassa_test_ctl_only_array (KassaTestCtl *ctl)
{
  JsonNode *node;

  g_assert_cmpuint (ctl->lines->len, ==, 1);
  node = g_ptr_array_index (ctl->lines, 0);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));

  return json_node_get_array (node);
}

char *
kassa_test_ctl_invoice (KassaTestCtl *ctl)
{
  g_auto(GStrv) lines = g_strsplit (ctl->out, "\n", -1);
  char *number = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (lines[i][0] != '{' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (JSON_NODE_HOLDS_OBJECT (root) &&
          json_object_has_member (json_node_get_object (root), "invoice"))
        {
          g_free (number);
          number = g_strdup (json_object_get_string_member (json_node_get_object (root),
                                                            "invoice"));
        }
    }

  if (number == NULL)
    g_error ("no invoice in kassa-ctl's output: %s", ctl->out);

  return number;
}
