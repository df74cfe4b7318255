/* kassa-printer-job.c — one print job: the GOutputStream into an open printer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stream writes into the device, socket, file or CUPS request that
 * kassa-printer.c opened and turns every failure into a KASSA_PRINTER_ERROR
 * for the cashier. The device and socket are written non-blocking with
 * poll(): a printer that stops taking data (paper out on usblp blocks a write
 * for ever) is a timeout, and a cancellable stops the wait. Closing the
 * stream ends the job and reports its outcome.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <glib/gi18n.h>

#include "kassa-printer-private.h"

G_DEFINE_FINAL_TYPE (KassaPrinterJob, kassa_printer_job, G_TYPE_OUTPUT_STREAM)

void
kassa_printer_set_disconnected (KassaPrinter  *self,
                                GError       **error)
{
  g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_DISCONNECTED,
               _("The printer at %s went away in the middle of printing. "
                 "Check its cable or network and print again."), self->display);
}

static void
set_write_timeout (KassaPrinter  *self,
                   GError       **error)
{
  g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_TIMEOUT,
               _("The printer at %s stopped taking data. Check its paper and cover."),
               self->display);
}

void
kassa_printer_set_io_errno (KassaPrinter  *self,
                            int            saved_errno,
                            GError       **error)
{
  switch (saved_errno)
    {
    case EPIPE:
    case ECONNRESET:
    case ENODEV:
    case ENXIO:
    case EIO:
    case ENOTCONN:
    case ESHUTDOWN:
      kassa_printer_set_disconnected (self, error);
      break;
    default:
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                   _("Printing on %s failed: %s"), self->display, g_strerror (saved_errno));
      break;
    }
}

int
kassa_printer_wait_fd (int            fd,
                       short          events,
                       int            timeout_ms,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GPollFD fds[2] = { { fd, events, 0 }, { -1, G_IO_IN, 0 } };
  guint n_fds = 1;
  gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  int result;

  if (g_cancellable_make_pollfd (cancellable, &fds[1]))
    n_fds = 2;

  for (;;)
    {
      int left = -1;

      if (deadline >= 0)
        left = (int) MAX (0, (deadline - g_get_monotonic_time () + 999) / 1000);
      result = g_poll (fds, n_fds, left);
      if (result >= 0 || errno != EINTR)
        break;
    }
  if (n_fds == 2)
    g_cancellable_release_fd (cancellable);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (result < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "poll: %s", g_strerror (saved_errno));
      return -1;
    }
  return result > 0 ? 1 : 0;
}

static gssize
job_write (KassaPrinterJob  *self,
           const void       *buffer,
           gsize             count,
           GCancellable     *cancellable,
           GError          **error)
{
  KassaPrinter *printer = self->printer;
  gssize written;

  if (self->http != NULL)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      if (cupsWriteRequestData (self->http, buffer, count) != HTTP_STATUS_CONTINUE)
        {
          g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_DISCONNECTED,
                       _("The printing service (CUPS) stopped taking the job for %s: %s"),
                       printer->display, cupsLastErrorString ());
          return -1;
        }
      return count;
    }

  for (;;)
    {
      int ready = kassa_printer_wait_fd (self->fd, G_IO_OUT, (int) printer->write_ms,
                                         cancellable, error);

      if (ready < 0)
        return -1;
      if (ready == 0)
        {
          set_write_timeout (printer, error);
          return -1;
        }
      if (self->socket != NULL)
        written = send (self->fd, buffer, count, MSG_NOSIGNAL | MSG_DONTWAIT);
      else
        written = write (self->fd, buffer, count);
      if (written >= 0)
        return written;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        {
          kassa_printer_set_io_errno (printer, errno, error);
          return -1;
        }
    }
}

/* The first failure ends the job: later writes repeat it, and closing
 * cancels a CUPS job instead of letting half a receipt print. */
