/* kassa-preferences-window.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-preferences-window-private.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-account-form.h"
#include "kassa-autostart.h"
#include "kassa-customer-display.h"
#include "kassa-error.h"
#include "kassa-manager.h"
#include "kassa-escpos.h"
#include "kassa-pin-dialog.h"
#include "kassa-printer.h"
#include "kassa-secret-store.h"

/* Identify displays: how long each monitor shows its name. */
#define IDENTIFY_SECONDS 4
/* The customer display shows the name in large type, on one or two lines. */
#define SHOP_NAME_MAX_CHARS 48
/* CUPS: a queue name is at most 127 bytes. */
#define PRINTER_NAME_MAX_BYTES 127
/* The receipt's header: one line each at 58 mm (the schema's descriptions). */
#define SHOP_ADDRESS_MAX_CHARS 96
#define SHOP_PHONE_MAX_CHARS 32


enum {
  PROP_0,
  PROP_COUNTER,
  PROP_SETTINGS,
  PROP_MESSAGE,
  PROP_MESSAGE_IS_ERROR,
  PROP_ACCOUNT_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaPreferencesWindow, kassa_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

/* A choice of the customer display's monitor. */
typedef struct
{
  char *connector;  /* "" for automatic */
  char *model;
} DisplayChoice;

static void
display_choice_free (DisplayChoice *choice)
{
  g_free (choice->connector);
  g_free (choice->model);
  g_free (choice);
}

/* The choices of a combo row, in the order of its model. */
static const char * const language_values[] = { "system", "mn", "en" };
static const char * const qr_method_values[] = { "qr", "deeplink" };
static const char * const paper_values[] = { "58mm", "80mm", "a4" };

/* The settings edited as whole numbers. */
static const char * const number_keys[] = {
  "poll-fast-ms", "poll-fast-period-s", "poll-slow-ms", "expiry-s", "push-port",
};

/* ------------------------------------------------------------------ */
/* Checks (no widgets)                                                 */

static gboolean
key_range (GSettings *settings,
           const char *key,
           guint      *out_min,
           guint      *out_max)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) bounds = NULL;
  g_autoptr(GVariant) low = NULL;
  g_autoptr(GVariant) high = NULL;
  const char *kind = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  if (schema == NULL || !g_settings_schema_has_key (schema, key))
    return FALSE;

  schema_key = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (schema_key);
  g_variant_get (range, "(&sv)", &kind, &bounds);
  if (g_strcmp0 (kind, "range") != 0)
    return FALSE;

  low = g_variant_get_child_value (bounds, 0);
  high = g_variant_get_child_value (bounds, 1);
  if (g_variant_is_of_type (low, G_VARIANT_TYPE_UINT32))
    {
      *out_min = g_variant_get_uint32 (low);
      *out_max = g_variant_get_uint32 (high);
    }
  else if (g_variant_is_of_type (low, G_VARIANT_TYPE_UINT16))
    {
      *out_min = g_variant_get_uint16 (low);
      *out_max = g_variant_get_uint16 (high);
    }
  else
    return FALSE;

  return TRUE;
}

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return TRUE;

  return FALSE;
}

static gboolean
check_shop_name (const char  *name,
                 GError     **error)
{
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                           _("The shop name is not valid text (UTF-8)."));
      return FALSE;
    }
  if (has_control_chars (name))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                           _("The shop name must not contain control characters (line breaks, "
                             "tabs)."));
      return FALSE;
    }
  if (g_utf8_strlen (name, -1) > SHOP_NAME_MAX_CHARS)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The shop name is too long for the customer display: at most "
                                "%d character.",
                                "The shop name is too long for the customer display: at most "
                                "%d characters.",
                                SHOP_NAME_MAX_CHARS),
                   SHOP_NAME_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

/* CUPS queue names: printable, no space, "/", "#" or "\"", at most 127 bytes. */
static gboolean
check_printer_name (const char  *name,
                    GError     **error)
{
  if (strlen (name) > PRINTER_NAME_MAX_BYTES)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   _("The printer name is too long: a printer queue name has at most %d "
                     "bytes."), PRINTER_NAME_MAX_BYTES);
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == '/' || *p == '#' || *p == '"' || *p == '\\' ||
          g_ascii_iscntrl (*p) || !g_ascii_isprint (*p))
        {
          g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                               _("A printer name is the printer’s queue name (as in “lpstat "
                                 "-p”): letters, digits and “-_.”, no spaces, “/” or “#”. "
                                 "Leave it empty to choose the printer when printing."));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_shop_address (const char  *address,
                    GError     **error)
{
  if (!g_utf8_validate (address, -1, NULL) || has_control_chars (address))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                           _("The shop address must be one line of text, without line breaks "
                             "or tabs."));
      return FALSE;
    }
  if (g_utf8_strlen (address, -1) > SHOP_ADDRESS_MAX_CHARS)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The shop address is too long for one receipt line: at most %d "
                                "character.",
                                "The shop address is too long for one receipt line: at most %d "
                                "characters.",
                                SHOP_ADDRESS_MAX_CHARS),
                   SHOP_ADDRESS_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_shop_phone (const char  *phone,
                  GError     **error)
{
  for (const char *p = phone; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) && strchr (" +-()", *p) == NULL)
        {
          g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                               _("A phone number has digits, spaces and “+ - ( )” only, as in "
                                 "“+976 7011-2233”."));
          return FALSE;
        }
    }
  if (strlen (phone) > SHOP_PHONE_MAX_CHARS)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The shop phone is too long: at most %d character.",
                                "The shop phone is too long: at most %d characters.",
                                SHOP_PHONE_MAX_CHARS),
                   SHOP_PHONE_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

