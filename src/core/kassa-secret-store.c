/* kassa-secret-store.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-secret-store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "kassa-bank-fields.h"
#include "kassa-error.h"

/* A secret is a short key; a bigger file is not one of ours. */
#define SECRET_FILE_MAX_SIZE 4096
#define SECRET_SERVICE_BUS_NAME "org.freedesktop.secrets"
#define BUS_CALL_TIMEOUT_MS 5000

struct _KassaSecretStore
{
  GObject             parent_instance;

  KassaSecretBackend  backend;   /* AUTO until decided */
  char               *directory;
};

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_DIRECTORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaSecretStore, kassa_secret_store, G_TYPE_OBJECT)

/* kassa_secret_store_error_quark() is in kassa-error.c: kassa-ctl maps the
 * domain to an exit code without linking libsecret. */

G_DEFINE_ENUM_TYPE (KassaSecretBackend, kassa_secret_backend,
  G_DEFINE_ENUM_VALUE (KASSA_SECRET_BACKEND_AUTO, "auto"),
  G_DEFINE_ENUM_VALUE (KASSA_SECRET_BACKEND_SECRET_SERVICE, "secret-service"),
  G_DEFINE_ENUM_VALUE (KASSA_SECRET_BACKEND_FILE, "file"))

typedef enum
{
  OP_STORE,
  OP_LOOKUP,
  OP_CLEAR,
} OpKind;

/* One store/lookup/clear request; what a worker thread may touch. */
typedef struct
{
  OpKind  kind;
  char   *terminal;
  char   *secret;      /* OP_STORE only; wiped when freed */
  char   *directory;
} Op;

