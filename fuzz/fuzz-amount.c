/* fuzz-amount.c — libFuzzer target: amounts as typed, as sent, as the bank writes them
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is the text, as a cashier types it into the amount entry (or a
 * cash register passes it to `kassa --charge`). It goes through every amount
 * reader of libkassa-core: kassa_amount_parse() (cashier text),
 * kassa_amount_from_wire() (D-Bus, journal) and kassa_bank_profile_parse_amount()
 * under both amount formats (replies, pushes). Invariants: an accepted amount is
 * in range, its display and wire forms read back to the same value, a strict
 * reading accepts only its own canonical form, and every refusal is a
 * KASSA_INPUT_ERROR with a readable message. docs/fuzzing.md.
 */

#include "config.h"

#include <string.h>

#include "kassa-amount.h"
#include "kassa-bank-profile.h"
#include "kassa-error.h"
#include "kassa-fuzz.h"

static void
assert_parses_to (const char *text,
                  gint64      expected)
{
  g_autoptr(GError) error = NULL;
  gint64 value = -1;

  if (!kassa_amount_parse (text, &value, &error))
    g_error ("“%s” (from %" G_GINT64_FORMAT ") does not parse back: %s",
             text, expected, error->message);
  g_assert_cmpint (value, ==, expected);
}

/* Display and wire forms of an accepted amount read back to it. */
static void
check_round_trip (gint64 amount)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  g_autofree char *wire = NULL;
  gint64 value = -1;

  g_assert_cmpint (amount, >=, KASSA_AMOUNT_MIN);
  g_assert_cmpint (amount, <=, KASSA_AMOUNT_MAX);
  g_assert_true (kassa_amount_validate (amount, NULL));

  display = kassa_amount_to_display (amount);
  g_assert_true (g_utf8_validate (display, -1, NULL));
  assert_parses_to (display, amount);

  wire = kassa_amount_to_wire (amount);
  g_assert_nonnull (wire);
  g_assert_cmpuint (strspn (wire, "0123456789"), ==, strlen (wire));
  assert_parses_to (wire, amount);

  if (!kassa_amount_from_wire (wire, &value, &error))
    g_error ("wire form “%s” is refused: %s", wire, error->message);
  g_assert_cmpint (value, ==, amount);
}

static void
check_cashier_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = -1;

  if (kassa_amount_parse (text, &amount, &error))
    {
      g_assert_no_error (error);
      check_round_trip (amount);
    }
  else
    {
      g_assert_cmpint (amount, ==, -1);  /* nothing written on failure */
      kassa_fuzz_check_error (error, KASSA_INPUT_ERROR);
      g_assert_cmpint (error->code, ==, KASSA_INPUT_ERROR_AMOUNT);
    }
}

static void
check_wire_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = -1;

  if (kassa_amount_from_wire (text, &amount, &error))
    {
      g_autofree char *wire = kassa_amount_to_wire (amount);

      /* Strict: only the canonical form is accepted. */
      g_assert_cmpstr (wire, ==, text);
      check_round_trip (amount);
    }
  else
    {
      kassa_fuzz_check_error (error, KASSA_INPUT_ERROR);
      g_assert_cmpint (error->code, ==, KASSA_INPUT_ERROR_AMOUNT);
    }
}

static void
check_profile_text (const char *text,
                    const char *amount_format)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  gint64 amount = -1;

  g_assert_true (kassa_bank_profile_set_reading (profile, "amount-format", amount_format, NULL));

  if (kassa_bank_profile_parse_amount (profile, text, &amount, &error))
    {
      g_autofree char *formatted = kassa_bank_profile_format_amount (profile, amount);
      gint64 again = -1;

      g_assert_cmpint (amount, >=, 0);
      g_assert_true (kassa_bank_profile_parse_amount (profile, formatted, &again, NULL));
      g_assert_cmpint (again, ==, amount);

      /* The plain reading accepts exactly what it writes. */
      if (g_str_equal (amount_format, "plain"))
        g_assert_cmpstr (formatted, ==, text);
      /* Whatever the bank's form, a positive amount in range is also valid wire text. */
      if (amount >= KASSA_AMOUNT_MIN && amount <= KASSA_AMOUNT_MAX)
        check_round_trip (amount);
    }
  else
    {
      kassa_fuzz_check_error (error, KASSA_INPUT_ERROR);
      g_assert_cmpint (error->code, ==, KASSA_INPUT_ERROR_AMOUNT);
    }
}

/* Any 64-bit value has a display form, even one no parser accepts. */
static void
check_display (const uint8_t *data,
               size_t         size)
{
  g_autofree char *display = NULL;
  gint64 value = 0;

  if (size < sizeof value)
    return;

  memcpy (&value, data, sizeof value);
  display = kassa_amount_to_display (value);
  g_assert_true (g_utf8_validate (display, -1, NULL));
  if (value >= KASSA_AMOUNT_MIN && value <= KASSA_AMOUNT_MAX)
    assert_parses_to (display, value);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  kassa_fuzz_init ();

  /* The entry's text and argv never hold a NUL: read up to the first one. */
  text = kassa_fuzz_strndup (data, size);

  check_cashier_text (text);
  check_wire_text (text);
  check_profile_text (text, "plain");
  check_profile_text (text, "two-decimals");
  check_display (data, size);

  return 0;
}