/* "host" or "host:port" (an IPv6 address in brackets) of a network printer:
 * the tcp: URI to store, its port filled in. */
static char *
network_printer_uri (const char  *address,
                     GError     **error)
{
  g_autofree char *uri = NULL;
  g_autoptr(KassaPrinter) printer = NULL;
  const char *host;

  if (*address == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                           _("Type the network printer’s address: its host name or IP address, "
                             "and “:PORT” when the port is not 9100."));
      return NULL;
    }

  uri = g_strconcat ("tcp:", address, NULL);
  printer = kassa_printer_new_for_uri (uri, NULL);
  if (printer == NULL || kassa_printer_get_kind (printer) != KASSA_PRINTER_KIND_TCP)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   /* Translators: %s is what was typed as a network printer's address */
                   _("“%s” is not a network printer address. Type the printer’s host name or "
                     "IP address, and “:PORT” when the port is not 9100, as in "
                     "“192.168.1.50” or “192.168.1.50:9100”."), address);
      return NULL;
    }

  host = kassa_printer_get_target (printer);
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("tcp:[%s]:%u", host, kassa_printer_get_port (printer));
  return g_strdup_printf ("tcp:%s:%u", host, kassa_printer_get_port (printer));
}

static gboolean
parse_printer_dots (const char  *text,
                    guint       *out_dots,
                    GError     **error)
{
  guint64 dots = 0;
  gboolean digits = *text != '\0' && strlen (text) <= 5;

  for (const char *p = text; digits && *p != '\0'; p++)
    digits = g_ascii_isdigit (*p);

  if (!digits || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &dots, NULL))
    dots = 0;
  if (!digits || !kassa_escpos_check_width ((guint) dots, NULL))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                   _("The printer width must be a whole number of dots, a multiple of 8 from "
                     "%u to %u (384 for 58 mm paper, 576 for 80 mm)."),
                   KASSA_ESCPOS_MIN_WIDTH_DOTS, KASSA_ESCPOS_MAX_WIDTH_DOTS);
      return FALSE;
    }

  *out_dots = (guint) dots;
  return TRUE;
}

static gboolean
is_number_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (number_keys); i++)
    if (strcmp (number_keys[i], key) == 0)
      return TRUE;

  return FALSE;
}

static void
set_number_error (GError     **error,
                  const char  *key,
                  guint        min,
                  guint        max)
{
  char *text;

  if (strcmp (key, "poll-fast-ms") == 0)
    text = g_strdup_printf (_("The fast check interval must be a whole number of milliseconds "
                              "from %u to %u."), min, max);
  else if (strcmp (key, "poll-fast-period-s") == 0)
    text = g_strdup_printf (_("The fast checking period must be a whole number of seconds from "
                              "%u to %u."), min, max);
  else if (strcmp (key, "poll-slow-ms") == 0)
    text = g_strdup_printf (_("The slow check interval must be a whole number of milliseconds "
                              "from %u to %u."), min, max);
  else if (strcmp (key, "expiry-s") == 0)
    text = g_strdup_printf (_("The invoice expiry must be a whole number of seconds from %u to "
                              "%u."), min, max);
  else
    text = g_strdup_printf (_("The push listener port must be a whole number from %u to %u."),
                            min, max);

  g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT, text);
  g_free (text);
}

static gboolean
parse_number (GSettings   *settings,
              const char  *key,
              const char  *text,
              guint       *out_value,
              GError     **error)
{
  guint min = 0;
  guint max = G_MAXUINT;
  guint64 value = 0;
  gboolean digits = *text != '\0' && strlen (text) <= 10;

  if (!key_range (settings, key, &min, &max))
    g_return_val_if_reached (FALSE);

  for (const char *p = text; digits && *p != '\0'; p++)
    digits = g_ascii_isdigit (*p);

  if (!digits || !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      set_number_error (error, key, min, max);
      return FALSE;
    }

  *out_value = (guint) value;
  return TRUE;
}

