/* kassa-application.c — the kassa executable's application: start-up, windows, shutdown
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The other jobs of KassaApplication are in the files that
 * kassa-application-private.h lists.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "kassa-customer-display.h"
#include "kassa-window.h"

#define SETTINGS_SCHEMA_ID "mn.kassa.Kassa"

G_DEFINE_FINAL_TYPE (KassaApplication, kassa_application, ADW_TYPE_APPLICATION)

/* ---- alerts ---- */

void
_kassa_application_add_alert (KassaApplication *self,
                              const char       *text)
{
  /* Also in the log (the journal of the session, or kassa.log when started
   * by `kassa --charge`): whoever looks after the PC sees why Kassa trains. */
  g_message ("%s", text);
  if (self->cashier_window != NULL)
    kassa_window_add_alert (KASSA_WINDOW (self->cashier_window), text);
  else
    g_ptr_array_add (self->alerts, g_strdup (text));
}

/* ---- windows ---- */

static void
on_quit_clicked_cb (GtkButton        *button,
                    KassaApplication *self)
{
  g_application_quit (G_APPLICATION (self));
}

static void
show_error_window (KassaApplication *self)
{
  GtkWidget *window;
  GtkWidget *page;
  GtkWidget *button;
  g_autofree char *description = NULL;

  if (self->error_window != NULL)
    {
      gtk_window_present (self->error_window);
      return;
    }

  if (g_error_matches (self->startup_error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED))
    description = g_strdup_printf ("%s\n\n%s", self->startup_error->message,
                                   _("Nothing was changed. Close the other Kassa (or kassa-ctl) "
                                     "that uses this journal, then start Kassa again."));
  else
    description = g_strdup_printf ("%s\n\n%s", self->startup_error->message,
                                   _("Nothing was changed."));

  window = adw_application_window_new (GTK_APPLICATION (self));
  gtk_window_set_title (GTK_WINDOW (window), _("Kassa cannot start"));
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 420);

  page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "dialog-error-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Kassa cannot take payments"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page), description);

  button = gtk_button_new_with_mnemonic (_("_Quit"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_add_css_class (button, "suggested-action");
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_quit_clicked_cb), self, 0);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), button);

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), page);
  g_set_weak_pointer (&self->error_window, GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (button);
}

static void
on_cashier_window_destroy_cb (GtkWidget        *window,
                              KassaApplication *self)
{
  /* The customer display has no close button of its own: it goes with the
   * cashier window, and with the last window the application ends. */
  if (self->customer_display != NULL)
    gtk_window_destroy (self->customer_display);
}

/* Until the customer display is built, the monitors the cashier window
 * enters are kept for it: GDK says so only once. */
static void
on_cashier_enter_monitor_cb (GdkSurface       *surface,
                             GdkMonitor       *monitor,
                             KassaApplication *self)
{
  g_ptr_array_remove (self->cashier_entered, monitor);
  g_ptr_array_add (self->cashier_entered, g_object_ref (monitor));
}

static void
on_cashier_leave_monitor_cb (GdkSurface       *surface,
                             GdkMonitor       *monitor,
                             KassaApplication *self)
{
  g_ptr_array_remove (self->cashier_entered, monitor);
}

static void
stop_watching_entered (KassaApplication *self)
{
  if (self->entered_surface != NULL)
    g_signal_handlers_disconnect_by_data (self->entered_surface, self);
  g_clear_object (&self->entered_surface);
  if (self->cashier_entered != NULL)
    g_ptr_array_set_size (self->cashier_entered, 0);
}

static void
watch_entered (KassaApplication *self,
               GdkSurface       *surface)
{
  stop_watching_entered (self);
  if (self->cashier_entered == NULL)
    self->cashier_entered = g_ptr_array_new_with_free_func (g_object_unref);
  g_set_object (&self->entered_surface, surface);
  g_signal_connect_object (surface, "enter-monitor",
                           G_CALLBACK (on_cashier_enter_monitor_cb), self, 0);
  g_signal_connect_object (surface, "leave-monitor",
                           G_CALLBACK (on_cashier_leave_monitor_cb), self, 0);
}

