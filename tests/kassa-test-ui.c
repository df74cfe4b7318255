/* kassa-test-ui.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "kassa-test-ui.h"
#include "kassa-training.h"
#include "kassa-test-util.h"

static const char *
x_display (void)
{
  const char *display = g_getenv ("KASSA_TEST_X_DISPLAY");

  if (display == NULL || *display == '\0')
    g_error ("KASSA_TEST_X_DISPLAY is not set; run the ui suite under build-aux/with-display.sh");

  return display;
}

gboolean
kassa_test_ui_have_harness (void)
{
  const char *display = g_getenv ("KASSA_TEST_X_DISPLAY");

  return display != NULL && *display != '\0';
}

/* Runs @argv, fails the test unless it exits 0, returns its stdout. */
static char *
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) argv);
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("%s: %s", line, error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s\n%s", line, error->message, err);

  return g_steal_pointer (&out);
}

char *
kassa_test_ui_output_window (guint output)
{
  g_autofree char *name = g_strdup_printf ("Weston Compositor - screen%u", output);
  const char *argv[] = { "xwininfo", "-display", x_display (), "-name", name, NULL };
  g_autofree char *out = run_tool (argv);
  const char *id = strstr (out, "Window id: ");

  if (id == NULL)
    g_error ("xwininfo did not find \"%s\": %s", name, out);
  id += strlen ("Window id: ");

  return g_strndup (id, strcspn (id, " \n"));
}

char *
kassa_test_ui_screenshot_window (const char *window_id,
                                 const char *name)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "artefacts", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  char *path = g_build_filename (dir, file, NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { "import", "-display", x_display (), "-window", window_id, path, NULL };

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot create %s: %s", dir, g_strerror (errno));
  g_unlink (path);
  out = run_tool (argv);
  g_test_message ("screenshot of X window %s: %s", window_id, path);

  return path;
}

char *
kassa_test_ui_screenshot (guint       output,
                          const char *name)
{
  g_autofree char *window = kassa_test_ui_output_window (output);

  return kassa_test_ui_screenshot_window (window, name);
}

GStrv
kassa_test_ui_decode_qr (const char *png_path)
{
  const char *argv[] = { "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                         "-Sbinary", png_path, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("zbarimg: %s", error->message);

  /* zbarimg exits 4 when it found no symbol: an empty answer, not a failure. */
  if (WIFEXITED (status) && WEXITSTATUS (status) == 4)
    return g_strv_builder_end (builder);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("zbarimg %s: %s\n%s", png_path, error->message, err);

  /* With -Sbinary, symbols are not separated: one QR per screenshot is all
   * the customer display ever shows, so the whole output is one payload
   * (minus the newline zbarimg adds). */
  if (g_str_has_suffix (out, "\n"))
    out[strlen (out) - 1] = '\0';
  if (*out != '\0')
    g_strv_builder_add (builder, out);

  return g_strv_builder_end (builder);
}

void
kassa_test_ui_pointer_to (guint output)
{
  g_autofree char *window = kassa_test_ui_output_window (output);
  const char *move[] = { "xdotool", "mousemove", "--window", window, "200", "200", NULL };
  g_autofree char *moved = NULL;

  g_setenv ("DISPLAY", x_display (), TRUE);
  moved = run_tool (move);
  g_unsetenv ("DISPLAY");
}

void
kassa_test_ui_click (guint output,
                     guint x,
                     guint y)
{
  g_autofree char *window = kassa_test_ui_output_window (output);
  g_autofree char *x_text = g_strdup_printf ("%u", x);
  g_autofree char *y_text = g_strdup_printf ("%u", y);
  const char *click[] = { "xdotool", "mousemove", "--window", window, x_text, y_text,
                          "click", "1", NULL };
  g_autofree char *clicked = NULL;

  g_setenv ("DISPLAY", x_display (), TRUE);
  clicked = run_tool (click);
  g_unsetenv ("DISPLAY");
}

void
kassa_test_ui_keys (guint       output,
                    const char *first_key,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  va_list ap;

  /* The pointer on the output gives it the keyboard focus in weston. */
  kassa_test_ui_pointer_to (output);
  g_setenv ("DISPLAY", x_display (), TRUE);

  g_ptr_array_add (argv, (char *) "xdotool");
  g_ptr_array_add (argv, (char *) "key");
  g_ptr_array_add (argv, (char *) "--delay");
  g_ptr_array_add (argv, (char *) "40");
  va_start (ap, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) key);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  out = run_tool ((const char * const *) argv->pdata);
  g_unsetenv ("DISPLAY");
}

