/* kassa-window.h — the cashier window
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keyboard first: the amount entry keeps the focus; Enter charges by QR, F2
 * by phone, Esc cancels, F5 checks now, F9/F10 play the customer in training
 * mode (docs/cashier.md), Ctrl+R reprints. Everything goes through the
 * KassaCounter; the window only observes invoices.
 *
 * With a print queue (kassa_window_set_print_queue()) a banner lists the
 * receipts whose print job failed, "Receipt not printed: <reason> (invoice
 * N)", today's from the journal included, with "Reprint" (Ctrl+R:
 * action "till.reprint", one new job for each); a job that starts or prints
 * takes its receipt off the banner.
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"
#include "kassa-print-queue.h"

G_BEGIN_DECLS

#define KASSA_TYPE_WINDOW (kassa_window_get_type ())

G_DECLARE_FINAL_TYPE (KassaWindow, kassa_window, KASSA, WINDOW, AdwApplicationWindow)

/* Property "counter" (KassaCounter, construct-only). */
KassaWindow  *kassa_window_new          (GtkApplication *application,
                                         KassaCounter   *counter);
KassaCounter *kassa_window_get_counter  (KassaWindow    *self);
/* Shows @text in the alert banner at the top of the window until the cashier
 * dismisses it (the counter's ::message lands there too). For news the
 * application learned before the window existed, e.g. the recovery summary. */
void          kassa_window_add_alert    (KassaWindow    *self,
                                         const char     *text);
/* What Enter (and the "Charge" button) charges with: KASSA_INVOICE_METHOD_QR
 * (the default) or KASSA_INVOICE_METHOD_DEEPLINK, from the "qr-method"
 * setting (the application keeps it in step). */
void               kassa_window_set_qr_method (KassaWindow        *self,
                                               KassaInvoiceMethod  method);
KassaInvoiceMethod kassa_window_get_qr_method (KassaWindow        *self);
/* Before the window is shown: its size and maximized state from @settings
 * (mn.kassa.Kassa: "window-width", "window-height", "window-maximized";
 * maximized by default), remembered there again when it closes. */
void               kassa_window_remember_size (KassaWindow        *self,
                                               GSettings          *settings);

/* The receipt printer's queue whose failed receipts the window shows (may be NULL). */
void               kassa_window_set_print_queue (KassaWindow        *self,
                                                 KassaPrintQueue    *queue);
/* The receipts-not-printed banner's text, or NULL when it is hidden. */
const char        *kassa_window_get_print_message (KassaWindow      *self);

G_END_DECLS
