/* test-ui-screens.c — the right window on the right monitor: the whole application on two outputs
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KassaApplication runs here (training mode, non-unique) on the harness'
 * weston with two outputs. weston opens a window on the pointer's output, so
 * with the pointer on either output at start: the cashier window ends there,
 * maximized and with the keyboard (real key presses, through X, weston and
 * Wayland, reach its amount entry), the customer display fullscreen on the
 * other output. Moving the cashier window to the display's output (weston
 * moves it: fullscreen on that output) sends the display to the other one.
 * The cashier window's size and state come back at the next start. Each
 * case runs in a child with LANGUAGE=mn or en; screenshots of both outputs
 * are kept as artefacts (screens-*.png).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "kassa-application.h"
#include "kassa-customer-display.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-window.h"

#define LIMIT_S 30

typedef struct
{
  KassaApplication *app;
  GdkMonitor       *outputs[2];  /* weston's screen0 (left), screen1 (right) */
  guint             pointer;     /* the output the pointer is on at start */
  const char       *language;
} Run;

typedef void (*RunBody) (Run *r);

typedef struct
{
  Run     *r;
  RunBody  body;
  gboolean ran;
} BodyData;

/* ---- the application ---- */

static gboolean
run_body_cb (gpointer user_data)
{
  BodyData *data = user_data;

  data->body (data->r);
  data->ran = TRUE;
  /* The cashier window closes as the cashier closes it (close-request), if
   * the body left it open; the display goes with it, then the application. */
  if (kassa_application_get_cashier_window (data->r->app) != NULL)
    gtk_window_close (kassa_application_get_cashier_window (data->r->app));
  g_application_quit (G_APPLICATION (data->r->app));

  return G_SOURCE_REMOVE;
}

static void
on_app_startup_cb (GApplication *app,
                   gpointer      user_data)
{
  kassa_test_ui_use_system_data ();
}

static void
find_outputs (Run *r)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());

  g_assert_cmpuint (g_list_model_get_n_items (monitors), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle geometry;

      /* weston lays screen0 left of screen1. */
      gdk_monitor_get_geometry (monitor, &geometry);
      r->outputs[geometry.x == 0 ? 0 : 1] = monitor;
    }
  g_assert_nonnull (r->outputs[0]);
  g_assert_nonnull (r->outputs[1]);
}

/* What the screenshot of @output shows 10 px from the top, in the middle:
 * the customer display's yellow training banner (fullscreen, over weston's
 * panel), or the panel or the cashier window's header bar. Independent of
 * what GTK or Kassa believe. */
static gboolean
shows_customer_display (const char *png_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (png_path, &error);
  const guchar *p;

  g_assert_no_error (error);
  p = gdk_pixbuf_get_pixels (pixbuf) + 10 * gdk_pixbuf_get_rowstride (pixbuf) +
      40 * gdk_pixbuf_get_n_channels (pixbuf);

  return p[0] > 200 && p[1] > 140 && p[2] < 100;  /* yellow, or amber in the backdrop */
}

/* Runs the application with the pointer on output @r->pointer at start and
 * @body inside it, until it quits. */
