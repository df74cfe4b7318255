/* kassa-test-cups.c — a private, real cupsd for tests (see the header)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-test-cups.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "kassa-test-util.h"

struct _KassaTestCups
{
  GSubprocess *process;
  char *dir;
  char *server;
};

static guint16
free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

static gboolean
port_answers (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;

  close (fd);
  return ok;
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_chmod (path, 0644);
}

static void
cupsd_exited_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

KassaTestCups *
kassa_test_cups_start (void)
{
  static const char * const subdirs[] = { "conf", "spool", "cache", "state", "log", "tmp", "run" };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cupsd = g_find_program_in_path ("cupsd");
  g_autofree char *cupsd_conf = NULL;
  g_autofree char *files_conf = NULL;
  g_autofree char *conf_dir = NULL;
  g_autofree char *conf_path = NULL;
  g_autofree char *files_path = NULL;
  const char *user = "lp";
  const char *group = "lp";
  const char *system_group = "root";
  KassaTestCups *cups;
  guint16 port;
  gint64 deadline;
  static gboolean exited;

  if (cupsd == NULL && g_file_test ("/usr/sbin/cupsd", G_FILE_TEST_IS_EXECUTABLE))
    cupsd = g_strdup ("/usr/sbin/cupsd");
  if (cupsd == NULL)
    g_error ("cupsd is not installed (Debian: cups-daemon, cups; "
             "build-aux/install-deps.sh --test)");

  cups = g_new0 (KassaTestCups, 1);
  cups->dir = g_dir_make_tmp ("kassa-test-cups-XXXXXX", &error);
  g_assert_no_error (error);
  /* The backends run as User and must reach the spool. */
  g_chmod (cups->dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (cups->dir, subdirs[i], NULL);
      g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
    }

  /* cupsd as root drops to User for backends; as another user it stays that user. */
  if (geteuid () != 0)
    {
      struct passwd *pw = getpwuid (geteuid ());
      struct group *gr = getgrgid (getegid ());

      g_assert_nonnull (pw);
      g_assert_nonnull (gr);
      user = pw->pw_name;
      group = system_group = gr->gr_name;
    }

  port = free_port ();
  cups->server = g_strdup_printf ("127.0.0.1:%u", port);
  cupsd_conf = g_strdup_printf (
    "Listen 127.0.0.1:%u\n"
    "Listen %s/run/cups.sock\n"
    "Browsing No\n"
    "BrowseLocalProtocols none\n"
    "DefaultAuthType None\n"
    "WebInterface No\n"
    "LogLevel info\n"
    "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
    "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
    port, cups->dir);
  files_conf = g_strdup_printf (
    "ServerRoot %1$s/conf\n"
    "RequestRoot %1$s/spool\n"
    "CacheDir %1$s/cache\n"
    "StateDir %1$s/state\n"
    "TempDir %1$s/tmp\n"
    "ErrorLog %1$s/log/error_log\n"
    "AccessLog %1$s/log/access_log\n"
    "PageLog %1$s/log/page_log\n"
    "Printcap %1$s/run/printcap\n"
    "ServerBin /usr/lib/cups\n"
    "DataDir /usr/share/cups\n"
    "SystemGroup %2$s\n"
    "User %3$s\n"
    "Group %4$s\n",
    cups->dir, system_group, user, group);
  conf_dir = g_build_filename (cups->dir, "conf", NULL);
  write_file (conf_dir, "cupsd.conf", cupsd_conf);
  write_file (conf_dir, "cups-files.conf", files_conf);
  conf_path = g_build_filename (conf_dir, "cupsd.conf", NULL);
  files_path = g_build_filename (conf_dir, "cups-files.conf", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  cups->process = g_subprocess_launcher_spawn (launcher, &error, cupsd, "-f", "-c", conf_path,
                                               "-s", files_path, NULL);
  g_assert_no_error (error);

  g_subprocess_wait_async (cups->process, NULL, cupsd_exited_cb, &exited);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!port_answers (port))
    {
      g_main_context_iteration (NULL, FALSE);
      if (exited || g_get_monotonic_time () > deadline)
        {
          g_autofree char *log_path = g_build_filename (cups->dir, "log", "error_log", NULL);
          g_autofree char *log = NULL;

          g_file_get_contents (log_path, &log, NULL, NULL);
          g_error ("cupsd did not start on port %u:\n%s", port, log != NULL ? log : "");
        }
      g_usleep (20 * 1000);
    }
  return cups;
}

const char *
kassa_test_cups_get_server (KassaTestCups *cups)
{
  return cups->server;
}

static void
run_tool (KassaTestCups      *cups,
          const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) tool = NULL;
  g_autofree char *err = NULL;

  tool = g_subprocess_newv (argv,
                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (tool, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (tool))
    g_error ("%s failed: %s", argv[0], err);
}

void
kassa_test_cups_add_raw_queue (KassaTestCups *cups,
                               const char    *name,
                               const char    *device_uri)
{
  /* lpadmin warns that raw queues are deprecated; CUPS 2.4 still makes them. */
  const char * const argv[] = { "lpadmin", "-h", cups->server, "-p", name, "-E",
                                "-v", device_uri, "-m", "raw", NULL };

  run_tool (cups, argv);
}

void
kassa_test_cups_run (KassaTestCups *cups,
                     const char    *tool,
                     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, (char *) tool);
  g_ptr_array_add (argv, (char *) "-h");
  g_ptr_array_add (argv, cups->server);
  va_start (ap, tool);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  run_tool (cups, (const char * const *) argv->pdata);
}

void
kassa_test_cups_free (KassaTestCups *cups)
{
  if (cups == NULL)
    return;
  g_subprocess_send_signal (cups->process, SIGTERM);
  g_subprocess_wait (cups->process, NULL, NULL);
  g_clear_object (&cups->process);
  kassa_test_remove_tree (cups->dir);
  g_free (cups->dir);
  g_free (cups->server);
  g_free (cups);
}
