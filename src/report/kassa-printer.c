/* kassa-printer.c — printer URIs, connections and status requests
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa_printer_open() opens the device or file, connects the socket or makes
 * the CUPS job, and hands it to a KassaPrinterJob (kassa-printer-job.c).
 * Connections are made by hand rather than with GSocketClient, whose timeout
 * is in whole seconds and also applies to every later read.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/socket.h>

#include <cups/cups.h>
#include <glib/gi18n.h>

#include "kassa-printer-private.h"

G_DEFINE_FINAL_TYPE (KassaPrinter, kassa_printer, G_TYPE_OBJECT)

/* ---- URIs ---- */

static void
set_invalid_uri (GError     **error,
                 const char  *uri,
                 const char  *why)
{
  if (why == NULL)
    g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_INVALID_URI,
                 _("“%s” is not a printer address: use usb:/dev/usb/lp0, tcp:HOST:PORT, "
                   "cups:QUEUE or file:PATH."), uri);
  else
    g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_INVALID_URI,
                 _("“%s” is not a printer address: %s"), uri, why);
}

static gboolean
is_host_name (const char *host)
{
  gsize len = strlen (host);

  if (len == 0 || len > 253)
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      return FALSE;
  return host[0] != '-' && host[0] != '.';
}

/* CUPS' own rule for queue names: printable, no space, / # \ ' " , at most 127 bytes. */
static gboolean
is_queue_name (const char *queue)
{
  gsize len = strlen (queue);

  if (len == 0 || len > 127)
    return FALSE;
  for (const guchar *p = (const guchar *) queue; *p != '\0'; p++)
    if (*p <= ' ' || *p == 0x7f || strchr ("/#\\'\",", *p) != NULL)
      return FALSE;
  return g_utf8_validate (queue, -1, NULL);
}

static gboolean
parse_tcp (KassaPrinter  *self,
           const char    *rest,
           const char    *uri,
           GError       **error)
{
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  guint64 port = KASSA_PRINTER_DEFAULT_PORT;

  if (rest[0] == '[')
    {
      const char *end = strchr (rest, ']');

      if (end == NULL)
        {
          set_invalid_uri (error, uri, _("the IPv6 address has no closing “]”."));
          return FALSE;
        }
      host = g_strndup (rest + 1, end - rest - 1);
      if (end[1] == ':')
        port_text = end + 2;
      else if (end[1] != '\0')
        {
          set_invalid_uri (error, uri, NULL);
          return FALSE;
        }
    }
  else
    {
      const char *colon = strchr (rest, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        {
          set_invalid_uri (error, uri, _("write an IPv6 address in brackets: tcp:[ADDRESS]:PORT."));
          return FALSE;
        }
      host = colon != NULL ? g_strndup (rest, colon - rest) : g_strdup (rest);
      if (colon != NULL)
        port_text = colon + 1;
    }

  if (!is_host_name (host) || (rest[0] == '[' && !g_hostname_is_ip_address (host)))
    {
      g_autofree char *why = g_strdup_printf (_("“%s” is not a host name or address."), host);
      set_invalid_uri (error, uri, why);
      return FALSE;
    }
  if (port_text != NULL
      && (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL)
          || port_text[0] == '+'))
    {
      set_invalid_uri (error, uri, _("the port must be a number from 1 to 65535."));
      return FALSE;
    }

  self->target = g_steal_pointer (&host);
  self->port = (guint16) port;
  if (strchr (self->target, ':') != NULL)
    self->display = g_strdup_printf ("[%s]:%u", self->target, self->port);
  else
    self->display = g_strdup_printf ("%s:%u", self->target, self->port);
  return TRUE;
}

