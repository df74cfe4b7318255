/* kassa-test-ui.h — screenshots, QR decoding and real key presses for the ui suite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests run under build-aux/with-display.sh: weston's two outputs are X
 * windows on the Xvfb display $KASSA_TEST_X_DISPLAY. Screenshots are taken
 * with ImageMagick's import, QR codes decoded with zbarimg, and keys sent with
 * xdotool (XTEST), so they reach the app through X → weston → Wayland → GTK.
 * Every function fails the test (g_error) when its tool fails.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the display harness is there (KASSA_TEST_X_DISPLAY set). */
gboolean  kassa_test_ui_have_harness    (void);
/* The X window id of weston output @output (0 or 1), as "0x…". */
char     *kassa_test_ui_output_window   (guint        output);
/* Screenshots output @output into the artefacts folder as @name.png
 * (<build>/tests/artefacts/<name>.png) and returns its path. */
char     *kassa_test_ui_screenshot      (guint        output,
                                         const char  *name);
/* The QR codes zbarimg finds in @png_path, one string each (empty array:
 * none). The payload is returned byte for byte. */
GStrv     kassa_test_ui_decode_qr       (const char  *png_path);
/* Moves the pointer onto output @output (at 200,200). weston gives that
 * output the keyboard, and opens new windows on the pointer's output. */
void      kassa_test_ui_pointer_to      (guint        output);
/* Moves the pointer onto output @output and sends the keysyms (xdotool
 * names: "1", "Return", "Escape", "ctrl+p", …) one after another. */
void      kassa_test_ui_keys            (guint        output,
                                         const char  *first_key,
                                         ...) G_GNUC_NULL_TERMINATED;
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

G_END_DECLS
