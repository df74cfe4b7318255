/* kassa-manager.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PIN hash and the rate-limit state live in the journal's meta table, the
 * audit rows in its audit table: a restart forgets nothing. docs/journal.md
 * lists the keys.
 */

#include "config.h"

#include "kassa-manager.h"
#include "kassa-manager-private.h"

#include <string.h>

#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define PIN_META_KEY         "manager-pin"
#define FAILURES_META_KEY    "manager-pin-failures"
#define FAILED_AT_META_KEY   "manager-pin-failed-at"

#define PIN_SALT_BYTES       16
#define PIN_HASH_BYTES       32
/* PINs written before issue 5 may have up to 12 digits; they are still accepted. */
#define PIN_LEGACY_MAX_DIGITS 12

struct _KassaManager
{
  GObject            parent_instance;

  KassaJournal      *journal;
  KassaManagerClock  clock;
  gpointer           clock_data;

  /* Authorisations wait here and are checked one at a time, so parallel
   * guesses cannot run ahead of the rate limit. */
  GQueue             queue;
  gboolean           busy;
};

enum {
  PROP_0,
  PROP_JOURNAL,
  PROP_HAS_PIN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaManager, kassa_manager, G_TYPE_OBJECT)

G_DEFINE_QUARK (kassa-manager-error-quark, kassa_manager_error)

typedef struct
{
  char *pin;
  char *action;
  char *reason;
  char *subject;
} Request;

typedef struct
{
  GTask    *request_task;  /* the caller's */
  char     *stored;
  char     *pin;
  char     *new_hash;      /* set by the thread: a re-hash with today's count */
} Check;

static void process_queue (KassaManager *self);

/* ── the hash ─────────────────────────────────────────────────────────── */

static void
wipe_string (char *text)
{
  if (text != NULL)
    OPENSSL_cleanse (text, strlen (text));
  g_free (text);
}

static void
request_free (Request *request)
{
  wipe_string (request->pin);
  g_free (request->action);
  g_free (request->reason);
  g_free (request->subject);
  g_free (request);
}

static void
check_free (Check *check)
{
  g_clear_object (&check->request_task);
  g_free (check->stored);
  wipe_string (check->pin);
  g_free (check->new_hash);
  g_free (check);
}

gboolean
kassa_manager_pbkdf2_sha256 (const void *password,
                             gsize       password_len,
                             const void *salt,
                             gsize       salt_len,
                             guint       iterations,
                             guint8     *out,
                             gsize       out_len)
{
  g_return_val_if_fail (password != NULL || password_len == 0, FALSE);
  g_return_val_if_fail (iterations > 0, FALSE);

  if (password_len > G_MAXINT || salt_len > G_MAXINT || out_len > G_MAXINT ||
      iterations > G_MAXINT)
    return FALSE;

  return PKCS5_PBKDF2_HMAC (password != NULL ? password : "", (int) password_len,
                            salt, (int) salt_len, (int) iterations, EVP_sha256 (),
                            (int) out_len, out) == 1;
}

static char *
to_hex (const guint8 *data,
        gsize         len)
{
  GString *s = g_string_sized_new (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);

  return g_string_free (s, FALSE);
}

static guint8 *
from_hex (const char *hex,
          gsize      *out_len)
{
  gsize len = strlen (hex);
  g_autofree guint8 *data = NULL;

  if (len == 0 || len % 2 != 0 || len > 256)
    return NULL;

  data = g_malloc (len / 2);
  for (gsize i = 0; i < len / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return NULL;
      data[i] = (guint8) (hi << 4 | lo);
    }

  *out_len = len / 2;
  return g_steal_pointer (&data);
}

char *
kassa_manager_hash_pin (const char  *pin,
                        guint        iterations,
                        GError     **error)
{
  guint8 salt[PIN_SALT_BYTES];
  guint8 hash[PIN_HASH_BYTES];
  g_autofree char *salt_hex = NULL;
  g_autofree char *hash_hex = NULL;

  g_return_val_if_fail (pin != NULL, NULL);

  if (RAND_bytes (salt, sizeof salt) != 1 ||
      !kassa_manager_pbkdf2_sha256 (pin, strlen (pin), salt, sizeof salt, iterations,
                                    hash, sizeof hash))
    {
      g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN,
                           _("The PIN could not be protected (no random numbers available)"));
      return NULL;
    }

  salt_hex = to_hex (salt, sizeof salt);
  hash_hex = to_hex (hash, sizeof hash);
  OPENSSL_cleanse (hash, sizeof hash);

  return g_strdup_printf ("pbkdf2-sha256$%u$%s$%s", iterations, salt_hex, hash_hex);
}

