/* kassa-invoice.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-invoice.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "kassa-enum.h"
#include "kassa-invoice-private.h"

struct _KassaInvoice
{
  GObject          parent_instance;

  KassaInvoiceRow  row;
  GDateTime       *created;
};

enum {
  PROP_0,
  PROP_NUMBER,
  PROP_TERMINAL,
  PROP_AMOUNT,
  PROP_METHOD,
  PROP_PHONE,
  PROP_REFERENCE,
  PROP_CREATED,
  PROP_STATE,
  PROP_PAYLOAD,
  PROP_APPROVAL_CODE,
  PROP_CARD_NUMBER,
  PROP_RESP_CODE,
  PROP_RESP_DESC,
  PROP_PAID_AFTER_CANCEL,
  PROP_SETTLEMENT_ID,
  PROP_LAST_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaInvoice, kassa_invoice, G_TYPE_OBJECT)

/* The nicks are the words in the journal and in kassa-ctl's output. */
G_DEFINE_ENUM_TYPE (KassaInvoiceState, kassa_invoice_state,
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_CREATING, "CREATING"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_CREATE_UNKNOWN, "CREATE_UNKNOWN"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_AWAITING_PAYMENT, "AWAITING_PAYMENT"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_PAID, "PAID"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_DECLINED, "DECLINED"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_FAILED, "FAILED"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_CANCELLING, "CANCELLING"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_CANCEL_UNKNOWN, "CANCEL_UNKNOWN"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_CANCELLED, "CANCELLED"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_EXPIRED, "EXPIRED"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_REFUNDING, "REFUNDING"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_REFUND_UNKNOWN, "REFUND_UNKNOWN"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_REFUNDED, "REFUNDED"))

G_DEFINE_ENUM_TYPE (KassaInvoiceMethod, kassa_invoice_method,
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_METHOD_QR, "qr"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_METHOD_DEEPLINK, "deeplink"),
  G_DEFINE_ENUM_VALUE (KASSA_INVOICE_METHOD_PHONE, "phone"))

const char *
kassa_invoice_state_to_string (KassaInvoiceState state)
{
  return kassa_enum_to_nick (KASSA_TYPE_INVOICE_STATE, state, "UNKNOWN");
}

gboolean
kassa_invoice_state_from_string (const char        *text,
                                 KassaInvoiceState *out_state)
{
  return kassa_enum_from_nick (KASSA_TYPE_INVOICE_STATE, text, (int *) out_state);
}

gboolean
kassa_invoice_state_is_final (KassaInvoiceState state)
{
  switch (state)
    {
    case KASSA_INVOICE_FAILED:
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
    case KASSA_INVOICE_PAID:
    case KASSA_INVOICE_REFUNDED:
      return TRUE;

    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_AWAITING_PAYMENT:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
      return FALSE;

    default:
      return FALSE;
    }
}

#define BIT(s) (1u << (s))

/* The state machine: for each state, the set of states it may move to.
 * docs/journal.md has the same table in words. */
