/* kassa-invoice.h — one sale as the till knows it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KassaInvoice is a view of a journal row. Only KassaTill changes it (through
 * KassaJournal), and only after the journal has committed the change; windows
 * observe its read-only properties.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_INVOICE_CREATING,          /* journaled, request not yet answered */
  KASSA_INVOICE_CREATE_UNKNOWN,    /* create request sent, outcome not seen */
  KASSA_INVOICE_AWAITING_PAYMENT,
  KASSA_INVOICE_PAID,
  KASSA_INVOICE_DECLINED,
  KASSA_INVOICE_FAILED,            /* the bank refused to create it; it never existed there */
  KASSA_INVOICE_CANCELLING,
  KASSA_INVOICE_CANCEL_UNKNOWN,
  KASSA_INVOICE_CANCELLED,
  KASSA_INVOICE_EXPIRED,
  KASSA_INVOICE_REFUNDING,
  KASSA_INVOICE_REFUND_UNKNOWN,
  KASSA_INVOICE_REFUNDED,
} KassaInvoiceState;

typedef enum
{
  KASSA_INVOICE_METHOD_QR,
  KASSA_INVOICE_METHOD_DEEPLINK,
  KASSA_INVOICE_METHOD_PHONE,
} KassaInvoiceMethod;

/* "AWAITING_PAYMENT" … (the names of DESIGN.md, used in the journal and JSON) */
const char *kassa_invoice_state_to_string   (KassaInvoiceState   state);
gboolean    kassa_invoice_state_from_string (const char         *text,
                                             KassaInvoiceState  *out_state);
/* No request is pending and nothing is left to resolve: FAILED, DECLINED,
 * CANCELLED, EXPIRED, PAID, REFUNDED. (CANCELLED and EXPIRED may still become
 * PAID if the customer paid anyway; PAID may still be refunded.) */
gboolean    kassa_invoice_state_is_final    (KassaInvoiceState   state);
/* Whether @from → @to is a legal move of the state machine. */
gboolean    kassa_invoice_state_can_move    (KassaInvoiceState   from,
                                             KassaInvoiceState   to);
const char *kassa_invoice_method_to_string   (KassaInvoiceMethod  method);
gboolean    kassa_invoice_method_from_string (const char         *text,
                                              KassaInvoiceMethod *out_method);

#define KASSA_TYPE_INVOICE_STATE  (kassa_invoice_state_get_type ())
#define KASSA_TYPE_INVOICE_METHOD (kassa_invoice_method_get_type ())
GType kassa_invoice_state_get_type  (void) G_GNUC_CONST;
GType kassa_invoice_method_get_type (void) G_GNUC_CONST;

#define KASSA_TYPE_INVOICE (kassa_invoice_get_type ())

G_DECLARE_FINAL_TYPE (KassaInvoice, kassa_invoice, KASSA, INVOICE, GObject)

const char        *kassa_invoice_get_number           (KassaInvoice *self);
const char        *kassa_invoice_get_terminal         (KassaInvoice *self);
gint64             kassa_invoice_get_amount           (KassaInvoice *self);
KassaInvoiceMethod kassa_invoice_get_method           (KassaInvoice *self);
const char        *kassa_invoice_get_phone            (KassaInvoice *self);
const char        *kassa_invoice_get_reference        (KassaInvoice *self);
GDateTime         *kassa_invoice_get_created          (KassaInvoice *self);
KassaInvoiceState  kassa_invoice_get_state            (KassaInvoice *self);
/* The QR payload or deeplink (`desc` of the create reply). */
const char        *kassa_invoice_get_payload          (KassaInvoice *self);
const char        *kassa_invoice_get_approval_code    (KassaInvoice *self);
const char        *kassa_invoice_get_card_number      (KassaInvoice *self);
const char        *kassa_invoice_get_resp_code        (KassaInvoice *self);
const char        *kassa_invoice_get_resp_desc        (KassaInvoice *self);
/* The customer paid although the invoice had been cancelled: tell the cashier. */
gboolean           kassa_invoice_get_paid_after_cancel (KassaInvoice *self);
/* The settlement batch that covers this invoice, or NULL. */
const char        *kassa_invoice_get_settlement_id    (KassaInvoice *self);
/* The last error the bank or network gave for this invoice, for the cashier. */
const char        *kassa_invoice_get_last_error       (KassaInvoice *self);

/* One JSON object with always the same keys: invoice, state, amount (integer),
 * method, desc, phone, reference, created (ISO-8601 UTC), approval_code,
 * card_number, resp_code, resp_desc, paid_after_cancel (boolean), settlement_id,
 * last_error. A field the invoice does not have is JSON null. */
char              *kassa_invoice_to_json              (KassaInvoice *self);

G_END_DECLS
