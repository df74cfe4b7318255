/* kassa-bank-client.h — Golomt Instore API client
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "kassa-bank-profile.h"
#include "kassa-bank-reply.h"

G_BEGIN_DECLS

#define KASSA_BANK_PRODUCTION_URL "https://instore.golomtbank.com"
#define KASSA_BANK_DEFAULT_TIMEOUT 30 /* seconds, per request */

#define KASSA_TYPE_BANK_CLIENT (kassa_bank_client_get_type ())

G_DECLARE_FINAL_TYPE (KassaBankClient, kassa_bank_client, KASSA, BANK_CLIENT, GObject)

/* The one rule for a bank address, which kassa_bank_client_new() applies too:
 * https://, or http:// only to a loopback host (127.0.0.0/8, ::1,
 * localhost); a host name; no user name, query or fragment. Trailing slashes
 * are allowed. KASSA_INPUT_ERROR_URL with a sentence for the person. */
gboolean          kassa_bank_url_validate               (const char        *url,
                                                         GError           **error);

/* Checks everything up front: @base_url by kassa_bank_url_validate();
 * terminal 8 digits; secret non-empty. @ca_file (may be NULL: the system's trust store) is a PEM file of
 * CA certificates to trust instead. @profile may be NULL (defaults).
 * TLS certificates are always verified. */
KassaBankClient  *kassa_bank_client_new                 (const char        *base_url,
                                                         const char        *terminal,
                                                         const char        *secret,
                                                         const char        *ca_file,
                                                         KassaBankProfile  *profile,
                                                         GError           **error);

const char       *kassa_bank_client_get_base_url        (KassaBankClient   *self);
const char       *kassa_bank_client_get_terminal        (KassaBankClient   *self);
KassaBankProfile *kassa_bank_client_get_profile         (KassaBankClient   *self);
/* Seconds for the whole request (connect, send, answer). Default KASSA_BANK_DEFAULT_TIMEOUT. */
void              kassa_bank_client_set_timeout         (KassaBankClient   *self,
                                                         guint              seconds);
guint             kassa_bank_client_get_timeout         (KassaBankClient   *self);

/* Every call validates its input first (KASSA_INPUT_ERROR, nothing sent). */

/* POST /pos/invoice/qr. The reply's desc is the EMV payload, returned as the
 * bank sent it (the till validates it). */
void                   kassa_bank_client_qr_async          (KassaBankClient      *self,
                                                            gint64                amount,
                                                            const char           *invoice,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
KassaBankInvoiceReply *kassa_bank_client_qr_finish         (KassaBankClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* POST /pos/invoice/qr/deeplink */
void                   kassa_bank_client_deeplink_async    (KassaBankClient      *self,
                                                            gint64                amount,
                                                            const char           *invoice,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
KassaBankInvoiceReply *kassa_bank_client_deeplink_finish   (KassaBankClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* POST /pos/invoice/phone */
void                   kassa_bank_client_phone_async       (KassaBankClient      *self,
                                                            gint64                amount,
                                                            const char           *invoice,
                                                            const char           *phone,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
KassaBankInvoiceReply *kassa_bank_client_phone_finish      (KassaBankClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* POST /pos/invoice/check */
void                   kassa_bank_client_check_async       (KassaBankClient      *self,
                                                            gint64                amount,
                                                            const char           *invoice,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
KassaBankTransaction  *kassa_bank_client_check_finish      (KassaBankClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* POST /pos/invoice/cancel. Success per the profile's cancel test; a reply that
 * fails it is KASSA_BANK_ERROR_REJECTED. */
void                   kassa_bank_client_cancel_async      (KassaBankClient      *self,
                                                            gint64                amount,
                                                            const char           *invoice,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
KassaBankInvoiceReply *kassa_bank_client_cancel_finish     (KassaBankClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* POST /pos/payment/cancel (refund of a paid invoice, full amount). */
void                   kassa_bank_client_refund_async      (KassaBankClient      *self,
                                                            gint64                amount,
                                                            const char           *invoice,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
KassaBankTransaction  *kassa_bank_client_refund_finish     (KassaBankClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* POST /pos/settlement */
void                      kassa_bank_client_settlement_async  (KassaBankClient      *self,
                                                               const char           *settlement_id,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
KassaBankSettlementReply *kassa_bank_client_settlement_finish (KassaBankClient      *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

G_END_DECLS
