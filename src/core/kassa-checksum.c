/* kassa-checksum.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-checksum.h"

#include <string.h>

#include <openssl/crypto.h>

#define SHA256_LENGTH 32

static char *
hex_encode (const guchar *bytes,
            gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[bytes[i] >> 4];
      hex[2 * i + 1] = digits[bytes[i] & 0x0F];
    }
  hex[len * 2] = '\0';

  return hex;
}

/* GLib's HMAC rather than OpenSSL's EVP_MAC: the same HMAC-SHA256, without
 * OpenSSL reading its configuration and loading its providers on the first
 * call — a few milliseconds of every kassa-ctl command that talks to the bank
 * (bench/, "charge → QR"). OpenSSL stays for PBKDF2 and CRYPTO_memcmp(). */
static char *
hmac_sha256_parts (const char         *secret,
                   const char * const *parts)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[SHA256_LENGTH];
  gsize digest_len = sizeof digest;

  /* The key is the secret's raw bytes; an empty key is still a key. */
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));

  for (gsize i = 0; parts[i] != NULL; i++)
    g_hmac_update (hmac, (const guchar *) parts[i], strlen (parts[i]));

  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert (digest_len == SHA256_LENGTH);

  return hex_encode (digest, digest_len);
}

char *
kassa_checksum_hmac (const char *secret,
                     const char *message)
{
  const char *parts[] = { message, NULL };

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  return hmac_sha256_parts (secret, parts);
}

char *
kassa_checksum_concatv (const char         *secret,
                        const char * const *parts)
{
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (parts != NULL, NULL);

  return hmac_sha256_parts (secret, parts);
}

char *
kassa_checksum_concat (const char *secret,
                       ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;
  va_list args;

  g_return_val_if_fail (secret != NULL, NULL);

  va_start (args, secret);
  while ((part = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return hmac_sha256_parts (secret, (const char * const *) parts->pdata);
}

/* Lowercases @hex into @out; FALSE unless exactly KASSA_CHECKSUM_LENGTH hex digits. */
static gboolean
normalise_hex (const char *hex,
               char        out[KASSA_CHECKSUM_LENGTH])
{
  gsize i;

  if (hex == NULL)
    return FALSE;

  for (i = 0; hex[i] != '\0'; i++)
    {
      if (i == KASSA_CHECKSUM_LENGTH || !g_ascii_isxdigit (hex[i]))
        return FALSE;
      /* Branch-free lowercase: digits already have bit 0x20 set. */
      out[i] = hex[i] | 0x20;
    }

  return i == KASSA_CHECKSUM_LENGTH;
}

gboolean
kassa_checksum_equal (const char *expected,
                      const char *received)
{
  char expected_norm[KASSA_CHECKSUM_LENGTH];
  char received_norm[KASSA_CHECKSUM_LENGTH];
  gboolean expected_ok;
  gboolean received_ok;

  /* The lengths and the hex alphabet are public; only the digits must not leak
   * through timing, so those are compared in constant time. */
  expected_ok = normalise_hex (expected, expected_norm);
  received_ok = normalise_hex (received, received_norm);
  if (!expected_ok || !received_ok)
    return FALSE;

  return CRYPTO_memcmp (expected_norm, received_norm, KASSA_CHECKSUM_LENGTH) == 0;
}
