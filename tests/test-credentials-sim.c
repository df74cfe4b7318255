/* test-credentials-sim.c — KassaCredentials against kassa-bank-sim as a real process
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The account service both windows use, without a window: the connection
 * test against the simulator for every outcome the simulator can give, the
 * save into the file secret store and GSettings (memory backend), a refused
 * store changing nothing, the stored secret found and described, and a
 * cancelled test.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "kassa-core.h"
#include "kassa-credentials.h"
#include "kassa-secret-store.h"
#include "kassa-test-util.h"

#define WAIT_SECONDS 30

typedef struct
{
  KassaTestSim     *sim;
  GSettings        *settings;
  KassaSecretStore *store;
  KassaCredentials *credentials;
  char             *directory;   /* the file store's */

  /* The last verdict */
  KassaCredentialsStatus status;
  KassaCredentialsField  fields;
  char                  *message;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->sim = kassa_test_sim_spawnv (NULL);

  /* The memory backend lives as long as the process: start from the defaults. */
  f->settings = g_settings_new ("mn.kassa.Kassa");
  g_settings_reset (f->settings, "terminal");
  g_settings_reset (f->settings, "bank-url");

  f->directory = g_build_filename (g_get_user_config_dir (), "kassa", NULL);
  f->store = kassa_secret_store_new (KASSA_SECRET_BACKEND_FILE, f->directory);
  f->credentials = kassa_credentials_new (f->store, f->settings);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (g_steal_pointer (&f->credentials));
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->directory);
  g_free (f->message);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void
take_verdict (Fixture        *f,
              KassaTestAsync *w)
{
  g_autoptr(GError) error = NULL;

  kassa_test_wait_for (&w->done, WAIT_SECONDS);
  g_clear_pointer (&f->message, g_free);
  g_assert_true (kassa_credentials_verdict_finish (w->result, &f->status, &f->fields,
                                                   &f->message, &error));
  g_assert_no_error (error);
  g_clear_object (&w->result);
  g_test_message ("→ %d: %s", f->status, f->message);
}

static KassaCredentialsStatus
run_test (Fixture    *f,
          const char *terminal,
          const char *secret,
          const char *url,
          guint       timeout_s)
{
  KassaTestAsync w = { FALSE, NULL };

  kassa_credentials_test_async (f->credentials, terminal, secret, url, timeout_s, NULL,
                                kassa_test_async_done_cb, &w);
  take_verdict (f, &w);

  return f->status;
}

static KassaCredentialsStatus
run_save (Fixture    *f,
          const char *terminal,
          const char *secret,
          const char *url)
{
  KassaTestAsync w = { FALSE, NULL };

  kassa_credentials_save_async (f->credentials, terminal, secret, url, NULL,
                                kassa_test_async_done_cb, &w);
  take_verdict (f, &w);

  return f->status;
}

static void
assert_message_has (Fixture    *f,
                    const char *part)
{
  g_assert_nonnull (f->message);
  if (strstr (f->message, part) == NULL)
    g_error ("“%s” is not in the message “%s”", part, f->message);
}

static char *
stored_secret (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_sync (f->store, KASSA_TEST_TERMINAL, NULL, &error);
  g_assert_no_error (error);

  return secret;
}

static void
assert_nothing_saved (Fixture *f)
{
  g_autofree char *terminal = g_settings_get_string (f->settings, "terminal");
  g_autofree char *url = g_settings_get_string (f->settings, "bank-url");
  char *secret = stored_secret (f);

  g_assert_cmpstr (terminal, ==, "");
  g_assert_cmpstr (url, ==, KASSA_BANK_PRODUCTION_URL);
  g_assert_null (secret);
}

