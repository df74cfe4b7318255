/* kassa-manager-private.h — the PIN hash, for KassaManager and its tests
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kassa-manager.h"

G_BEGIN_DECLS

/* The rounds of a new hash: KASSA_MANAGER_PBKDF2_ITERATIONS, unless the
 * environment variable KASSA_TEST_PBKDF2_ITERATIONS (tests only, like
 * KASSA_CRASH_POINT) asks for fewer, 1000 at least. It never weakens an
 * existing hash: the stored text carries its own count. Under ASan with
 * fast_unwind_on_malloc=0, OpenSSL 3's per-round allocations make 600 000
 * rounds take ~15 s, which the test suites cannot afford hundreds of times. */
guint     kassa_manager_pbkdf2_iterations (void);

/* Raw PBKDF2-HMAC-SHA256 (OpenSSL's PKCS5_PBKDF2_HMAC). */
gboolean  kassa_manager_pbkdf2_sha256 (const void  *password,
                                       gsize        password_len,
                                       const void  *salt,
                                       gsize        salt_len,
                                       guint        iterations,
                                       guint8      *out,
                                       gsize        out_len);
/* "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" of @pin with a fresh random
 * salt. @pin is not checked here. */
char     *kassa_manager_hash_pin      (const char  *pin,
                                       guint        iterations,
                                       GError     **error);
/* Whether @pin matches @stored; *@out_iterations receives the stored
 * iteration count (0 when @stored is unreadable, which never matches). */
gboolean  kassa_manager_verify_hash   (const char  *stored,
                                       const char  *pin,
                                       guint       *out_iterations);

G_END_DECLS