static void
op_free (Op *op)
{
  g_free (op->terminal);
  kassa_secret_free (op->secret);
  g_free (op->directory);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    KASSA_SECRET_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "terminal", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static void
wipe_and_free (char  *buffer,
               gsize  length)
{
  if (buffer == NULL)
    return;

  explicit_bzero (buffer, length);
  g_free (buffer);
}

/* ------------------------------------------------------------------ */
/* Choosing the backend                                                */

static gboolean
bus_name_is_available (GDBusConnection *connection,
                       const char      *name,
                       GCancellable    *cancellable)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       BUS_CALL_TIMEOUT_MS, cancellable, &error);
  if (reply == NULL)
    {
      g_debug ("NameHasOwner (%s) failed: %s", name, error->message);
      return FALSE;
    }
  g_variant_get (reply, "(b)", &has_owner);
  if (has_owner)
    return TRUE;
  g_clear_pointer (&reply, g_variant_unref);

  /* A desktop starts its keyring on demand (D-Bus activation). */
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "ListActivatableNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                       BUS_CALL_TIMEOUT_MS, cancellable, &error);
  if (reply == NULL)
    {
      g_debug ("ListActivatableNames failed: %s", error->message);
      return FALSE;
    }
  names = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (names); i++)
    {
      const char *activatable = NULL;

      g_variant_get_child (names, i, "&s", &activatable);
      if (g_strcmp0 (activatable, name) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Blocking: run in a worker thread (async) or by a command-line tool (sync). */
static KassaSecretBackend
probe_backend (GCancellable *cancellable)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *forced = g_getenv ("KASSA_SECRET_BACKEND");

  if (g_strcmp0 (forced, "file") == 0)
    return KASSA_SECRET_BACKEND_FILE;
  if (g_strcmp0 (forced, "secret-service") == 0)
    return KASSA_SECRET_BACKEND_SECRET_SERVICE;
  if (forced != NULL && *forced != '\0')
    g_message ("KASSA_SECRET_BACKEND=%s is neither “file” nor “secret-service”; ignored",
               forced);

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
  if (connection == NULL)
    {
      g_debug ("No session bus (%s): the secret goes to a file", error->message);
      return KASSA_SECRET_BACKEND_FILE;
    }

  if (bus_name_is_available (connection, SECRET_SERVICE_BUS_NAME, cancellable))
    return KASSA_SECRET_BACKEND_SECRET_SERVICE;

  g_debug ("No Secret Service on the session bus: the secret goes to a file");
  return KASSA_SECRET_BACKEND_FILE;
}

static void
set_backend (KassaSecretStore   *self,
             KassaSecretBackend  backend)
{
  if (self->backend == backend || backend == KASSA_SECRET_BACKEND_AUTO)
    return;

  self->backend = backend;
  g_debug ("Terminal secrets are kept by the %s backend", kassa_secret_backend_to_string (backend));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
}

/* ------------------------------------------------------------------ */
/* A secret file: the one rule (docs/credentials.md "The file fallback") */

char *
kassa_secret_file_read (const char  *path,
                        GError     **error)
{
  g_autofree char *display = NULL;
  g_autoptr(GError) invalid = NULL;
  char buffer[SECRET_FILE_MAX_SIZE + 1];
  gsize length = 0;
  char *secret = NULL;
  struct stat st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);

  /* O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a
   * link could point anywhere. Everything is checked on the open file. */
  fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ELOOP)
        g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                     _("The secret key file “%s” is a symbolic link; Kassa reads the secret "
                       "key only from a regular file"), display);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                     /* Translators: the first %s is a file, the second a system error */
                     _("Could not open the secret key file “%s”: %s"), display,
                     g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not open the secret key file “%s”: %s"), display,
                   g_strerror (saved_errno));
      close (fd);
      return NULL;
    }

  /* /dev/zero, a FIFO or a terminal would never end, or never start. */
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   _("“%s” is not a regular file; Kassa reads the secret key only from a "
                     "regular file"), display);
      close (fd);
      return NULL;
    }

  if (st.st_uid != geteuid ())
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   _("The secret key file “%s” belongs to another user; Kassa does not "
                     "use it"), display);
      close (fd);
      return NULL;
    }

  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   /* Translators: the first %s is a file, %03o its permissions in octal,
                    * the second %s the same file */
                   _("Other users can read or change the secret key file “%s” "
                     "(permissions %03o); Kassa does not use it. Make it private with "
                     "“chmod 600 %s”, or enter the secret key again"),
                   display, (guint) (st.st_mode & 0777), display);
      close (fd);
      return NULL;
    }

  /* At most one byte more than allowed: enough to tell that it is too big,
   * whatever the file claims or becomes while it is read. */
  while (st.st_size <= SECRET_FILE_MAX_SIZE && length < sizeof buffer)
    {
      gssize n = read (fd, buffer + length, sizeof buffer - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          explicit_bzero (buffer, sizeof buffer);
          close (fd);
          g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                       _("Could not read the secret key file “%s”: %s"), display,
                       g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  close (fd);

  if (st.st_size > SECRET_FILE_MAX_SIZE || length > SECRET_FILE_MAX_SIZE)
    {
      explicit_bzero (buffer, sizeof buffer);
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                   _("The secret key file “%s” is too big to hold a secret key"), display);
      return NULL;
    }

  /* One line ending, as written by Kassa or by `echo KEY > file`. */
  if (length > 0 && buffer[length - 1] == '\n')
    length--;
  if (length > 0 && buffer[length - 1] == '\r')
    length--;
  buffer[length] = '\0';

  if (memchr (buffer, '\0', length) != NULL)
    {
      explicit_bzero (buffer, sizeof buffer);
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                   _("The secret key file “%s” contains a NUL byte"), display);
      return NULL;
    }

  if (!kassa_secret_validate (buffer, &invalid))
    {
      explicit_bzero (buffer, sizeof buffer);
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                   /* Translators: the first %s is a file, the second what is wrong */
                   _("The secret key file “%s” does not hold a usable secret key: %s"),
                   display, invalid->message);
      return NULL;
    }

  secret = g_strndup (buffer, length);
  explicit_bzero (buffer, sizeof buffer);

  return secret;
}

/* ------------------------------------------------------------------ */
/* The file backend (blocking; thread-safe: touches only its arguments) */

static char *
secret_file_path (const char *directory,
                  const char *terminal)
{
  g_autofree char *name = g_strconcat ("secret-", terminal, NULL);

  /* The terminal id was validated: 8 digits, nothing that escapes the folder. */
  return g_build_filename (directory, name, NULL);
}

/* The folder must be ours and closed to others. @out_exists FALSE: not there (yet). */
static gboolean
check_directory (const char  *directory,
                 gboolean    *out_exists,
                 GError     **error)
{
  g_autofree char *display = g_filename_display_name (directory);
  struct stat st;

  *out_exists = FALSE;

  if (g_stat (directory, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE;

      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                   /* Translators: the first %s is a folder, the second a system error */
                   _("Could not open the folder “%s”: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }

  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   _("“%s” should be a folder for the secret key, but it is not a folder"),
                   display);
      return FALSE;
    }

  if (st.st_uid != geteuid ())
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   _("The folder “%s” belongs to another user; Kassa keeps the secret key "
                     "only in a folder that belongs to this user"), display);
      return FALSE;
    }

  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   /* Translators: the first %s is a folder, %03o its permissions in
                    * octal, the second %s the same folder */
                   _("Other users can open the folder “%s” (permissions %03o); Kassa keeps "
                     "the secret key only in a private folder. Make it private with "
                     "“chmod 700 %s” and try again"),
                   display, (guint) (st.st_mode & 0777), display);
      return FALSE;
    }

  *out_exists = TRUE;
  return TRUE;
}