gboolean
kassa_manager_verify_hash (const char *stored,
                           const char *pin,
                           guint      *out_iterations)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *expected = NULL;
  guint8 hash[PIN_HASH_BYTES];
  gsize salt_len = 0, expected_len = 0;
  guint64 iterations = 0;
  gboolean ok;

  if (out_iterations != NULL)
    *out_iterations = 0;
  if (stored == NULL || pin == NULL)
    return FALSE;

  parts = g_strsplit (stored, "$", -1);
  if (g_strv_length (parts) != 4 || g_strcmp0 (parts[0], "pbkdf2-sha256") != 0 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1000, 10000000, &iterations, NULL))
    return FALSE;

  salt = from_hex (parts[2], &salt_len);
  expected = from_hex (parts[3], &expected_len);
  if (salt == NULL || expected == NULL || expected_len != PIN_HASH_BYTES)
    return FALSE;

  if (out_iterations != NULL)
    *out_iterations = (guint) iterations;

  if (!kassa_manager_pbkdf2_sha256 (pin, strlen (pin), salt, salt_len, (guint) iterations,
                                    hash, sizeof hash))
    return FALSE;

  ok = CRYPTO_memcmp (hash, expected, PIN_HASH_BYTES) == 0;
  OPENSSL_cleanse (hash, sizeof hash);

  return ok;
}

guint
kassa_manager_pbkdf2_iterations (void)
{
  const char *value = g_getenv ("KASSA_TEST_PBKDF2_ITERATIONS");
  guint64 iterations = 0;

  if (value != NULL && *value != '\0' &&
      g_ascii_string_to_unsigned (value, 10, 1000, KASSA_MANAGER_PBKDF2_ITERATIONS,
                                  &iterations, NULL))
    return (guint) iterations;

  return KASSA_MANAGER_PBKDF2_ITERATIONS;
}

/* ── PIN forms ────────────────────────────────────────────────────────── */

static gboolean
all_digits (const char *pin)
{
  for (const char *p = pin; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;

  return TRUE;
}

gboolean
kassa_manager_check_pin_format (const char  *pin,
                                GError     **error)
{
  gsize len;

  if (pin == NULL || *pin == '\0')
    {
      g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN,
                           _("Enter a manager PIN of 4 to 8 digits"));
      return FALSE;
    }

  if (!all_digits (pin))
    {
      g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN,
                           _("A manager PIN has only digits (0–9), no letters, spaces or "
                             "other signs"));
      return FALSE;
    }

  len = strlen (pin);
  if (len < KASSA_MANAGER_PIN_MIN_DIGITS || len > KASSA_MANAGER_PIN_MAX_DIGITS)
    {
      g_set_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN,
                   g_dngettext (GETTEXT_PACKAGE,
                                "A manager PIN has 4 to 8 digits, not %u",
                                "A manager PIN has 4 to 8 digits, not %u",
                                (gulong) len),
                   (guint) len);
      return FALSE;
    }

  return TRUE;
}

/* The form of a PIN given to be checked: today's, or a longer one of an
 * older Kassa. Nothing of another form can match, so it is not counted. */
static gboolean
check_given_pin (const char  *pin,
                 GError     **error)
{
  gsize len;

  if (pin == NULL || *pin == '\0')
    {
      g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN,
                           _("This needs the manager PIN"));
      return FALSE;
    }

  len = strlen (pin);
  if (!all_digits (pin) || len < KASSA_MANAGER_PIN_MIN_DIGITS || len > PIN_LEGACY_MAX_DIGITS)
    return kassa_manager_check_pin_format (pin, error);

  return TRUE;
}

/* ── the rate limit ───────────────────────────────────────────────────── */

static gint64
manager_now (KassaManager *self)
{
  return self->clock != NULL ? self->clock (self->clock_data) : g_get_real_time ();
}

/* The wait, in seconds, after @failures wrong PINs in a row. */
static guint
delay_for_failures (gint64 failures)
{
  gint64 shift;

  if (failures < KASSA_MANAGER_FREE_ATTEMPTS)
    return 0;

  shift = failures - KASSA_MANAGER_FREE_ATTEMPTS + 1;
  if (shift >= 20)
    return KASSA_MANAGER_MAX_DELAY_S;

  return MIN ((guint) 1 << shift, KASSA_MANAGER_MAX_DELAY_S);
}

