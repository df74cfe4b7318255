/* kassa-test-ui.h — screenshots, QR decoding, real key presses, waiting and a
 * training till: what the tests of the ui suite share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests run under build-aux/with-display.sh: weston's two outputs are X
 * windows on the Xvfb display $KASSA_TEST_X_DISPLAY. Screenshots are taken
 * with ImageMagick's import, QR codes decoded with zbarimg, and keys sent with
 * xdotool (XTEST), so they reach the app through X → weston → Wayland → GTK.
 * Every function fails the test (g_error) when its tool fails.
 */

#pragma once

#include <adwaita.h>

#include "kassa-application.h"
#include "kassa-bank-sim.h"
#include "kassa-counter.h"

G_BEGIN_DECLS

/* How long the helpers below wait for anything, in seconds. */
#define KASSA_TEST_UI_LIMIT_S 20

/* Skips the current test when the display harness is not there. */
#define KASSA_TEST_UI_SKIP_WITHOUT_HARNESS()                                    \
  G_STMT_START {                                                                \
    if (!kassa_test_ui_have_harness ())                                         \
      {                                                                         \
        g_test_skip ("no display harness: run under build-aux/with-display.sh"); \
        return;                                                                 \
      }                                                                         \
  } G_STMT_END

/* Whether the display harness is there (KASSA_TEST_X_DISPLAY set). */
gboolean  kassa_test_ui_have_harness    (void);
/* The X window id of weston output @output (0 or 1), as "0x…". */
char     *kassa_test_ui_output_window   (guint        output);
/* Screenshots output @output into the artefacts folder as @name.png
 * (<build>/tests/artefacts/<name>.png) and returns its path. */
char     *kassa_test_ui_screenshot      (guint        output,
                                         const char  *name);
/* Screenshots the X window @window_id ("0x…", e.g. the output of another
 * compositor started by a test) into the artefacts folder as @name.png and
 * returns its path. */
char     *kassa_test_ui_screenshot_window (const char *window_id,
                                           const char *name);
/* The QR codes zbarimg finds in @png_path, one string each (empty array:
 * none). The payload is returned byte for byte. */
GStrv     kassa_test_ui_decode_qr       (const char  *png_path);
/* Moves the pointer onto output @output (at 200,200). weston gives that
 * output the keyboard, and opens new windows on the pointer's output. */
void      kassa_test_ui_pointer_to      (guint        output);
/* Waits until @window has the keyboard. Under load weston sometimes maps a
 * window without giving it the keyboard (seen in full CI runs); a newly
 * mapped window always gets it, so after a few seconds @window is mapped
 * again, once. Fails the test, naming @what, if it still has no keyboard. */
void      kassa_test_ui_wait_active     (GtkWindow   *window,
                                         const char  *what);
/* Clicks the first pointer button at (@x, @y) of output @output: weston
 * gives the window there the keyboard, as for a cashier's click. */
void      kassa_test_ui_click           (guint        output,
                                         guint        x,
                                         guint        y);
/* Moves the pointer onto output @output and sends the keysyms (xdotool
 * names: "1", "Return", "Escape", "ctrl+p", …) one after another. */
void      kassa_test_ui_keys            (guint        output,
                                         const char  *first_key,
                                         ...) G_GNUC_NULL_TERMINATED;
/* Types @text (ASCII letters, digits, '-', '_', ' ') key by key on output @output. */
void      kassa_test_ui_type            (guint        output,
                                         const char  *text);
/* Runs the main loop until @condition (@data) is TRUE or @timeout_s passes;
 * returns the condition's last value. */
gboolean  kassa_test_ui_wait            (gboolean   (*condition) (gpointer data),
                                         gpointer     data,
                                         guint        timeout_s);

/* G_TEST_OPTION_ISOLATE_DIRS hides the system's MIME database and icon
 * themes: without MIME data gdk-pixbuf cannot recognise an SVG, and every
 * symbolic icon is a (fatal) warning. Points GIO's MIME lookup and the
 * default display's icon theme back at the system's. Call once GTK is
 * initialised (e.g. after g_application_register() of a GtkApplication). */
void      kassa_test_ui_use_system_data (void);

/* Conditions for kassa_test_ui_wait(): *(gboolean *) @data is TRUE;
 * *(gpointer *) @data is NULL (e.g. a weak pointer to a finalized object). */
gboolean  kassa_test_ui_flag_is_set     (gpointer     data);
gboolean  kassa_test_ui_pointer_is_null (gpointer     data);
/* A condition for kassa_test_ui_wait(): @data (a GtkWidget) is mapped. */
gboolean  kassa_test_ui_widget_is_mapped (gpointer    data);

/* A test body for a run without the display harness: skips, saying why. */
void      kassa_test_ui_skip_without_harness (void);

/* Destroys @window and fails the test unless it is finalized then: no
 * reference cycle (with a counter, settings, its own async calls) keeps a
 * window alive after its destruction. */
void      kassa_test_ui_destroy_window  (GtkWindow   *window);

/* One application for a whole test run, registered (non-unique, the app's
 * resource base path) and with the system's data (see above): a
 * GtkApplication starts up once, and the windows of every test belong to it. */
AdwApplication *kassa_test_ui_app_new   (void);

/* Returns once GTK has drawn @window and weston has composited it: what the
 * model says is on screen only after a few frames of it. */
void      kassa_test_ui_wait_painted    (GtkWidget   *window);
/* kassa_test_ui_wait_painted (@window), then kassa_test_ui_screenshot
 * (@output, @name); fails unless the file is there. Returns its path. */
