/* test-credentials.c — the account's checks and the connection test's reading, without a network
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa_bank_url_validate() against the client that applies it,
 * kassa_credentials_validate() for every field, and kassa_bank_read_probe()
 * for every outcome, with the words both account windows show, and in
 * agreement with the till's own reading of the same errorType
 * (kassa_till_read_check()). The same service against a real simulator is
 * test-credentials-sim.c.
 */

#include "config.h"

#include <string.h>

#include "kassa-core.h"
#include "kassa-credentials.h"
#include "kassa-till-private.h"
#include "kassa-test-util.h"

#define URL "https://instore.golomtbank.com"

static void
assert_has (const char *text,
            const char *part)
{
  g_assert_nonnull (text);
  if (strstr (text, part) == NULL)
    g_error ("“%s” is not in “%s”", part, text);
}

/* ------------------------------------------------------------------ */
/* The bank address                                                    */

static void
test_url_validate (void)
{
  static const char * const good[] = {
    "http://127.0.0.1:1",
    "http://127.0.0.1:1/",
    "http://127.1.2.3:8080",
    "http://localhost:8080",
    "http://LOCALHOST:8080",
    "http://[::1]:8080",
    "https://127.0.0.1:8443",
    "https://instore.golomtbank.com",
    "HTTPS://instore.golomtbank.com//",
    KASSA_BANK_PRODUCTION_URL,
  };
  static const struct {
    const char *url;
    const char *message;
  } bad[] = {
    { "http://example.com", "http:// is allowed only to this computer" },
    { "http://192.168.1.10:8080", "http:// is allowed only to this computer" },
    { "http://instore.golomtbank.com", "must start with https://" },
    { "ftp://127.0.0.1", "must start with https://" },
    { "file:///tmp/bank", "no host name" },
    { "instore.golomtbank.com", "not a valid web address" },
    { "https://", "no host name" },
    { "https://instore.golomtbank.com/?x=1", "“?”" },
    { "https://instore.golomtbank.com/#frag", "“#”" },
    { "https://user:pw@instore.golomtbank.com", "user name" },
    { "", "No bank address" },
    { NULL, "No bank address" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankClient) client = NULL;

      g_assert_true (kassa_bank_url_validate (good[i], &error));
      g_assert_no_error (error);

      /* The client applies the same rule. */
      client = kassa_bank_client_new (good[i], KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, NULL,
                                      NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (client);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) client_error = NULL;
      g_autoptr(KassaBankClient) client = NULL;

      g_test_message ("bad URL %s", bad[i].url);
      g_assert_false (kassa_bank_url_validate (bad[i].url, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL);
      assert_has (error->message, bad[i].message);

      client = kassa_bank_client_new (bad[i].url, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, NULL,
                                      NULL, &client_error);
      g_assert_null (client);
      g_assert_error (client_error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL);
      g_assert_cmpstr (client_error->message, ==, error->message);
    }
}

/* ------------------------------------------------------------------ */
/* The fields                                                          */

static void
test_validate (void)
{
  static const struct {
    const char            *terminal;
    const char            *secret;
    const char            *url;
    KassaCredentialsField  fields;
    const char            *message;
  } cases[] = {
    { "", KASSA_TEST_SECRET, URL, KASSA_CREDENTIALS_FIELD_TERMINAL, "No terminal id" },
    { "1234567", KASSA_TEST_SECRET, URL, KASSA_CREDENTIALS_FIELD_TERMINAL, "exactly 8 digits" },
    { "1234567a", KASSA_TEST_SECRET, URL, KASSA_CREDENTIALS_FIELD_TERMINAL, "exactly 8 digits" },
    { KASSA_TEST_TERMINAL, "tab\tinside", URL, KASSA_CREDENTIALS_FIELD_SECRET,
      "control characters" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "", KASSA_CREDENTIALS_FIELD_URL,
      "Enter the bank address" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "  ", KASSA_CREDENTIALS_FIELD_URL,
      "Enter the bank address" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "http://instore.golomtbank.com",
      KASSA_CREDENTIALS_FIELD_URL, "must start with https://" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "https://bank.example/?x=1",
      KASSA_CREDENTIALS_FIELD_URL, "“?”" },
    { "12", "line\nbreak", "http://example.com",
      KASSA_CREDENTIALS_FIELD_TERMINAL | KASSA_CREDENTIALS_FIELD_SECRET |
      KASSA_CREDENTIALS_FIELD_URL, "8 digits\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;

      g_assert_false (kassa_credentials_validate (cases[i].terminal, cases[i].secret,
                                                  cases[i].url, &fields, &error));
      g_assert_true (error->domain == KASSA_INPUT_ERROR);
      g_assert_cmpint (fields, ==, cases[i].fields);
      assert_has (error->message, cases[i].message);
      g_assert_null (strstr (error->message, "tab\tinside"));
      g_assert_null (strstr (error->message, "line\nbreak"));
    }

  /* Spaces around the terminal and the address do not matter; an empty
   * secret means "the stored one", so it is not refused here. */
  g_assert_true (kassa_credentials_validate (" " KASSA_TEST_TERMINAL " ", NULL,
                                             " http://localhost:9/ ", NULL, NULL));
  g_assert_true (kassa_credentials_validate (KASSA_TEST_TERMINAL, "", URL, NULL, NULL));
  g_assert_true (kassa_credentials_validate (KASSA_TEST_TERMINAL, " spaced key ", URL, NULL,
                                             NULL));
}

/* ------------------------------------------------------------------ */
/* The connection test's reading                                       */

static KassaCredentialsStatus
probe (const GError           *error,
       KassaCredentialsField  *out_fields,
       char                  **out_message)
{
  return kassa_bank_read_probe (KASSA_TEST_TERMINAL, URL, 15, NULL, error, out_fields,
                                out_message);
}

static GError *
refusal (const char *type,
         const char *desc)
{
  GError *error = NULL;

  kassa_bank_error_set (&error, KASSA_BANK_ERROR_REJECTED, 200, 400, type, desc,
                        "The bank refused the request: %s", desc != NULL ? desc : "?");
  return error;
}

static void
test_probe_transaction (void)
{
  KassaBankTransaction transaction = { 0 };
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_URL;
  g_autofree char *message = NULL;

  /* Any transaction: the client verified its checksum with this secret. */
  g_assert_cmpint (kassa_bank_read_probe (KASSA_TEST_TERMINAL, URL, 15, &transaction, NULL,
                                          &fields, &message),
                   ==, KASSA_CREDENTIALS_STATUS_TEST_OK);
  g_assert_cmpint (fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
  g_assert_cmpstr (message, ==, "The connection works: the bank knows terminal " KASSA_TEST_TERMINAL
                   " and accepted the secret key.");
}

/* "No such invoice" and "not paid" mean the bank checked terminal and
 * checksum first: in every spelling the till accepts, in any case. */
static void
test_probe_invoice_words (void)
{
  static const char * const words[] = {
    "NOT_FOUND", "not_found", "INVOICE_NOT_FOUND", "invoice_not_found", "Invoice_Not_Found",
    "NOT_PAID", "not_paid", "UNPAID", "Unpaid",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autoptr(GError) error = refusal (words[i], "Нэхэмжлэх олдсонгүй");
      g_autofree char *message = NULL;
      g_autofree char *quoted = g_strdup_printf ("“Нэхэмжлэх олдсонгүй (%s)”", words[i]);
      KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_URL;

      g_test_message ("errorType %s", words[i]);
      g_assert_cmpint (probe (error, &fields, &message), ==, KASSA_CREDENTIALS_STATUS_TEST_OK);
      g_assert_cmpint (fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
      assert_has (message, "The connection works: the bank knows terminal " KASSA_TEST_TERMINAL);
      assert_has (message, quoted);
      assert_has (message, "as expected");
    }
}

static void
test_probe_credential_words (void)
{
  static const struct {
    const char            *type;
    KassaCredentialsField  field;
    const char            *message;
  } cases[] = {
    { "CHECKSUM", KASSA_CREDENTIALS_FIELD_SECRET,
      "The bank refused the secret key for terminal " KASSA_TEST_TERMINAL },
    { "checksum", KASSA_CREDENTIALS_FIELD_SECRET, "refused the secret key" },
    { "TERMINAL", KASSA_CREDENTIALS_FIELD_TERMINAL,
      "The bank does not know terminal " KASSA_TEST_TERMINAL },
    { "Terminal", KASSA_CREDENTIALS_FIELD_TERMINAL, "Check the terminal ID" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = refusal (cases[i].type, "буруу");
      g_autofree char *message = NULL;
      KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;

      g_test_message ("errorType %s", cases[i].type);
      g_assert_cmpint (probe (error, &fields, &message), ==,
                       KASSA_CREDENTIALS_STATUS_TEST_FAILED);
      g_assert_cmpint (fields, ==, cases[i].field);
      assert_has (message, cases[i].message);
      assert_has (message, "буруу");
      assert_has (message, cases[i].type);
    }
}

/* Words nobody knows, and none: refused, "cannot tell". */
static void
test_probe_unknown_words (void)
{
  static const char * const words[] = {
    "VALIDATION", "CANCELLED", "REFUNDED", "NOT_FOUND_X", "CHECKSUM_MISMATCH", "", NULL,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autoptr(GError) error = refusal (words[i], "Хүсэлт буруу");
      g_autofree char *message = NULL;
      KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_URL;

      g_test_message ("errorType %s", words[i] != NULL ? words[i] : "(none)");
      g_assert_cmpint (probe (error, &fields, &message), ==,
                       KASSA_CREDENTIALS_STATUS_TEST_FAILED);
      g_assert_cmpint (fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
      assert_has (message, "The bank refused the test request: “Хүсэлт буруу");
      assert_has (message, "cannot tell whether the terminal ID and secret key are right");
    }

  /* No words at all: the client's own sentence. */
  {
    g_autoptr(GError) error = refusal (NULL, NULL);
    g_autofree char *message = NULL;
    KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_URL;

    g_assert_cmpint (probe (error, &fields, &message), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
    assert_has (message, "“The bank refused the request: ?”");
  }
}

/* The test and the till read a refused check the same way: "works" exactly
 * when the till reads the invoice as unknown or unpaid. */
static void
test_probe_agrees_with_till (void)
{
  static const char * const words[] = {
    "NOT_FOUND", "Not_Found", "INVOICE_NOT_FOUND", "NOT_PAID", "unpaid", "CANCELLED",
    "already_cancelled", "REFUNDED", "ALREADY_REFUNDED", "CHECKSUM", "TERMINAL", "SYSTEM",
    "notfound", "",
  };
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autoptr(GError) error = refusal (words[i], "desc");
      g_autofree char *message = NULL;
      KassaCredentialsField fields;
      KassaCheckReading reading = kassa_till_read_check (profile, NULL, error);
      gboolean works = reading == KASSA_CHECK_UNKNOWN_INVOICE || reading == KASSA_CHECK_NOT_PAID;

      g_test_message ("errorType %s: till %s", words[i], kassa_check_reading_to_string (reading));
      g_assert_cmpint (probe (error, &fields, &message) == KASSA_CREDENTIALS_STATUS_TEST_OK, ==,
                       works);
    }
}

static void
test_probe_failures (void)
{
  static const struct {
    KassaBankError         code;
    const char            *text;
    KassaCredentialsField  field;
    const char            *parts[3];
  } cases[] = {
    { KASSA_BANK_ERROR_CHECKSUM_MISMATCH, "The reply's checksum does not match",
      KASSA_CREDENTIALS_FIELD_SECRET,
      { "does not match this terminal and secret key (The reply's checksum does not match)",
        "Check the secret key", NULL } },
    { KASSA_BANK_ERROR_TLS, "The bank’s identity could not be verified (TLS): unknown CA",
      KASSA_CREDENTIALS_FIELD_URL,
      { "identity could not be verified (TLS): unknown CA. Nothing was sent.",
        "intercepts secure connections", NULL } },
    { KASSA_BANK_ERROR_TRANSPORT, "Could not reach the bank: Connection refused",
      KASSA_CREDENTIALS_FIELD_URL,
      { "Could not reach the bank: Connection refused. Check the bank address (" URL ")",
        "network connection", NULL } },
    { KASSA_BANK_ERROR_MALFORMED_REPLY, "not JSON", KASSA_CREDENTIALS_FIELD_URL,
      { "Something answered at " URL ", but not the bank’s payment service (not JSON)",
        "Check the bank address", NULL } },
    { KASSA_BANK_ERROR_TIMEOUT, "timed out", KASSA_CREDENTIALS_FIELD_URL,
      { "The bank did not answer within 15 seconds", "Check the bank address", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (KASSA_BANK_ERROR, cases[i].code,
                                                     cases[i].text);
      g_autofree char *message = NULL;
      KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;

      g_test_message ("%s", cases[i].text);
      g_assert_cmpint (probe (error, &fields, &message), ==,
                       KASSA_CREDENTIALS_STATUS_TEST_FAILED);
      g_assert_cmpint (fields, ==, cases[i].field);
      for (guint p = 0; cases[i].parts[p] != NULL; p++)
        assert_has (message, cases[i].parts[p]);
    }

  /* One second, said in the singular. */
  {
    g_autoptr(GError) error = g_error_new_literal (KASSA_BANK_ERROR, KASSA_BANK_ERROR_TIMEOUT,
                                                   "timed out");
    g_autofree char *message = NULL;
    KassaCredentialsField fields;

    g_assert_cmpint (kassa_bank_read_probe (KASSA_TEST_TERMINAL, URL, 1, NULL, error, &fields,
                                            &message),
                     ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
    assert_has (message, "did not answer within 1 second.");
  }

  /* The bank's own failure: not the address, try later, in its words. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_URL;

    kassa_bank_error_set (&error, KASSA_BANK_ERROR_BANK_SYSTEM, 500, 500, "SYSTEM",
                          "Системийн алдаа", "The bank reported a system error");
    g_assert_cmpint (probe (error, &fields, &message), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
    g_assert_cmpint (fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
    assert_has (message, "The bank reported a problem on its side: “Системийн алдаа (SYSTEM)”");
    assert_has (message, "Try again later");
  }
}

/* Not the bank's words: values the client refused, and anything else. */
static void
test_probe_other_errors (void)
{
  g_autoptr(GError) input = g_error_new_literal (KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                                                 "The bank address is wrong");
  g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "disk on fire");
  g_autofree char *message = NULL;
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_URL;

  g_assert_cmpint (probe (input, &fields, &message), ==, KASSA_CREDENTIALS_STATUS_INVALID);
  g_assert_cmpint (fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
  g_assert_cmpstr (message, ==, "The bank address is wrong");
  g_clear_pointer (&message, g_free);

  g_assert_cmpint (probe (io, &fields, &message), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_assert_cmpint (fields, ==, KASSA_CREDENTIALS_FIELD_NONE);
  g_assert_cmpstr (message, ==, "The connection test failed: disk on fire");
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/credentials/url-validate", test_url_validate);
  g_test_add_func ("/credentials/validate", test_validate);
  g_test_add_func ("/credentials/probe/transaction", test_probe_transaction);
  g_test_add_func ("/credentials/probe/invoice-words", test_probe_invoice_words);
  g_test_add_func ("/credentials/probe/credential-words", test_probe_credential_words);
  g_test_add_func ("/credentials/probe/unknown-words", test_probe_unknown_words);
  g_test_add_func ("/credentials/probe/agrees-with-till", test_probe_agrees_with_till);
  g_test_add_func ("/credentials/probe/failures", test_probe_failures);
  g_test_add_func ("/credentials/probe/other-errors", test_probe_other_errors);

  return g_test_run ();
}