static gboolean
lookup_stored (Fixture  *f,
               GError  **error)
{
  KassaTestAsync w = { FALSE, NULL };
  gboolean stored;

  kassa_credentials_lookup_stored_async (f->credentials, KASSA_TEST_TERMINAL, NULL,
                                         kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_SECONDS);
  stored = kassa_credentials_lookup_stored_finish (f->credentials, w.result, error);
  g_clear_object (&w.result);

  return stored;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_connection (Fixture       *f,
                 gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  g_autofree char *spaced_url = g_strconcat (" ", url, "/ ", NULL);

  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_OK);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
  assert_message_has (f, "The connection works");
  assert_message_has (f, KASSA_TEST_TERMINAL);
  /* The simulator's answer about the made-up invoice, in its words. */
  assert_message_has (f, "NOT_FOUND");
  g_assert_null (strstr (f->message, KASSA_TEST_SECRET));

  g_assert_cmpint (run_test (f, " " KASSA_TEST_TERMINAL " ", KASSA_TEST_SECRET, spaced_url, 15),
                   ==, KASSA_CREDENTIALS_STATUS_TEST_OK);

  /* A wrong secret: the bank's checksum error. */
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, "not-the-secret", url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_SECRET);
  assert_message_has (f, "refused the secret key");
  assert_message_has (f, "CHECKSUM");
  g_assert_null (strstr (f->message, "not-the-secret"));

  /* A terminal the bank does not know. */
  g_assert_cmpint (run_test (f, "87654321", KASSA_TEST_SECRET, url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_TERMINAL);
  assert_message_has (f, "does not know terminal 87654321");

  /* Testing saves nothing. */
  assert_nothing_saved (f);
}

static void
test_connection_faults (Fixture       *f,
                        gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);

  kassa_test_sim_fault (f->sim, "check", "delay", 5000, 1);
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url, 1), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_URL);
  assert_message_has (f, "did not answer within 1 second");

  kassa_test_sim_fault (f->sim, "check", "malformed", 0, 1);
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_URL);
  assert_message_has (f, "not the bank’s payment service");

  kassa_test_sim_fault (f->sim, "check", "code500", 0, 1);
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
  assert_message_has (f, "problem on its side");

  /* Faults used up: the same values work. */
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_OK);

  /* Nothing listens at port 9 of this computer. */
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "http://127.0.0.1:9",
                             15),
                   ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_URL);
  assert_message_has (f, "Could not reach the bank");
  assert_message_has (f, "http://127.0.0.1:9");

  assert_nothing_saved (f);
}

/* Refused fields: nothing is sent, nothing saved; an empty secret with none stored. */
static void
test_invalid (Fixture       *f,
              gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);

  g_assert_cmpint (run_test (f, "12", "line\nbreak", "http://example.com", 15), ==,
                   KASSA_CREDENTIALS_STATUS_INVALID);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_TERMINAL |
                                  KASSA_CREDENTIALS_FIELD_SECRET | KASSA_CREDENTIALS_FIELD_URL);
  g_assert_cmpint (run_save (f, "12", "line\nbreak", "http://example.com"), ==,
                   KASSA_CREDENTIALS_STATUS_INVALID);
  assert_message_has (f, "8 digits");

  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, "", url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_INVALID);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_SECRET);
  assert_message_has (f, "Enter the secret key the bank issued for terminal " KASSA_TEST_TERMINAL);
  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, NULL, url), ==,
                   KASSA_CREDENTIALS_STATUS_INVALID);
  assert_message_has (f, "Enter the secret key");

  assert_nothing_saved (f);
}

static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  g_autofree char *other_url = g_strconcat (url, "/", NULL);
  g_autofree char *terminal = NULL;
  g_autofree char *saved_url = NULL;
  g_autofree char *path = NULL;
  char *secret;
  struct stat st;

  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url), ==,
                   KASSA_CREDENTIALS_STATUS_SAVED);
  assert_message_has (f, "from its next start");
  g_assert_null (strstr (f->message, KASSA_TEST_SECRET));
  terminal = g_settings_get_string (f->settings, "terminal");
  saved_url = g_settings_get_string (f->settings, "bank-url");
  g_assert_cmpstr (terminal, ==, KASSA_TEST_TERMINAL);
  g_assert_cmpstr (saved_url, ==, url);

  /* The secret is in the 0600 file, nowhere else. */
  path = g_build_filename (f->directory, "secret-" KASSA_TEST_TERMINAL, NULL);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  secret = stored_secret (f);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  kassa_secret_free (secret);

  /* An empty secret keeps the stored key: test and save use it. */
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, "", url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_OK);
  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, NULL, other_url), ==,
                   KASSA_CREDENTIALS_STATUS_SAVED);
  g_clear_pointer (&saved_url, g_free);
  saved_url = g_settings_get_string (f->settings, "bank-url");
  g_assert_cmpstr (saved_url, ==, other_url);
  secret = stored_secret (f);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  kassa_secret_free (secret);

  /* A new secret replaces the old one (and the bank refuses it). */
  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, "renewed key", url), ==,
                   KASSA_CREDENTIALS_STATUS_SAVED);
  secret = stored_secret (f);
  g_assert_cmpstr (secret, ==, "renewed key");
  kassa_secret_free (secret);
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, NULL, url, 15), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (f->fields, ==, KASSA_CREDENTIALS_FIELD_SECRET);
}

