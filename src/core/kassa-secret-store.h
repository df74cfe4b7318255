/* kassa-secret-store.h — the terminal's secret key, in the keyring or a private file
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The secret the bank issues with a terminal is kept, keyed by terminal id, in
 * the Secret Service (GNOME Keyring, KWallet…) through libsecret, schema
 * "mn.kassa.Kassa.Secret" with the attribute "terminal". Where no Secret
 * Service is running (kiosk PCs, test sessions), it is kept in a file readable
 * only by the user: $XDG_CONFIG_HOME/kassa/secret-TERMINAL, mode 0600, in a
 * directory of mode 0700. A file or directory that others could read, or that
 * belongs to someone else, is refused with an error, never used silently.
 *
 * The secret never goes into a log message or an error message.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KASSA_SECRET_SCHEMA_NAME "mn.kassa.Kassa.Secret"

/**
 * KassaSecretBackend:
 * @KASSA_SECRET_BACKEND_AUTO: not decided yet: the Secret Service when one is
 *   running or can be started on the session bus, else the file. The
 *   environment variable KASSA_SECRET_BACKEND ("file" or "secret-service")
 *   overrides the choice.
 * @KASSA_SECRET_BACKEND_SECRET_SERVICE: the Secret Service (libsecret).
 * @KASSA_SECRET_BACKEND_FILE: a private file in the configuration directory.
 */
typedef enum
{
  KASSA_SECRET_BACKEND_AUTO,
  KASSA_SECRET_BACKEND_SECRET_SERVICE,
  KASSA_SECRET_BACKEND_FILE,
} KassaSecretBackend;

#define KASSA_TYPE_SECRET_BACKEND (kassa_secret_backend_get_type ())
GType kassa_secret_backend_get_type (void);

/**
 * KassaSecretStoreError:
 * @KASSA_SECRET_STORE_ERROR_UNSAFE: the file or its directory could be read or
 *   changed by others (permissions, owner, not a regular file): refused.
 * @KASSA_SECRET_STORE_ERROR_INVALID: what is stored is not a usable secret.
 * @KASSA_SECRET_STORE_ERROR_FAILED: the keyring or the file system failed
 *   (locked keyring, prompt dismissed, disk full…).
 *
 * Invalid terminal ids and secrets given by the caller are KASSA_INPUT_ERROR.
 */
typedef enum
{
  KASSA_SECRET_STORE_ERROR_UNSAFE,
  KASSA_SECRET_STORE_ERROR_INVALID,
  KASSA_SECRET_STORE_ERROR_FAILED,
} KassaSecretStoreError;

#define KASSA_SECRET_STORE_ERROR (kassa_secret_store_error_quark ())
GQuark kassa_secret_store_error_quark (void);

/* "secret-service", "file" or "auto". */
const char         *kassa_secret_backend_to_string       (KassaSecretBackend   backend);

#define KASSA_TYPE_SECRET_STORE (kassa_secret_store_get_type ())

G_DECLARE_FINAL_TYPE (KassaSecretStore, kassa_secret_store, KASSA, SECRET_STORE, GObject)

/* Properties (read-only, notify): "backend" KassaSecretBackend, AUTO until
 * the first operation (or kassa_secret_store_resolve_*()) has decided;
 * "directory" the file backend's folder. */

/* @backend: AUTO, or a backend to use unconditionally. @directory: the file
 * backend's folder; NULL means $XDG_CONFIG_HOME/kassa. */
KassaSecretStore   *kassa_secret_store_new               (KassaSecretBackend   backend,
                                                          const char          *directory);

KassaSecretBackend  kassa_secret_store_get_backend       (KassaSecretStore    *self);
const char         *kassa_secret_store_get_directory     (KassaSecretStore    *self);
/* A sentence for the person, naming where secrets go ("the keyring…", "a
 * private file in …"). Only meaningful once the backend is decided. */
char               *kassa_secret_store_describe          (KassaSecretStore    *self);

/* Decides the backend (a D-Bus round trip for AUTO); never fails: no
 * session bus or no Secret Service means the file. */
void                kassa_secret_store_resolve_async     (KassaSecretStore    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
KassaSecretBackend  kassa_secret_store_resolve_finish    (KassaSecretStore    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
KassaSecretBackend  kassa_secret_store_resolve_sync      (KassaSecretStore    *self,
                                                          GCancellable        *cancellable);

/* Stores (replaces) the secret of @terminal. Both are validated first
 * (KASSA_INPUT_ERROR, nothing stored). */
void                kassa_secret_store_store_async       (KassaSecretStore    *self,
                                                          const char          *terminal,
                                                          const char          *secret,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            kassa_secret_store_store_finish      (KassaSecretStore    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
gboolean            kassa_secret_store_store_sync        (KassaSecretStore    *self,
                                                          const char          *terminal,
                                                          const char          *secret,
                                                          GCancellable        *cancellable,
                                                          GError             **error);

/* The secret of @terminal, or NULL: with @error set on failure, without when
 * none is stored. Free it with kassa_secret_free(). */
void                kassa_secret_store_lookup_async      (KassaSecretStore    *self,
                                                          const char          *terminal,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
char               *kassa_secret_store_lookup_finish     (KassaSecretStore    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
char               *kassa_secret_store_lookup_sync       (KassaSecretStore    *self,
                                                          const char          *terminal,
                                                          GCancellable        *cancellable,
                                                          GError             **error);

/* Removes the secret of @terminal; TRUE also when there was none. */
void                kassa_secret_store_clear_async       (KassaSecretStore    *self,
                                                          const char          *terminal,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            kassa_secret_store_clear_finish      (KassaSecretStore    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
gboolean            kassa_secret_store_clear_sync        (KassaSecretStore    *self,
                                                          const char          *terminal,
                                                          GCancellable        *cancellable,
                                                          GError             **error);

/* Reads a secret from the file at @path, by the one rule for secret files
 * (the file store's and `kassa-ctl --secret-file`'s): a regular file, not a
 * symbolic link, owned by this user, no group or other permission bits, at
 * most 4 KiB, one line of valid text (kassa_secret_validate()) with at most
 * one line ending. Never reads more than 4 KiB + 1 byte and never blocks on
 * a FIFO. Errors: KASSA_SECRET_STORE_ERROR (UNSAFE, INVALID, FAILED), or
 * G_FILE_ERROR when the file cannot be opened (G_FILE_ERROR_NOENT: there is
 * none). The secret is never put in an error message. Free the result with
 * kassa_secret_free(). Blocking; thread-safe. */
char               *kassa_secret_file_read               (const char          *path,
                                                          GError             **error);

/* Wipes then frees a secret (NULL is fine). */
void                kassa_secret_free                    (char                *secret);

G_END_DECLS
