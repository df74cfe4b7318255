/* kassa-print-queue.c — receipts, slips, test pages and drawer pulses to an ESC/POS printer, journaled
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/printing.md "A receipt is never lost". The journal is not
 * thread-safe, so it is used on the main context only: a job is journaled
 * PRINTING when it is asked for, and its outcome when the worker thread hands
 * it back. The worker sees only copies: a detached snapshot of the invoice
 * (and of a slip's batch and invoices), the printer, the width and the shop's
 * lines. Jobs run one at a time, in the order they were asked for: a printer
 * takes one connection at a time, and a sale's receipt comes before its
 * drawer pulse.
 *
 * The printer's status is asked before each job. Paper out, cover open, an
 * error or offline: nothing is sent (bytes a printer holds back would come
 * out later, beside the reprint) and the job FAILED with the printer's own
 * words. After the job it is asked again: a printer that ran out of paper or
 * opened its cover while printing FAILED the job too (the receipt may be
 * cut short). A printer that does not answer is not an error; its next job
 * is not held up by the status timeout before its first byte (the queue
 * remembers the printer whose last answer was UNKNOWN and asks it only after
 * the job, until it answers again).
 */

#include "config.h"

#include "kassa-print-queue.h"

#include <glib/gi18n.h>

#include "kassa-escpos.h"
#include "kassa-invoice-private.h"
#include "kassa-receipt.h"
#include "kassa-settlement-private.h"

struct _KassaPrintQueue
{
  GObject       parent_instance;

  KassaJournal *journal;
  KassaPrinter *printer;   /* NULL: none set up */
  char         *uri;
  guint         width;
  char         *shop_name;
  char         *terminal;
  char         *address;
  char         *phone;

  GQueue        pending;   /* GTask (the inner ones), journaled, not started */
  gboolean      running;
  /* The printer whose last job's status request went unanswered (a printer
   * that does not report its status, file:, cups:): its next job is not held
   * up by the status timeout before the first byte; it is asked after. */
  KassaPrinter *silent_printer;
};

enum
{
  SIGNAL_JOB_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KassaPrintQueue, kassa_print_queue, G_TYPE_OBJECT)

typedef struct
{
  KassaPrintKind      kind;
  gint64              id;          /* the journal's row */
  KassaPrinter       *printer;
  guint               width;
  char               *shop_name;
  char               *terminal;
  char               *address;
  char               *phone;
  KassaInvoice       *invoice;     /* receipt: a detached snapshot */
  char               *number;
  KassaSettlement    *settlement;  /* slip: a detached snapshot */
  GPtrArray          *invoices;    /* slip: the batch's invoices, snapshots */
  KassaPrinterStatus  status;      /* read after the job */
  gboolean            ask_before;  /* ask the status before the first byte */
  GTask              *outer;       /* the caller's */
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->printer);
  g_free (job->shop_name);
  g_free (job->terminal);
  g_free (job->address);
  g_free (job->phone);
  g_clear_object (&job->invoice);
  g_free (job->number);
  g_clear_object (&job->settlement);
  g_clear_pointer (&job->invoices, g_ptr_array_unref);
  g_clear_object (&job->outer);
  g_free (job);
}

static KassaInvoice *
snapshot_invoice (KassaInvoice *invoice)
{
  KassaInvoiceRow row = { 0 };

  kassa_invoice_row_copy (kassa_invoice_get_row (invoice), &row);
  return kassa_invoice_new_from_row (&row);
}

static KassaSettlement *
snapshot_settlement (KassaSettlement *settlement)
{
  KassaSettlementRow row = { 0 };

  kassa_settlement_row_copy (kassa_settlement_get_row (settlement), &row);
  return kassa_settlement_new_from_row (&row);
}

