/* kassa-till.c — the payment lifecycle controller
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each unfinished invoice has a Tracker: at most one bank request in flight,
 * one timer, and the cashier's pending cancel or refund. Every step follows
 * the same order: journal commit (write-ahead), request, record the exchange,
 * journal commit of the outcome (which notifies observers), then decide the
 * next step. docs/lifecycle.md describes the rules.
 */

#include "config.h"

#include "kassa-till.h"

#include <signal.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-error.h"
#include "kassa-till-private.h"

typedef struct _Tracker Tracker;
typedef struct _SettleJob SettleJob;

struct _KassaTill
{
  GObject               parent_instance;

  KassaJournal         *journal;
  KassaBankClient      *client;
  KassaManager         *manager;       /* the PIN and the audit log of the journal */
  GCancellable         *cancellable;   /* cancelled on dispose: every request */
  GHashTable           *trackers;      /* invoice number → Tracker (owned) */
  GHashTable           *settle_jobs;   /* settlement id → SettleJob (owned) */

  KassaConnectionState  connection_state;
  GError               *connection_error;  /* why OFFLINE: the last failed exchange */
  gboolean              recovered;

  guint                 fast_ms;
  guint                 fast_period_s;
  guint                 slow_ms;
  guint                 expiry_s;
  guint                 max_backoff_s;

  /* Start-up recovery */
  GTask                *recover_task;
  guint                 recover_pending;
  guint                 recover_counts[KASSA_INVOICE_REFUNDED + 1];
  guint                 recover_total;
  guint                 recover_settled;
  GError               *recover_error;  /* a bank answer the journal could not record */

  KassaPushListener    *push_listener;
  gulong                push_handler_id;
};

struct _Tracker
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
  gint64         born;              /* monotonic µs: the invoice's creation (see tracker_get) */
  KassaBankEndpoint create_endpoint;

  gboolean       cancel_attempted;  /* a cancel was sent: a payment now is "after cancel" */
  gboolean       cancel_refused;    /* the last cancel was refused (its outcome is known) */
  gboolean       refund_refused;
  gboolean       expiring;          /* the cancel is the expiry's: ends EXPIRED */
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

struct _SettleJob
{
  guint            ref_count;
  KassaTill       *till;
  KassaSettlement *settlement;
  guint            timer_id;
  gboolean         busy;
  guint            failures;
  gboolean         recovering;
  GTask           *task;
};

enum {
  PROP_0,
  PROP_JOURNAL,
  PROP_CLIENT,
  PROP_CONNECTION_STATE,
  PROP_RECOVERED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_INVOICE_ADDED,
  SIGNAL_RECOVERED,
  SIGNAL_JOURNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KassaTill, kassa_till, G_TYPE_OBJECT)

G_DEFINE_QUARK (kassa-till-error-quark, kassa_till_error)

G_DEFINE_ENUM_TYPE (KassaConnectionState, kassa_connection_state,
  G_DEFINE_ENUM_VALUE (KASSA_CONNECTION_ONLINE, "online"),
  G_DEFINE_ENUM_VALUE (KASSA_CONNECTION_OFFLINE, "offline"))

static void tracker_step        (Tracker *t);
static void tracker_after       (Tracker *t,
                                 guint    delay_ms);
static void settle_job_send     (SettleJob *job);

/* ---- crash points (tests only) ---- */

/* Dies at once, with SIGKILL (nothing flushed, no handler runs), when the
 * environment variable KASSA_CRASH_POINT equals @name: the crash tests
 * (tests/test-crash.c) kill a real kassa-ctl at each step of the lifecycle
 * this way. Read once; harmless when unset. docs/lifecycle.md lists the points. */
static void
kassa_crash_point (const char *name)
{
  static gsize initialised = 0;
  static char *wanted = NULL;

  if (g_once_init_enter (&initialised))
    {
      const char *value = g_getenv ("KASSA_CRASH_POINT");

      if (value != NULL && *value != '\0')
        wanted = g_strdup (value);
      g_once_init_leave (&initialised, 1);
    }

  if (wanted != NULL && strcmp (wanted, name) == 0)
    raise (SIGKILL);
}

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
static gint64
invoice_wall_age_us (KassaInvoice *invoice)
{
  gint64 age = g_get_real_time () - invoice_created_us (invoice);

  if (age < 0 || age > KASSA_TILL_MAX_TRUSTED_AGE)
    return -1;

  return age;
}

/* The age of a tracked invoice in µs, on the monotonic clock. */
static gint64
tracker_age_us (Tracker *t)
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

/* ---- connection state ---- */

