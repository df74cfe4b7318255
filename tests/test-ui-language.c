/* test-ui-language.c — the cashier window speaks Mongolian or English; the customer display both
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each language runs in a child process of this test (g_test_trap_subprocess)
 * started with LANGUAGE=mn or LANGUAGE=en under LANG=C.UTF-8, the .mo files
 * taken from the build tree (KASSA_LOCALEDIR, as for `make run`). The child
 * opens a real cashier window and customer display on a training till, makes
 * a sale and reads what the live widgets show: the cashier's words must be
 * po/mn.po's translations (read from the .po file itself, not through
 * gettext) or the English source; the customer display must show the same
 * Mongolian and English together in both.
 *
 * The "language" setting is checked on the real `kassa` executable: main.c
 * turns it into LANGUAGE before the first translated string, which its
 * --help output shows (GSettings keyfile backend, no display needed).
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "kassa-counter.h"
#include "kassa-customer-display.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-window.h"

#define LIMIT_S KASSA_TEST_UI_LIMIT_S

static AdwApplication *test_app;

/* What the cashier window shows, in its source language (the msgids). */
static const char * const idle_texts[] = {
  "_Amount (₮)",
  "Current payment",
  "Ready: type an amount and press Enter",
  "Today’s sales",
  "No sales yet today.",
  "Bank connected",
};
static const char * const awaiting_texts[] = {
  "Waiting for the customer to scan and pay",
};

/* ---- po/mn.po, read without gettext ---- */

