/* kassa-preferences-printer.c — Preferences' Receipt Printer group
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The choice of the thermal printer (found USB printers and CUPS queues,
 * "None", a network address), its width, the cash drawer switch and Print
 * Test Page (kassa-preferences-window.h says how each is saved).
 */

#include "config.h"

#include "kassa-preferences-window-private.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-application.h"
#include "kassa-error.h"
#include "kassa-escpos.h"
#include "kassa-print-settings.h"
#include "kassa-printer.h"

static guint
printer_row_network_index (KassaPreferencesWindow *self)
{
  return self->printer_uris->len - 1;
}

static void
show_network_address (KassaPreferencesWindow *self,
                      gboolean                shown)
{
  gtk_widget_set_visible (GTK_WIDGET (self->receipt_printer_address_row), shown);
  if (!shown)
    _kassa_preferences_window_mark_row (self->receipt_printer_address_row, FALSE);
}

/* The printer row's choices: none, what discovery found, the stored printer
 * when it was not found (a device unplugged now, a file:), and the network. */
static void
rebuild_printer_row (KassaPreferencesWindow *self)
{
  g_autofree char *current = g_settings_get_string (self->settings, "receipt-printer");
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  gboolean network = self->network_chosen || g_str_has_prefix (current, "tcp:");
  guint selected = 0;

  g_ptr_array_set_size (self->printer_uris, 0);
  gtk_string_list_append (labels, _("None (system print dialog)"));
  g_ptr_array_add (self->printer_uris, g_strdup (""));

  for (guint i = 0; self->found_printers != NULL && i < self->found_printers->len; i++)
    {
      KassaPrinterChoice *choice = g_ptr_array_index (self->found_printers, i);

      if (g_strcmp0 (choice->uri, current) == 0)
        selected = self->printer_uris->len;
      gtk_string_list_append (labels, choice->label);
      g_ptr_array_add (self->printer_uris, g_strdup (choice->uri));
    }

  if (*current != '\0' && selected == 0 && !g_str_has_prefix (current, "tcp:"))
    {
      /* Translators: the receipt printer set before, which is not found now; %s is its
         address (usb:/dev/usb/lp0, cups:QUEUE) */
      g_autofree char *label = g_strdup_printf (_("%s (not found now)"), current);

      selected = self->printer_uris->len;
      gtk_string_list_append (labels, label);
      g_ptr_array_add (self->printer_uris, g_strdup (current));
    }

  gtk_string_list_append (labels, _("Network printer…"));
  g_ptr_array_add (self->printer_uris, NULL);
  if (network)
    selected = printer_row_network_index (self);

  self->updating_printer = TRUE;
  adw_combo_row_set_model (self->receipt_printer_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->receipt_printer_row, selected);
  self->updating_printer = FALSE;

  if (g_str_has_prefix (current, "tcp:"))
    _kassa_preferences_window_show_row_text (self->receipt_printer_address_row,
                                             current + strlen ("tcp:"));
  show_network_address (self, network);
}

static gboolean
rebuild_printer_row_idle (gpointer data)
{
  KassaPreferencesWindow *self = data;

  if (!g_cancellable_is_cancelled (self->cancellable))
    rebuild_printer_row (self);
  return G_SOURCE_REMOVE;
}

static void
on_receipt_printer_row_selected_cb (AdwComboRow            *row,
                                    GParamSpec             *pspec,
                                    KassaPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);
  g_autofree char *current = NULL;
  gboolean saved;
  const char *uri;

  if (self->updating_printer || selected >= self->printer_uris->len)
    return;

  uri = g_ptr_array_index (self->printer_uris, selected);
  self->network_chosen = uri == NULL;
  show_network_address (self, uri == NULL);
  /* A network printer is saved when its address is applied. */
  if (uri == NULL)
    return;

  current = g_settings_get_string (self->settings, "receipt-printer");
  if (g_strcmp0 (current, uri) == 0)
    return;
  /* The row shows it already: no rebuild inside its own selection change. */
  self->saving_printer = TRUE;
  saved = g_settings_set_string (self->settings, "receipt-printer", uri);
  self->saving_printer = FALSE;
  if (!saved)
    {
      _kassa_preferences_window_say_locked (self);
      g_idle_add_full (G_PRIORITY_DEFAULT, rebuild_printer_row_idle, g_object_ref (self),
                       g_object_unref);
      return;
    }
  _kassa_preferences_window_say (self, _("Saved."), NULL, FALSE);
}

