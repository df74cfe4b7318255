/* kassa-till-tracker.c — one invoice's lifecycle: the per-invoice state machine
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/lifecycle.md is the spec of this file: its tables ("Creating an
 * invoice", "Resolving *_UNKNOWN", "Polling, expiry, cancel") say what each
 * answer does to an invoice in each state, and apply_check() and the reply
 * callbacks below are those tables in code. An invoice becomes PAID in
 * apply_check(), the only place a check's reading moves an invoice.
 *
 * Each unfinished invoice has a tracker: at most one bank request in
 * flight, one timer, and the cashier's pending cancel or refund. Every step
 * follows the same order: journal commit (write-ahead), request, record the
 * exchange, journal commit of the outcome (which notifies observers), then
 * decide the next step (tracker_step()). The KassaTill object (kassa-till.c)
 * owns the trackers, starts them (sale, recovery, cancel, refund, "check
 * now") and keeps the connection state.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "kassa-bank-fields.h"
#include "kassa-error.h"
#include "kassa-till-private.h"

struct _KassaTillTracker
{
  guint          ref_count;
  KassaTill     *till;              /* NULL once the till is disposed */
  KassaInvoice  *invoice;
  guint          timer_id;
  gboolean       busy;              /* a request is in flight */
  gboolean       step_wanted;       /* something asked for a step while busy */
  guint          failures;          /* consecutive exchanges without an answer */
  gint64         ambiguous_since;   /* monotonic µs: a request of unknown outcome was sent */
  gint64         cancel_not_before; /* monotonic µs: back-off of the expiry cancel */
  gint64         born;              /* monotonic µs: the invoice's creation (tracker_get) */
  KassaBankEndpoint create_endpoint;

  gboolean       cancel_refused;    /* the last cancel was refused (its outcome is known) */
  gboolean       refund_refused;
  KassaCancelReason cancel_reason; /* why the till cancels: the expiry's ends EXPIRED */
  gboolean       after_cancel_check;
  gboolean       recovering;        /* counted by the start-up recovery */
  gboolean       checked;           /* a check completed since tracking (re)started */
  gboolean       sold_here;         /* created by this process: its age is its own */
  gboolean       commit_failed;     /* the journal refused the last outcome: back off */
  char          *cancel_note;       /* why the till cancels (for last_error) */
  char          *commit_error;      /* the last ::journal-failed message, until a commit works */

  GTask         *sale_task;
  GTask         *cancel_task;
  GTask         *refund_task;
  GSource       *cancel_watch;      /* the caller's GCancellable of cancel_task */
  GSource       *refund_watch;
  GError        *cancel_error;      /* the bank's refusal of the last cancel */
  GError        *refund_error;      /* the bank's refusal of the last refund */
};

static void tracker_step  (KassaTillTracker *t);
static void tracker_after (KassaTillTracker *t,
                           guint             delay_ms);

/* ---- time ---- */

static gint64
invoice_created_us (KassaInvoice *invoice)
{
  GDateTime *created = kassa_invoice_get_created (invoice);

  if (created == NULL)
    return g_get_real_time ();

  return g_date_time_to_unix (created) * G_USEC_PER_SEC + g_date_time_get_microsecond (created);
}

/* The age of the invoice by the wall clock against its journaled creation
 * time, or -1 when that age cannot be believed: a clock set back (negative
 * age) or one far ahead of the clock that journaled the invoice (a dead
 * clock battery corrected after boot, a mistyped date). Only used when the
 * invoice was made by another process; within one process, ages come from
 * the monotonic clock, which clock steps do not move. */
gint64
kassa_till_invoice_wall_age_us (KassaInvoice *invoice)
{
  gint64 age = g_get_real_time () - invoice_created_us (invoice);

  if (age < 0 || age > KASSA_TILL_MAX_TRUSTED_AGE)
    return -1;

  return age;
}

/* The age of a tracked invoice in µs, on the monotonic clock. */
gint64
kassa_till_tracker_age_us (KassaTillTracker *t)
{
  return MAX (0, g_get_monotonic_time () - t->born);
}

/* A reply to a request whose outcome we did not see may still be on its way
 * through the bank: a "not found" or "still paid" is only believed this long
 * after the request was sent. */
static gint64
grace_us (KassaTill *self)
{
  return (gint64) 2 * kassa_bank_client_get_timeout (self->client) * G_USEC_PER_SEC;
}

/* Moves the invoice to @state, through the fewest legal intermediate states
 * if the table has no direct edge (e.g. CANCEL_UNKNOWN → DECLINED goes
 * through CANCELLING and AWAITING_PAYMENT). The journal commits each move;
 * @exchange (may be NULL), the answer that caused it, is recorded with the
 * last one. */
