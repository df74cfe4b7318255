/* kassa-bank-sim.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-checksum.h"
#include "kassa-emv.h"
#include "kassa-training-customer.h"

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

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void kassa_bank_sim_training_customer_init (KassaTrainingCustomerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KassaBankSim, kassa_bank_sim, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KASSA_TYPE_TRAINING_CUSTOMER,
                                                      kassa_bank_sim_training_customer_init))

G_DEFINE_QUARK (kassa-sim-error-quark, kassa_sim_error)

static void handle_pos_request (KassaBankSim      *self,
                                SoupServerMessage *msg,
                                KassaBankEndpoint  endpoint);
static void save_state         (KassaBankSim      *self);

/* ------------------------------------------------------------------ */
/* Enumerations                                                        */

const char *
kassa_sim_invoice_state_to_string (KassaSimInvoiceState state)
{
  switch (state)
    {
    case KASSA_SIM_INVOICE_UNPAID:
      return "unpaid";
    case KASSA_SIM_INVOICE_PAID:
      return "paid";
    case KASSA_SIM_INVOICE_DECLINED:
      return "declined";
    case KASSA_SIM_INVOICE_CANCELLED:
      return "cancelled";
    case KASSA_SIM_INVOICE_REFUNDED:
      return "refunded";
    default:
      g_return_val_if_reached ("unknown");
    }
}

static const char * const fault_names[] = {
  [KASSA_SIM_FAULT_NONE] = "none",
  [KASSA_SIM_FAULT_DELAY] = "delay",
  [KASSA_SIM_FAULT_HTTP_500] = "http500",
  [KASSA_SIM_FAULT_HTTP_500_ENVELOPE] = "http500-envelope",
  [KASSA_SIM_FAULT_MALFORMED_JSON] = "malformed",
  [KASSA_SIM_FAULT_DROP] = "drop",
  [KASSA_SIM_FAULT_CODE_500] = "code500",
};

const char *
kassa_sim_fault_kind_to_string (KassaSimFaultKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (fault_names), "none");

  return fault_names[kind];
}

gboolean
kassa_sim_fault_kind_from_string (const char        *text,
                                  KassaSimFaultKind *out_kind)
{
  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (fault_names); i++)
    {
      if (g_strcmp0 (text, fault_names[i]) == 0)
        {
          if (out_kind != NULL)
            *out_kind = (KassaSimFaultKind) i;
          return TRUE;
        }
    }

  return FALSE;
}

static const char *
invoice_method_to_string (InvoiceMethod method)
{
  switch (method)
    {
    case METHOD_QR:
      return "qr";
    case METHOD_DEEPLINK:
      return "deeplink";
    case METHOD_PHONE:
      return "phone";
    default:
      g_return_val_if_reached ("qr");
    }
}

/* ------------------------------------------------------------------ */
/* Table entries                                                       */

static void
sim_invoice_free (SimInvoice *inv)
{
  if (inv->autopay_source != NULL)
    {
      g_source_destroy (inv->autopay_source);
      g_clear_pointer (&inv->autopay_source, g_source_unref);
    }
  g_free (inv->terminal);
  g_free (inv->invoice);
  g_free (inv->phone);
  g_free (inv->approval_code);
  g_free (inv->card_number);
  g_free (inv);
}

static void
sim_terminal_free (SimTerminal *term)
{
  /* The secret is wiped before it goes back to the allocator. */
  if (term->secret != NULL)
    memset (term->secret, 0, strlen (term->secret));
  g_free (term->secret);
  g_hash_table_unref (term->settlements);
  g_free (term);
}

static char *
invoice_key (const char *terminal,
             const char *invoice)
{
  /* Terminals are exactly 8 digits, so the key cannot be ambiguous. */
  return g_strconcat (terminal, ":", invoice, NULL);
}

static SimInvoice *
lookup_invoice (KassaBankSim *self,
                const char   *terminal,
                const char   *invoice)
{
  g_autofree char *key = invoice_key (terminal, invoice);

  return g_hash_table_lookup (self->invoices, key);
}

static void
delayed_request_free (DelayedRequest *delayed)
{
  if (delayed->source != NULL)
    {
      g_source_destroy (delayed->source);
      g_source_unref (delayed->source);
    }
  g_clear_signal_handler (&delayed->disconnected_id, delayed->msg);
  g_object_unref (delayed->msg);
  g_free (delayed);
}

/* ------------------------------------------------------------------ */
/* Wire helpers                                                        */

/* The amount as this profile writes it in replies and pushes. */
static char *
format_amount (KassaBankSim *self,
               gint64        amount)
{
  if (amount >= KASSA_AMOUNT_MIN && amount <= KASSA_AMOUNT_MAX)
    return kassa_bank_profile_format_amount (self->profile, amount);

  /* Settlement totals may be 0 or exceed one sale's maximum. */
  if (kassa_bank_profile_get_amount_format (self->profile) == KASSA_AMOUNT_FORMAT_TWO_DECIMALS)
    return g_strdup_printf ("%" G_GINT64_FORMAT ".00", amount);

  return g_strdup_printf ("%" G_GINT64_FORMAT, amount);
}

/* A request amount: whole tögrög, plain digits with an optional all-zero
 * fraction of one or two digits ("1000", "1000.00"). No sign, no exponent,
 * no leading zero, 1 ≤ amount ≤ 10^12. */
static gboolean
parse_request_amount (const char *text,
                      gint64     *out_amount)
{
  const char *p = text;
  gint64 value = 0;
  gsize n_digits = 0;

  if (text == NULL || !g_ascii_isdigit (*p) || *p == '0')
    return FALSE;

  for (; g_ascii_isdigit (*p); p++)
    {
      if (++n_digits > 13)
        return FALSE;
      value = value * 10 + (*p - '0');
    }

  if (*p == '.')
    {
      gsize n_fraction = 0;

      for (p++; *p == '0'; p++)
        n_fraction++;
      if (n_fraction < 1 || n_fraction > 2)
        return FALSE;
    }

  if (*p != '\0' || value < KASSA_AMOUNT_MIN || value > KASSA_AMOUNT_MAX)
    return FALSE;

  *out_amount = value;
  return TRUE;
}

static char *
random_digits (guint n)
{
  GString *out = g_string_sized_new (n);

  for (guint i = 0; i < n; i++)
    g_string_append_c (out, (char) ('0' + g_random_int_range (0, 10)));

  return g_string_free (out, FALSE);
}

static char *
random_deeplink (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  GString *out = g_string_new (DEEPLINK_PREFIX);

  for (guint i = 0; i < DEEPLINK_KEY_LENGTH; i++)
    g_string_append_c (out, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);

  return g_string_free (out, FALSE);
}

static void
append_tlv (GString    *out,
            const char *tag,
            const char *value)
{
  glong len = g_utf8_strlen (value, -1);

  g_return_if_fail (len <= 99);
  g_string_append_printf (out, "%s%02ld%s", tag, len, value);
}

/* An EMV merchant-presented payload shaped like the bank's sample (§13). */
static char *
build_emv_payload (KassaBankSim     *self,
                   const SimInvoice *inv)
{
  g_autoptr(GString) tlv = g_string_new (NULL);
  g_autoptr(GString) extra = g_string_new (NULL);
  g_autofree char *account = NULL;
  g_autofree char *amount = kassa_amount_to_wire (inv->amount);
  g_autofree char *reference = NULL;

  /* The account is derived from the terminal so each terminal has its own. */
  account = g_strdup_printf ("2662049626620496%s00147", inv->terminal);

  if (strlen (inv->invoice) <= EMV_REFERENCE_MAX)
    reference = g_strdup (inv->invoice);
  else
    reference = g_strdup_printf ("%012" G_GUINT64_FORMAT, ++self->reference_seq);

  append_tlv (extra, "01", reference);
  append_tlv (extra, "07", inv->terminal);

  append_tlv (tlv, "00", "01");
  append_tlv (tlv, "01", "12");
  append_tlv (tlv, "15", account);
  append_tlv (tlv, "52", "6010");
  append_tlv (tlv, "53", "496");
  append_tlv (tlv, "54", amount);
  append_tlv (tlv, "58", "MN");
  append_tlv (tlv, "59", self->merchant_name);
  append_tlv (tlv, "60", "ULAANBAATAR");
  append_tlv (tlv, "62", extra->str);

  return kassa_emv_seal (tlv->str, KASSA_EMV_CRC_X25);
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

static void
set_json_reply (SoupServerMessage *msg,
                guint              http_status,
                JsonNode          *node)
{
  g_autofree char *text = node_to_string (node);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, http_status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

/* The §4 envelope. @response (consumed) for code 200; otherwise @error_type/@error_desc. */
static void
reply_envelope (SoupServerMessage *msg,
                guint              http_status,
                int                code,
                JsonNode          *response,
                const char        *error_type,
                const char        *error_desc)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "header");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, code);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, code == 200 ? "success" : "failed");
  json_builder_set_member_name (builder, "date");
  json_builder_add_string_value (builder, date);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "body");
  json_builder_begin_object (builder);
  if (response != NULL)
    {
      json_builder_set_member_name (builder, "response");
      json_builder_add_value (builder, response);
    }
  else
    {
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "errorType");
      json_builder_add_string_value (builder, error_type);
      json_builder_set_member_name (builder, "errorDesc");
      json_builder_add_string_value (builder, error_desc);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  set_json_reply (msg, http_status, root);
}