static gint64
read_meta_int (KassaManager *self,
               const char   *key)
{
  g_autofree char *text = kassa_journal_get_meta (self->journal, key, NULL);
  gint64 value = 0;

  /* An unreadable value counts as 0: the limit is a brake, not a lock. */
  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &value, NULL))
    return 0;

  return value;
}

static gboolean
write_meta_int (KassaManager  *self,
                const char    *key,
                gint64         value,
                GError       **error)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  return kassa_journal_set_meta (self->journal, key, text, error);
}

static guint
wait_seconds (KassaManager *self)
{
  gint64 failures = read_meta_int (self, FAILURES_META_KEY);
  gint64 failed_at = read_meta_int (self, FAILED_AT_META_KEY);
  guint delay = delay_for_failures (failures);
  gint64 now, remaining_us;

  if (delay == 0)
    return 0;

  now = manager_now (self);
  /* A clock set back does not shorten the wait: it starts again. */
  if (now < failed_at)
    return delay;

  remaining_us = (gint64) delay * G_USEC_PER_SEC - (now - failed_at);
  if (remaining_us <= 0)
    return 0;

  return (guint) ((remaining_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static void
set_rate_limited_error (GError **error,
                        guint    wait)
{
  g_set_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_RATE_LIMITED,
               g_dngettext (GETTEXT_PACKAGE,
                            "Too many wrong manager PINs: try again in %u second",
                            "Too many wrong manager PINs: try again in %u seconds",
                            wait),
               wait);
}

static void
note_failure (KassaManager *self)
{
  g_autoptr(GError) error = NULL;
  gint64 failures = read_meta_int (self, FAILURES_META_KEY);

  if (!write_meta_int (self, FAILURES_META_KEY, failures + 1, &error) ||
      !write_meta_int (self, FAILED_AT_META_KEY, manager_now (self), &error))
    g_debug ("The wrong PIN could not be counted: %s", error->message);
}

static void
note_success (KassaManager *self)
{
  g_autoptr(GError) error = NULL;

  if (read_meta_int (self, FAILURES_META_KEY) == 0)
    return;

  if (!kassa_journal_set_meta (self->journal, FAILURES_META_KEY, NULL, &error) ||
      !kassa_journal_set_meta (self->journal, FAILED_AT_META_KEY, NULL, &error))
    g_debug ("The wrong-PIN count could not be reset: %s", error->message);
}

static void
set_wrong_pin_error (KassaManager  *self,
                     GError       **error)
{
  guint wait = wait_seconds (self);

  if (wait > 0)
    g_set_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_WRONG_PIN,
                 g_dngettext (GETTEXT_PACKAGE,
                              "Wrong manager PIN. Too many wrong PINs: the next try is "
                              "possible in %u second",
                              "Wrong manager PIN. Too many wrong PINs: the next try is "
                              "possible in %u seconds",
                              wait),
                 wait);
  else
    g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_WRONG_PIN,
                         _("Wrong manager PIN"));
}

static void
audit_quietly (KassaManager *self,
               const char   *action,
               const char   *reason,
               const char   *subject,
               const char   *result)
{
  g_autoptr(GError) error = NULL;

  if (!kassa_manager_record (self, action, reason, subject, result, &error))
    g_debug ("Audit row (%s, %s) not written: %s", action, result, error->message);
}

/* ── authorisation ────────────────────────────────────────────────────── */

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Check *check = task_data;
  guint iterations = 0;
  gboolean ok = kassa_manager_verify_hash (check->stored, check->pin, &iterations);

  /* An older, cheaper hash is replaced while the PIN is at hand. */
  if (ok && iterations < kassa_manager_pbkdf2_iterations ())
    check->new_hash = kassa_manager_hash_pin (check->pin, kassa_manager_pbkdf2_iterations (),
                                              NULL);

  g_task_return_boolean (task, ok);
}

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KassaManager *self = KASSA_MANAGER (source);
  Check *check = g_task_get_task_data (G_TASK (result));
  g_autoptr(GTask) task = g_steal_pointer (&check->request_task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), NULL);

  self->busy = FALSE;

  if (ok)
    {
      note_success (self);
      if (check->new_hash != NULL &&
          !kassa_journal_set_meta (self->journal, PIN_META_KEY, check->new_hash, &error))
        {
          g_debug ("The PIN hash could not be upgraded: %s", error->message);
          g_clear_error (&error);
        }

      /* A caller that gave up is not authorised to anything: no row. */
      if (!g_task_return_error_if_cancelled (task))
        {
          if (kassa_manager_record (self, request->action, request->reason, request->subject,
                                    KASSA_MANAGER_RESULT_AUTHORISED, &error))
            g_task_return_boolean (task, TRUE);
          else
            {
              g_prefix_error (&error, _("Not authorised, because the audit log cannot be "
                                        "written: "));
              g_task_return_error (task, g_steal_pointer (&error));
            }
        }
    }
  else
    {
      /* Counted even when the caller has cancelled meanwhile. */
      note_failure (self);
      audit_quietly (self, request->action, request->reason, request->subject,
                     KASSA_MANAGER_RESULT_WRONG_PIN);
      set_wrong_pin_error (self, &error);
      g_task_return_error (task, g_steal_pointer (&error));
    }

  process_queue (self);
}

