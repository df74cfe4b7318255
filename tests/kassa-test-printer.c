/* kassa-test-printer.c — a receipt printer stand-in that speaks ESC/POS, as a process
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tests cannot have a real USB or network receipt printer, so this plays
 * one (DESIGN.md, Testing): it takes ESC/POS on a TCP port (as port 9100
 * does) and on a pseudo-terminal whose slave is linked where a test opens
 * it as usb:LINK (as /dev/usb/lp0), appends every byte to --out, and answers
 * DLE EOT n as an Epson printer does, found with kassa-test-printer-scan so
 * raster image bytes are never taken for requests.
 *
 *   --tcp PORT          listen on 127.0.0.1:PORT (0: any free port)
 *   --pty LINK          a pty in raw mode, LINK -> its slave
 *   --out FILE          append every byte received
 *   --status STATE      ok, near-end, paper-out, cover-open, error, offline, silent
 *   --status-file FILE  on SIGUSR1, read the state from FILE
 *   --close-after N     drop a connection (or the pty) after its N-th byte
 *
 * stdout, line by line: "port N" (with --tcp), then "ready"; "status STATE"
 * after each SIGUSR1; "job BYTES init=… raster=… cut=… pulse=… feed=…
 * status=… text=… unknown=…" when a TCP connection ends; "dropped" when
 * --close-after dropped one. SIGTERM ends it.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "kassa-test-printer-scan.h"

typedef struct
{
  int fd;
  guint source;
  gboolean is_pty;
  guint64 received;
  KassaTestPrinterScan scan;
} Peer;

static GMainLoop *loop;
static int out_fd = -1;
static char *status_name;
static char *status_file;
static gint64 close_after = -1;
static char *pty_link;
static int pty_slave = -1;
static Peer *pty_peer;

/* The answer to DLE EOT 1, 2, 3, 4 in each state (Epson's bits; kassa-printer-status.c). */
static const struct
{
  const char *name;
  guint8 answer[4];
} states[] = {
  { "ok",         { 0x12, 0x12, 0x12, 0x12 } },
  { "near-end",   { 0x12, 0x12, 0x12, 0x1e } },
  { "paper-out",  { 0x1a, 0x32, 0x12, 0x7e } },
  { "cover-open", { 0x1a, 0x16, 0x12, 0x12 } },
  { "error",      { 0x1a, 0x52, 0x1a, 0x12 } },
  { "offline",    { 0x1a, 0x12, 0x12, 0x12 } },
  { "silent",     { 0, 0, 0, 0 } },
};

static gboolean open_pty (GError **error);

static int
find_state (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (states); i++)
    if (g_str_equal (states[i].name, name))
      return (int) i;
  return -1;
}

static void
write_all (int           fd,
           const guint8 *data,
           gsize         size)
{
  while (size > 0)
    {
      gssize done = write (fd, data, size);

      if (done < 0 && errno == EINTR)
        continue;
      if (done < 0 && errno == EAGAIN)
        {
          g_usleep (1000);
          continue;
        }
      if (done <= 0)
        return;
      data += done;
      size -= done;
    }
}

static void
on_status_request (guint    n,
                   gpointer user_data)
{
  Peer *peer = user_data;
  int state = find_state (status_name);

  if (state < 0 || g_str_equal (states[state].name, "silent") || n < 1 || n > 4)
    return;
  write_all (peer->fd, &states[state].answer[n - 1], 1);
}

static void
print_counts (const KassaTestPrinterCounts *c)
{
  printf ("job %" G_GUINT64_FORMAT " init=%u raster=%u cut=%u pulse=%u feed=%u status=%u "
          "text=%" G_GUINT64_FORMAT " unknown=%" G_GUINT64_FORMAT "\n",
          c->bytes, c->init, c->raster, c->cut, c->pulse, c->feed, c->status, c->text,
          c->unknown);
}

static void
peer_close (Peer *peer)
{
  if (peer->source != 0)
    g_source_remove (peer->source);
  close (peer->fd);
  g_free (peer);
}

static gboolean
on_peer_readable (int          fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  Peer *peer = user_data;
  guint8 buffer[16384];
  gsize want = sizeof buffer;
  gssize got;

  if (close_after >= 0)
    want = (gsize) MIN ((guint64) want, (guint64) close_after - peer->received);
  got = want > 0 ? read (fd, buffer, want) : 0;
  if (got < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;

  if (got > 0)
    {
      if (out_fd >= 0)
        write_all (out_fd, buffer, got);
      peer->received += got;
      kassa_test_printer_scan_feed (&peer->scan, buffer, got, on_status_request, peer);
    }

  if (close_after >= 0 && peer->received >= (guint64) close_after)
    {
      g_autoptr(GError) error = NULL;
      gboolean was_pty = peer->is_pty;

      /* Gone, as a printer switched off: unread data turns into a reset. */
      peer->source = 0;
      peer_close (peer);
      printf ("dropped\n");
      if (was_pty)
        {
          pty_peer = NULL;
          close (pty_slave);
          pty_slave = -1;
          if (!open_pty (&error))
            g_printerr ("kassa-test-printer: %s\n", error->message);
        }
      return G_SOURCE_REMOVE;
    }

  if (got == 0 || got < 0)
    {
      if (peer->is_pty)
        return G_SOURCE_CONTINUE; /* a pty has no end: its slave stays open here */
      print_counts (&peer->scan.counts);
      peer->source = 0;
      peer_close (peer);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static Peer *
peer_new (int      fd,
          gboolean is_pty)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->fd = fd;
  peer->is_pty = is_pty;
  kassa_test_printer_scan_init (&peer->scan);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  peer->source = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_peer_readable, peer);
  return peer;
}

static gboolean
on_listener_readable (int          fd,
                      GIOCondition condition,
                      gpointer     user_data)
{
  int client = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);

  if (client >= 0)
    peer_new (client, FALSE);
  return G_SOURCE_CONTINUE;
}

