/* kassa-till-reading.c — what the bank's answers mean to the till
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The only place that interprets a `check` outcome and validates a create
 * reply's payload (the manager PIN is kassa-manager.c's). docs/lifecycle.md
 * explains the readings and why they are as cautious as they are.
 */

#include "config.h"

#include "kassa-till-private.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

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
    {
      const char *error_type = kassa_bank_error_get_error_type (error);

      if (error_type == NULL)
        return KASSA_CHECK_UNREADABLE;

      for (guint i = 0; i < G_N_ELEMENTS (refused_check_words); i++)
        if (g_ascii_strcasecmp (error_type, refused_check_words[i].error_type) == 0)
          return refused_check_words[i].reading;

      return KASSA_CHECK_UNREADABLE;
    }

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