gboolean
kassa_preferences_check_value (GSettings   *settings,
                               const char  *key,
                               const char  *text,
                               GVariant   **out_value,
                               GError     **error)
{
  g_autofree char *trimmed = NULL;
  GVariant *value = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (key != NULL && text != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  trimmed = g_strstrip (g_strdup (text));

  if (strcmp (key, "shop-name") == 0)
    {
      if (!check_shop_name (trimmed, error))
        return FALSE;
      value = g_variant_new_string (trimmed);
    }
  else if (strcmp (key, "printer-name") == 0)
    {
      if (!check_printer_name (trimmed, error))
        return FALSE;
      value = g_variant_new_string (trimmed);
    }
  else if (strcmp (key, "shop-address") == 0)
    {
      if (!check_shop_address (trimmed, error))
        return FALSE;
      value = g_variant_new_string (trimmed);
    }
  else if (strcmp (key, "shop-phone") == 0)
    {
      if (!check_shop_phone (trimmed, error))
        return FALSE;
      value = g_variant_new_string (trimmed);
    }
  else if (strcmp (key, "receipt-printer") == 0)
    {
      char *uri = network_printer_uri (trimmed, error);

      if (uri == NULL)
        return FALSE;
      value = g_variant_new_take_string (uri);
    }
  else if (strcmp (key, "receipt-printer-dots") == 0)
    {
      guint dots = 0;

      if (!parse_printer_dots (trimmed, &dots, error))
        return FALSE;
      value = g_variant_new_uint32 (dots);
    }
  else if (is_number_key (key))
    {
      guint number = 0;

      if (!parse_number (settings, key, trimmed, &number, error))
        return FALSE;

      /* The slow interval is what the fast one slows down to. */
      if (strcmp (key, "poll-fast-ms") == 0 &&
          number > g_settings_get_uint (settings, "poll-slow-ms"))
        {
          g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                       _("The fast check interval must not be longer than the slow one (%u "
                         "milliseconds)."), g_settings_get_uint (settings, "poll-slow-ms"));
          return FALSE;
        }
      if (strcmp (key, "poll-slow-ms") == 0 &&
          number < g_settings_get_uint (settings, "poll-fast-ms"))
        {
          g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                       _("The slow check interval must not be shorter than the fast one (%u "
                         "milliseconds)."), g_settings_get_uint (settings, "poll-fast-ms"));
          return FALSE;
        }

      if (strcmp (key, "push-port") == 0)
        value = g_variant_new_uint16 ((guint16) number);
      else
        value = g_variant_new_uint32 (number);
    }
  else
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   "“%s” is not a setting edited as text", key);
      return FALSE;
    }

  *out_value = g_variant_ref_sink (value);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* @toast_title: what the toast says (one line), @message when NULL. */
void
_kassa_preferences_window_say (KassaPreferencesWindow *self,
                               const char             *message,
                               const char             *toast_title,
                               gboolean                is_error)
{
  if (toast_title == NULL)
    toast_title = message;

  /* One message at a time: toasts would queue, and an old one mislead. The
   * one shown takes the new sentence (dismissing it in the middle of its
   * animation crashes libadwaita 1.2). */
  if (message != NULL && self->toast != NULL)
    adw_toast_set_title (self->toast, toast_title);
  else if (message != NULL)
    {
      AdwToast *toast = adw_toast_new (toast_title);

      adw_toast_set_timeout (toast, is_error ? 8 : 3);
      g_set_weak_pointer (&self->toast, toast);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
    }
  if (g_strcmp0 (self->message, message) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }
  if (self->message_is_error != is_error)
    {
      self->message_is_error = is_error;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE_IS_ERROR]);
    }
}

static void
set_message (KassaPreferencesWindow *self,
             const char             *message,
             gboolean                is_error)
{
  _kassa_preferences_window_say (self, message, NULL, is_error);
}

void
_kassa_preferences_window_mark_row (gpointer row,
                                    gboolean error)
{
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static void
on_row_changed_cb (GtkEditable *row)
{
  _kassa_preferences_window_mark_row (row, FALSE);
}

/* A setting the administrator locked (or a backend refusing it). */
void
_kassa_preferences_window_say_locked (KassaPreferencesWindow *self)
{
  set_message (self, _("This setting is locked by the administrator; it was not changed."),
               TRUE);
}

/* ------------------------------------------------------------------ */
/* Text and number rows                                                */

static void
on_value_row_apply_cb (AdwEntryRow            *row,
                       KassaPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (row), "kassa-key");
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  if (!kassa_preferences_check_value (self->settings, key, text, &value, &error))
    {
      _kassa_preferences_window_mark_row (row, TRUE);
      /* The toast is one line: the whole sentence stays on the row. */
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), error->message);
      set_message (self, error->message, TRUE);
      return;
    }

  _kassa_preferences_window_mark_row (row, FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row), NULL);
  if (!g_settings_set_value (self->settings, key, value))
    {
      _kassa_preferences_window_mark_row (row, TRUE);
      _kassa_preferences_window_say_locked (self);
      return;
    }

  /* Translators: a value from the preferences window was saved */
  set_message (self, _("Saved."), FALSE);
}