static void
run_app (Run     *r,
         RunBody  body)
{
  BodyData data = { r, body, FALSE };
  int status;

  kassa_test_ui_pointer_to (r->pointer);
  r->app = kassa_application_new ();
  g_application_set_flags (G_APPLICATION (r->app),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (r->app, "startup", G_CALLBACK (on_app_startup_cb), NULL);
  g_idle_add (run_body_cb, &data);

  status = g_application_run (G_APPLICATION (r->app), 0, NULL);
  g_assert_true (data.ran);
  g_assert_cmpint (status, ==, 0);
  g_assert_finalize_object (r->app);
  r->app = NULL;
}

/* ---- what is on screen ---- */

typedef struct
{
  Run        *r;
  guint       cashier_output;
  gboolean    cashier_fullscreen;  /* else maximized */
  GString    *why;                 /* what is not yet so, for the failure message */
} Placement;

static gboolean
placed (gpointer data)
{
  Placement *p = data;
  GtkWindow *cashier = kassa_application_get_cashier_window (p->r->app);
  GtkWindow *display = kassa_application_get_customer_display (p->r->app);
  GdkMonitor *want_display = p->r->outputs[1 - p->cashier_output];

  g_string_truncate (p->why, 0);
  if (cashier == NULL || !gtk_widget_get_mapped (GTK_WIDGET (cashier)))
    g_string_append (p->why, " the cashier window is not mapped;");
  else
    {
      /* Which output it is on: the screenshots say (assert_placed_full()). */
      if (p->cashier_fullscreen ? !gtk_window_is_fullscreen (cashier)
                                : !gtk_window_is_maximized (cashier))
        g_string_append (p->why, " the cashier window is not maximized (fullscreen);");
      if (!gtk_window_is_active (cashier))
        g_string_append (p->why, " the cashier window has no keyboard;");
    }
  if (display == NULL || !gtk_widget_get_mapped (GTK_WIDGET (display)))
    g_string_append (p->why, " the customer display is not mapped;");
  else
    {
      if (!gtk_window_is_fullscreen (display))
        g_string_append (p->why, " the customer display is not fullscreen;");
      /* Where Kassa put it; where it is, the screenshots say: weston 10
       * does not always send the leave of a window that moved. */
      if (kassa_customer_display_get_monitor (KASSA_CUSTOMER_DISPLAY (display)) != want_display)
        g_string_append (p->why, " the customer display is for the other output;");
      if (gtk_window_is_active (display))
        g_string_append (p->why, " the customer display has the keyboard;");
    }

  return p->why->len == 0;
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;

  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms. */
static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &done, LIMIT_S));
}

static void
screenshot_both (Run        *r,
                 const char *what)
{
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("screens-%s-%s-output%u", r->language, what, i);

      g_free (kassa_test_ui_screenshot (i, name));
    }
}

/* Waits until the cashier window is on output @cashier_output (maximized, or
 * fullscreen), with the keyboard, and the customer display fullscreen on the
 * other one; then checks it again a second later: it stays so. */
static void
assert_placed_full (Run      *r,
                    guint     cashier_output,
                    gboolean  cashier_fullscreen,
                    gboolean  look)
{
  g_autoptr(GString) why = g_string_new (NULL);
  Placement p = { r, cashier_output, cashier_fullscreen, why };

  gint64 until = g_get_monotonic_time () + LIMIT_S * G_USEC_PER_SEC;
  gint64 since = 0;  /* placed since then, without a break */

  /* Placed, and still placed a second later (the display may be on its way
   * when the cashier window first has the keyboard). */
  while (since == 0 || g_get_monotonic_time () - since < G_USEC_PER_SEC)
    {
      if (g_get_monotonic_time () > until)
        {
          screenshot_both (r, "failed");
          g_error ("not placed for a second within %d s:%s", LIMIT_S, why->str);
        }
      if (!placed (&p))
        since = 0;
      else if (since == 0)
        since = g_get_monotonic_time ();
      settle (50);
    }

  if (!look)
    return;

  /* What is on the screens says the same. */
  kassa_test_ui_wait_painted (GTK_WIDGET (kassa_application_get_cashier_window (r->app)));
  kassa_test_ui_wait_painted (GTK_WIDGET (kassa_application_get_customer_display (r->app)));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("screens-%s-check-output%u", r->language, i);
      g_autofree char *png = kassa_test_ui_screenshot (i, name);

      if (shows_customer_display (png) != (i != cashier_output))
        g_error ("output %u shows the %s", i,
                 i == cashier_output ? "customer display" : "cashier window");
    }
}

static void
assert_placed (Run      *r,
               guint     cashier_output,
               gboolean  cashier_fullscreen)
{
  assert_placed_full (r, cashier_output, cashier_fullscreen, TRUE);
}

static gboolean
is_amount_entry (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_ENTRY (widget) &&
         gtk_entry_get_input_purpose (GTK_ENTRY (widget)) == GTK_INPUT_PURPOSE_DIGITS;
}

static GtkWidget *
amount_entry (Run *r)
{
  GtkWidget *entry = kassa_test_ui_find_widget (GTK_WIDGET (kassa_application_get_cashier_window (r->app)),
                                                is_amount_entry, NULL);

  g_assert_nonnull (entry);
  return entry;
}

typedef struct
{
  GtkWidget  *entry;
  const char *text;
} EntryText;

static gboolean
entry_has_text (gpointer data)
{
  EntryText *e = data;

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (e->entry)), e->text) == 0;
}