static gboolean
file_store (const char  *directory,
            const char  *terminal,
            const char  *secret,
            GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean exists = FALSE;
  char *contents;
  gsize length;
  gboolean ok;
  struct stat st;

  if (!check_directory (directory, &exists, error))
    return FALSE;

  if (!exists)
    {
      if (g_mkdir_with_parents (directory, 0700) != 0)
        {
          int saved_errno = errno;
          g_autofree char *dir_display = g_filename_display_name (directory);

          g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                       /* Translators: the first %s is a folder, the second a system error */
                       _("Could not create the folder “%s”: %s"), dir_display,
                       g_strerror (saved_errno));
          return FALSE;
        }

      /* An existing parent does not change; the new folder must come out private. */
      if (!check_directory (directory, &exists, error))
        return FALSE;
    }

  path = secret_file_path (directory, terminal);
  display = g_filename_display_name (path);

  /* Whatever sits there is replaced by rename, but a link or a device there
   * means someone set something up that Kassa does not understand. */
  if (g_lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_UNSAFE,
                   _("“%s” is not a regular file; Kassa does not replace it"), display);
      return FALSE;
    }

  /* One line, so that `kassa-ctl --secret-file` reads the same file. */
  length = strlen (secret) + 1;
  contents = g_malloc (length + 1);
  memcpy (contents, secret, length - 1);
  contents[length - 1] = '\n';
  contents[length] = '\0';

  /* Written to a temporary file created with mode 0600, then renamed. */
  ok = g_file_set_contents_full (path, contents, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error);
  wipe_and_free (contents, length + 1);

  if (!ok)
    {
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                   /* Translators: %s is a system error that names the file */
                   _("Could not save the secret key: %s"), local_error->message);
      return FALSE;
    }

  return TRUE;
}

static char *
file_lookup (const char  *directory,
             const char  *terminal,
             GError     **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean exists = FALSE;
  char *secret;

  if (!check_directory (directory, &exists, error))
    return NULL;
  if (!exists)
    return NULL;

  path = secret_file_path (directory, terminal);
  secret = kassa_secret_file_read (path, &local_error);
  /* No file: no secret stored, which is not an error. */
  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return NULL;
  if (secret == NULL)
    {
      if (local_error->domain == G_FILE_ERROR)
        g_set_error_literal (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                             local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }

  return secret;
}

static gboolean
file_clear (const char  *directory,
            const char  *terminal,
            GError     **error)
{
  g_autofree char *path = secret_file_path (directory, terminal);

  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = NULL;

      if (saved_errno == ENOENT || saved_errno == ENOTDIR)
        return TRUE;

      display = g_filename_display_name (path);
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                   /* Translators: the first %s is a file, the second a system error */
                   _("Could not remove the secret key file “%s”: %s"), display,
                   g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The Secret Service backend                                          */

static GError *
keyring_error (GError     *error,
               const char *what)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  return g_error_new (KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                      "%s: %s", what, error->message);
}

static const char *
keyring_what (OpKind kind)
{
  switch (kind)
    {
    case OP_STORE:
      return _("Could not save the secret key in the keyring");
    case OP_LOOKUP:
      return _("Could not read the secret key from the keyring");
    case OP_CLEAR:
    default:
      return _("Could not remove the secret key from the keyring");
    }
}

static char *
keyring_label (const char *terminal)
{
  /* Translators: the name of the keyring item (seen in Passwords and Keys); %s is a terminal id */
  return g_strdup_printf (_("Kassa: secret key of bank terminal %s"), terminal);
}

/* Copies libsecret's (non-pageable) password into ordinary memory, checked. */
static char *
take_keyring_secret (char    *password,
                     GError **error)
{
  g_autoptr(GError) invalid = NULL;
  char *secret;

  if (password == NULL)
    return NULL;

  if (!kassa_secret_validate (password, &invalid))
    {
      secret_password_free (password);
      g_set_error (error, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_INVALID,
                   /* Translators: %s says what is wrong */
                   _("The keyring holds an unusable secret key: %s"), invalid->message);
      return NULL;
    }

  secret = g_strdup (password);
  secret_password_free (password);

  return secret;
}

static void
keyring_store_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, keyring_error (error, keyring_what (OP_STORE)));
  else
    g_task_return_boolean (task, TRUE);
}

