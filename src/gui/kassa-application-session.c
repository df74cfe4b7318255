/* kassa-application-session.c — the session of KassaApplication: mode, journal, bank, till
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * At start-up Kassa decides the mode (training when no terminal, or no
 * secret for it, is configured; also when the bank settings are unusable),
 * opens the journal, makes the bank client, the till and the counter, and
 * starts recovery. The settings that matter while Kassa runs (polling,
 * expiry, push, the QR method) are applied here as they change.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <glib/gi18n.h>

#include "kassa-training.h"
#include "kassa-window.h"

/* ---- start-up: journal, bank, till, counter ---- */

void
_kassa_application_fail_startup (KassaApplication *self,
                                 GError           *error)
{
  g_clear_error (&self->startup_error);
  self->startup_error = error;
  self->stage = STAGE_FAILED;
  kassa_charge_queue_fail (self->charge_queue, error);
  if (self->activate_pending)
    g_application_activate (G_APPLICATION (self));
}

static KassaJournal *
open_journal (KassaApplication  *self,
              KassaJournalMode   mode,
              GError           **error)
{
  g_free (self->journal_path);
  self->journal_path = self->journal_option != NULL ? g_strdup (self->journal_option)
                                                    : kassa_journal_default_path (mode);

  /* The journal's messages name the file and say what to do. */
  return kassa_journal_open (self->journal_path, error);
}

static void
finish_startup (KassaApplication *self);

static void
start_training (KassaApplication *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_file = NULL;
  char *secret = NULL;

  self->journal = open_journal (self, KASSA_JOURNAL_MODE_TRAINING, &error);
  if (self->journal == NULL)
    {
      _kassa_application_fail_startup (self, g_steal_pointer (&error));
      return;
    }

  state_file = kassa_training_state_path (kassa_journal_get_path (self->journal));
  self->training_bank = kassa_training_bank_new (state_file, &secret, &error);
  if (self->training_bank == NULL)
    {
      g_prefix_error (&error, _("The training bank cannot be started: "));
      _kassa_application_fail_startup (self, g_steal_pointer (&error));
      return;
    }

  self->client = kassa_training_client_new (self->training_bank, secret, &error);
  kassa_secret_free (secret);
  if (self->client == NULL)
    {
      _kassa_application_fail_startup (self, g_steal_pointer (&error));
      return;
    }

  finish_startup (self);
}

static void
start_real (KassaApplication *self,
            const char       *terminal,
            const char       *secret)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_settings_get_string (self->settings, "bank-url");

  /* The configuration first: with an unusable one Kassa trains instead, and
   * the real journal is not touched. */
  self->client = kassa_bank_client_new (url, terminal, secret, NULL, NULL, &error);
  if (self->client == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says what is wrong with the bank settings */
      text = g_strdup_printf (_("The bank settings cannot be used (%s). Kassa runs in "
                                "training mode: no real money. Enter the credentials again "
                                "from the menu."),
                              error->message);
      _kassa_application_add_alert (self, text);
      start_training (self);
      return;
    }

  self->journal = open_journal (self, KASSA_JOURNAL_MODE_REAL, &error);
  if (self->journal == NULL)
    {
      g_clear_object (&self->client);
      _kassa_application_fail_startup (self, g_steal_pointer (&error));
      return;
    }

  /* Pushes only ever come from the real bank; it listens once the settings ask. */
  self->push_listener = kassa_push_listener_new (terminal, secret, NULL);

  finish_startup (self);
}

static void
use_secret (KassaApplication *self,
            char             *secret,
            const GError     *error)
{
  g_autofree char *terminal = g_settings_get_string (self->settings, "terminal");

  if (secret == NULL)
    {
      g_autofree char *text = NULL;

      if (error != NULL)
        /* Translators: %s is a terminal id, then why its secret cannot be read */
        text = g_strdup_printf (_("The secret key of terminal %s cannot be read (%s). Kassa "
                                  "runs in training mode: no real money."),
                                terminal, error->message);
      else
        text = g_strdup_printf (_("No secret key is stored for terminal %s. Kassa runs in "
                                  "training mode: no real money. Enter the credentials from "
                                  "the menu."),
                                terminal);
      _kassa_application_add_alert (self, text);
      start_training (self);
      return;
    }

  start_real (self, terminal, secret);
}

static void
secret_looked_up_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (source), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    use_secret (self, secret, error);
  kassa_secret_free (secret);

  /* The hold of start_session() ends here, once the windows (or the error
   * window) exist to keep Kassa running. */
  g_application_release (G_APPLICATION (self));
}

static void
recover_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (!kassa_till_recover_finish (KASSA_TILL (source), result, &summary, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* Translators: %s is why unfinished payments could not be checked */
      text = g_strdup_printf (_("Unfinished payments could not be checked with the bank: %s. "
                                "Restart Kassa to try again."),
                              error->message);
      _kassa_application_add_alert (self, text);
      /* Charges waiting for recovery get the same news. */
      g_clear_error (&self->startup_error);
      self->startup_error = g_steal_pointer (&error);
      kassa_charge_queue_fail (self->charge_queue, self->startup_error);
    }
  /* The summary reaches the cashier as the counter's ::message. */
}