static guint
legal_targets (KassaInvoiceState from)
{
  switch (from)
    {
    case KASSA_INVOICE_CREATING:
      return BIT (KASSA_INVOICE_AWAITING_PAYMENT) | BIT (KASSA_INVOICE_FAILED) |
             BIT (KASSA_INVOICE_CREATE_UNKNOWN);
    case KASSA_INVOICE_CREATE_UNKNOWN:
      return BIT (KASSA_INVOICE_AWAITING_PAYMENT) | BIT (KASSA_INVOICE_PAID) |
             BIT (KASSA_INVOICE_DECLINED) | BIT (KASSA_INVOICE_FAILED) |
             BIT (KASSA_INVOICE_CANCELLING);
    case KASSA_INVOICE_AWAITING_PAYMENT:
      return BIT (KASSA_INVOICE_PAID) | BIT (KASSA_INVOICE_DECLINED) |
             BIT (KASSA_INVOICE_CANCELLING);
    case KASSA_INVOICE_CANCELLING:
      return BIT (KASSA_INVOICE_CANCELLED) | BIT (KASSA_INVOICE_EXPIRED) |
             BIT (KASSA_INVOICE_CANCEL_UNKNOWN) | BIT (KASSA_INVOICE_PAID) |
             BIT (KASSA_INVOICE_AWAITING_PAYMENT);
    case KASSA_INVOICE_CANCEL_UNKNOWN:
      return BIT (KASSA_INVOICE_CANCELLED) | BIT (KASSA_INVOICE_EXPIRED) |
             BIT (KASSA_INVOICE_PAID) | BIT (KASSA_INVOICE_CANCELLING);
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
      return BIT (KASSA_INVOICE_PAID);
    case KASSA_INVOICE_PAID:
      return BIT (KASSA_INVOICE_REFUNDING);
    case KASSA_INVOICE_REFUNDING:
      return BIT (KASSA_INVOICE_REFUNDED) | BIT (KASSA_INVOICE_REFUND_UNKNOWN) |
             BIT (KASSA_INVOICE_PAID);
    case KASSA_INVOICE_REFUND_UNKNOWN:
      return BIT (KASSA_INVOICE_REFUNDED) | BIT (KASSA_INVOICE_PAID) |
             BIT (KASSA_INVOICE_REFUNDING);
    case KASSA_INVOICE_FAILED:
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_REFUNDED:
      return 0;
    default:
      return 0;
    }
}

#undef BIT

gboolean
kassa_invoice_state_can_move (KassaInvoiceState from,
                              KassaInvoiceState to)
{
  if ((guint) to > KASSA_INVOICE_REFUNDED)
    return FALSE;

  return (legal_targets (from) & (1u << to)) != 0;
}

const char *
kassa_invoice_method_to_string (KassaInvoiceMethod method)
{
  return kassa_enum_to_nick (KASSA_TYPE_INVOICE_METHOD, method, "unknown");
}

gboolean
kassa_invoice_method_from_string (const char         *text,
                                  KassaInvoiceMethod *out_method)
{
  return kassa_enum_from_nick (KASSA_TYPE_INVOICE_METHOD, text, (int *) out_method);
}

void
kassa_invoice_row_clear (KassaInvoiceRow *row)
{
  g_clear_pointer (&row->number, g_free);
  g_clear_pointer (&row->terminal, g_free);
  g_clear_pointer (&row->phone, g_free);
  g_clear_pointer (&row->reference, g_free);
  g_clear_pointer (&row->payload, g_free);
  g_clear_pointer (&row->approval_code, g_free);
  g_clear_pointer (&row->card_number, g_free);
  g_clear_pointer (&row->resp_code, g_free);
  g_clear_pointer (&row->resp_desc, g_free);
  g_clear_pointer (&row->settlement_id, g_free);
  g_clear_pointer (&row->last_error, g_free);
}

void
kassa_invoice_row_copy (const KassaInvoiceRow *src,
                        KassaInvoiceRow       *dest)
{
  *dest = *src;
  dest->number = g_strdup (src->number);
  dest->terminal = g_strdup (src->terminal);
  dest->phone = g_strdup (src->phone);
  dest->reference = g_strdup (src->reference);
  dest->payload = g_strdup (src->payload);
  dest->approval_code = g_strdup (src->approval_code);
  dest->card_number = g_strdup (src->card_number);
  dest->resp_code = g_strdup (src->resp_code);
  dest->resp_desc = g_strdup (src->resp_desc);
  dest->settlement_id = g_strdup (src->settlement_id);
  dest->last_error = g_strdup (src->last_error);
}

static void
kassa_invoice_finalize (GObject *object)
{
  KassaInvoice *self = (KassaInvoice *)object;

  kassa_invoice_row_clear (&self->row);
  g_clear_pointer (&self->created, g_date_time_unref);

  G_OBJECT_CLASS (kassa_invoice_parent_class)->finalize (object);
}