static gboolean
parse_uri (KassaPrinter  *self,
           const char    *uri,
           GError       **error)
{
  static const struct { const char *prefix; KassaPrinterKind kind; } schemes[] = {
    { "usb:", KASSA_PRINTER_KIND_USB },
    { "tcp:", KASSA_PRINTER_KIND_TCP },
    { "cups:", KASSA_PRINTER_KIND_CUPS },
    { "file:", KASSA_PRINTER_KIND_FILE },
  };
  const char *rest = NULL;

  if (uri == NULL || !g_utf8_validate (uri, -1, NULL))
    {
      set_invalid_uri (error, uri != NULL ? "?" : "", NULL);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_str_has_prefix (uri, schemes[i].prefix))
      {
        self->kind = schemes[i].kind;
        rest = uri + strlen (schemes[i].prefix);
        break;
      }
  if (rest == NULL || rest[0] == '\0')
    {
      set_invalid_uri (error, uri, NULL);
      return FALSE;
    }
  for (const char *p = rest; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      {
        set_invalid_uri (error, uri, _("it contains a control character."));
        return FALSE;
      }

  switch (self->kind)
    {
    case KASSA_PRINTER_KIND_USB:
      if (rest[0] != '/')
        {
          set_invalid_uri (error, uri, _("a USB printer is a device path such as /dev/usb/lp0."));
          return FALSE;
        }
      self->target = g_strdup (rest);
      break;
    case KASSA_PRINTER_KIND_TCP:
      if (!parse_tcp (self, rest, uri, error))
        return FALSE;
      break;
    case KASSA_PRINTER_KIND_CUPS:
      if (!is_queue_name (rest))
        {
          g_autofree char *why = g_strdup_printf (_("“%s” is not a CUPS queue name."), rest);
          set_invalid_uri (error, uri, why);
          return FALSE;
        }
      self->target = g_strdup (rest);
      break;
    case KASSA_PRINTER_KIND_FILE:
    default:
      self->target = g_strdup (rest);
      break;
    }

  if (self->display == NULL)
    self->display = g_strdup (self->target);
  self->uri = g_strdup (uri);
  return TRUE;
}

/* ---- opening ---- */

static int
open_device (KassaPrinter  *self,
             GError       **error)
{
  struct stat st;
  int fd = open (self->target, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == EACCES || saved_errno == EPERM)
        g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_PERMISSION,
                     _("Kassa may not use the printer at %s. Add this user to the “lp” group "
                       "(sudo usermod -aG lp $USER), then log out and in again."),
                     self->display);
      else if (saved_errno == EBUSY)
        g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                     _("The printer at %s is busy: another program is using it."),
                     self->display);
      else
        g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_NOT_FOUND,
                     _("There is no printer at %s. Check that it is switched on and its "
                       "USB cable is plugged in."), self->display);
      return -1;
    }
  if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode))
    {
      close (fd);
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_NOT_FOUND,
                   _("%s is not a printer device."), self->display);
      return -1;
    }
  return fd;
}

static int
open_file (KassaPrinter  *self,
           GError       **error)
{
  int fd = open (self->target, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, KASSA_PRINTER_ERROR,
                   saved_errno == EACCES || saved_errno == EPERM
                     ? KASSA_PRINTER_ERROR_PERMISSION : KASSA_PRINTER_ERROR_NOT_FOUND,
                   _("Cannot write “%s”: %s"), self->target, g_strerror (saved_errno));
    }
  return fd;
}