static void
set_connection_state (KassaTill            *self,
                      KassaConnectionState  state)
{
  if (self->connection_state == state)
    return;

  self->connection_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

/* Whether @error (NULL: success) is an answer from the bank. */
static gboolean
error_is_answer (const GError *error)
{
  return error == NULL ||
         g_error_matches (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED) ||
         g_error_matches (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_CHECKSUM_MISMATCH) ||
         error->domain == KASSA_INPUT_ERROR;
}

/* Updates the connection state after an exchange; returns whether the bank answered. */
static gboolean
note_exchange (KassaTill    *self,
               guint        *failures,
               const GError *error)
{
  if (error_is_answer (error))
    {
      *failures = 0;
      g_clear_error (&self->connection_error);
      set_connection_state (self, KASSA_CONNECTION_ONLINE);
      return TRUE;
    }

  if (*failures < G_MAXUINT)
    (*failures)++;
  /* Before the notification, so that its handlers can say why. */
  g_clear_error (&self->connection_error);
  self->connection_error = g_error_copy (error);
  set_connection_state (self, KASSA_CONNECTION_OFFLINE);
  return FALSE;
}

static guint
backoff_ms (KassaTill *self,
            guint      failures)
{
  guint64 delay = MAX (self->fast_ms, 100);
  guint64 cap = (guint64) self->max_backoff_s * 1000;

  delay <<= MIN (failures, 20u);

  return (guint) MIN (delay, MAX (cap, (guint64) self->fast_ms));
}

/* ---- journal helpers ---- */

static void
record_exchange (KassaTill         *self,
                 KassaInvoice      *invoice,
                 const char        *settlement_id,
                 KassaBankEndpoint  endpoint,
                 const char        *reply_json,
                 const GError      *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *request = NULL;
  g_autoptr(GError) local_error = NULL;
  guint http_status = error == NULL ? 200 : kassa_bank_error_get_http_status (error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "endpoint");
  json_builder_add_string_value (builder, kassa_bank_endpoint_get_name (endpoint));
  json_builder_set_member_name (builder, "terminal");
  json_builder_add_string_value (builder, kassa_bank_client_get_terminal (self->client));
  if (invoice != NULL)
    {
      json_builder_set_member_name (builder, "invoice");
      json_builder_add_string_value (builder, kassa_invoice_get_number (invoice));
      json_builder_set_member_name (builder, "amount");
      json_builder_add_int_value (builder, kassa_invoice_get_amount (invoice));
      if (endpoint == KASSA_BANK_ENDPOINT_PHONE)
        {
          json_builder_set_member_name (builder, "phone");
          json_builder_add_string_value (builder, kassa_invoice_get_phone (invoice));
        }
    }
  if (settlement_id != NULL)
    {
      json_builder_set_member_name (builder, "settlementId");
      json_builder_add_string_value (builder, settlement_id);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  request = json_to_string (root, FALSE);

  if (!kassa_journal_record_exchange (self->journal, invoice, settlement_id, endpoint, request,
                                      http_status, reply_json, error, &local_error))
    g_debug ("Could not record a %s exchange: %s",
             kassa_bank_endpoint_get_name (endpoint), local_error->message);
}

/* Moves the invoice to @state, through the fewest legal intermediate states
 * if the table has no direct edge (e.g. CANCEL_UNKNOWN → DECLINED goes
 * through CANCELLING and AWAITING_PAYMENT). The journal commits each move. */
static gboolean
tracker_move (Tracker                    *t,
              KassaInvoiceState           state,
              const char                 *payload,
              const KassaBankTransaction *transaction,
              const char                 *note,
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

      if (!kassa_journal_move (t->till->journal, t->invoice, path[i - 1],
                               last ? payload : NULL, last ? transaction : NULL,
                               note, error))
        {
          g_debug ("Invoice %s: could not move to %s: %s", kassa_invoice_get_number (t->invoice),
                   kassa_invoice_state_to_string (path[i - 1]), (*error)->message);
          return FALSE;
        }
    }

  return TRUE;
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
tracker_commit (Tracker                    *t,
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
      g_signal_emit (self, signals[SIGNAL_JOURNAL_FAILED], 0, t->invoice, message);
    }
  return FALSE;
}

/* ---- trackers ---- */

static Tracker *
tracker_ref (Tracker *t)
{
  t->ref_count++;
  return t;
}

static void
tracker_unref (Tracker *t)
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tracker, tracker_unref)

static Tracker *
tracker_lookup (KassaTill    *self,
                KassaInvoice *invoice)
{
  return g_hash_table_lookup (self->trackers, kassa_invoice_get_number (invoice));
}

