/* test-checksum.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-checksum.h"
#include "kassa-test-util.h"

typedef struct
{
  const char *parts[5];
  const char *hex;
} Vector;

/* The fact sheet's §2.3, key "secret123", terminal "12345678". */
static const Vector vectors[] = {
  /* QR, cancel, check: terminal + invoice + amount */
  { { "12345678", "INV0001", "1000", NULL },
    "e4d49e758d276b0da1247f36230e7765872e0e4094623018ff8f42407db9fe87" },
  /* the same with "1000.00": why the amount's exact string matters */
  { { "12345678", "INV0001", "1000.00", NULL },
    "bbfc503a50f5dbbc640ec2978032f502aa310196ab485f9d0f312fdc382384b8" },
  /* invoice by phone: terminal + invoice + amount + phone */
  { { "12345678", "INV0001", "1000", "99112233", NULL },
    "6b65d3e36ec0370b4e4ad8940105635a6559a3a7c43e04e9b51201de4bcabce7" },
  /* settlement: terminal + settlement id */
  { { "12345678", "SETTLE20240101", NULL },
    "b0f93c2555f4c5d2ae7b55ab743f5f7dffe3ca362ec36e0ac337b837abffcbbb" },
  /* old erxes refund order: amount + invoice + terminal */
  { { "1000", "INV0001", "12345678", NULL },
    "28aa5df5375cd5a8d6fe9593d319699f6593e6da6d2048639c7b6f95bc1b8c04" },
};

static void
test_vectors_concatv (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *hex = kassa_checksum_concatv (KASSA_TEST_SECRET, vectors[i].parts);

      g_assert_cmpstr (hex, ==, vectors[i].hex);
    }
}

static void
test_vectors_concat (void)
{
  g_autofree char *qr = kassa_checksum_concat (KASSA_TEST_SECRET, KASSA_TEST_TERMINAL,
                                               "INV0001", "1000", NULL);
  g_autofree char *decimals = kassa_checksum_concat (KASSA_TEST_SECRET, KASSA_TEST_TERMINAL,
                                                     "INV0001", "1000.00", NULL);
  g_autofree char *phone = kassa_checksum_concat (KASSA_TEST_SECRET, KASSA_TEST_TERMINAL,
                                                  "INV0001", "1000", "99112233", NULL);
  g_autofree char *settlement = kassa_checksum_concat (KASSA_TEST_SECRET, KASSA_TEST_TERMINAL,
                                                       "SETTLE20240101", NULL);
  g_autofree char *reversed = kassa_checksum_concat (KASSA_TEST_SECRET, "1000", "INV0001",
                                                     KASSA_TEST_TERMINAL, NULL);

  g_assert_cmpstr (qr, ==, vectors[0].hex);
  g_assert_cmpstr (decimals, ==, vectors[1].hex);
  g_assert_cmpstr (phone, ==, vectors[2].hex);
  g_assert_cmpstr (settlement, ==, vectors[3].hex);
  g_assert_cmpstr (reversed, ==, vectors[4].hex);
}

static void
test_vectors_hmac (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *message = g_strjoinv ("", (char **) vectors[i].parts);
      g_autofree char *hex = kassa_checksum_hmac (KASSA_TEST_SECRET, message);

      g_assert_cmpstr (hex, ==, vectors[i].hex);
    }
}