static gboolean
tracker_move_recording (KassaTillTracker           *t,
                        KassaInvoiceState           state,
                        const char                 *payload,
                        const KassaBankTransaction *transaction,
                        const char                 *note,
                        const KassaJournalExchange *exchange,
                        GError                    **error)
{
  KassaInvoiceState from = kassa_invoice_get_state (t->invoice);
  KassaInvoiceState prev[KASSA_INVOICE_REFUNDED + 1] = { 0, };
  gboolean seen[KASSA_INVOICE_REFUNDED + 1] = { FALSE, };
  KassaInvoiceState queue[KASSA_INVOICE_REFUNDED + 1];
  KassaInvoiceState path[KASSA_INVOICE_REFUNDED + 1];
  guint head = 0, tail = 0, n_path = 0;

  if (from == state)
    return TRUE;

  seen[from] = TRUE;
  queue[tail++] = from;
  while (head < tail && !seen[state])
    {
      KassaInvoiceState s = queue[head++];

      for (guint to = 0; to <= KASSA_INVOICE_REFUNDED; to++)
        if (!seen[to] && kassa_invoice_state_can_move (s, to))
          {
            seen[to] = TRUE;
            prev[to] = s;
            queue[tail++] = to;
          }
    }

  if (!seen[state])
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                   "No way from %s to %s", kassa_invoice_state_to_string (from),
                   kassa_invoice_state_to_string (state));
      g_warning ("Invoice %s: %s", kassa_invoice_get_number (t->invoice), (*error)->message);
      return FALSE;
    }

  for (KassaInvoiceState s = state; s != from; s = prev[s])
    path[n_path++] = s;

  for (guint i = n_path; i > 0; i--)
    {
      gboolean last = (i == 1);

      gboolean moved;

      /* CANCELLING is journaled with its reason, so that a restart knows
       * how the cancel ends (docs/journal.md "cancel_reason"). */
      if (path[i - 1] == KASSA_INVOICE_CANCELLING)
        moved = kassa_journal_move_to_cancelling (t->till->journal, t->invoice,
                                                  t->cancel_reason, note, error);
      else if (last && exchange != NULL)
        moved = kassa_journal_move_recording (t->till->journal, t->invoice, path[i - 1],
                                              payload, transaction, note, exchange, error);
      else
        moved = kassa_journal_move (t->till->journal, t->invoice, path[i - 1],
                                    last ? payload : NULL, last ? transaction : NULL,
                                    note, error);
      if (!moved)
        {
          g_debug ("Invoice %s: could not move to %s: %s", kassa_invoice_get_number (t->invoice),
                   kassa_invoice_state_to_string (path[i - 1]), (*error)->message);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
tracker_move (KassaTillTracker           *t,
              KassaInvoiceState           state,
              const char                 *payload,
              const KassaBankTransaction *transaction,
              const char                 *note,
              GError                    **error)
{
  return tracker_move_recording (t, state, payload, transaction, note, NULL, error);
}

/* What the person is told when the journal refused to record @state: what
 * the bank said, and that the journal does not say it yet. */
static char *
commit_failure_message (KassaInvoice      *invoice,
                        KassaInvoiceState  state,
                        const GError      *error)
{
  if (state == KASSA_INVOICE_PAID)
    /* Translators: %s are an invoice number and why the journal failed */
    return g_strdup_printf (_("Invoice %s is paid, but it could not be recorded (%s). Do not "
                              "charge the customer again: Kassa records the payment as soon "
                              "as the journal can be written."),
                            kassa_invoice_get_number (invoice), error->message);

  /* Translators: an invoice number, a state (DECLINED, …), why the journal
   * failed, the state the journal still has */
  return g_strdup_printf (_("Invoice %s: %s could not be recorded (%s). The journal still "
                            "says %s; Kassa tries again as soon as the journal can be written."),
                          kassa_invoice_get_number (invoice),
                          kassa_invoice_state_to_string (state), error->message,
                          kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
}

/* Like tracker_move() but a journal failure only delays the next step. It is
 * never silent: ::journal-failed says what could not be recorded (once per
 * distinct failure), and recovery fails with it. */
static gboolean
tracker_commit (KassaTillTracker           *t,
                KassaInvoiceState           state,
                const char                 *payload,
                const KassaBankTransaction *transaction,
                const char                 *note)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  KassaTill *self = t->till;

  if (tracker_move (t, state, payload, transaction, note, &error))
    {
      g_clear_pointer (&t->commit_error, g_free);
      return TRUE;
    }

  t->commit_failed = TRUE;
  message = commit_failure_message (t->invoice, state, error);
  if (t->recovering && self->recover_error == NULL)
    self->recover_error = g_error_new_literal (error->domain, error->code, message);
  if (g_strcmp0 (message, t->commit_error) != 0)
    {
      g_free (t->commit_error);
      t->commit_error = g_strdup (message);
      g_debug ("%s", message);
      kassa_till_emit_journal_failed (self, t->invoice, message);
    }
  return FALSE;
}

/* ---- trackers ---- */

static KassaTillTracker *
tracker_ref (KassaTillTracker *t)
{
  t->ref_count++;
  return t;
}

void
kassa_till_tracker_unref (KassaTillTracker *t)
{
  if (--t->ref_count > 0)
    return;

  g_clear_handle_id (&t->timer_id, g_source_remove);
  g_clear_object (&t->invoice);
  g_clear_object (&t->sale_task);
  g_clear_object (&t->cancel_task);
  g_clear_object (&t->refund_task);
  g_clear_error (&t->cancel_error);
  g_clear_error (&t->refund_error);
  g_free (t->cancel_note);
  g_free (t->commit_error);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTillTracker, kassa_till_tracker_unref)

KassaTillTracker *
kassa_till_tracker_lookup (KassaTill  *self,
                           const char *number)
{
  return g_hash_table_lookup (self->trackers, number);
}

KassaTillTracker *
kassa_till_tracker_get (KassaTill    *self,
                        KassaInvoice *invoice)
{
  KassaTillTracker *t = kassa_till_tracker_lookup (self, kassa_invoice_get_number (invoice));

  if (t != NULL)
    return t;

  t = g_new0 (KassaTillTracker, 1);
  t->ref_count = 1;
  t->till = self;
  t->invoice = g_object_ref (invoice);
  t->ambiguous_since = g_get_monotonic_time ();
  /* A sale's invoice was journaled a moment ago, so its wall age is nearly
   * zero; a recovered one's age is only believed within bounds. An age that
   * cannot be believed counts from now: the invoice is checked and, if
   * unpaid, expires a whole expiry later, never at once and never not at all. */
  t->born = t->ambiguous_since - MAX (0, kassa_till_invoice_wall_age_us (invoice));
  g_hash_table_insert (self->trackers, g_strdup (kassa_invoice_get_number (invoice)), t);
  kassa_till_emit_tracked (self, invoice);

  return t;
}

static void
clear_watch (GSource **watch)
{
  if (*watch == NULL)
    return;

  g_source_destroy (*watch);
  g_clear_pointer (watch, g_source_unref);
}

/* The watch of the caller's cancellable that belongs to @task's slot. */
static GSource **
task_watch (KassaTillTracker *t,
            GTask           **task)
{
  if (task == &t->cancel_task)
    return &t->cancel_watch;
  if (task == &t->refund_task)
    return &t->refund_watch;

  return NULL;
}

static void
task_return_error_take (KassaTillTracker *t,
                        GTask           **task,
                        GError           *error)
{
  g_autoptr(GTask) owned = g_steal_pointer (task);
  GSource **watch = task_watch (t, task);

  if (watch != NULL)
    clear_watch (watch);
  g_task_return_error (owned, error);
}

static void
task_return_boolean (KassaTillTracker *t,
                     GTask           **task,
                     gboolean          value)
{
  g_autoptr(GTask) owned = g_steal_pointer (task);
  GSource **watch = task_watch (t, task);

  if (watch != NULL)
    clear_watch (watch);
  g_task_return_boolean (owned, value);
}

static gboolean
cancel_task_cancelled_cb (GCancellable *cancellable,
                          gpointer      user_data)
{
  KassaTillTracker *t = user_data;

  /* The call ends; what was sent cannot be unsent, the invoice is still tracked. */
  if (t->cancel_task != NULL)
    task_return_error_take (t, &t->cancel_task,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

static gboolean
refund_task_cancelled_cb (GCancellable *cancellable,
                          gpointer      user_data)
{
  KassaTillTracker *t = user_data;

  if (t->refund_task != NULL)
    task_return_error_take (t, &t->refund_task,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

/* Completes the caller's call early when its cancellable fires. */
static void
tracker_watch_task (KassaTillTracker       *t,
                    GTask                  *task,
                    GSource               **watch,
                    GCancellableSourceFunc  callback)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (cancellable == NULL)
    return;

  *watch = g_cancellable_source_new (cancellable);
  g_source_set_callback (*watch, G_SOURCE_FUNC (callback), tracker_ref (t),
                         (GDestroyNotify) kassa_till_tracker_unref);
  g_source_attach (*watch, g_task_get_context (task));
}

static GError *
unknown_outcome_error (const char   *what,
                       KassaInvoice *invoice)
{
  const char *why = kassa_invoice_get_last_error (invoice);

  return g_error_new (KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME,
                      /* Translators: "Cancel", "Refund" or "New invoice", then the network error */
                      _("%s: the bank’s answer was not received (%s). Kassa keeps asking the "
                        "bank and will show the outcome."),
                      what, why != NULL ? why : _("no answer"));
}

/* Completes the cashier's pending cancel or refund once the invoice's state
 * tells its outcome. */
static void
tracker_complete_tasks (KassaTillTracker *t)
{
  KassaInvoiceState state = kassa_invoice_get_state (t->invoice);

  if (t->cancel_task != NULL)
    {
      switch (state)
        {
        case KASSA_INVOICE_CANCELLED:
        case KASSA_INVOICE_EXPIRED:
        case KASSA_INVOICE_FAILED:
        case KASSA_INVOICE_DECLINED:
          /* Whatever the route, this invoice will not be paid. */
          task_return_boolean (t, &t->cancel_task, TRUE);
          break;
        case KASSA_INVOICE_PAID:
          task_return_error_take (t, &t->cancel_task,
                                  g_error_new_literal (KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                                                       _("The customer has already paid this "
                                                         "invoice, so it cannot be cancelled; "
                                                         "refund it instead")));
          break;
        case KASSA_INVOICE_CANCEL_UNKNOWN:
          task_return_error_take (t, &t->cancel_task,
                                  unknown_outcome_error (C_("operation", "Cancel"), t->invoice));
          break;
        case KASSA_INVOICE_AWAITING_PAYMENT:
          if (t->cancel_error != NULL)
            task_return_error_take (t, &t->cancel_task, g_steal_pointer (&t->cancel_error));
          break;
        case KASSA_INVOICE_CREATING:
        case KASSA_INVOICE_CREATE_UNKNOWN:
        case KASSA_INVOICE_CANCELLING:
        case KASSA_INVOICE_REFUNDING:
        case KASSA_INVOICE_REFUND_UNKNOWN:
        case KASSA_INVOICE_REFUNDED:
        default:
          break;
        }
    }

  if (t->refund_task != NULL)
    {
      switch (state)
        {
        case KASSA_INVOICE_REFUNDED:
          task_return_boolean (t, &t->refund_task, TRUE);
          break;
        case KASSA_INVOICE_REFUND_UNKNOWN:
          task_return_error_take (t, &t->refund_task,
                                  unknown_outcome_error (_("Refund"), t->invoice));
          break;
        case KASSA_INVOICE_PAID:
          if (t->refund_error != NULL)
            task_return_error_take (t, &t->refund_task, g_steal_pointer (&t->refund_error));
          break;
        case KASSA_INVOICE_CREATING:
        case KASSA_INVOICE_CREATE_UNKNOWN:
        case KASSA_INVOICE_AWAITING_PAYMENT:
        case KASSA_INVOICE_DECLINED:
        case KASSA_INVOICE_FAILED:
        case KASSA_INVOICE_CANCELLING:
        case KASSA_INVOICE_CANCEL_UNKNOWN:
        case KASSA_INVOICE_CANCELLED:
        case KASSA_INVOICE_EXPIRED:
        case KASSA_INVOICE_REFUNDING:
        default:
          break;
        }
    }
}

/* Stops tracking an invoice that needs nothing more. */
static void
tracker_finish (KassaTillTracker *t)
{
  KassaTill *self = t->till;

  g_clear_handle_id (&t->timer_id, g_source_remove);
  if (t->sale_task != NULL || t->cancel_task != NULL || t->refund_task != NULL)
    return;

  g_hash_table_remove (self->trackers, kassa_invoice_get_number (t->invoice));
}

static gboolean
tracker_timer_cb (gpointer user_data)
{
  KassaTillTracker *t = user_data;

  t->timer_id = 0;
  tracker_step (t);

  return G_SOURCE_REMOVE;
}

static void
tracker_schedule (KassaTillTracker *t,
                  guint             delay_ms)
{
  g_clear_handle_id (&t->timer_id, g_source_remove);
  t->timer_id = g_timeout_add (delay_ms, tracker_timer_cb, t);
}

/* The next poll: fast for the first minutes, then slow, never past the expiry. */
static guint
poll_delay_ms (KassaTillTracker *t)
{
  KassaTill *self = t->till;
  gint64 age = kassa_till_tracker_age_us (t);
  gint64 fast_period = (gint64) self->fast_period_s * G_USEC_PER_SEC;
  gint64 delay = age < fast_period ? self->fast_ms : self->slow_ms;

  if (kassa_invoice_get_state (t->invoice) == KASSA_INVOICE_AWAITING_PAYMENT)
    {
      gint64 until_expiry = ((gint64) self->expiry_s * G_USEC_PER_SEC - age) / 1000;

      /* Once expired, the next step is the expiry cancel, or its back-off. */
      if (until_expiry <= 0)
        until_expiry = (t->cancel_not_before - g_get_monotonic_time ()) / 1000;
      delay = CLAMP (until_expiry, 0, delay);
    }

  return (guint) delay;
}

static gboolean
payload_missing (KassaTillTracker *t)
{
  const char *payload = kassa_invoice_get_payload (t->invoice);

  return kassa_invoice_get_method (t->invoice) != KASSA_INVOICE_METHOD_PHONE &&
         (payload == NULL || *payload == '\0');
}

/* Whether a recovered invoice has been resolved: it was checked, no request
 * of unknown outcome is left, and nothing more is about to happen to it. */
static gboolean
tracker_resolved (KassaTillTracker *t)
{
  switch (kassa_invoice_get_state (t->invoice))
    {
    case KASSA_INVOICE_AWAITING_PAYMENT:
      return t->checked && !payload_missing (t) && t->cancel_task == NULL;
    case KASSA_INVOICE_PAID:
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_FAILED:
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
    case KASSA_INVOICE_REFUNDED:
      return !t->after_cancel_check;
    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
    default:
      return FALSE;
    }
}

static void
tracker_after (KassaTillTracker *t,
               guint             delay_ms)
{
  KassaTill *self = t->till;

  if (self == NULL)
    return;

  tracker_complete_tasks (t);

  /* The bank answered but the journal did not take it: not resolved, and
   * recovery must not report the state the journal still has. */
  if (t->recovering && t->commit_failed)
    {
      t->recovering = FALSE;
      self->recover_pending--;
      kassa_till_recovery_progress (self);
    }
  else if (t->recovering && tracker_resolved (t))
    {
      KassaInvoiceState state = kassa_invoice_get_state (t->invoice);

      t->recovering = FALSE;
      self->recover_counts[state]++;
      self->recover_pending--;
      kassa_till_recovery_progress (self);
    }

  if (t->step_wanted)
    {
      t->step_wanted = FALSE;
      delay_ms = 0;
    }

  /* The outcome is not on disk: ask again later rather than at once. */
  if (t->commit_failed)
    {
      t->commit_failed = FALSE;
      delay_ms = MAX (delay_ms, kassa_till_backoff_ms (self, ++t->failures));
    }

  tracker_schedule (t, delay_ms);
}

/* ---- requests ---- */

static void check_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data);
static void cancel_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);
static void refund_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

static void
send_check (KassaTillTracker *t)
{
  t->busy = TRUE;
  kassa_bank_client_check_async (t->till->client, kassa_invoice_get_amount (t->invoice),
                                 kassa_invoice_get_number (t->invoice), t->till->cancellable,
                                 check_cb, tracker_ref (t));
}

/* CANCELLING is on disk (write-ahead) when this is called. */
static void
send_cancel (KassaTillTracker *t)
{
  kassa_crash_point ("cancel-committed");

  t->busy = TRUE;
  t->cancel_refused = FALSE;
  t->ambiguous_since = g_get_monotonic_time ();
  kassa_bank_client_cancel_async (t->till->client, kassa_invoice_get_amount (t->invoice),
                                  kassa_invoice_get_number (t->invoice), t->till->cancellable,
                                  cancel_cb, tracker_ref (t));
}

/* Write-ahead: CANCELLING is on disk before the cancel is sent. */
/* How this invoice's cancel ends: EXPIRED for the expiry's, else CANCELLED. */
static KassaInvoiceState
cancelled_state (KassaTillTracker *t)
{
  return t->cancel_reason == KASSA_CANCEL_REASON_EXPIRY ? KASSA_INVOICE_EXPIRED
                                                        : KASSA_INVOICE_CANCELLED;
}

static void
begin_cancel (KassaTillTracker  *t,
              KassaCancelReason  reason,
              const char        *note)
{
  g_autoptr(GError) error = NULL;

  t->cancel_reason = reason;
  g_clear_error (&t->cancel_error);
  if (note != NULL)
    {
      g_free (t->cancel_note);
      t->cancel_note = g_strdup (note);
    }

  if (!tracker_move (t, KASSA_INVOICE_CANCELLING, NULL, NULL, t->cancel_note, &error))
    {
      if (t->cancel_task != NULL)
        task_return_error_take (t, &t->cancel_task, g_steal_pointer (&error));
      tracker_after (t, kassa_till_backoff_ms (t->till, ++t->failures));
      return;
    }

  send_cancel (t);
}

static void
begin_refund (KassaTillTracker *t)
{
  g_autoptr(GError) error = NULL;

  g_clear_error (&t->refund_error);
  t->refund_refused = FALSE;

  if (!tracker_move (t, KASSA_INVOICE_REFUNDING, NULL, NULL, NULL, &error))
    {
      task_return_error_take (t, &t->refund_task, g_steal_pointer (&error));
      tracker_after (t, 0);
      return;
    }

  kassa_crash_point ("refund-committed");

  t->busy = TRUE;
  t->ambiguous_since = g_get_monotonic_time ();
  kassa_bank_client_refund_async (t->till->client, kassa_invoice_get_amount (t->invoice),
                                  kassa_invoice_get_number (t->invoice), t->till->cancellable,
                                  refund_cb, tracker_ref (t));
}

static void
tracker_step (KassaTillTracker *t)
{
  KassaTill *self = t->till;
  KassaInvoiceState state;

  if (self == NULL)
    return;

  g_clear_handle_id (&t->timer_id, g_source_remove);
  if (t->busy)
    {
      t->step_wanted = TRUE;
      return;
    }

  state = kassa_invoice_get_state (t->invoice);
  switch (state)
    {
    case KASSA_INVOICE_CREATING:
      /* Only a recovered invoice is here without a request in flight. */
      if (!tracker_commit (t, KASSA_INVOICE_CREATE_UNKNOWN, NULL, NULL,
                           _("Kassa stopped before the bank’s answer was recorded")))
        {
          tracker_after (t, kassa_till_backoff_ms (self, ++t->failures));
          return;
        }
      send_check (t);
      return;

    case KASSA_INVOICE_AWAITING_PAYMENT:
      if (t->cancel_task != NULL)
        {
          begin_cancel (t, KASSA_CANCEL_REASON_CASHIER, NULL);
          return;
        }
      if (payload_missing (t))
        {
          begin_cancel (t, KASSA_CANCEL_REASON_LOST_PAYLOAD,
                        _("The bank’s answer with the QR code was lost, so the customer "
                          "never saw it; the invoice was cancelled"));
          return;
        }
      /* After a restart the first step is a check, not the expiry cancel:
       * its age came from the wall clock. An invoice sold by this process
       * expires on its own monotonic age, even while every check fails
       * (a bank that answers errors must not keep a QR open for ever). */
      if ((t->checked || t->sold_here) &&
          kassa_till_tracker_age_us (t) >= (gint64) self->expiry_s * G_USEC_PER_SEC &&
          g_get_monotonic_time () >= t->cancel_not_before)
        {
          begin_cancel (t, KASSA_CANCEL_REASON_EXPIRY, NULL);
          return;
        }
      send_check (t);
      return;

    case KASSA_INVOICE_PAID:
      if (t->refund_task != NULL)
        {
          begin_refund (t);
          return;
        }
      tracker_finish (t);
      return;

    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
      if (t->after_cancel_check)
        {
          send_check (t);
          return;
        }
      tracker_finish (t);
      return;

    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
      send_check (t);
      return;

    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_FAILED:
    case KASSA_INVOICE_REFUNDED:
    default:
      tracker_finish (t);
      return;
    }
}

/* Applies what a check said to the invoice in its current state; returns the
 * delay before the next step. */
static guint
apply_check (KassaTillTracker           *t,
             KassaCheckReading           reading,
             const KassaBankTransaction *tx,
             const GError               *error)
{
  KassaTill *self = t->till;
  KassaInvoiceState state = kassa_invoice_get_state (t->invoice);
  gboolean grace_over = g_get_monotonic_time () - t->ambiguous_since >= grace_us (self);

  if (reading == KASSA_CHECK_NO_ANSWER)
    return kassa_till_backoff_ms (self, t->failures);

  switch (state)
    {
    case KASSA_INVOICE_CREATE_UNKNOWN:
      switch (reading)
        {
        case KASSA_CHECK_PAID:
          tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_DECLINED:
          tracker_commit (t, KASSA_INVOICE_DECLINED, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_NOT_PAID:
          tracker_commit (t, KASSA_INVOICE_AWAITING_PAYMENT, NULL, NULL, NULL);
          return 0;
        case KASSA_CHECK_CANCELLED:
          tracker_commit (t, KASSA_INVOICE_CANCELLED, NULL, NULL,
                          _("The bank says this invoice was cancelled"));
          return 0;
        case KASSA_CHECK_UNKNOWN_INVOICE:
          /* The create may still be on its way through the bank. */
          if (grace_over)
            {
              tracker_commit (t, KASSA_INVOICE_FAILED, NULL, NULL,
                              _("The bank never received this invoice"));
              return 0;
            }
          return poll_delay_ms (t);
        case KASSA_CHECK_REFUNDED:
        case KASSA_CHECK_UNREADABLE:
        case KASSA_CHECK_NO_ANSWER:
        default:
          return poll_delay_ms (t);
        }

    case KASSA_INVOICE_AWAITING_PAYMENT:
      switch (reading)
        {
        case KASSA_CHECK_PAID:
          tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_DECLINED:
          tracker_commit (t, KASSA_INVOICE_DECLINED, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_CANCELLED:
          tracker_commit (t, KASSA_INVOICE_CANCELLED, NULL, NULL,
                          _("The bank says this invoice was cancelled"));
          return 0;
        case KASSA_CHECK_NOT_PAID:
        case KASSA_CHECK_UNKNOWN_INVOICE:
        case KASSA_CHECK_REFUNDED:
        case KASSA_CHECK_UNREADABLE:
        case KASSA_CHECK_NO_ANSWER:
        default:
          return poll_delay_ms (t);
        }

    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
      switch (reading)
        {
        case KASSA_CHECK_PAID:
          /* The journal flags it paid_after_cancel (a move from a cancel state). */
          tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_DECLINED:
          tracker_commit (t, KASSA_INVOICE_DECLINED, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_CANCELLED:
          if (tracker_commit (t, cancelled_state (t),
                              NULL, NULL, t->cancel_note))
            t->after_cancel_check = TRUE;
          return 0;
        case KASSA_CHECK_NOT_PAID:
          if (t->cancel_refused && state == KASSA_INVOICE_CANCELLING)
            {
              /* The bank refused the cancel and the invoice is still open. */
              const char *why = t->cancel_error != NULL ? t->cancel_error->message : NULL;

              tracker_commit (t, KASSA_INVOICE_AWAITING_PAYMENT, NULL, NULL, why);
              t->cancel_refused = FALSE;
              t->cancel_not_before = g_get_monotonic_time () +
                                     (gint64) kassa_till_backoff_ms (self, 3) * 1000;
              return poll_delay_ms (t);
            }
          /* The cancel never happened (lost, or Kassa stopped): send it again,
           * write-ahead, from CANCELLING. */
          if (state == KASSA_INVOICE_CANCEL_UNKNOWN &&
              !tracker_commit (t, KASSA_INVOICE_CANCELLING, NULL, NULL, t->cancel_note))
            return kassa_till_backoff_ms (self, ++t->failures);
          send_cancel (t);
          return G_MAXUINT;
        case KASSA_CHECK_UNKNOWN_INVOICE:
        case KASSA_CHECK_REFUNDED:
        case KASSA_CHECK_UNREADABLE:
        case KASSA_CHECK_NO_ANSWER:
        default:
          return poll_delay_ms (t);
        }

    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
      t->after_cancel_check = FALSE;
      if (reading == KASSA_CHECK_PAID)
        {
          /* The customer paid anyway: never lose it, tell the cashier (the
           * journal flags it paid_after_cancel). */
          tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, NULL);
        }
      return 0;

    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
      switch (reading)
        {
        case KASSA_CHECK_REFUNDED:
          tracker_commit (t, KASSA_INVOICE_REFUNDED, NULL, NULL, NULL);
          return 0;
        case KASSA_CHECK_PAID:
          /* Still paid: the refund did not happen — certain when the bank
           * refused it, otherwise once a late refund can no longer arrive. */
          if ((state == KASSA_INVOICE_REFUNDING && t->refund_refused) || grace_over)
            {
              const char *why = t->refund_error != NULL ? t->refund_error->message : NULL;

              tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, why);
              return 0;
            }
          return poll_delay_ms (t);
        case KASSA_CHECK_NOT_PAID:
        case KASSA_CHECK_DECLINED:
        case KASSA_CHECK_CANCELLED:
        case KASSA_CHECK_UNKNOWN_INVOICE:
        case KASSA_CHECK_UNREADABLE:
        case KASSA_CHECK_NO_ANSWER:
        default:
          return poll_delay_ms (t);
        }

    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_PAID:
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_FAILED:
    case KASSA_INVOICE_REFUNDED:
    default:
      return 0;
    }
}

/* What every reply does first: nothing if the request was cancelled or the
 * till is gone; else (after the crash point, tests only) the exchange is
 * recorded — counted rather than stored when @routine: a check that says
 * "not paid yet" — and the connection state updated. Returns whether to go
 * on. With @held (a successful answer whose move follows at once), the
 * exchange is not recorded but described there, for
 * tracker_move_recording(): the answer and the move share one transaction;
 * free its request_json. */
static gboolean
reply_arrived_holding (KassaTillTracker     *t,
                       const char           *crash_point,
                       KassaBankEndpoint     endpoint,
                       const char           *reply_json,
                       const GError         *error,
                       gboolean              routine,
                       KassaJournalExchange *held)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || t->till == NULL)
    return FALSE;

  if (crash_point != NULL)
    kassa_crash_point (crash_point);

  t->busy = FALSE;
  if (held != NULL)
    {
      g_assert (error == NULL);
      held->endpoint = endpoint;
      held->request_json = kassa_till_exchange_request (t->till, t->invoice, NULL, endpoint);
      held->http_status = 200;
      held->reply_body = reply_json;
    }
  else
    kassa_till_record_exchange (t->till, t->invoice, NULL, endpoint, reply_json, error, routine);
  kassa_till_note_exchange (t->till, &t->failures, error);
  return TRUE;
}

static gboolean
reply_arrived (KassaTillTracker  *t,
               const char        *crash_point,
               KassaBankEndpoint  endpoint,
               const char        *reply_json,
               const GError      *error,
               gboolean           routine)
{
  return reply_arrived_holding (t, crash_point, endpoint, reply_json, error, routine, NULL);
}

static void
check_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(KassaTillTracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) tx = NULL;
  g_autofree char *reply_json = NULL;
  KassaCheckReading reading;
  guint delay;

  tx = kassa_bank_client_check_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (tx != NULL)
    reply_json = kassa_bank_transaction_to_json (tx);
  /* Read first: a "not paid yet" is routine, counted in the journal rather
   * than stored once per poll (docs/journal.md "Trimming"). */
  reading = t->till != NULL
              ? kassa_till_read_check (kassa_bank_client_get_profile (t->till->client), tx, error)
              : KASSA_CHECK_NO_ANSWER;
  if (!reply_arrived (t, NULL, KASSA_BANK_ENDPOINT_CHECK, reply_json, error,
                      reading == KASSA_CHECK_NOT_PAID))
    return;

  g_debug ("Invoice %s (%s): check says %s", kassa_invoice_get_number (t->invoice),
           kassa_invoice_state_to_string (kassa_invoice_get_state (t->invoice)),
           kassa_check_reading_to_string (reading));
  if (reading != KASSA_CHECK_NO_ANSWER)
    t->checked = TRUE;

  delay = apply_check (t, reading, tx, error);
  if (delay == G_MAXUINT)
    return;  /* another request is already in flight */

  tracker_after (t, delay);
}

/* A cancel or refund that did not succeed. An unknown outcome is journaled
 * as @unknown_state and resolved by checks. A refusal (or a request never
 * sent) has a known outcome but not a known reason — perhaps the customer
 * paid in between: the bank's words are kept for the caller in @refusal and
 * the bank is asked at once. Takes @error. */
static void
request_failed (KassaTillTracker  *t,
                KassaInvoiceState  unknown_state,
                gboolean          *refused,
                GError           **refusal,
                GError            *error)
{
  if (kassa_till_error_is_unknown_outcome (error))
    {
      tracker_commit (t, unknown_state, NULL, NULL, error->message);
      g_error_free (error);
      tracker_after (t, kassa_till_backoff_ms (t->till, t->failures));
      return;
    }

  *refused = TRUE;
  g_clear_error (refusal);
  *refusal = error;
  tracker_after (t, 0);
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KassaTillTracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autofree char *reply_json = NULL;

  reply = kassa_bank_client_cancel_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (reply != NULL)
    reply_json = kassa_bank_invoice_reply_to_json (reply);
  if (!reply_arrived (t, "cancel-replied", KASSA_BANK_ENDPOINT_CANCEL, reply_json, error, FALSE))
    return;

  if (reply != NULL)
    {
      if (tracker_commit (t, cancelled_state (t),
                          NULL, NULL, t->cancel_note))
        t->after_cancel_check = TRUE;  /* one more check: a late payment is not lost */
      tracker_after (t, 0);
      return;
    }

  request_failed (t, KASSA_INVOICE_CANCEL_UNKNOWN, &t->cancel_refused, &t->cancel_error,
                  g_steal_pointer (&error));
}

static void
refund_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KassaTillTracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) tx = NULL;
  g_autofree char *reply_json = NULL;

  tx = kassa_bank_client_refund_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (tx != NULL)
    reply_json = kassa_bank_transaction_to_json (tx);
  if (!reply_arrived (t, "refund-replied", KASSA_BANK_ENDPOINT_REFUND, reply_json, error, FALSE))
    return;

  if (tx != NULL)
    {
      /* The refund reply's resp fields describe the original payment; keep
       * the payment's approval code and card rather than overwrite them. */
      tracker_commit (t, KASSA_INVOICE_REFUNDED, NULL, NULL, NULL);
      tracker_after (t, 0);
      return;
    }

  request_failed (t, KASSA_INVOICE_REFUND_UNKNOWN, &t->refund_refused, &t->refund_error,
                  g_steal_pointer (&error));
}