static Tracker *
tracker_get (KassaTill    *self,
             KassaInvoice *invoice)
{
  Tracker *t = tracker_lookup (self, invoice);

  if (t != NULL)
    return t;

  t = g_new0 (Tracker, 1);
  t->ref_count = 1;
  t->till = self;
  t->invoice = g_object_ref (invoice);
  t->ambiguous_since = g_get_monotonic_time ();
  /* A sale's invoice was journaled a moment ago, so its wall age is nearly
   * zero; a recovered one's age is only believed within bounds. An age that
   * cannot be believed counts from now: the invoice is checked and, if
   * unpaid, expires a whole expiry later, never at once and never not at all. */
  t->born = t->ambiguous_since - MAX (0, invoice_wall_age_us (invoice));
  g_hash_table_insert (self->trackers, g_strdup (kassa_invoice_get_number (invoice)), t);

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
task_watch (Tracker  *t,
            GTask   **task)
{
  if (task == &t->cancel_task)
    return &t->cancel_watch;
  if (task == &t->refund_task)
    return &t->refund_watch;

  return NULL;
}

static void
task_return_error_take (Tracker  *t,
                        GTask   **task,
                        GError   *error)
{
  g_autoptr(GTask) owned = g_steal_pointer (task);
  GSource **watch = task_watch (t, task);

  if (watch != NULL)
    clear_watch (watch);
  g_task_return_error (owned, error);
}

static void
task_return_boolean (Tracker   *t,
                     GTask    **task,
                     gboolean   value)
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
  Tracker *t = user_data;

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
  Tracker *t = user_data;

  if (t->refund_task != NULL)
    task_return_error_take (t, &t->refund_task,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

/* Completes the caller's call early when its cancellable fires. */
static void
tracker_watch_task (Tracker                *t,
                    GTask                  *task,
                    GSource               **watch,
                    GCancellableSourceFunc  callback)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (cancellable == NULL)
    return;

  *watch = g_cancellable_source_new (cancellable);
  g_source_set_callback (*watch, G_SOURCE_FUNC (callback), tracker_ref (t),
                         (GDestroyNotify) tracker_unref);
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
tracker_complete_tasks (Tracker *t)
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
tracker_finish (Tracker *t)
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
  Tracker *t = user_data;

  t->timer_id = 0;
  tracker_step (t);

  return G_SOURCE_REMOVE;
}

static void
tracker_schedule (Tracker *t,
                  guint    delay_ms)
{
  g_clear_handle_id (&t->timer_id, g_source_remove);
  t->timer_id = g_timeout_add (delay_ms, tracker_timer_cb, t);
}

/* The next poll: fast for the first minutes, then slow, never past the expiry. */
static guint
poll_delay_ms (Tracker *t)
{
  KassaTill *self = t->till;
  gint64 age = tracker_age_us (t);
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
payload_missing (Tracker *t)
{
  const char *payload = kassa_invoice_get_payload (t->invoice);

  return kassa_invoice_get_method (t->invoice) != KASSA_INVOICE_METHOD_PHONE &&
         (payload == NULL || *payload == '\0');
}

/* Whether a recovered invoice has been resolved: it was checked, no request
 * of unknown outcome is left, and nothing more is about to happen to it. */
static gboolean
tracker_resolved (Tracker *t)
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

static void recovery_progress (KassaTill *self);

static void
tracker_after (Tracker *t,
               guint    delay_ms)
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
      recovery_progress (self);
    }
  else if (t->recovering && tracker_resolved (t))
    {
      KassaInvoiceState state = kassa_invoice_get_state (t->invoice);

      t->recovering = FALSE;
      self->recover_counts[state]++;
      self->recover_pending--;
      recovery_progress (self);
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
      delay_ms = MAX (delay_ms, backoff_ms (self, ++t->failures));
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
send_check (Tracker *t)
{
  t->busy = TRUE;
  kassa_bank_client_check_async (t->till->client, kassa_invoice_get_amount (t->invoice),
                                 kassa_invoice_get_number (t->invoice), t->till->cancellable,
                                 check_cb, tracker_ref (t));
}

/* CANCELLING is on disk (write-ahead) when this is called. */
static void
send_cancel (Tracker *t)
{
  kassa_crash_point ("cancel-committed");

  t->busy = TRUE;
  t->cancel_attempted = TRUE;
  t->cancel_refused = FALSE;
  t->ambiguous_since = g_get_monotonic_time ();
  kassa_bank_client_cancel_async (t->till->client, kassa_invoice_get_amount (t->invoice),
                                  kassa_invoice_get_number (t->invoice), t->till->cancellable,
                                  cancel_cb, tracker_ref (t));
}

/* Write-ahead: CANCELLING is on disk before the cancel is sent. */
static void
begin_cancel (Tracker    *t,
              const char *note)
{
  g_autoptr(GError) error = NULL;

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
      tracker_after (t, backoff_ms (t->till, ++t->failures));
      return;
    }

  send_cancel (t);
}

static void
begin_refund (Tracker *t)
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
tracker_step (Tracker *t)
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
          tracker_after (t, backoff_ms (self, ++t->failures));
          return;
        }
      send_check (t);
      return;

    case KASSA_INVOICE_AWAITING_PAYMENT:
      if (t->cancel_task != NULL)
        {
          t->expiring = FALSE;
          begin_cancel (t, NULL);
          return;
        }
      if (payload_missing (t))
        {
          t->expiring = FALSE;
          begin_cancel (t, _("The bank’s answer with the QR code was lost, so the customer "
                             "never saw it; the invoice was cancelled"));
          return;
        }
      /* After a restart the first step is a check, not the expiry cancel:
       * its age came from the wall clock. An invoice sold by this process
       * expires on its own monotonic age, even while every check fails
       * (a bank that answers errors must not keep a QR open for ever). */
      if ((t->checked || t->sold_here) &&
          tracker_age_us (t) >= (gint64) self->expiry_s * G_USEC_PER_SEC &&
          g_get_monotonic_time () >= t->cancel_not_before)
        {
          t->expiring = TRUE;
          begin_cancel (t, NULL);
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

static void
mark_paid_after_cancel (Tracker *t)
{
  g_autoptr(GError) error = NULL;

  if (!kassa_journal_set_paid_after_cancel (t->till->journal, t->invoice, &error))
    g_debug ("Invoice %s: could not flag paid-after-cancel: %s",
             kassa_invoice_get_number (t->invoice), error->message);
}

/* Applies what a check said to the invoice in its current state; returns the
 * delay before the next step. */
static guint
apply_check (Tracker                    *t,
             KassaCheckReading           reading,
             const KassaBankTransaction *tx,
             const GError               *error)
{
  KassaTill *self = t->till;
  KassaInvoiceState state = kassa_invoice_get_state (t->invoice);
  gboolean grace_over = g_get_monotonic_time () - t->ambiguous_since >= grace_us (self);

  if (reading == KASSA_CHECK_NO_ANSWER)
    return backoff_ms (self, t->failures);

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
          if (tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, NULL))
            mark_paid_after_cancel (t);
          return 0;
        case KASSA_CHECK_DECLINED:
          tracker_commit (t, KASSA_INVOICE_DECLINED, NULL, tx, NULL);
          return 0;
        case KASSA_CHECK_CANCELLED:
          if (tracker_commit (t, t->expiring ? KASSA_INVOICE_EXPIRED : KASSA_INVOICE_CANCELLED,
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
                                     (gint64) backoff_ms (self, 3) * 1000;
              return poll_delay_ms (t);
            }
          /* The cancel never happened (lost, or Kassa stopped): send it again,
           * write-ahead, from CANCELLING. */
          if (state == KASSA_INVOICE_CANCEL_UNKNOWN &&
              !tracker_commit (t, KASSA_INVOICE_CANCELLING, NULL, NULL, t->cancel_note))
            return backoff_ms (self, ++t->failures);
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
          /* The customer paid anyway: never lose it, tell the cashier. */
          if (tracker_commit (t, KASSA_INVOICE_PAID, NULL, tx, NULL))
            mark_paid_after_cancel (t);
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

static void
check_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Tracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) tx = NULL;
  g_autofree char *reply_json = NULL;
  KassaTill *self;
  KassaCheckReading reading;
  guint delay;

  tx = kassa_bank_client_check_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || t->till == NULL)
    return;

  self = t->till;
  t->busy = FALSE;
  if (tx != NULL)
    reply_json = kassa_bank_transaction_to_json (tx);
  record_exchange (self, t->invoice, NULL, KASSA_BANK_ENDPOINT_CHECK, reply_json, error);
  note_exchange (self, &t->failures, error);

  reading = kassa_till_read_check (kassa_bank_client_get_profile (self->client), tx, error);
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

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Tracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autofree char *reply_json = NULL;
  KassaTill *self;

  reply = kassa_bank_client_cancel_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || t->till == NULL)
    return;

  kassa_crash_point ("cancel-replied");

  self = t->till;
  t->busy = FALSE;
  if (reply != NULL)
    reply_json = kassa_bank_invoice_reply_to_json (reply);
  record_exchange (self, t->invoice, NULL, KASSA_BANK_ENDPOINT_CANCEL, reply_json, error);
  note_exchange (self, &t->failures, error);

  if (reply != NULL)
    {
      if (tracker_commit (t, t->expiring ? KASSA_INVOICE_EXPIRED : KASSA_INVOICE_CANCELLED,
                          NULL, NULL, t->cancel_note))
        t->after_cancel_check = TRUE;  /* one more check: a late payment is not lost */
      tracker_after (t, 0);
      return;
    }

  if (kassa_till_error_is_unknown_outcome (error))
    {
      tracker_commit (t, KASSA_INVOICE_CANCEL_UNKNOWN, NULL, NULL, error->message);
      tracker_after (t, backoff_ms (self, t->failures));
      return;
    }

  /* Refused (or never sent): the outcome is known, the reason is not —
   * perhaps the customer paid in between. Ask the bank. */
  t->cancel_refused = TRUE;
  g_clear_error (&t->cancel_error);
  t->cancel_error = g_steal_pointer (&error);
  tracker_after (t, 0);
}