static char *
setting_as_text (GSettings  *settings,
                 const char *key)
{
  g_autoptr(GVariant) value = g_settings_get_value (settings, key);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_strdup_printf ("%u", g_variant_get_uint32 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_strdup_printf ("%u", (guint) g_variant_get_uint16 (value));

  g_return_val_if_reached (g_strdup (""));
}

/* Shows @text in @row as the stored value: no apply button until the person edits it. */
void
_kassa_preferences_window_show_row_text (AdwEntryRow *row,
                                         const char  *text)
{
  gboolean apply = adw_entry_row_get_show_apply_button (row);

  adw_entry_row_set_show_apply_button (row, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  adw_entry_row_set_show_apply_button (row, apply);
}

/* @row edits @key through kassa_preferences_check_value(), starting from @text. */
void
_kassa_preferences_window_setup_value_row (KassaPreferencesWindow *self,
                                           AdwEntryRow            *row,
                                           const char             *key,
                                           const char             *text)
{
  g_object_set_data (G_OBJECT (row), "kassa-key", (gpointer) key);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  /* After the first text: the apply button shows for the person's edits only. */
  adw_entry_row_set_show_apply_button (row, TRUE);
  g_signal_connect (row, "changed", G_CALLBACK (on_row_changed_cb), NULL);
  g_signal_connect_object (row, "apply", G_CALLBACK (on_value_row_apply_cb), self, 0);
}

static void
setup_value_row (KassaPreferencesWindow *self,
                 AdwEntryRow            *row,
                 const char             *key)
{
  g_autofree char *text = setting_as_text (self->settings, key);

  _kassa_preferences_window_setup_value_row (self, row, key, text);
}

/* ------------------------------------------------------------------ */
/* Choice rows                                                         */

static void
on_choice_row_selected_cb (AdwComboRow            *row,
                           GParamSpec             *pspec,
                           KassaPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (row), "kassa-key");
  const char * const *values = g_object_get_data (G_OBJECT (row), "kassa-values");
  guint n_values = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "kassa-n-values"));
  guint selected = adw_combo_row_get_selected (row);
  g_autofree char *current = NULL;

  if (selected >= n_values)
    return;

  current = g_settings_get_string (self->settings, key);
  if (g_strcmp0 (current, values[selected]) == 0)
    return;

  if (!g_settings_set_string (self->settings, key, values[selected]))
    {
      _kassa_preferences_window_say_locked (self);
      return;
    }

  if (strcmp (key, "language") == 0)
    set_message (self, _("Saved. The new language applies when Kassa starts again."), FALSE);
  else
    set_message (self, _("Saved."), FALSE);
}

static void
setup_choice_row (KassaPreferencesWindow *self,
                  AdwComboRow            *row,
                  const char             *key,
                  const char * const     *values,
                  guint                   n_values)
{
  g_autofree char *current = g_settings_get_string (self->settings, key);

  g_object_set_data (G_OBJECT (row), "kassa-key", (gpointer) key);
  g_object_set_data (G_OBJECT (row), "kassa-values", (gpointer) values);
  g_object_set_data (G_OBJECT (row), "kassa-n-values", GUINT_TO_POINTER (n_values));

  for (guint i = 0; i < n_values; i++)
    if (g_strcmp0 (current, values[i]) == 0)
      adw_combo_row_set_selected (row, i);

  g_signal_connect_object (row, "notify::selected", G_CALLBACK (on_choice_row_selected_cb),
                           self, 0);
}

/* ------------------------------------------------------------------ */
/* Customer display                                                    */

static char *
display_label (guint       number,
               const char *connector,
               const char *model)
{
  /* Translators: a monitor in the list: its number (as "Identify Displays"
   * shows it), connector ("HDMI-1") and model */
  return g_strdup_printf (_("%u. %s — %s"), number,
                          connector != NULL && *connector != '\0' ? connector
                                                                   : _("Unknown connector"),
                          model != NULL && *model != '\0' ? model : _("Unknown model"));
}

static void
add_display_choice (KassaPreferencesWindow *self,
                    GtkStringList          *labels,
                    const char             *label,
                    const char             *connector,
                    const char             *model)
{
  DisplayChoice *choice = g_new0 (DisplayChoice, 1);

  choice->connector = g_strdup (connector != NULL ? connector : "");
  choice->model = g_strdup (model != NULL ? model : "");
  g_ptr_array_add (self->display_choices, choice);
  gtk_string_list_append (labels, label);
}

/* Lists the monitors now connected, and the remembered one if it is not. */
static void
rebuild_display_row (KassaPreferencesWindow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autofree char *connector = g_settings_get_string (self->settings,
                                                      "customer-display-connector");
  g_autofree char *model = g_settings_get_string (self->settings, "customer-display-model");
  guint selected = 0;
  guint n;

  self->updating_display = TRUE;
  g_ptr_array_set_size (self->display_choices, 0);

  add_display_choice (self, labels, _("Automatic: a monitor other than the cashier’s"), "", "");

  n = self->monitors != NULL ? g_list_model_get_n_items (self->monitors) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (self->monitors, i);
      const char *m_connector = gdk_monitor_get_connector (monitor);
      const char *m_model = gdk_monitor_get_model (monitor);
      g_autofree char *label = display_label (i + 1, m_connector, m_model);

      /* Without a connector it cannot be remembered. */
      if (m_connector == NULL || *m_connector == '\0')
        continue;

      add_display_choice (self, labels, label, m_connector, m_model);
      if (*connector != '\0' && g_strcmp0 (connector, m_connector) == 0 &&
          (selected == 0 || g_strcmp0 (model, m_model) == 0))
        selected = self->display_choices->len - 1;
    }

  if (*connector != '\0' && selected == 0)
    {
      g_autofree char *label = NULL;

      /* Translators: the remembered customer monitor, unplugged now: connector, model */
      label = g_strdup_printf (_("%s — %s (not connected)"), connector,
                               *model != '\0' ? model : _("Unknown model"));
      add_display_choice (self, labels, label, connector, model);
      selected = self->display_choices->len - 1;
    }

  adw_combo_row_set_model (self->display_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->display_row, selected);
  self->updating_display = FALSE;
}

static void
on_display_row_selected_cb (AdwComboRow            *row,
                            GParamSpec             *pspec,
                            KassaPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);
  DisplayChoice *choice;

  if (self->updating_display || selected >= self->display_choices->len)
    return;

  choice = g_ptr_array_index (self->display_choices, selected);
  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "customer-display-connector", choice->connector);
  g_settings_set_string (self->settings, "customer-display-model", choice->model);
  g_settings_apply (self->settings);
  set_message (self, _("Saved."), FALSE);
}

