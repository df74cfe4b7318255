/* kassa-till-reading.c — what the bank's answers mean to the till
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The only place that interprets a `check` outcome — the till's
 * (kassa_till_read_check) and the connection test's (kassa_bank_read_probe,
 * declared in kassa-credentials.h) — and validates a create reply's payload
 * (the manager PIN is kassa-manager.c's). docs/lifecycle.md and
 * docs/credentials.md explain the readings and why they are as cautious as
 * they are.
 */

#include "config.h"

#include "kassa-till-private.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "kassa-credentials.h"
#include "kassa-emv.h"
#include "kassa-error.h"

#define DEEPLINK_PREFIX "socialpay-payment://"
#define MAX_PAYLOAD 512

/* resp_code values that mean "exists, not paid yet" in a header.code 200
 * check reply. Only the simulator's "01" is known; the bank's is not
 * documented (fact sheet §6.8, open question 3). */
static const char * const unpaid_resp_codes[] = { "01", NULL };

/* errorType words of a refused check (header.code 400), compared without case.
 * The bank's vocabulary is undocumented; these are the simulator's words and
 * their obvious spellings. Anything else is UNREADABLE: we keep asking. */
static const struct
{
  const char        *error_type;
  KassaCheckReading  reading;
} refused_check_words[] = {
  { "NOT_PAID",          KASSA_CHECK_NOT_PAID },
  { "UNPAID",            KASSA_CHECK_NOT_PAID },
  { "NOT_FOUND",         KASSA_CHECK_UNKNOWN_INVOICE },
  { "INVOICE_NOT_FOUND", KASSA_CHECK_UNKNOWN_INVOICE },
  { "CANCELLED",         KASSA_CHECK_CANCELLED },
  { "ALREADY_CANCELLED", KASSA_CHECK_CANCELLED },
  { "REFUNDED",          KASSA_CHECK_REFUNDED },
  { "ALREADY_REFUNDED",  KASSA_CHECK_REFUNDED },
};

/* errorType words of a request refused for its credentials, compared without
 * case: the simulator's words. The bank checks these before it looks the
 * invoice up. */
static const struct
{
  const char            *error_type;
  KassaCredentialsField  field;
} refused_credential_words[] = {
  { "CHECKSUM", KASSA_CREDENTIALS_FIELD_SECRET },
  { "TERMINAL", KASSA_CREDENTIALS_FIELD_TERMINAL },
};

const char *
kassa_check_reading_to_string (KassaCheckReading reading)
{
  switch (reading)
    {
    case KASSA_CHECK_PAID:            return "paid";
    case KASSA_CHECK_NOT_PAID:        return "not-paid";
    case KASSA_CHECK_DECLINED:        return "declined";
    case KASSA_CHECK_UNKNOWN_INVOICE: return "unknown-invoice";
    case KASSA_CHECK_CANCELLED:       return "cancelled";
    case KASSA_CHECK_REFUNDED:        return "refunded";
    case KASSA_CHECK_UNREADABLE:      return "unreadable";
    case KASSA_CHECK_NO_ANSWER:       return "no-answer";
    default:                          return "invalid";
    }
}

/* What a refused check's errorType says about the invoice; UNREADABLE for a
 * word we do not know (or none). */
static KassaCheckReading
read_refused_check (const char *error_type)
{
  if (error_type == NULL)
    return KASSA_CHECK_UNREADABLE;

  for (guint i = 0; i < G_N_ELEMENTS (refused_check_words); i++)
    if (g_ascii_strcasecmp (error_type, refused_check_words[i].error_type) == 0)
      return refused_check_words[i].reading;

  return KASSA_CHECK_UNREADABLE;
}

static gboolean
is_unpaid_resp_code (const char *resp_code)
{
  for (guint i = 0; unpaid_resp_codes[i] != NULL; i++)
    if (g_strcmp0 (resp_code, unpaid_resp_codes[i]) == 0)
      return TRUE;

  return FALSE;
}

