/* kassa-application-actions.c — the app.* actions of Kassa's main menu
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Quit, the bank account (credentials, behind the manager PIN once there is
 * one), preferences, history, close the day, open the cash drawer (manager
 * PIN, audited), identify displays.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <glib/gi18n.h>

#include "kassa-close-day-dialog.h"
#include "kassa-credentials-dialog.h"
#include "kassa-customer-display.h"
#include "kassa-history-window.h"
#include "kassa-manager.h"
#include "kassa-pin-dialog.h"
#include "kassa-print-settings.h"
#include "kassa-preferences-window.h"

/* Identify displays: how long each monitor shows its name. */
#define IDENTIFY_SECONDS 4

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
present_credentials_dialog (KassaApplication *self)
{
  /* Saved credentials take effect at the next start (the dialog says so). */
  gtk_window_present (kassa_credentials_dialog_new (self->cashier_window, self->settings));
}

static void
credentials_authorised_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* The PIN dialog said why it refused, or was closed. */
  if (kassa_pin_dialog_ask_finish (result, &error))
    present_credentials_dialog (self);
}

static void
credentials_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KassaApplication *self = user_data;
  KassaManager *manager;

  /* Without the settings schema there is nowhere to keep them. */
  if (self->settings == NULL)
    return;

  /* New credentials leave training mode, or replace the bank account: the
   * manager's decision once there is a PIN (as in the preferences). */
  manager = self->till != NULL ? kassa_till_get_manager (self->till) : NULL;
  if (manager != NULL && kassa_manager_has_pin (manager))
    {
      gboolean training = self->training_bank != NULL;

      kassa_pin_dialog_ask (self->cashier_window, manager,
                            training ? KASSA_MANAGER_ACTION_LEAVE_TRAINING
                                     : KASSA_MANAGER_ACTION_PREFERENCES,
                            training ? _("Leave Training Mode") : _("Change the Bank Account"),
                            self->cancellable, credentials_authorised_cb, g_object_ref (self));
      return;
    }

  present_credentials_dialog (self);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KassaApplication *self = user_data;

  if (self->settings == NULL)
    return;

  /* Asks the manager PIN first. */
  kassa_preferences_window_open (self->cashier_window, self->counter, self->settings);
}

static void
history_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  KassaApplication *self = user_data;
  GtkWindow *window;

  if (self->counter == NULL)
    return;

  if (self->history_window == NULL)
    {
      window = kassa_history_window_new (self->cashier_window, self->counter, self->settings);
      if (self->print_queue != NULL)
        kassa_history_window_set_print_queue (KASSA_HISTORY_WINDOW (window), self->print_queue);
      g_set_weak_pointer (&self->history_window, window);
    }
  gtk_window_present (self->history_window);
}

static void
close_day_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  KassaApplication *self = user_data;

  if (self->counter == NULL)
    return;

  /* Asks the manager PIN itself. */
  gtk_window_present (kassa_close_day_dialog_new (self->cashier_window, self->counter,
                                                  self->settings));
}

static void
drawer_authorised_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!kassa_pin_dialog_ask_finish (result, &error))
    {
      if (g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN))
        _kassa_application_add_alert (self, _("The cash drawer opens with the manager PIN: "
                                              "set one in Preferences first."));
      /* Otherwise the PIN dialog said why, or was closed. */
      return;
    }

  if (self->print_queue == NULL)
    return;
  _kassa_application_open_drawer (self, TRUE);
}

static void
open_drawer_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KassaApplication *self = user_data;

  if (self->till == NULL)
    return;
  /* Nothing to authorise: the drawer hangs on the receipt printer. */
  if (self->print_queue == NULL || !kassa_print_settings_has_printer (self->settings))
    {
      _kassa_application_add_alert (self, _("The cash drawer opens through the receipt "
                                            "printer: set one up in Preferences first."));
      return;
    }

  kassa_pin_dialog_ask (self->cashier_window, kassa_till_get_manager (self->till),
                        KASSA_MANAGER_ACTION_OPEN_DRAWER, _("Open the Cash Drawer"),
                        self->cancellable, drawer_authorised_cb, g_object_ref (self));
}

static void
identify_displays_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  kassa_customer_display_identify (gdk_display_get_default (), IDENTIFY_SECONDS);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "credentials", credentials_activated, NULL, NULL, NULL, { 0 } },
  { "identify-displays", identify_displays_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "history", history_activated, NULL, NULL, NULL, { 0 } },
  { "close-day", close_day_activated, NULL, NULL, NULL, { 0 } },
  { "open-drawer", open_drawer_activated, NULL, NULL, NULL, { 0 } },
};

void
_kassa_application_actions_init (KassaApplication *self)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *history_accels[] = { "<Control>h", NULL };

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.history",
                                         history_accels);
}