static KassaBankInvoiceReply *
create_finish (KassaTillTracker *t,
               GObject          *source,
               GAsyncResult     *result,
               GError          **error)
{
  switch (kassa_invoice_get_method (t->invoice))
    {
    case KASSA_INVOICE_METHOD_QR:
      return kassa_bank_client_qr_finish (KASSA_BANK_CLIENT (source), result, error);
    case KASSA_INVOICE_METHOD_DEEPLINK:
      return kassa_bank_client_deeplink_finish (KASSA_BANK_CLIENT (source), result, error);
    case KASSA_INVOICE_METHOD_PHONE:
      return kassa_bank_client_phone_finish (KASSA_BANK_CLIENT (source), result, error);
    default:
      g_assert_not_reached ();
    }
}

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KassaTillTracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) payload_error = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autofree char *reply_json = NULL;
  KassaJournalExchange held = { 0, };
  gboolean valid;
  KassaTill *self;

  reply = create_finish (t, source, result, &error);
  if (reply != NULL)
    reply_json = kassa_bank_invoice_reply_to_json (reply);
  /* A payload fit to show opens the sale: the reply is recorded with the
   * move to AWAITING_PAYMENT, in one transaction (one sync before the QR). */
  valid = reply != NULL && t->till != NULL &&
          kassa_till_validate_payload (kassa_bank_client_get_profile (t->till->client),
                                       kassa_invoice_get_method (t->invoice),
                                       kassa_invoice_get_amount (t->invoice),
                                       reply->desc, &payload_error);
  if (!reply_arrived_holding (t, "create-replied", t->create_endpoint, reply_json, error, FALSE,
                              valid ? &held : NULL))
    return;

  self = t->till;

  if (valid)
    {
      g_autoptr(GError) move_error = NULL;
      g_autofree char *request_json = (char *) held.request_json;

      if (!tracker_move_recording (t, KASSA_INVOICE_AWAITING_PAYMENT, reply->desc, NULL, NULL,
                                   &held, &move_error))
        {
          /* The answer is kept even though the move could not be. */
          kassa_till_record_exchange (self, t->invoice, NULL, t->create_endpoint, reply_json,
                                      NULL, FALSE);
          /* Not on disk, so not shown: the next step checks and resolves it. */
          task_return_error_take (t, &t->sale_task, g_steal_pointer (&move_error));
          tracker_after (t, 0);
          return;
        }

      kassa_crash_point ("awaiting");

      g_task_return_pointer (t->sale_task, g_object_ref (t->invoice), g_object_unref);
      g_clear_object (&t->sale_task);
      tracker_after (t, poll_delay_ms (t));
      return;
    }

  if (reply != NULL)
    {
      /* The bank created an invoice we must not show: take it back. The bad
       * payload is not stored (nothing may draw it); the note says why. */
      g_autofree char *note = g_strdup_printf (_("%s; the invoice was cancelled"),
                                               payload_error->message);

      tracker_commit (t, KASSA_INVOICE_AWAITING_PAYMENT, NULL, NULL, note);
      task_return_error_take (t, &t->sale_task, g_error_new_literal (KASSA_TILL_ERROR,
                                                                  KASSA_TILL_ERROR_PAYLOAD,
                                                                  note));
      begin_cancel (t, KASSA_CANCEL_REASON_BAD_PAYLOAD, note);
      return;
    }

  if (kassa_till_error_is_unknown_outcome (error))
    {
      tracker_commit (t, KASSA_INVOICE_CREATE_UNKNOWN, NULL, NULL, error->message);
      task_return_error_take (t, &t->sale_task,
                              unknown_outcome_error (_("New invoice"), t->invoice));
      tracker_after (t, kassa_till_backoff_ms (self, MAX (t->failures, 1)));
      return;
    }

  /* Refused, or never sent: it does not exist at the bank. */
  tracker_commit (t, KASSA_INVOICE_FAILED, NULL, NULL, error->message);
  task_return_error_take (t, &t->sale_task, g_steal_pointer (&error));
  tracker_after (t, 0);
}