KassaCheckReading
kassa_till_read_check (KassaBankProfile           *profile,
                       const KassaBankTransaction *transaction,
                       const GError               *error)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (profile), KASSA_CHECK_UNREADABLE);
  g_return_val_if_fail ((transaction == NULL) != (error == NULL), KASSA_CHECK_UNREADABLE);

  if (transaction != NULL)
    {
      /* The client already applied the profile's paid test. */
      if (transaction->paid)
        return KASSA_CHECK_PAID;

      /* A 200 reply that is not paid. Either reading of unpaid-check-style
       * may carry the simulator's "still unpaid" code; it is never a decline. */
      if (transaction->resp_code == NULL || *transaction->resp_code == '\0')
        return KASSA_CHECK_UNREADABLE;
      if (is_unpaid_resp_code (transaction->resp_code))
        return KASSA_CHECK_NOT_PAID;

      /* error-envelope: an unpaid invoice is a 400, so a finished 200
       * transaction that failed the paid test was refused by the card side.
       * resp-code: any code but the unpaid one is a refusal. Both readings
       * end in DECLINED here; the risk is documented in docs/lifecycle.md. */
      switch (kassa_bank_profile_get_unpaid_check_style (profile))
        {
        case KASSA_UNPAID_CHECK_ERROR_ENVELOPE:
        case KASSA_UNPAID_CHECK_RESP_CODE:
          return KASSA_CHECK_DECLINED;
        default:
          g_assert_not_reached ();
        }
    }

  if (g_error_matches (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED))
    return read_refused_check (kassa_bank_error_get_error_type (error));

  if (error->domain == KASSA_BANK_ERROR)
    {
      switch ((KassaBankError) error->code)
        {
        case KASSA_BANK_ERROR_TRANSPORT:
        case KASSA_BANK_ERROR_TIMEOUT:
        case KASSA_BANK_ERROR_TLS:
        case KASSA_BANK_ERROR_MALFORMED_REPLY:
        case KASSA_BANK_ERROR_BANK_SYSTEM:
          return KASSA_CHECK_NO_ANSWER;
        case KASSA_BANK_ERROR_CHECKSUM_MISMATCH:
        case KASSA_BANK_ERROR_REJECTED:
        default:
          return KASSA_CHECK_UNREADABLE;
        }
    }

  return KASSA_CHECK_UNREADABLE;
}

/* ------------------------------------------------------------------ */
/* The connection test                                                 */

/* The bank's own words, for the person: "desc (TYPE)", or a fallback. */
static char *
bank_words (const GError *error)
{
  const char *type = kassa_bank_error_get_error_type (error);
  const char *desc = kassa_bank_error_get_error_desc (error);

  if (desc != NULL && type != NULL)
    return g_strdup_printf ("%s (%s)", desc, type);
  if (desc != NULL)
    return g_strdup (desc);
  if (type != NULL)
    return g_strdup (type);

  return g_strdup (error->message);
}

static KassaCredentialsField
read_refused_credentials (const char *error_type)
{
  if (error_type == NULL)
    return KASSA_CREDENTIALS_FIELD_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (refused_credential_words); i++)
    if (g_ascii_strcasecmp (error_type, refused_credential_words[i].error_type) == 0)
      return refused_credential_words[i].field;

  return KASSA_CREDENTIALS_FIELD_NONE;
}