/* The group's description, then what the last look for printers found. */
static void
show_printers_found (KassaPreferencesWindow *self,
                     const char             *found)
{
  g_autofree char *text = g_strconcat (self->printer_group_description, " ", found, NULL);

  adw_preferences_group_set_description (self->receipt_printer_group, text);
}

static void
find_printers_thread (gpointer data)
{
  g_autoptr(GTask) task = data;

  g_task_return_pointer (task, kassa_printer_discover (g_task_get_cancellable (task)),
                         (GDestroyNotify) g_ptr_array_unref);
}

static void
found_printers_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (source);
  g_autoptr(GPtrArray) found = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autofree char *text = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->finding_printers = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.find-printers", TRUE);
  g_clear_pointer (&self->found_printers, g_ptr_array_unref);
  self->found_printers = g_steal_pointer (&found);
  rebuild_printer_row (self);

  if (self->found_printers->len == 0)
    text = g_strdup (_("No USB printer or printer queue found."));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%u printer found on USB and in CUPS.",
                                         "%u printers found on USB and in CUPS.",
                                         self->found_printers->len),
                            self->found_printers->len);
  show_printers_found (self, text);
}

/* Looks for USB printers and CUPS queues without blocking the window. Each
 * look in a thread of its own: libcups reads $CUPS_SERVER once per thread. */
static void
find_printers (KassaPreferencesWindow *self)
{
  GTask *task;

  if (self->finding_printers)
    return;

  self->finding_printers = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.find-printers", FALSE);
  show_printers_found (self, _("Looking for printers…"));
  task = g_task_new (self, self->cancellable, found_printers_cb, NULL);
  g_task_set_source_tag (task, find_printers);
  g_thread_unref (g_thread_new ("kassa-find-printers", (GThreadFunc) find_printers_thread,
                                task));
}

static void
find_printers_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  find_printers (KASSA_PREFERENCES_WINDOW (widget));
}

/* The width row shows the stored width: 58 mm, 80 mm or the other dots. */
static void
sync_width_row (KassaPreferencesWindow *self)
{
  guint dots = kassa_print_settings_get_dots (self->settings);
  g_autofree char *text = g_strdup_printf ("%u", dots);
  guint selected = 2;

  if (dots == KASSA_ESCPOS_WIDTH_58MM && !self->other_width_chosen)
    selected = 0;
  else if (dots == KASSA_ESCPOS_WIDTH_80MM && !self->other_width_chosen)
    selected = 1;

  self->updating_width = TRUE;
  adw_combo_row_set_selected (self->receipt_width_row, selected);
  self->updating_width = FALSE;
  _kassa_preferences_window_show_row_text (self->receipt_dots_row, text);
  gtk_widget_set_visible (GTK_WIDGET (self->receipt_dots_row), selected == 2);
}

static void
on_receipt_width_row_selected_cb (AdwComboRow            *row,
                                  GParamSpec             *pspec,
                                  KassaPreferencesWindow *self)
{
  const guint widths[] = { KASSA_ESCPOS_WIDTH_58MM, KASSA_ESCPOS_WIDTH_80MM };
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating_width)
    return;

  self->other_width_chosen = selected >= G_N_ELEMENTS (widths);
  gtk_widget_set_visible (GTK_WIDGET (self->receipt_dots_row), self->other_width_chosen);
  /* Other dots are saved when they are applied. */
  if (self->other_width_chosen)
    return;

  _kassa_preferences_window_mark_row (self->receipt_dots_row, FALSE);
  if (g_settings_get_uint (self->settings, "receipt-printer-dots") == widths[selected])
    return;
  if (!g_settings_set_uint (self->settings, "receipt-printer-dots", widths[selected]))
    {
      _kassa_preferences_window_say_locked (self);
      sync_width_row (self);
      return;
    }
  _kassa_preferences_window_say (self, _("Saved."), NULL, FALSE);
}

static void
on_print_settings_changed_cb (GSettings              *settings,
                              const char             *key,
                              KassaPreferencesWindow *self)
{
  if (g_str_equal (key, "receipt-printer") && !self->saving_printer)
    rebuild_printer_row (self);
  else if (g_str_equal (key, "receipt-printer-dots") || g_str_equal (key, "paper-width"))
    sync_width_row (self);
}

/* The queue a test page goes through: the application's (it follows the
 * settings), or without one (no application: tests) the window's own over
 * the till's journal, given the settings now. */