static const char *
job_title (KassaPrintKind kind)
{
  switch (kind)
    {
    case KASSA_PRINT_KIND_RECEIPT:
      return "Kassa receipt";
    case KASSA_PRINT_KIND_SLIP:
      return "Kassa end-of-day slip";
    case KASSA_PRINT_KIND_TEST_PAGE:
      return "Kassa test page";
    case KASSA_PRINT_KIND_DRAWER:
    default:
      return "Kassa cash drawer";
    }
}

/* Statuses in which nothing is sent, and that fail a job after it. */
static gboolean
status_stops_printing (KassaPrinterStatus status)
{
  return status == KASSA_PRINTER_STATUS_PAPER_OUT || status == KASSA_PRINTER_STATUS_COVER_OPEN ||
         status == KASSA_PRINTER_STATUS_ERROR || status == KASSA_PRINTER_STATUS_OFFLINE;
}

/* ── the worker thread ───────────────────────────────────────────────── */

static gboolean
write_document (Job            *job,
                GOutputStream  *stream,
                GCancellable   *cancellable,
                GError        **error)
{
  KassaReportInfo info = { job->shop_name, job->terminal, job->address, job->phone };

  switch (job->kind)
    {
    case KASSA_PRINT_KIND_RECEIPT:
      return kassa_escpos_print_receipt (job->invoice, &info, job->width, stream, cancellable,
                                         error);
    case KASSA_PRINT_KIND_SLIP:
      return kassa_escpos_print_slip_invoices (job->settlement, job->invoices, &info, job->width,
                                               stream, cancellable, error);
    case KASSA_PRINT_KIND_TEST_PAGE:
      return kassa_escpos_print_test_page (&info, job->width, NULL, stream, cancellable, error);
    case KASSA_PRINT_KIND_DRAWER:
    default:
      return kassa_escpos_open_drawer (stream, cancellable, error);
    }
}

static gboolean
run_job (Job           *job,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GError) close_error = NULL;
  KassaPrinterStatus before = KASSA_PRINTER_STATUS_UNKNOWN;
  KassaPrinterStatus after = KASSA_PRINTER_STATUS_UNKNOWN;
  gboolean written;

  if (job->ask_before && !kassa_printer_query_status (job->printer, &before, cancellable, error))
    return FALSE;
  job->status = before;
  if (status_stops_printing (before))
    {
      g_set_error_literal (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                           kassa_printer_status_describe (before));
      return FALSE;
    }

  stream = kassa_printer_open (job->printer, job_title (job->kind), cancellable, error);
  if (stream == NULL)
    return FALSE;
  written = write_document (job, stream, cancellable, error);
  /* Closed either way: that ends the job (a CUPS job is cancelled unless whole). */
  if (!g_output_stream_close (stream, NULL, written ? &close_error : NULL) && written)
    {
      g_propagate_error (error, g_steal_pointer (&close_error));
      return FALSE;
    }
  if (!written)
    return FALSE;

  /* A printer gone quiet after the job printed it: UNKNOWN, not an error. */
  if (!kassa_printer_query_status (job->printer, &after, cancellable, NULL))
    after = KASSA_PRINTER_STATUS_UNKNOWN;
  job->status = after;
  if (status_stops_printing (after))
    {
      /* Translators: %s is the printer's status, e.g. “The printer is out of paper.” */
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                   _("%s The receipt may not have printed whole."),
                   kassa_printer_status_describe (after));
      return FALSE;
    }

  return TRUE;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (run_job (job, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* ── on the main context ─────────────────────────────────────────────── */

static void start_next (KassaPrintQueue *self);

static void
emit_changed (KassaPrintQueue *self,
              Job             *job,
              KassaPrintState  state,
              const char      *error_text)
{
  g_signal_emit (self, signals[SIGNAL_JOB_CHANGED], 0, (int) job->kind, job->number,
                 (int) state, error_text);
}

static void
run_job_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KassaPrintQueue *self = KASSA_PRINT_QUEUE (source);
  GTask *inner = G_TASK (result);
  Job *job = g_task_get_task_data (inner);
  g_autoptr(GTask) outer = g_steal_pointer (&job->outer);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) journal_error = NULL;
  KassaPrinterStatus *status_out;

  g_task_propagate_boolean (inner, &error);

  /* The outcome goes to the journal first; a write that fails leaves the
   * row PRINTING, which the next open reads as FAILED. */
  if (!kassa_journal_finish_print (self->journal, job->id, error != NULL ? error->message : NULL,
                                   &journal_error))
    g_debug ("The outcome of print job %" G_GINT64_FORMAT " is not journaled: %s", job->id,
             journal_error->message);
  emit_changed (self, job, error == NULL ? KASSA_PRINT_STATE_PRINTED : KASSA_PRINT_STATE_FAILED,
                error != NULL ? error->message : NULL);

  status_out = g_new (KassaPrinterStatus, 1);
  *status_out = job->status;
  g_object_set_data_full (G_OBJECT (outer), "kassa-printer-status", status_out, g_free);
  if (error != NULL)
    g_task_return_error (outer, g_steal_pointer (&error));
  else
    g_task_return_boolean (outer, TRUE);

  /* Unanswered after the job: the next one to this printer does not wait
   * for an answer first (a reached printer that does not report: UNKNOWN). */
  if (job->status == KASSA_PRINTER_STATUS_UNKNOWN)
    g_set_object (&self->silent_printer, job->printer);
  else if (self->silent_printer == job->printer)
    g_clear_object (&self->silent_printer);

  self->running = FALSE;
  start_next (self);
}