static void
create_customer_display (KassaApplication *self)
{
  KassaCustomerDisplay *display;
  GdkSurface *surface;

  if (self->customer_display != NULL || self->cashier_window == NULL)
    {
      stop_watching_entered (self);
      return;
    }

  surface = gtk_native_get_surface (GTK_NATIVE (self->cashier_window));
  display = kassa_customer_display_new (GTK_APPLICATION (self), self->counter, self->settings);
  g_set_weak_pointer (&self->customer_display, GTK_WINDOW (display));
  kassa_customer_display_show_beside (display, self->cashier_window,
                                      surface != NULL && surface == self->entered_surface
                                      ? self->cashier_entered : NULL);
  _kassa_application_awake_follow (self, GTK_WINDOW (display));
  stop_watching_entered (self);
}

static gboolean
create_customer_display_cb (gpointer user_data)
{
  KassaApplication *self = user_data;

  self->display_idle_id = 0;
  create_customer_display (self);
  return G_SOURCE_REMOVE;
}

/* Any surface is rendered: GtkWindow's handler of GdkSurface::render stops
 * the emission, so this is how the cashier's drawing is seen. */
static gboolean
on_surface_render_hook (GSignalInvocationHint *hint,
                        guint                  n_params,
                        const GValue          *params,
                        gpointer               user_data)
{
  KassaApplication *self = user_data;
  GdkSurface *surface = g_value_get_object (&params[0]);

  if (self->display_clock == NULL)
    {
      self->render_hook_id = 0;
      return FALSE;
    }
  if (gdk_surface_get_frame_clock (surface) != self->display_clock)
    return TRUE;
  self->cashier_rendered = TRUE;
  self->render_hook_id = 0;
  return FALSE;
}

/* The cashier window's first frame is drawn (and committed): build the
 * customer display from an idle, after this frame clock cycle. */
static void
on_cashier_after_paint_cb (GdkFrameClock    *clock,
                           KassaApplication *self)
{
  /* A frame clock cycle may end without drawing the window (nothing to
   * redraw, or not configured yet). */
  if (!self->cashier_rendered)
    return;
  g_signal_handlers_disconnect_by_func (clock, on_cashier_after_paint_cb, self);
  g_clear_weak_pointer (&self->display_clock);
  if (self->display_idle_id == 0)
    self->display_idle_id = g_idle_add (create_customer_display_cb, self);
}

static void
kassa_application_create_windows (KassaApplication *self)
{
  gboolean cashier_was_mapped;

  if (self->cashier_window == NULL)
    {
      GtkWindow *window = GTK_WINDOW (kassa_window_new (GTK_APPLICATION (self), self->counter));

      g_set_weak_pointer (&self->cashier_window, window);
      kassa_window_set_qr_method (KASSA_WINDOW (window), _kassa_application_get_qr_method (self));
      kassa_window_remember_size (KASSA_WINDOW (window), self->settings);
      if (self->print_queue != NULL)
        kassa_window_set_print_queue (KASSA_WINDOW (window), self->print_queue);
      g_signal_connect_object (window, "destroy",
                               G_CALLBACK (on_cashier_window_destroy_cb), self, 0);
      for (guint i = 0; i < self->alerts->len; i++)
        kassa_window_add_alert (KASSA_WINDOW (window), g_ptr_array_index (self->alerts, i));
      g_ptr_array_set_size (self->alerts, 0);
    }

  /* The cashier window first: it is the one the cashier waits for, and it
   * opens where the cashier is (the compositor's choice, e.g. the pointer's
   * monitor). */
  cashier_was_mapped = gtk_widget_get_mapped (GTK_WIDGET (self->cashier_window));
  if (!cashier_was_mapped && self->customer_display == NULL)
    {
      gtk_widget_realize (GTK_WIDGET (self->cashier_window));
      if (gtk_native_get_surface (GTK_NATIVE (self->cashier_window)) != NULL)
        watch_entered (self, gtk_native_get_surface (GTK_NATIVE (self->cashier_window)));
    }
  gtk_window_present (self->cashier_window);

  /* The customer display is built once the cashier window's first frame is
   * drawn: the cashier waits for that frame, not for the display's template.
   * It then shows itself once the cashier window is on a monitor, on another
   * one, and hands the keyboard back to the cashier window if the compositor
   * gave it to the display. */
  if (self->customer_display == NULL && self->display_clock == NULL && self->display_idle_id == 0)
    {
      GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self->cashier_window));
      GdkFrameClock *clock = surface != NULL ? gdk_surface_get_frame_clock (surface) : NULL;

      /* A cashier window already on screen draws no new frame for this. */
      if (clock != NULL && !cashier_was_mapped)
        {
          g_set_weak_pointer (&self->display_clock, clock);
          g_signal_connect_object (clock, "after-paint",
                                   G_CALLBACK (on_cashier_after_paint_cb), self, 0);
          self->cashier_rendered = FALSE;
          if (self->render_hook_id == 0)
            self->render_hook_id = g_signal_add_emission_hook (g_signal_lookup ("render",
                                                                                GDK_TYPE_SURFACE),
                                                               0, on_surface_render_hook,
                                                               self, NULL);
        }
      else
        create_customer_display (self);
    }
}