/* Completes @task now (an error) or starts its check; TRUE when started. */
static gboolean
start_check (KassaManager *self,
             GTask        *task)
{
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) thread_task = NULL;
  g_autofree char *stored = NULL;
  Check *check;
  guint wait;

  if (g_task_return_error_if_cancelled (task))
    return FALSE;

  stored = kassa_journal_get_meta (self->journal, PIN_META_KEY, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return FALSE;
    }
  if (stored == NULL)
    {
      g_task_return_new_error (task, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN,
                               _("No manager PIN has been set yet; set one first (in "
                                 "Preferences or with “kassa-ctl manager-pin”)"));
      return FALSE;
    }
  if (!check_given_pin (request->pin, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return FALSE;
    }

  wait = wait_seconds (self);
  if (wait > 0)
    {
      audit_quietly (self, request->action, request->reason, request->subject,
                     KASSA_MANAGER_RESULT_RATE_LIMITED);
      set_rate_limited_error (&error, wait);
      g_task_return_error (task, g_steal_pointer (&error));
      return FALSE;
    }

  check = g_new0 (Check, 1);
  check->request_task = g_object_ref (task);
  check->stored = g_steal_pointer (&stored);
  check->pin = g_strdup (request->pin);

  /* No cancellable: a started check always finishes and is always counted. */
  thread_task = g_task_new (self, NULL, checked_cb, NULL);
  g_task_set_source_tag (thread_task, start_check);
  g_task_set_task_data (thread_task, check, (GDestroyNotify) check_free);
  g_task_run_in_thread (thread_task, check_thread);
  self->busy = TRUE;

  return TRUE;
}

static void
process_queue (KassaManager *self)
{
  while (!self->busy && !g_queue_is_empty (&self->queue))
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->queue);

      start_check (self, task);
    }
}

/* ── GObject ──────────────────────────────────────────────────────────── */

static void
kassa_manager_dispose (GObject *object)
{
  KassaManager *self = (KassaManager *)object;

  /* Every queued task holds a reference to us: the queue is empty here. */
  g_warn_if_fail (g_queue_is_empty (&self->queue));

  G_OBJECT_CLASS (kassa_manager_parent_class)->dispose (object);
}

static void
kassa_manager_finalize (GObject *object)
{
  KassaManager *self = (KassaManager *)object;

  g_clear_object (&self->journal);

  G_OBJECT_CLASS (kassa_manager_parent_class)->finalize (object);
}