void
kassa_test_ui_type (guint       output,
                    const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      char name[2] = { *p, '\0' };

      if (*p == '-')
        kassa_test_ui_keys (output, "minus", NULL);
      else if (*p == '_')
        kassa_test_ui_keys (output, "underscore", NULL);
      else if (*p == ' ')
        kassa_test_ui_keys (output, "space", NULL);
      else
        kassa_test_ui_keys (output, name, NULL);
    }
}

gboolean
kassa_test_ui_wait (gboolean (*condition) (gpointer data),
                    gpointer   data,
                    guint      timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () >= deadline)
        return condition (data);
      /* Wake at least every 50 ms to look at the deadline. */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (G_USEC_PER_SEC / 1000);
    }

  return TRUE;
}

void
kassa_test_ui_use_system_data (void)
{
  const char * const candidates[] = { "/usr/local/share", "/usr/share" };
  g_autoptr(GStrvBuilder) mime = g_strv_builder_new ();
  g_auto(GStrv) mime_dirs = NULL;
  GtkIconTheme *theme;

  g_return_if_fail (gdk_display_get_default () != NULL);

  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *mime_dir = g_build_filename (candidates[i], "mime", NULL);
      g_autofree char *icon_dir = g_build_filename (candidates[i], "icons", NULL);

      if (g_file_test (mime_dir, G_FILE_TEST_IS_DIR))
        g_strv_builder_add (mime, mime_dir);
      if (g_file_test (icon_dir, G_FILE_TEST_IS_DIR))
        gtk_icon_theme_add_search_path (theme, icon_dir);
    }

  mime_dirs = g_strv_builder_end (mime);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs);
}

gboolean
kassa_test_ui_flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

gboolean
kassa_test_ui_pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
kassa_test_ui_destroy_window (GtkWindow *window)
{
  gpointer alive = window;

  g_object_add_weak_pointer (G_OBJECT (window), &alive);
  gtk_window_destroy (window);
  if (!kassa_test_ui_wait (kassa_test_ui_pointer_is_null, &alive, KASSA_TEST_UI_LIMIT_S))
    g_error ("a %s outlived its destruction", G_OBJECT_TYPE_NAME (alive));
}

AdwApplication *
kassa_test_ui_app_new (void)
{
  g_autoptr(GError) error = NULL;
  AdwApplication *app = adw_application_new (NULL, G_APPLICATION_NON_UNIQUE);

  g_application_set_resource_base_path (G_APPLICATION (app), "/mn/kassa/Kassa");
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  kassa_test_ui_use_system_data ();

  return app;
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  guint *frames = user_data;

  /* A commit every frame: GDK then waits for weston's "frame done", which
   * comes once weston has repainted its output. */
  gtk_widget_queue_draw (widget);
  (*frames)++;

  return G_SOURCE_CONTINUE;
}

static gboolean
three_frames (gpointer data)
{
  return *(guint *) data >= 3;
}

void
kassa_test_ui_wait_painted (GtkWidget *window)
{
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (window, count_frame_cb, &frames, NULL);

  if (!kassa_test_ui_wait (three_frames, &frames, KASSA_TEST_UI_LIMIT_S))
    g_error ("the window did not draw");
  gtk_widget_remove_tick_callback (window, id);
}

char *
kassa_test_ui_screenshot_of (GtkWidget  *window,
                             guint       output,
                             const char *name)
{
  char *path;

  kassa_test_ui_wait_painted (window);
  path = kassa_test_ui_screenshot (output, name);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  return path;
}

