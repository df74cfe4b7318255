/* kassa-preferences-window.h — the manager's settings: bank, payments, display, receipts
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An AdwPreferencesWindow over the GSettings of mn.kassa.Kassa. Nothing
 * invalid is ever saved:
 * - text and number fields are AdwEntryRows with an apply button (Enter
 *   applies too): the value is checked, and either saved or refused with a
 *   sentence that says why (a toast, the row marked with the "error" class,
 *   the "message" property); a refused value leaves GSettings untouched;
 * - choices (QR mode, monitor, paper, language) and switches are saved as
 *   they are picked: every choice is valid;
 * - the bank account (terminal, secret key, bank address) is saved as a
 *   whole with its own "Save" and "Test connection": the credentials
 *   dialog's own form (KassaAccountForm over KassaCredentials). Saving a
 *   terminal while Kassa trains leaves training mode at the next start, and
 *   asks the manager PIN (action "leave-training") once one is set.
 * The application applies the settings (docs/manager.md says when each
 * takes effect): polling and expiry at once, the push listener at once,
 * the language at the next start.
 *
 * Opening it needs the manager PIN: kassa_preferences_window_open() asks it
 * (action "preferences") before the window exists.
 *
 * Row keys for kassa_preferences_window_get_row(): the GSettings key the row
 * edits ("shop-name", "shop-address", "shop-phone", "poll-fast-ms",
 * "poll-fast-period-s", "poll-slow-ms", "expiry-s", "printer-name",
 * "push-port", "qr-method", "paper-width", "language", "auto-print-receipts",
 * "push-enabled", "customer-display", "cash-drawer"), and "terminal",
 * "secret", "bank-url" for the bank account, "autostart" for "Start Kassa
 * when I log in"; for the receipt printer (docs/printing.md) "receipt-printer"
 * (the choice), "receipt-printer-address" (the network printer's host:port),
 * "receipt-width" (58 mm, 80 mm, other), "receipt-printer-dots" (the other
 * width), "test-page" (its subtitle says the last outcome and status) and
 * "receipt-printer-group" (the group: its description ends with what the
 * last look for printers found).
 *
 * The receipt printer ("receipt-printer", "receipt-printer-dots",
 * "cash-drawer"): the choice lists "None (system print dialog)", the USB
 * printers and CUPS queues found (kassa_printer_discover(), in a thread of
 * its own when the window opens and on "prefs.find-printers"), the stored
 * printer when it is not found now, and "Network printer…", which shows an
 * entry for host[:port] (port 9100) saved as tcp:HOST:PORT when applied. A
 * listed printer or width is saved as it is picked; the other width when
 * applied (kassa_escpos_check_width()). "prefs.print-test-page" prints a test
 * page through the application's print queue (without an application: one
 * of the window's own over the counter's journal), never blocking, and says
 * the outcome and the printer's status in words.
 *
 * "Start Kassa when I log in" is no GSettings key outside Flatpak: the
 * switch shows and writes the XDG autostart entry of the application's id
 * (kassa-autostart.h, starting BINDIR/kassa) as it is flipped; when that
 * fails the switch goes back to the entry's real state and the message says
 * why. Inside Flatpak it asks the Background portal (the row is insensitive
 * until the answer) and shows the last answer, kept in "autostart-requested";
 * when the portal does not answer (cancelled, refused, no portal) the switch
 * goes back and the message says why, and a "no" to autostart is a message
 * too.
 *
 * Actions (on the window): "prefs.test-connection", "prefs.save-account",
 * "prefs.identify-displays", "prefs.find-printers", "prefs.print-test-page".
 * Properties (read-only, notify): "counter" (construct-only, may be NULL),
 * "settings" (construct-only), "message" (the last verdict, or NULL),
 * "message-is-error" (boolean), "account-status" (KassaCredentialsStatus).
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"
#include "kassa-credentials.h"

G_BEGIN_DECLS

#define KASSA_TYPE_PREFERENCES_WINDOW (kassa_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (KassaPreferencesWindow, kassa_preferences_window,
                      KASSA, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Modal and transient for @parent (may be NULL). @counter may be NULL (Kassa
 * could not start): then nothing asks for the PIN inside the window. Does not
 * ask the PIN to open: use kassa_preferences_window_open(). */
GtkWindow              *kassa_preferences_window_new         (GtkWindow    *parent,
                                                             KassaCounter *counter,
                                                             GSettings    *settings);

/* Asks the manager PIN for "preferences" over @parent (kassa-pin-dialog.h),
 * then presents a new preferences window. Without a counter (Kassa could not
 * start) there is no journal to check the PIN against, and the window opens
 * without it. */
void                    kassa_preferences_window_open        (GtkWindow    *parent,
                                                             KassaCounter *counter,
                                                             GSettings    *settings);

/* The row that edits @key (see above), or NULL for an unknown key. */
GtkWidget              *kassa_preferences_window_get_row     (KassaPreferencesWindow *self,
                                                             const char             *key);
const char             *kassa_preferences_window_get_message (KassaPreferencesWindow *self);
gboolean                kassa_preferences_window_get_message_is_error
                                                            (KassaPreferencesWindow *self);
KassaCredentialsStatus  kassa_preferences_window_get_account_status
                                                            (KassaPreferencesWindow *self);
/* Seconds "Test connection" waits for the bank (default 15). */
void                    kassa_preferences_window_set_test_timeout
                                                            (KassaPreferencesWindow *self,
                                                             guint                   seconds);

/* The checks behind the rows, without a window (tests, and the application
 * re-checks what it applies). @key is one of the text/number keys above;
 * @text is what was typed; for "receipt-printer" it is a network printer's
 * host[:port] and the value its tcp: URI. On success @out_value gets the GVariant to store
 * (floating reference sunk, owned by the caller). KASSA_INPUT_ERROR with a
 * sentence for the person. Cross checks (the slow interval not shorter
 * than the fast one) read the other values from @settings. */
gboolean                kassa_preferences_check_value        (GSettings    *settings,
                                                             const char   *key,
                                                             const char   *text,
                                                             GVariant    **out_value,
                                                             GError      **error);

G_END_DECLS
