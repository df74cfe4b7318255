/* kassa-report-text.c — the parts of the report library that draw nothing
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Paper names, the error domain, card masking, state labels, CSV fields and
 * the receipt check: no cairo, no pango. kassa-ctl links these directly and
 * loads the drawing (kassa-report.c, kassa-receipt.c) as a module only for the
 * commands that write a document (docs/kassa-ctl.md, "Lean start").
 */

#include "config.h"

#include "kassa-receipt.h"
#include "kassa-report.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-enum.h"
#include "kassa-report-private.h"

G_DEFINE_QUARK (kassa-report-error-quark, kassa_report_error)

/* The nicks are the GSettings and kassa-ctl words. */
G_DEFINE_ENUM_TYPE (KassaPaperWidth, kassa_paper_width,
  G_DEFINE_ENUM_VALUE (KASSA_PAPER_58MM, "58mm"),
  G_DEFINE_ENUM_VALUE (KASSA_PAPER_80MM, "80mm"),
  G_DEFINE_ENUM_VALUE (KASSA_PAPER_A4, "a4"))

const char *
kassa_paper_width_to_string (KassaPaperWidth paper)
{
  const char *nick = kassa_enum_to_nick (KASSA_TYPE_PAPER_WIDTH, paper, NULL);

  g_return_val_if_fail (nick != NULL, "a4");

  return nick;
}

gboolean
kassa_paper_width_from_string (const char      *text,
                               KassaPaperWidth *out_paper)
{
  g_autofree char *folded = NULL;

  if (text == NULL)
    return FALSE;

  /* A nick in any case, or the bare width: "58" and "80". */
  folded = g_ascii_strdown (text, -1);
  if (g_str_equal (folded, "58") || g_str_equal (folded, "80"))
    {
      char *with_unit = g_strconcat (folded, "mm", NULL);

      g_free (folded);
      folded = with_unit;
    }

  return kassa_enum_from_nick (KASSA_TYPE_PAPER_WIDTH, folded, (int *) out_paper);
}

double
kassa_paper_width_get_mm (KassaPaperWidth paper)
{
  switch (paper)
    {
    case KASSA_PAPER_58MM:
      return 58.0;
    case KASSA_PAPER_80MM:
      return 80.0;
    case KASSA_PAPER_A4:
      return 210.0;
    default:
      g_return_val_if_reached (210.0);
    }
}

char *
kassa_report_mask_card (const char *card_number)
{
  GString *masked;
  gsize n_positions = 0;
  gsize position = 0;

  if (card_number == NULL || *card_number == '\0')
    return NULL;

  /* Digit positions, whether the bank already masked them or not. */
  for (const char *p = card_number; *p != '\0'; p++)
    if (g_ascii_isdigit (*p) || *p == '*' || *p == 'X' || *p == 'x')
      n_positions++;

  masked = g_string_sized_new (strlen (card_number));
  for (const char *p = card_number; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p) || *p == '*' || *p == 'X' || *p == 'x')
        {
          /* A card number shows its first six and last four digits; anything
           * shorter only its last four. */
          gboolean keep = n_positions >= 13 ? (position < 6 || position + 4 >= n_positions)
                                            : (n_positions > 4 && position + 4 >= n_positions);

          g_string_append_c (masked, keep && g_ascii_isdigit (*p) ? *p : '*');
          position++;
        }
      else if (*p == ' ' || *p == '-')
        {
          g_string_append_c (masked, *p);
        }
      /* Anything else the bank might have sent is dropped. */
    }

  return g_string_free (masked, FALSE);
}

const char *
kassa_report_state_label (KassaInvoiceState state)
{
  switch (state)
    {
    case KASSA_INVOICE_CREATING:
      return _("Being created");
    case KASSA_INVOICE_CREATE_UNKNOWN:
      return _("Creation unknown");
    case KASSA_INVOICE_AWAITING_PAYMENT:
      return _("Awaiting payment");
    case KASSA_INVOICE_PAID:
      return _("Paid");
    case KASSA_INVOICE_DECLINED:
      return _("Declined");
    case KASSA_INVOICE_FAILED:
      return _("Failed");
    case KASSA_INVOICE_CANCELLING:
      return _("Cancelling");
    case KASSA_INVOICE_CANCEL_UNKNOWN:
      return _("Cancel unknown");
    case KASSA_INVOICE_CANCELLED:
      return _("Cancelled");
    case KASSA_INVOICE_EXPIRED:
      return _("Expired");
    case KASSA_INVOICE_REFUNDING:
      return _("Refunding");
    case KASSA_INVOICE_REFUND_UNKNOWN:
      return _("Refund unknown");
    case KASSA_INVOICE_REFUNDED:
      return _("Refunded");
    default:
      return kassa_invoice_state_to_string (state);
    }
}

void
kassa_report_append_csv_field (GString    *out,
                               const char *value)
{
  if (value == NULL)
    return;

  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
kassa_receipt_check (KassaInvoice  *invoice,
                     GError       **error)
{
  KassaInvoiceState state;

  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  state = kassa_invoice_get_state (invoice);
  if (state == KASSA_INVOICE_PAID || state == KASSA_INVOICE_REFUNDED)
    return TRUE;

  g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID,
               _("Invoice %s is %s: only paid and refunded invoices have receipts"),
               kassa_invoice_get_number (invoice), kassa_report_state_label (state));
  return FALSE;
}