static void
start_next (KassaPrintQueue *self)
{
  GTask *inner;

  if (self->running)
    return;
  inner = g_queue_pop_head (&self->pending);
  if (inner == NULL)
    return;

  self->running = TRUE;
  {
    Job *job = g_task_get_task_data (inner);

    job->ask_before = job->printer != self->silent_printer;
  }
  g_task_run_in_thread (inner, job_thread);
  g_object_unref (inner);
}

/* Journals @job and queues it, or completes @outer with why it cannot be. */
static void
submit (KassaPrintQueue *self,
        Job             *job,
        GCancellable    *cancellable,
        GTask           *outer)
{
  g_autoptr(GError) error = NULL;
  GTask *inner;

  job->width = self->width;
  job->shop_name = g_strdup (self->shop_name);
  job->terminal = g_strdup (self->terminal);
  job->address = g_strdup (self->address);
  job->phone = g_strdup (self->phone);
  job->status = KASSA_PRINTER_STATUS_UNKNOWN;

  job->id = kassa_journal_begin_print (self->journal, job->kind, job->number,
                                       job->settlement != NULL
                                         ? kassa_settlement_get_id (job->settlement) : NULL,
                                       self->uri != NULL ? self->uri : "", &error);
  if (job->id == 0)
    {
      /* Not journaled, so never started. */
      job_free (job);
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }
  emit_changed (self, job, KASSA_PRINT_STATE_PRINTING, NULL);

  if (self->printer == NULL)
    {
      g_set_error_literal (&error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_INVALID_URI,
                           _("No receipt printer is set up"));
      if (!kassa_journal_finish_print (self->journal, job->id, error->message, NULL))
        g_debug ("The outcome of print job %" G_GINT64_FORMAT " is not journaled", job->id);
      emit_changed (self, job, KASSA_PRINT_STATE_FAILED, error->message);
      job_free (job);
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }

  job->printer = g_object_ref (self->printer);
  job->outer = outer;
  inner = g_task_new (self, cancellable, run_job_cb, NULL);
  g_task_set_source_tag (inner, submit);
  g_task_set_task_data (inner, job, (GDestroyNotify) job_free);
  g_queue_push_tail (&self->pending, inner);
  start_next (self);
}