static void
recovered_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  g_assert_true (kassa_till_recover_finish (KASSA_TILL (source), result, &summary, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

void
kassa_test_ui_till_open (KassaTestTill *t,
                         const char    *name,
                         guint          client_timeout_s,
                         guint          max_backoff_s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_strconcat (name, ".sqlite", NULL);
  g_autofree char *secret = NULL;
  g_autofree char *state = NULL;
  gboolean recovered = FALSE;

  t->journal_path = g_build_filename (g_get_user_data_dir (), file, NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  state = kassa_training_state_path (t->journal_path);
  t->bank = kassa_training_bank_new (state, &secret, &error);
  g_assert_no_error (error);
  t->client = kassa_training_client_new (t->bank, secret, &error);
  g_assert_no_error (error);
  explicit_bzero (secret, strlen (secret));
  kassa_bank_client_set_timeout (t->client, client_timeout_s);

  t->journal = kassa_journal_open (t->journal_path, &error);
  g_assert_no_error (error);
  t->till = kassa_till_new (t->journal, t->client);
  kassa_till_set_poll_schedule (t->till, 200, 120, 200);
  if (max_backoff_s > 0)
    kassa_till_set_max_backoff (t->till, max_backoff_s);
  kassa_till_recover_async (t->till, NULL, recovered_cb, &recovered);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &recovered,
                                     KASSA_TEST_UI_LIMIT_S));
  t->counter = kassa_counter_new (t->till, KASSA_TRAINING_CUSTOMER (t->bank));
}

void
kassa_test_ui_till_close (KassaTestTill *t)
{
  if (t->counter != NULL)
    g_assert_finalize_object (g_steal_pointer (&t->counter));
  g_clear_object (&t->till);
  if (t->journal != NULL)
    kassa_journal_close (t->journal);
  g_clear_object (&t->journal);
  g_clear_object (&t->client);
  if (t->bank != NULL)
    kassa_bank_sim_shutdown (t->bank);
  g_clear_object (&t->bank);
  g_clear_pointer (&t->journal_path, g_free);
}

typedef struct
{
  KassaCounter      *counter;
  KassaInvoiceState  state;
} StateWait;

static gboolean
current_in_state (gpointer data)
{
  StateWait *w = data;
  KassaInvoice *invoice = kassa_counter_get_current_invoice (w->counter);

  return invoice != NULL && kassa_invoice_get_state (invoice) == w->state;
}

typedef struct
{
  KassaInvoice      *invoice;
  KassaInvoiceState  state;
} InvoiceWait;

static gboolean
invoice_in_state (gpointer data)
{
  InvoiceWait *w = data;

  return kassa_invoice_get_state (w->invoice) == w->state;
}

static gboolean
window_has_keyboard (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

void
kassa_test_ui_wait_active (GtkWindow  *window,
                           const char *what)
{
  if (kassa_test_ui_wait (window_has_keyboard, window, 10))
    return;

  g_test_message ("%s was not active; mapping it again", what);
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  kassa_test_ui_pointer_to (0);
  gtk_window_present (window);
  if (!kassa_test_ui_wait (window_has_keyboard, window, KASSA_TEST_UI_LIMIT_S))
    g_error ("%s did not get the keyboard", what);
}

void
kassa_test_ui_wait_invoice_state (KassaInvoice      *invoice,
                                  KassaInvoiceState  state)
{
  InvoiceWait w = { invoice, state };

  if (!kassa_test_ui_wait (invoice_in_state, &w, KASSA_TEST_UI_LIMIT_S))
    g_error ("invoice %s did not reach %s (it is %s)", kassa_invoice_get_number (invoice),
             kassa_invoice_state_to_string (state),
             kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
}

KassaInvoice *
kassa_test_ui_sell (KassaCounter *counter,
                    gint64        amount,
                    gboolean      pay)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0 };
  KassaInvoice *invoice;

  kassa_counter_charge_async (counter, amount, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, KASSA_TEST_UI_LIMIT_S));
  invoice = kassa_counter_charge_finish (counter, w.result, &error);
  g_assert_no_error (error);
  g_clear_object (&w.result);
  kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_AWAITING_PAYMENT);

  if (pay)
    {
      g_assert_true (kassa_counter_customer_pays (counter, &error));
      g_assert_no_error (error);
      kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_PAID);
    }
  else
    {
      w.done = FALSE;
      kassa_counter_cancel_async (counter, NULL, kassa_test_async_done_cb, &w);
      g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, KASSA_TEST_UI_LIMIT_S));
      g_assert_true (kassa_counter_cancel_finish (counter, w.result, &error));
      g_assert_no_error (error);
      g_clear_object (&w.result);
      kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_CANCELLED);
    }

  return invoice;
}

KassaInvoice *
kassa_test_ui_wait_current_state (KassaCounter      *counter,
                                  KassaInvoiceState  state)
{
  StateWait w = { counter, state };
  KassaInvoice *invoice;

  if (!kassa_test_ui_wait (current_in_state, &w, KASSA_TEST_UI_LIMIT_S))
    {
      invoice = kassa_counter_get_current_invoice (counter);
      g_error ("the current invoice did not reach %s (it is %s)",
               kassa_invoice_state_to_string (state),
               invoice ? kassa_invoice_state_to_string (kassa_invoice_get_state (invoice))
                       : "none");
    }

  return kassa_counter_get_current_invoice (counter);
}

/* ---- what a window shows ---- */

GtkWidget *
kassa_test_ui_find_widget (GtkWidget              *root,
                           KassaTestUiWidgetMatch  match,
                           gconstpointer           data)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = kassa_test_ui_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