static GSocket *
connect_tcp (KassaPrinter  *self,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GSocketConnectable) address = g_network_address_new (self->target, self->port);
  g_autoptr(GSocketAddressEnumerator) addresses = g_socket_connectable_enumerate (address);
  g_autoptr(GError) last_error = NULL;
  gboolean resolved = FALSE;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GSocketAddress) sockaddr = NULL;
      g_autoptr(GSocket) socket = NULL;
      int ready;

      sockaddr = g_socket_address_enumerator_next (addresses, cancellable, &local_error);
      if (sockaddr == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          break;
        }
      resolved = TRUE;

      socket = g_socket_new (g_socket_address_get_family (sockaddr), G_SOCKET_TYPE_STREAM,
                             G_SOCKET_PROTOCOL_TCP, &local_error);
      if (socket == NULL)
        {
          g_clear_error (&last_error);
          last_error = g_steal_pointer (&local_error);
          continue;
        }
      g_socket_set_blocking (socket, FALSE);
      if (!g_socket_connect (socket, sockaddr, cancellable, &local_error))
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PENDING))
            {
              if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return NULL;
                }
              g_clear_error (&last_error);
              last_error = g_steal_pointer (&local_error);
              continue;
            }
          g_clear_error (&local_error);
          ready = kassa_printer_wait_fd (g_socket_get_fd (socket), G_IO_OUT,
                                         (int) self->connect_ms, cancellable, error);
          if (ready < 0)
            return NULL;
          if (ready == 0)
            {
              g_clear_error (&last_error);
              last_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "");
              continue;
            }
          if (!g_socket_check_connect_result (socket, &local_error))
            {
              g_clear_error (&last_error);
              last_error = g_steal_pointer (&local_error);
              continue;
            }
        }
      return g_steal_pointer (&socket);
    }

  if (!resolved)
    g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_NOT_FOUND,
                 _("Cannot find the printer “%s” on the network. Check its address."),
                 self->target);
  else if (g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_REFUSED,
                 _("The printer at %s refused the connection. Check that it is switched on "
                   "and that the address and port are right."), self->display);
  else if (g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_TIMEOUT,
                 _("The printer at %s does not answer. Check that it is switched on and "
                   "connected to the network."), self->display);
  else
    g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                 _("Cannot connect to the printer at %s: %s"), self->display,
                 last_error != NULL ? last_error->message : "");
  return NULL;
}

static http_t *
connect_cups (KassaPrinter  *self,
              GError       **error)
{
  http_t *http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC, cupsEncryption (),
                               1, (int) self->connect_ms, NULL);

  if (http == NULL)
    {
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_QUEUE_NOT_FOUND,
                   _("Cannot reach the printing service (CUPS) at %s. Check that it is "
                     "running."), cupsServer ());
      return NULL;
    }
  httpSetTimeout (http, self->write_ms / 1000.0, NULL, NULL);
  return http;
}

/* The queue exists, takes jobs and takes them raw. */
static gboolean
check_cups_queue (KassaPrinter  *self,
                  http_t        *http,
                  GError       **error)
{
  static const char * const wanted[] = {
    "printer-is-accepting-jobs", "document-format-supported", "printer-state",
  };
  g_autofree char *printer_uri = NULL;
  ipp_t *request;
  ipp_t *response;
  ipp_attribute_t *attr;
  ipp_status_t status;
  gboolean ok = TRUE;

  printer_uri = g_malloc (HTTP_MAX_URI);
  httpAssembleURIf (HTTP_URI_CODING_ALL, printer_uri, HTTP_MAX_URI, "ipp", NULL, "localhost",
                    0, "/printers/%s", self->target);
  request = ippNewRequest (IPP_OP_GET_PRINTER_ATTRIBUTES);
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, printer_uri);
  ippAddStrings (request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                 G_N_ELEMENTS (wanted), NULL, wanted);
  response = cupsDoRequest (http, request, "/");
  status = cupsLastError ();

  if (response == NULL || status > IPP_STATUS_OK_CONFLICTING)
    {
      if (status == IPP_STATUS_ERROR_NOT_FOUND)
        g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_QUEUE_NOT_FOUND,
                     _("The printing service (CUPS) has no printer queue “%s”."),
                     self->target);
      else if (response == NULL)
        g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_QUEUE_NOT_FOUND,
                     _("Cannot reach the printing service (CUPS) at %s. Check that it is "
                       "running."), cupsServer ());
      else
        g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                     _("The printing service (CUPS) did not take the job for %s: %s"),
                     self->display, cupsLastErrorString ());
      ippDelete (response);
      return FALSE;
    }

  attr = ippFindAttribute (response, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
  if (attr != NULL && !ippGetBoolean (attr, 0))
    {
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_QUEUE_UNUSABLE,
                   _("The printer queue “%s” is not accepting jobs. Enable it in the "
                     "printer settings (cupsaccept %s)."), self->target, self->target);
      ok = FALSE;
    }
  attr = ippFindAttribute (response, "document-format-supported", IPP_TAG_MIMETYPE);
  if (ok && attr != NULL && !ippContainsString (attr, CUPS_FORMAT_RAW))
    {
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_QUEUE_UNUSABLE,
                   _("The printer queue “%s” does not take raw receipt data. Set it up as "
                     "a raw queue (lpadmin -p %s -m raw)."), self->target, self->target);
      ok = FALSE;
    }
  ippDelete (response);
  return ok;
}

