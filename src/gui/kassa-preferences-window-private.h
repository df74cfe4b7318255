/* kassa-preferences-window-private.h — what the preferences window's files share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa-preferences-window.c (the window, its checks and most groups) and
 * kassa-preferences-printer.c (the Receipt Printer group).
 */

#pragma once

#include "kassa-preferences-window.h"

#include "kassa-account-form.h"
#include "kassa-print-queue.h"

G_BEGIN_DECLS

struct _KassaPreferencesWindow
{
  AdwPreferencesWindow    parent_instance;

  KassaCounter           *counter;
  GSettings              *settings;
  GCancellable           *cancellable;      /* everything; cancelled at dispose */
  GListModel             *monitors;         /* GdkMonitor, the display's */
  GPtrArray              *display_choices;  /* DisplayChoice, parallel to display_row's model */
  gboolean                updating_display; /* display_row is being rebuilt */
  gboolean                updating_autostart; /* autostart_switch is set back */
  gboolean                autostart_portal;   /* inside Flatpak: the Background portal */
  gboolean                autostart_asked;    /* the state the portal was asked for */

  char                   *message;
  gboolean                message_is_error;
  AdwToast               *toast;            /* weak: the message's toast, while shown */

  GPtrArray              *printer_uris;     /* char*, parallel to receipt_printer_row's model;
                                             * NULL: "Network printer…" */
  gboolean                updating_printer; /* receipt_printer_row is being rebuilt */
  gboolean                saving_printer;   /* receipt_printer_row's choice is being saved */
  gboolean                updating_width;   /* receipt_width_row is being set */
  gboolean                finding_printers; /* a discovery runs */
  gboolean                printing_test;    /* a test page is on its way */
  gboolean                network_chosen;   /* "Network printer…" picked, maybe not saved */
  gboolean                other_width_chosen; /* "Other width in dots" picked */
  GPtrArray              *found_printers;   /* KassaPrinterChoice, the last discovery's */
  char                   *printer_group_description; /* the template's */
  KassaPrintQueue        *own_queue;        /* without the application's queue */

  /* Template widgets */
  AdwEntryRow            *shop_name_row;
  AdwEntryRow            *shop_address_row;
  AdwEntryRow            *shop_phone_row;
  KassaAccountForm       *account_form;
  AdwPreferencesGroup    *pin_group;
  AdwPasswordEntryRow    *pin_old_row;
  AdwPasswordEntryRow    *pin_new_row;
  AdwPasswordEntryRow    *pin_confirm_row;
  GtkButton              *pin_button;
  AdwComboRow            *language_row;
  AdwComboRow            *qr_method_row;
  AdwEntryRow            *poll_fast_row;
  AdwEntryRow            *poll_fast_period_row;
  AdwEntryRow            *poll_slow_row;
  AdwEntryRow            *expiry_row;
  AdwActionRow           *push_enabled_row;
  GtkSwitch              *push_switch;
  AdwEntryRow            *push_port_row;
  AdwComboRow            *display_row;
  AdwEntryRow            *printer_row;
  AdwComboRow            *paper_row;
  AdwActionRow           *auto_print_row;
  GtkSwitch              *auto_print_switch;
  AdwPreferencesGroup    *autostart_group;
  AdwActionRow           *autostart_row;
  GtkSwitch              *autostart_switch;
  AdwPreferencesGroup    *receipt_printer_group;
  AdwComboRow            *receipt_printer_row;
  AdwEntryRow            *receipt_printer_address_row;
  AdwComboRow            *receipt_width_row;
  AdwEntryRow            *receipt_dots_row;
  AdwActionRow           *cash_drawer_row;
  GtkSwitch              *cash_drawer_switch;
  AdwActionRow           *test_page_row;
};

/* The window's message (the "message" property) and a toast of @toast_title
 * (@message when NULL). */
void _kassa_preferences_window_say            (KassaPreferencesWindow *self,
                                               const char             *message,
                                               const char             *toast_title,
                                               gboolean                is_error);
/* A setting the administrator locked (or a backend refusing it). */
void _kassa_preferences_window_say_locked     (KassaPreferencesWindow *self);
/* Marks @row as refused (the "error" style class), or clears the mark. */
void _kassa_preferences_window_mark_row       (gpointer                row,
                                               gboolean                error);
/* @row edits @key through kassa_preferences_check_value(), starting from @text. */
void _kassa_preferences_window_setup_value_row (KassaPreferencesWindow *self,
                                                AdwEntryRow            *row,
                                                const char             *key,
                                                const char             *text);
/* Shows @text in @row as the stored value: no apply button until the person edits it. */
void _kassa_preferences_window_show_row_text  (AdwEntryRow            *row,
                                               const char             *text);

/* kassa-preferences-printer.c */
void _kassa_preferences_window_setup_printer  (KassaPreferencesWindow *self);
void _kassa_preferences_window_install_printer_actions (GtkWidgetClass *widget_class);

G_END_DECLS