/* A refused `check` of an invoice that does not exist. */
static KassaCredentialsStatus
read_refused_probe (const char             *terminal,
                    const GError           *error,
                    KassaCredentialsField  *out_field,
                    char                  **out_message)
{
  const char *type = kassa_bank_error_get_error_type (error);
  g_autofree char *words = bank_words (error);
  KassaCheckReading reading = read_refused_check (type);

  /* The bank checks terminal and checksum before it looks the invoice up:
   * "no such invoice" or "not paid", in any of the till's words for them,
   * means both passed. */
  if (reading == KASSA_CHECK_UNKNOWN_INVOICE || reading == KASSA_CHECK_NOT_PAID)
    {
      *out_field = KASSA_CREDENTIALS_FIELD_NONE;
      *out_message = g_strdup_printf (_("The connection works: the bank knows terminal %s "
                                        "and accepted the secret key (it answered “%s” "
                                        "about a test invoice, as expected)."),
                                      terminal, words);
      return KASSA_CREDENTIALS_STATUS_TEST_OK;
    }

  *out_field = read_refused_credentials (type);
  switch (*out_field)
    {
    case KASSA_CREDENTIALS_FIELD_SECRET:
      *out_message = g_strdup_printf (_("The bank refused the secret key for terminal %s: "
                                        "“%s”. Check the secret key; it must be exactly as "
                                        "the bank issued it."), terminal, words);
      break;

    case KASSA_CREDENTIALS_FIELD_TERMINAL:
      *out_message = g_strdup_printf (_("The bank does not know terminal %s: “%s”. Check "
                                        "the terminal ID."), terminal, words);
      break;

    case KASSA_CREDENTIALS_FIELD_NONE:
    case KASSA_CREDENTIALS_FIELD_URL:
    default:
      *out_message = g_strdup_printf (_("The bank refused the test request: “%s”. Kassa "
                                        "cannot tell whether the terminal ID and secret "
                                        "key are right."), words);
      break;
    }

  return KASSA_CREDENTIALS_STATUS_TEST_FAILED;
}

