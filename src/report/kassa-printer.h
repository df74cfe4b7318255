/* kassa-printer.h — raw bytes to a receipt printer, and its status
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KassaPrinter is made from a URI (docs/printing.md, "Connecting a printer"):
 *
 *   usb:/dev/usb/lp0   a USB printer-class device node (the kernel's usblp driver)
 *   tcp:HOST[:PORT]    a network printer's raw port (default 9100)
 *   cups:QUEUE         a raw CUPS queue on the default server ($CUPS_SERVER)
 *   file:PATH          the raw bytes into a file (tests and support)
 *
 * kassa_printer_open() connects and hands back a GOutputStream for one job:
 * whatever is written goes to the printer as it is (the ESC/POS encoder of
 * kassa-escpos.h writes into it); g_output_stream_close() ends the job and
 * reports its outcome. Every failure is a KASSA_PRINTER_ERROR with a message
 * for the cashier. The calls block: run them in a worker thread, or use the
 * _async variants. GIO and libcups only (no cairo, no GTK).
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_PRINTER_ERROR_INVALID_URI,       /* the URI is not one of the four forms */
  KASSA_PRINTER_ERROR_NOT_FOUND,         /* no such device (or not a printer device) */
  KASSA_PRINTER_ERROR_PERMISSION,        /* the device exists but may not be opened */
  KASSA_PRINTER_ERROR_REFUSED,           /* the network printer refused the connection */
  KASSA_PRINTER_ERROR_TIMEOUT,           /* no connection, or the printer stopped taking data */
  KASSA_PRINTER_ERROR_DISCONNECTED,      /* the printer went away in the middle of a job */
  KASSA_PRINTER_ERROR_QUEUE_NOT_FOUND,   /* CUPS has no such queue (or no server answers) */
  KASSA_PRINTER_ERROR_QUEUE_UNUSABLE,    /* the queue rejects jobs or does not take raw data */
  KASSA_PRINTER_ERROR_FAILED,            /* anything else; the message says what */
} KassaPrinterError;

#define KASSA_PRINTER_ERROR (kassa_printer_error_quark ())
GQuark kassa_printer_error_quark (void);

typedef enum
{
  KASSA_PRINTER_KIND_USB,
  KASSA_PRINTER_KIND_TCP,
  KASSA_PRINTER_KIND_CUPS,
  KASSA_PRINTER_KIND_FILE,
} KassaPrinterKind;

/* What the printer says about itself. UNKNOWN is not an error: the printer
 * did not answer (many clones and every CUPS queue or file never do). */
typedef enum
{
  KASSA_PRINTER_STATUS_UNKNOWN,
  KASSA_PRINTER_STATUS_OK,
  KASSA_PRINTER_STATUS_PAPER_NEAR_END,
  KASSA_PRINTER_STATUS_PAPER_OUT,
  KASSA_PRINTER_STATUS_COVER_OPEN,
  KASSA_PRINTER_STATUS_ERROR,            /* cutter jam, head too hot, … (DLE EOT 3) */
  KASSA_PRINTER_STATUS_OFFLINE,
} KassaPrinterStatus;

/* The port of tcp: URIs without one. */
#define KASSA_PRINTER_DEFAULT_PORT 9100

/* The DLE EOT requests (Epson ESC/POS "Transmit real-time status"). */
#define KASSA_PRINTER_DLE_EOT_PRINTER      1
#define KASSA_PRINTER_DLE_EOT_OFFLINE      2
#define KASSA_PRINTER_DLE_EOT_ERROR        3
#define KASSA_PRINTER_DLE_EOT_PAPER        4

/* Reads the answer @byte to `DLE EOT @n` (1…4). FALSE when @n is not a
 * request or @byte is not a status byte (the fixed bits: 1 and 4 set, 0 and 7
 * clear), and *@status is then UNKNOWN. A pure function (fuzz/fuzz-printer-status.c). */
gboolean    kassa_printer_status_parse     (guint               n,
                                            guint8              byte,
                                            KassaPrinterStatus *status);
/* Of two readings the one the cashier must hear first (cover open over paper
 * out over error over offline over near end over ok over unknown). */