static KassaPrintQueue *
get_print_queue (KassaPreferencesWindow  *self,
                 GError                 **error)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!kassa_print_settings_check (self->settings, error))
    return NULL;

  if (KASSA_IS_APPLICATION (app) &&
      kassa_application_get_print_queue (KASSA_APPLICATION (app)) != NULL)
    return kassa_application_get_print_queue (KASSA_APPLICATION (app));

  if (self->counter == NULL)
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                           _("Kassa could not open its journal, and prints nothing without "
                             "it."));
      return NULL;
    }
  if (self->own_queue == NULL)
    self->own_queue = kassa_print_queue_new (
      kassa_till_get_journal (kassa_counter_get_till (self->counter)));
  if (!kassa_print_settings_apply (self->settings, self->own_queue, error))
    return NULL;

  return self->own_queue;
}

/* The whole sentence on the row; the toast (one line) says only whether it printed. */
static void
show_test_page_outcome (KassaPreferencesWindow *self,
                        const char             *text,
                        gboolean                printed,
                        gboolean                is_error)
{
  adw_action_row_set_subtitle (self->test_page_row, text);
  _kassa_preferences_window_say (self, text,
                                 printed ? _("The test page was printed.")
                                         : _("The test page was not printed."),
                                 is_error);
}

static void
test_page_printed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(KassaPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_UNKNOWN;
  gboolean printed;

  printed = kassa_print_queue_job_finish (KASSA_PRINT_QUEUE (source), result, &status, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->cancellable))
    return;

  self->printing_test = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.print-test-page", TRUE);

  if (printed)
    /* Translators: %s is the printer's status in words ("The printer is ready.") */
    text = g_strdup_printf (_("The test page was printed. %s"),
                            kassa_printer_status_describe (status));
  else if (status != KASSA_PRINTER_STATUS_UNKNOWN &&
           strstr (error->message, kassa_printer_status_describe (status)) == NULL)
    /* Translators: the first %s says why, the second is the printer's status in words */
    text = g_strdup_printf (_("The test page was not printed: %s %s"), error->message,
                            kassa_printer_status_describe (status));
  else
    /* Translators: %s says why */
    text = g_strdup_printf (_("The test page was not printed: %s"), error->message);

  show_test_page_outcome (self, text, printed,
                          !printed || (status != KASSA_PRINTER_STATUS_OK &&
                                       status != KASSA_PRINTER_STATUS_UNKNOWN &&
                                       status != KASSA_PRINTER_STATUS_PAPER_NEAR_END));
}

static void
print_test_page_action_cb (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  KassaPrintQueue *queue;

  if (self->printing_test)
    return;

  if (!kassa_print_settings_has_printer (self->settings))
    {
      show_test_page_outcome (self, _("Choose the receipt printer first: the test page goes "
                                      "to a thermal receipt printer."), FALSE, TRUE);
      return;
    }

  queue = get_print_queue (self, &error);
  if (queue == NULL)
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("The test page was not printed: %s"),
                                               error->message);

      show_test_page_outcome (self, text, FALSE, TRUE);
      return;
    }

  self->printing_test = TRUE;
  gtk_widget_action_set_enabled (widget, "prefs.print-test-page", FALSE);
  adw_action_row_set_subtitle (self->test_page_row, _("Printing the test page…"));
  kassa_print_queue_print_test_page_async (queue, self->cancellable, test_page_printed_cb,
                                           g_object_ref (self));
}

void
_kassa_preferences_window_setup_printer (KassaPreferencesWindow *self)
{
  g_autofree char *dots = g_strdup_printf ("%u", kassa_print_settings_get_dots (self->settings));

  self->printer_group_description =
    g_strdup (adw_preferences_group_get_description (self->receipt_printer_group));
  _kassa_preferences_window_setup_value_row (self, self->receipt_printer_address_row,
                                             "receipt-printer", "");
  _kassa_preferences_window_setup_value_row (self, self->receipt_dots_row,
                                             "receipt-printer-dots", dots);
  rebuild_printer_row (self);
  sync_width_row (self);
  g_signal_connect_object (self->receipt_printer_row, "notify::selected",
                           G_CALLBACK (on_receipt_printer_row_selected_cb), self, 0);
  g_signal_connect_object (self->receipt_width_row, "notify::selected",
                           G_CALLBACK (on_receipt_width_row_selected_cb), self, 0);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_print_settings_changed_cb), self, 0);
  g_settings_bind (self->settings, "cash-drawer", self->cash_drawer_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  adw_action_row_set_subtitle (self->test_page_row,
                               _("Prints on the receipt printer and reads its status"));
  find_printers (self);
}

void
_kassa_preferences_window_install_printer_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "prefs.find-printers", NULL,
                                   find_printers_action_cb);
  gtk_widget_class_install_action (widget_class, "prefs.print-test-page", NULL,
                                   print_test_page_action_cb);
}