/* A charge is accepted (kassa --charge, D-Bus): the customer must see it,
 * both windows, whoever asked. */
static void
on_charge_queue_accepted_cb (KassaChargeQueue *queue,
                             KassaApplication *self)
{
  g_application_activate (G_APPLICATION (self));
}

/* ---- GApplication ---- */

/* In the process where the command line was typed (kassa-application-remote.c). */
static int
kassa_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  int status = _kassa_application_handle_local_options (application, options);

  if (status >= 0)
    return status;

  return G_APPLICATION_CLASS (kassa_application_parent_class)->handle_local_options (application,
                                                                                      options);
}

/* SIGTERM (log-out, shutdown, systemctl stop) and SIGHUP quit like the Quit
 * action: the journal is closed cleanly, so the next start needs no
 * integrity check (docs/journal.md "Checking"). */
static gboolean
on_terminate (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
  return G_SOURCE_CONTINUE;
}

static void
kassa_application_startup (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source;

  G_APPLICATION_CLASS (kassa_application_parent_class)->startup (application);

  self->terminate_ids[0] = g_unix_signal_add (SIGTERM, on_terminate, self);
  self->terminate_ids[1] = g_unix_signal_add (SIGHUP, on_terminate, self);

  /* Every window's icon (X11 and the window list): data/icons, named like the application. */
  gtk_window_set_default_icon_name (APP_ID);

  _kassa_application_actions_init (self);

  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA_ID, TRUE);
  if (schema == NULL)
    {
      _kassa_application_fail_startup (self, g_error_new (KASSA_DBUS_ERROR, KASSA_DBUS_ERROR_FAILED,
                                                       /* Translators: %s is a GSettings schema id */
                                                       _("The settings schema “%s” is not installed."),
                                                       SETTINGS_SCHEMA_ID));
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);

  _kassa_application_start_session (self);
}

static void
kassa_application_activate (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  switch (self->stage)
    {
    case STAGE_STARTING:
      self->activate_pending = TRUE;
      break;
    case STAGE_FAILED:
      self->activate_pending = FALSE;
      show_error_window (self);
      break;
    case STAGE_READY:
    default:
      self->activate_pending = FALSE;
      kassa_application_create_windows (self);
      break;
    }
}

static gboolean
kassa_application_dbus_register (GApplication     *application,
                                 GDBusConnection  *connection,
                                 const char       *object_path,
                                 GError          **error)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  if (!G_APPLICATION_CLASS (kassa_application_parent_class)->dbus_register (application,
                                                                            connection,
                                                                            object_path,
                                                                            error))
    return FALSE;

  /* It follows the charge queue's counter. */
  self->dbus = kassa_dbus_new (connection, object_path, self->charge_queue, error);
  if (self->dbus == NULL)
    return FALSE;

  return TRUE;
}

static void
kassa_application_dbus_unregister (GApplication    *application,
                                   GDBusConnection *connection,
                                   const char      *object_path)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  if (self->dbus != NULL)
    kassa_dbus_unexport (self->dbus);
  g_clear_object (&self->dbus);

  G_APPLICATION_CLASS (kassa_application_parent_class)->dbus_unregister (application,
                                                                         connection,
                                                                         object_path);
}

