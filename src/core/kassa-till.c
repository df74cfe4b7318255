/* kassa-till.c — the payment lifecycle controller
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The KassaTill object: the sale, cancel, refund and "check now" API, the
 * start-up recovery, the poll schedule and expiry settings, the connection
 * state, and the settlement batches. What happens to one invoice (its
 * requests and states) is its tracker's: kassa-till-tracker.c.
 * docs/lifecycle.md describes the rules.
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
#include "kassa-journal-maintenance.h"
#include "kassa-till-private.h"

typedef struct _SettleJob SettleJob;

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
  SIGNAL_INVOICE_TRACKED,
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

static void settle_job_send     (SettleJob *job);

/* ---- crash points (tests only) ---- */

/* Dies at once, with SIGKILL (nothing flushed, no handler runs), when the
 * environment variable KASSA_CRASH_POINT equals @name: the crash tests
 * (tests/test-crash.c) kill a real kassa-ctl at each step of the lifecycle
 * this way. Read once; harmless when unset. docs/lifecycle.md lists the points. */
void
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
gboolean
kassa_till_note_exchange (KassaTill    *self,
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

guint
kassa_till_backoff_ms (KassaTill *self,
                       guint      failures)
{
  guint64 delay = MAX (self->fast_ms, 100);
  guint64 cap = (guint64) self->max_backoff_s * 1000;

  delay <<= MIN (failures, 20u);

  return (guint) MIN (delay, MAX (cap, (guint64) self->fast_ms));
}

/* ---- journal helpers ---- */

char *
kassa_till_exchange_request (KassaTill         *self,
                             KassaInvoice      *invoice,
                             const char        *settlement_id,
                             KassaBankEndpoint  endpoint)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

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

  return json_to_string (root, FALSE);
}

void
kassa_till_record_exchange (KassaTill         *self,
                            KassaInvoice      *invoice,
                            const char        *settlement_id,
                            KassaBankEndpoint  endpoint,
                            const char        *reply_json,
                            const GError      *error,
                            gboolean           routine)
{
  g_autofree char *request = kassa_till_exchange_request (self, invoice, settlement_id, endpoint);
  g_autoptr(GError) local_error = NULL;
  guint http_status = error == NULL ? 200 : kassa_bank_error_get_http_status (error);

  if (routine && invoice != NULL
        ? !kassa_journal_record_routine_exchange (self->journal, invoice, endpoint, request,
                                                  http_status, reply_json, error, &local_error)
        : !kassa_journal_record_exchange (self->journal, invoice, settlement_id, endpoint,
                                          request, http_status, reply_json, error, &local_error))
    g_debug ("Could not record a %s exchange: %s",
             kassa_bank_endpoint_get_name (endpoint), local_error->message);
}

