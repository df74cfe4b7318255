/* test-amount.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-amount.h"
#include "kassa-error.h"
#include "kassa-test-util.h"

typedef struct
{
  const char *text;
  gint64      expected;
} AcceptCase;

typedef struct
{
  const char *text;
  const char *message;  /* a substring the message must contain */
} RejectCase;

static void
assert_parses (const char *text,
               gint64      expected)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = -1;
  gboolean ok;

  ok = kassa_amount_parse (text, &amount, &error);
  if (error != NULL)
    g_test_message ("“%s”: %s", text, error->message);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (amount, ==, expected);
}

static void
assert_rejected (const char *text,
                 const char *message)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = 42;
  gboolean ok;

  ok = kassa_amount_parse (text, &amount, &error);
  if (ok)
    g_test_message ("“%s” was accepted as %" G_GINT64_FORMAT, text, amount);
  g_assert_false (ok);
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
  g_assert_nonnull (strstr (error->message, message));
  /* Untouched on failure. */
  g_assert_cmpint (amount, ==, 42);
}

static void
test_parse_accepts (void)
{
  static const AcceptCase cases[] = {
    { "1500", 1500 },
    { "1 500", 1500 },
    { "1,500", 1500 },
    { "1500₮", 1500 },
    { "1 500 ₮", 1500 },
    { "1 500₮", 1500 },
    { "1500 ₮", 1500 },
    { "1\u00A0500", 1500 },          /* no-break space */
    { "1\u202F500", 1500 },          /* narrow no-break space */
    { "1\u202F500\u00A0₮", 1500 },
    { "1\u00A0500\u202F000", 1500000 }, /* all spaces are one kind */
    { "  1500  ", 1500 },
    { "\t1500\n", 1500 },
    { "\u00A01 500 ₮\u202F", 1500 },
    { "1", 1 },
    { "999", 999 },
    { "999 999", 999999 },
    { "999,999", 999999 },
    { "1 000 000", 1000000 },
    { "1,000,000", 1000000 },
    { "1000000", 1000000 },
    { "12,345,678", 12345678 },
    { "1000000000000", KASSA_AMOUNT_MAX },
    { "1,000,000,000,000", KASSA_AMOUNT_MAX },
    { "1 000 000 000 000 ₮", KASSA_AMOUNT_MAX },
    { "999,999,999,999", 999999999999 },
    { "007", 7 },                    /* leading zeros: the meaning is not in doubt */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_parses (cases[i].text, cases[i].expected);
}

static void
test_parse_rejects (void)
{
  static const RejectCase cases[] = {
    /* nothing */
    { NULL, "No amount" },
    { "", "No amount" },
    { "   ", "No amount" },
    { "\u00A0\u202F", "No amount" },
    /* too small */
    { "0", "at least 1 ₮" },
    { "000", "at least 1 ₮" },
    { "0₮", "at least 1 ₮" },
    { "-5", "at least 1 ₮" },
    { "-1,500", "at least 1 ₮" },
    { "\u22125", "at least 1 ₮" },     /* U+2212 MINUS SIGN */
    { "-0", "at least 1 ₮" },
    /* too large */
    { "1000000000001", "cannot exceed 1,000,000,000,000 ₮" },
    { "1,000,000,000,001", "cannot exceed 1,000,000,000,000 ₮" },
    { "99999999999999999999", "cannot exceed" },
    { "9999999999999999999999999999999999999999", "cannot exceed" },
    /* fractions */
    { "1500.5", "Fractions" },
    { "1500.00", "Fractions" },
    { "1500.0", "Fractions" },
    { "1,500.50", "Fractions" },
    { "0.5", "Fractions" },
    { ".5", "Fractions" },
    { "1,5", "Fractions" },
    { "15,00", "Fractions" },
    { "1,50", "Fractions" },
    { "1 500,50", "Fractions" },
    { "1500.5₮", "Fractions" },
    /* grouping */
    { "1,5000", "grouped in threes" },
    { "1500,000", "grouped in threes" },
    { "1,500,00", "grouped in threes" },
    { "1 50 000", "grouped in threes" },
    { "12 3456", "grouped in threes" },
    /* separators */
    { "1,500 000", "one kind of separator" },
    { "1 000,000", "one kind of separator" },
    /* garbage */
    { "abc", "“abc” is not an amount" },
    { "12a", "“12a” is not an amount" },
    { "1e6", "“1e6” is not an amount" },
    { "+5", "“+5” is not an amount" },
    { " 12a ", "“12a” is not an amount" },
    { "₮", "is not an amount" },
    { "₮1500", "is not an amount" },
    { "1500₮₮", "is not an amount" },
    { "1500 ₮ 5", "is not an amount" },
    { "1500$", "is not an amount" },
    { "--5", "is not an amount" },
    { "-", "is not an amount" },
    { "1500.", "is not an amount" },
    { "1.5.0", "is not an amount" },
    { ",500", "is not an amount" },
    { "500,", "is not an amount" },
    { "1,,500", "is not an amount" },
    { "1  500", "is not an amount" },
    { "1_500", "is not an amount" },
    { "0x10", "is not an amount" },
    { "١٥٠٠", "is not an amount" },    /* Arabic-Indic digits */
    { "１５００", "is not an amount" },   /* full-width digits */
    { "15\xff" "00", "is not an amount" }, /* not UTF-8 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i].text, cases[i].message);
}

static void
test_parse_message_is_safe (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_text = g_strnfill (200, 'x');

  /* A control character is not echoed into the message. */
  g_assert_false (kassa_amount_parse ("12\x1b[31m", NULL, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
  g_assert_null (strchr (error->message, '\x1b'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  /* Invalid UTF-8 gives a valid UTF-8 message. */
  g_assert_false (kassa_amount_parse ("\xc3\x28", NULL, &error));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  /* Long input is shortened. */
  g_assert_false (kassa_amount_parse (long_text, NULL, &error));
  g_assert_cmpuint (strlen (error->message), <, 100);
  g_assert_nonnull (strstr (error->message, "…"));
  g_clear_error (&error);

  /* A NULL out pointer is fine. */
  g_assert_true (kassa_amount_parse ("5", NULL, NULL));
  g_assert_false (kassa_amount_parse ("x", NULL, NULL));
}

static void
test_validate (void)
{
  static const gint64 good[] = { 1, 999, 999999, 1000000, KASSA_AMOUNT_MAX };
  static const gint64 bad[] = { 0, -1, G_MININT64, KASSA_AMOUNT_MAX + 1, G_MAXINT64 };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (kassa_amount_validate (good[i], &error));
      g_assert_no_error (error);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (kassa_amount_validate (bad[i], &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
    }
}

static void
test_wire (void)
{
  static const struct { gint64 amount; const char *wire; } cases[] = {
    { 1, "1" },
    { 999, "999" },
    { 1000, "1000" },
    { 999999, "999999" },
    { 1000000, "1000000" },          /* never "1e+06", never "1000000.00" */
    { 1500000, "1500000" },
    { KASSA_AMOUNT_MAX, "1000000000000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *wire = kassa_amount_to_wire (cases[i].amount);
      gint64 back = 0;

      g_assert_cmpstr (wire, ==, cases[i].wire);
      g_assert_true (kassa_amount_from_wire (wire, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpint (back, ==, cases[i].amount);
    }
}

static void
test_wire_strict (void)
{
  static const char * const bad[] = {
    NULL, "", "0", "00", "0100", "-5", "+5", " 5", "5 ", "1,000", "1 000", "1000.00",
    "1000.", "1e6", "1e+06", "1000₮", "abc", "1000000000001", "99999999999999999999",
    "0000000000000000000001",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 amount = 42;

      g_assert_false (kassa_amount_from_wire (bad[i], &amount, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
      g_assert_cmpint (amount, ==, 42);
    }
}

static void
test_display (void)
{
  static const struct { gint64 amount; const char *display; } cases[] = {
    { 1, "1₮" },
    { 12, "12₮" },
    { 999, "999₮" },
    { 1000, "1,000₮" },
    { 1500, "1,500₮" },
    { 12345, "12,345₮" },
    { 999999, "999,999₮" },
    { 1000000, "1,000,000₮" },
    { 123456789, "123,456,789₮" },
    { KASSA_AMOUNT_MAX, "1,000,000,000,000₮" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *display = kassa_amount_to_display (cases[i].amount);

      g_assert_cmpstr (display, ==, cases[i].display);
    }
}

static void
test_display_round_trip (void)
{
  static const gint64 amounts[] = {
    1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10000, 99999, 100000, 999999, 1000000,
    1000001, 123456789, 999999999999, KASSA_AMOUNT_MAX,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (amounts); i++)
    {
      g_autofree char *display = kassa_amount_to_display (amounts[i]);
      g_autofree char *wire = kassa_amount_to_wire (amounts[i]);

      assert_parses (display, amounts[i]);
      assert_parses (wire, amounts[i]);
    }

  /* Powers of ten and their neighbours across the whole range. */
  for (gint64 p = 1; p <= KASSA_AMOUNT_MAX; p *= 10)
    {
      for (gint64 delta = -1; delta <= 1; delta++)
        {
          gint64 amount = p + delta;
          g_autofree char *display = NULL;

          if (amount < KASSA_AMOUNT_MIN || amount > KASSA_AMOUNT_MAX)
            continue;
          display = kassa_amount_to_display (amount);
          assert_parses (display, amount);
        }
    }
}

static void
test_display_out_of_range (void)
{
  g_autofree char *negative = kassa_amount_to_display (-1500);
  g_autofree char *minimum = kassa_amount_to_display (G_MININT64);
  g_autofree char *zero = kassa_amount_to_display (0);

  /* Display never refuses: a refund shown as a negative sum must not crash. */
  g_assert_cmpstr (negative, ==, "-1,500₮");
  g_assert_cmpstr (minimum, ==, "-9,223,372,036,854,775,808₮");
  g_assert_cmpstr (zero, ==, "0₮");
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/amount/parse/accepts", test_parse_accepts);
  g_test_add_func ("/amount/parse/rejects", test_parse_rejects);
  g_test_add_func ("/amount/parse/message-is-safe", test_parse_message_is_safe);
  g_test_add_func ("/amount/validate", test_validate);
  g_test_add_func ("/amount/wire", test_wire);
  g_test_add_func ("/amount/wire-strict", test_wire_strict);
  g_test_add_func ("/amount/display", test_display);
  g_test_add_func ("/amount/display-round-trip", test_display_round_trip);
  g_test_add_func ("/amount/display-out-of-range", test_display_out_of_range);

  return g_test_run ();
}
