/* kassa-printer-private.h — what the parts of KassaPrinter share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa-printer.c (URIs, connections, status), kassa-printer-job.c (the job
 * stream), kassa-printer-discover.c (what Preferences offers); and the tests.
 */

#pragma once

#include <cups/cups.h>

#include "kassa-printer.h"

G_BEGIN_DECLS

struct _KassaPrinter
{
  GObject parent_instance;

  char *uri;
  KassaPrinterKind kind;
  char *target;     /* device path, host, queue or file */
  char *display;    /* how messages name the printer */
  guint16 port;

  guint connect_ms;
  guint write_ms;
  guint status_ms;
};

/* One job: the GOutputStream kassa_printer_open() returns. It writes into
 * whichever of @fd (usb:, file:, tcp:) or @http (cups:) kassa-printer.c opened,
 * and owns it. */
#define KASSA_TYPE_PRINTER_JOB (kassa_printer_job_get_type ())
G_DECLARE_FINAL_TYPE (KassaPrinterJob, kassa_printer_job, KASSA, PRINTER_JOB, GOutputStream)

struct _KassaPrinterJob
{
  GOutputStream parent_instance;

  KassaPrinter *printer;
  int fd;           /* usb:, file:, tcp: (the socket's) */
  GSocket *socket;  /* tcp: keeps the fd's owner */
  http_t *http;     /* cups: */
  int cups_job;
  GError *error;    /* the first failure: the job is cut short */
};

KassaPrinterJob *kassa_printer_job_new          (KassaPrinter  *printer);

/* Waits until @fd can do @events, at most @timeout_ms (-1: for ever): 1 ready,
 * 0 time ran out, -1 cancelled or poll failed (@error). */
int              kassa_printer_wait_fd          (int            fd,
                                                 short          events,
                                                 int            timeout_ms,
                                                 GCancellable  *cancellable,
                                                 GError       **error);
/* The error for an errno of a read or write on an open printer: DISCONNECTED
 * for the ones that mean it went away, FAILED with the reason otherwise. */
void             kassa_printer_set_io_errno     (KassaPrinter  *self,
                                                 int            saved_errno,
                                                 GError       **error);
void             kassa_printer_set_disconnected (KassaPrinter  *self,
                                                 GError       **error);

/* Adds a KassaPrinterChoice for each lp* node in @dir (/dev/usb), sorted. */
void             kassa_printer_discover_usb     (const char    *dir,
                                                 GPtrArray     *choices);

G_END_DECLS