static void
on_monitors_changed_cb (GListModel             *monitors,
                        guint                   position,
                        guint                   removed,
                        guint                   added,
                        KassaPreferencesWindow *self)
{
  rebuild_display_row (self);
}

static void
identify_displays_action_cb (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  kassa_customer_display_identify (gtk_widget_get_display (widget), IDENTIFY_SECONDS);
}

/* ------------------------------------------------------------------ */
/* Bank account                                                        */

static gboolean
is_training (KassaPreferencesWindow *self)
{
  return self->counter != NULL && kassa_counter_get_training (self->counter);
}

static KassaManager *
get_manager (KassaPreferencesWindow *self)
{
  if (self->counter == NULL)
    return NULL;

  return kassa_till_get_manager (kassa_counter_get_till (self->counter));
}

static void
on_account_form_status_cb (KassaPreferencesWindow *self)
{
  kassa_account_form_update_actions (self->account_form, GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT_STATUS]);
}

/* Each verdict of the account form is also the window's message. */
static void
on_account_form_verdict_cb (KassaPreferencesWindow *self)
{
  KassaCredentialsStatus status = kassa_account_form_get_status (self->account_form);
  const char *message = kassa_account_form_get_status_message (self->account_form);

  if (status == KASSA_CREDENTIALS_STATUS_TESTING || status == KASSA_CREDENTIALS_STATUS_SAVING ||
      message == NULL)
    return;

  set_message (self, message, status != KASSA_CREDENTIALS_STATUS_TEST_OK &&
                              status != KASSA_CREDENTIALS_STATUS_SAVED);
}

static void
setup_account_form (KassaPreferencesWindow *self)
{
  g_autoptr(KassaSecretStore) store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  g_autoptr(KassaCredentials) credentials = kassa_credentials_new (store, self->settings);

  if (is_training (self))
    kassa_account_form_set_note (self->account_form,
                                 _("Kassa runs in training mode now: saving a terminal makes "
                                   "it take real payments from its next start."));
  kassa_account_form_set_credentials (self->account_form, credentials);

  g_signal_connect_object (self->account_form, "notify::status",
                           G_CALLBACK (on_account_form_status_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account_form, "verdict",
                           G_CALLBACK (on_account_form_verdict_cb), self, G_CONNECT_SWAPPED);
}

static void
test_connection_action_cb (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  kassa_account_form_test (KASSA_PREFERENCES_WINDOW (widget)->account_form);
}

static void
leave_training_authorised_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(KassaPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!kassa_pin_dialog_ask_finish (result, &error))
    {
      /* The window is closing: nothing to say. */
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        kassa_account_form_show_status (self->account_form, KASSA_CREDENTIALS_STATUS_NONE,
                                        KASSA_CREDENTIALS_FIELD_NONE,
                                        _("Not saved: leaving training mode needs the manager "
                                          "PIN."));
      else
        kassa_account_form_show_status (self->account_form, KASSA_CREDENTIALS_STATUS_INVALID,
                                        KASSA_CREDENTIALS_FIELD_NONE, error->message);
      return;
    }

  kassa_account_form_save (self->account_form);
}

static void
save_account_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (widget);
  KassaManager *manager = get_manager (self);

  if (!kassa_account_form_validate (self->account_form))
    return;

  /* Leaving training mode is the manager's decision, once there is a PIN. */
  if (is_training (self) && manager != NULL && kassa_manager_has_pin (manager))
    {
      kassa_pin_dialog_ask (GTK_WINDOW (self), manager, KASSA_MANAGER_ACTION_LEAVE_TRAINING,
                            _("Leave Training Mode"), self->cancellable,
                            leave_training_authorised_cb, g_object_ref (self));
      return;
    }

  kassa_account_form_save (self->account_form);
}

/* ------------------------------------------------------------------ */
/* Manager PIN                                                         */

static void
update_pin_group (KassaPreferencesWindow *self)
{
  KassaManager *manager = get_manager (self);
  gboolean has_pin = manager != NULL && kassa_manager_has_pin (manager);

  gtk_widget_set_visible (GTK_WIDGET (self->pin_old_row), has_pin);
  gtk_button_set_label (self->pin_button, has_pin ? _("Change _PIN") : _("Set _PIN"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.set-pin", manager != NULL);

  if (manager == NULL)
    adw_preferences_group_set_description (self->pin_group,
                                           _("Kassa could not open its journal: the PIN "
                                             "cannot be set now."));
  else if (has_pin)
    adw_preferences_group_set_description (self->pin_group,
                                           _("Refunds, closing the day, these preferences and "
                                             "leaving training mode ask for it. Changing it "
                                             "needs the current one."));
  else
    adw_preferences_group_set_description (self->pin_group,
                                           _("No manager PIN is set yet: anyone at the till "
                                             "can change these settings, and refunds and "
                                             "closing the day are not possible. Set one now."));
}

static void
clear_pin_rows (KassaPreferencesWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->pin_old_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->pin_new_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->pin_confirm_row), "");
}

