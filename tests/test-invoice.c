/* test-invoice.c — the invoice state machine, names and JSON
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "kassa-invoice.h"
#include "kassa-journal.h"
#include "kassa-test-util.h"

#define N_STATES (KASSA_INVOICE_REFUNDED + 1)

/* The legal moves, written out again from the specification (issue 3) so the
 * code's table is checked against an independent copy. */
static const struct {
  KassaInvoiceState from;
  KassaInvoiceState to;
} legal_moves[] = {
  { KASSA_INVOICE_CREATING, KASSA_INVOICE_AWAITING_PAYMENT },
  { KASSA_INVOICE_CREATING, KASSA_INVOICE_FAILED },
  { KASSA_INVOICE_CREATING, KASSA_INVOICE_CREATE_UNKNOWN },
  { KASSA_INVOICE_CREATE_UNKNOWN, KASSA_INVOICE_AWAITING_PAYMENT },
  { KASSA_INVOICE_CREATE_UNKNOWN, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_CREATE_UNKNOWN, KASSA_INVOICE_DECLINED },
  { KASSA_INVOICE_CREATE_UNKNOWN, KASSA_INVOICE_FAILED },
  { KASSA_INVOICE_CREATE_UNKNOWN, KASSA_INVOICE_CANCELLING },
  { KASSA_INVOICE_AWAITING_PAYMENT, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_AWAITING_PAYMENT, KASSA_INVOICE_DECLINED },
  { KASSA_INVOICE_AWAITING_PAYMENT, KASSA_INVOICE_CANCELLING },
  { KASSA_INVOICE_CANCELLING, KASSA_INVOICE_CANCELLED },
  { KASSA_INVOICE_CANCELLING, KASSA_INVOICE_EXPIRED },
  { KASSA_INVOICE_CANCELLING, KASSA_INVOICE_CANCEL_UNKNOWN },
  { KASSA_INVOICE_CANCELLING, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_CANCELLING, KASSA_INVOICE_AWAITING_PAYMENT },
  { KASSA_INVOICE_CANCEL_UNKNOWN, KASSA_INVOICE_CANCELLED },
  { KASSA_INVOICE_CANCEL_UNKNOWN, KASSA_INVOICE_EXPIRED },
  { KASSA_INVOICE_CANCEL_UNKNOWN, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_CANCEL_UNKNOWN, KASSA_INVOICE_CANCELLING },
  { KASSA_INVOICE_CANCELLED, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_EXPIRED, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_PAID, KASSA_INVOICE_REFUNDING },
  { KASSA_INVOICE_REFUNDING, KASSA_INVOICE_REFUNDED },
  { KASSA_INVOICE_REFUNDING, KASSA_INVOICE_REFUND_UNKNOWN },
  { KASSA_INVOICE_REFUNDING, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_REFUND_UNKNOWN, KASSA_INVOICE_REFUNDED },
  { KASSA_INVOICE_REFUND_UNKNOWN, KASSA_INVOICE_PAID },
  { KASSA_INVOICE_REFUND_UNKNOWN, KASSA_INVOICE_REFUNDING },
};

static gboolean
spec_allows (KassaInvoiceState from,
             KassaInvoiceState to)
{
  for (guint i = 0; i < G_N_ELEMENTS (legal_moves); i++)
    if (legal_moves[i].from == from && legal_moves[i].to == to)
      return TRUE;

  return FALSE;
}

static void
test_state_names (void)
{
  const char *names[N_STATES] = {
    "CREATING", "CREATE_UNKNOWN", "AWAITING_PAYMENT", "PAID", "DECLINED", "FAILED",
    "CANCELLING", "CANCEL_UNKNOWN", "CANCELLED", "EXPIRED", "REFUNDING", "REFUND_UNKNOWN",
    "REFUNDED",
  };

  for (int s = 0; s < N_STATES; s++)
    {
      KassaInvoiceState parsed = KASSA_INVOICE_REFUNDED;

      g_assert_cmpstr (kassa_invoice_state_to_string (s), ==, names[s]);
      g_assert_true (kassa_invoice_state_from_string (names[s], &parsed));
      g_assert_cmpint (parsed, ==, s);
    }

  g_assert_false (kassa_invoice_state_from_string ("paid", NULL));
  g_assert_false (kassa_invoice_state_from_string ("", NULL));
  g_assert_false (kassa_invoice_state_from_string (NULL, NULL));
  g_assert_cmpstr (kassa_invoice_state_to_string (99), ==, "UNKNOWN");
}