static void
kassa_manager_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KassaManager *self = KASSA_MANAGER (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;
    case PROP_HAS_PIN:
      g_value_set_boolean (value, kassa_manager_has_pin (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_manager_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KassaManager *self = KASSA_MANAGER (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      self->journal = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_manager_class_init (KassaManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kassa_manager_dispose;
  object_class->finalize = kassa_manager_finalize;
  object_class->get_property = kassa_manager_get_property;
  object_class->set_property = kassa_manager_set_property;

  properties[PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL,
                         KASSA_TYPE_JOURNAL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HAS_PIN] =
    g_param_spec_boolean ("has-pin", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_manager_init (KassaManager *self)
{
  g_queue_init (&self->queue);
}

/* ── public API ───────────────────────────────────────────────────────── */

KassaManager *
kassa_manager_new (KassaJournal *journal)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), NULL);

  return g_object_new (KASSA_TYPE_MANAGER, "journal", journal, NULL);
}

KassaJournal *
kassa_manager_get_journal (KassaManager *self)
{
  g_return_val_if_fail (KASSA_IS_MANAGER (self), NULL);

  return self->journal;
}

void
kassa_manager_set_clock (KassaManager      *self,
                         KassaManagerClock  clock,
                         gpointer           user_data)
{
  g_return_if_fail (KASSA_IS_MANAGER (self));

  self->clock = clock;
  self->clock_data = user_data;
}

gboolean
kassa_manager_has_pin (KassaManager *self)
{
  g_autofree char *stored = NULL;

  g_return_val_if_fail (KASSA_IS_MANAGER (self), FALSE);

  stored = kassa_journal_get_meta (self->journal, PIN_META_KEY, NULL);
  return stored != NULL;
}

guint
kassa_manager_get_wait (KassaManager *self)
{
  g_return_val_if_fail (KASSA_IS_MANAGER (self), 0);

  return wait_seconds (self);
}

gboolean
kassa_manager_set_pin (KassaManager  *self,
                       const char    *old_pin,
                       const char    *new_pin,
                       GError       **error)
{
  g_autofree char *stored = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *action;
  guint wait;

  g_return_val_if_fail (KASSA_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (new_pin != NULL && !kassa_manager_check_pin_format (new_pin, error))
    return FALSE;

  stored = kassa_journal_get_meta (self->journal, PIN_META_KEY, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (stored == NULL)
    {
      if (new_pin == NULL)
        {
          g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN,
                               _("No manager PIN has been set, so there is none to remove"));
          return FALSE;
        }
      action = KASSA_MANAGER_ACTION_PIN_SET;
    }
  else
    {
      action = new_pin != NULL ? KASSA_MANAGER_ACTION_PIN_CHANGE : KASSA_MANAGER_ACTION_PIN_CLEAR;

      if (old_pin == NULL || *old_pin == '\0')
        {
          g_set_error_literal (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN,
                               new_pin != NULL
                               ? _("A manager PIN is already set: the current PIN is needed "
                                   "to change it")
                               : _("The current manager PIN is needed to remove it"));
          return FALSE;
        }
      if (!check_given_pin (old_pin, error))
        return FALSE;

      wait = wait_seconds (self);
      if (wait > 0)
        {
          audit_quietly (self, action, NULL, NULL, KASSA_MANAGER_RESULT_RATE_LIMITED);
          set_rate_limited_error (error, wait);
          return FALSE;
        }

      if (!kassa_manager_verify_hash (stored, old_pin, NULL))
        {
          note_failure (self);
          audit_quietly (self, action, NULL, NULL, KASSA_MANAGER_RESULT_WRONG_PIN);
          set_wrong_pin_error (self, error);
          if (error != NULL && *error != NULL)
            g_prefix_error (error, _("The PIN was not changed: "));
          return FALSE;
        }
      note_success (self);
    }

  if (new_pin != NULL &&
      (hash = kassa_manager_hash_pin (new_pin, kassa_manager_pbkdf2_iterations (), error)) == NULL)
    return FALSE;

  if (!kassa_journal_set_meta (self->journal, PIN_META_KEY, hash, error))
    return FALSE;

  /* The PIN has changed; a failed audit row is still reported. */
  if (!kassa_manager_record (self, action, NULL, NULL,
                             new_pin != NULL ? KASSA_MANAGER_RESULT_AUTHORISED : "removed",
                             error))
    {
      g_prefix_error (error, _("The PIN was changed, but the audit log could not be "
                               "written: "));
      if ((stored == NULL) != (new_pin == NULL))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_PIN]);
      return FALSE;
    }

  /* has-pin changes on the first set and on removal. */
  if ((stored == NULL) != (new_pin == NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_PIN]);

  return TRUE;
}

void
kassa_manager_authorise_async (KassaManager        *self,
                               const char          *pin,
                               const char          *action,
                               const char          *reason,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  kassa_manager_authorise_full_async (self, pin, action, reason, NULL, cancellable,
                                      callback, user_data);
}

void
kassa_manager_authorise_full_async (KassaManager        *self,
                                    const char          *pin,
                                    const char          *action,
                                    const char          *reason,
                                    const char          *subject,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (KASSA_IS_MANAGER (self));
  g_return_if_fail (action != NULL && *action != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_manager_authorise_async);

  request = g_new0 (Request, 1);
  request->pin = g_strdup (pin);
  request->action = g_strdup (action);
  request->reason = g_strdup (reason);
  request->subject = g_strdup (subject);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  g_queue_push_tail (&self->queue, g_steal_pointer (&task));
  process_queue (self);
}

gboolean
kassa_manager_authorise_finish (KassaManager  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (KASSA_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kassa_manager_authorise_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kassa_manager_record (KassaManager  *self,
                      const char    *action,
                      const char    *reason,
                      const char    *subject,
                      const char    *result,
                      GError       **error)
{
  g_return_val_if_fail (KASSA_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return kassa_journal_append_audit (self->journal, manager_now (self), action, reason,
                                     subject, result, error) > 0;
}