static gssize
kassa_printer_job_write_fn (GOutputStream  *stream,
                            const void     *buffer,
                            gsize           count,
                            GCancellable   *cancellable,
                            GError        **error)
{
  KassaPrinterJob *self = KASSA_PRINTER_JOB (stream);
  g_autoptr(GError) local_error = NULL;
  gssize written;

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return -1;
    }
  written = job_write (self, buffer, count, cancellable, &local_error);
  if (written < 0)
    {
      self->error = g_error_copy (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return written;
}

/* After the last byte: for TCP, sends FIN and waits briefly for a reset, so a
 * printer that dropped the connection while the data sat in the kernel's
 * buffer is still reported. */
static gboolean
finish_socket (KassaPrinterJob  *self,
               GCancellable     *cancellable,
               GError          **error)
{
  int so_error = 0;
  socklen_t len = sizeof so_error;
  gint64 deadline = g_get_monotonic_time () + (gint64) self->printer->write_ms * 1000;

  shutdown (self->fd, SHUT_WR);

  /* A printer that closed early answers the rest of the data with a reset. */
  while (g_get_monotonic_time () < deadline)
    {
      char buffer[256];
      int ready = kassa_printer_wait_fd (self->fd, G_IO_IN, 50, cancellable, error);
      gssize got;

      if (ready < 0)
        return FALSE;
      if (ready == 0)
        break;
      got = recv (self->fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got == 0)
        break; /* the printer closed after reading everything */
      if (got < 0 && errno != EAGAIN && errno != EINTR)
        {
          kassa_printer_set_io_errno (self->printer, errno, error);
          return FALSE;
        }
    }

  if (getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error != 0)
    {
      kassa_printer_set_io_errno (self->printer, so_error, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
kassa_printer_job_close_fn (GOutputStream  *stream,
                            GCancellable   *cancellable,
                            GError        **error)
{
  KassaPrinterJob *self = KASSA_PRINTER_JOB (stream);
  KassaPrinter *printer = self->printer;
  gboolean ok = TRUE;

  if (self->http != NULL)
    {
      if (self->error == NULL && !g_cancellable_is_cancelled (cancellable))
        {
          if (cupsFinishDocument (self->http, printer->target) > IPP_STATUS_OK_CONFLICTING)
            {
              g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                           _("The printing service (CUPS) did not take the job for %s: %s"),
                           printer->display, cupsLastErrorString ());
              ok = FALSE;
            }
        }
      else
        {
          /* A job cut short must not print half a receipt later. */
          g_autoptr(GError) cancelled = NULL;

          cupsCancelJob2 (self->http, printer->target, self->cups_job, 0);
          if (g_cancellable_set_error_if_cancelled (cancellable, &cancelled))
            {
              g_propagate_error (error, g_steal_pointer (&cancelled));
              ok = FALSE;
            }
        }
      httpClose (self->http);
      self->http = NULL;
      return ok;
    }

  if (self->socket != NULL)
    {
      if (self->error == NULL)
        ok = finish_socket (self, cancellable, error);
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
      self->fd = -1;
      return ok;
    }

  if (self->fd >= 0)
    {
      if (printer->kind == KASSA_PRINTER_KIND_FILE && self->error == NULL && fsync (self->fd) < 0
          && errno != EINVAL)
        {
          int saved_errno = errno;
          g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                       _("Cannot write “%s”: %s"), printer->target, g_strerror (saved_errno));
          ok = FALSE;
        }
      if (close (self->fd) < 0 && ok && errno != EINTR)
        {
          self->fd = -1;
          kassa_printer_set_io_errno (printer, errno, error);
          return FALSE;
        }
      self->fd = -1;
    }
  return ok;
}

static void
kassa_printer_job_finalize (GObject *object)
{
  KassaPrinterJob *self = KASSA_PRINTER_JOB (object);

  /* g_output_stream's dispose closes an open stream; this is only for one
   * that failed to close. */
  if (self->http != NULL)
    httpClose (self->http);
  g_clear_object (&self->socket);
  if (self->fd >= 0 && self->printer->kind != KASSA_PRINTER_KIND_TCP)
    close (self->fd);
  g_clear_object (&self->printer);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (kassa_printer_job_parent_class)->finalize (object);
}

static void
kassa_printer_job_class_init (KassaPrinterJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = kassa_printer_job_finalize;
  stream_class->write_fn = kassa_printer_job_write_fn;
  stream_class->close_fn = kassa_printer_job_close_fn;
}

static void
kassa_printer_job_init (KassaPrinterJob *self)
{
  self->fd = -1;
}

KassaPrinterJob *
kassa_printer_job_new (KassaPrinter *printer)
{
  KassaPrinterJob *self = g_object_new (KASSA_TYPE_PRINTER_JOB, NULL);

  self->printer = g_object_ref (printer);
  return self;
}