static void
keyring_search_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GList *items;
  gboolean locked = FALSE;

  items = secret_service_search_finish (NULL, result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error, keyring_what (OP_LOOKUP)));
      return;
    }

  for (GList *l = items; l != NULL; l = l->next)
    locked = locked || secret_item_get_locked (l->data);
  g_list_free_full (items, g_object_unref);

  if (locked)
    g_task_return_new_error (task, KASSA_SECRET_STORE_ERROR, KASSA_SECRET_STORE_ERROR_FAILED,
                             _("the keyring that holds it is locked; unlock it (it asks for "
                               "its password) and start Kassa again"));
  else
    g_task_return_pointer (task, NULL, NULL);
}

static void
keyring_lookup_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *password;
  char *secret;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error, keyring_what (OP_LOOKUP)));
      return;
    }

  if (password == NULL)
    {
      Op *op = g_task_get_task_data (task);
      GCancellable *cancellable = g_task_get_cancellable (task);
      g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

      /* Nothing is also what a locked keyring gives when its unlock prompt
       * is dismissed: look, without unlocking, whether the item is there.
       * (The cancellable is read before the task is handed on: the order in
       * which a call's arguments are evaluated is not defined.) */
      g_hash_table_insert (attributes, (gpointer) "terminal", op->terminal);
      secret_service_search (NULL, get_schema (), attributes, SECRET_SEARCH_ALL,
                             cancellable, keyring_search_cb, g_steal_pointer (&task));
      return;
    }

  secret = take_keyring_secret (password, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, secret, (GDestroyNotify) kassa_secret_free);
}

static void
keyring_clear_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, keyring_error (error, keyring_what (OP_CLEAR)));
  else
    g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------ */
/* Running an operation                                                */