static void
reply_ok (SoupServerMessage *msg,
          JsonBuilder       *response)
{
  reply_envelope (msg, SOUP_STATUS_OK, 200, json_builder_get_root (response), NULL, NULL);
}

static void
reply_error (KassaBankSim      *self,
             SoupServerMessage *msg,
             const char        *error_type,
             const char        *error_desc)
{
  reply_envelope (msg, self->error_http_status, 400, NULL, error_type, error_desc);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* body.response of check and refund: the transaction info (§6.8). */
static void
add_transaction (KassaBankSim     *self,
                 JsonBuilder      *builder,
                 const SimInvoice *inv,
                 const char       *resp_code,
                 const char       *resp_desc,
                 gboolean          with_card)
{
  g_autofree char *amount = format_amount (self, inv->amount);
  SimTerminal *term = g_hash_table_lookup (self->terminals, inv->terminal);
  g_autofree char *checksum = kassa_checksum_concat (term->secret, inv->terminal,
                                                     inv->invoice, amount, NULL);

  add_string (builder, "resp_code", resp_code);
  add_string (builder, "resp_desc", resp_desc);
  if (with_card)
    {
      add_string (builder, "approval_code", inv->approval_code);
      add_string (builder, "card_number", inv->card_number);
    }
  add_string (builder, "amount", amount);
  add_string (builder, "terminal", inv->terminal);
  add_string (builder, "invoice", inv->invoice);
  add_string (builder, "checksum", checksum);
}

/* ------------------------------------------------------------------ */
/* Push and autopay                                                    */

static void
push_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  guint status = msg != NULL ? soup_message_get_status (msg) : 0;

  reply = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (reply == NULL)
    g_debug ("Push notification failed: %s", error->message);
  else
    g_debug ("Push notification answered with HTTP %u", status);
}

static void
send_push (KassaBankSim     *self,
           const SimInvoice *inv)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;

  if (self->push_url == NULL)
    return;

  msg = soup_message_new (SOUP_METHOD_POST, self->push_url);
  if (msg == NULL)
    {
      g_debug ("Push URL is not usable; no notification sent");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_transaction (self, builder, inv, "00", DESC_SUCCESS, TRUE);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = node_to_string (root);
  body = g_bytes_new_take (text, strlen (text));
  text = NULL;

  if (self->push_session == NULL)
    /* No proxy: the merchant's push URL is a till on the local network or
     * loopback, and the system proxy settings may not even be readable. */
    self->push_session = soup_session_new_with_options ("timeout", PUSH_TIMEOUT_SECONDS,
                                                        "user-agent", "kassa-bank-sim",
                                                        "proxy-resolver", NULL,
                                                        NULL);

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* Fire and forget: the bank does not care what the merchant answers. */
  soup_session_send_and_read_async (self->push_session, msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, push_sent_cb, NULL);
}

static void
cancel_autopay (SimInvoice *inv)
{
  if (inv->autopay_source == NULL)
    return;

  g_source_destroy (inv->autopay_source);
  g_clear_pointer (&inv->autopay_source, g_source_unref);
}

static void
mark_paid (KassaBankSim *self,
           SimInvoice   *inv)
{
  g_autofree char *last4 = random_digits (4);

  cancel_autopay (inv);
  inv->state = KASSA_SIM_INVOICE_PAID;
  g_free (inv->approval_code);
  inv->approval_code = random_digits (6);
  g_free (inv->card_number);
  inv->card_number = g_strdup_printf ("949625******%s", last4);
  save_state (self);

  send_push (self, inv);
}

static gboolean
autopay_cb (gpointer data)
{
  SimInvoice *inv = data;

  /* The source is being dispatched; drop our reference so nobody destroys it twice. */
  g_clear_pointer (&inv->autopay_source, g_source_unref);
  if (inv->state == KASSA_SIM_INVOICE_UNPAID)
    mark_paid (inv->sim, inv);

  return G_SOURCE_REMOVE;
}

static void
schedule_autopay (KassaBankSim *self,
                  SimInvoice   *inv)
{
  if (self->autopay_seconds == 0)
    return;

  inv->autopay_source = g_timeout_source_new (self->autopay_seconds * 1000);
  g_source_set_name (inv->autopay_source, "[kassa-bank-sim] autopay");
  g_source_set_callback (inv->autopay_source, autopay_cb, inv, NULL);
  g_source_attach (inv->autopay_source, self->context);
}

/* ------------------------------------------------------------------ */
/* /pos requests                                                       */

typedef struct
{
  const char  *terminal;
  const char  *invoice;
  const char  *phone;
  const char  *settlement_id;
  const char  *checksum;
  char        *amount_text;   /* exactly as received */
  gint64       amount;
  SimTerminal *term;
} PosRequest;

static void
pos_request_clear (PosRequest *req)
{
  g_clear_pointer (&req->amount_text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PosRequest, pos_request_clear)

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static char *
expected_checksum (KassaBankSim      *self,
                   KassaBankEndpoint  endpoint,
                   const PosRequest  *req,
                   const char        *amount_text)
{
  const char *secret = req->term->secret;

  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
    case KASSA_BANK_ENDPOINT_DEEPLINK:
    case KASSA_BANK_ENDPOINT_CHECK:
    case KASSA_BANK_ENDPOINT_CANCEL:
      return kassa_checksum_concat (secret, req->terminal, req->invoice, amount_text, NULL);
    case KASSA_BANK_ENDPOINT_PHONE:
      return kassa_checksum_concat (secret, req->terminal, req->invoice, amount_text,
                                    req->phone, NULL);
    case KASSA_BANK_ENDPOINT_REFUND:
      {
        g_autofree const char **parts =
          kassa_bank_profile_refund_checksum_parts (self->profile, req->terminal,
                                                    req->invoice, amount_text);

        return kassa_checksum_concatv (secret, parts);
      }
    case KASSA_BANK_ENDPOINT_SETTLEMENT:
      return kassa_checksum_concat (secret, req->terminal, req->settlement_id, NULL);
    default:
      g_return_val_if_reached (NULL);
    }
}

typedef enum
{
  FIELD_INVOICE = 1 << 0,
  FIELD_AMOUNT = 1 << 1,
  FIELD_PHONE = 1 << 2,
  FIELD_SETTLEMENT_ID = 1 << 3,
} RequestFields;

/* Reads and checks the request fields in the bank's order: presence and
 * types, terminal, invoice, amount, checksum, phone. On failure the error
 * envelope has been set and FALSE is returned. */
