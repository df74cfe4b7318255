/* kassa-settlement.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-settlement.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "kassa-enum.h"
#include "kassa-settlement-private.h"

struct _KassaSettlement
{
  GObject             parent_instance;

  KassaSettlementRow  row;
  GDateTime          *created;
  GDateTime          *settled;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_TERMINAL,
  PROP_STATE,
  PROP_CREATED,
  PROP_SETTLED,
  PROP_LOCAL_COUNT,
  PROP_LOCAL_AMOUNT,
  PROP_HAS_BANK_REPLY,
  PROP_BANK_COUNT,
  PROP_BANK_AMOUNT,
  PROP_BANK_STATUS,
  PROP_LAST_ERROR,
  PROP_INVOICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaSettlement, kassa_settlement, G_TYPE_OBJECT)

/* The nicks are the words in the journal and in kassa-ctl's output. */
G_DEFINE_ENUM_TYPE (KassaSettlementState, kassa_settlement_state,
  G_DEFINE_ENUM_VALUE (KASSA_SETTLEMENT_SETTLING, "SETTLING"),
  G_DEFINE_ENUM_VALUE (KASSA_SETTLEMENT_SETTLE_UNKNOWN, "SETTLE_UNKNOWN"),
  G_DEFINE_ENUM_VALUE (KASSA_SETTLEMENT_SETTLED, "SETTLED"),
  G_DEFINE_ENUM_VALUE (KASSA_SETTLEMENT_FAILED, "FAILED"))

const char *
kassa_settlement_state_to_string (KassaSettlementState state)
{
  return kassa_enum_to_nick (KASSA_TYPE_SETTLEMENT_STATE, state, "UNKNOWN");
}

gboolean
kassa_settlement_state_from_string (const char           *text,
                                    KassaSettlementState *out_state)
{
  return kassa_enum_from_nick (KASSA_TYPE_SETTLEMENT_STATE, text, (int *) out_state);
}

gboolean
kassa_settlement_state_is_final (KassaSettlementState state)
{
  return state == KASSA_SETTLEMENT_SETTLED || state == KASSA_SETTLEMENT_FAILED;
}

gboolean
kassa_settlement_state_can_move (KassaSettlementState from,
                                 KassaSettlementState to)
{
  switch (from)
    {
    case KASSA_SETTLEMENT_SETTLING:
      return to == KASSA_SETTLEMENT_SETTLED || to == KASSA_SETTLEMENT_SETTLE_UNKNOWN ||
             to == KASSA_SETTLEMENT_FAILED;
    case KASSA_SETTLEMENT_SETTLE_UNKNOWN:
      return to == KASSA_SETTLEMENT_SETTLED || to == KASSA_SETTLEMENT_FAILED ||
             to == KASSA_SETTLEMENT_SETTLING;
    case KASSA_SETTLEMENT_SETTLED:
    case KASSA_SETTLEMENT_FAILED:
      return FALSE;
    default:
      return FALSE;
    }
}

void
kassa_settlement_row_clear (KassaSettlementRow *row)
{
  g_clear_pointer (&row->id, g_free);
  g_clear_pointer (&row->terminal, g_free);
  g_clear_pointer (&row->bank_status, g_free);
  g_clear_pointer (&row->last_error, g_free);
  g_clear_pointer (&row->invoices, g_strfreev);
}

void
kassa_settlement_row_copy (const KassaSettlementRow *src,
                           KassaSettlementRow       *dest)
{
  *dest = *src;
  dest->id = g_strdup (src->id);
  dest->terminal = g_strdup (src->terminal);
  dest->bank_status = g_strdup (src->bank_status);
  dest->last_error = g_strdup (src->last_error);
  dest->invoices = g_strdupv (src->invoices);
}

static GDateTime *
date_time_from_us (gint64 us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);

  if (seconds == NULL)
    return NULL;

  return g_date_time_add (seconds, us % G_USEC_PER_SEC);
}

static void
kassa_settlement_finalize (GObject *object)
{
  KassaSettlement *self = (KassaSettlement *)object;

  kassa_settlement_row_clear (&self->row);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->settled, g_date_time_unref);

  G_OBJECT_CLASS (kassa_settlement_parent_class)->finalize (object);
}

