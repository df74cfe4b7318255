/* fuzz-emv.c — libFuzzer target: the EMV QR payload the bank returns as `desc`
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a payload as the till receives it in a qr reply's `desc`. It
 * goes to kassa_emv_parse() and, as production does before the customer sees
 * a QR, to kassa_till_validate_payload(). Random bytes almost never carry a
 * valid CRC, so the input is also sealed (kassa_emv_seal(), "6304" and a CRC
 * appended) and parsed again, which lets the fuzzer explore the TLV reader.
 *
 * Invariants: a payload accepted by the parser ends in "6304" and the CRC of
 * everything before it under the reported kind, and sealing its body again
 * gives it back; its tag 63 is that CRC; its amount, when read, is a whole
 * amount in range whose digits are tag 54's; the till accepts the payload for
 * exactly the amount the QR states and for no other; every refusal is a
 * KASSA_EMV_ERROR (or KASSA_TILL_ERROR_PAYLOAD) with a readable message.
 * docs/fuzzing.md.
 */

#include "config.h"

#include <string.h>

#include "kassa-amount.h"
#include "kassa-emv.h"
#include "kassa-error.h"
#include "kassa-fuzz.h"
#include "kassa-till-private.h"

#define CRC_HEADER "6304"

/* The accepted payload's structure. */
static void
check_accepted (const char *payload,
                KassaEmv   *emv)
{
  KassaEmvCrcKind kind = kassa_emv_get_crc_kind (emv);
  gsize len = strlen (payload);
  g_autofree char *body = NULL;
  g_autofree char *crc = NULL;
  g_autofree char *resealed = NULL;
  const char *tag63;

  g_assert_true (kind == KASSA_EMV_CRC_X25 || kind == KASSA_EMV_CRC_CCITT_FALSE);
  g_assert_cmpuint (len, >=, 8);
  g_assert_cmpuint (len, <=, 512);
  g_assert_true (strncmp (payload + len - 8, CRC_HEADER, 4) == 0);

  crc = kassa_emv_crc (payload, len - 4, kind);
  g_assert_cmpint (g_ascii_strcasecmp (crc, payload + len - 4), ==, 0);

  tag63 = kassa_emv_get_tag (emv, "63");
  g_assert_nonnull (tag63);
  g_assert_cmpint (g_ascii_strcasecmp (tag63, crc), ==, 0);

  body = g_strndup (payload, len - 8);
  resealed = kassa_emv_seal (body, kind);
  g_assert_cmpint (g_ascii_strcasecmp (resealed, payload), ==, 0);

  /* X-25 wins when both match. */
  if (kind == KASSA_EMV_CRC_CCITT_FALSE)
    {
      g_autofree char *x25 = kassa_emv_crc (payload, len - 4, KASSA_EMV_CRC_X25);

      g_assert_cmpint (g_ascii_strcasecmp (x25, payload + len - 4), !=, 0);
    }
}

/* Tag 54 as the till reads it, and what the till then accepts. */
static void
check_amount (const char *payload,
              KassaEmv   *emv)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  const char *tag54 = kassa_emv_get_tag (emv, "54");
  gint64 amount = -1;

  if (kassa_emv_get_amount (emv, &amount, &error))
    {
      g_autofree char *wire = kassa_amount_to_wire (amount);
      g_autofree char *integer_part = NULL;
      const char *digits;
      gint64 other = amount < KASSA_AMOUNT_MAX ? amount + 1 : amount - 1;

      g_assert_nonnull (tag54);
      g_assert_true (kassa_amount_validate (amount, NULL));

      /* The stated digits, without leading zeros and a ".00…", are the amount's. */
      for (digits = tag54; *digits == '0' && g_ascii_isdigit (digits[1]); digits++)
        ;
      integer_part = g_strndup (digits, strcspn (digits, "."));
      g_assert_cmpstr (integer_part, ==, wire);

      if (!kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, amount, payload,
                                        &error))
        g_error ("the till refuses a QR for its own amount: %s", error->message);
      g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, other,
                                                   payload, &error));
      kassa_fuzz_check_error (error, KASSA_TILL_ERROR);
      g_assert_cmpint (error->code, ==, KASSA_TILL_ERROR_PAYLOAD);
    }
  else
    {
      kassa_fuzz_check_error (error, KASSA_EMV_ERROR);
      g_assert_cmpint (error->code, ==, KASSA_EMV_ERROR_AMOUNT);
      g_clear_error (&error);

      g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, 1000,
                                                   payload, &error));
      kassa_fuzz_check_error (error, KASSA_TILL_ERROR);
    }
}

/* Returns whether @payload parsed. */
static gboolean
check_payload (const char *payload)
{
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) error = NULL;

  emv = kassa_emv_parse (payload, &error);
  if (emv == NULL)
    {
      g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
      g_autoptr(GError) till_error = NULL;

      kassa_fuzz_check_error (error, KASSA_EMV_ERROR);
      g_assert_true (error->code == KASSA_EMV_ERROR_SYNTAX || error->code == KASSA_EMV_ERROR_CRC);

      /* What the parser refuses, the till refuses. */
      g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, 1000,
                                                   payload, &till_error));
      kassa_fuzz_check_error (till_error, KASSA_TILL_ERROR);
      return FALSE;
    }

  g_assert_no_error (error);
  check_accepted (payload, emv);
  check_amount (payload, emv);

  /* A second reference outlives nothing: the boxed type's copy is a ref. */
  kassa_emv_unref (kassa_emv_ref (emv));

  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *payload = NULL;

  kassa_fuzz_init ();

  /* `desc` is a C string once json-glib has read it: up to the first NUL. */
  payload = kassa_fuzz_strndup (data, size);
  check_payload (payload);

  /* The same data objects with a valid CRC of either kind. Whether that
   * parses depends on the TLV; if it does, the CRC must be the one added. */
  for (KassaEmvCrcKind kind = KASSA_EMV_CRC_X25; kind <= KASSA_EMV_CRC_CCITT_FALSE; kind++)
    {
      g_autofree char *sealed = kassa_emv_seal (payload, kind);
      g_autoptr(KassaEmv) emv = kassa_emv_parse (sealed, NULL);

      if (emv != NULL)
        {
          const char *tag63 = kassa_emv_get_tag (emv, "63");
          g_autofree char *crc = kassa_emv_crc (sealed, strlen (sealed) - 4, kind);

          g_assert_nonnull (tag63);
          g_assert_cmpstr (tag63, ==, crc);
          g_assert_true (check_payload (sealed));
        }
    }

  return 0;
}
