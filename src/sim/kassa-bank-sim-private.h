/* kassa-bank-sim-private.h — what the simulator's files share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed, not for front ends: the KassaBankSim struct, its table
 * entries, and the functions one file of the simulator calls in another
 * (below, by the file that defines them). Everything runs in the simulator's main
 * context; nothing here is thread-safe.
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-bank-sim.h"

G_BEGIN_DECLS

#define MAX_BODY_SIZE          (64 * 1024)
#define DEFAULT_MERCHANT_NAME  "KASSA TRAINING"
#define EMV_MERCHANT_NAME_MAX  25
#define EMV_REFERENCE_MAX      25
#define DEEPLINK_PREFIX        "socialpay-payment://key="
#define DEEPLINK_KEY_LENGTH    32
#define MAX_AUTOPAY_SECONDS    86400
#define MAX_DELAY_MS           600000
#define PUSH_TIMEOUT_SECONDS   10

/* The bank's own words (Mongolian), as a Golomt client would show them. */
#define DESC_SUCCESS           "Амжилттай"
#define DESC_UNPAID            "Төлөгдөөгүй"
#define DESC_DECLINED          "Гүйлгээ татгалзсан"
#define DESC_VALIDATION        "Хүсэлтийн формат буруу байна"
#define DESC_TOO_LARGE         "Хүсэлт хэт том байна"
#define DESC_METHOD            "Зөвхөн POST хүсэлт хүлээн авна"
#define DESC_TERMINAL          "Терминал бүртгэлгүй байна"
#define DESC_INVOICE           "Нэхэмжлэхийн дугаар буруу байна"
#define DESC_SETTLEMENT_ID     "Settlement дугаар буруу байна"
#define DESC_AMOUNT            "Дүн буруу байна"
#define DESC_AMOUNT_MISMATCH   "Дүн нэхэмжлэхийн дүнтэй таарахгүй байна"
#define DESC_CHECKSUM          "Checksum буруу байна"
#define DESC_PHONE             "Утасны дугаар буруу байна"
#define DESC_DUPLICATE         "Нэхэмжлэхийн дугаар давхардсан байна"
#define DESC_NOT_FOUND         "Нэхэмжлэх олдсонгүй"
#define DESC_NOT_PAID          "Төлбөр төлөгдөөгүй байна"
#define DESC_CANCELLED         "Нэхэмжлэх цуцлагдсан байна"
#define DESC_REFUNDED          "Гүйлгээ буцаагдсан байна"
#define DESC_ALREADY_PAID      "Нэхэмжлэх төлөгдсөн тул цуцлах боломжгүй"
#define DESC_ALREADY_CANCELLED "Нэхэмжлэх аль хэдийн цуцлагдсан байна"
#define DESC_ALREADY_REFUNDED  "Гүйлгээ аль хэдийн буцаагдсан байна"
#define DESC_INVOICE_CANCELLED "Нэхэмжлэх цуцлагдлаа"
#define DESC_PAYMENT_REFUNDED  "Гүйлгээ буцаагдлаа"
#define DESC_SYSTEM            "Системийн алдаа гарлаа"

typedef enum
{
  METHOD_QR,
  METHOD_DEEPLINK,
  METHOD_PHONE,
} InvoiceMethod;

typedef struct
{
  KassaBankSim         *sim;            /* unowned: the sim owns the invoice */
  char                 *terminal;
  char                 *invoice;
  gint64                amount;
  KassaSimInvoiceState  state;
  InvoiceMethod         method;
  char                 *phone;
  char                 *approval_code;
  char                 *card_number;
  gboolean              settled;        /* counted (or skipped) by a settlement */
  GSource              *autopay_source;
} SimInvoice;

typedef struct
{
  gint64 amount;
  gint64 count;
} SimSettlement;

typedef struct
{
  char       *secret;
  GHashTable *settlements;   /* settlement id → SimSettlement */
} SimTerminal;

typedef struct
{
  KassaSimFaultKind kind;
  guint             delay_ms;
  guint             remaining;  /* 0 = until cleared */
} SimFault;

typedef struct
{
  KassaBankSim      *sim;       /* unowned: the sim owns the list */
  SoupServerMessage *msg;
  KassaBankEndpoint  endpoint;
  GSource           *source;
  gulong             disconnected_id;
} DelayedRequest;

struct _KassaBankSim
{
  GObject            parent_instance;

  KassaBankProfile  *profile;
  GMainContext      *context;
  SoupServer        *server;
  char              *url;

  GHashTable        *terminals;      /* terminal → SimTerminal */
  char              *first_terminal;
  GHashTable        *invoices;       /* "terminal:invoice" → SimInvoice */
  GPtrArray         *invoice_order;  /* SimInvoice (unowned), in creation order */