static gboolean
open_pty (GError **error)
{
  g_autofree char *tmp_link = g_strconcat (pty_link, ".tmp", NULL);
  struct termios tio;
  char *slave_name;
  int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);

  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0
      || (slave_name = ptsname (master)) == NULL)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "pty: %s",
                   g_strerror (errno));
      return FALSE;
    }
  /* Held open here too, so the terminal keeps its raw mode and the master
   * never reads EIO between two jobs. */
  pty_slave = open (slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty_slave < 0 || tcgetattr (pty_slave, &tio) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s",
                   slave_name, g_strerror (errno));
      return FALSE;
    }
  cfmakeraw (&tio);
  if (tcsetattr (pty_slave, TCSANOW, &tio) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "raw mode: %s",
                   g_strerror (errno));
      return FALSE;
    }
  g_unlink (tmp_link);
  if (symlink (slave_name, tmp_link) < 0 || g_rename (tmp_link, pty_link) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s",
                   pty_link, g_strerror (errno));
      return FALSE;
    }
  pty_peer = peer_new (master, TRUE);
  return TRUE;
}

static int
open_listener (int     port,
               GError **error)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 8) < 0
      || getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "listen: %s",
                   g_strerror (errno));
      return -1;
    }
  printf ("port %u\n", ntohs (addr.sin_port));
  return fd;
}

static gboolean
on_sigusr1 (gpointer user_data)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (status_file == NULL || !g_file_get_contents (status_file, &text, NULL, &error))
    {
      g_printerr ("kassa-test-printer: no status file: %s\n",
                  error != NULL ? error->message : "--status-file not given");
      return G_SOURCE_CONTINUE;
    }
  g_strstrip (text);
  if (find_state (text) < 0)
    {
      g_printerr ("kassa-test-printer: unknown status “%s”\n", text);
      return G_SOURCE_CONTINUE;
    }
  g_free (status_name);
  status_name = g_steal_pointer (&text);
  printf ("status %s\n", status_name);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer user_data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out_path = NULL;
  int tcp_port = -1;
  int listener = -1;
  const GOptionEntry entries[] = {
    { "tcp", 0, 0, G_OPTION_ARG_INT, &tcp_port, "Listen on 127.0.0.1:PORT (0: any)", "PORT" },
    { "pty", 0, 0, G_OPTION_ARG_FILENAME, &pty_link, "A pty, LINK -> its slave", "LINK" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, "Append every byte to FILE", "FILE" },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_name, "What DLE EOT answers", "STATE" },
    { "status-file", 0, 0, G_OPTION_ARG_FILENAME, &status_file, "Read STATE on SIGUSR1",
      "FILE" },
    { "close-after", 0, 0, G_OPTION_ARG_INT64, &close_after, "Drop after N bytes", "N" },
    { NULL },
  };

  setvbuf (stdout, NULL, _IOLBF, 0);
  context = g_option_context_new ("— a receipt printer stand-in");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kassa-test-printer: %s\n", error->message);
      return 2;
    }
  if (status_name == NULL)
    status_name = g_strdup ("ok");
  if (find_state (status_name) < 0 || (tcp_port < 0 && pty_link == NULL) || tcp_port > 65535)
    {
      g_printerr ("kassa-test-printer: need --tcp PORT or --pty LINK, and a known --status\n");
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  if (out_path != NULL)
    {
      out_fd = open (out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (out_fd < 0)
        {
          g_printerr ("kassa-test-printer: %s: %s\n", out_path, g_strerror (errno));
          return 1;
        }
    }
  if (tcp_port >= 0)
    {
      listener = open_listener (tcp_port, &error);
      if (listener < 0)
        {
          g_printerr ("kassa-test-printer: %s\n", error->message);
          return 1;
        }
      g_unix_fd_add (listener, G_IO_IN, on_listener_readable, NULL);
    }
  if (pty_link != NULL && !open_pty (&error))
    {
      g_printerr ("kassa-test-printer: %s\n", error->message);
      return 1;
    }

  g_unix_signal_add (SIGUSR1, on_sigusr1, NULL);
  g_unix_signal_add (SIGTERM, on_sigterm, NULL);
  g_unix_signal_add (SIGINT, on_sigterm, NULL);
  printf ("ready\n");
  g_main_loop_run (loop);

  if (pty_link != NULL)
    g_unlink (pty_link);
  g_main_loop_unref (loop);
  return 0;
}