static void
test_rfc4231 (void)
{
  /* RFC 4231 test case 2: an independent check that this is HMAC-SHA256 itself. */
  g_autofree char *hex = kassa_checksum_hmac ("Jefe", "what do ya want for nothing?");
  /* HMAC-SHA256 with an empty key and message, per any reference implementation. */
  g_autofree char *empty = kassa_checksum_hmac ("", "");

  g_assert_cmpstr (hex, ==, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  g_assert_cmpstr (empty, ==, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void
test_separators_matter (void)
{
  /* No separators: how the parts are split does not change the result... */
  g_autofree char *split = kassa_checksum_concat (KASSA_TEST_SECRET, "1234", "5678INV0001",
                                                  "1000", NULL);
  /* ...but the key and the content do. */
  g_autofree char *other_key = kassa_checksum_concat ("secret124", KASSA_TEST_TERMINAL,
                                                      "INV0001", "1000", NULL);
  g_autofree char *no_parts = kassa_checksum_concat (KASSA_TEST_SECRET, NULL);
  g_autofree char *empty_message = kassa_checksum_hmac (KASSA_TEST_SECRET, "");

  g_assert_cmpstr (split, ==, vectors[0].hex);
  g_assert_cmpstr (other_key, !=, vectors[0].hex);
  g_assert_cmpuint (strlen (other_key), ==, KASSA_CHECKSUM_LENGTH);
  g_assert_cmpstr (no_parts, ==, empty_message);
}

static void
test_utf8_key (void)
{
  /* The key is the secret's raw UTF-8 bytes; Latin-1 bytes of the "same" text differ. */
  g_autofree char *utf8 = kassa_checksum_hmac ("нууц", "message");
  g_autofree char *other = kassa_checksum_hmac ("\xed\xf3\xf3\xf6", "message");

  g_assert_cmpuint (strlen (utf8), ==, KASSA_CHECKSUM_LENGTH);
  g_assert_cmpstr (utf8, !=, other);
  for (const char *p = utf8; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
}

static void
test_equal (void)
{
  const char *good = vectors[0].hex;
  g_autofree char *upper = g_ascii_strup (good, -1);
  g_autofree char *mixed = g_strdup (good);
  g_autofree char *flipped = g_strdup (good);
  g_autofree char *last_flipped = g_strdup (good);
  g_autofree char *non_hex = g_strdup (good);
  g_autofree char *longer = g_strconcat (good, "0", NULL);
  g_autofree char *shorter = g_strndup (good, KASSA_CHECKSUM_LENGTH - 1);
  g_autofree char *spaced = g_strconcat (" ", shorter, NULL);

  for (gsize i = 0; mixed[i] != '\0'; i += 2)
    mixed[i] = g_ascii_toupper (mixed[i]);
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  last_flipped[KASSA_CHECKSUM_LENGTH - 1] = last_flipped[KASSA_CHECKSUM_LENGTH - 1] == '0' ? '1'
                                                                                          : '0';
  non_hex[10] = 'g';

  g_assert_true (kassa_checksum_equal (good, good));
  g_assert_true (kassa_checksum_equal (good, upper));
  g_assert_true (kassa_checksum_equal (good, mixed));

  g_assert_false (kassa_checksum_equal (good, flipped));
  g_assert_false (kassa_checksum_equal (good, last_flipped));
  g_assert_false (kassa_checksum_equal (good, vectors[1].hex));
  g_assert_false (kassa_checksum_equal (good, non_hex));
  g_assert_false (kassa_checksum_equal (good, longer));
  g_assert_false (kassa_checksum_equal (good, shorter));
  g_assert_false (kassa_checksum_equal (good, spaced));
  g_assert_false (kassa_checksum_equal (good, ""));
  g_assert_false (kassa_checksum_equal (good, NULL));
  g_assert_false (kassa_checksum_equal (NULL, good));
  g_assert_false (kassa_checksum_equal (NULL, NULL));
  g_assert_false (kassa_checksum_equal ("", ""));
  /* Two equal strings that are not checksums are still not a match. */
  g_assert_false (kassa_checksum_equal (non_hex, non_hex));
  g_assert_false (kassa_checksum_equal (shorter, shorter));
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/checksum/vectors/concatv", test_vectors_concatv);
  g_test_add_func ("/checksum/vectors/concat", test_vectors_concat);
  g_test_add_func ("/checksum/vectors/hmac", test_vectors_hmac);
  g_test_add_func ("/checksum/rfc4231", test_rfc4231);
  g_test_add_func ("/checksum/separators-matter", test_separators_matter);
  g_test_add_func ("/checksum/utf8-key", test_utf8_key);
  g_test_add_func ("/checksum/equal", test_equal);

  return g_test_run ();
}