static void
refund_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Tracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) tx = NULL;
  g_autofree char *reply_json = NULL;
  KassaTill *self;

  tx = kassa_bank_client_refund_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || t->till == NULL)
    return;

  kassa_crash_point ("refund-replied");

  self = t->till;
  t->busy = FALSE;
  if (tx != NULL)
    reply_json = kassa_bank_transaction_to_json (tx);
  record_exchange (self, t->invoice, NULL, KASSA_BANK_ENDPOINT_REFUND, reply_json, error);
  note_exchange (self, &t->failures, error);

  if (tx != NULL)
    {
      /* The refund reply's resp fields describe the original payment; keep
       * the payment's approval code and card rather than overwrite them. */
      tracker_commit (t, KASSA_INVOICE_REFUNDED, NULL, NULL, NULL);
      tracker_after (t, 0);
      return;
    }

  if (kassa_till_error_is_unknown_outcome (error))
    {
      tracker_commit (t, KASSA_INVOICE_REFUND_UNKNOWN, NULL, NULL, error->message);
      tracker_after (t, backoff_ms (self, t->failures));
      return;
    }

  t->refund_refused = TRUE;
  g_clear_error (&t->refund_error);
  t->refund_error = g_steal_pointer (&error);
  tracker_after (t, 0);
}

static KassaBankInvoiceReply *
create_finish (Tracker       *t,
               GObject       *source,
               GAsyncResult  *result,
               GError       **error)
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
  g_autoptr(Tracker) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) payload_error = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autofree char *reply_json = NULL;
  KassaTill *self;

  reply = create_finish (t, source, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || t->till == NULL)
    return;

  kassa_crash_point ("create-replied");

  self = t->till;
  t->busy = FALSE;
  if (reply != NULL)
    reply_json = kassa_bank_invoice_reply_to_json (reply);
  record_exchange (self, t->invoice, NULL, t->create_endpoint, reply_json, error);
  note_exchange (self, &t->failures, error);

  if (reply != NULL &&
      kassa_till_validate_payload (kassa_bank_client_get_profile (self->client),
                                   kassa_invoice_get_method (t->invoice),
                                   kassa_invoice_get_amount (t->invoice),
                                   reply->desc, &payload_error))
    {
      g_autoptr(GError) move_error = NULL;

      if (!tracker_move (t, KASSA_INVOICE_AWAITING_PAYMENT, reply->desc, NULL, NULL, &move_error))
        {
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
      t->expiring = FALSE;
      begin_cancel (t, note);
      return;
    }

  if (kassa_till_error_is_unknown_outcome (error))
    {
      tracker_commit (t, KASSA_INVOICE_CREATE_UNKNOWN, NULL, NULL, error->message);
      task_return_error_take (t, &t->sale_task,
                              unknown_outcome_error (_("New invoice"), t->invoice));
      tracker_after (t, backoff_ms (self, MAX (t->failures, 1)));
      return;
    }

  /* Refused, or never sent: it does not exist at the bank. */
  tracker_commit (t, KASSA_INVOICE_FAILED, NULL, NULL, error->message);
  task_return_error_take (t, &t->sale_task, g_steal_pointer (&error));
  tracker_after (t, 0);
}

/* ---- settlement ---- */

static SettleJob *
settle_job_ref (SettleJob *job)
{
  job->ref_count++;
  return job;
}

static void
settle_job_unref (SettleJob *job)
{
  if (--job->ref_count > 0)
    return;

  g_clear_handle_id (&job->timer_id, g_source_remove);
  g_clear_object (&job->settlement);
  g_clear_object (&job->task);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SettleJob, settle_job_unref)

static SettleJob *
settle_job_get (KassaTill       *self,
                KassaSettlement *settlement)
{
  SettleJob *job = g_hash_table_lookup (self->settle_jobs, kassa_settlement_get_id (settlement));

  if (job != NULL)
    return job;

  job = g_new0 (SettleJob, 1);
  job->ref_count = 1;
  job->till = self;
  job->settlement = g_object_ref (settlement);
  g_hash_table_insert (self->settle_jobs, g_strdup (kassa_settlement_get_id (settlement)), job);

  return job;
}

static void
settle_job_done (SettleJob *job)
{
  KassaTill *self = job->till;

  if (job->recovering)
    {
      job->recovering = FALSE;
      self->recover_settled++;
      self->recover_pending--;
    }

  g_hash_table_remove (self->settle_jobs, kassa_settlement_get_id (job->settlement));
  recovery_progress (self);
}

static gboolean
settle_job_timer_cb (gpointer user_data)
{
  SettleJob *job = user_data;

  job->timer_id = 0;
  settle_job_send (job);

  return G_SOURCE_REMOVE;
}

