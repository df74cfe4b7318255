/* test-secret-store.c — KassaSecretStore: the private file fallback, its permission checks,
 * the backend choice, and input validation
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kassa-error.h"
#include "kassa-secret-store.h"
#include "kassa-test-util.h"

#define OTHER_TERMINAL "87654321"
#define OTHER_SECRET   "another-Secret/with spaces+ünicode"

typedef struct
{
  KassaSecretStore *store;
  char             *directory;   /* $XDG_CONFIG_HOME/kassa of this test */
  char             *path;        /* the file of KASSA_TEST_TERMINAL */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  /* G_TEST_OPTION_ISOLATE_DIRS: a fresh, empty XDG_CONFIG_HOME per test. */
  f->directory = g_build_filename (g_get_user_config_dir (), "kassa", NULL);
  f->path = g_build_filename (f->directory, "secret-" KASSA_TEST_TERMINAL, NULL);
  f->store = kassa_secret_store_new (KASSA_SECRET_BACKEND_FILE, NULL);
  g_assert_false (g_file_test (f->directory, G_FILE_TEST_EXISTS));
}

/* A GTask run in a worker thread drops its last reference (and so the
 * store's) in that thread, possibly just after its callback has run here. */
static void
wait_for_last_reference (gpointer object)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_atomic_int_get (&G_OBJECT (object)->ref_count) > 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* Put permissions back so that GLib can remove the isolated folders. */
  if (g_file_test (f->directory, G_FILE_TEST_IS_DIR))
    g_chmod (f->directory, 0700);

  wait_for_last_reference (f->store);
  g_assert_finalize_object (g_steal_pointer (&f->store));
  g_free (f->directory);
  g_free (f->path);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static gboolean
store_async (KassaSecretStore  *store,
             const char        *terminal,
             const char        *secret,
             GError           **error)
{
  KassaTestAsync wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  kassa_secret_store_store_async (store, terminal, secret, NULL, kassa_test_async_done_cb, &wait);
  g_assert_false (wait.done);   /* never inside the call */
  result = kassa_test_async_wait (&wait, 30);

  return kassa_secret_store_store_finish (store, result, error);
}

static char *
lookup_async (KassaSecretStore  *store,
              const char        *terminal,
              GError           **error)
{
  KassaTestAsync wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  kassa_secret_store_lookup_async (store, terminal, NULL, kassa_test_async_done_cb, &wait);
  g_assert_false (wait.done);
  result = kassa_test_async_wait (&wait, 30);

  return kassa_secret_store_lookup_finish (store, result, error);
}

static gboolean
clear_async (KassaSecretStore  *store,
             const char        *terminal,
             GError           **error)
{
  KassaTestAsync wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  kassa_secret_store_clear_async (store, terminal, NULL, kassa_test_async_done_cb, &wait);
  g_assert_false (wait.done);
  result = kassa_test_async_wait (&wait, 30);

  return kassa_secret_store_clear_finish (store, result, error);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, geteuid ());
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

