/* kassa-bank-sim-state.c — the simulated bank's state file (training mode)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim-private.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"

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
      if (g_strcmp0 (text, kassa_sim_invoice_method_to_string ((InvoiceMethod) i)) == 0)
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
      kassa_sim_add_string (builder, "terminal", l->data);
      kassa_sim_add_string (builder, "secret", term->secret);
      json_builder_set_member_name (builder, "settlements");
      json_builder_begin_array (builder);
      g_hash_table_iter_init (&iter, term->settlements);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          SimSettlement *settlement = value;

          json_builder_begin_object (builder);
          kassa_sim_add_string (builder, "id", key);
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
      kassa_sim_add_string (builder, "terminal", inv->terminal);
      kassa_sim_add_string (builder, "invoice", inv->invoice);
      add_int (builder, "amount", inv->amount);
      kassa_sim_add_string (builder, "state", kassa_sim_invoice_state_to_string (inv->state));
      kassa_sim_add_string (builder, "method", kassa_sim_invoice_method_to_string (inv->method));
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
  return kassa_sim_node_to_string (root);
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

void
kassa_bank_sim_save_state (KassaBankSim *self)
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

  if (!kassa_sim_get_int_member (object, name, min, max, &value) ||
      !json_object_has_member (object, name))
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
          kassa_bank_sim_lookup_invoice (self, terminal, number) != NULL)
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
      g_hash_table_insert (self->invoices, kassa_sim_invoice_key (terminal, number), inv);
      g_ptr_array_add (self->invoice_order, inv);
      if (!sim_invoice_state_from_string (state, &inv->state) ||
          !invoice_method_from_string (method, &inv->method))
        goto invalid;
      /* A paid transaction has its approval code and card (kassa_bank_sim_add_transaction). */
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