static void
kassa_application_shutdown (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (self->terminate_ids); i++)
    g_clear_handle_id (&self->terminate_ids[i], g_source_remove);

  kassa_charge_queue_close (self->charge_queue);
  /* GTask delivers those from an idle: let the callbacks answer their callers. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;

  _kassa_application_remote_shutdown (self);
  _kassa_application_awake_release (self);

  g_clear_handle_id (&self->display_idle_id, g_source_remove);
  if (self->display_clock != NULL)
    g_signal_handlers_disconnect_by_func (self->display_clock, on_cashier_after_paint_cb, self);
  g_clear_weak_pointer (&self->display_clock);
  if (self->render_hook_id != 0)
    g_signal_remove_emission_hook (g_signal_lookup ("render", GDK_TYPE_SURFACE),
                                   self->render_hook_id);
  self->render_hook_id = 0;
  stop_watching_entered (self);
  g_clear_pointer (&self->cashier_entered, g_ptr_array_unref);
  if (self->customer_display != NULL)
    gtk_window_destroy (self->customer_display);
  if (self->cashier_window != NULL)
    gtk_window_destroy (self->cashier_window);
  if (self->error_window != NULL)
    gtk_window_destroy (self->error_window);
  if (self->history_window != NULL)
    gtk_window_destroy (self->history_window);
  if (self->push_listener != NULL)
    kassa_push_listener_shutdown (self->push_listener);

  kassa_charge_queue_set_counter (self->charge_queue, NULL);
  /* Its jobs end (journaled) before the journal closes. */
  g_clear_object (&self->print_queue);
  g_clear_object (&self->counter);
  g_clear_object (&self->till);
  g_clear_object (&self->client);
  if (self->training_bank != NULL)
    kassa_bank_sim_shutdown (self->training_bank);
  g_clear_object (&self->training_bank);
  if (self->journal != NULL)
    kassa_journal_close (self->journal);
  g_clear_object (&self->journal);
  g_clear_object (&self->secret_store);

  G_APPLICATION_CLASS (kassa_application_parent_class)->shutdown (application);
}

static void
kassa_application_finalize (GObject *object)
{
  KassaApplication *self = KASSA_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->counter);
  g_clear_object (&self->charge_queue);
  g_clear_object (&self->till);
  g_clear_object (&self->client);
  g_clear_object (&self->training_bank);
  g_clear_object (&self->journal);
  g_clear_object (&self->secret_store);
  g_clear_object (&self->push_listener);
  g_clear_object (&self->dbus);
  g_clear_error (&self->startup_error);
  g_clear_pointer (&self->alerts, g_ptr_array_unref);
  g_clear_pointer (&self->remote_charges, g_ptr_array_unref);
  g_free (self->journal_option);
  g_free (self->journal_path);

  G_OBJECT_CLASS (kassa_application_parent_class)->finalize (object);
}

static void
kassa_application_class_init (KassaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = kassa_application_finalize;

  app_class->handle_local_options = kassa_application_handle_local_options;
  app_class->command_line = _kassa_application_command_line;
  app_class->startup = kassa_application_startup;
  app_class->activate = kassa_application_activate;
  app_class->dbus_register = kassa_application_dbus_register;
  app_class->dbus_unregister = kassa_application_dbus_unregister;
  app_class->shutdown = kassa_application_shutdown;
}

static void
kassa_application_init (KassaApplication *self)
{
  self->cancellable = g_cancellable_new ();
  self->alerts = g_ptr_array_new_with_free_func (g_free);
  self->remote_charges = g_ptr_array_new ();
  self->charge_queue = kassa_charge_queue_new ();
  g_signal_connect_object (self->charge_queue, "accepted",
                           G_CALLBACK (on_charge_queue_accepted_cb), self, 0);


  _kassa_application_remote_init (self);
}

/* ---- public API ---- */

KassaApplication *
kassa_application_new (void)
{
  return g_object_new (KASSA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/mn/kassa/Kassa",
                       NULL);
}

KassaCounter *
kassa_application_get_counter (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->counter;
}

GSettings *
kassa_application_get_settings (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->settings;
}

const char *
kassa_application_get_training_url (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->training_bank ? kassa_bank_sim_get_url (self->training_bank) : NULL;
}

GtkWindow *
kassa_application_get_cashier_window (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->cashier_window;
}

GtkWindow *
kassa_application_get_customer_display (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->customer_display;
}

KassaChargeQueue *
kassa_application_get_charge_queue (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->charge_queue;
}

KassaPrintQueue *
kassa_application_get_print_queue (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->print_queue;
}