static gboolean
open_cups (KassaPrinter     *self,
           KassaPrinterJob  *job,
           const char       *title,
           GError          **error)
{
  job->http = connect_cups (self, error);
  if (job->http == NULL || !check_cups_queue (self, job->http, error))
    return FALSE;

  job->cups_job = cupsCreateJob (job->http, self->target, title, 0, NULL);
  if (job->cups_job <= 0)
    {
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                   _("The printing service (CUPS) did not take the job for %s: %s"),
                   self->display, cupsLastErrorString ());
      return FALSE;
    }
  if (cupsStartDocument (job->http, self->target, job->cups_job, title, CUPS_FORMAT_RAW, 1)
      != HTTP_STATUS_CONTINUE)
    {
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                   _("The printing service (CUPS) did not take the job for %s: %s"),
                   self->display, cupsLastErrorString ());
      cupsCancelJob2 (job->http, self->target, job->cups_job, 0);
      return FALSE;
    }
  return TRUE;
}

/* ---- status ---- */

/* Sends DLE EOT @n and reads one answer byte: 1 read, 0 no answer in time. */
static int
ask_status (KassaPrinter  *self,
            int            fd,
            gboolean       is_socket,
            guint          n,
            guint8        *answer,
            GCancellable  *cancellable,
            GError       **error)
{
  const guint8 request[3] = { 0x10, 0x04, (guint8) n };
  gsize sent = 0;

  while (sent < sizeof request)
    {
      int ready = kassa_printer_wait_fd (fd, G_IO_OUT, (int) self->status_ms, cancellable, error);
      gssize done;

      if (ready <= 0)
        return ready;
      done = is_socket ? send (fd, request + sent, sizeof request - sent,
                               MSG_NOSIGNAL | MSG_DONTWAIT)
                       : write (fd, request + sent, sizeof request - sent);
      if (done < 0 && errno != EAGAIN && errno != EINTR)
        {
          kassa_printer_set_io_errno (self, errno, error);
          return -1;
        }
      if (done > 0)
        sent += done;
    }

  for (;;)
    {
      int ready = kassa_printer_wait_fd (fd, G_IO_IN, (int) self->status_ms, cancellable, error);
      gssize got;

      if (ready <= 0)
        return ready;
      got = read (fd, answer, 1);
      if (got == 1)
        return 1;
      if (got == 0)
        {
          kassa_printer_set_disconnected (self, error);
          return -1;
        }
      if (errno != EAGAIN && errno != EINTR)
        {
          kassa_printer_set_io_errno (self, errno, error);
          return -1;
        }
    }
}

/* Reads away whatever an earlier job left unread (a late status answer). */
static void
drain_input (int fd)
{
  char buffer[64];
  struct pollfd pfd = { fd, POLLIN, 0 };

  while (poll (&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) && read (fd, buffer, sizeof buffer) > 0)
    ;
}