static void
kassa_settlement_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KassaSettlement *self = KASSA_SETTLEMENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->row.id);
      break;
    case PROP_TERMINAL:
      g_value_set_string (value, self->row.terminal);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->row.state);
      break;
    case PROP_CREATED:
      g_value_set_boxed (value, self->created);
      break;
    case PROP_SETTLED:
      g_value_set_boxed (value, self->settled);
      break;
    case PROP_LOCAL_COUNT:
      g_value_set_int64 (value, self->row.local_count);
      break;
    case PROP_LOCAL_AMOUNT:
      g_value_set_int64 (value, self->row.local_amount);
      break;
    case PROP_HAS_BANK_REPLY:
      g_value_set_boolean (value, self->row.has_bank_reply);
      break;
    case PROP_BANK_COUNT:
      g_value_set_int64 (value, self->row.bank_count);
      break;
    case PROP_BANK_AMOUNT:
      g_value_set_int64 (value, self->row.bank_amount);
      break;
    case PROP_BANK_STATUS:
      g_value_set_string (value, self->row.bank_status);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->row.last_error);
      break;
    case PROP_INVOICES:
      g_value_set_boxed (value, self->row.invoices);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_settlement_class_init (KassaSettlementClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = kassa_settlement_finalize;
  object_class->get_property = kassa_settlement_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_TERMINAL] = g_param_spec_string ("terminal", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL,
                                              KASSA_TYPE_SETTLEMENT_STATE,
                                              KASSA_SETTLEMENT_SETTLING, flags);
  properties[PROP_CREATED] = g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_SETTLED] = g_param_spec_boxed ("settled", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_LOCAL_COUNT] = g_param_spec_int64 ("local-count", NULL, NULL,
                                                     0, G_MAXINT64, 0, flags);
  properties[PROP_LOCAL_AMOUNT] = g_param_spec_int64 ("local-amount", NULL, NULL,
                                                      0, G_MAXINT64, 0, flags);
  properties[PROP_HAS_BANK_REPLY] = g_param_spec_boolean ("has-bank-reply", NULL, NULL,
                                                          FALSE, flags);
  properties[PROP_BANK_COUNT] = g_param_spec_int64 ("bank-count", NULL, NULL,
                                                    G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_BANK_AMOUNT] = g_param_spec_int64 ("bank-amount", NULL, NULL,
                                                     G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_BANK_STATUS] = g_param_spec_string ("bank-status", NULL, NULL, NULL, flags);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  properties[PROP_INVOICES] = g_param_spec_boxed ("invoices", NULL, NULL, G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_settlement_init (KassaSettlement *self)
{
}

KassaSettlement *
kassa_settlement_new_from_row (KassaSettlementRow *row)
{
  KassaSettlement *self = g_object_new (KASSA_TYPE_SETTLEMENT, NULL);

  self->row = *row;
  memset (row, 0, sizeof *row);
  if (self->row.invoices == NULL)
    self->row.invoices = g_new0 (char *, 1);
  self->created = date_time_from_us (self->row.created_us);
  if (self->row.settled_us != 0)
    self->settled = date_time_from_us (self->row.settled_us);

  return self;
}

const KassaSettlementRow *
kassa_settlement_get_row (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);

  return &self->row;
}

void
kassa_settlement_apply_row (KassaSettlement    *self,
                            KassaSettlementRow *row)
{
  g_return_if_fail (KASSA_IS_SETTLEMENT (self));
  g_return_if_fail (g_strcmp0 (self->row.id, row->id) == 0);

  g_object_freeze_notify (G_OBJECT (self));

#define UPDATE_SCALAR(field, prop)                                          \
  if (self->row.field != row->field)                                        \
    {                                                                       \
      self->row.field = row->field;                                         \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);         \
    }
#define UPDATE_STRING(field, prop)                                          \
  if (g_strcmp0 (self->row.field, row->field) != 0)                         \
    {                                                                       \
      g_free (self->row.field);                                             \
      self->row.field = g_steal_pointer (&row->field);                      \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);         \
    }

  UPDATE_SCALAR (state, PROP_STATE)
  UPDATE_SCALAR (local_count, PROP_LOCAL_COUNT)
  UPDATE_SCALAR (local_amount, PROP_LOCAL_AMOUNT)
  UPDATE_SCALAR (has_bank_reply, PROP_HAS_BANK_REPLY)
  UPDATE_SCALAR (bank_count, PROP_BANK_COUNT)
  UPDATE_SCALAR (bank_amount, PROP_BANK_AMOUNT)
  UPDATE_STRING (bank_status, PROP_BANK_STATUS)
  UPDATE_STRING (last_error, PROP_LAST_ERROR)

