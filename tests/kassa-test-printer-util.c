/* kassa-test-printer-util.c — the receipt printer stand-in as a process, for tests
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-test-printer-util.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "kassa-test-util.h"

struct _KassaTestPrinter
{
  GSubprocess *process;
  GDataInputStream *out;
  char *dir;
  char *out_path;
  char *status_path;
  char *tcp_uri;
  char *usb_uri;
  guint16 port;
};

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

KassaTestPrinter *
kassa_test_printer_spawn (const KassaTestPrinterOptions *options)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *link = NULL;
  KassaTestPrinter *printer = g_new0 (KassaTestPrinter, 1);

  printer->dir = g_dir_make_tmp ("kassa-test-printer-XXXXXX", &error);
  g_assert_no_error (error);
  printer->out_path = g_build_filename (printer->dir, "received.bin", NULL);
  printer->status_path = g_build_filename (printer->dir, "status", NULL);
  link = g_build_filename (printer->dir, "lp0", NULL);

  g_ptr_array_add (argv, g_strdup (kassa_test_env_path ("KASSA_TEST_PRINTER")));
  g_ptr_array_add (argv, g_strdup ("--out"));
  g_ptr_array_add (argv, g_strdup (printer->out_path));
  g_ptr_array_add (argv, g_strdup ("--status-file"));
  g_ptr_array_add (argv, g_strdup (printer->status_path));
  g_ptr_array_add (argv, g_strdup ("--status"));
  g_ptr_array_add (argv, g_strdup (options->status != NULL ? options->status : "ok"));
  if (options->tcp)
    {
      g_ptr_array_add (argv, g_strdup ("--tcp"));
      g_ptr_array_add (argv, g_strdup ("0"));
    }
  if (options->pty)
    {
      g_ptr_array_add (argv, g_strdup ("--pty"));
      g_ptr_array_add (argv, g_strdup (link));
      printer->usb_uri = g_strconcat ("usb:", link, NULL);
    }
  if (options->close_after > 0)
    {
      g_ptr_array_add (argv, g_strdup ("--close-after"));
      g_ptr_array_add (argv, g_strdup_printf ("%" G_GINT64_FORMAT, options->close_after));
    }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  printer->process = g_subprocess_launcher_spawnv (launcher,
                                                   (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  printer->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (printer->process));

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (printer->out, NULL, NULL,
                                                                  &error);
      guint64 port = 0;

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("kassa-test-printer exited before it was ready");
      if (g_str_equal (line, "ready"))
        break;
      if (g_str_has_prefix (line, "port ")
          && g_ascii_string_to_unsigned (line + 5, 10, 1, 65535, &port, NULL))
        {
          printer->port = (guint16) port;
          printer->tcp_uri = g_strdup_printf ("tcp:127.0.0.1:%u", printer->port);
        }
    }
  g_assert_true (!options->tcp || printer->port != 0);
  return printer;
}

const char *
kassa_test_printer_get_tcp_uri (KassaTestPrinter *printer)
{
  return printer->tcp_uri;
}

const char *
kassa_test_printer_get_usb_uri (KassaTestPrinter *printer)
{
  return printer->usb_uri;
}

guint16
kassa_test_printer_get_port (KassaTestPrinter *printer)
{
  return printer->port;
}

char *
kassa_test_printer_read_line (KassaTestPrinter *printer,
                              const char       *prefix)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char *line = g_data_input_stream_read_line_utf8 (printer->out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("kassa-test-printer exited while a test waited for “%s”", prefix);
      if (g_str_has_prefix (line, prefix))
        return line;
      g_free (line);
    }
}

void
kassa_test_printer_set_status (KassaTestPrinter *printer,
                               const char       *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strconcat ("status ", status, NULL);
  g_autofree char *line = NULL;

  g_file_set_contents (printer->status_path, status, -1, &error);
  g_assert_no_error (error);
  g_subprocess_send_signal (printer->process, SIGUSR1);
  line = kassa_test_printer_read_line (printer, "status ");
  g_assert_cmpstr (line, ==, expected);
}

GBytes *
kassa_test_printer_wait_bytes (KassaTestPrinter *printer,
                               gsize             size)
{
  /* Generous: the stand-in reads as fast as the kernel hands data over; only
   * a loaded machine makes this slow. */
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_get_contents (printer->out_path, &contents, &length, NULL) && length >= size)
        return g_bytes_new_take (g_steal_pointer (&contents), length);
      if (g_get_monotonic_time () > deadline)
        g_error ("the test printer received %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
                 length, size);
      g_usleep (10 * 1000);
    }
}

guint64
kassa_test_printer_job_count (const char *job_line,
                              const char *key)
{
  g_auto(GStrv) words = g_strsplit (job_line, " ", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);

  for (guint i = 0; words[i] != NULL; i++)
    if (g_str_has_prefix (words[i], prefix))
      return g_ascii_strtoull (words[i] + strlen (prefix), NULL, 10);
  g_error ("no “%s” in “%s”", key, job_line);
  return 0;
}

void
kassa_test_printer_free (KassaTestPrinter *printer)
{
  if (printer == NULL)
    return;
  g_subprocess_send_signal (printer->process, SIGTERM);
  g_subprocess_wait (printer->process, NULL, NULL);
  g_clear_object (&printer->out);
  g_clear_object (&printer->process);
  g_unlink (printer->out_path);
  g_unlink (printer->status_path);
  g_rmdir (printer->dir);
  g_free (printer->dir);
  g_free (printer->out_path);
  g_free (printer->status_path);
  g_free (printer->tcp_uri);
  g_free (printer->usb_uri);
  g_free (printer);
}

char *
kassa_test_printer_refused_uri (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_strdup_printf ("tcp:127.0.0.1:%u", port);
}