static void
settle_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SettleJob) job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) journal_error = NULL;
  g_autoptr(KassaBankSettlementReply) reply = NULL;
  g_autofree char *reply_json = NULL;
  KassaTill *self;
  const char *id;

  reply = kassa_bank_client_settlement_finish (KASSA_BANK_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || job->till == NULL)
    return;

  kassa_crash_point ("settle-replied");

  self = job->till;
  job->busy = FALSE;
  id = kassa_settlement_get_id (job->settlement);
  if (reply != NULL)
    reply_json = kassa_bank_settlement_reply_to_json (reply);
  record_exchange (self, NULL, id, KASSA_BANK_ENDPOINT_SETTLEMENT, reply_json, error);
  note_exchange (self, &job->failures, error);

  if (reply != NULL)
    {
      if (!kassa_journal_finish_settlement (self->journal, job->settlement,
                                            KASSA_SETTLEMENT_SETTLED, reply, NULL,
                                            &journal_error))
        {
          /* Not on disk: re-send (the same id gets the same answer). */
          if (job->task != NULL)
            {
              g_autoptr(GTask) task = g_steal_pointer (&job->task);

              g_task_return_error (task, g_steal_pointer (&journal_error));
            }
          job->timer_id = g_timeout_add (backoff_ms (self, ++job->failures),
                                         settle_job_timer_cb, job);
          return;
        }

      if (job->task != NULL)
        {
          g_autoptr(GTask) task = g_steal_pointer (&job->task);

          g_task_return_pointer (task, g_object_ref (job->settlement), g_object_unref);
        }
      settle_job_done (job);
      return;
    }

  if (kassa_till_error_is_unknown_outcome (error) ||
      g_error_matches (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_TLS))
    {
      if (kassa_settlement_get_state (job->settlement) != KASSA_SETTLEMENT_SETTLE_UNKNOWN &&
          !kassa_journal_finish_settlement (self->journal, job->settlement,
                                            KASSA_SETTLEMENT_SETTLE_UNKNOWN, NULL,
                                            error->message, &journal_error))
        g_debug ("Settlement %s: %s", id, journal_error->message);

      if (job->task != NULL)
        {
          g_autoptr(GTask) task = g_steal_pointer (&job->task);

          g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME,
                                   _("Settlement %s: the bank’s answer was not received (%s). "
                                     "Kassa sends it again until the bank answers."),
                                   id, error->message);
        }
      job->timer_id = g_timeout_add (backoff_ms (self, job->failures), settle_job_timer_cb, job);
      return;
    }

  /* Refused: the batch is closed as FAILED and its invoices go to the next one. */
  if (!kassa_journal_finish_settlement (self->journal, job->settlement, KASSA_SETTLEMENT_FAILED,
                                        NULL, error->message, &journal_error))
    g_debug ("Settlement %s: %s", id, journal_error->message);

  if (job->task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&job->task);

      g_task_return_error (task, g_steal_pointer (&error));
    }
  settle_job_done (job);
}

static void
settle_job_send (SettleJob *job)
{
  KassaTill *self = job->till;
  g_autoptr(GError) error = NULL;

  if (self == NULL || job->busy)
    return;

  g_clear_handle_id (&job->timer_id, g_source_remove);

  /* Write-ahead of a re-send: SETTLE_UNKNOWN → SETTLING, same id. */
  if (kassa_settlement_get_state (job->settlement) == KASSA_SETTLEMENT_SETTLE_UNKNOWN &&
      !kassa_journal_finish_settlement (self->journal, job->settlement, KASSA_SETTLEMENT_SETTLING,
                                        NULL, NULL, &error))
    {
      if (job->task != NULL)
        {
          g_autoptr(GTask) task = g_steal_pointer (&job->task);

          g_task_return_error (task, g_steal_pointer (&error));
        }
      job->timer_id = g_timeout_add (backoff_ms (self, ++job->failures), settle_job_timer_cb, job);
      return;
    }

  kassa_crash_point ("settle-committed");

  job->busy = TRUE;
  kassa_bank_client_settlement_async (self->client, kassa_settlement_get_id (job->settlement),
                                      self->cancellable, settle_cb, settle_job_ref (job));
}

/* ---- recovery ---- */

static char *
recovery_summary (KassaTill *self)
{
  const guint *c = self->recover_counts;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *head = NULL;
  g_autofree char *list = NULL;
  guint cancelled = c[KASSA_INVOICE_CANCELLED] + c[KASSA_INVOICE_EXPIRED];
  GString *summary;

  if (self->recover_total == 0 && self->recover_settled == 0)
    return g_strdup (_("No unfinished payments"));

  summary = g_string_new (NULL);
  if (self->recover_total > 0)
    {
      if (c[KASSA_INVOICE_PAID] > 0)
        g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u paid", "%u paid",
                                                           c[KASSA_INVOICE_PAID]),
                                                 c[KASSA_INVOICE_PAID]));
      if (cancelled > 0)
        g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u cancelled", "%u cancelled",
                                                           cancelled), cancelled));
      if (c[KASSA_INVOICE_AWAITING_PAYMENT] > 0)
        g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u awaiting payment",
                                                           "%u awaiting payment",
                                                           c[KASSA_INVOICE_AWAITING_PAYMENT]),
                                                 c[KASSA_INVOICE_AWAITING_PAYMENT]));
      if (c[KASSA_INVOICE_DECLINED] > 0)
        g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u declined", "%u declined",
                                                           c[KASSA_INVOICE_DECLINED]),
                                                 c[KASSA_INVOICE_DECLINED]));
      if (c[KASSA_INVOICE_FAILED] > 0)
        g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u never reached the bank",
                                                           "%u never reached the bank",
                                                           c[KASSA_INVOICE_FAILED]),
                                                 c[KASSA_INVOICE_FAILED]));
      if (c[KASSA_INVOICE_REFUNDED] > 0)
        g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u refunded", "%u refunded",
                                                           c[KASSA_INVOICE_REFUNDED]),
                                                 c[KASSA_INVOICE_REFUNDED]));
      g_ptr_array_add (parts, NULL);

      head = g_strdup_printf (ngettext ("%u payment recovered", "%u payments recovered",
                                        self->recover_total),
                              self->recover_total);
      list = g_strjoinv (", ", (char **) parts->pdata);
      /* Translators: "2 payments recovered" and "1 paid, 1 cancelled" */
      g_string_append_printf (summary, _("%s: %s"), head, list);
    }

  if (self->recover_settled > 0)
    {
      if (summary->len > 0)
        g_string_append (summary, "; ");
      g_string_append_printf (summary, ngettext ("%u settlement finished",
                                                 "%u settlements finished",
                                                 self->recover_settled),
                              self->recover_settled);
    }

  return g_string_free (summary, FALSE);
}

static void
recovery_progress (KassaTill *self)
{
  g_autofree char *summary = NULL;
  g_autoptr(GTask) task = NULL;

  if (self->recover_task == NULL || self->recover_pending > 0)
    return;

  task = g_steal_pointer (&self->recover_task);
  if (self->recover_error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&self->recover_error));
      return;
    }
  summary = recovery_summary (self);
  self->recovered = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECOVERED]);
  g_signal_emit (self, signals[SIGNAL_RECOVERED], 0, summary);
  g_task_return_pointer (task, g_steal_pointer (&summary), g_free);
}

/* ---- GObject ---- */