static void
kassa_invoice_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KassaInvoice *self = KASSA_INVOICE (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      g_value_set_string (value, self->row.number);
      break;
    case PROP_TERMINAL:
      g_value_set_string (value, self->row.terminal);
      break;
    case PROP_AMOUNT:
      g_value_set_int64 (value, self->row.amount);
      break;
    case PROP_METHOD:
      g_value_set_enum (value, self->row.method);
      break;
    case PROP_PHONE:
      g_value_set_string (value, self->row.phone);
      break;
    case PROP_REFERENCE:
      g_value_set_string (value, self->row.reference);
      break;
    case PROP_CREATED:
      g_value_set_boxed (value, self->created);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->row.state);
      break;
    case PROP_PAYLOAD:
      g_value_set_string (value, self->row.payload);
      break;
    case PROP_APPROVAL_CODE:
      g_value_set_string (value, self->row.approval_code);
      break;
    case PROP_CARD_NUMBER:
      g_value_set_string (value, self->row.card_number);
      break;
    case PROP_RESP_CODE:
      g_value_set_string (value, self->row.resp_code);
      break;
    case PROP_RESP_DESC:
      g_value_set_string (value, self->row.resp_desc);
      break;
    case PROP_PAID_AFTER_CANCEL:
      g_value_set_boolean (value, self->row.paid_after_cancel);
      break;
    case PROP_SETTLEMENT_ID:
      g_value_set_string (value, self->row.settlement_id);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->row.last_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
kassa_invoice_class_init (KassaInvoiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = kassa_invoice_finalize;
  object_class->get_property = kassa_invoice_get_property;

  properties[PROP_NUMBER] = string_property ("number");
  properties[PROP_TERMINAL] = string_property ("terminal");
  properties[PROP_AMOUNT] = g_param_spec_int64 ("amount", NULL, NULL,
                                                0, G_MAXINT64, 0, flags);
  properties[PROP_METHOD] = g_param_spec_enum ("method", NULL, NULL,
                                               KASSA_TYPE_INVOICE_METHOD,
                                               KASSA_INVOICE_METHOD_QR, flags);
  properties[PROP_PHONE] = string_property ("phone");
  properties[PROP_REFERENCE] = string_property ("reference");
  properties[PROP_CREATED] = g_param_spec_boxed ("created", NULL, NULL,
                                                 G_TYPE_DATE_TIME, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL,
                                              KASSA_TYPE_INVOICE_STATE,
                                              KASSA_INVOICE_CREATING, flags);
  properties[PROP_PAYLOAD] = string_property ("payload");
  properties[PROP_APPROVAL_CODE] = string_property ("approval-code");
  properties[PROP_CARD_NUMBER] = string_property ("card-number");
  properties[PROP_RESP_CODE] = string_property ("resp-code");
  properties[PROP_RESP_DESC] = string_property ("resp-desc");
  properties[PROP_PAID_AFTER_CANCEL] = g_param_spec_boolean ("paid-after-cancel", NULL, NULL,
                                                             FALSE, flags);
  properties[PROP_SETTLEMENT_ID] = string_property ("settlement-id");
  properties[PROP_LAST_ERROR] = string_property ("last-error");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_invoice_init (KassaInvoice *self)
{
}

KassaInvoice *
kassa_invoice_new_from_row (KassaInvoiceRow *row)
{
  KassaInvoice *self = g_object_new (KASSA_TYPE_INVOICE, NULL);

  self->row = *row;
  memset (row, 0, sizeof *row);
  self->created = g_date_time_new_from_unix_utc (self->row.created_us / G_USEC_PER_SEC);
  if (self->created != NULL)
    {
      GDateTime *precise = g_date_time_add (self->created, self->row.created_us % G_USEC_PER_SEC);

      g_date_time_unref (self->created);
      self->created = precise;
    }

  return self;
}

const KassaInvoiceRow *
kassa_invoice_get_row (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);

  return &self->row;
}

static void
take_string (KassaInvoice  *self,
             char         **field,
             char         **value,
             guint          prop)
{
  if (g_strcmp0 (*field, *value) != 0)
    {
      g_free (*field);
      *field = g_steal_pointer (value);
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
    }
  else
    {
      g_clear_pointer (value, g_free);
    }
}