static void
file_op_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Op *op = task_data;
  GError *error = NULL;

  switch (op->kind)
    {
    case OP_STORE:
      if (file_store (op->directory, op->terminal, op->secret, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case OP_LOOKUP:
      {
        char *secret = file_lookup (op->directory, op->terminal, &error);

        if (error != NULL)
          g_task_return_error (task, error);
        else
          g_task_return_pointer (task, secret, (GDestroyNotify) kassa_secret_free);
      }
      break;

    case OP_CLEAR:
    default:
      if (file_clear (op->directory, op->terminal, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;
    }
}

static void
dispatch_op (KassaSecretStore *self,
             GTask            *task_in)
{
  g_autoptr(GTask) task = task_in;
  Op *op = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *label = NULL;

  if (self->backend == KASSA_SECRET_BACKEND_FILE)
    {
      g_task_run_in_thread (task, file_op_thread);
      return;
    }

  g_assert (self->backend == KASSA_SECRET_BACKEND_SECRET_SERVICE);

  switch (op->kind)
    {
    case OP_STORE:
      label = keyring_label (op->terminal);
      secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, op->secret,
                             cancellable, keyring_store_cb, g_steal_pointer (&task),
                             "terminal", op->terminal, NULL);
      break;

    case OP_LOOKUP:
      secret_password_lookup (get_schema (), cancellable, keyring_lookup_cb,
                              g_steal_pointer (&task), "terminal", op->terminal, NULL);
      break;

    case OP_CLEAR:
    default:
      secret_password_clear (get_schema (), cancellable, keyring_clear_cb,
                             g_steal_pointer (&task), "terminal", op->terminal, NULL);
      break;
    }
}

static void
op_resolve_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  KassaSecretStore *self = KASSA_SECRET_STORE (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  kassa_secret_store_resolve_finish (self, result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  dispatch_op (self, g_steal_pointer (&task));
}

static gboolean
validate_op (Op      *op,
             GError **error)
{
  if (!kassa_terminal_validate (op->terminal, error))
    return FALSE;

  if (op->kind == OP_STORE && !kassa_secret_validate (op->secret, error))
    return FALSE;

  return TRUE;
}

static Op *
op_new (KassaSecretStore *self,
        OpKind            kind,
        const char       *terminal,
        const char       *secret)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->terminal = g_strdup (terminal);
  op->secret = g_strdup (secret);
  op->directory = g_strdup (self->directory);

  return op;
}

static void
start_op (KassaSecretStore    *self,
          Op                  *op,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  if (!validate_op (op, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (self->backend == KASSA_SECRET_BACKEND_AUTO)
    {
      kassa_secret_store_resolve_async (self, cancellable, op_resolve_cb,
                                        g_steal_pointer (&task));
      return;
    }

  dispatch_op (self, g_steal_pointer (&task));
}

static gboolean
check_task (KassaSecretStore *self,
            GAsyncResult     *result,
            gpointer          source_tag)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_secret_store_finalize (GObject *object)
{
  KassaSecretStore *self = KASSA_SECRET_STORE (object);

  g_clear_pointer (&self->directory, g_free);

  G_OBJECT_CLASS (kassa_secret_store_parent_class)->finalize (object);
}

static void
kassa_secret_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KassaSecretStore *self = KASSA_SECRET_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_enum (value, self->backend);
      break;

    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_secret_store_class_init (KassaSecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kassa_secret_store_finalize;
  object_class->get_property = kassa_secret_store_get_property;

  properties[PROP_BACKEND] =
    g_param_spec_enum ("backend", NULL, NULL,
                       KASSA_TYPE_SECRET_BACKEND, KASSA_SECRET_BACKEND_AUTO,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_secret_store_init (KassaSecretStore *self)
{
  self->backend = KASSA_SECRET_BACKEND_AUTO;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

const char *
kassa_secret_backend_to_string (KassaSecretBackend backend)
{
  switch (backend)
    {
    case KASSA_SECRET_BACKEND_SECRET_SERVICE:
      return "secret-service";
    case KASSA_SECRET_BACKEND_FILE:
      return "file";
    case KASSA_SECRET_BACKEND_AUTO:
    default:
      return "auto";
    }
}

KassaSecretStore *
kassa_secret_store_new (KassaSecretBackend  backend,
                        const char         *directory)
{
  KassaSecretStore *self;

  g_return_val_if_fail (backend == KASSA_SECRET_BACKEND_AUTO ||
                        backend == KASSA_SECRET_BACKEND_SECRET_SERVICE ||
                        backend == KASSA_SECRET_BACKEND_FILE, NULL);

  self = g_object_new (KASSA_TYPE_SECRET_STORE, NULL);
  self->backend = backend;
  if (directory != NULL)
    self->directory = g_strdup (directory);
  else
    self->directory = g_build_filename (g_get_user_config_dir (), "kassa", NULL);

  return self;
}

KassaSecretBackend
kassa_secret_store_get_backend (KassaSecretStore *self)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), KASSA_SECRET_BACKEND_AUTO);

  return self->backend;
}

const char *
kassa_secret_store_get_directory (KassaSecretStore *self)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), NULL);

  return self->directory;
}

char *
kassa_secret_store_describe (KassaSecretStore *self)
{
  g_autofree char *display = NULL;

  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), NULL);

  switch (self->backend)
    {
    case KASSA_SECRET_BACKEND_SECRET_SERVICE:
      return g_strdup (_("The secret key is kept in this user’s keyring (Secret Service)."));

    case KASSA_SECRET_BACKEND_FILE:
      display = g_filename_display_name (self->directory);
      return g_strdup_printf (_("No keyring is running, so the secret key is kept in a file "
                                "that only this user can read, in “%s”."), display);

    case KASSA_SECRET_BACKEND_AUTO:
    default:
      return g_strdup (_("Looking for the keyring…"));
    }
}

static void
resolve_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_task_return_int (task, probe_backend (cancellable));
}

void
kassa_secret_store_resolve_async (KassaSecretStore    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KASSA_IS_SECRET_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_secret_store_resolve_async);

  if (self->backend != KASSA_SECRET_BACKEND_AUTO)
    {
      g_task_return_int (task, self->backend);
      return;
    }

  g_task_run_in_thread (task, resolve_thread);
}

KassaSecretBackend
kassa_secret_store_resolve_finish (KassaSecretStore  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  gssize backend;

  if (!check_task (self, result, kassa_secret_store_resolve_async))
    return KASSA_SECRET_BACKEND_AUTO;

  backend = g_task_propagate_int (G_TASK (result), error);
  if (backend < 0)
    return KASSA_SECRET_BACKEND_AUTO;

  /* Two racing resolutions agree; the first one decides. */
  if (self->backend == KASSA_SECRET_BACKEND_AUTO)
    set_backend (self, (KassaSecretBackend) backend);

  return self->backend;
}

