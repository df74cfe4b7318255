/* kassa-bank-reply.h — the bank's replies, parsed strictly
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "kassa-bank-profile.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_BANK_ENDPOINT_QR,
  KASSA_BANK_ENDPOINT_DEEPLINK,
  KASSA_BANK_ENDPOINT_PHONE,
  KASSA_BANK_ENDPOINT_CHECK,
  KASSA_BANK_ENDPOINT_CANCEL,
  KASSA_BANK_ENDPOINT_REFUND,
  KASSA_BANK_ENDPOINT_SETTLEMENT,
} KassaBankEndpoint;

#define KASSA_BANK_N_ENDPOINTS (KASSA_BANK_ENDPOINT_SETTLEMENT + 1)

/* "/pos/invoice/qr" … */
const char *kassa_bank_endpoint_get_path (KassaBankEndpoint endpoint);
/* "qr", "deeplink", "phone", "check", "cancel", "refund", "settlement" */
const char *kassa_bank_endpoint_get_name (KassaBankEndpoint endpoint);
gboolean    kassa_bank_endpoint_from_name (const char        *name,
                                           KassaBankEndpoint *out_endpoint);

/* Reply of qr, deeplink, phone and cancel: body.response {desc, status}. */
typedef struct
{
  char *desc;     /* QR payload, deeplink, or the bank's text; may be NULL for cancel */
  char *status;   /* "SUCCESS" … */
  char *resp_code; /* only if the bank sent one (cancel, erxes 2026 reading) */
} KassaBankInvoiceReply;

/* Reply of check and refund: the transaction info. */
typedef struct
{
  gboolean  paid;          /* the profile's paid test over resp_code/resp_desc */
  char     *resp_code;
  char     *resp_desc;
  char     *approval_code;
  gint64    amount;        /* 0 when the bank sent none */
  char     *card_number;   /* masked */
  char     *terminal;
  char     *invoice;
  char     *checksum;
  char     *status;        /* refund replies in the {desc,status} reading */
  char     *desc;
} KassaBankTransaction;

/* Reply of settlement: body.response {amount, count, status}. */
typedef struct
{
  gint64  amount;
  gint64  count;
  char   *status;
} KassaBankSettlementReply;

#define KASSA_TYPE_BANK_INVOICE_REPLY    (kassa_bank_invoice_reply_get_type ())
#define KASSA_TYPE_BANK_TRANSACTION      (kassa_bank_transaction_get_type ())
#define KASSA_TYPE_BANK_SETTLEMENT_REPLY (kassa_bank_settlement_reply_get_type ())

GType                     kassa_bank_invoice_reply_get_type     (void) G_GNUC_CONST;
KassaBankInvoiceReply    *kassa_bank_invoice_reply_copy         (const KassaBankInvoiceReply    *self);
void                      kassa_bank_invoice_reply_free         (KassaBankInvoiceReply          *self);

GType                     kassa_bank_transaction_get_type       (void) G_GNUC_CONST;
KassaBankTransaction     *kassa_bank_transaction_copy           (const KassaBankTransaction     *self);
void                      kassa_bank_transaction_free           (KassaBankTransaction           *self);

GType                     kassa_bank_settlement_reply_get_type  (void) G_GNUC_CONST;
KassaBankSettlementReply *kassa_bank_settlement_reply_copy      (const KassaBankSettlementReply *self);
void                      kassa_bank_settlement_reply_free      (KassaBankSettlementReply       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaBankInvoiceReply, kassa_bank_invoice_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaBankTransaction, kassa_bank_transaction_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaBankSettlementReply, kassa_bank_settlement_reply_free)

/* Parsing, separate from HTTP so it can be tested without a network.
 * @http_status is the HTTP status of the exchange; @body the whole body as
 * received (not NUL-terminated; its real length is used).
 *
 * The envelope is read whatever the HTTP status (§1): header.code 200 → the
 * endpoint's body.response is parsed; 400 → KASSA_BANK_ERROR_REJECTED; 500 →
 * KASSA_BANK_ERROR_BANK_SYSTEM; both with the bank's errorType/errorDesc.
 * No readable envelope: an HTTP error status gives KASSA_BANK_ERROR_BANK_SYSTEM
 * for 5xx and KASSA_BANK_ERROR_TRANSPORT otherwise; a 2xx gives
 * KASSA_BANK_ERROR_MALFORMED_REPLY. Wrong node types, missing objects and
 * truncated bodies are KASSA_BANK_ERROR_MALFORMED_REPLY. Never a crash.
 *
 * For check: a header.code 200 reply whose resp fields do not pass the paid
 * test is returned (paid = FALSE), not an error.
 * For qr/deeplink/phone: status must be "SUCCESS" (any case) and desc non-empty;
 * another status is KASSA_BANK_ERROR_REJECTED. For cancel: the profile's cancel
 * test must pass, else KASSA_BANK_ERROR_REJECTED. For refund: a status other than
 * "SUCCESS", or resp fields that fail the paid test, are KASSA_BANK_ERROR_REJECTED.
 * JSON null counts as absent. docs/bank-protocol.md has the details. */
KassaBankInvoiceReply    *kassa_bank_reply_parse_invoice        (KassaBankProfile  *profile,
                                                                 KassaBankEndpoint  endpoint,
                                                                 guint              http_status,
                                                                 GBytes            *body,
                                                                 GError           **error);
KassaBankTransaction     *kassa_bank_reply_parse_transaction    (KassaBankProfile  *profile,
                                                                 KassaBankEndpoint  endpoint,
                                                                 guint              http_status,
                                                                 GBytes            *body,
                                                                 GError           **error);
KassaBankSettlementReply *kassa_bank_reply_parse_settlement     (KassaBankProfile  *profile,
                                                                 guint              http_status,
                                                                 GBytes            *body,
                                                                 GError           **error);

/* The reply as one JSON object, for kassa-ctl and the journal. Never holds a secret. */
char *kassa_bank_invoice_reply_to_json    (const KassaBankInvoiceReply    *self);
char *kassa_bank_transaction_to_json      (const KassaBankTransaction     *self);
char *kassa_bank_settlement_reply_to_json (const KassaBankSettlementReply *self);

G_END_DECLS