static gboolean
read_pos_request (KassaBankSim      *self,
                  SoupServerMessage *msg,
                  KassaBankEndpoint  endpoint,
                  JsonObject        *object,
                  RequestFields      fields,
                  PosRequest        *req)
{
  JsonNode *amount_node = NULL;
  g_autofree char *expected = NULL;
  gboolean checksum_ok;

  /* Presence and types first: they make the request unreadable. */
  req->terminal = get_string_member (object, "terminal");
  req->checksum = get_string_member (object, "checksum");
  if (req->terminal == NULL || req->checksum == NULL)
    goto invalid;
  if (fields & FIELD_INVOICE)
    {
      req->invoice = get_string_member (object, "invoice");
      if (req->invoice == NULL)
        goto invalid;
    }
  if (fields & FIELD_PHONE)
    {
      req->phone = get_string_member (object, "phone");
      if (req->phone == NULL)
        goto invalid;
    }
  if (fields & FIELD_SETTLEMENT_ID)
    {
      req->settlement_id = get_string_member (object, "settlementId");
      if (req->settlement_id == NULL)
        goto invalid;
    }
  if (fields & FIELD_AMOUNT)
    {
      GType type;

      amount_node = json_object_get_member (object, "amount");
      if (amount_node == NULL || !JSON_NODE_HOLDS_VALUE (amount_node))
        goto invalid;
      type = json_node_get_value_type (amount_node);
      if (type != G_TYPE_STRING && type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        goto invalid;
    }

  req->term = g_hash_table_lookup (self->terminals, req->terminal);
  if (req->term == NULL)
    {
      reply_error (self, msg, "TERMINAL", DESC_TERMINAL);
      return FALSE;
    }

  if ((fields & FIELD_INVOICE) && !kassa_invoice_validate (req->invoice, NULL))
    {
      reply_error (self, msg, "INVOICE", DESC_INVOICE);
      return FALSE;
    }

  if ((fields & FIELD_SETTLEMENT_ID) && !kassa_settlement_id_validate (req->settlement_id, NULL))
    {
      reply_error (self, msg, "SETTLEMENT_ID", DESC_SETTLEMENT_ID);
      return FALSE;
    }

  if (fields & FIELD_AMOUNT)
    {
      GType type = json_node_get_value_type (amount_node);

      if (type == G_TYPE_STRING)
        req->amount_text = g_strdup (json_node_get_string (amount_node));
      else if (type == G_TYPE_INT64 && kassa_bank_profile_get_amount_as_number (self->profile))
        req->amount_text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (amount_node));

      if (req->amount_text == NULL || !parse_request_amount (req->amount_text, &req->amount))
        {
          reply_error (self, msg, "AMOUNT", DESC_AMOUNT);
          return FALSE;
        }
    }

  /* The checksum is over the amount string exactly as it was received. */
  expected = expected_checksum (self, endpoint, req, req->amount_text);
  checksum_ok = kassa_checksum_equal (expected, req->checksum);

  /* Lenient: the bank might hash a normalised number ("1000.00" ~ "1000"). */
  if (!checksum_ok && self->lenient_amounts && (fields & FIELD_AMOUNT))
    {
      g_autofree char *plain = kassa_amount_to_wire (req->amount);
      g_autofree char *lenient = expected_checksum (self, endpoint, req, plain);

      checksum_ok = kassa_checksum_equal (lenient, req->checksum);
    }

  if (!checksum_ok)
    {
      reply_error (self, msg, "CHECKSUM", DESC_CHECKSUM);
      return FALSE;
    }

  if ((fields & FIELD_PHONE) && !kassa_phone_validate (req->phone, NULL))
    {
      reply_error (self, msg, "PHONE", DESC_PHONE);
      return FALSE;
    }

  return TRUE;

invalid:
  reply_error (self, msg, "VALIDATION", DESC_VALIDATION);
  return FALSE;
}

static void
handle_create (KassaBankSim      *self,
               SoupServerMessage *msg,
               KassaBankEndpoint  endpoint,
               JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *desc = NULL;
  RequestFields fields = FIELD_INVOICE | FIELD_AMOUNT;
  SimInvoice *inv;

  if (endpoint == KASSA_BANK_ENDPOINT_PHONE)
    fields |= FIELD_PHONE;
  if (!read_pos_request (self, msg, endpoint, object, fields, &req))
    return;

  /* Invoice numbers are unique forever per terminal, even after cancel. */
  if (lookup_invoice (self, req.terminal, req.invoice) != NULL)
    {
      reply_error (self, msg, "DUPLICATE", DESC_DUPLICATE);
      return;
    }

  inv = g_new0 (SimInvoice, 1);
  inv->sim = self;
  inv->terminal = g_strdup (req.terminal);
  inv->invoice = g_strdup (req.invoice);
  inv->amount = req.amount;
  inv->state = KASSA_SIM_INVOICE_UNPAID;
  inv->phone = g_strdup (req.phone);
  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
      inv->method = METHOD_QR;
      desc = build_emv_payload (self, inv);
      break;
    case KASSA_BANK_ENDPOINT_DEEPLINK:
      inv->method = METHOD_DEEPLINK;
      desc = random_deeplink ();
      break;
    case KASSA_BANK_ENDPOINT_PHONE:
      inv->method = METHOD_PHONE;
      desc = g_strdup ("success");
      break;
    case KASSA_BANK_ENDPOINT_CHECK:
    case KASSA_BANK_ENDPOINT_CANCEL:
    case KASSA_BANK_ENDPOINT_REFUND:
    case KASSA_BANK_ENDPOINT_SETTLEMENT:
    default:
      g_assert_not_reached ();
    }

  g_hash_table_insert (self->invoices, invoice_key (inv->terminal, inv->invoice), inv);
  g_ptr_array_add (self->invoice_order, inv);
  schedule_autopay (self, inv);
  save_state (self);

  json_builder_begin_object (builder);
  add_string (builder, "desc", desc);
  add_string (builder, "status", "SUCCESS");
  json_builder_end_object (builder);
  reply_ok (msg, builder);
}

/* Looks the invoice up and compares the amount; sets the error reply if needed. */
static SimInvoice *
find_request_invoice (KassaBankSim      *self,
                      SoupServerMessage *msg,
                      const PosRequest  *req)
{
  SimInvoice *inv = lookup_invoice (self, req->terminal, req->invoice);

  if (inv == NULL)
    {
      reply_error (self, msg, "NOT_FOUND", DESC_NOT_FOUND);
      return NULL;
    }

  if (inv->amount != req->amount)
    {
      reply_error (self, msg, "AMOUNT", DESC_AMOUNT_MISMATCH);
      return NULL;
    }

  return inv;
}

static void
handle_check (KassaBankSim      *self,
              SoupServerMessage *msg,
              JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  SimInvoice *inv;

  if (!read_pos_request (self, msg, KASSA_BANK_ENDPOINT_CHECK, object,
                         FIELD_INVOICE | FIELD_AMOUNT, &req))
    return;
  if ((inv = find_request_invoice (self, msg, &req)) == NULL)
    return;

  json_builder_begin_object (builder);
  switch (inv->state)
    {
    case KASSA_SIM_INVOICE_PAID:
      add_transaction (self, builder, inv, "00", DESC_SUCCESS, TRUE);
      break;
    case KASSA_SIM_INVOICE_UNPAID:
      if (kassa_bank_profile_get_unpaid_check_style (self->profile) ==
          KASSA_UNPAID_CHECK_ERROR_ENVELOPE)
        {
          reply_error (self, msg, "NOT_PAID", DESC_NOT_PAID);
          return;
        }
      add_transaction (self, builder, inv, "01", DESC_UNPAID, FALSE);
      break;
    case KASSA_SIM_INVOICE_DECLINED:
      add_transaction (self, builder, inv, "05", DESC_DECLINED, FALSE);
      break;
    case KASSA_SIM_INVOICE_CANCELLED:
      reply_error (self, msg, "CANCELLED", DESC_CANCELLED);
      return;
    case KASSA_SIM_INVOICE_REFUNDED:
      reply_error (self, msg, "REFUNDED", DESC_REFUNDED);
      return;
    default:
      g_assert_not_reached ();
    }
  json_builder_end_object (builder);
  reply_ok (msg, builder);
}