/* Real key presses on the cashier's output reach the amount entry. */
static void
assert_keys_reach_amount (Run        *r,
                          guint       output,
                          const char *digits)
{
  EntryText e = { amount_entry (r), digits };

  gtk_editable_set_text (GTK_EDITABLE (e.entry), "");
  kassa_test_ui_type (output, digits);
  if (!kassa_test_ui_wait (entry_has_text, &e, LIMIT_S))
    g_error ("typed %s on output %u; the amount entry has \"%s\"", digits, output,
             gtk_editable_get_text (GTK_EDITABLE (e.entry)));
  gtk_editable_set_text (GTK_EDITABLE (e.entry), "");
}

/* ---- bodies ---- */

/* The pointer on output r->pointer at start: the cashier window there. */
static void
start_body (Run *r)
{
  g_autofree char *what = g_strdup_printf ("start-pointer%u", r->pointer);

  find_outputs (r);
  assert_placed (r, r->pointer, FALSE);
  assert_keys_reach_amount (r, r->pointer, "1500");
  kassa_test_ui_wait_painted (GTK_WIDGET (kassa_application_get_cashier_window (r->app)));
  kassa_test_ui_wait_painted (GTK_WIDGET (kassa_application_get_customer_display (r->app)));
  screenshot_both (r, what);
}

/* The cashier window moved to the display's output: the display swaps. */
static void
move_body (Run *r)
{
  GtkWindow *cashier;
  guint there;

  find_outputs (r);
  assert_placed (r, r->pointer, FALSE);
  cashier = kassa_application_get_cashier_window (r->app);
  there = 1 - r->pointer;

  /* weston lets no client move its window; it moves it to the output a
   * fullscreen request names (as a cashier would, from the keyboard). The
   * pointer follows, as the cashier's hand would. */
  kassa_test_ui_pointer_to (there);
  gtk_window_fullscreen_on_monitor (cashier, r->outputs[there]);
  assert_placed (r, there, TRUE);
  assert_keys_reach_amount (r, there, "27");
  kassa_test_ui_wait_painted (GTK_WIDGET (cashier));
  kassa_test_ui_wait_painted (GTK_WIDGET (kassa_application_get_customer_display (r->app)));
  screenshot_both (r, "moved");

  /* Back: maximized where weston puts it back; the display on the other. */
  gtk_window_unfullscreen (cashier);
  {
    g_autoptr(GString) why = g_string_new (NULL);
    Placement back[2] = { { r, 0, FALSE, why }, { r, 1, FALSE, why } };
    gboolean ok = FALSE;
    gint64 until = g_get_monotonic_time () + LIMIT_S * G_USEC_PER_SEC;

    while (!ok && g_get_monotonic_time () < until)
      {
        ok = placed (&back[0]) || placed (&back[1]);
        if (!ok)
          settle (50);
      }
    if (!ok)
      g_error ("not placed after leaving fullscreen:%s", why->str);
  }
}

static gboolean
window_is_active (gpointer window)
{
  return gtk_window_is_active (window);
}

/* Until @window is @width × @height. */
static void
wait_size (GtkWindow *window,
           int        width,
           int        height)
{
  gint64 until = g_get_monotonic_time () + LIMIT_S * G_USEC_PER_SEC;

  while ((gtk_widget_get_width (GTK_WIDGET (window)) != width ||
          gtk_widget_get_height (GTK_WIDGET (window)) != height) &&
         g_get_monotonic_time () < until)
    settle (50);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), ==, width);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), ==, height);
}

/* First start: maximized (the default). Unmaximized, it has the default
 * size; closed so: remembered as not maximized. */
static void
unmaximize_body (Run *r)
{
  GtkWindow *cashier;

  find_outputs (r);
  assert_placed (r, r->pointer, FALSE);
  cashier = kassa_application_get_cashier_window (r->app);

  gtk_window_unmaximize (cashier);
  {
    gint64 until = g_get_monotonic_time () + LIMIT_S * G_USEC_PER_SEC;

    while (gtk_window_is_maximized (cashier) && g_get_monotonic_time () < until)
      settle (50);
  }
  g_assert_false (gtk_window_is_maximized (cashier));
  wait_size (cashier, 980, 680);
}