static void
set_pin_action_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (widget);
  KassaManager *manager = get_manager (self);
  const char *old_pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_old_row));
  const char *new_pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_new_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->pin_confirm_row));
  g_autoptr(GError) error = NULL;
  gboolean had_pin;

  g_return_if_fail (manager != NULL);
  had_pin = kassa_manager_has_pin (manager);

  if (!kassa_manager_check_pin_format (new_pin, &error))
    {
      _kassa_preferences_window_mark_row (self->pin_new_row, TRUE);
      set_message (self, error->message, TRUE);
      return;
    }
  if (strcmp (new_pin, confirm) != 0)
    {
      _kassa_preferences_window_mark_row (self->pin_confirm_row, TRUE);
      set_message (self, _("The two new PINs differ; type the new PIN twice."), TRUE);
      return;
    }
  if (had_pin && *old_pin == '\0')
    {
      _kassa_preferences_window_mark_row (self->pin_old_row, TRUE);
      set_message (self, _("Enter the current PIN to change it."), TRUE);
      return;
    }

  /* Two PBKDF2 runs at most: a short pause, accepted for a rare action. */
  if (!kassa_manager_set_pin (manager, had_pin ? old_pin : NULL, new_pin, &error))
    {
      if (g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_WRONG_PIN) ||
          g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_RATE_LIMITED))
        _kassa_preferences_window_mark_row (self->pin_old_row, TRUE);
      set_message (self, error->message, TRUE);
      return;
    }

  clear_pin_rows (self);
  update_pin_group (self);
  set_message (self, had_pin ? _("The manager PIN was changed.")
                             : _("The manager PIN is set."), FALSE);
}

/* ------------------------------------------------------------------ */
/* Starting at login                                                   */

/* The application's id (the autostart entry's name), APP_ID without one. */
static const char *
autostart_app_id (KassaPreferencesWindow *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  const char *app_id = NULL;

  if (app == NULL)
    app = g_application_get_default ();
  if (app != NULL)
    app_id = g_application_get_application_id (app);

  return app_id != NULL ? app_id : APP_ID;
}

/* The switch shows @enabled, and is not taken for the person's flip. */
static void
show_autostart (KassaPreferencesWindow *self,
                gboolean                enabled)
{
  self->updating_autostart = TRUE;
  gtk_switch_set_active (self->autostart_switch, enabled);
  gtk_switch_set_state (self->autostart_switch, enabled);
  self->updating_autostart = FALSE;
}

static void
request_autostart_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  KassaPreferencesWindow *self;
  g_autoptr(GError) error = NULL;
  gboolean autostart = FALSE;

  if (!kassa_autostart_request_finish (result, &autostart, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = KASSA_PREFERENCES_WINDOW (user_data);
  gtk_widget_set_sensitive (GTK_WIDGET (self->autostart_row), TRUE);
  if (error != NULL)
    {
      /* Nothing was changed: the switch shows the last answer. */
      show_autostart (self, g_settings_get_boolean (self->settings, "autostart-requested"));
      set_message (self, error->message, TRUE);
      return;
    }

  /* The portal cannot be asked later: its answer is remembered. */
  g_settings_set_boolean (self->settings, "autostart-requested", autostart);
  show_autostart (self, autostart);
  if (self->autostart_asked && !autostart)
    set_message (self, _("The desktop did not allow Kassa to start at login."), TRUE);
}

/* GtkSwitch::state-set: the entry is written (or removed), or the portal
 * has answered, before the switch shows the new state. */
static gboolean
on_autostart_state_set_cb (KassaPreferencesWindow *self,
                           gboolean                state)
{
  const char *app_id = autostart_app_id (self);
  g_autoptr(GError) error = NULL;

  if (self->updating_autostart)
    return FALSE;

  if (self->autostart_portal)
    {
      /* The desktop may ask the person first: no second flip meanwhile, and
       * the state follows the answer (request_autostart_cb). */
      self->autostart_asked = state;
      gtk_widget_set_sensitive (GTK_WIDGET (self->autostart_row), FALSE);
      kassa_autostart_request_async (state, self->cancellable, request_autostart_cb, self);
      return TRUE;
    }

  if (kassa_autostart_set_enabled (app_id, BINDIR "/kassa", state, &error))
    return FALSE;

  /* Nothing was changed: the switch shows the entry as it is. */
  self->updating_autostart = TRUE;
  gtk_switch_set_active (self->autostart_switch, kassa_autostart_get_enabled (app_id));
  self->updating_autostart = FALSE;
  set_message (self, error->message, TRUE);
  return TRUE;
}

static void
setup_autostart (KassaPreferencesWindow *self)
{
  /* Inside Flatpak the sandbox cannot write the host's autostart folder:
   * the Background portal does, and its last answer is all Kassa knows. */
  self->autostart_portal = kassa_autostart_in_flatpak ();
  if (self->autostart_portal)
    show_autostart (self, g_settings_get_boolean (self->settings, "autostart-requested"));
  else
    show_autostart (self, kassa_autostart_get_enabled (autostart_app_id (self)));
  g_signal_connect_object (self->autostart_switch, "state-set",
                           G_CALLBACK (on_autostart_state_set_cb), self,
                           G_CONNECT_SWAPPED);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_preferences_window_constructed (GObject *object)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (kassa_preferences_window_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));

  setup_value_row (self, self->shop_name_row, "shop-name");
  setup_value_row (self, self->poll_fast_row, "poll-fast-ms");
  setup_value_row (self, self->poll_fast_period_row, "poll-fast-period-s");
  setup_value_row (self, self->poll_slow_row, "poll-slow-ms");
  setup_value_row (self, self->expiry_row, "expiry-s");
  setup_value_row (self, self->push_port_row, "push-port");
  setup_value_row (self, self->printer_row, "printer-name");
  setup_value_row (self, self->shop_address_row, "shop-address");
  setup_value_row (self, self->shop_phone_row, "shop-phone");

  setup_choice_row (self, self->language_row, "language", language_values,
                    G_N_ELEMENTS (language_values));
  setup_choice_row (self, self->qr_method_row, "qr-method", qr_method_values,
                    G_N_ELEMENTS (qr_method_values));
  setup_choice_row (self, self->paper_row, "paper-width", paper_values,
                    G_N_ELEMENTS (paper_values));

  g_settings_bind (self->settings, "push-enabled", self->push_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "auto-print-receipts", self->auto_print_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  if (is_training (self))
    adw_action_row_set_subtitle (self->push_enabled_row,
                                 _("Off while Kassa runs in training mode"));

  self->monitors = g_object_ref (gdk_display_get_monitors (gtk_widget_get_display (
                                                              GTK_WIDGET (self))));
  g_signal_connect_object (self->monitors, "items-changed",
                           G_CALLBACK (on_monitors_changed_cb), self, 0);
  rebuild_display_row (self);
  g_signal_connect_object (self->display_row, "notify::selected",
                           G_CALLBACK (on_display_row_selected_cb), self, 0);

  setup_account_form (self);
  setup_autostart (self);
  _kassa_preferences_window_setup_printer (self);

  g_signal_connect (self->pin_old_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);
  g_signal_connect (self->pin_new_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);
  g_signal_connect (self->pin_confirm_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);
  update_pin_group (self);
}

static void
kassa_preferences_window_dispose (GObject *object)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->toast);
  if (self->monitors != NULL)
    g_signal_handlers_disconnect_by_data (self->monitors, self);
  g_clear_object (&self->monitors);

  gtk_widget_dispose_template (GTK_WIDGET (self), KASSA_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (kassa_preferences_window_parent_class)->dispose (object);
}