static void
handle_cancel (KassaBankSim      *self,
               SoupServerMessage *msg,
               JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  SimInvoice *inv;

  if (!read_pos_request (self, msg, KASSA_BANK_ENDPOINT_CANCEL, object,
                         FIELD_INVOICE | FIELD_AMOUNT, &req))
    return;
  if ((inv = find_request_invoice (self, msg, &req)) == NULL)
    return;

  switch (inv->state)
    {
    case KASSA_SIM_INVOICE_UNPAID:
      break;
    case KASSA_SIM_INVOICE_PAID:
      reply_error (self, msg, "ALREADY_PAID", DESC_ALREADY_PAID);
      return;
    case KASSA_SIM_INVOICE_DECLINED:
      reply_error (self, msg, "DECLINED", DESC_DECLINED);
      return;
    case KASSA_SIM_INVOICE_CANCELLED:
      reply_error (self, msg, "ALREADY_CANCELLED", DESC_ALREADY_CANCELLED);
      return;
    case KASSA_SIM_INVOICE_REFUNDED:
      reply_error (self, msg, "REFUNDED", DESC_REFUNDED);
      return;
    default:
      g_assert_not_reached ();
    }

  cancel_autopay (inv);
  inv->state = KASSA_SIM_INVOICE_CANCELLED;
  save_state (self);

  json_builder_begin_object (builder);
  add_string (builder, "desc", DESC_INVOICE_CANCELLED);
  add_string (builder, "status", "SUCCESS");
  if (kassa_bank_profile_get_cancel_success_test (self->profile) ==
      KASSA_CANCEL_SUCCESS_RESP_CODE)
    {
      add_string (builder, "resp_code", "00");
      add_string (builder, "resp_desc", DESC_SUCCESS);
    }
  json_builder_end_object (builder);
  reply_ok (msg, builder);
}

static void
handle_refund (KassaBankSim      *self,
               SoupServerMessage *msg,
               JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  SimInvoice *inv;

  if (!read_pos_request (self, msg, KASSA_BANK_ENDPOINT_REFUND, object,
                         FIELD_INVOICE | FIELD_AMOUNT, &req))
    return;
  if ((inv = find_request_invoice (self, msg, &req)) == NULL)
    return;

  switch (inv->state)
    {
    case KASSA_SIM_INVOICE_PAID:
      break;
    case KASSA_SIM_INVOICE_REFUNDED:
      reply_error (self, msg, "ALREADY_REFUNDED", DESC_ALREADY_REFUNDED);
      return;
    case KASSA_SIM_INVOICE_UNPAID:
    case KASSA_SIM_INVOICE_DECLINED:
    case KASSA_SIM_INVOICE_CANCELLED:
      reply_error (self, msg, "NOT_PAID", DESC_NOT_PAID);
      return;
    default:
      g_assert_not_reached ();
    }

  inv->state = KASSA_SIM_INVOICE_REFUNDED;
  save_state (self);

  /* Both readings of §6.9 at once: the transaction info and {desc, status}. */
  json_builder_begin_object (builder);
  add_transaction (self, builder, inv, "00", DESC_SUCCESS, TRUE);
  add_string (builder, "desc", DESC_PAYMENT_REFUNDED);
  add_string (builder, "status", "SUCCESS");
  json_builder_end_object (builder);
  reply_ok (msg, builder);
}

static void
handle_settlement (KassaBankSim      *self,
                   SoupServerMessage *msg,
                   JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *amount = NULL;
  SimSettlement *settlement;

  if (!read_pos_request (self, msg, KASSA_BANK_ENDPOINT_SETTLEMENT, object,
                         FIELD_SETTLEMENT_ID, &req))
    return;

  /* The same settlement id gives the same answer: a retried request after a
   * lost reply must not close an empty second batch. */
  settlement = g_hash_table_lookup (req.term->settlements, req.settlement_id);
  if (settlement == NULL)
    {
      settlement = g_new0 (SimSettlement, 1);
      for (guint i = 0; i < self->invoice_order->len; i++)
        {
          SimInvoice *inv = g_ptr_array_index (self->invoice_order, i);

          if (inv->settled || g_strcmp0 (inv->terminal, req.terminal) != 0)
            continue;
          if (inv->state == KASSA_SIM_INVOICE_PAID)
            {
              settlement->amount += inv->amount;
              settlement->count++;
              inv->settled = TRUE;
            }
          else if (inv->state == KASSA_SIM_INVOICE_REFUNDED)
            {
              /* Paid and refunded within the batch: neither counts. */
              inv->settled = TRUE;
            }
        }
      g_hash_table_insert (req.term->settlements, g_strdup (req.settlement_id), settlement);
      save_state (self);
    }

  amount = format_amount (self, settlement->amount);
  json_builder_begin_object (builder);
  add_string (builder, "amount", amount);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, settlement->count);
  add_string (builder, "status", "SUCCESS");
  json_builder_end_object (builder);
  reply_ok (msg, builder);
}

static gboolean
is_json_content_type (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/json") == 0;
}

/* Reads the request body as one JSON object; NULL if it is not one. */
static JsonObject *
read_json_object (SoupServerMessage *msg,
                  gboolean           empty_is_object)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *root;

  if (len == 0 && empty_is_object)
    return json_object_new ();
  /* Real length: a NUL inside the body is not JSON. */
  if (len == 0 || memchr (data, '\0', len) != NULL ||
      !g_utf8_validate (data, len, NULL) ||
      !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

static void
handle_pos_request (KassaBankSim      *self,
                    SoupServerMessage *msg,
                    KassaBankEndpoint  endpoint)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonObject) object = NULL;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "POST");
      reply_envelope (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, 400, NULL, "METHOD", DESC_METHOD);
      return;
    }

  if (body->length > MAX_BODY_SIZE)
    {
      reply_envelope (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, 400, NULL,
                      "VALIDATION", DESC_TOO_LARGE);
      return;
    }

  if (!is_json_content_type (msg) || (object = read_json_object (msg, FALSE)) == NULL)
    {
      reply_error (self, msg, "VALIDATION", DESC_VALIDATION);
      return;
    }

  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
    case KASSA_BANK_ENDPOINT_DEEPLINK:
    case KASSA_BANK_ENDPOINT_PHONE:
      handle_create (self, msg, endpoint, object);
      break;
    case KASSA_BANK_ENDPOINT_CHECK:
      handle_check (self, msg, object);
      break;
    case KASSA_BANK_ENDPOINT_CANCEL:
      handle_cancel (self, msg, object);
      break;
    case KASSA_BANK_ENDPOINT_REFUND:
      handle_refund (self, msg, object);
      break;
    case KASSA_BANK_ENDPOINT_SETTLEMENT:
      handle_settlement (self, msg, object);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */

static SimFault
take_fault (KassaBankSim      *self,
            KassaBankEndpoint  endpoint)
{
  SimFault *fault = &self->faults[endpoint];
  SimFault taken = *fault;

  if (fault->kind != KASSA_SIM_FAULT_NONE && fault->remaining > 0 && --fault->remaining == 0)
    {
      fault->kind = KASSA_SIM_FAULT_NONE;
      fault->delay_ms = 0;
    }

  return taken;
}

static gboolean
delayed_request_cb (gpointer data)
{
  DelayedRequest *delayed = data;
  KassaBankSim *self = delayed->sim;

  /* Being dispatched: the source goes away when we return. */
  g_clear_pointer (&delayed->source, g_source_unref);
  self->delayed = g_list_remove (self->delayed, delayed);

  handle_pos_request (self, delayed->msg, delayed->endpoint);
  soup_server_message_unpause (delayed->msg);
  delayed_request_free (delayed);

  return G_SOURCE_REMOVE;
}

static void
on_delayed_message_disconnected_cb (SoupServerMessage *msg,
                                    gpointer           user_data)
{
  DelayedRequest *delayed = user_data;
  KassaBankSim *self = delayed->sim;

  /* libsoup 3.2's server reads nothing from a paused message's connection,
   * so a client that goes away during the delay is noticed only when the
   * answer is written, after the request was processed (a bank would do the
   * same). This fires for a connection that fails before that. */
  self->delayed = g_list_remove (self->delayed, delayed);
  delayed_request_free (delayed);
}

static void
delay_request (KassaBankSim      *self,
               SoupServerMessage *msg,
               KassaBankEndpoint  endpoint,
               guint              delay_ms)
{
  DelayedRequest *delayed = g_new0 (DelayedRequest, 1);

  delayed->sim = self;
  delayed->msg = g_object_ref (msg);
  delayed->endpoint = endpoint;
  delayed->source = g_timeout_source_new (delay_ms);
  g_source_set_name (delayed->source, "[kassa-bank-sim] delayed reply");
  g_source_set_callback (delayed->source, delayed_request_cb, delayed, NULL);
  delayed->disconnected_id = g_signal_connect (msg, "disconnected",
                                               G_CALLBACK (on_delayed_message_disconnected_cb),
                                               delayed);
  self->delayed = g_list_prepend (self->delayed, delayed);

  soup_server_message_pause (msg);
  g_source_attach (delayed->source, self->context);
}