#undef UPDATE_SCALAR
#undef UPDATE_STRING

  if (self->row.settled_us != row->settled_us)
    {
      self->row.settled_us = row->settled_us;
      g_clear_pointer (&self->settled, g_date_time_unref);
      if (row->settled_us != 0)
        self->settled = date_time_from_us (row->settled_us);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTLED]);
    }

  if (row->invoices != NULL && !g_strv_equal ((const char * const *) self->row.invoices,
                                              (const char * const *) row->invoices))
    {
      g_strfreev (self->row.invoices);
      self->row.invoices = g_steal_pointer (&row->invoices);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVOICES]);
    }

  kassa_settlement_row_clear (row);

  g_object_thaw_notify (G_OBJECT (self));
}

const char *
kassa_settlement_get_id (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return self->row.id;
}

const char *
kassa_settlement_get_terminal (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return self->row.terminal;
}

KassaSettlementState
kassa_settlement_get_state (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), KASSA_SETTLEMENT_FAILED);
  return self->row.state;
}

GDateTime *
kassa_settlement_get_created (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return self->created;
}

GDateTime *
kassa_settlement_get_settled (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return self->settled;
}

gint64
kassa_settlement_get_local_count (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), 0);
  return self->row.local_count;
}

gint64
kassa_settlement_get_local_amount (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), 0);
  return self->row.local_amount;
}

gboolean
kassa_settlement_get_has_bank_reply (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), FALSE);
  return self->row.has_bank_reply;
}

gint64
kassa_settlement_get_bank_count (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), 0);
  return self->row.bank_count;
}

gint64
kassa_settlement_get_bank_amount (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), 0);
  return self->row.bank_amount;
}

const char *
kassa_settlement_get_bank_status (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return self->row.bank_status;
}

const char *
kassa_settlement_get_last_error (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return self->row.last_error;
}

const char * const *
kassa_settlement_get_invoices (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);
  return (const char * const *) self->row.invoices;
}

gboolean
kassa_settlement_get_empty (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), TRUE);
  return self->row.local_count == 0;
}

gboolean
kassa_settlement_reconcile (KassaSettlement *self)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), FALSE);

  return self->row.has_bank_reply &&
         self->row.bank_count == self->row.local_count &&
         self->row.bank_amount == self->row.local_amount;
}

static void
add_time (JsonBuilder *builder,
          const char  *key,
          GDateTime   *time)
{
  json_builder_set_member_name (builder, key);
  if (time != NULL)
    {
      g_autofree char *text = g_date_time_format_iso8601 (time);

      json_builder_add_string_value (builder, text);
    }
  else
    {
      json_builder_add_null_value (builder);
    }
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
kassa_settlement_to_json (KassaSettlement *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (KASSA_IS_SETTLEMENT (self), NULL);

  json_builder_begin_object (builder);
  add_string_or_null (builder, "settlement", self->row.id);
  add_string_or_null (builder, "terminal", self->row.terminal);
  add_string_or_null (builder, "state", kassa_settlement_state_to_string (self->row.state));
  add_time (builder, "created", self->created);
  add_time (builder, "settled", self->settled);
  json_builder_set_member_name (builder, "local_count");
  json_builder_add_int_value (builder, self->row.local_count);
  json_builder_set_member_name (builder, "local_amount");
  json_builder_add_int_value (builder, self->row.local_amount);
  json_builder_set_member_name (builder, "bank_count");
  if (self->row.has_bank_reply)
    json_builder_add_int_value (builder, self->row.bank_count);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "bank_amount");
  if (self->row.has_bank_reply)
    json_builder_add_int_value (builder, self->row.bank_amount);
  else
    json_builder_add_null_value (builder);
  add_string_or_null (builder, "bank_status", self->row.bank_status);
  json_builder_set_member_name (builder, "matches");
  json_builder_add_boolean_value (builder, kassa_settlement_reconcile (self));
  json_builder_set_member_name (builder, "empty");
  json_builder_add_boolean_value (builder, kassa_settlement_get_empty (self));
  json_builder_set_member_name (builder, "invoices");
  json_builder_begin_array (builder);
  for (guint i = 0; self->row.invoices[i] != NULL; i++)
    json_builder_add_string_value (builder, self->row.invoices[i]);
  json_builder_end_array (builder);
  add_string_or_null (builder, "last_error", self->row.last_error);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}