static void
kassa_preferences_window_finalize (GObject *object)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (object);

  g_clear_object (&self->counter);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->display_choices, g_ptr_array_unref);
  g_clear_pointer (&self->printer_uris, g_ptr_array_unref);
  g_clear_pointer (&self->found_printers, g_ptr_array_unref);
  g_clear_object (&self->own_queue);
  g_clear_pointer (&self->printer_group_description, g_free);
  g_clear_pointer (&self->message, g_free);

  G_OBJECT_CLASS (kassa_preferences_window_parent_class)->finalize (object);
}

static void
kassa_preferences_window_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      g_value_set_object (value, self->counter);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    case PROP_MESSAGE_IS_ERROR:
      g_value_set_boolean (value, self->message_is_error);
      break;

    case PROP_ACCOUNT_STATUS:
      g_value_set_enum (value, kassa_account_form_get_status (self->account_form));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  KassaPreferencesWindow *self = KASSA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      self->counter = g_value_dup_object (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_preferences_window_class_init (KassaPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kassa_preferences_window_constructed;
  object_class->dispose = kassa_preferences_window_dispose;
  object_class->finalize = kassa_preferences_window_finalize;
  object_class->get_property = kassa_preferences_window_get_property;
  object_class->set_property = kassa_preferences_window_set_property;

  properties[PROP_COUNTER] =
    g_param_spec_object ("counter", NULL, NULL,
                         KASSA_TYPE_COUNTER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_MESSAGE_IS_ERROR] =
    g_param_spec_boolean ("message-is-error", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_ACCOUNT_STATUS] =
    g_param_spec_enum ("account-status", NULL, NULL,
                       KASSA_TYPE_CREDENTIALS_STATUS, KASSA_CREDENTIALS_STATUS_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KASSA_TYPE_ACCOUNT_FORM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, shop_name_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, account_form);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, pin_group);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, pin_old_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, pin_new_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, pin_confirm_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, pin_button);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, language_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, qr_method_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, poll_fast_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow,
                                        poll_fast_period_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, poll_slow_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, push_enabled_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, push_switch);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, push_port_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, display_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, printer_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, paper_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, auto_print_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow,
                                        auto_print_switch);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, autostart_group);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, autostart_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, shop_address_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, shop_phone_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow,
                                        receipt_printer_group);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow,
                                        receipt_printer_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow,
                                        receipt_printer_address_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, receipt_width_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, receipt_dots_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, cash_drawer_row);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow,
                                        cash_drawer_switch);
  gtk_widget_class_bind_template_child (widget_class, KassaPreferencesWindow, test_page_row);

  gtk_widget_class_install_action (widget_class, "prefs.test-connection", NULL,
                                   test_connection_action_cb);
  gtk_widget_class_install_action (widget_class, "prefs.save-account", NULL,
                                   save_account_action_cb);
  gtk_widget_class_install_action (widget_class, "prefs.set-pin", NULL, set_pin_action_cb);
  gtk_widget_class_install_action (widget_class, "prefs.identify-displays", NULL,
                                   identify_displays_action_cb);
  _kassa_preferences_window_install_printer_actions (widget_class);
}