/* Closes the connection in the middle of a reply: the client has read the
 * status line and part of the body, then the stream ends. */
static void
drop_connection (SoupServerMessage *msg)
{
  static const char partial[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 400\r\n"
    "\r\n"
    "{\"header\":{\"code\":200";
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  g_autoptr(GError) error = NULL;

  if (stream == NULL)
    return;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), partial,
                                  sizeof partial - 1, NULL, NULL, &error))
    g_debug ("Dropping a connection: %s", error->message);
  g_io_stream_close (stream, NULL, NULL);
}

static void
apply_fault (KassaBankSim      *self,
             SoupServerMessage *msg,
             KassaBankEndpoint  endpoint,
             const SimFault    *fault)
{
  static const char malformed[] = "{\"header\": {\"code\": 200,";
  static const char internal[] = "Internal Server Error\n";

  switch (fault->kind)
    {
    case KASSA_SIM_FAULT_DELAY:
      delay_request (self, msg, endpoint, fault->delay_ms);
      break;
    case KASSA_SIM_FAULT_HTTP_500:
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        internal, sizeof internal - 1);
      break;
    case KASSA_SIM_FAULT_HTTP_500_ENVELOPE:
      reply_envelope (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, 500, NULL, "SYSTEM", DESC_SYSTEM);
      break;
    case KASSA_SIM_FAULT_MALFORMED_JSON:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        malformed, sizeof malformed - 1);
      break;
    case KASSA_SIM_FAULT_DROP:
      drop_connection (msg);
      break;
    case KASSA_SIM_FAULT_CODE_500:
      reply_envelope (msg, SOUP_STATUS_OK, 500, NULL, "SYSTEM", DESC_SYSTEM);
      break;
    case KASSA_SIM_FAULT_NONE:
    default:
      handle_pos_request (self, msg, endpoint);
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Control interface (/sim/…): the simulator only, never the real bank */

static void
control_reply (SoupServerMessage *msg,
               guint              status,
               JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  set_json_reply (msg, status, root);
}

static void
control_error (SoupServerMessage *msg,
               guint              status,
               const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, FALSE);
  add_string (builder, "error", message);
  json_builder_end_object (builder);
  control_reply (msg, status, builder);
}

static void
control_ok (SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  control_reply (msg, SOUP_STATUS_OK, builder);
}

/* An optional integer member in [min, max]; FALSE if present and not one. */
static gboolean
get_int_member (JsonObject *object,
                const char *name,
                gint64      min,
                gint64      max,
                gint64     *inout_value)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  value = json_node_get_int (node);
  if (value < min || value > max)
    return FALSE;

  *inout_value = value;
  return TRUE;
}

/* An optional string member: absent or null gives NULL; FALSE for other types. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *name,
                     const char **out_value)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  *out_value = json_node_get_string (node);
  return TRUE;
}

static void
control_customer (KassaBankSim      *self,
                  SoupServerMessage *msg,
                  JsonObject        *object,
                  gboolean           pay)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  const char *invoice = get_string_member (object, "invoice");
  const char *terminal = NULL;
  KassaSimInvoiceState state;
  gboolean ok;

  if (invoice == NULL || !get_optional_string (object, "terminal", &terminal))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "expected {\"invoice\": STRING, \"terminal\"?: STRING}");
      return;
    }

  if (pay)
    ok = kassa_bank_sim_pay (self, terminal, invoice, &error);
  else
    ok = kassa_bank_sim_decline (self, terminal, invoice, &error);

  if (!ok)
    {
      guint status = SOUP_STATUS_BAD_REQUEST;

      if (g_error_matches (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_UNKNOWN_INVOICE))
        status = SOUP_STATUS_NOT_FOUND;
      else if (g_error_matches (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_WRONG_STATE))
        status = SOUP_STATUS_CONFLICT;
      control_error (msg, status, error->message);
      return;
    }

  state = kassa_bank_sim_get_invoice_state (self, terminal, invoice, NULL);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  add_string (builder, "terminal", terminal != NULL ? terminal : self->first_terminal);
  add_string (builder, "invoice", invoice);
  add_string (builder, "state", kassa_sim_invoice_state_to_string (state));
  json_builder_end_object (builder);
  control_reply (msg, SOUP_STATUS_OK, builder);
}

static void
control_autopay (KassaBankSim      *self,
                 SoupServerMessage *msg,
                 JsonObject        *object)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 seconds = -1;

  if (!get_int_member (object, "seconds", 0, MAX_AUTOPAY_SECONDS, &seconds) || seconds < 0)
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "expected {\"seconds\": INTEGER 0…86400} (0 = off)");
      return;
    }

  kassa_bank_sim_set_autopay (self, (guint) seconds);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "seconds");
  json_builder_add_int_value (builder, seconds);
  json_builder_end_object (builder);
  control_reply (msg, SOUP_STATUS_OK, builder);
}

static void
control_fault (KassaBankSim      *self,
               SoupServerMessage *msg,
               JsonObject        *object)
{
  const char *endpoint_name = get_string_member (object, "endpoint");
  const char *kind_name = get_string_member (object, "kind");
  KassaBankEndpoint endpoint;
  KassaSimFaultKind kind;
  gint64 delay_ms = 0;
  gint64 count = 0;

  if (endpoint_name == NULL || !kassa_bank_endpoint_from_name (endpoint_name, &endpoint))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"endpoint\" must be one of qr, deeplink, phone, check, cancel, "
                     "refund, settlement");
      return;
    }
  if (kind_name == NULL || !kassa_sim_fault_kind_from_string (kind_name, &kind))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"kind\" must be one of none, delay, http500, http500-envelope, "
                     "malformed, drop, code500");
      return;
    }
  if (!get_int_member (object, "delay_ms", 0, MAX_DELAY_MS, &delay_ms) ||
      (kind == KASSA_SIM_FAULT_DELAY && delay_ms == 0))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"delay_ms\" must be an integer 1…600000 for a delay");
      return;
    }
  if (!get_int_member (object, "count", 0, G_MAXUINT, &count))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"count\" must be a non-negative integer (0 = until cleared)");
      return;
    }

  kassa_bank_sim_inject_fault (self, endpoint, kind, (guint) delay_ms, (guint) count);
  control_ok (msg);
}

static void
control_push_url (KassaBankSim      *self,
                  SoupServerMessage *msg,
                  JsonObject        *object)
{
  const char *url = NULL;

  if (!json_object_has_member (object, "url") || !get_optional_string (object, "url", &url))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST, "expected {\"url\": STRING or null}");
      return;
    }

  if (url != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL || g_uri_get_host (uri) == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
        {
          control_error (msg, SOUP_STATUS_BAD_REQUEST, "\"url\" must be an http(s) URL");
          return;
        }
    }

  kassa_bank_sim_set_push_url (self, url);
  control_ok (msg);
}

static void
control_invoices (KassaBankSim      *self,
                  SoupServerMessage *msg)
{
  char *text = kassa_bank_sim_list_invoices (self);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

/* {"held": N}: requests a delay fault is holding right now (received, not yet
 * processed). Tests wait for one before killing a client mid-request. */