static void
kassa_till_dispose (GObject *object)
{
  KassaTill *self = (KassaTill *)object;
  GHashTableIter iter;
  gpointer value;

  g_cancellable_cancel (self->cancellable);
  kassa_till_set_push_listener (self, NULL);

  if (self->trackers != NULL)
    {
      g_hash_table_iter_init (&iter, self->trackers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Tracker *t = value;

          t->till = NULL;
          g_clear_handle_id (&t->timer_id, g_source_remove);
          clear_watch (&t->cancel_watch);
          clear_watch (&t->refund_watch);
        }
      g_clear_pointer (&self->trackers, g_hash_table_unref);
    }

  if (self->settle_jobs != NULL)
    {
      g_hash_table_iter_init (&iter, self->settle_jobs);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          SettleJob *job = value;

          job->till = NULL;
          g_clear_handle_id (&job->timer_id, g_source_remove);
        }
      g_clear_pointer (&self->settle_jobs, g_hash_table_unref);
    }

  g_clear_object (&self->recover_task);
  g_clear_error (&self->recover_error);
  g_clear_object (&self->client);
  g_clear_object (&self->manager);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (kassa_till_parent_class)->dispose (object);
}

static void
kassa_till_finalize (GObject *object)
{
  KassaTill *self = (KassaTill *)object;

  g_clear_object (&self->cancellable);
  g_clear_error (&self->connection_error);

  G_OBJECT_CLASS (kassa_till_parent_class)->finalize (object);
}

static void
kassa_till_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KassaTill *self = KASSA_TILL (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_CONNECTION_STATE:
      g_value_set_enum (value, self->connection_state);
      break;
    case PROP_RECOVERED:
      g_value_set_boolean (value, self->recovered);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_till_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KassaTill *self = KASSA_TILL (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      self->journal = g_value_dup_object (value);
      self->manager = kassa_manager_new (self->journal);
      break;
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_till_class_init (KassaTillClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kassa_till_dispose;
  object_class->finalize = kassa_till_finalize;
  object_class->get_property = kassa_till_get_property;
  object_class->set_property = kassa_till_set_property;

  properties[PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL, KASSA_TYPE_JOURNAL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, KASSA_TYPE_BANK_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_enum ("connection-state", NULL, NULL,
                       KASSA_TYPE_CONNECTION_STATE, KASSA_CONNECTION_ONLINE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECOVERED] =
    g_param_spec_boolean ("recovered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_INVOICE_ADDED] =
    g_signal_new ("invoice-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KASSA_TYPE_INVOICE);
  signals[SIGNAL_RECOVERED] =
    g_signal_new ("recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_JOURNAL_FAILED] =
    g_signal_new ("journal-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, KASSA_TYPE_INVOICE, G_TYPE_STRING);
}

static void
kassa_till_init (KassaTill *self)
{
  self->cancellable = g_cancellable_new ();
  self->trackers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) tracker_unref);
  self->settle_jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) settle_job_unref);
  self->connection_state = KASSA_CONNECTION_ONLINE;
  self->fast_ms = 1000;
  self->fast_period_s = 120;
  self->slow_ms = 3000;
  self->expiry_s = 600;
  self->max_backoff_s = 30;
}

/* ---- public API ---- */

KassaTill *
kassa_till_new (KassaJournal    *journal,
                KassaBankClient *client)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (client), NULL);

  return g_object_new (KASSA_TYPE_TILL, "journal", journal, "client", client, NULL);
}

KassaJournal *
kassa_till_get_journal (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), NULL);

  return self->journal;
}

KassaBankClient *
kassa_till_get_client (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), NULL);

  return self->client;
}

KassaConnectionState
kassa_till_get_connection_state (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), KASSA_CONNECTION_OFFLINE);

  return self->connection_state;
}

const GError *
kassa_till_get_connection_error (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), NULL);

  return self->connection_state == KASSA_CONNECTION_OFFLINE ? self->connection_error : NULL;
}

gboolean
kassa_till_get_recovered (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), FALSE);

  return self->recovered;
}

void
kassa_till_set_poll_schedule (KassaTill *self,
                              guint      fast_ms,
                              guint      fast_period_s,
                              guint      slow_ms)
{
  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (fast_ms > 0 && slow_ms > 0);

  self->fast_ms = fast_ms;
  self->fast_period_s = fast_period_s;
  self->slow_ms = slow_ms;
}

void
kassa_till_get_poll_schedule (KassaTill *self,
                              guint     *fast_ms,
                              guint     *fast_period_s,
                              guint     *slow_ms)
{
  g_return_if_fail (KASSA_IS_TILL (self));

  if (fast_ms != NULL)
    *fast_ms = self->fast_ms;
  if (fast_period_s != NULL)
    *fast_period_s = self->fast_period_s;
  if (slow_ms != NULL)
    *slow_ms = self->slow_ms;
}

void
kassa_till_set_expiry (KassaTill *self,
                       guint      seconds)
{
  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (seconds > 0);

  self->expiry_s = seconds;
}

guint
kassa_till_get_expiry (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), 0);

  return self->expiry_s;
}

GTimeSpan
kassa_till_get_invoice_age (KassaTill    *self,
                            KassaInvoice *invoice)
{
  Tracker *t;

  g_return_val_if_fail (KASSA_IS_TILL (self), -1);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), -1);

  t = tracker_lookup (self, invoice);
  if (t != NULL)
    return tracker_age_us (t);

  return invoice_wall_age_us (invoice);
}

void
kassa_till_set_max_backoff (KassaTill *self,
                            guint      seconds)
{
  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (seconds > 0);

  self->max_backoff_s = seconds;
}

KassaManager *
kassa_till_get_manager (KassaTill *self)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), NULL);

  return self->manager;
}