static void
kassa_preferences_window_init (KassaPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->display_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) display_choice_free);
  self->printer_uris = g_ptr_array_new_with_free_func (g_free);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

GtkWindow *
kassa_preferences_window_new (GtkWindow    *parent,
                              KassaCounter *counter,
                              GSettings    *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (counter == NULL || KASSA_IS_COUNTER (counter), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (KASSA_TYPE_PREFERENCES_WINDOW,
                       "counter", counter,
                       "settings", settings,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
}

typedef struct
{
  GtkWindow    *parent;   /* weak */
  KassaCounter *counter;
  GSettings    *settings;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_weak_pointer (&data->parent);
  g_clear_object (&data->counter);
  g_clear_object (&data->settings);
  g_free (data);
}

static void
present_new (GtkWindow    *parent,
             KassaCounter *counter,
             GSettings    *settings)
{
  gtk_window_present (kassa_preferences_window_new (parent, counter, settings));
}

static void
open_authorised_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr(GError) error = NULL;

  /* No PIN yet: nobody has been made manager; the window offers to set one.
   * Otherwise the PIN dialog said why (wrong PIN, wait…), or was closed. */
  if (kassa_pin_dialog_ask_finish (result, &error) ||
      g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN))
    present_new (data->parent, data->counter, data->settings);
  else
    g_debug ("Preferences not opened: %s", error->message);

  open_data_free (data);
}

void
kassa_preferences_window_open (GtkWindow    *parent,
                               KassaCounter *counter,
                               GSettings    *settings)
{
  OpenData *data;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (counter == NULL || KASSA_IS_COUNTER (counter));
  g_return_if_fail (G_IS_SETTINGS (settings));

  if (counter == NULL)
    {
      present_new (parent, NULL, settings);
      return;
    }

  data = g_new0 (OpenData, 1);
  g_set_weak_pointer (&data->parent, parent);
  data->counter = g_object_ref (counter);
  data->settings = g_object_ref (settings);

  kassa_pin_dialog_ask (parent, kassa_till_get_manager (kassa_counter_get_till (counter)),
                        KASSA_MANAGER_ACTION_PREFERENCES, _("Open Preferences"), NULL,
                        open_authorised_cb, data);
}

GtkWidget *
kassa_preferences_window_get_row (KassaPreferencesWindow *self,
                                  const char             *key)
{
  const struct {
    const char *key;
    gpointer    row;
  } rows[] = {
    { "shop-name", self->shop_name_row },
    { "terminal", kassa_account_form_get_row (self->account_form,
                                              KASSA_CREDENTIALS_FIELD_TERMINAL) },
    { "secret", kassa_account_form_get_row (self->account_form, KASSA_CREDENTIALS_FIELD_SECRET) },
    { "bank-url", kassa_account_form_get_row (self->account_form, KASSA_CREDENTIALS_FIELD_URL) },
    { "language", self->language_row },
    { "qr-method", self->qr_method_row },
    { "poll-fast-ms", self->poll_fast_row },
    { "poll-fast-period-s", self->poll_fast_period_row },
    { "poll-slow-ms", self->poll_slow_row },
    { "expiry-s", self->expiry_row },
    { "push-enabled", self->push_enabled_row },
    { "push-port", self->push_port_row },
    { "customer-display", self->display_row },
    { "printer-name", self->printer_row },
    { "paper-width", self->paper_row },
    { "auto-print-receipts", self->auto_print_row },
    { "shop-address", self->shop_address_row },
    { "shop-phone", self->shop_phone_row },
    { "receipt-printer", self->receipt_printer_row },
    { "receipt-printer-group", self->receipt_printer_group },
    { "receipt-printer-address", self->receipt_printer_address_row },
    { "receipt-width", self->receipt_width_row },
    { "receipt-printer-dots", self->receipt_dots_row },
    { "cash-drawer", self->cash_drawer_row },
    { "test-page", self->test_page_row },
    { "autostart", self->autostart_row },
    { "pin-old", self->pin_old_row },
    { "pin-new", self->pin_new_row },
    { "pin-confirm", self->pin_confirm_row },
  };

  g_return_val_if_fail (KASSA_IS_PREFERENCES_WINDOW (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    if (strcmp (rows[i].key, key) == 0)
      return GTK_WIDGET (rows[i].row);

  return NULL;
}

const char *
kassa_preferences_window_get_message (KassaPreferencesWindow *self)
{
  g_return_val_if_fail (KASSA_IS_PREFERENCES_WINDOW (self), NULL);

  return self->message;
}

gboolean
kassa_preferences_window_get_message_is_error (KassaPreferencesWindow *self)
{
  g_return_val_if_fail (KASSA_IS_PREFERENCES_WINDOW (self), FALSE);

  return self->message_is_error;
}

KassaCredentialsStatus
kassa_preferences_window_get_account_status (KassaPreferencesWindow *self)
{
  g_return_val_if_fail (KASSA_IS_PREFERENCES_WINDOW (self), KASSA_CREDENTIALS_STATUS_NONE);

  return kassa_account_form_get_status (self->account_form);
}

void
kassa_preferences_window_set_test_timeout (KassaPreferencesWindow *self,
                                           guint                   seconds)
{
  g_return_if_fail (KASSA_IS_PREFERENCES_WINDOW (self));

  kassa_account_form_set_test_timeout (self->account_form, seconds);
}