static GTask *
new_outer (KassaPrintQueue     *self,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (outer, kassa_print_queue_job_finish);
  /* The queue's own cancellable handling: a cancelled job is still finished
   * in the journal before the caller hears. */
  g_task_set_check_cancellable (outer, FALSE);
  return outer;
}

/* ── GObject ─────────────────────────────────────────────────────────── */

static void
kassa_print_queue_dispose (GObject *object)
{
  KassaPrintQueue *self = KASSA_PRINT_QUEUE (object);

  /* Each pending task holds a reference: nothing is pending here. */
  g_clear_object (&self->printer);
  g_clear_object (&self->silent_printer);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (kassa_print_queue_parent_class)->dispose (object);
}

static void
kassa_print_queue_finalize (GObject *object)
{
  KassaPrintQueue *self = KASSA_PRINT_QUEUE (object);

  g_free (self->uri);
  g_free (self->shop_name);
  g_free (self->terminal);
  g_free (self->address);
  g_free (self->phone);

  G_OBJECT_CLASS (kassa_print_queue_parent_class)->finalize (object);
}

static void
kassa_print_queue_class_init (KassaPrintQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kassa_print_queue_dispose;
  object_class->finalize = kassa_print_queue_finalize;

  /* (KassaPrintKind kind, const char *invoice_number_or_null,
   *  KassaPrintState state, const char *error_text_or_null) */
  signals[SIGNAL_JOB_CHANGED] =
    g_signal_new ("job-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING);
}

static void
kassa_print_queue_init (KassaPrintQueue *self)
{
  g_queue_init (&self->pending);
  self->width = KASSA_ESCPOS_WIDTH_80MM;
}

/* ── public API ──────────────────────────────────────────────────────── */

KassaPrintQueue *
kassa_print_queue_new (KassaJournal *journal)
{
  KassaPrintQueue *self;

  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), NULL);

  self = g_object_new (KASSA_TYPE_PRINT_QUEUE, NULL);
  self->journal = g_object_ref (journal);
  return self;
}

gboolean
kassa_print_queue_set_printer (KassaPrintQueue  *self,
                               const char       *uri,
                               guint             width_dots,
                               GError          **error)
{
  g_autoptr(KassaPrinter) printer = NULL;

  g_return_val_if_fail (KASSA_IS_PRINT_QUEUE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (uri != NULL && *uri != '\0')
    {
      if (!kassa_escpos_check_width (width_dots, error))
        return FALSE;
      printer = kassa_printer_new_for_uri (uri, error);
      if (printer == NULL)
        return FALSE;
      self->width = width_dots;
    }

  g_set_object (&self->printer, printer);
  g_free (self->uri);
  self->uri = printer != NULL ? g_strdup (kassa_printer_get_uri (printer)) : NULL;
  return TRUE;
}

const char *
kassa_print_queue_get_uri (KassaPrintQueue *self)
{
  g_return_val_if_fail (KASSA_IS_PRINT_QUEUE (self), NULL);

  return self->uri;
}

void
kassa_print_queue_set_info (KassaPrintQueue       *self,
                            const KassaReportInfo *info)
{
  g_return_if_fail (KASSA_IS_PRINT_QUEUE (self));

  g_free (self->shop_name);
  g_free (self->terminal);
  g_free (self->address);
  g_free (self->phone);
  self->shop_name = g_strdup (info != NULL ? info->shop_name : NULL);
  self->terminal = g_strdup (info != NULL ? info->terminal : NULL);
  self->address = g_strdup (info != NULL ? info->address : NULL);
  self->phone = g_strdup (info != NULL ? info->phone : NULL);
}

void
kassa_print_queue_print_receipt_async (KassaPrintQueue     *self,
                                       KassaInvoice        *invoice,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *outer;
  GError *error = NULL;
  Job *job;

  g_return_if_fail (KASSA_IS_PRINT_QUEUE (self));
  g_return_if_fail (KASSA_IS_INVOICE (invoice));

  outer = new_outer (self, cancellable, callback, user_data);
  /* Only a paid or refunded invoice has a receipt: no job for another. */
  if (!kassa_receipt_check (invoice, &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }

  job = g_new0 (Job, 1);
  job->kind = KASSA_PRINT_KIND_RECEIPT;
  job->invoice = snapshot_invoice (invoice);
  job->number = g_strdup (kassa_invoice_get_number (invoice));
  submit (self, job, cancellable, outer);
}

void
kassa_print_queue_print_slip_async (KassaPrintQueue     *self,
                                    KassaSettlement     *settlement,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GPtrArray) invoices = NULL;
  const char * const *numbers;
  GTask *outer;
  Job *job;

  g_return_if_fail (KASSA_IS_PRINT_QUEUE (self));
  g_return_if_fail (KASSA_IS_SETTLEMENT (settlement));

  outer = new_outer (self, cancellable, callback, user_data);

  /* The batch's invoices are read here, on the journal's thread. */
  numbers = kassa_settlement_get_invoices (settlement);
  invoices = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; numbers[i] != NULL; i++)
    {
      GError *error = NULL;
      g_autoptr(KassaInvoice) invoice = kassa_journal_lookup (self->journal, numbers[i], &error);

      if (invoice == NULL)
        {
          if (error == NULL)
            g_set_error (&error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
                         _("The invoice %s of the batch is missing"), numbers[i]);
          g_task_return_error (outer, error);
          g_object_unref (outer);
          return;
        }
      g_ptr_array_add (invoices, snapshot_invoice (invoice));
    }

  job = g_new0 (Job, 1);
  job->kind = KASSA_PRINT_KIND_SLIP;
  job->settlement = snapshot_settlement (settlement);
  job->invoices = g_steal_pointer (&invoices);
  submit (self, job, cancellable, outer);
}