static void
test_method_names (void)
{
  KassaInvoiceMethod method = KASSA_INVOICE_METHOD_QR;

  g_assert_cmpstr (kassa_invoice_method_to_string (KASSA_INVOICE_METHOD_QR), ==, "qr");
  g_assert_cmpstr (kassa_invoice_method_to_string (KASSA_INVOICE_METHOD_DEEPLINK), ==, "deeplink");
  g_assert_cmpstr (kassa_invoice_method_to_string (KASSA_INVOICE_METHOD_PHONE), ==, "phone");
  g_assert_true (kassa_invoice_method_from_string ("phone", &method));
  g_assert_cmpint (method, ==, KASSA_INVOICE_METHOD_PHONE);
  g_assert_true (kassa_invoice_method_from_string ("deeplink", &method));
  g_assert_cmpint (method, ==, KASSA_INVOICE_METHOD_DEEPLINK);
  g_assert_false (kassa_invoice_method_from_string ("QR ", &method));
  g_assert_false (kassa_invoice_method_from_string (NULL, &method));
}

/* Every (from, to) pair, including moves to the same state, against the table. */
static void
test_every_pair (void)
{
  guint n_legal = 0;

  for (int from = 0; from < N_STATES; from++)
    for (int to = 0; to < N_STATES; to++)
      {
        gboolean expected = spec_allows (from, to);

        if (kassa_invoice_state_can_move (from, to) != expected)
          g_error ("%s → %s: expected %s", kassa_invoice_state_to_string (from),
                   kassa_invoice_state_to_string (to), expected ? "legal" : "illegal");
        n_legal += expected;
      }

  g_assert_cmpuint (n_legal, ==, G_N_ELEMENTS (legal_moves));
  /* Out of range never counts as legal. */
  g_assert_false (kassa_invoice_state_can_move (KASSA_INVOICE_PAID, 40));
  g_assert_false (kassa_invoice_state_can_move (40, KASSA_INVOICE_PAID));
}

static void
test_final (void)
{
  for (int s = 0; s < N_STATES; s++)
    {
      gboolean expected = s == KASSA_INVOICE_FAILED || s == KASSA_INVOICE_DECLINED ||
                          s == KASSA_INVOICE_CANCELLED || s == KASSA_INVOICE_EXPIRED ||
                          s == KASSA_INVOICE_PAID || s == KASSA_INVOICE_REFUNDED;

      g_assert_cmpint (kassa_invoice_state_is_final (s), ==, expected);
    }
}

static JsonObject *
parse_object (const char *json,
              JsonNode  **out_root)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  *out_root = root;
  return json_node_get_object (root);
}

static void
test_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "json.sqlite", NULL);
  g_autoptr(KassaJournal) journal = kassa_journal_open (path, &error);
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  KassaBankTransaction transaction = {
    .paid = TRUE, .resp_code = (char *) "000", .resp_desc = (char *) "Approved",
    .approval_code = (char *) "A12345", .card_number = (char *) "4000****0001",
  };
  const char *keys[] = {
    "invoice", "state", "amount", "method", "desc", "phone", "reference", "created",
    "approval_code", "card_number", "resp_code", "resp_desc", "paid_after_cancel",
    "settlement_id", "last_error",
  };
  JsonObject *object;

  g_assert_no_error (error);
  invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, 12500,
                                          KASSA_INVOICE_METHOD_PHONE, "99112233",
                                          "table \"7\" ✓", &error);
  g_assert_no_error (error);

  json = kassa_invoice_to_json (invoice);
  object = parse_object (json, &root);
  g_assert_cmpuint (json_object_get_size (object), ==, G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
  g_assert_cmpstr (json_object_get_string_member (object, "invoice"), ==,
                   kassa_invoice_get_number (invoice));
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "CREATING");
  /* An integer, not a string or a float. */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "amount")), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "amount"), ==, 12500);
  g_assert_cmpstr (json_object_get_string_member (object, "method"), ==, "phone");
  g_assert_cmpstr (json_object_get_string_member (object, "phone"), ==, "99112233");
  g_assert_cmpstr (json_object_get_string_member (object, "reference"), ==, "table \"7\" ✓");
  g_assert_true (json_object_get_null_member (object, "desc"));
  g_assert_true (json_object_get_null_member (object, "approval_code"));
  g_assert_true (json_object_get_null_member (object, "settlement_id"));
  g_assert_false (json_object_get_boolean_member (object, "paid_after_cancel"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "created"), "Z"));

  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT,
                                     "sent to the app", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL,
                                     &transaction, NULL, &error));
  g_assert_no_error (error);

  json2 = kassa_invoice_to_json (invoice);
  object = parse_object (json2, &root2);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "PAID");
  g_assert_cmpstr (json_object_get_string_member (object, "desc"), ==, "sent to the app");
  g_assert_cmpstr (json_object_get_string_member (object, "approval_code"), ==, "A12345");
  g_assert_cmpstr (json_object_get_string_member (object, "card_number"), ==, "4000****0001");
  g_assert_cmpstr (json_object_get_string_member (object, "resp_code"), ==, "000");
  g_assert_cmpstr (json_object_get_string_member (object, "resp_desc"), ==, "Approved");
}