/* ---- what KassaTill asks of a tracker ---- */

/* Called on the till's dispose: callbacks that arrive later find no till. */
void
kassa_till_tracker_detach (KassaTillTracker *t)
{
  t->till = NULL;
  g_clear_handle_id (&t->timer_id, g_source_remove);
  clear_watch (&t->cancel_watch);
  clear_watch (&t->refund_watch);
}

/* A sale: CREATING is on disk; the create request is in flight from now on
 * (kassa_till_tracker_send_create), so nothing else may step meanwhile. */
void
kassa_till_tracker_start_sale (KassaTillTracker *t,
                               GTask            *task)
{
  t->sale_task = g_object_ref (task);
  t->sold_here = TRUE;
  t->busy = TRUE;
  t->ambiguous_since = g_get_monotonic_time ();
}

void
kassa_till_tracker_send_create (KassaTillTracker *t,
                                const char       *phone)
{
  KassaTill *self = t->till;
  gint64 amount = kassa_invoice_get_amount (t->invoice);
  const char *number = kassa_invoice_get_number (t->invoice);

  switch (kassa_invoice_get_method (t->invoice))
    {
    case KASSA_INVOICE_METHOD_QR:
      t->create_endpoint =
        kassa_bank_profile_get_qr_endpoint (kassa_bank_client_get_profile (self->client))
          == KASSA_QR_ENDPOINT_DEEPLINK ? KASSA_BANK_ENDPOINT_DEEPLINK : KASSA_BANK_ENDPOINT_QR;
      kassa_bank_client_qr_async (self->client, amount, number, self->cancellable,
                                  create_cb, tracker_ref (t));
      break;
    case KASSA_INVOICE_METHOD_DEEPLINK:
      t->create_endpoint = KASSA_BANK_ENDPOINT_DEEPLINK;
      kassa_bank_client_deeplink_async (self->client, amount, number, self->cancellable,
                                        create_cb, tracker_ref (t));
      break;
    case KASSA_INVOICE_METHOD_PHONE:
      t->create_endpoint = KASSA_BANK_ENDPOINT_PHONE;
      kassa_bank_client_phone_async (self->client, amount, number, phone, self->cancellable,
                                     create_cb, tracker_ref (t));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Start-up recovery takes the invoice on; FALSE if it already has. */
gboolean
kassa_till_tracker_recover (KassaTillTracker *t)
{
  KassaTill *self = t->till;
  KassaInvoiceState state = kassa_invoice_get_state (t->invoice);

  if (t->recovering)
    return FALSE;

  t->recovering = TRUE;
  t->checked = FALSE;

  /* When was the request of unknown outcome sent? A create is sent at
   * creation; for the others, assume just now (the safe side). */
  if (state == KASSA_INVOICE_CREATING || state == KASSA_INVOICE_CREATE_UNKNOWN)
    t->ambiguous_since = t->born;
  else
    t->ambiguous_since = g_get_monotonic_time ();
  if (state == KASSA_INVOICE_CANCELLING || state == KASSA_INVOICE_CANCEL_UNKNOWN)
    {
      g_autoptr(GError) error = NULL;

      /* The journal says why the cancel was made. A cancel journaled by an
       * older Kassa has no reason: then, as that Kassa read it, an invoice
       * older than the expiry was the expiry's. */
      if (!kassa_journal_get_cancel_reason (self->journal, t->invoice, &t->cancel_reason, &error))
        {
          g_debug ("Invoice %s: %s", kassa_invoice_get_number (t->invoice), error->message);
          t->cancel_reason = KASSA_CANCEL_REASON_UNKNOWN;
        }
      if (t->cancel_reason == KASSA_CANCEL_REASON_UNKNOWN &&
          kassa_till_tracker_age_us (t) >= (gint64) self->expiry_s * G_USEC_PER_SEC)
        t->cancel_reason = KASSA_CANCEL_REASON_EXPIRY;
    }

  if (!t->busy)
    tracker_schedule (t, 0);

  return TRUE;
}

/* "Check now": at once, the back-off reset; on a cancelled invoice, the
 * after-cancel check. */
void
kassa_till_tracker_check_now (KassaTillTracker *t)
{
  KassaInvoiceState state = kassa_invoice_get_state (t->invoice);

  if (state == KASSA_INVOICE_CANCELLED || state == KASSA_INVOICE_EXPIRED)
    t->after_cancel_check = TRUE;

  t->failures = 0;
  tracker_step (t);
}

/* The cashier's cancel; FALSE (and @task not taken) if one is pending. */
gboolean
kassa_till_tracker_cancel (KassaTillTracker *t,
                           GTask            *task)
{
  if (t->cancel_task != NULL)
    return FALSE;

  t->cancel_task = g_object_ref (task);
  tracker_watch_task (t, t->cancel_task, &t->cancel_watch, cancel_task_cancelled_cb);
  g_clear_error (&t->cancel_error);
  tracker_step (t);
  return TRUE;
}

/* An authorised refund; FALSE (and @task not taken) if one is pending. */
gboolean
kassa_till_tracker_refund (KassaTillTracker *t,
                           GTask            *task)
{
  if (t->refund_task != NULL)
    return FALSE;

  t->refund_task = g_object_ref (task);
  tracker_watch_task (t, t->refund_task, &t->refund_watch, refund_task_cancelled_cb);
  tracker_step (t);
  return TRUE;
}