char     *kassa_test_ui_screenshot_of   (GtkWidget   *window,
                                         guint        output,
                                         const char  *name);

/* A training till as the application runs it: a real journal, the training
 * bank in-process (src/sim/kassa-training.h), its client, a till and a
 * counter on them. */
/* What a window shows, through public widget API: the first mapped widget
 * below @root (itself included, depth first) that @match accepts. */
typedef gboolean (*KassaTestUiWidgetMatch) (GtkWidget *widget, gconstpointer data);

GtkWidget *kassa_test_ui_find_widget         (GtkWidget              *root,
                                              KassaTestUiWidgetMatch  match,
                                              gconstpointer           data);
/* Matches: a GtkLabel whose label is @text / contains @text. */
gboolean   kassa_test_ui_is_label_with_text  (GtkWidget              *widget,
                                              gconstpointer           text);
gboolean   kassa_test_ui_is_label_containing (GtkWidget              *widget,
                                              gconstpointer           text);

typedef struct
{
  char            *journal_path;
  KassaJournal    *journal;
  KassaBankSim    *bank;
  KassaBankClient *client;
  KassaTill       *till;
  KassaCounter    *counter;
} KassaTestTill;

/* Opens @t: the journal "@name.sqlite" in the user data folder with the
 * training bank's state beside it, a client timing out after
 * @client_timeout_s, a till polling every 200 ms (and backing off at most
 * @max_backoff_s while the bank is unreachable; 0: the till's default),
 * recovered; then the counter. */
void      kassa_test_ui_till_open       (KassaTestTill *t,
                                         const char    *name,
                                         guint          client_timeout_s,
                                         guint          max_backoff_s);
/* Closes and frees what @t holds (a NULL @t->journal_path: nothing was
 * opened). The counter must be finalized with its last reference: no
 * reference cycle keeps it alive. */
void      kassa_test_ui_till_close      (KassaTestTill *t);
/* Waits until @counter's current invoice is in @state and returns it;
 * fails the test, naming the state it is in, when it does not get there. */
KassaInvoice *kassa_test_ui_wait_current_state (KassaCounter      *counter,
                                                KassaInvoiceState  state);
/* A QR sale of @amount through @counter, up to AWAITING_PAYMENT, then paid
 * by the simulated customer (@pay) or cancelled; returns the invoice (a new
 * reference). Fails the test on any error. */
KassaInvoice *kassa_test_ui_sell               (KassaCounter      *counter,
                                                gint64             amount,
                                                gboolean           pay);
/* Waits until @invoice is in @state; fails the test, naming the state it is
 * in, when it does not get there. */
void          kassa_test_ui_wait_invoice_state (KassaInvoice      *invoice,
                                                KassaInvoiceState  state);

/* The start of a test of the account windows (credentials dialog,
 * preferences): kassa_test_init(), the file secret store (no Secret Service
 * runs in the test session; never the tester's own keyring), then GTK and
 * libadwaita with the system's data. FALSE without the display harness: one
 * skipping case @no_display_path is added, and main() should return
 * g_test_run() at once. */
gboolean      kassa_test_ui_init_with_file_secrets (int               *argc,
                                                    char            ***argv,
                                                    const char        *no_display_path);

/* The start of a ui test's fixture: FALSE, the test skipped, without the
 * display harness; else a new temporary folder "@prefix-XXXXXX" and the path
 * of a journal "training.sqlite" in it (not created). */
gboolean      kassa_test_ui_temp_journal (const char  *prefix,
                                          char       **out_tmpdir,
                                          char       **out_journal_path);

/* KassaApplication in this process (non-unique, so it does not take the bus
 * name) with its journal in a temporary folder: the body of a test runs from
 * an idle inside g_application_run(), then quits the application, whose
 * shutdown closes the journal like a real quit. */
typedef struct
{
  char             *tmpdir;       /* NULL: the test was skipped */
  char             *journal_path; /* $KASSA_JOURNAL while the test runs */
  KassaApplication *app;
  gboolean          body_ran;
} KassaTestUiAppFixture;

typedef void (*KassaTestUiAppBody) (KassaTestUiAppFixture *f);

/* kassa_test_ui_temp_journal (@prefix), and KASSA_JOURNAL set to it. */
void          kassa_test_ui_app_fixture_setup    (KassaTestUiAppFixture *f,
                                                  const char            *prefix);
/* Fails unless the application is finalized; unsets KASSA_JOURNAL. */
void          kassa_test_ui_app_fixture_teardown (KassaTestUiAppFixture *f);
/* Runs a new application (with the system's data) with @body inside it;
 * fails unless the body ran. Returns its exit status. */
int           kassa_test_ui_app_run              (KassaTestUiAppFixture *f,
                                                  KassaTestUiAppBody     body);

/* The first mapped toplevel of @type, or NULL. */
GtkWindow    *kassa_test_ui_find_toplevel        (GType                  type);
/* Waits until a toplevel of @type is mapped and returns it; fails the test
 * naming the type when none is. */
GtkWindow    *kassa_test_ui_wait_toplevel        (GType                  type);
/* Waits until @editable holds @text (keys travel through X and weston);
 * fails the test saying what it holds. */
void          kassa_test_ui_wait_text            (GtkEditable           *editable,
                                                  const char            *text);
/* Waits until a mapped label below @root contains @text; fails the test
 * naming the text. */
void          kassa_test_ui_wait_label_containing (GtkWidget            *root,
                                                   const char           *text);

G_END_DECLS