/* Next start, with 940 × 640 remembered (as from a larger monitor before):
 * that size, not maximized, still with the keyboard, the display on the
 * other output. Maximized again and closed: remembered as maximized. */
static void
restored_body (Run *r)
{
  GtkWindow *cashier;
  int width = 0, height = 0;

  find_outputs (r);
  cashier = kassa_application_get_cashier_window (r->app);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, cashier, LIMIT_S));
  gtk_window_get_default_size (cashier, &width, &height);
  g_assert_cmpint (width, ==, 940);
  g_assert_cmpint (height, ==, 640);
  wait_size (cashier, 940, 640);
  settle (1000);
  g_assert_false (gtk_window_is_maximized (cashier));
  g_assert_true (kassa_test_ui_wait (window_is_active, cashier, LIMIT_S));
  assert_keys_reach_amount (r, r->pointer, "9");
  g_assert_true (kassa_customer_display_get_monitor (KASSA_CUSTOMER_DISPLAY (
                   kassa_application_get_customer_display (r->app))) == r->outputs[1 - r->pointer]);
  screenshot_both (r, "restored");

  gtk_window_maximize (cashier);
  assert_placed (r, r->pointer, FALSE);
}

/* ---- tests: each in a child with its LANGUAGE ---- */

typedef struct
{
  const char *language;
  guint       pointer;
} Case;

static void
reset_window_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("mn.kassa.Kassa");

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "window-maximized");
}

static void
in_child (const Case *c,
          void      (*run) (const Case *c))
{
  if (g_test_subprocess ())
    {
      g_autofree char *tmpdir = NULL;
      g_autofree char *journal = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, c->language);
      tmpdir = g_dir_make_tmp ("kassa-screens-XXXXXX", &error);
      g_assert_no_error (error);
      journal = g_build_filename (tmpdir, "training.sqlite", NULL);
      g_setenv ("KASSA_JOURNAL", journal, TRUE);
      reset_window_settings ();
      run (c);
      return;
    }

  g_setenv ("LANGUAGE", c->language, TRUE);
  g_test_trap_subprocess (NULL, 180 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("LANGUAGE");
  g_test_trap_assert_passed ();
}

static void
run_start (const Case *c)
{
  Run r = { .pointer = c->pointer, .language = c->language };

  run_app (&r, start_body);
}

static void
run_move (const Case *c)
{
  Run r = { .pointer = c->pointer, .language = c->language };

  run_app (&r, move_body);
}

static void
run_remembered (const Case *c)
{
  g_autoptr(GSettings) settings = g_settings_new ("mn.kassa.Kassa");
  Run r = { .pointer = c->pointer, .language = c->language };

  g_assert_true (g_settings_get_boolean (settings, "window-maximized"));
  run_app (&r, unmaximize_body);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 980);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 680);

  g_settings_set_int (settings, "window-width", 940);
  g_settings_set_int (settings, "window-height", 640);
  run_app (&r, restored_body);
  g_assert_true (g_settings_get_boolean (settings, "window-maximized"));
  /* The size when not maximized stays remembered. */
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 940);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 640);
}

static void
test_start (gconstpointer data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();
  in_child (data, run_start);
}

static void
test_move (gconstpointer data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();
  in_child (data, run_move);
}

static void
test_remembered (gconstpointer data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();
  in_child (data, run_remembered);
}

int
main (int   argc,
      char *argv[])
{
  static const Case start_cases[] = {
    { "en", 0 }, { "en", 1 }, { "mn", 0 }, { "mn", 1 },
  };
  static const Case move_cases[] = { { "mn", 0 }, { "en", 1 } };
  static const Case remembered_case = { "en", 1 };
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");

  kassa_test_init (&argc, &argv);
  /* As main.c does: the cashier window's strings come from this domain. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  for (guint i = 0; i < G_N_ELEMENTS (start_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ui/screens/start/%s/pointer-%u",
                                               start_cases[i].language, start_cases[i].pointer);

      g_test_add_data_func (path, &start_cases[i], test_start);
    }
  for (guint i = 0; i < G_N_ELEMENTS (move_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ui/screens/move/%s/pointer-%u",
                                               move_cases[i].language, move_cases[i].pointer);

      g_test_add_data_func (path, &move_cases[i], test_move);
    }
  g_test_add_data_func ("/ui/screens/remembered", &remembered_case, test_remembered);

  return g_test_run ();
}