static void
control_held (KassaBankSim      *self,
              SoupServerMessage *msg)
{
  char *text = g_strdup_printf ("{\"held\": %u}", g_list_length (self->delayed));

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

static void
handle_control (KassaBankSim      *self,
                SoupServerMessage *msg,
                const char        *path)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonObject) object = NULL;
  gboolean is_post = g_strcmp0 (method, SOUP_METHOD_POST) == 0;

  if (g_strcmp0 (path, "/sim/invoices") == 0 &&
      (is_post || g_strcmp0 (method, SOUP_METHOD_GET) == 0))
    {
      control_invoices (self, msg);
      return;
    }

  if (g_strcmp0 (path, "/sim/held") == 0 &&
      (is_post || g_strcmp0 (method, SOUP_METHOD_GET) == 0))
    {
      control_held (self, msg);
      return;
    }

  if (g_strcmp0 (path, "/sim/pay") != 0 && g_strcmp0 (path, "/sim/decline") != 0 &&
      g_strcmp0 (path, "/sim/autopay") != 0 && g_strcmp0 (path, "/sim/fault") != 0 &&
      g_strcmp0 (path, "/sim/clear-faults") != 0 && g_strcmp0 (path, "/sim/push-url") != 0 &&
      g_strcmp0 (path, "/sim/invoices") != 0)
    {
      control_error (msg, SOUP_STATUS_NOT_FOUND, "unknown control path");
      return;
    }

  if (!is_post)
    {
      control_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "control requests are POST");
      return;
    }

  if (body->length > MAX_BODY_SIZE)
    {
      control_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request too large");
      return;
    }

  object = read_json_object (msg, TRUE);
  if (object == NULL)
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST, "the body must be one JSON object");
      return;
    }

  if (g_strcmp0 (path, "/sim/pay") == 0)
    control_customer (self, msg, object, TRUE);
  else if (g_strcmp0 (path, "/sim/decline") == 0)
    control_customer (self, msg, object, FALSE);
  else if (g_strcmp0 (path, "/sim/autopay") == 0)
    control_autopay (self, msg, object);
  else if (g_strcmp0 (path, "/sim/fault") == 0)
    control_fault (self, msg, object);
  else if (g_strcmp0 (path, "/sim/push-url") == 0)
    control_push_url (self, msg, object);
  else
    {
      kassa_bank_sim_clear_faults (self);
      control_ok (msg);
    }
}

/* ------------------------------------------------------------------ */
/* The server                                                          */

static gboolean
endpoint_from_path (const char        *path,
                    KassaBankEndpoint *out_endpoint)
{
  for (guint i = 0; i < KASSA_BANK_N_ENDPOINTS; i++)
    {
      if (g_strcmp0 (path, kassa_bank_endpoint_get_path ((KassaBankEndpoint) i)) == 0)
        {
          *out_endpoint = (KassaBankEndpoint) i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
on_server_request_cb (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  static const char not_found[] = "Not Found\n";
  KassaBankSim *self = user_data;
  KassaBankEndpoint endpoint;
  SimFault fault;

  /* libsoup 3.2's server never closes a kept-alive connection once the client
   * goes (fixed in 3.3): without this, every request would leak a descriptor,
   * and training mode polls once a second. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");

  if (g_str_has_prefix (path, "/sim/"))
    {
      handle_control (self, msg, path);
      return;
    }

  if (!endpoint_from_path (path, &endpoint))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        not_found, sizeof not_found - 1);
      return;
    }

  /* A faulted request never reaches the invoice table (except a delay,
   * which is then processed normally). */
  fault = take_fault (self, endpoint);
  apply_fault (self, msg, endpoint, &fault);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_bank_sim_constructed (GObject *object)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  G_OBJECT_CLASS (kassa_bank_sim_parent_class)->constructed (object);

  if (self->profile == NULL)
    self->profile = kassa_bank_profile_new ();
}

static void
kassa_bank_sim_dispose (GObject *object)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  kassa_bank_sim_shutdown (self);
  g_clear_object (&self->server);
  g_clear_object (&self->push_session);
  if (self->invoice_order != NULL)
    g_ptr_array_set_size (self->invoice_order, 0);
  /* Destroys the autopay sources with the invoices. */
  g_hash_table_remove_all (self->invoices);

  G_OBJECT_CLASS (kassa_bank_sim_parent_class)->dispose (object);
}

static void
kassa_bank_sim_finalize (GObject *object)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->terminals, g_hash_table_unref);
  g_clear_pointer (&self->invoices, g_hash_table_unref);
  g_clear_pointer (&self->invoice_order, g_ptr_array_unref);
  g_free (self->first_terminal);
  g_free (self->url);
  g_free (self->push_url);
  g_free (self->merchant_name);
  g_free (self->state_file);

  G_OBJECT_CLASS (kassa_bank_sim_parent_class)->finalize (object);
}

static void
kassa_bank_sim_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_bank_sim_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_set_object (&self->profile, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_bank_sim_class_init (KassaBankSimClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = kassa_bank_sim_constructed;
  object_class->dispose = kassa_bank_sim_dispose;
  object_class->finalize = kassa_bank_sim_finalize;
  object_class->get_property = kassa_bank_sim_get_property;
  object_class->set_property = kassa_bank_sim_set_property;

  /**
   * KassaBankSim:profile:
   * The reading of every disputed wire detail the simulated bank speaks.
   */
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL,
                         KASSA_TYPE_BANK_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KassaBankSim:url:
   * "http://127.0.0.1:PORT" once listening, else %NULL.
   */
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_bank_sim_init (KassaBankSim *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->terminals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) sim_terminal_free);
  self->invoices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) sim_invoice_free);
  self->invoice_order = g_ptr_array_new ();
  self->error_http_status = SOUP_STATUS_OK;
  self->merchant_name = g_strdup (DEFAULT_MERCHANT_NAME);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

KassaBankSim *
kassa_bank_sim_new (KassaBankProfile *profile)
{
  g_return_val_if_fail (profile == NULL || KASSA_IS_BANK_PROFILE (profile), NULL);

  return g_object_new (KASSA_TYPE_BANK_SIM, "profile", profile, NULL);
}

gboolean
kassa_bank_sim_add_terminal (KassaBankSim  *self,
                             const char    *terminal,
                             const char    *secret,
                             GError       **error)
{
  SimTerminal *term;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_terminal_validate (terminal, error) || !kassa_secret_validate (secret, error))
    return FALSE;

  term = g_hash_table_lookup (self->terminals, terminal);
  if (term != NULL)
    {
      /* A new secret for a known terminal; its settlements stay. */
      memset (term->secret, 0, strlen (term->secret));
      g_free (term->secret);
      term->secret = g_strdup (secret);
      save_state (self);
      return TRUE;
    }

  term = g_new0 (SimTerminal, 1);
  term->secret = g_strdup (secret);
  term->settlements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->terminals, g_strdup (terminal), term);
  if (self->first_terminal == NULL)
    self->first_terminal = g_strdup (terminal);
  save_state (self);

  return TRUE;
}

gboolean
kassa_bank_sim_listen (KassaBankSim  *self,
                       guint          port,
                       const char    *tls_cert_file,
                       const char    *tls_key_file,
                       GError       **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupServerListenOptions options = 0;
  GSList *uris;
  guint bound_port;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->server != NULL)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_LISTEN,
                   _("The bank simulator is already listening on %s"), self->url);
      return FALSE;
    }

  if ((tls_cert_file == NULL) != (tls_key_file == NULL))
    {
      g_set_error_literal (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                           _("TLS needs both a certificate file and a key file"));
      return FALSE;
    }

  server = soup_server_new ("server-header", "kassa-bank-sim ", NULL);

  if (tls_cert_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate =
        g_tls_certificate_new_from_files (tls_cert_file, tls_key_file, &local_error);

      if (certificate == NULL)
        {
          g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_LISTEN,
                       _("Cannot load the TLS certificate: %s"), local_error->message);
          return FALSE;
        }
      g_object_set (server, "tls-certificate", certificate, NULL);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  soup_server_add_handler (server, NULL, on_server_request_cb, self, NULL);

  /* Loopback only: the simulator accepts any caller who can reach it. */
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  if (!soup_server_listen (server, address, options, &local_error))
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_LISTEN,
                   _("Cannot listen on 127.0.0.1 port %u: %s"), port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (server);
  bound_port = uris != NULL ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->server = g_steal_pointer (&server);
  g_free (self->url);
  self->url = g_strdup_printf ("%s://127.0.0.1:%u",
                               tls_cert_file != NULL ? "https" : "http", bound_port);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);

  return TRUE;
}

const char *
kassa_bank_sim_get_url (KassaBankSim *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), NULL);

  return self->url;
}

void
kassa_bank_sim_shutdown (KassaBankSim *self)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  g_cancellable_cancel (self->cancellable);
  g_list_free_full (g_steal_pointer (&self->delayed), (GDestroyNotify) delayed_request_free);
  if (self->server != NULL)
    {
      soup_server_remove_handler (self->server, NULL);
      soup_server_disconnect (self->server);
    }
}

void
kassa_bank_sim_set_error_http_status (KassaBankSim *self,
                                      guint         status)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail (status >= 100 && status <= 599);

  self->error_http_status = status;
}

