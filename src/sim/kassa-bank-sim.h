/* kassa-bank-sim.h — a faithful Golomt Instore bank, on loopback
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests, benchmarks, demos and training mode. It runs in the thread-default
 * main context of whoever calls kassa_bank_sim_listen(): in-process (training
 * mode, tests) or as the kassa-bank-sim executable. The control interface is
 * documented in docs/simulator.md.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-bank-profile.h"
#include "kassa-bank-reply.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_SIM_INVOICE_UNPAID,
  KASSA_SIM_INVOICE_PAID,
  KASSA_SIM_INVOICE_DECLINED,
  KASSA_SIM_INVOICE_CANCELLED,
  KASSA_SIM_INVOICE_REFUNDED,
} KassaSimInvoiceState;

/* "unpaid", "paid", "declined", "cancelled", "refunded" */
const char *kassa_sim_invoice_state_to_string (KassaSimInvoiceState state);

typedef enum
{
  KASSA_SIM_FAULT_NONE,
  KASSA_SIM_FAULT_DELAY,               /* answer normally, after delay_ms */
  KASSA_SIM_FAULT_HTTP_500,            /* HTTP 500, empty/plain body, no envelope */
  KASSA_SIM_FAULT_HTTP_500_ENVELOPE,   /* HTTP 500 with a header.code 500 envelope */
  KASSA_SIM_FAULT_MALFORMED_JSON,      /* HTTP 200, body is not JSON */
  KASSA_SIM_FAULT_DROP,                /* connection closed mid-reply */
  KASSA_SIM_FAULT_CODE_500,            /* HTTP 200, header.code 500 envelope */
} KassaSimFaultKind;

/* "none", "delay", "http500", "http500-envelope", "malformed", "drop", "code500" */
const char *kassa_sim_fault_kind_to_string   (KassaSimFaultKind  kind);
gboolean    kassa_sim_fault_kind_from_string (const char        *text,
                                              KassaSimFaultKind *out_kind);

/* Which success fields a cancel reply carries (open question 8 of the fact
 * sheet: the sources read either). */
typedef enum
{
  KASSA_SIM_CANCEL_REPLY_BOTH,      /* status "SUCCESS" and resp_code "00"/resp_desc; default */
  KASSA_SIM_CANCEL_REPLY_STATUS,    /* status only (what erxes 2022 read) */
  KASSA_SIM_CANCEL_REPLY_RESP_CODE, /* resp_code/resp_desc only (what erxes 2026 reads) */
} KassaSimCancelReply;

/* The value nicks, "both", "status", "resp-code", are the words of
 * kassa-bank-sim --cancel-reply. */
#define KASSA_TYPE_SIM_CANCEL_REPLY (kassa_sim_cancel_reply_get_type ())
GType kassa_sim_cancel_reply_get_type (void) G_GNUC_CONST;

typedef enum
{
  KASSA_SIM_ERROR_UNKNOWN_INVOICE,
  KASSA_SIM_ERROR_WRONG_STATE,
  KASSA_SIM_ERROR_INVALID,
  KASSA_SIM_ERROR_LISTEN,
} KassaSimError;

#define KASSA_SIM_ERROR (kassa_sim_error_quark ())
GQuark kassa_sim_error_quark (void);

#define KASSA_TYPE_BANK_SIM (kassa_bank_sim_get_type ())

G_DECLARE_FINAL_TYPE (KassaBankSim, kassa_bank_sim, KASSA, BANK_SIM, GObject)

/* @profile may be NULL (defaults); the simulator then speaks that reading of
 * every disputed wire detail. */
KassaBankSim *kassa_bank_sim_new               (KassaBankProfile  *profile);
/* Adds a terminal the simulated bank knows. Terminal 8 digits, secret non-empty. */
gboolean      kassa_bank_sim_add_terminal      (KassaBankSim      *self,
                                                const char        *terminal,
                                                const char        *secret,
                                                GError           **error);