static gboolean
query_fd (KassaPrinter        *self,
          int                  fd,
          gboolean             is_socket,
          KassaPrinterStatus  *out_status,
          GCancellable        *cancellable,
          GError             **error)
{
  static const guint requests[] = {
    KASSA_PRINTER_DLE_EOT_PRINTER, KASSA_PRINTER_DLE_EOT_OFFLINE,
    KASSA_PRINTER_DLE_EOT_ERROR, KASSA_PRINTER_DLE_EOT_PAPER,
  };
  KassaPrinterStatus result = KASSA_PRINTER_STATUS_UNKNOWN;

  drain_input (fd);
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      KassaPrinterStatus reading;
      guint8 answer = 0;
      int got = ask_status (self, fd, is_socket, requests[i], &answer, cancellable, error);

      if (got < 0)
        return FALSE;
      if (got == 0)
        break; /* silent: what was read so far stands */
      if (!kassa_printer_status_parse (requests[i], answer, &reading))
        {
          g_debug ("%s: DLE EOT %u answered 0x%02x, not a status byte",
                   self->display, requests[i], answer);
          break;
        }
      result = kassa_printer_status_worst (result, reading);
    }

  *out_status = result;
  return TRUE;
}

/* ---- GObject ---- */

static void
kassa_printer_finalize (GObject *object)
{
  KassaPrinter *self = KASSA_PRINTER (object);

  g_free (self->uri);
  g_free (self->target);
  g_free (self->display);

  G_OBJECT_CLASS (kassa_printer_parent_class)->finalize (object);
}

static void
kassa_printer_class_init (KassaPrinterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = kassa_printer_finalize;
}

static void
kassa_printer_init (KassaPrinter *self)
{
  self->connect_ms = 5000;
  self->write_ms = 10000;
  self->status_ms = 500;
}

/* ---- public API ---- */