void
kassa_bank_sim_set_lenient_amounts (KassaBankSim *self,
                                    gboolean      lenient)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  self->lenient_amounts = !!lenient;
}

gboolean
kassa_bank_sim_set_merchant_name (KassaBankSim  *self,
                                  const char    *name,
                                  GError       **error)
{
  glong len;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL || !g_utf8_validate (name, -1, NULL) ||
      (len = g_utf8_strlen (name, -1)) < 1 || len > EMV_MERCHANT_NAME_MAX)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                   _("The merchant name must be 1 to %d characters"), EMV_MERCHANT_NAME_MAX);
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error_literal (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                               _("The merchant name must not contain control characters"));
          return FALSE;
        }
    }

  g_free (self->merchant_name);
  self->merchant_name = g_strdup (name);
  return TRUE;
}

void
kassa_bank_sim_set_push_url (KassaBankSim *self,
                             const char   *url)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  g_free (self->push_url);
  self->push_url = g_strdup (url);
}

static SimInvoice *
find_invoice (KassaBankSim  *self,
              const char    *terminal,
              const char    *invoice,
              GError       **error)
{
  SimInvoice *inv = NULL;

  if (terminal == NULL)
    terminal = self->first_terminal;
  if (terminal != NULL && invoice != NULL)
    inv = lookup_invoice (self, terminal, invoice);

  if (inv == NULL)
    {
      g_autofree char *excerpt = kassa_input_excerpt (invoice);

      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_UNKNOWN_INVOICE,
                   _("No invoice “%s” on terminal %s"), excerpt,
                   terminal != NULL ? terminal : "-");
    }

  return inv;
}

static gboolean
customer_acts (KassaBankSim  *self,
               const char    *terminal,
               const char    *invoice,
               gboolean       pay,
               GError       **error)
{
  SimInvoice *inv;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((inv = find_invoice (self, terminal, invoice, error)) == NULL)
    return FALSE;

  if (inv->state != KASSA_SIM_INVOICE_UNPAID)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_WRONG_STATE,
                   _("Invoice “%s” is %s, not unpaid"), inv->invoice,
                   kassa_sim_invoice_state_to_string (inv->state));
      return FALSE;
    }

  if (pay)
    {
      mark_paid (self, inv);
    }
  else
    {
      cancel_autopay (inv);
      inv->state = KASSA_SIM_INVOICE_DECLINED;
      save_state (self);
    }

  return TRUE;
}

gboolean
kassa_bank_sim_pay (KassaBankSim  *self,
                    const char    *terminal,
                    const char    *invoice,
                    GError       **error)
{
  return customer_acts (self, terminal, invoice, TRUE, error);
}

gboolean
kassa_bank_sim_decline (KassaBankSim  *self,
                        const char    *terminal,
                        const char    *invoice,
                        GError       **error)
{
  return customer_acts (self, terminal, invoice, FALSE, error);
}

/* KassaCounter plays the customer through KassaTrainingCustomer (src/core). */
static gboolean
training_customer_pay (KassaTrainingCustomer  *customer,
                       const char             *terminal,
                       const char             *invoice,
                       GError                **error)
{
  return kassa_bank_sim_pay (KASSA_BANK_SIM (customer), terminal, invoice, error);
}

static gboolean
training_customer_decline (KassaTrainingCustomer  *customer,
                           const char             *terminal,
                           const char             *invoice,
                           GError                **error)
{
  return kassa_bank_sim_decline (KASSA_BANK_SIM (customer), terminal, invoice, error);
}

static void
kassa_bank_sim_training_customer_init (KassaTrainingCustomerInterface *iface)
{
  iface->pay = training_customer_pay;
  iface->decline = training_customer_decline;
}

void
kassa_bank_sim_set_autopay (KassaBankSim *self,
                            guint         seconds)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail (seconds <= MAX_AUTOPAY_SECONDS);

  self->autopay_seconds = seconds;
}

KassaSimInvoiceState
kassa_bank_sim_get_invoice_state (KassaBankSim  *self,
                                  const char    *terminal,
                                  const char    *invoice,
                                  GError       **error)
{
  SimInvoice *inv;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), KASSA_SIM_INVOICE_UNPAID);
  g_return_val_if_fail (error == NULL || *error == NULL, KASSA_SIM_INVOICE_UNPAID);

  if ((inv = find_invoice (self, terminal, invoice, error)) == NULL)
    return KASSA_SIM_INVOICE_UNPAID;

  return inv->state;
}

char *
kassa_bank_sim_list_invoices (KassaBankSim *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), NULL);

  json_builder_begin_array (builder);
  for (guint i = 0; i < self->invoice_order->len; i++)
    {
      SimInvoice *inv = g_ptr_array_index (self->invoice_order, i);

      json_builder_begin_object (builder);
      add_string (builder, "terminal", inv->terminal);
      add_string (builder, "invoice", inv->invoice);
      json_builder_set_member_name (builder, "amount");
      json_builder_add_int_value (builder, inv->amount);
      add_string (builder, "state", kassa_sim_invoice_state_to_string (inv->state));
      add_string (builder, "method", invoice_method_to_string (inv->method));
      if (inv->phone != NULL)
        add_string (builder, "phone", inv->phone);
      json_builder_set_member_name (builder, "settled");
      json_builder_add_boolean_value (builder, inv->settled);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  return node_to_string (root);
}

void
kassa_bank_sim_inject_fault (KassaBankSim      *self,
                             KassaBankEndpoint  endpoint,
                             KassaSimFaultKind  kind,
                             guint              delay_ms,
                             guint              count)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail ((guint) endpoint < KASSA_BANK_N_ENDPOINTS);
  g_return_if_fail ((guint) kind < G_N_ELEMENTS (fault_names));

  self->faults[endpoint].kind = kind;
  self->faults[endpoint].delay_ms = kind == KASSA_SIM_FAULT_DELAY ? delay_ms : 0;
  self->faults[endpoint].remaining = kind == KASSA_SIM_FAULT_NONE ? 0 : count;
}

void
kassa_bank_sim_clear_faults (KassaBankSim *self)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  memset (self->faults, 0, sizeof self->faults);
}

/* ------------------------------------------------------------------ */
/* Persistence                                                         */

#define STATE_FORMAT_VERSION 1