/* Listens on 127.0.0.1:@port (0 = any free port). Optional TLS with a PEM
 * certificate + key (both NULL for plain http). */
gboolean      kassa_bank_sim_listen            (KassaBankSim      *self,
                                                guint              port,
                                                const char        *tls_cert_file,
                                                const char        *tls_key_file,
                                                GError           **error);
/* "http://127.0.0.1:PORT" (or https), valid after listen; no trailing slash. */
const char   *kassa_bank_sim_get_url           (KassaBankSim      *self);
void          kassa_bank_sim_shutdown          (KassaBankSim      *self);

/* HTTP status of error envelopes (header.code 400/500). Default 200 (§1). */
void          kassa_bank_sim_set_error_http_status (KassaBankSim  *self,
                                                    guint          status);
/* Accept a checksum over a numerically normalised amount too ("1000.00" ~ "1000"). */
void          kassa_bank_sim_set_lenient_amounts   (KassaBankSim  *self,
                                                    gboolean       lenient);
/* The success fields of a cancel reply. Default KASSA_SIM_CANCEL_REPLY_BOTH. */
void          kassa_bank_sim_set_cancel_reply      (KassaBankSim        *self,
                                                    KassaSimCancelReply  shape);
/* Tag 59 of the QR payload: 1–25 characters, no control characters.
 * Default "KASSA TRAINING". */
gboolean      kassa_bank_sim_set_merchant_name     (KassaBankSim  *self,
                                                    const char    *name,
                                                    GError       **error);
/* Push: POST a flat notification to @url (NULL = off) when an invoice is paid. */
void          kassa_bank_sim_set_push_url          (KassaBankSim  *self,
                                                    const char    *url);

/* The customer's side: only from unpaid (else KASSA_SIM_ERROR_WRONG_STATE);
 * NULL terminal = the first terminal added. May POST a push. */
gboolean      kassa_bank_sim_pay               (KassaBankSim      *self,
                                                const char        *terminal,
                                                const char        *invoice,
                                                GError           **error);
gboolean      kassa_bank_sim_decline           (KassaBankSim      *self,
                                                const char        *terminal,
                                                const char        *invoice,
                                                GError           **error);
/* New invoices are paid automatically @seconds after creation (0 = off). */
void          kassa_bank_sim_set_autopay       (KassaBankSim      *self,
                                                guint              seconds);
/* NULL terminal = the first terminal added. On error (unknown invoice)
 * returns KASSA_SIM_INVOICE_UNPAID with @error set. */
KassaSimInvoiceState kassa_bank_sim_get_invoice_state (KassaBankSim  *self,
                                                       const char    *terminal,
                                                       const char    *invoice,
                                                       GError       **error);
/* All invoices as a JSON array text (for the control interface and tests). */
char         *kassa_bank_sim_list_invoices     (KassaBankSim      *self);

/* Persistence (training mode: the bank must outlive one kassa-ctl run).
 * Loads the terminals (with their secrets), their settlements and the invoice
 * table from @path if it exists (the simulator must not have invoices yet),
 * then writes them back atomically, mode 0600, now and after every change.
 * Faults, autopay, push URL and pending autopay timers are not kept.
 * A file that is not a simulator state is KASSA_SIM_ERROR_INVALID. */
gboolean      kassa_bank_sim_set_state_file    (KassaBankSim      *self,
                                                const char        *path,
                                                GError           **error);
/* The secret of a known terminal (a copy, to be wiped by the caller), or NULL. */
char         *kassa_bank_sim_dup_secret        (KassaBankSim      *self,
                                                const char        *terminal);

/* Fault injection: the next @count requests (0 = until cleared) to @endpoint get @kind. */
void          kassa_bank_sim_inject_fault      (KassaBankSim      *self,
                                                KassaBankEndpoint  endpoint,
                                                KassaSimFaultKind  kind,
                                                guint              delay_ms,
                                                guint              count);
void          kassa_bank_sim_clear_faults      (KassaBankSim      *self);

G_END_DECLS