KassaCredentialsStatus
kassa_bank_read_probe (const char                 *terminal,
                       const char                 *url,
                       guint                       timeout_s,
                       const KassaBankTransaction *transaction,
                       const GError               *error,
                       KassaCredentialsField      *out_fields,
                       char                      **out_message)
{
  g_autofree char *words = NULL;

  g_return_val_if_fail (terminal != NULL && url != NULL, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_return_val_if_fail ((transaction == NULL) != (error == NULL),
                        KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  g_return_val_if_fail (out_fields != NULL && out_message != NULL,
                        KASSA_CREDENTIALS_STATUS_TEST_FAILED);

  *out_fields = KASSA_CREDENTIALS_FIELD_NONE;

  if (error == NULL)
    {
      /* A transaction whose checksum the client verified with this secret. */
      *out_message = g_strdup_printf (_("The connection works: the bank knows terminal %s and "
                                        "accepted the secret key."), terminal);
      return KASSA_CREDENTIALS_STATUS_TEST_OK;
    }

  if (error->domain == KASSA_INPUT_ERROR)
    {
      *out_message = g_strdup (error->message);
      return KASSA_CREDENTIALS_STATUS_INVALID;
    }

  if (error->domain != KASSA_BANK_ERROR)
    {
      *out_message = g_strdup_printf (_("The connection test failed: %s"), error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;
    }

  *out_fields = KASSA_CREDENTIALS_FIELD_URL;

  switch ((KassaBankError) error->code)
    {
    case KASSA_BANK_ERROR_REJECTED:
      return read_refused_probe (terminal, error, out_fields, out_message);

    case KASSA_BANK_ERROR_CHECKSUM_MISMATCH:
      *out_fields = KASSA_CREDENTIALS_FIELD_SECRET;
      *out_message = g_strdup_printf (_("The bank answered, but its answer does not match "
                                        "this terminal and secret key (%s). Check the secret "
                                        "key."), error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_TIMEOUT:
      *out_message = g_strdup_printf (ngettext ("The bank did not answer within %u second. "
                                                "Check the bank address and this computer’s "
                                                "network connection.",
                                                "The bank did not answer within %u seconds. "
                                                "Check the bank address and this computer’s "
                                                "network connection.",
                                                timeout_s),
                                      timeout_s);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_TLS:
      /* Translators: %s is a sentence without its full stop, "The bank’s identity could
       * not be verified (TLS): …" */
      *out_message = g_strdup_printf (_("%s. Nothing was sent. Check the bank address; a "
                                        "network that intercepts secure connections also "
                                        "causes this."), error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_TRANSPORT:
      /* Translators: the first %s is a sentence without its full stop, "Could not reach
       * the bank: …"; the second a web address */
      *out_message = g_strdup_printf (_("%s. Check the bank address (%s) and this computer’s "
                                        "network connection."), error->message, url);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_MALFORMED_REPLY:
      *out_message = g_strdup_printf (_("Something answered at %s, but not the bank’s payment "
                                        "service (%s). Check the bank address."),
                                      url, error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_BANK_SYSTEM:
    default:
      words = bank_words (error);
      *out_fields = KASSA_CREDENTIALS_FIELD_NONE;
      *out_message = g_strdup_printf (_("The bank reported a problem on its side: “%s”. Try "
                                        "again later."), words);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;
    }
}

gboolean
kassa_till_error_is_unknown_outcome (const GError *error)
{
  if (error == NULL || error->domain != KASSA_BANK_ERROR)
    return FALSE;

  switch ((KassaBankError) error->code)
    {
    case KASSA_BANK_ERROR_TRANSPORT:   /* may have been dropped after the bank acted */
    case KASSA_BANK_ERROR_TIMEOUT:
    case KASSA_BANK_ERROR_MALFORMED_REPLY:
    case KASSA_BANK_ERROR_BANK_SYSTEM:
    case KASSA_BANK_ERROR_CHECKSUM_MISMATCH:
      return TRUE;
    case KASSA_BANK_ERROR_TLS:         /* the handshake failed: nothing was sent */
    case KASSA_BANK_ERROR_REJECTED:
    default:
      return FALSE;
    }
}

static gboolean
validate_deeplink (const char  *payload,
                   GError     **error)
{
  gsize len = strlen (payload);

  if (!g_str_has_prefix (payload, DEEPLINK_PREFIX) || len == strlen (DEEPLINK_PREFIX))
    {
      g_set_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD,
                   _("The bank sent a payment link that does not start with “%s”"),
                   DEEPLINK_PREFIX);
      return FALSE;
    }

  if (len > MAX_PAYLOAD || !g_utf8_validate (payload, len, NULL))
    {
      g_set_error_literal (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD,
                           _("The bank sent a payment link that is too long or not text"));
      return FALSE;
    }

  for (const char *p = payload; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p) || *p == ' ')
      {
        g_set_error_literal (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD,
                             _("The bank sent a payment link with spaces or control characters"));
        return FALSE;
      }

  return TRUE;
}

static gboolean
validate_emv (gint64       amount,
              const char  *payload,
              GError     **error)
{
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 qr_amount = 0;

  emv = kassa_emv_parse (payload, &local_error);
  if (emv == NULL || !kassa_emv_get_amount (emv, &qr_amount, &local_error))
    {
      g_set_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD,
                   _("The bank’s QR code is not valid: %s"), local_error->message);
      return FALSE;
    }

  if (qr_amount != amount)
    {
      g_set_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD,
                   _("The bank’s QR code asks for %" PRId64 " ₮ but the sale is "
                     "%" PRId64 " ₮"),
                   qr_amount, amount);
      return FALSE;
    }

  return TRUE;
}

gboolean
kassa_till_validate_payload (KassaBankProfile    *profile,
                             KassaInvoiceMethod   method,
                             gint64               amount,
                             const char          *payload,
                             GError             **error)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (profile), FALSE);

  if (method == KASSA_INVOICE_METHOD_PHONE)
    return TRUE;  /* the customer sees it in the app; desc is just the bank's word */

  if (payload == NULL || *payload == '\0')
    {
      g_set_error_literal (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD,
                           _("The bank sent no QR code"));
      return FALSE;
    }

  if (method == KASSA_INVOICE_METHOD_DEEPLINK ||
      kassa_bank_profile_get_qr_endpoint (profile) == KASSA_QR_ENDPOINT_DEEPLINK)
    return validate_deeplink (payload, error);

  return validate_emv (amount, payload, error);
}