KassaPrinter *
kassa_printer_new_for_uri (const char  *uri,
                           GError     **error)
{
  g_autoptr(KassaPrinter) self = g_object_new (KASSA_TYPE_PRINTER, NULL);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_uri (self, uri, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
kassa_printer_get_uri (KassaPrinter *self)
{
  g_return_val_if_fail (KASSA_IS_PRINTER (self), NULL);
  return self->uri;
}

KassaPrinterKind
kassa_printer_get_kind (KassaPrinter *self)
{
  g_return_val_if_fail (KASSA_IS_PRINTER (self), KASSA_PRINTER_KIND_FILE);
  return self->kind;
}

const char *
kassa_printer_get_target (KassaPrinter *self)
{
  g_return_val_if_fail (KASSA_IS_PRINTER (self), NULL);
  return self->target;
}

guint16
kassa_printer_get_port (KassaPrinter *self)
{
  g_return_val_if_fail (KASSA_IS_PRINTER (self), 0);
  return self->port;
}

void
kassa_printer_set_timeouts (KassaPrinter *self,
                            guint         connect_ms,
                            guint         write_ms,
                            guint         status_ms)
{
  g_return_if_fail (KASSA_IS_PRINTER (self));
  g_return_if_fail (connect_ms > 0 && write_ms > 0 && status_ms > 0);

  self->connect_ms = MIN (connect_ms, G_MAXINT / 2);
  self->write_ms = MIN (write_ms, G_MAXINT / 2);
  self->status_ms = MIN (status_ms, G_MAXINT / 2);
}

GOutputStream *
kassa_printer_open (KassaPrinter  *self,
                    const char    *title,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(KassaPrinterJob) job = NULL;

  g_return_val_if_fail (KASSA_IS_PRINTER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  job = kassa_printer_job_new (self);
  switch (self->kind)
    {
    case KASSA_PRINTER_KIND_USB:
      job->fd = open_device (self, error);
      if (job->fd < 0)
        return NULL;
      break;
    case KASSA_PRINTER_KIND_TCP:
      job->socket = connect_tcp (self, cancellable, error);
      if (job->socket == NULL)
        return NULL;
      job->fd = g_socket_get_fd (job->socket);
      break;
    case KASSA_PRINTER_KIND_CUPS:
      if (!open_cups (self, job, title != NULL ? title : "Kassa", error))
        {
          if (job->http != NULL)
            httpClose (job->http);
          job->http = NULL;
          return NULL;
        }
      break;
    case KASSA_PRINTER_KIND_FILE:
    default:
      job->fd = open_file (self, error);
      if (job->fd < 0)
        return NULL;
      break;
    }

  return G_OUTPUT_STREAM (g_steal_pointer (&job));
}

gboolean
kassa_printer_print_bytes (KassaPrinter  *self,
                           GBytes        *data,
                           const char    *title,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GError) write_error = NULL;
  gsize size = 0;
  const void *bytes;

  g_return_val_if_fail (KASSA_IS_PRINTER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  stream = kassa_printer_open (self, title, cancellable, error);
  if (stream == NULL)
    return FALSE;

  bytes = g_bytes_get_data (data, &size);
  if (!g_output_stream_write_all (stream, bytes, size, NULL, cancellable, &write_error))
    {
      /* The write's error says what happened; closing only cleans up. */
      g_output_stream_close (stream, NULL, NULL);
      g_propagate_error (error, g_steal_pointer (&write_error));
      return FALSE;
    }
  return g_output_stream_close (stream, cancellable, error);
}

typedef struct
{
  GBytes *data;
  char *title;
} PrintData;

static void
print_data_free (PrintData *data)
{
  g_bytes_unref (data->data);
  g_free (data->title);
  g_free (data);
}

static void
print_bytes_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  PrintData *data = task_data;
  GError *error = NULL;

  if (kassa_printer_print_bytes (source_object, data->data, data->title, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
kassa_printer_print_bytes_async (KassaPrinter        *self,
                                 GBytes              *data,
                                 const char          *title,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PrintData *print_data;

  g_return_if_fail (KASSA_IS_PRINTER (self));
  g_return_if_fail (data != NULL);

  print_data = g_new0 (PrintData, 1);
  print_data->data = g_bytes_ref (data);
  print_data->title = g_strdup (title);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_printer_print_bytes_async);
  g_task_set_task_data (task, print_data, (GDestroyNotify) print_data_free);
  g_task_run_in_thread (task, print_bytes_thread);
}

gboolean
kassa_printer_print_bytes_finish (KassaPrinter  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kassa_printer_query_status (KassaPrinter        *self,
                            KassaPrinterStatus  *status,
                            GCancellable        *cancellable,
                            GError             **error)
{
  g_return_val_if_fail (KASSA_IS_PRINTER (self), FALSE);
  g_return_val_if_fail (status != NULL, FALSE);

  *status = KASSA_PRINTER_STATUS_UNKNOWN;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  switch (self->kind)
    {
    case KASSA_PRINTER_KIND_USB:
      {
        int fd = open_device (self, error);
        gboolean ok;

        if (fd < 0)
          return FALSE;
        ok = query_fd (self, fd, FALSE, status, cancellable, error);
        close (fd);
        return ok;
      }
    case KASSA_PRINTER_KIND_TCP:
      {
        g_autoptr(GSocket) socket = connect_tcp (self, cancellable, error);
        gboolean ok;

        if (socket == NULL)
          return FALSE;
        ok = query_fd (self, g_socket_get_fd (socket), TRUE, status, cancellable, error);
        g_socket_close (socket, NULL);
        return ok;
      }
    case KASSA_PRINTER_KIND_CUPS:
    case KASSA_PRINTER_KIND_FILE:
    default:
      /* CUPS only passes data on; a file has nothing to ask. */
      return TRUE;
    }
}

static void
query_status_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_UNKNOWN;
  GError *error = NULL;

  if (kassa_printer_query_status (source_object, &status, cancellable, &error))
    g_task_return_int (task, status);
  else
    g_task_return_error (task, error);
}

void
kassa_printer_query_status_async (KassaPrinter        *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KASSA_IS_PRINTER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_printer_query_status_async);
  g_task_run_in_thread (task, query_status_thread);
}

gboolean
kassa_printer_query_status_finish (KassaPrinter        *self,
                                   GAsyncResult        *result,
                                   KassaPrinterStatus  *status,
                                   GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (status != NULL, FALSE);

  value = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      *status = KASSA_PRINTER_STATUS_UNKNOWN;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *status = (KassaPrinterStatus) value;
  return TRUE;
}