/* The text of the C string literals in @line from its first quote on. */
static void
append_po_string (GString    *out,
                  const char *line)
{
  const char *p = strchr (line, '"');

  if (p == NULL)
    return;

  for (p++; *p != '\0' && *p != '"'; p++)
    {
      if (*p != '\\' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      g_string_append_c (out, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
    }
}

/* The msgstr of @msgid (no context, not plural) in po/mn.po; fails the test
 * when there is none: the window test is about what mn.po says. */
static char *
mn_po_translation (const char *msgid)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "po", "mn.po", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) id = g_string_new (NULL);
  g_autoptr(GString) str = g_string_new (NULL);
  GString *current = NULL;
  gboolean has_context = FALSE;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  /* One entry after another; an entry ends at a blank line. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_str_has_prefix (line, "msgctxt "))
        has_context = TRUE;
      else if (g_str_has_prefix (line, "msgid "))
        {
          g_string_truncate (id, 0);
          g_string_truncate (str, 0);
          current = id;
          append_po_string (current, line);
        }
      else if (g_str_has_prefix (line, "msgstr "))
        {
          current = str;
          append_po_string (current, line);
        }
      else if (g_str_has_prefix (line, "msgid_plural ") || g_str_has_prefix (line, "msgstr["))
        current = NULL;
      else if (line[0] == '"' && current != NULL)
        append_po_string (current, line);
      else if (line[0] == '\0' || lines[i + 1] == NULL)
        {
          if (!has_context && current == str && g_str_equal (id->str, msgid) && str->len > 0)
            return g_strdup (str->str);
          current = NULL;
          has_context = FALSE;
        }
    }

  g_error ("po/mn.po does not translate “%s”", msgid);
  return NULL;
}

static gboolean
has_cyrillic (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x0400 && c <= 0x04ff)
        return TRUE;
    }

  return FALSE;
}

/* ---- waiting for a label ---- */

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_is_shown (gpointer data)
{
  LabelWait *w = data;

  return kassa_test_ui_find_widget (w->root, kassa_test_ui_is_label_with_text, w->text) != NULL;
}

static void
assert_label_shown (GtkWidget  *root,
                    const char *text,
                    const char *what)
{
  LabelWait w = { root, text };

  if (!kassa_test_ui_wait (label_is_shown, &w, LIMIT_S))
    g_error ("%s: no label “%s” is shown", what, text);
}

static void
assert_label_not_shown (GtkWidget  *root,
                        const char *text,
                        const char *what)
{
  if (kassa_test_ui_find_widget (root, kassa_test_ui_is_label_with_text, text) != NULL)
    g_error ("%s: the label “%s” is shown", what, text);
}

/* Every text of @msgids in the window, in @language ("mn" or "en"). */
static void
assert_cashier_texts (GtkWidget          *window,
                      const char         *language,
                      const char * const *msgids,
                      gsize               n_msgids)
{
  for (gsize i = 0; i < n_msgids; i++)
    {
      g_autofree char *mn = mn_po_translation (msgids[i]);

      g_assert_true (has_cyrillic (mn));
      if (g_str_equal (language, "mn"))
        {
          assert_label_shown (window, mn, "the cashier window in Mongolian");
          assert_label_not_shown (window, msgids[i], "the cashier window in Mongolian");
        }
      else
        {
          assert_label_shown (window, msgids[i], "the cashier window in English");
          assert_label_not_shown (window, mn, "the cashier window in English");
        }
    }
}

/* The customer display shows its screen's Mongolian and English texts side
 * by side, and they are the fixed wording of @kind, whatever the language. */
static void
assert_customer_texts (KassaCustomerDisplay    *display,
                       KassaCustomerScreenKind  kind,
                       const char              *title_mn,
                       const char              *title_en)
{
  const KassaCustomerScreen *screen = kassa_customer_display_get_screen (display);

  g_assert_nonnull (screen);
  g_assert_cmpint (screen->kind, ==, kind);
  g_assert_cmpstr (screen->title_mn, ==, title_mn);
  g_assert_cmpstr (screen->title_en, ==, title_en);
  g_assert_true (has_cyrillic (screen->instruction_mn));
  g_assert_false (has_cyrillic (screen->instruction_en));
  assert_label_shown (GTK_WIDGET (display), title_mn, "the customer display in Mongolian");
  assert_label_shown (GTK_WIDGET (display), title_en, "the customer display in English");
  assert_label_shown (GTK_WIDGET (display), screen->instruction_mn,
                      "the customer display in Mongolian");
  assert_label_shown (GTK_WIDGET (display), screen->instruction_en,
                      "the customer display in English");
}

/* ---- the windows, in a child process per language ---- */

static void
charge_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GError) error = NULL;

  invoice = kassa_counter_charge_finish (KASSA_COUNTER (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

static void
run_windows (const char *language)
{
  KassaTestTill t = { 0, };
  KassaWindow *window;
  KassaCustomerDisplay *display;
  g_autoptr(GError) error = NULL;
  gboolean charged = FALSE;

  g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, language);
  g_assert_nonnull (test_app);

  kassa_test_ui_till_open (&t, "language", 5, 0);

  kassa_test_ui_pointer_to (1);
  display = kassa_customer_display_new (GTK_APPLICATION (test_app), t.counter, NULL);
  gtk_window_present (GTK_WINDOW (display));
  kassa_test_ui_pointer_to (0);
  window = kassa_window_new (GTK_APPLICATION (test_app), t.counter);
  gtk_window_present (GTK_WINDOW (window));
  kassa_test_ui_wait_painted (GTK_WIDGET (window));
  kassa_test_ui_wait_painted (GTK_WIDGET (display));

  /* Idle: the cashier's words in the language, the customer's in both. */
  assert_cashier_texts (GTK_WIDGET (window), language, idle_texts, G_N_ELEMENTS (idle_texts));
  assert_customer_texts (display, KASSA_CUSTOMER_SCREEN_IDLE, "Тавтай морилно уу", "Welcome");
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (window), 0,
                                       language[0] == 'm' ? "language-mn-cashier"
                                                          : "language-en-cashier"));

  /* A sale: the payment panel and the QR screen. */
  kassa_counter_charge_async (t.counter, 1500, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              charge_done_cb, &charged);
  kassa_test_ui_wait_current_state (t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charged, LIMIT_S);
  g_assert_true (charged);
  assert_cashier_texts (GTK_WIDGET (window), language, awaiting_texts,
                        G_N_ELEMENTS (awaiting_texts));
  assert_label_shown (GTK_WIDGET (display), "SocialPay-ээр уншуулна уу",
                      "the QR screen in Mongolian");
  assert_customer_texts (display, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT,
                         "SocialPay-ээр уншуулна уу", "Scan with SocialPay");
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (display), 1,
                                       language[0] == 'm' ? "language-mn-customer"
                                                          : "language-en-customer"));

  /* The customer pays: the thank-you screen, in both languages again. */
  kassa_counter_customer_pays (t.counter, &error);
  g_assert_no_error (error);
  kassa_test_ui_wait_current_state (t.counter, KASSA_INVOICE_PAID);
  assert_customer_texts (display, KASSA_CUSTOMER_SCREEN_PAID,
                         "Төлбөр төлөгдлөө. Баярлалаа!", "Paid. Thank you!");

  kassa_test_ui_destroy_window (GTK_WINDOW (window));
  kassa_test_ui_destroy_window (GTK_WINDOW (display));
  kassa_test_ui_till_close (&t);
}