KassaSecretBackend
kassa_secret_store_resolve_sync (KassaSecretStore *self,
                                 GCancellable     *cancellable)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), KASSA_SECRET_BACKEND_AUTO);

  if (self->backend == KASSA_SECRET_BACKEND_AUTO)
    set_backend (self, probe_backend (cancellable));

  return self->backend;
}

void
kassa_secret_store_store_async (KassaSecretStore    *self,
                                const char          *terminal,
                                const char          *secret,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_SECRET_STORE (self));

  start_op (self, op_new (self, OP_STORE, terminal, secret), kassa_secret_store_store_async,
            cancellable, callback, user_data);
}

gboolean
kassa_secret_store_store_finish (KassaSecretStore  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  if (!check_task (self, result, kassa_secret_store_store_async))
    return FALSE;

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
kassa_secret_store_lookup_async (KassaSecretStore    *self,
                                 const char          *terminal,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_SECRET_STORE (self));

  start_op (self, op_new (self, OP_LOOKUP, terminal, NULL), kassa_secret_store_lookup_async,
            cancellable, callback, user_data);
}

char *
kassa_secret_store_lookup_finish (KassaSecretStore  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  if (!check_task (self, result, kassa_secret_store_lookup_async))
    return NULL;

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kassa_secret_store_clear_async (KassaSecretStore    *self,
                                const char          *terminal,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_SECRET_STORE (self));

  start_op (self, op_new (self, OP_CLEAR, terminal, NULL), kassa_secret_store_clear_async,
            cancellable, callback, user_data);
}

gboolean
kassa_secret_store_clear_finish (KassaSecretStore  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  if (!check_task (self, result, kassa_secret_store_clear_async))
    return FALSE;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The sync variants run the same code in the calling thread. */
static gpointer
run_op_sync (KassaSecretStore  *self,
             Op                *op_in,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(Op) op = op_in;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = NULL;
  char *password;

  if (!validate_op (op, error))
    return NULL;

  switch (kassa_secret_store_resolve_sync (self, cancellable))
    {
    case KASSA_SECRET_BACKEND_FILE:
      switch (op->kind)
        {
        case OP_STORE:
          return file_store (op->directory, op->terminal, op->secret, error)
                 ? GINT_TO_POINTER (TRUE) : NULL;
        case OP_LOOKUP:
          return file_lookup (op->directory, op->terminal, error);
        case OP_CLEAR:
        default:
          return file_clear (op->directory, op->terminal, error)
                 ? GINT_TO_POINTER (TRUE) : NULL;
        }

    case KASSA_SECRET_BACKEND_SECRET_SERVICE:
      switch (op->kind)
        {
        case OP_STORE:
          label = keyring_label (op->terminal);
          if (secret_password_store_sync (get_schema (), SECRET_COLLECTION_DEFAULT, label,
                                          op->secret, cancellable, &local_error,
                                          "terminal", op->terminal, NULL))
            return GINT_TO_POINTER (TRUE);
          break;

        case OP_LOOKUP:
          password = secret_password_lookup_sync (get_schema (), cancellable, &local_error,
                                                  "terminal", op->terminal, NULL);
          if (local_error == NULL)
            return take_keyring_secret (password, error);
          break;

        case OP_CLEAR:
        default:
          secret_password_clear_sync (get_schema (), cancellable, &local_error,
                                      "terminal", op->terminal, NULL);
          if (local_error == NULL)
            return GINT_TO_POINTER (TRUE);
          break;
        }
      g_propagate_error (error, keyring_error (local_error, keyring_what (op->kind)));
      return NULL;

    case KASSA_SECRET_BACKEND_AUTO:
    default:
      g_assert_not_reached ();
    }
}

gboolean
kassa_secret_store_store_sync (KassaSecretStore  *self,
                               const char        *terminal,
                               const char        *secret,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_op_sync (self, op_new (self, OP_STORE, terminal, secret), cancellable,
                      error) != NULL;
}

char *
kassa_secret_store_lookup_sync (KassaSecretStore  *self,
                                const char        *terminal,
                                GCancellable      *cancellable,
                                GError           **error)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return run_op_sync (self, op_new (self, OP_LOOKUP, terminal, NULL), cancellable, error);
}

gboolean
kassa_secret_store_clear_sync (KassaSecretStore  *self,
                               const char        *terminal,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_return_val_if_fail (KASSA_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_op_sync (self, op_new (self, OP_CLEAR, terminal, NULL), cancellable,
                      error) != NULL;
}

void
kassa_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