KassaPrinterStatus kassa_printer_status_worst (KassaPrinterStatus a,
                                               KassaPrinterStatus b);
/* One line for the cashier, translated: "The printer is out of paper." */
const char *kassa_printer_status_describe  (KassaPrinterStatus  status);
/* "ok", "paper-out", … (kassa-ctl, logs, the test printer's words). */
const char *kassa_printer_status_to_string (KassaPrinterStatus  status);
gboolean    kassa_printer_status_from_string (const char         *text,
                                              KassaPrinterStatus *status);

#define KASSA_TYPE_PRINTER (kassa_printer_get_type ())
G_DECLARE_FINAL_TYPE (KassaPrinter, kassa_printer, KASSA, PRINTER, GObject)

/* Parses @uri; NULL with KASSA_PRINTER_ERROR_INVALID_URI when it is not one of
 * the four forms. Nothing is opened yet. */
KassaPrinter     *kassa_printer_new_for_uri  (const char    *uri,
                                              GError       **error);
const char       *kassa_printer_get_uri      (KassaPrinter  *self);
KassaPrinterKind  kassa_printer_get_kind     (KassaPrinter  *self);
/* The device path, host, queue or file path of the URI. */
const char       *kassa_printer_get_target   (KassaPrinter  *self);
/* tcp: the port; 0 for the other kinds. */
guint16           kassa_printer_get_port     (KassaPrinter  *self);

/* How long a connect, a write that makes no progress, and a status answer
 * may take (defaults 5000, 10000 and 500 ms). */
void              kassa_printer_set_timeouts (KassaPrinter  *self,
                                              guint          connect_ms,
                                              guint          write_ms,
                                              guint          status_ms);

/* Starts one job: connects (opens the device, the file; creates the CUPS job,
 * named @title) and returns the stream to write it into. Closing the stream
 * ends the job and returns its outcome: for CUPS, that the queue has taken
 * the whole job. After a failed write the job is over: later writes fail the
 * same way, and closing cancels a CUPS job rather than print half of it. */
GOutputStream    *kassa_printer_open         (KassaPrinter  *self,
                                              const char    *title,
                                              GCancellable  *cancellable,
                                              GError       **error);
/* One whole job of @data: open, write, close. */
gboolean          kassa_printer_print_bytes  (KassaPrinter  *self,
                                              GBytes        *data,
                                              const char    *title,
                                              GCancellable  *cancellable,
                                              GError       **error);
void              kassa_printer_print_bytes_async  (KassaPrinter        *self,
                                                    GBytes              *data,
                                                    const char          *title,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          kassa_printer_print_bytes_finish (KassaPrinter        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Asks the printer (usb: and tcp:) with DLE EOT 1, 2, 4 (and 3 when it
 * reports an error) and returns the worst reading. A printer that does not
 * answer within the status timeout is UNKNOWN, as are cups: and file:
 * printers; FALSE only when the printer cannot be reached at all (@error). */
gboolean          kassa_printer_query_status (KassaPrinter        *self,
                                              KassaPrinterStatus  *status,
                                              GCancellable        *cancellable,
                                              GError             **error);
void              kassa_printer_query_status_async  (KassaPrinter        *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean          kassa_printer_query_status_finish (KassaPrinter        *self,
                                                     GAsyncResult        *result,
                                                     KassaPrinterStatus  *status,
                                                     GError             **error);

/* A printer Preferences can offer: its URI and a label for people. */
typedef struct
{
  char *uri;
  char *label;
} KassaPrinterChoice;

void kassa_printer_choice_free (KassaPrinterChoice *choice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaPrinterChoice, kassa_printer_choice_free)

/* The USB printer devices (/dev/usb/lp*) and the CUPS queues of the default
 * server ($CUPS_SERVER), in that order: a GPtrArray of KassaPrinterChoice.
 * No server is not an error (no queues). Blocks on CUPS: a worker thread, or
 * the _async variant. */
GPtrArray *kassa_printer_discover        (GCancellable        *cancellable);
void       kassa_printer_discover_async  (GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray *kassa_printer_discover_finish (GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