  guint              error_http_status;
  gboolean           lenient_amounts;
  KassaSimCancelReply cancel_reply;
  char              *push_url;
  guint              autopay_seconds;
  char              *merchant_name;
  guint64            reference_seq;

  SimFault           faults[KASSA_BANK_N_ENDPOINTS];
  GList             *delayed;        /* DelayedRequest */

  SoupSession       *push_session;
  GCancellable      *cancellable;

  char              *state_file;     /* NULL: nothing is persisted */
};

/* kassa-bank-sim.c */
const char *kassa_sim_invoice_method_to_string (InvoiceMethod method);

char *kassa_sim_invoice_key (const char *terminal,
                             const char *invoice);

SimInvoice *kassa_bank_sim_lookup_invoice (KassaBankSim *self,
                                           const char   *terminal,
                                           const char   *invoice);

void kassa_sim_delayed_request_free (DelayedRequest *delayed);

/* kassa-bank-sim-wire.c */
/* The amount as this profile writes it in replies and pushes. */
char *kassa_bank_sim_format_amount (KassaBankSim *self,
                                    gint64        amount);

/* A request amount: whole tögrög, plain digits with an optional all-zero
 * fraction of one or two digits ("1000", "1000.00"). No sign, no exponent,
 * no leading zero, 1 ≤ amount ≤ 10^12. */
gboolean kassa_sim_parse_request_amount (const char *text,
                                         gint64     *out_amount);

char *kassa_sim_random_digits (guint n);

char *kassa_sim_random_deeplink (void);

/* An EMV merchant-presented payload shaped like the bank's sample (§13). */
char *kassa_bank_sim_build_emv_payload (KassaBankSim     *self,
                                        const SimInvoice *inv);

char *kassa_sim_node_to_string (JsonNode *node);

void kassa_sim_set_json_reply (SoupServerMessage *msg,
                               guint              http_status,
                               JsonNode          *node);

/* The §4 envelope. @response (consumed) for code 200; otherwise @error_type/@error_desc. */
void kassa_sim_reply_envelope (SoupServerMessage *msg,
                               guint              http_status,
                               int                code,
                               JsonNode          *response,
                               const char        *error_type,
                               const char        *error_desc);

void kassa_sim_reply_ok (SoupServerMessage *msg,
                         JsonBuilder       *response);

void kassa_bank_sim_reply_error (KassaBankSim      *self,
                                 SoupServerMessage *msg,
                                 const char        *error_type,
                                 const char        *error_desc);

void kassa_sim_add_string (JsonBuilder *builder,
                           const char  *name,
                           const char  *value);

/* body.response of check and refund: the transaction info (§6.8). */
void kassa_bank_sim_add_transaction (KassaBankSim     *self,
                                     JsonBuilder      *builder,
                                     const SimInvoice *inv,
                                     const char       *resp_code,
                                     const char       *resp_desc,
                                     gboolean          with_card);

/* kassa-bank-sim-push.c */
void kassa_sim_cancel_autopay (SimInvoice *inv);

void kassa_bank_sim_mark_paid (KassaBankSim *self,
                               SimInvoice   *inv);

void kassa_bank_sim_schedule_autopay (KassaBankSim *self,
                                      SimInvoice   *inv);

/* kassa-bank-sim-pos.c */
const char *kassa_sim_get_string_member (JsonObject *object,
                                         const char *name);

/* Reads the request body as one JSON object; NULL if it is not one. */
JsonObject *kassa_sim_read_json_object (SoupServerMessage *msg,
                                        gboolean           empty_is_object);

void kassa_bank_sim_handle_pos_request (KassaBankSim      *self,
                                        SoupServerMessage *msg,
                                        KassaBankEndpoint  endpoint);

/* kassa-bank-sim-faults.c */
SimFault kassa_bank_sim_take_fault (KassaBankSim      *self,
                                    KassaBankEndpoint  endpoint);

void kassa_bank_sim_apply_fault (KassaBankSim      *self,
                                 SoupServerMessage *msg,
                                 KassaBankEndpoint  endpoint,
                                 const SimFault    *fault);

/* kassa-bank-sim-control.c */
/* An optional integer member in [min, max]; FALSE if present and not one. */
gboolean kassa_sim_get_int_member (JsonObject *object,
                                   const char *name,
                                   gint64      min,
                                   gint64      max,
                                   gint64     *inout_value);

void kassa_bank_sim_handle_control (KassaBankSim      *self,
                                    SoupServerMessage *msg,
                                    const char        *path);

/* kassa-bank-sim-state.c */
void kassa_bank_sim_save_state (KassaBankSim *self);

G_END_DECLS