void
kassa_invoice_apply_row (KassaInvoice    *self,
                         KassaInvoiceRow *row)
{
  g_return_if_fail (KASSA_IS_INVOICE (self));
  g_return_if_fail (g_strcmp0 (self->row.number, row->number) == 0);

  /* Everything is assigned before the first handler runs, so an observer of
   * ::notify::state already sees the bank fields that came with the move. */
  g_object_freeze_notify (G_OBJECT (self));

  if (self->row.state != row->state)
    {
      self->row.state = row->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (self->row.paid_after_cancel != row->paid_after_cancel)
    {
      self->row.paid_after_cancel = row->paid_after_cancel;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAID_AFTER_CANCEL]);
    }
  take_string (self, &self->row.payload, &row->payload, PROP_PAYLOAD);
  take_string (self, &self->row.approval_code, &row->approval_code, PROP_APPROVAL_CODE);
  take_string (self, &self->row.card_number, &row->card_number, PROP_CARD_NUMBER);
  take_string (self, &self->row.resp_code, &row->resp_code, PROP_RESP_CODE);
  take_string (self, &self->row.resp_desc, &row->resp_desc, PROP_RESP_DESC);
  take_string (self, &self->row.settlement_id, &row->settlement_id, PROP_SETTLEMENT_ID);
  take_string (self, &self->row.last_error, &row->last_error, PROP_LAST_ERROR);
  self->row.updated_us = row->updated_us;

  /* The creation fields never change. */
  kassa_invoice_row_clear (row);

  g_object_thaw_notify (G_OBJECT (self));
}

const char *
kassa_invoice_get_number (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.number;
}

const char *
kassa_invoice_get_terminal (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.terminal;
}

gint64
kassa_invoice_get_amount (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), 0);
  return self->row.amount;
}

KassaInvoiceMethod
kassa_invoice_get_method (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), KASSA_INVOICE_METHOD_QR);
  return self->row.method;
}

const char *
kassa_invoice_get_phone (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.phone;
}

const char *
kassa_invoice_get_reference (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.reference;
}

GDateTime *
kassa_invoice_get_created (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->created;
}

KassaInvoiceState
kassa_invoice_get_state (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), KASSA_INVOICE_FAILED);
  return self->row.state;
}

const char *
kassa_invoice_get_payload (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.payload;
}

const char *
kassa_invoice_get_approval_code (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.approval_code;
}

const char *
kassa_invoice_get_card_number (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.card_number;
}

const char *
kassa_invoice_get_resp_code (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.resp_code;
}

const char *
kassa_invoice_get_resp_desc (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.resp_desc;
}

gboolean
kassa_invoice_get_paid_after_cancel (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), FALSE);
  return self->row.paid_after_cancel;
}

const char *
kassa_invoice_get_settlement_id (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.settlement_id;
}

const char *
kassa_invoice_get_last_error (KassaInvoice *self)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);
  return self->row.last_error;
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *key,
                    const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

char *
kassa_invoice_to_json (KassaInvoice *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *created = NULL;

  g_return_val_if_fail (KASSA_IS_INVOICE (self), NULL);

  if (self->created != NULL)
    created = g_date_time_format_iso8601 (self->created);

  json_builder_begin_object (builder);
  add_string_or_null (builder, "invoice", self->row.number);
  add_string_or_null (builder, "state", kassa_invoice_state_to_string (self->row.state));
  json_builder_set_member_name (builder, "amount");
  json_builder_add_int_value (builder, self->row.amount);
  add_string_or_null (builder, "method", kassa_invoice_method_to_string (self->row.method));
  add_string_or_null (builder, "desc", self->row.payload);
  add_string_or_null (builder, "phone", self->row.phone);
  add_string_or_null (builder, "reference", self->row.reference);
  add_string_or_null (builder, "created", created);
  add_string_or_null (builder, "approval_code", self->row.approval_code);
  add_string_or_null (builder, "card_number", self->row.card_number);
  add_string_or_null (builder, "resp_code", self->row.resp_code);
  add_string_or_null (builder, "resp_desc", self->row.resp_desc);
  json_builder_set_member_name (builder, "paid_after_cancel");
  json_builder_add_boolean_value (builder, self->row.paid_after_cancel);
  add_string_or_null (builder, "settlement_id", self->row.settlement_id);
  add_string_or_null (builder, "last_error", self->row.last_error);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}