/* A store that refuses (a folder others can open): the reason, GSettings untouched. */
static void
test_save_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpint (g_mkdir_with_parents (f->directory, 0755), ==, 0);
  g_assert_cmpint (g_chmod (f->directory, 0755), ==, 0);

  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                             kassa_test_sim_get_url (f->sim)),
                   ==, KASSA_CREDENTIALS_STATUS_SAVE_FAILED);
  assert_message_has (f, "chmod 700");
  g_assert_null (strstr (f->message, KASSA_TEST_SECRET));
  {
    g_autofree char *terminal = g_settings_get_string (f->settings, "terminal");

    g_assert_cmpstr (terminal, ==, "");
  }

  /* The test's lookup of a stored secret says the same. */
  g_assert_cmpint (run_test (f, KASSA_TEST_TERMINAL, NULL, kassa_test_sim_get_url (f->sim), 15),
                   ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "chmod 700");

  g_assert_cmpint (g_chmod (f->directory, 0700), ==, 0);
  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                             kassa_test_sim_get_url (f->sim)),
                   ==, KASSA_CREDENTIALS_STATUS_SAVED);
}

/* Whether a key is stored, and the sentence that says where. */
static void
test_storage (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *where = kassa_secret_store_describe (f->store);
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;

  g_assert_false (lookup_stored (f, &error));
  g_assert_no_error (error);
  text = kassa_credentials_describe_storage (f->credentials, NULL, NULL);
  g_assert_cmpstr (text, ==, where);
  g_clear_pointer (&text, g_free);

  g_assert_cmpint (run_save (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                             kassa_test_sim_get_url (f->sim)),
                   ==, KASSA_CREDENTIALS_STATUS_SAVED);
  g_assert_true (lookup_stored (f, &error));
  g_assert_no_error (error);
  text = kassa_credentials_describe_storage (f->credentials, KASSA_TEST_TERMINAL, NULL);
  g_assert_true (g_str_has_prefix (text, where));
  g_assert_nonnull (strstr (text, "A secret key for terminal " KASSA_TEST_TERMINAL
                                  " is stored already; leave the field empty to keep it."));
  g_clear_pointer (&text, g_free);

  /* A stored file others can read: refused, and the sentence says why. */
  path = g_build_filename (f->directory, "secret-" KASSA_TEST_TERMINAL, NULL);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_false (lookup_stored (f, &error));
  g_assert_nonnull (error);
  text = kassa_credentials_describe_storage (f->credentials, KASSA_TEST_TERMINAL, error);
  g_assert_true (g_str_has_prefix (text, where));
  g_assert_nonnull (strstr (text, error->message));
  g_assert_null (strstr (text, "stored already"));
  g_assert_null (strstr (text, KASSA_TEST_SECRET));
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { FALSE, NULL };
  g_autofree char *message = NULL;

  kassa_test_sim_fault (f->sim, "check", "delay", 3000, 1);
  kassa_credentials_test_async (f->credentials, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                kassa_test_sim_get_url (f->sim), 15, cancellable,
                                kassa_test_async_done_cb, &w);
  g_cancellable_cancel (cancellable);
  kassa_test_wait_for (&w.done, WAIT_SECONDS);

  g_assert_false (kassa_credentials_verdict_finish (w.result, NULL, NULL, &message, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (message);
  g_clear_object (&w.result);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/credentials-sim/test", test_connection);
  ADD ("/credentials-sim/test/faults", test_connection_faults);
  ADD ("/credentials-sim/invalid", test_invalid);
  ADD ("/credentials-sim/save", test_save);
  ADD ("/credentials-sim/save-refused", test_save_refused);
  ADD ("/credentials-sim/storage", test_storage);
  ADD ("/credentials-sim/cancelled", test_cancelled);

#undef ADD

  return g_test_run ();
}