static void
assert_lookup (KassaSecretStore *store,
               const char       *terminal,
               const char       *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_sync (store, terminal, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  kassa_secret_free (secret);

  secret = lookup_async (store, terminal, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  kassa_secret_free (secret);
}

/* A lookup that refuses with @code; the message says why and never holds @secret. */
static void
assert_lookup_fails (KassaSecretStore *store,
                     GQuark            domain,
                     gint              code,
                     const char       *message_part,
                     const char       *secret)
{
  g_autoptr(GError) error = NULL;
  char *found;

  found = kassa_secret_store_lookup_sync (store, KASSA_TEST_TERMINAL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, domain, code);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
  if (secret != NULL)
    g_assert_null (strstr (error->message, secret));
  g_test_message ("refused as expected: %s", error->message);
  g_clear_error (&error);

  found = lookup_async (store, KASSA_TEST_TERMINAL, &error);
  g_assert_null (found);
  g_assert_error (error, domain, code);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length,
            guint       mode)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents_full (path, contents, length, G_FILE_SET_CONTENTS_CONSISTENT, mode,
                            &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_file_round_trip (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_cmpint (kassa_secret_store_get_backend (f->store), ==, KASSA_SECRET_BACKEND_FILE);
  g_assert_cmpstr (kassa_secret_store_get_directory (f->store), ==, f->directory);

  /* Nothing stored yet: NULL and no error, and nothing created by looking. */
  assert_lookup (f->store, KASSA_TEST_TERMINAL, NULL);
  g_assert_false (g_file_test (f->directory, G_FILE_TEST_EXISTS));

  g_assert_true (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                                NULL, &error));
  g_assert_no_error (error);
  assert_mode (f->directory, 0700);
  assert_mode (f->path, 0600);

  /* One line, so `kassa-ctl --secret-file` can read the same file. */
  g_file_get_contents (f->path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, KASSA_TEST_SECRET "\n");

  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);
  /* Keyed by terminal. */
  assert_lookup (f->store, OTHER_TERMINAL, NULL);

  /* Replace, asynchronously; the other terminal has its own file. */
  g_assert_true (store_async (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (store_async (f->store, OTHER_TERMINAL, KASSA_TEST_SECRET, &error));
  g_assert_no_error (error);
  assert_mode (f->path, 0600);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET);
  assert_lookup (f->store, OTHER_TERMINAL, KASSA_TEST_SECRET);

  /* A second store object over the same folder sees the same secrets. */
  {
    g_autoptr(KassaSecretStore) again = kassa_secret_store_new (KASSA_SECRET_BACKEND_FILE,
                                                                f->directory);

    assert_lookup (again, KASSA_TEST_TERMINAL, OTHER_SECRET);
  }

  /* Clear: the file goes, the other terminal's stays; clearing twice is fine. */
  g_assert_true (kassa_secret_store_clear_sync (f->store, KASSA_TEST_TERMINAL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  assert_lookup (f->store, KASSA_TEST_TERMINAL, NULL);
  assert_lookup (f->store, OTHER_TERMINAL, KASSA_TEST_SECRET);
  g_assert_true (clear_async (f->store, KASSA_TEST_TERMINAL, &error));
  g_assert_no_error (error);
  g_assert_true (clear_async (f->store, OTHER_TERMINAL, &error));
  g_assert_no_error (error);
  assert_lookup (f->store, OTHER_TERMINAL, NULL);
}

/* Under a permissive umask the folder and file still come out private. */
static void
test_file_umask (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  mode_t old_umask = umask (0);

  g_assert_true (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                                NULL, &error));
  umask (old_umask);
  g_assert_no_error (error);
  assert_mode (f->directory, 0700);
  assert_mode (f->path, 0600);
}

static void
test_file_too_open (Fixture       *f,
                    gconstpointer  data)
{
  static const guint modes[] = { 0644, 0640, 0604, 0620, 0602, 0660, 0666, 0700 | 0044 };
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                                NULL, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_assert_cmpint (g_chmod (f->path, modes[i]), ==, 0);
      assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                           "chmod 600", KASSA_TEST_SECRET);
    }

  /* Made private again by hand: accepted. */
  g_assert_cmpint (g_chmod (f->path, 0400), ==, 0);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);

  /* Storing again replaces the wide file with a private one. */
  g_assert_cmpint (g_chmod (f->path, 0644), ==, 0);
  g_assert_true (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET,
                                                NULL, &error));
  g_assert_no_error (error);
  assert_mode (f->path, 0600);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET);
}

static void
test_directory_too_open (Fixture       *f,
                         gconstpointer  data)
{
  static const guint modes[] = { 0755, 0750, 0705, 0770, 0701, 0710 };
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                                NULL, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_assert_cmpint (g_chmod (f->directory, modes[i]), ==, 0);
      assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                           "chmod 700", KASSA_TEST_SECRET);

      /* Storing is refused too, and changes nothing. */
      g_assert_false (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET,
                                                     NULL, &error));
      g_assert_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE);
      g_assert_null (strstr (error->message, OTHER_SECRET));
      g_clear_error (&error);
      g_assert_false (store_async (f->store, OTHER_TERMINAL, OTHER_SECRET, &error));
      g_assert_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE);
      g_clear_error (&error);
    }

  g_assert_cmpint (g_chmod (f->directory, 0700), ==, 0);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);
  assert_lookup (f->store, OTHER_TERMINAL, NULL);
}

/* A folder that exists already with wide permissions is not tightened behind
 * the user's back: it is refused, and stays as it was. */
static void
test_directory_preexisting (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (f->directory, 0755), ==, 0);
  g_assert_cmpint (g_chmod (f->directory, 0755), ==, 0);

  g_assert_false (store_async (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, &error));
  g_assert_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE);
  g_assert_nonnull (strstr (error->message, f->directory));
  g_clear_error (&error);
  assert_mode (f->directory, 0755);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  /* A file where the folder should be. */
  g_assert_cmpint (g_rmdir (f->directory), ==, 0);
  write_file (f->directory, "x", -1, 0600);
  g_assert_false (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL,
                                                 KASSA_TEST_SECRET, NULL, &error));
  g_assert_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE);
  g_clear_error (&error);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                       NULL, NULL);
  g_assert_cmpint (g_unlink (f->directory), ==, 0);
}