/* In the parent: runs this test again in a child whose LANGUAGE is @language. */
static void
test_windows (gconstpointer data)
{
  const char *language = data;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  if (g_test_subprocess ())
    {
      run_windows (language);
      return;
    }

  g_setenv ("LANGUAGE", language, TRUE);
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("LANGUAGE");
  g_test_trap_assert_passed ();
}

/* ---- the "language" setting, through the real kassa ---- */

/* `kassa --help` with the setting @setting (the keyfile backend under a
 * fresh config folder) and LANGUAGE=@language; returns its stdout. */
static char *
kassa_help (const char *setting,
            const char *language)
{
  const char *kassa = g_getenv ("KASSA");
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), setting, NULL);
  g_autofree char *folder = g_build_filename (config, "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (folder, "keyfile", NULL);
  g_autofree char *contents = g_strdup_printf ("[mn/kassa/Kassa]\nlanguage='%s'\n", setting);
  g_auto(GStrv) env = g_get_environ ();
  const char *argv[] = { kassa, "--help", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_nonnull (kassa);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_file_set_contents (keyfile, contents, -1, &error);
  g_assert_no_error (error);

  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  env = g_environ_unsetenv (env, "LC_ALL");
  env = g_environ_unsetenv (env, "LC_MESSAGES");
  env = g_environ_setenv (env, "LANGUAGE", language, TRUE);

  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("kassa --help failed: %s\n%s", error->message, err);

  return g_steal_pointer (&out);
}

static void
test_setting (void)
{
  const char *summary = "QR payments with Golomt Bank SocialPay.";
  g_autofree char *summary_mn = mn_po_translation (summary);
  g_autofree char *mn = NULL;
  g_autofree char *en = NULL;
  g_autofree char *system_mn = NULL;

  if (g_getenv ("KASSA_LOCALEDIR") == NULL)
    g_error ("KASSA_LOCALEDIR is not set; run the tests with meson test");

  /* The setting wins over the environment, both ways. */
  mn = kassa_help ("mn", "en");
  g_assert_nonnull (strstr (mn, summary_mn));
  g_assert_null (strstr (mn, summary));
  en = kassa_help ("en", "mn");
  g_assert_nonnull (strstr (en, summary));
  g_assert_null (strstr (en, summary_mn));
  /* "system": the environment's language. */
  system_mn = kassa_help ("system", "mn");
  g_assert_nonnull (strstr (system_mn, summary_mn));
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");
  int status;

  kassa_test_init (&argc, &argv);
  /* As main.c does: the cashier window's strings come from this domain. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_add_data_func ("/ui/language/windows-mn", "mn", test_windows);
  g_test_add_data_func ("/ui/language/windows-en", "en", test_windows);
  g_test_add_func ("/ui/language/setting", test_setting);

  /* Only the children show windows. */
  if (kassa_test_ui_have_harness () && g_test_subprocess ())
    test_app = kassa_test_ui_app_new ();

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
