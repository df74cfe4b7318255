/* kassa-print-settings.c — the receipt printer the settings name
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-print-settings.h"

#include <glib/gi18n.h>

#include "kassa-escpos.h"
#include "kassa-print.h"

static char *
dup_or_null (GSettings  *settings,
             const char *key)
{
  g_autofree char *text = g_settings_get_string (settings, key);

  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

KassaReportInfo *
kassa_print_settings_get_info (GSettings *settings)
{
  KassaReportInfo *info = g_new0 (KassaReportInfo, 1);

  g_return_val_if_fail (G_IS_SETTINGS (settings), info);

  info->shop_name = dup_or_null (settings, "shop-name");
  info->address = dup_or_null (settings, "shop-address");
  info->phone = dup_or_null (settings, "shop-phone");

  return info;
}

void
kassa_print_settings_info_free (KassaReportInfo *info)
{
  if (info == NULL)
    return;

  g_free ((char *) info->shop_name);
  g_free ((char *) info->address);
  g_free ((char *) info->phone);
  g_free (info);
}

guint
kassa_print_settings_get_dots (GSettings *settings)
{
  g_autofree char *paper_text = NULL;
  KassaPaperWidth paper = KASSA_PAPER_80MM;
  guint dots;

  g_return_val_if_fail (G_IS_SETTINGS (settings), KASSA_ESCPOS_WIDTH_80MM);

  dots = g_settings_get_uint (settings, "receipt-printer-dots");
  if (dots != 0)
    return dots;

  paper_text = g_settings_get_string (settings, "paper-width");
  kassa_paper_width_from_string (paper_text, &paper);

  return paper == KASSA_PAPER_58MM ? KASSA_ESCPOS_WIDTH_58MM : KASSA_ESCPOS_WIDTH_80MM;
}

gboolean
kassa_print_settings_has_printer (GSettings *settings)
{
  g_autofree char *uri = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);

  uri = g_settings_get_string (settings, "receipt-printer");

  return *uri != '\0';
}

gboolean
kassa_print_settings_check (GSettings  *settings,
                            GError    **error)
{
  g_autofree char *uri = NULL;
  g_autoptr(KassaPrinter) printer = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);

  uri = g_settings_get_string (settings, "receipt-printer");
  if (*uri == '\0')
    return TRUE;

  printer = kassa_printer_new_for_uri (uri, &local_error);
  if (printer == NULL ||
      !kassa_escpos_check_width (kassa_print_settings_get_dots (settings), &local_error))
    {
      /* Translators: the receipt printer setting cannot be used; %s says why */
      g_set_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_INVALID_URI,
                   _("The receipt printer setting cannot be used: %s"), local_error->message);
      return FALSE;
    }

  return TRUE;
}

gboolean
kassa_print_settings_apply (GSettings        *settings,
                            KassaPrintQueue  *queue,
                            GError          **error)
{
  g_autoptr(KassaReportInfo) info = NULL;
  g_autofree char *uri = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (KASSA_IS_PRINT_QUEUE (queue), FALSE);

  info = kassa_print_settings_get_info (settings);
  kassa_print_queue_set_info (queue, info);

  uri = g_settings_get_string (settings, "receipt-printer");
  if (!kassa_print_settings_check (settings, error) ||
      !kassa_print_queue_set_printer (queue, uri, kassa_print_settings_get_dots (settings),
                                      error))
    {
      /* Never the previous printer: a bad setting prints nothing. */
      kassa_print_queue_set_printer (queue, NULL, KASSA_ESCPOS_WIDTH_80MM, NULL);
      return FALSE;
    }

  return TRUE;
}

static void
receipt_printed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The outcome is journaled and announced with ::job-changed. */
  if (!kassa_print_queue_job_finish (KASSA_PRINT_QUEUE (source), result, NULL, &error))
    g_debug ("Receipt not printed: %s", error->message);
}

gboolean
kassa_print_settings_print_receipt (GSettings          *settings,
                                    KassaPrintQueue    *queue,
                                    GtkWindow          *parent,
                                    KassaInvoice       *invoice,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data,
                                    GError            **error)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (queue == NULL || KASSA_IS_PRINT_QUEUE (queue), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);

  if (kassa_print_settings_has_printer (settings))
    {
      if (!kassa_print_settings_check (settings, error))
        return FALSE;
      if (queue == NULL)
        {
          g_set_error_literal (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED,
                               _("Receipts cannot be printed now: Kassa could not open its "
                                 "journal."));
          return FALSE;
        }
      kassa_print_queue_print_receipt_async (queue, invoice, NULL,
                                             callback != NULL ? callback : receipt_printed_cb,
                                             user_data);
      return TRUE;
    }

  {
    g_autoptr(KassaReportInfo) info = kassa_print_settings_get_info (settings);
    g_autofree char *printer = g_settings_get_string (settings, "printer-name");
    g_autofree char *paper_text = g_settings_get_string (settings, "paper-width");
    KassaPaperWidth paper = KASSA_PAPER_80MM;

    kassa_paper_width_from_string (paper_text, &paper);
    info->terminal = kassa_invoice_get_terminal (invoice);

    return kassa_print_receipt (parent, invoice, info, paper,
                                *printer != '\0' ? printer : NULL, error);
  }
}