void
kassa_till_recover_async (KassaTill           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) invoices = NULL;
  g_autoptr(GPtrArray) settlements = NULL;
  g_autoptr(GError) error = NULL;
  const char *terminal;

  g_return_if_fail (KASSA_IS_TILL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_till_recover_async);

  if (self->recover_task != NULL)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Recovery is already running"));
      return;
    }

  if ((invoices = kassa_journal_list_unfinished (self->journal, &error)) == NULL ||
      (settlements = kassa_journal_list_open_settlements (self->journal, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  memset (self->recover_counts, 0, sizeof self->recover_counts);
  self->recover_total = 0;
  self->recover_settled = 0;
  self->recover_pending = 0;
  g_clear_error (&self->recover_error);
  self->recover_task = g_steal_pointer (&task);

  terminal = kassa_bank_client_get_terminal (self->client);

  for (guint i = 0; i < invoices->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (invoices, i);
      KassaInvoiceState state = kassa_invoice_get_state (invoice);
      Tracker *t;

      /* Another terminal's invoices need its own secret. */
      if (g_strcmp0 (kassa_invoice_get_terminal (invoice), terminal) != 0)
        continue;

      t = tracker_get (self, invoice);
      if (t->recovering)
        continue;

      t->recovering = TRUE;
      t->checked = FALSE;
      self->recover_total++;
      self->recover_pending++;

      /* When was the request of unknown outcome sent? A create is sent at
       * creation; for the others, assume just now (the safe side). */
      if (state == KASSA_INVOICE_CREATING || state == KASSA_INVOICE_CREATE_UNKNOWN)
        t->ambiguous_since = t->born;
      else
        t->ambiguous_since = g_get_monotonic_time ();
      if (state == KASSA_INVOICE_CANCELLING || state == KASSA_INVOICE_CANCEL_UNKNOWN)
        {
          t->cancel_attempted = TRUE;
          t->expiring = tracker_age_us (t) >= (gint64) self->expiry_s * G_USEC_PER_SEC;
        }

      if (!t->busy)
        tracker_schedule (t, 0);
    }

  for (guint i = 0; i < settlements->len; i++)
    {
      KassaSettlement *settlement = g_ptr_array_index (settlements, i);
      SettleJob *job;

      if (g_strcmp0 (kassa_settlement_get_terminal (settlement), terminal) != 0)
        continue;

      job = settle_job_get (self, settlement);
      if (job->recovering)
        continue;
      job->recovering = TRUE;
      self->recover_pending++;
      settle_job_send (job);
    }

  recovery_progress (self);
}

gboolean
kassa_till_recover_finish (KassaTill     *self,
                           GAsyncResult  *result,
                           char         **summary,
                           GError       **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (KASSA_IS_TILL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  text = g_task_propagate_pointer (G_TASK (result), error);
  if (text == NULL)
    return FALSE;

  if (summary != NULL)
    *summary = g_steal_pointer (&text);

  return TRUE;
}

void
kassa_till_sale_async (KassaTill           *self,
                       gint64               amount,
                       KassaInvoiceMethod   method,
                       const char          *phone,
                       const char          *reference,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  const char *number;
  Tracker *t;

  g_return_if_fail (KASSA_IS_TILL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_till_sale_async);

  if (!self->recovered)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_NOT_RECOVERED,
                               _("Unfinished payments are still being checked with the bank; "
                                 "new sales can start when that is done"));
      return;
    }

  /* Input is checked before anything is journaled. */
  if (!kassa_amount_validate (amount, &error) ||
      (method == KASSA_INVOICE_METHOD_PHONE && !kassa_phone_validate (phone, &error)) ||
      !kassa_reference_validate (reference, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (method != KASSA_INVOICE_METHOD_QR && method != KASSA_INVOICE_METHOD_DEEPLINK &&
      method != KASSA_INVOICE_METHOD_PHONE)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Unknown payment method"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  invoice = kassa_journal_create_invoice (self->journal,
                                          kassa_bank_client_get_terminal (self->client),
                                          amount, method,
                                          method == KASSA_INVOICE_METHOD_PHONE ? phone : NULL,
                                          reference, &error);
  if (invoice == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  kassa_crash_point ("create-committed");

  t = tracker_get (self, invoice);
  t->sale_task = g_steal_pointer (&task);
  t->sold_here = TRUE;
  t->busy = TRUE;
  t->ambiguous_since = g_get_monotonic_time ();
  number = kassa_invoice_get_number (invoice);

  g_signal_emit (self, signals[SIGNAL_INVOICE_ADDED], 0, invoice);

  switch (method)
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

KassaInvoice *
kassa_till_sale_finish (KassaTill     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kassa_till_check_now (KassaTill    *self,
                      KassaInvoice *invoice)
{
  KassaInvoiceState state;
  Tracker *t;

  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (KASSA_IS_INVOICE (invoice));

  state = kassa_invoice_get_state (invoice);
  t = tracker_lookup (self, invoice);
  if (t == NULL)
    {
      /* A final invoice needs no check, except that a cancelled one may
       * still turn out paid. */
      if (state != KASSA_INVOICE_CANCELLED && state != KASSA_INVOICE_EXPIRED &&
          kassa_invoice_state_is_final (state))
        return;
      t = tracker_get (self, invoice);
    }

  if (state == KASSA_INVOICE_CANCELLED || state == KASSA_INVOICE_EXPIRED)
    t->after_cancel_check = TRUE;

  t->failures = 0;
  tracker_step (t);
}

void
kassa_till_check_number (KassaTill  *self,
                         const char *number)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GError) error = NULL;
  KassaInvoiceState state;
  Tracker *t;

  g_return_if_fail (KASSA_IS_TILL (self));

  if (number == NULL || self->trackers == NULL)
    return;

  t = g_hash_table_lookup (self->trackers, number);
  if (t != NULL)
    {
      kassa_till_check_now (self, t->invoice);
      return;
    }

  /* Untracked: only a cancelled invoice can still change (paid after the
   * cancel). Before recovery every unfinished invoice is checked anyway. */
  if (!self->recovered)
    {
      g_debug ("Check of invoice %s ignored: recovery has not finished", number);
      return;
    }

  invoice = kassa_journal_lookup (self->journal, number, &error);
  if (invoice == NULL)
    {
      g_debug ("Check of invoice %s ignored: %s", number,
               error != NULL ? error->message : "not in the journal");
      return;
    }

  state = kassa_invoice_get_state (invoice);
  if (g_strcmp0 (kassa_invoice_get_terminal (invoice),
                 kassa_bank_client_get_terminal (self->client)) != 0 ||
      (state != KASSA_INVOICE_CANCELLED && state != KASSA_INVOICE_EXPIRED))
    {
      g_debug ("Check of invoice %s ignored: it is %s and not tracked", number,
               kassa_invoice_state_to_string (state));
      return;
    }

  kassa_till_check_now (self, invoice);
}

static void
on_push_received_cb (KassaPushListener *listener,
                     const char        *invoice,
                     gint64             amount,
                     const char        *resp_code,
                     KassaTill         *self)
{
  /* Only a hint: the answer to the check decides, not resp_code. */
  g_debug ("Push for invoice %s (resp_code %s): checking", invoice, resp_code);
  kassa_till_check_number (self, invoice);
}

void
kassa_till_set_push_listener (KassaTill         *self,
                              KassaPushListener *listener)
{
  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (listener == NULL || KASSA_IS_PUSH_LISTENER (listener));

  if (self->push_listener == listener)
    return;

  if (self->push_listener != NULL)
    {
      g_clear_signal_handler (&self->push_handler_id, self->push_listener);
      g_clear_object (&self->push_listener);
    }

  if (listener != NULL)
    {
      self->push_listener = g_object_ref (listener);
      self->push_handler_id = g_signal_connect (listener, "push-received",
                                                G_CALLBACK (on_push_received_cb), self);
    }
}

void
kassa_till_cancel_async (KassaTill           *self,
                         KassaInvoice        *invoice,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  KassaInvoiceState state;
  Tracker *t;

  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (KASSA_IS_INVOICE (invoice));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_till_cancel_async);
  state = kassa_invoice_get_state (invoice);

  switch (state)
    {
    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_AWAITING_PAYMENT:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
      break;
    case KASSA_INVOICE_PAID:
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s has been paid, so it cannot be cancelled; refund "
                                 "it instead"), kassa_invoice_get_number (invoice));
      return;
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s has already been cancelled"),
                               kassa_invoice_get_number (invoice));
      return;
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_FAILED:
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s was not paid and cannot be paid any more; there "
                                 "is nothing to cancel"), kassa_invoice_get_number (invoice));
      return;
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
    case KASSA_INVOICE_REFUNDED:
    default:
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s has been paid and is being or has been refunded; "
                                 "it cannot be cancelled"), kassa_invoice_get_number (invoice));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  t = tracker_get (self, invoice);
  if (t->cancel_task != NULL)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s is already being cancelled"),
                               kassa_invoice_get_number (invoice));
      return;
    }

  t->cancel_task = g_steal_pointer (&task);
  tracker_watch_task (t, t->cancel_task, &t->cancel_watch, cancel_task_cancelled_cb);
  g_clear_error (&t->cancel_error);
  tracker_step (t);
}