static void
test_properties (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "props.sqlite", NULL);
  g_autoptr(KassaJournal) journal = kassa_journal_open (path, &error);
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *number = NULL;
  g_autoptr(GDateTime) created = NULL;
  KassaInvoiceState state = KASSA_INVOICE_FAILED;
  KassaInvoiceMethod method = KASSA_INVOICE_METHOD_PHONE;
  gint64 amount = 0;
  GParamSpec *pspec;

  g_assert_no_error (error);
  invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, 700,
                                          KASSA_INVOICE_METHOD_QR, NULL, NULL, &error);
  g_assert_no_error (error);

  g_object_get (invoice, "number", &number, "state", &state, "method", &method,
                "amount", &amount, "created", &created, NULL);
  g_assert_cmpstr (number, ==, kassa_invoice_get_number (invoice));
  g_assert_cmpint (state, ==, KASSA_INVOICE_CREATING);
  g_assert_cmpint (method, ==, KASSA_INVOICE_METHOD_QR);
  g_assert_cmpint (amount, ==, 700);
  g_assert_nonnull (created);

  /* Read-only: only the journal changes an invoice. */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (invoice), "state");
  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);
  g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (pspec) == KASSA_TYPE_INVOICE_STATE);
}

/* The registered types keep the names and value names they had when they were
 * registered by hand; the nicks are the journal's words (see state-names). */
static void
test_enum_types (void)
{
  const struct
  {
    GType       type;
    const char *type_name;
    int         value;
    const char *value_name;
    const char *nick;
  } cases[] = {
    { KASSA_TYPE_INVOICE_STATE, "KassaInvoiceState", KASSA_INVOICE_CANCEL_UNKNOWN,
      "KASSA_INVOICE_CANCEL_UNKNOWN", "CANCEL_UNKNOWN" },
    { KASSA_TYPE_INVOICE_METHOD, "KassaInvoiceMethod", KASSA_INVOICE_METHOD_DEEPLINK,
      "KASSA_INVOICE_METHOD_DEEPLINK", "deeplink" },
    { KASSA_TYPE_SETTLEMENT_STATE, "KassaSettlementState", KASSA_SETTLEMENT_SETTLE_UNKNOWN,
      "KASSA_SETTLEMENT_SETTLE_UNKNOWN", "SETTLE_UNKNOWN" },
  };
  KassaInvoiceMethod method = KASSA_INVOICE_METHOD_PHONE;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GEnumClass) enum_class = g_type_class_ref (cases[i].type);
      GEnumValue *value = g_enum_get_value (enum_class, cases[i].value);

      g_assert_cmpstr (g_type_name (cases[i].type), ==, cases[i].type_name);
      g_assert_nonnull (value);
      g_assert_cmpstr (value->value_name, ==, cases[i].value_name);
      g_assert_cmpstr (value->value_nick, ==, cases[i].nick);
    }

  g_assert_cmpint (g_enum_get_value (g_type_class_peek (KASSA_TYPE_INVOICE_STATE), 0)->value,
                   ==, KASSA_INVOICE_CREATING);
  g_assert_cmpstr (kassa_invoice_method_to_string (7), ==, "unknown");
  g_assert_cmpstr (kassa_settlement_state_to_string (7), ==, "UNKNOWN");
  g_assert_false (kassa_invoice_method_from_string ("Phone", &method));
  g_assert_cmpint (method, ==, KASSA_INVOICE_METHOD_PHONE);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/invoice/state-names", test_state_names);
  g_test_add_func ("/invoice/method-names", test_method_names);
  g_test_add_func ("/invoice/every-pair", test_every_pair);
  g_test_add_func ("/invoice/final", test_final);
  g_test_add_func ("/invoice/json", test_json);
  g_test_add_func ("/invoice/properties", test_properties);
  g_test_add_func ("/invoice/enum-types", test_enum_types);

  return g_test_run ();
}