void
kassa_print_queue_print_test_page_async (KassaPrintQueue     *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  Job *job;

  g_return_if_fail (KASSA_IS_PRINT_QUEUE (self));

  job = g_new0 (Job, 1);
  job->kind = KASSA_PRINT_KIND_TEST_PAGE;
  submit (self, job, cancellable, new_outer (self, cancellable, callback, user_data));
}

void
kassa_print_queue_open_drawer_async (KassaPrintQueue     *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Job *job;

  g_return_if_fail (KASSA_IS_PRINT_QUEUE (self));

  job = g_new0 (Job, 1);
  job->kind = KASSA_PRINT_KIND_DRAWER;
  submit (self, job, cancellable, new_outer (self, cancellable, callback, user_data));
}

gboolean
kassa_print_queue_job_finish (KassaPrintQueue     *self,
                              GAsyncResult        *result,
                              KassaPrinterStatus  *out_status,
                              GError             **error)
{
  KassaPrinterStatus *status;

  g_return_val_if_fail (KASSA_IS_PRINT_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kassa_print_queue_job_finish,
                        FALSE);

  status = g_object_get_data (G_OBJECT (result), "kassa-printer-status");
  if (out_status != NULL)
    *out_status = status != NULL ? *status : KASSA_PRINTER_STATUS_UNKNOWN;
  return g_task_propagate_boolean (G_TASK (result), error);
}

KassaPrintState
kassa_print_queue_get_receipt_state (KassaPrintQueue  *self,
                                     const char       *number,
                                     char            **out_error_text)
{
  g_autoptr(GError) error = NULL;
  KassaPrintState state = KASSA_PRINT_STATE_NONE;

  g_return_val_if_fail (KASSA_IS_PRINT_QUEUE (self), KASSA_PRINT_STATE_NONE);
  g_return_val_if_fail (number != NULL, KASSA_PRINT_STATE_NONE);

  if (!kassa_journal_get_receipt_print (self->journal, number, &state, out_error_text, &error))
    g_debug ("Cannot read the print state of %s: %s", number, error->message);
  return state;
}