/* Tells the front ends what the journal could not record (kassa-till-tracker.c). */
void
kassa_till_emit_journal_failed (KassaTill    *self,
                                KassaInvoice *invoice,
                                const char   *message)
{
  g_signal_emit (self, signals[SIGNAL_JOURNAL_FAILED], 0, invoice, message);
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
  kassa_till_recovery_progress (self);
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
  kassa_till_record_exchange (self, NULL, id, KASSA_BANK_ENDPOINT_SETTLEMENT, reply_json, error,
                              FALSE);
  kassa_till_note_exchange (self, &job->failures, error);

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
          job->timer_id = g_timeout_add (kassa_till_backoff_ms (self, ++job->failures),
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
      job->timer_id = g_timeout_add (kassa_till_backoff_ms (self, job->failures),
                                     settle_job_timer_cb, job);
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
      job->timer_id = g_timeout_add (kassa_till_backoff_ms (self, ++job->failures),
                                     settle_job_timer_cb, job);
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

void
kassa_till_emit_tracked (KassaTill    *self,
                         KassaInvoice *invoice)
{
  g_signal_emit (self, signals[SIGNAL_INVOICE_TRACKED], 0, invoice);
}

void
kassa_till_recovery_progress (KassaTill *self)
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
  g_clear_handle_id (&self->trim_id, g_source_remove);

  if (self->trackers != NULL)
    {
      g_hash_table_iter_init (&iter, self->trackers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          kassa_till_tracker_detach (value);
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
  signals[SIGNAL_INVOICE_TRACKED] =
    g_signal_new ("invoice-tracked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
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
                                          (GDestroyNotify) kassa_till_tracker_unref);
  self->settle_jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) settle_job_unref);
  self->connection_state = KASSA_CONNECTION_ONLINE;
  self->fast_ms = 1000;
  self->fast_period_s = 120;
  self->slow_ms = 3000;
  self->expiry_s = 600;
  self->max_backoff_s = 30;
}

/* The exchanges a v4 journal stored one per poll are trimmed while the till
 * runs, KASSA_JOURNAL_TRIM_CHUNK invoices per transaction (bench/ measures
 * one), at low priority: never at open (docs/journal.md "Trimming"). */
#define TRIM_START_MS   2000
#define TRIM_PERIOD_MS  50

static gboolean
trim_cb (gpointer user_data)
{
  KassaTill *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  if (!kassa_journal_trim_step (self->journal, KASSA_JOURNAL_TRIM_CHUNK, &done, &error))
    {
      /* Nothing is lost: the next start carries on where this one stopped. */
      g_debug ("Trimming the journal's exchanges stopped: %s", error->message);
      done = TRUE;
    }
  self->trim_id = done ? 0 : g_timeout_add_full (G_PRIORITY_LOW, TRIM_PERIOD_MS, trim_cb,
                                                 self, NULL);
  return G_SOURCE_REMOVE;
}

/* ---- public API ---- */

KassaTill *
kassa_till_new (KassaJournal    *journal,
                KassaBankClient *client)
{
  KassaTill *self;
  
  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (client), NULL);

  self = g_object_new (KASSA_TYPE_TILL, "journal", journal, "client", client, NULL);
  self->trim_id = g_timeout_add_full (G_PRIORITY_LOW, TRIM_START_MS, trim_cb, self, NULL);
  return self;
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
  KassaTillTracker *t;

  g_return_val_if_fail (KASSA_IS_TILL (self), -1);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), -1);

  t = kassa_till_tracker_lookup (self, kassa_invoice_get_number (invoice));
  if (t != NULL)
    return kassa_till_tracker_age_us (t);

  return kassa_till_invoice_wall_age_us (invoice);
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

      /* Another terminal's invoices need its own secret. */
      if (g_strcmp0 (kassa_invoice_get_terminal (invoice), terminal) != 0)
        continue;

      if (!kassa_till_tracker_recover (kassa_till_tracker_get (self, invoice)))
        continue;

      self->recover_total++;
      self->recover_pending++;
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

  kassa_till_recovery_progress (self);
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
  KassaTillTracker *t;

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

  t = kassa_till_tracker_get (self, invoice);
  kassa_till_tracker_start_sale (t, task);
  g_signal_emit (self, signals[SIGNAL_INVOICE_ADDED], 0, invoice);
  kassa_till_tracker_send_create (t, phone);
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
  KassaTillTracker *t;

  g_return_if_fail (KASSA_IS_TILL (self));
  g_return_if_fail (KASSA_IS_INVOICE (invoice));

  state = kassa_invoice_get_state (invoice);
  t = kassa_till_tracker_lookup (self, kassa_invoice_get_number (invoice));
  if (t == NULL)
    {
      /* A final invoice needs no check, except that a cancelled one may
       * still turn out paid. */
      if (state != KASSA_INVOICE_CANCELLED && state != KASSA_INVOICE_EXPIRED &&
          kassa_invoice_state_is_final (state))
        return;
      t = kassa_till_tracker_get (self, invoice);
    }

  kassa_till_tracker_check_now (t);
}

void
kassa_till_check_number (KassaTill  *self,
                         const char *number)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GError) error = NULL;
  KassaInvoiceState state;
  KassaTillTracker *t;

  g_return_if_fail (KASSA_IS_TILL (self));

  if (number == NULL || self->trackers == NULL)
    return;

  t = kassa_till_tracker_lookup (self, number);
  if (t != NULL)
    {
      kassa_till_tracker_check_now (t);
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

  if (!kassa_till_tracker_cancel (kassa_till_tracker_get (self, invoice), task))
    g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                             _("Invoice %s is already being cancelled"),
                             kassa_invoice_get_number (invoice));
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

  if (!kassa_till_tracker_refund (kassa_till_tracker_get (self, invoice), task))
    g_task_return_new_error (task, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL,
                             _("Invoice %s is already being refunded"),
                             kassa_invoice_get_number (invoice));
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