static gboolean
sim_invoice_state_from_string (const char           *text,
                               KassaSimInvoiceState *out_state)
{
  for (guint i = KASSA_SIM_INVOICE_UNPAID; i <= KASSA_SIM_INVOICE_REFUNDED; i++)
    {
      if (g_strcmp0 (text, kassa_sim_invoice_state_to_string ((KassaSimInvoiceState) i)) == 0)
        {
          *out_state = (KassaSimInvoiceState) i;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
invoice_method_from_string (const char    *text,
                            InvoiceMethod *out_method)
{
  for (guint i = METHOD_QR; i <= METHOD_PHONE; i++)
    {
      if (g_strcmp0 (text, invoice_method_to_string ((InvoiceMethod) i)) == 0)
        {
          *out_method = (InvoiceMethod) i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
add_optional_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static char *
state_to_json (KassaBankSim *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) terminals = NULL;

  json_builder_begin_object (builder);
  add_int (builder, "version", STATE_FORMAT_VERSION);
  add_int (builder, "reference_seq", (gint64) self->reference_seq);

  json_builder_set_member_name (builder, "terminals");
  json_builder_begin_array (builder);
  /* The first terminal stays first: NULL-terminal calls depend on it. */
  terminals = g_hash_table_get_keys (self->terminals);
  terminals = g_list_sort (terminals, (GCompareFunc) g_strcmp0);
  if (self->first_terminal != NULL)
    {
      terminals = g_list_remove (terminals, self->first_terminal);
      terminals = g_list_prepend (terminals, self->first_terminal);
    }
  for (const GList *l = terminals; l != NULL; l = l->next)
    {
      SimTerminal *term = g_hash_table_lookup (self->terminals, l->data);
      GHashTableIter iter;
      gpointer key, value;

      json_builder_begin_object (builder);
      add_string (builder, "terminal", l->data);
      add_string (builder, "secret", term->secret);
      json_builder_set_member_name (builder, "settlements");
      json_builder_begin_array (builder);
      g_hash_table_iter_init (&iter, term->settlements);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          SimSettlement *settlement = value;

          json_builder_begin_object (builder);
          add_string (builder, "id", key);
          add_int (builder, "amount", settlement->amount);
          add_int (builder, "count", settlement->count);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "invoices");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->invoice_order->len; i++)
    {
      SimInvoice *inv = g_ptr_array_index (self->invoice_order, i);

      json_builder_begin_object (builder);
      add_string (builder, "terminal", inv->terminal);
      add_string (builder, "invoice", inv->invoice);
      add_int (builder, "amount", inv->amount);
      add_string (builder, "state", kassa_sim_invoice_state_to_string (inv->state));
      add_string (builder, "method", invoice_method_to_string (inv->method));
      add_optional_string (builder, "phone", inv->phone);
      add_optional_string (builder, "approval_code", inv->approval_code);
      add_optional_string (builder, "card_number", inv->card_number);
      json_builder_set_member_name (builder, "settled");
      json_builder_add_boolean_value (builder, inv->settled);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return node_to_string (root);
}

static gboolean
write_state (KassaBankSim  *self,
             GError       **error)
{
  g_autofree char *text = state_to_json (self);
  gboolean ok;

  /* Atomic (write and rename), and 0600: the file holds the secrets. */
  ok = g_file_set_contents_full (self->state_file, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  explicit_bzero (text, strlen (text));

  return ok;
}

static void
save_state (KassaBankSim *self)
{
  g_autoptr(GError) error = NULL;

  if (self->state_file == NULL)
    return;

  /* Not a bug but the disk's: the person running the training bank is told. */
  if (!write_state (self, &error))
    g_message ("Could not save the bank simulator's state: %s", error->message);
}

static const char *
member_string (JsonObject *object,
               const char *name,
               gboolean    nullable,
               gboolean   *ok)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && nullable && JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }

  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *name,
            gint64      min,
            gint64      max,
            gboolean   *ok)
{
  gint64 value = 0;

  if (!get_int_member (object, name, min, max, &value) || !json_object_has_member (object, name))
    *ok = FALSE;

  return value;
}

static JsonObject *
array_object (JsonArray *array,
              guint      index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* Reads the state into @self; on failure @self may hold part of it (the
 * caller then has no use for the object). */
static gboolean
read_state (KassaBankSim  *self,
            const char    *text,
            gsize          length,
            GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *root;
  JsonArray *terminals;
  JsonArray *invoices;
  gboolean ok = TRUE;
  gint64 version;
  gint64 seq;

  if (!json_parser_load_from_data (parser, text, (gssize) length, error))
    return FALSE;
  if (json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto invalid;
  root = json_node_get_object (json_parser_get_root (parser));

  version = member_int (root, "version", 1, G_MAXINT, &ok);
  if (ok && version != STATE_FORMAT_VERSION)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                   _("version %" PRId64 " is not supported"), version);
      return FALSE;
    }
  seq = member_int (root, "reference_seq", 0, G_MAXINT64, &ok);
  terminals = member_array (root, "terminals");
  invoices = member_array (root, "invoices");
  if (!ok || terminals == NULL || invoices == NULL)
    goto invalid;
  self->reference_seq = (guint64) seq;

  for (guint i = 0; i < json_array_get_length (terminals); i++)
    {
      JsonObject *object = array_object (terminals, i);
      JsonArray *settlements;
      const char *terminal;
      const char *secret;
      SimTerminal *term;

      if (object == NULL)
        goto invalid;
      terminal = member_string (object, "terminal", FALSE, &ok);
      secret = member_string (object, "secret", FALSE, &ok);
      settlements = member_array (object, "settlements");
      if (!ok || settlements == NULL)
        goto invalid;
      if (!kassa_bank_sim_add_terminal (self, terminal, secret, error))
        return FALSE;

      term = g_hash_table_lookup (self->terminals, terminal);
      for (guint j = 0; j < json_array_get_length (settlements); j++)
        {
          JsonObject *s_object = array_object (settlements, j);
          SimSettlement *settlement;
          const char *id;

          if (s_object == NULL)
            goto invalid;
          settlement = g_new0 (SimSettlement, 1);
          id = member_string (s_object, "id", FALSE, &ok);
          settlement->amount = member_int (s_object, "amount", 0, G_MAXINT64, &ok);
          settlement->count = member_int (s_object, "count", 0, G_MAXINT64, &ok);
          if (!ok || !kassa_settlement_id_validate (id, NULL))
            {
              g_free (settlement);
              goto invalid;
            }
          g_hash_table_replace (term->settlements, g_strdup (id), settlement);
        }
    }

  for (guint i = 0; i < json_array_get_length (invoices); i++)
    {
      JsonObject *object = array_object (invoices, i);
      const char *terminal;
      const char *number;
      const char *state;
      const char *method;
      const char *phone;
      const char *approval_code;
      const char *card_number;
      JsonNode *settled;
      gint64 amount;
      SimInvoice *inv;

      if (object == NULL)
        goto invalid;
      terminal = member_string (object, "terminal", FALSE, &ok);
      number = member_string (object, "invoice", FALSE, &ok);
      amount = member_int (object, "amount", KASSA_AMOUNT_MIN, KASSA_AMOUNT_MAX, &ok);
      state = member_string (object, "state", FALSE, &ok);
      method = member_string (object, "method", FALSE, &ok);
      phone = member_string (object, "phone", TRUE, &ok);
      approval_code = member_string (object, "approval_code", TRUE, &ok);
      card_number = member_string (object, "card_number", TRUE, &ok);
      settled = json_object_get_member (object, "settled");
      if (!ok || settled == NULL || !JSON_NODE_HOLDS_VALUE (settled) ||
          json_node_get_value_type (settled) != G_TYPE_BOOLEAN ||
          g_hash_table_lookup (self->terminals, terminal) == NULL ||
          !kassa_invoice_validate (number, NULL) ||
          lookup_invoice (self, terminal, number) != NULL)
        goto invalid;

      inv = g_new0 (SimInvoice, 1);
      inv->sim = self;
      inv->terminal = g_strdup (terminal);
      inv->invoice = g_strdup (number);
      inv->amount = amount;
      inv->phone = g_strdup (phone);
      inv->approval_code = g_strdup (approval_code);
      inv->card_number = g_strdup (card_number);
      inv->settled = json_node_get_boolean (settled);
      g_hash_table_insert (self->invoices, invoice_key (terminal, number), inv);
      g_ptr_array_add (self->invoice_order, inv);
      if (!sim_invoice_state_from_string (state, &inv->state) ||
          !invoice_method_from_string (method, &inv->method))
        goto invalid;
      /* A paid transaction has its approval code and card (add_transaction). */
      if ((inv->state == KASSA_SIM_INVOICE_PAID || inv->state == KASSA_SIM_INVOICE_REFUNDED) &&
          (inv->approval_code == NULL || inv->card_number == NULL))
        goto invalid;
    }

  return TRUE;

invalid:
  g_set_error_literal (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                       _("it is not a bank simulator state"));
  return FALSE;
}

gboolean
kassa_bank_sim_set_state_file (KassaBankSim  *self,
                               const char    *path,
                               GError       **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->invoice_order->len > 0 || self->state_file != NULL)
    {
      g_set_error_literal (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                           _("The bank simulator’s state file must be set before it has "
                             "invoices, and only once"));
      return FALSE;
    }

  if (g_file_get_contents (path, &text, &length, &local_error))
    {
      gboolean ok = read_state (self, text, length, &local_error);

      explicit_bzero (text, length);
      if (!ok)
        {
          g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                       _("The bank simulator’s state file “%s” cannot be read: %s"),
                       path, local_error->message);
          return FALSE;
        }
    }
  else if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  self->state_file = g_strdup (path);

  /* Written at once: a file that cannot be written is found now, not after a sale. */
  if (!write_state (self, error))
    {
      g_clear_pointer (&self->state_file, g_free);
      return FALSE;
    }

  return TRUE;
}

char *
kassa_bank_sim_dup_secret (KassaBankSim *self,
                           const char   *terminal)
{
  SimTerminal *term;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), NULL);

  term = terminal != NULL ? g_hash_table_lookup (self->terminals, terminal) : NULL;

  return term != NULL ? g_strdup (term->secret) : NULL;
}