static void
test_other_owner (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("changing a file's owner needs root");
      return;
    }

  g_assert_true (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                                NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (chown (f->path, 65534, 65534), ==, 0);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                       "another user", KASSA_TEST_SECRET);
  g_assert_cmpint (chown (f->path, 0, 0), ==, 0);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);

  g_assert_cmpint (chown (f->directory, 65534, 65534), ==, 0);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                       "another user", KASSA_TEST_SECRET);
  g_assert_false (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET,
                                                 NULL, &error));
  g_assert_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE);
  g_assert_cmpint (chown (f->directory, 0, 0), ==, 0);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);
}

static void
test_not_a_regular_file (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (f->directory, "elsewhere", NULL);

  /* A symbolic link, even to a private file of ours, is not followed. */
  write_file (target, KASSA_TEST_SECRET "\n", -1, 0600);
  g_assert_cmpint (symlink (target, f->path), ==, 0);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                       "symbolic link", KASSA_TEST_SECRET);
  g_assert_false (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, OTHER_SECRET,
                                                 NULL, &error));
  g_assert_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (f->path), ==, 0);

  /* A folder in its place. */
  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                       NULL, NULL);
  g_assert_cmpint (g_rmdir (f->path), ==, 0);
}

/* Files written by hand (`echo KEY > file; chmod 600 file`). */
static void
test_file_contents (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *big = g_strnfill (5000, 'k');

  write_file (f->path, KASSA_TEST_SECRET, -1, 0600);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);
  write_file (f->path, KASSA_TEST_SECRET "\r\n", -1, 0600);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);
  write_file (f->path, " spaced secret \n", -1, 0600);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, " spaced secret ");

  write_file (f->path, "", -1, 0600);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                       "No secret key", NULL);
  write_file (f->path, "\n", -1, 0600);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                       NULL, NULL);
  write_file (f->path, "line-one\nline-two\n", -1, 0600);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                       "control characters", "line-one");
  write_file (f->path, "nul\0byte\n", 9, 0600);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                       "NUL", "nul");
  write_file (f->path, "bad\xff utf8", -1, 0600);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                       NULL, "bad");
  write_file (f->path, big, -1, 0600);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                       "too big", big);
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  static const char * const bad_terminals[] = {
    NULL, "", "1234567", "123456789", "1234567a", "../../12", "12345678/..", " 12345678",
    "1234567\n", "１２３４５６７８",
  };
  static const char * const bad_secrets[] = {
    NULL, "", "tab\there", "line\nbreak", "trailing-newline\n", "bad\xff",
  };
  g_autoptr(GError) error = NULL;
  char *secret;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_terminals); i++)
    {
      const char *terminal = bad_terminals[i];

      g_assert_false (kassa_secret_store_store_sync (f->store, terminal, KASSA_TEST_SECRET,
                                                     NULL, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL);
      g_clear_error (&error);
      g_assert_false (store_async (f->store, terminal, KASSA_TEST_SECRET, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL);
      g_clear_error (&error);

      secret = kassa_secret_store_lookup_sync (f->store, terminal, NULL, &error);
      g_assert_null (secret);
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL);
      g_clear_error (&error);
      secret = lookup_async (f->store, terminal, &error);
      g_assert_null (secret);
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL);
      g_clear_error (&error);

      g_assert_false (kassa_secret_store_clear_sync (f->store, terminal, NULL, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL);
      g_clear_error (&error);
      g_assert_false (clear_async (f->store, terminal, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL);
      g_clear_error (&error);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad_secrets); i++)
    {
      const char *bad = bad_secrets[i];

      g_assert_false (kassa_secret_store_store_sync (f->store, KASSA_TEST_TERMINAL, bad,
                                                     NULL, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET);
      if (bad != NULL && *bad != '\0')
        g_assert_null (strstr (error->message, bad));
      g_clear_error (&error);
      g_assert_false (store_async (f->store, KASSA_TEST_TERMINAL, bad, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET);
      g_clear_error (&error);
    }

  /* Nothing was written anywhere. */
  g_assert_false (g_file_test (f->directory, G_FILE_TEST_EXISTS));
}

static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* Without a session bus (kiosk, tests) AUTO settles on the file. */
static void
test_auto_without_bus (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KassaSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *old_address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autofree char *missing = g_build_filename (g_get_user_runtime_dir (), "no-such-bus", NULL);
  g_autofree char *address = g_strconcat ("unix:path=", missing, NULL);
  KassaTestAsync wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;
  guint notified = 0;

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  g_unsetenv ("KASSA_SECRET_BACKEND");

  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  g_signal_connect (store, "notify::backend", G_CALLBACK (on_notify_cb), &notified);
  g_assert_cmpint (kassa_secret_store_get_backend (store), ==, KASSA_SECRET_BACKEND_AUTO);
  description = kassa_secret_store_describe (store);
  g_assert_cmpstr (description, !=, "");
  g_clear_pointer (&description, g_free);

  kassa_secret_store_resolve_async (store, NULL, kassa_test_async_done_cb, &wait);
  result = kassa_test_async_wait (&wait, 30);
  g_assert_cmpint (kassa_secret_store_resolve_finish (store, result, &error), ==,
                   KASSA_SECRET_BACKEND_FILE);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_secret_store_get_backend (store), ==, KASSA_SECRET_BACKEND_FILE);
  g_assert_cmpuint (notified, ==, 1);

  description = kassa_secret_store_describe (store);
  g_assert_nonnull (strstr (description, f->directory));
  g_assert_cmpstr (kassa_secret_backend_to_string (KASSA_SECRET_BACKEND_FILE), ==, "file");

  /* And an operation on a fresh AUTO store resolves on its own. */
  g_clear_object (&store);
  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  g_assert_true (store_async (store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_secret_store_get_backend (store), ==, KASSA_SECRET_BACKEND_FILE);
  assert_mode (f->path, 0600);
  assert_lookup (f->store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET);

  /* The synchronous path (kassa-ctl) decides the same. */
  g_clear_object (&store);
  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  g_assert_cmpint (kassa_secret_store_resolve_sync (store, NULL), ==, KASSA_SECRET_BACKEND_FILE);

  if (old_address != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", old_address, TRUE);
  else
    g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_setenv ("KASSA_SECRET_BACKEND", "file", TRUE);
}

/* KASSA_SECRET_BACKEND=file forces the file even where a keyring may run. */
static void
test_auto_forced (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KassaSecretStore) store = NULL;
  g_autoptr(KassaSecretStore) fixed = NULL;

  g_setenv ("KASSA_SECRET_BACKEND", "file", TRUE);
  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  g_assert_cmpint (kassa_secret_store_resolve_sync (store, NULL), ==, KASSA_SECRET_BACKEND_FILE);

  /* An explicit backend is not overridden. */
  g_setenv ("KASSA_SECRET_BACKEND", "file", TRUE);
  fixed = kassa_secret_store_new (KASSA_SECRET_BACKEND_SECRET_SERVICE, f->directory);
  g_assert_cmpint (kassa_secret_store_resolve_sync (fixed, NULL), ==,
                   KASSA_SECRET_BACKEND_SECRET_SERVICE);
  g_setenv ("KASSA_SECRET_BACKEND", "file", TRUE);
}

/* The real Secret Service, only where one runs and the tester asks for it
 * (it writes to the keyring of the user running the tests). */
static void
test_secret_service (void)
{
  g_autoptr(KassaSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *terminal = "00000042";
  char *secret;

  if (g_getenv ("KASSA_TEST_KEYRING") == NULL)
    {
      g_test_skip ("set KASSA_TEST_KEYRING=1 to test against a running Secret Service");
      return;
    }

  g_unsetenv ("KASSA_SECRET_BACKEND");
  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  if (kassa_secret_store_resolve_sync (store, NULL) != KASSA_SECRET_BACKEND_SECRET_SERVICE)
    {
      g_test_skip ("no Secret Service on the session bus");
      return;
    }

  g_assert_true (store_async (store, terminal, KASSA_TEST_SECRET, &error));
  g_assert_no_error (error);
  secret = lookup_async (store, terminal, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  kassa_secret_free (secret);
  g_assert_true (kassa_secret_store_store_sync (store, terminal, OTHER_SECRET, NULL, &error));
  g_assert_no_error (error);
  secret = kassa_secret_store_lookup_sync (store, terminal, NULL, &error);
  g_assert_cmpstr (secret, ==, OTHER_SECRET);
  kassa_secret_free (secret);
  /* Nothing went to the file. */
  g_assert_false (g_file_test (kassa_secret_store_get_directory (store), G_FILE_TEST_EXISTS));
  g_assert_true (clear_async (store, terminal, &error));
  g_assert_no_error (error);
  secret = lookup_async (store, terminal, &error);
  g_assert_no_error (error);
  g_assert_null (secret);
}

/* The store and `kassa-ctl --secret-file` share one rule: kassa_secret_file_read(). */
static void
assert_read_fails (const char *path,
                   GQuark      domain,
                   gint        code,
                   const char *message_part)
{
  g_autoptr(GError) error = NULL;
  char *secret = kassa_secret_file_read (path, &error);

  g_assert_null (secret);
  g_assert_error (error, domain, code);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
  g_assert_null (strstr (error->message, KASSA_TEST_SECRET));
  g_test_message ("refused as expected: %s", error->message);
}

static void
test_secret_file_read (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *good = g_build_filename (f->directory, "good", NULL);
  g_autofree char *fifo = g_build_filename (f->directory, "fifo", NULL);
  g_autofree char *link = g_build_filename (f->directory, "link", NULL);
  g_autofree char *big = g_build_filename (f->directory, "big", NULL);
  g_autofree char *limit = g_build_filename (f->directory, "limit", NULL);
  g_autofree char *missing = g_build_filename (f->directory, "missing", NULL);
  g_autofree char *big_text = g_strnfill (5 * 1024, 'k');
  g_autofree char *limit_text = g_strnfill (4096, 'k');
  g_autoptr(GError) error = NULL;
  char *secret;

  write_file (good, KASSA_TEST_SECRET "\n", -1, 0600);
  secret = kassa_secret_file_read (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  kassa_secret_free (secret);

  /* Exactly 4 KiB is allowed; one byte more is not. */
  write_file (limit, limit_text, -1, 0600);
  secret = kassa_secret_file_read (limit, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (secret), ==, 4096);
  kassa_secret_free (secret);

  write_file (big, big_text, -1, 0600);
  assert_read_fails (big, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID, "too big");

  /* Neither is read: one would never end, the other never start. */
  assert_read_fails ("/dev/zero", KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                     "regular file");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_read_fails (fifo, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                     "regular file");

  g_assert_cmpint (symlink (good, link), ==, 0);
  assert_read_fails (link, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                     "symbolic link");

  g_assert_cmpint (g_chmod (good, 0644), ==, 0);
  assert_read_fails (good, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                     "chmod 600");

  write_file (good, "", -1, 0600);
  assert_read_fails (good, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID, NULL);
  write_file (good, KASSA_TEST_SECRET "\nsecond line\n", -1, 0600);
  assert_read_fails (good, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID, NULL);

  assert_read_fails (missing, G_FILE_ERROR, G_FILE_ERROR_NOENT, NULL);
}

/* A FIFO where the store's file belongs: refused at once, not waited on. */
static void
test_store_fifo (Fixture       *f,
                 gconstpointer  data)
{
  g_assert_cmpint (g_mkdir_with_parents (f->directory, 0700), ==, 0);
  g_assert_cmpint (mkfifo (f->path, 0600), ==, 0);
  assert_lookup_fails (f->store, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                       "regular file", NULL);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  /* The file backend unless a test says otherwise. */
  g_setenv ("KASSA_SECRET_BACKEND", "file", TRUE);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/secret-store/file/round-trip", test_file_round_trip);
  ADD ("/secret-store/file/umask", test_file_umask);
  ADD ("/secret-store/file/too-open", test_file_too_open);
  ADD ("/secret-store/file/directory-too-open", test_directory_too_open);
  ADD ("/secret-store/file/directory-preexisting", test_directory_preexisting);
  ADD ("/secret-store/file/other-owner", test_other_owner);
  ADD ("/secret-store/file/not-a-regular-file", test_not_a_regular_file);
  ADD ("/secret-store/file/contents", test_file_contents);
  ADD ("/secret-store/file/secret-file-read", test_secret_file_read);
  ADD ("/secret-store/file/fifo", test_store_fifo);
  ADD ("/secret-store/bad-input", test_bad_input);
  ADD ("/secret-store/auto/without-bus", test_auto_without_bus);
  ADD ("/secret-store/auto/forced", test_auto_forced);
  g_test_add_func ("/secret-store/secret-service", test_secret_service);

#undef ADD

  return g_test_run ();
}
