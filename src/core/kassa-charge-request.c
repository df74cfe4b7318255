/* kassa-charge-request.c — the checks of a charge asked for from outside Kassa
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-charge-request.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-error.h"

gboolean
kassa_charge_request_check (gint64               amount,
                            const char          *method,
                            const char          *phone,
                            const char          *reference,
                            KassaInvoiceMethod  *out_method,
                            GError             **error)
{
  KassaInvoiceMethod parsed = KASSA_INVOICE_METHOD_QR;
  gboolean has_phone = phone != NULL && *phone != '\0';

  if (!kassa_amount_validate (amount, error))
    return FALSE;

  if (method != NULL && *method != '\0' && !kassa_invoice_method_from_string (method, &parsed))
    {
      g_autofree char *excerpt = g_utf8_make_valid (method, MIN (strlen (method), 32));

      /* Translators: %s is what was given as the payment method */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   _("Unknown payment method “%s”: use qr, deeplink or phone"), excerpt);
      return FALSE;
    }

  if (parsed == KASSA_INVOICE_METHOD_PHONE && !kassa_phone_validate (phone, error))
    return FALSE;
  if (parsed != KASSA_INVOICE_METHOD_PHONE && has_phone)
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE,
                           _("A phone number is only used with the payment method “phone”"));
      return FALSE;
    }

  if (!kassa_reference_validate (reference, error))
    return FALSE;

  if (out_method != NULL)
    *out_method = parsed;

  return TRUE;
}