kassa_test_ui_is_label_with_text (GtkWidget     *widget,
                                  gconstpointer  text)
{
  return GTK_IS_LABEL (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

gboolean
kassa_test_ui_is_label_containing (GtkWidget     *widget,
                                   gconstpointer  text)
{
  return GTK_IS_LABEL (widget) &&
         strstr (gtk_label_get_label (GTK_LABEL (widget)), text) != NULL;
}

gboolean
kassa_test_ui_widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

void
kassa_test_ui_skip_without_harness (void)
{
  g_test_skip ("needs the display harness (build-aux/with-display.sh)");
}

gboolean
kassa_test_ui_init_with_file_secrets (int          *argc,
                                      char       ***argv,
                                      const char   *no_display_path)
{
  kassa_test_init (argc, argv);
  g_setenv ("KASSA_SECRET_BACKEND", "file", TRUE);

  if (!kassa_test_ui_have_harness ())
    {
      g_test_add_func (no_display_path, kassa_test_ui_skip_without_harness);
      return FALSE;
    }

  gtk_init ();
  adw_init ();
  kassa_test_ui_use_system_data ();

  return TRUE;
}

gboolean
kassa_test_ui_temp_journal (const char  *prefix,
                            char       **out_tmpdir,
                            char       **out_journal_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strconcat (prefix, "-XXXXXX", NULL);

  *out_tmpdir = NULL;
  *out_journal_path = NULL;
  if (!kassa_test_ui_have_harness ())
    {
      g_test_skip ("needs the display harness (build-aux/with-display.sh)");
      return FALSE;
    }

  *out_tmpdir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  *out_journal_path = g_build_filename (*out_tmpdir, "training.sqlite", NULL);

  return TRUE;
}

void
kassa_test_ui_app_fixture_setup (KassaTestUiAppFixture *f,
                                 const char            *prefix)
{
  if (kassa_test_ui_temp_journal (prefix, &f->tmpdir, &f->journal_path))
    g_setenv ("KASSA_JOURNAL", f->journal_path, TRUE);
}

void
kassa_test_ui_app_fixture_teardown (KassaTestUiAppFixture *f)
{
  if (f->app != NULL)
    g_assert_finalize_object (f->app);
  g_unsetenv ("KASSA_JOURNAL");
  g_free (f->journal_path);
  g_free (f->tmpdir);
}

typedef struct
{
  KassaTestUiAppFixture *f;
  KassaTestUiAppBody     body;
} AppBodyData;

static gboolean
app_run_body_cb (gpointer user_data)
{
  AppBodyData *data = user_data;

  data->body (data->f);
  data->f->body_ran = TRUE;
  g_application_quit (G_APPLICATION (data->f->app));

  return G_SOURCE_REMOVE;
}

static void
app_startup_cb (GApplication *app,
                gpointer      user_data)
{
  kassa_test_ui_use_system_data ();
}

int
kassa_test_ui_app_run (KassaTestUiAppFixture *f,
                       KassaTestUiAppBody     body)
{
  AppBodyData data = { f, body };
  int status;

  f->app = kassa_application_new ();
  g_application_set_flags (G_APPLICATION (f->app),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (f->app, "startup", G_CALLBACK (app_startup_cb), NULL);
  g_idle_add (app_run_body_cb, &data);

  status = g_application_run (G_APPLICATION (f->app), 0, NULL);
  g_assert_true (f->body_ran);

  return status;
}

/* ---- toplevels, fields and labels ---- */

GtkWindow *
kassa_test_ui_find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
      return l->data;

  return NULL;
}

typedef struct
{
  GType      type;
  GtkWindow *found;
} ToplevelWait;

static gboolean
toplevel_shown (gpointer data)
{
  ToplevelWait *w = data;

  w->found = kassa_test_ui_find_toplevel (w->type);
  return w->found != NULL;
}

GtkWindow *
kassa_test_ui_wait_toplevel (GType type)
{
  ToplevelWait w = { type, NULL };

  if (!kassa_test_ui_wait (toplevel_shown, &w, KASSA_TEST_UI_LIMIT_S))
    g_error ("no %s was shown", g_type_name (type));
  return w.found;
}

typedef struct
{
  GtkEditable *editable;
  const char  *text;
} TextWait;

static gboolean
editable_has_text (gpointer data)
{
  TextWait *w = data;

  return g_strcmp0 (gtk_editable_get_text (w->editable), w->text) == 0;
}

void
kassa_test_ui_wait_text (GtkEditable *editable,
                         const char  *text)
{
  TextWait w = { editable, text };

  if (!kassa_test_ui_wait (editable_has_text, &w, KASSA_TEST_UI_LIMIT_S))
    g_error ("the field holds “%s”, not “%s”", gtk_editable_get_text (editable), text);
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_containing_shown (gpointer data)
{
  LabelWait *w = data;

  return kassa_test_ui_find_widget (w->root, kassa_test_ui_is_label_containing, w->text) != NULL;
}

void
kassa_test_ui_wait_label_containing (GtkWidget  *root,
                                     const char *text)
{
  LabelWait w = { root, text };

  if (!kassa_test_ui_wait (label_containing_shown, &w, KASSA_TEST_UI_LIMIT_S))
    g_error ("no label containing “%s” is shown", text);
}