/* ---- settings applied while Kassa runs ---- */

/* Polling and expiry, at once: the next check of every invoice uses them. */
static void
apply_till_settings (KassaApplication *self)
{
  guint fast_ms = g_settings_get_uint (self->settings, "poll-fast-ms");
  guint fast_period_s = g_settings_get_uint (self->settings, "poll-fast-period-s");
  guint slow_ms = g_settings_get_uint (self->settings, "poll-slow-ms");

  /* The schema bounds each value; the preferences keep the pair in order,
   * and so does this, for settings edited by hand. */
  kassa_till_set_poll_schedule (self->till, fast_ms, fast_period_s, MAX (slow_ms, fast_ms));
  kassa_till_set_expiry (self->till, g_settings_get_uint (self->settings, "expiry-s"));
}

static void
apply_push_settings (KassaApplication *self)
{
  g_autoptr(GError) error = NULL;
  guint16 port = 0;

  if (self->push_listener == NULL)
    return;

  kassa_push_listener_shutdown (self->push_listener);
  if (!g_settings_get_boolean (self->settings, "push-enabled"))
    return;

  g_settings_get (self->settings, "push-port", "q", &port);
  if (!kassa_push_listener_listen (self->push_listener, "127.0.0.1", port, "/kassa/push",
                                   NULL, NULL, &error))
    {
      g_autofree char *text = NULL;

      /* Translators: %u is a TCP port, %s says why it cannot be used */
      text = g_strdup_printf (_("Push notifications are off: Kassa cannot listen on port %u "
                                "(%s). Payments are still found by checking with the bank."),
                              port, error->message);
      _kassa_application_add_alert (self, text);
      return;
    }

  g_debug ("Listening for pushes at %s", kassa_push_listener_get_url (self->push_listener));
}

KassaInvoiceMethod
_kassa_application_get_qr_method (KassaApplication *self)
{
  g_autofree char *method = g_settings_get_string (self->settings, "qr-method");

  return g_strcmp0 (method, "deeplink") == 0 ? KASSA_INVOICE_METHOD_DEEPLINK
                                             : KASSA_INVOICE_METHOD_QR;
}

static void
on_settings_changed_cb (GSettings        *settings,
                        const char       *key,
                        KassaApplication *self)
{
  if (g_str_has_prefix (key, "poll-") || g_str_equal (key, "expiry-s"))
    apply_till_settings (self);
  else if (g_str_has_prefix (key, "push-"))
    apply_push_settings (self);
  else if (g_str_equal (key, "qr-method") && self->cashier_window != NULL)
    kassa_window_set_qr_method (KASSA_WINDOW (self->cashier_window), _kassa_application_get_qr_method (self));
}

static void
on_counter_message_cb (KassaCounter     *counter,
                       const char       *text,
                       KassaApplication *self)
{
  /* The window shows the counter's messages itself once it exists. */
  if (self->cashier_window == NULL)
    g_ptr_array_add (self->alerts, g_strdup (text));
}

static void
finish_startup (KassaApplication *self)
{
  /* A journal found to be a copy of another (a restored backup) got a new
   * id for its new invoice numbers: the cashier and the log are told. */
  if (kassa_journal_get_open_notice (self->journal) != NULL)
    _kassa_application_add_alert (self, kassa_journal_get_open_notice (self->journal));

  self->till = kassa_till_new (self->journal, self->client);
  self->counter = kassa_counter_new (self->till, KASSA_TRAINING_CUSTOMER (self->training_bank));
  g_signal_connect_object (self->counter, "message",
                           G_CALLBACK (on_counter_message_cb), self, 0);
  _kassa_application_auto_print_start (self);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, 0);
  apply_till_settings (self);
  if (self->push_listener != NULL)
    {
      kassa_till_set_push_listener (self->till, self->push_listener);
      apply_push_settings (self);
    }
  self->stage = STAGE_READY;

  /* Charges wait there until the till has recovered; the D-Bus interface
   * follows the counter from now on. */
  kassa_charge_queue_set_counter (self->charge_queue, self->counter);

  kassa_till_recover_async (self->till, self->cancellable, recover_done_cb,
                            g_object_ref (self));

  if (self->activate_pending)
    g_application_activate (G_APPLICATION (self));
}

void
_kassa_application_start_session (KassaApplication *self)
{
  g_autofree char *terminal = g_settings_get_string (self->settings, "terminal");

  if (*terminal == '\0')
    {
      start_training (self);
      return;
    }

  /* The lookup is asynchronous (the keyring answers over D-Bus, it may even
   * ask to be unlocked): until it has answered there is no window, and
   * without a hold GApplication would quit as soon as activate() returned. */
  g_application_hold (G_APPLICATION (self));
  self->secret_store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  kassa_secret_store_lookup_async (self->secret_store, terminal, self->cancellable,
                                   secret_looked_up_cb, g_object_ref (self));
}