gboolean
kassa_till_cancel_finish (KassaTill     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
refund_authorised_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KassaTill *self = g_task_get_source_object (task);
  KassaInvoice *invoice = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Tracker *t;

  if (!kassa_manager_authorise_finish (KASSA_MANAGER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _("The refund was not made: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  /* The state may have changed while the PIN was checked. */
  if (kassa_invoice_get_state (invoice) != KASSA_INVOICE_PAID || self->trackers == NULL)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s is no longer paid; it cannot be refunded"),
                               kassa_invoice_get_number (invoice));
      return;
    }

  t = tracker_get (self, invoice);
  if (t->refund_task != NULL)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s is already being refunded"),
                               kassa_invoice_get_number (invoice));
      return;
    }

  t->refund_task = g_steal_pointer (&task);
  tracker_watch_task (t, t->refund_task, &t->refund_watch, refund_task_cancelled_cb);
  tracker_step (t);
}

void
kassa_till_refund_async (KassaTill           *self,
                         KassaInvoice        *invoice,
                         const char          *pin,
                         const char          *reason,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  KassaInvoiceState state;

  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (KASSA_IS_INVOICE (invoice));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_till_refund_async);
  g_task_set_task_data (task, g_object_ref (invoice), g_object_unref);

  state = kassa_invoice_get_state (invoice);
  if (state == KASSA_INVOICE_REFUNDED || state == KASSA_INVOICE_REFUNDING ||
      state == KASSA_INVOICE_REFUND_UNKNOWN)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s has already been refunded (a payment is refunded "
                                 "once)"), kassa_invoice_get_number (invoice));
      return;
    }
  if (state != KASSA_INVOICE_PAID)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Invoice %s has not been paid (%s); only a paid invoice can "
                                 "be refunded"), kassa_invoice_get_number (invoice),
                               kassa_invoice_state_to_string (state));
      return;
    }

  /* The manager checks the PIN in a thread (PBKDF2) and writes the audit row. */
  kassa_manager_authorise_full_async (self->manager, pin, KASSA_MANAGER_ACTION_REFUND, reason,
                                      kassa_invoice_get_number (invoice), cancellable,
                                      refund_authorised_cb, g_steal_pointer (&task));
}

gboolean
kassa_till_refund_finish (KassaTill     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
settle_check_recovered (KassaTill *self,
                        GTask     *task)
{
  if (self->recovered)
    return TRUE;

  g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_NOT_RECOVERED,
                           _("Unfinished payments are still being checked with the bank; "
                             "the day can be closed when that is done"));
  return FALSE;
}

static void
settle_authorised_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KassaTill *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  const char *terminal;
  SettleJob *job;

  if (!kassa_manager_authorise_finish (KASSA_MANAGER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _("The day was not closed: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  /* Disposed meanwhile (the caller dropped the till). */
  if (self->settle_jobs == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Operation was cancelled"));
      return;
    }

  terminal = kassa_bank_client_get_terminal (self->client);
  open = kassa_journal_list_open_settlements (self->journal, &error);
  if (open == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < open->len && settlement == NULL; i++)
    if (g_strcmp0 (kassa_settlement_get_terminal (g_ptr_array_index (open, i)), terminal) == 0)
      settlement = g_object_ref (g_ptr_array_index (open, i));

  if (settlement == NULL)
    settlement = kassa_journal_begin_settlement (self->journal, terminal, &error);
  if (settlement == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  job = settle_job_get (self, settlement);
  if (job->task != NULL)
    {
      g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                               _("Settlement %s is already being sent"),
                               kassa_settlement_get_id (settlement));
      return;
    }

  job->task = g_steal_pointer (&task);
  job->failures = 0;
  settle_job_send (job);
}

void
kassa_till_settle_async (KassaTill           *self,
                         const char          *pin,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KASSA_IS_TILL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_till_settle_async);

  /* Refused before the PIN is asked for: nothing would be authorised. */
  if (!settle_check_recovered (self, task) || g_task_return_error_if_cancelled (task))
    return;

  /* The audit row names the terminal: the batch id is allocated after. */
  kassa_manager_authorise_full_async (self->manager, pin, KASSA_MANAGER_ACTION_SETTLE, NULL,
                                      kassa_bank_client_get_terminal (self->client),
                                      cancellable, settle_authorised_cb,
                                      g_steal_pointer (&task));
}

KassaSettlement *
kassa_till_settle_finish (KassaTill     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (KASSA_IS_TILL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
