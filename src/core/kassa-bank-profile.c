/* kassa-bank-profile.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-profile.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-bank-reply.h"
#include "kassa-error.h"

/* "Successful", what erxes' 2022 plugin compared resp_desc with (§6.8). */
#define PAID_RESP_DESC "Амжилттай"
#define PAID_RESP_CODE "00"
#define SUCCESS_STATUS "SUCCESS"

/* A gint64 has at most 19 digits. */
#define AMOUNT_MAX_DIGITS 18

struct _KassaBankProfile
{
  GObject parent_instance;

  KassaAmountFormat        amount_format;
  KassaRefundChecksumOrder refund_checksum_order;
  KassaQrEndpoint          qr_endpoint;
  KassaUnpaidCheckStyle    unpaid_check_style;
  KassaPaidTest            paid_test;
  KassaCancelSuccessTest   cancel_success_test;
  KassaReplyChecksum       reply_checksum;
  gboolean                 trailing_query;
  gboolean                 amount_as_number;
};

enum {
  PROP_0,
  PROP_AMOUNT_FORMAT,
  PROP_REFUND_CHECKSUM_ORDER,
  PROP_QR_ENDPOINT,
  PROP_UNPAID_CHECK_STYLE,
  PROP_PAID_TEST,
  PROP_CANCEL_SUCCESS_TEST,
  PROP_REPLY_CHECKSUM,
  PROP_TRAILING_QUERY,
  PROP_AMOUNT_AS_NUMBER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaBankProfile, kassa_bank_profile, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (KassaAmountFormat, kassa_amount_format,
  G_DEFINE_ENUM_VALUE (KASSA_AMOUNT_FORMAT_PLAIN, "plain"),
  G_DEFINE_ENUM_VALUE (KASSA_AMOUNT_FORMAT_TWO_DECIMALS, "two-decimals"))

G_DEFINE_ENUM_TYPE (KassaRefundChecksumOrder, kassa_refund_checksum_order,
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_CHECKSUM_TERMINAL_INVOICE_AMOUNT, "terminal-invoice-amount"),
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_CHECKSUM_AMOUNT_INVOICE_TERMINAL, "amount-invoice-terminal"))

G_DEFINE_ENUM_TYPE (KassaQrEndpoint, kassa_qr_endpoint,
  G_DEFINE_ENUM_VALUE (KASSA_QR_ENDPOINT_QR, "qr"),
  G_DEFINE_ENUM_VALUE (KASSA_QR_ENDPOINT_DEEPLINK, "deeplink"))

G_DEFINE_ENUM_TYPE (KassaUnpaidCheckStyle, kassa_unpaid_check_style,
  G_DEFINE_ENUM_VALUE (KASSA_UNPAID_CHECK_ERROR_ENVELOPE, "error-envelope"),
  G_DEFINE_ENUM_VALUE (KASSA_UNPAID_CHECK_RESP_CODE, "resp-code"))

G_DEFINE_ENUM_TYPE (KassaPaidTest, kassa_paid_test,
  G_DEFINE_ENUM_VALUE (KASSA_PAID_TEST_RESP_CODE, "resp-code"),
  G_DEFINE_ENUM_VALUE (KASSA_PAID_TEST_RESP_DESC, "resp-desc"))

G_DEFINE_ENUM_TYPE (KassaCancelSuccessTest, kassa_cancel_success_test,
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_SUCCESS_EITHER, "either"),
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_SUCCESS_STATUS, "status"),
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_SUCCESS_RESP_CODE, "resp-code"))

G_DEFINE_ENUM_TYPE (KassaReplyChecksum, kassa_reply_checksum,
  G_DEFINE_ENUM_VALUE (KASSA_REPLY_CHECKSUM_IGNORE, "ignore"),
  G_DEFINE_ENUM_VALUE (KASSA_REPLY_CHECKSUM_TERMINAL_INVOICE_AMOUNT, "terminal-invoice-amount"))

/* Every reading is a property; the text forms are the property names and the
 * enum nicks, so parsing, describing and setting share one table: the class's
 * own property list, in installation order. */

typedef struct
{
  GParamSpec *pspec;
  GValue      value;
} PendingReading;

static void
pending_reading_clear (PendingReading *pending)
{
  g_value_unset (&pending->value);
}

static gboolean
parse_boolean (const char *text,
               gboolean   *out_value)
{
  if (g_ascii_strcasecmp (text, "true") == 0 ||
      g_ascii_strcasecmp (text, "yes") == 0 ||
      strcmp (text, "1") == 0)
    {
      *out_value = TRUE;
      return TRUE;
    }

  if (g_ascii_strcasecmp (text, "false") == 0 ||
      g_ascii_strcasecmp (text, "no") == 0 ||
      strcmp (text, "0") == 0)
    {
      *out_value = FALSE;
      return TRUE;
    }

  return FALSE;
}

static char *
describe_choices (GParamSpec *pspec)
{
  GString *choices = g_string_new (NULL);

  if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *enum_class = G_PARAM_SPEC_ENUM (pspec)->enum_class;

      for (guint i = 0; i < enum_class->n_values; i++)
        {
          if (i > 0)
            g_string_append (choices, ", ");
          g_string_append (choices, enum_class->values[i].value_nick);
        }
    }
  else
    {
      g_string_append (choices, "true, false");
    }

  return g_string_free (choices, FALSE);
}

/* Looks @key/@value up without changing anything; fills @pending. */
static gboolean
resolve_reading (KassaBankProfile *self,
                 const char       *key,
                 const char       *value,
                 PendingReading   *pending,
                 GError          **error)
{
  GParamSpec *pspec;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), key);
  if (pspec == NULL)
    {
      g_autofree char *excerpt = kassa_input_excerpt (key);

      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   /* Translators: %s is a setting name typed by the user */
                   _("“%s” is not a bank protocol reading"), excerpt);
      return FALSE;
    }

  pending->pspec = pspec;

  if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *enum_class = G_PARAM_SPEC_ENUM (pspec)->enum_class;
      GEnumValue *enum_value = g_enum_get_value_by_nick (enum_class, value);

      if (enum_value != NULL)
        {
          g_value_init (&pending->value, G_PARAM_SPEC_VALUE_TYPE (pspec));
          g_value_set_enum (&pending->value, enum_value->value);
          return TRUE;
        }
    }
  else if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    {
      gboolean boolean_value;

      if (parse_boolean (value, &boolean_value))
        {
          g_value_init (&pending->value, G_TYPE_BOOLEAN);
          g_value_set_boolean (&pending->value, boolean_value);
          return TRUE;
        }
    }
  else
    {
      g_assert_not_reached ();
    }

  {
    g_autofree char *excerpt = kassa_input_excerpt (value);
    g_autofree char *choices = describe_choices (pspec);

    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 /* Translators: the first %s is a value typed by the user, the second a
                  * setting name, the third the list of allowed values */
                 _("“%s” is not a value of %s (choose one of: %s)"),
                 excerpt, key, choices);
  }

  return FALSE;
}

/* Applies @pending (in order, later wins) after checking the combined result. */
static gboolean
apply_readings (KassaBankProfile *self,
                GArray           *pending,
                GError          **error)
{
  KassaAmountFormat amount_format = self->amount_format;
  gboolean amount_as_number = self->amount_as_number;

  for (guint i = 0; i < pending->len; i++)
    {
      PendingReading *reading = &g_array_index (pending, PendingReading, i);

      if (reading->pspec == properties[PROP_AMOUNT_FORMAT])
        amount_format = g_value_get_enum (&reading->value);
      else if (reading->pspec == properties[PROP_AMOUNT_AS_NUMBER])
        amount_as_number = g_value_get_boolean (&reading->value);
    }

  if (amount_as_number && amount_format == KASSA_AMOUNT_FORMAT_TWO_DECIMALS)
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           _("amount-as-number=true cannot be combined with "
                             "amount-format=two-decimals: a JSON number carries no "
                             "trailing zeros"));
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < pending->len; i++)
    {
      PendingReading *reading = &g_array_index (pending, PendingReading, i);

      g_object_set_property (G_OBJECT (self), reading->pspec->name, &reading->value);
    }
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

static void
kassa_bank_profile_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KassaBankProfile *self = KASSA_BANK_PROFILE (object);

  switch (prop_id)
    {
    case PROP_AMOUNT_FORMAT:
      g_value_set_enum (value, self->amount_format);
      break;
    case PROP_REFUND_CHECKSUM_ORDER:
      g_value_set_enum (value, self->refund_checksum_order);
      break;
    case PROP_QR_ENDPOINT:
      g_value_set_enum (value, self->qr_endpoint);
      break;
    case PROP_UNPAID_CHECK_STYLE:
      g_value_set_enum (value, self->unpaid_check_style);
      break;
    case PROP_PAID_TEST:
      g_value_set_enum (value, self->paid_test);
      break;
    case PROP_CANCEL_SUCCESS_TEST:
      g_value_set_enum (value, self->cancel_success_test);
      break;
    case PROP_REPLY_CHECKSUM:
      g_value_set_enum (value, self->reply_checksum);
      break;
    case PROP_TRAILING_QUERY:
      g_value_set_boolean (value, self->trailing_query);
      break;
    case PROP_AMOUNT_AS_NUMBER:
      g_value_set_boolean (value, self->amount_as_number);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* All readings are plain ints/booleans: one setter shape for all of them. */
static void
set_int_field (KassaBankProfile *self,
               int              *field,
               int               value,
               guint             prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
kassa_bank_profile_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KassaBankProfile *self = KASSA_BANK_PROFILE (object);

  switch (prop_id)
    {
    case PROP_AMOUNT_FORMAT:
      set_int_field (self, (int *) &self->amount_format, g_value_get_enum (value), prop_id);
      break;
    case PROP_REFUND_CHECKSUM_ORDER:
      set_int_field (self, (int *) &self->refund_checksum_order, g_value_get_enum (value), prop_id);
      break;
    case PROP_QR_ENDPOINT:
      set_int_field (self, (int *) &self->qr_endpoint, g_value_get_enum (value), prop_id);
      break;
    case PROP_UNPAID_CHECK_STYLE:
      set_int_field (self, (int *) &self->unpaid_check_style, g_value_get_enum (value), prop_id);
      break;
    case PROP_PAID_TEST:
      set_int_field (self, (int *) &self->paid_test, g_value_get_enum (value), prop_id);
      break;
    case PROP_CANCEL_SUCCESS_TEST:
      set_int_field (self, (int *) &self->cancel_success_test, g_value_get_enum (value), prop_id);
      break;
    case PROP_REPLY_CHECKSUM:
      set_int_field (self, (int *) &self->reply_checksum, g_value_get_enum (value), prop_id);
      break;
    case PROP_TRAILING_QUERY:
      set_int_field (self, &self->trailing_query, !!g_value_get_boolean (value), prop_id);
      break;
    case PROP_AMOUNT_AS_NUMBER:
      set_int_field (self, &self->amount_as_number, !!g_value_get_boolean (value), prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_bank_profile_class_init (KassaBankProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kassa_bank_profile_get_property;
  object_class->set_property = kassa_bank_profile_set_property;

  properties[PROP_AMOUNT_FORMAT] =
    g_param_spec_enum ("amount-format", NULL, NULL,
                       KASSA_TYPE_AMOUNT_FORMAT, KASSA_AMOUNT_FORMAT_PLAIN, flags);
  properties[PROP_REFUND_CHECKSUM_ORDER] =
    g_param_spec_enum ("refund-checksum-order", NULL, NULL,
                       KASSA_TYPE_REFUND_CHECKSUM_ORDER,
                       KASSA_REFUND_CHECKSUM_TERMINAL_INVOICE_AMOUNT, flags);
  properties[PROP_QR_ENDPOINT] =
    g_param_spec_enum ("qr-endpoint", NULL, NULL,
                       KASSA_TYPE_QR_ENDPOINT, KASSA_QR_ENDPOINT_QR, flags);
  properties[PROP_UNPAID_CHECK_STYLE] =
    g_param_spec_enum ("unpaid-check-style", NULL, NULL,
                       KASSA_TYPE_UNPAID_CHECK_STYLE, KASSA_UNPAID_CHECK_ERROR_ENVELOPE, flags);
  properties[PROP_PAID_TEST] =
    g_param_spec_enum ("paid-test", NULL, NULL,
                       KASSA_TYPE_PAID_TEST, KASSA_PAID_TEST_RESP_CODE, flags);
  properties[PROP_CANCEL_SUCCESS_TEST] =
    g_param_spec_enum ("cancel-success-test", NULL, NULL,
                       KASSA_TYPE_CANCEL_SUCCESS_TEST, KASSA_CANCEL_SUCCESS_EITHER, flags);
  properties[PROP_REPLY_CHECKSUM] =
    g_param_spec_enum ("reply-checksum", NULL, NULL,
                       KASSA_TYPE_REPLY_CHECKSUM, KASSA_REPLY_CHECKSUM_IGNORE, flags);
  properties[PROP_TRAILING_QUERY] =
    g_param_spec_boolean ("trailing-query", NULL, NULL, FALSE, flags);
  properties[PROP_AMOUNT_AS_NUMBER] =
    g_param_spec_boolean ("amount-as-number", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_bank_profile_init (KassaBankProfile *self)
{
  /* The defaults are the first value of every enum, and FALSE. */
}

KassaBankProfile *
kassa_bank_profile_new (void)
{
  return g_object_new (KASSA_TYPE_BANK_PROFILE, NULL);
}

gboolean
kassa_bank_profile_set_from_string (KassaBankProfile  *self,
                                    const char        *text,
                                    GError           **error)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) pending = NULL;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                           _("The bank protocol readings are not valid text"));
      return FALSE;
    }

  pending = g_array_new (FALSE, TRUE, sizeof (PendingReading));
  g_array_set_clear_func (pending, (GDestroyNotify) pending_reading_clear);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      char *line = lines[i];
      char *hash;
      char *equals;
      PendingReading reading = { NULL, G_VALUE_INIT };

      /* Values never contain "#", so a comment may also follow a value. */
      hash = strchr (line, '#');
      if (hash != NULL)
        *hash = '\0';
      g_strstrip (line);
      if (*line == '\0')
        continue;

      equals = strchr (line, '=');
      if (equals == NULL)
        {
          g_autofree char *excerpt = kassa_input_excerpt (line);

          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                       /* Translators: %u is a line number, %s the text on that line */
                       _("Line %u: “%s” is not of the form key=value"), i + 1, excerpt);
          return FALSE;
        }

      *equals = '\0';
      g_strstrip (line);
      g_strstrip (equals + 1);

      if (!resolve_reading (self, line, equals + 1, &reading, &local_error))
        {
          g_set_error (error, local_error->domain, local_error->code,
                       /* Translators: %u is a line number, %s an error message */
                       _("Line %u: %s"), i + 1, local_error->message);
          return FALSE;
        }

      g_array_append_val (pending, reading);
    }

  return apply_readings (self, pending, error);
}

gboolean
kassa_bank_profile_set_reading (KassaBankProfile  *self,
                                const char        *key,
                                const char        *value,
                                GError           **error)
{
  g_autoptr(GArray) pending = NULL;
  PendingReading reading = { NULL, G_VALUE_INIT };

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!resolve_reading (self, key, value, &reading, error))
    return FALSE;

  pending = g_array_new (FALSE, TRUE, sizeof (PendingReading));
  g_array_set_clear_func (pending, (GDestroyNotify) pending_reading_clear);
  g_array_append_val (pending, reading);

  return apply_readings (self, pending, error);
}

KassaAmountFormat
kassa_bank_profile_get_amount_format (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), KASSA_AMOUNT_FORMAT_PLAIN);

  return self->amount_format;
}

KassaRefundChecksumOrder
kassa_bank_profile_get_refund_checksum_order (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self),
                        KASSA_REFUND_CHECKSUM_TERMINAL_INVOICE_AMOUNT);

  return self->refund_checksum_order;
}

KassaQrEndpoint
kassa_bank_profile_get_qr_endpoint (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), KASSA_QR_ENDPOINT_QR);

  return self->qr_endpoint;
}

KassaUnpaidCheckStyle
kassa_bank_profile_get_unpaid_check_style (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), KASSA_UNPAID_CHECK_ERROR_ENVELOPE);

  return self->unpaid_check_style;
}

KassaPaidTest
kassa_bank_profile_get_paid_test (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), KASSA_PAID_TEST_RESP_CODE);

  return self->paid_test;
}

KassaCancelSuccessTest
kassa_bank_profile_get_cancel_success_test (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), KASSA_CANCEL_SUCCESS_EITHER);

  return self->cancel_success_test;
}

KassaReplyChecksum
kassa_bank_profile_get_reply_checksum (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), KASSA_REPLY_CHECKSUM_IGNORE);

  return self->reply_checksum;
}

gboolean
kassa_bank_profile_get_trailing_query (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);

  return self->trailing_query;
}

gboolean
kassa_bank_profile_get_amount_as_number (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);

  return self->amount_as_number;
}

char *
kassa_bank_profile_format_amount (KassaBankProfile *self,
                                  gint64            amount)
{
  g_autofree char *digits = NULL;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), NULL);
  g_return_val_if_fail (amount >= 0, NULL);

  if (amount >= KASSA_AMOUNT_MIN && amount <= KASSA_AMOUNT_MAX)
    digits = kassa_amount_to_wire (amount);
  else
    digits = g_strdup_printf ("%" G_GINT64_FORMAT, amount); /* 0: an empty settlement */

  /* A JSON number is written by json-glib as plain digits; keep the checksum identical. */
  if (self->amount_as_number)
    return g_steal_pointer (&digits);

  switch (self->amount_format)
    {
    case KASSA_AMOUNT_FORMAT_PLAIN:
      return g_steal_pointer (&digits);
    case KASSA_AMOUNT_FORMAT_TWO_DECIMALS:
      return g_strconcat (digits, ".00", NULL);
    default:
      g_assert_not_reached ();
    }
}

static void
set_bad_amount_error (GError     **error,
                      const char  *text)
{
  g_autofree char *excerpt = kassa_input_excerpt (text);

  g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
               /* Translators: %s is an amount as received from the bank or another program */
               _("“%s” is not an amount in whole tögrög"), excerpt);
}

gboolean
kassa_bank_profile_parse_amount (KassaBankProfile  *self,
                                 const char        *text,
                                 gint64            *out_amount,
                                 GError           **error)
{
  const char *p;
  gint64 value = 0;
  gsize n_digits;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    {
      set_bad_amount_error (error, text);
      return FALSE;
    }

  for (p = text; g_ascii_isdigit (*p); p++)
    ;
  n_digits = p - text;

  if (n_digits == 0 || (text[0] == '0' && n_digits > 1))
    {
      set_bad_amount_error (error, text);
      return FALSE;
    }

  if (*p == '.' && self->amount_format == KASSA_AMOUNT_FORMAT_TWO_DECIMALS)
    {
      const char *fraction = p + 1;
      gsize n_fraction;

      for (p = fraction; g_ascii_isdigit (*p); p++)
        ;
      n_fraction = p - fraction;

      if (n_fraction == 0 || n_fraction > 2 || *p != '\0')
        {
          set_bad_amount_error (error, text);
          return FALSE;
        }

      for (gsize i = 0; i < n_fraction; i++)
        {
          if (fraction[i] != '0')
            {
              g_autofree char *excerpt = kassa_input_excerpt (text);

              g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                           /* Translators: %s is an amount as received from the bank */
                           _("“%s” has a fraction of a tögrög"), excerpt);
              return FALSE;
            }
        }
    }
  else if (*p != '\0')
    {
      set_bad_amount_error (error, text);
      return FALSE;
    }

  if (n_digits > AMOUNT_MAX_DIGITS)
    {
      g_autofree char *excerpt = kassa_input_excerpt (text);

      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                   /* Translators: %s is an amount as received from the bank */
                   _("“%s” is too large to be an amount"), excerpt);
      return FALSE;
    }

  for (gsize i = 0; i < n_digits; i++)
    value = value * 10 + (text[i] - '0');

  if (out_amount != NULL)
    *out_amount = value;

  return TRUE;
}

const char **
kassa_bank_profile_refund_checksum_parts (KassaBankProfile *self,
                                          const char       *terminal,
                                          const char       *invoice,
                                          const char       *amount)
{
  const char **parts;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), NULL);
  g_return_val_if_fail (terminal != NULL && invoice != NULL && amount != NULL, NULL);

  parts = g_new0 (const char *, 4);

  switch (self->refund_checksum_order)
    {
    case KASSA_REFUND_CHECKSUM_TERMINAL_INVOICE_AMOUNT:
      parts[0] = terminal;
      parts[1] = invoice;
      parts[2] = amount;
      break;
    case KASSA_REFUND_CHECKSUM_AMOUNT_INVOICE_TERMINAL:
      parts[0] = amount;
      parts[1] = invoice;
      parts[2] = terminal;
      break;
    default:
      g_assert_not_reached ();
    }

  return parts;
}

const char *
kassa_bank_profile_get_qr_path (KassaBankProfile *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), NULL);

  switch (self->qr_endpoint)
    {
    case KASSA_QR_ENDPOINT_QR:
      return kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_QR);
    case KASSA_QR_ENDPOINT_DEEPLINK:
      return kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_DEEPLINK);
    default:
      g_assert_not_reached ();
    }
}

gboolean
kassa_bank_profile_is_paid (KassaBankProfile *self,
                            const char       *resp_code,
                            const char       *resp_desc)
{
  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);

  switch (self->paid_test)
    {
    case KASSA_PAID_TEST_RESP_CODE:
      return g_strcmp0 (resp_code, PAID_RESP_CODE) == 0;
    case KASSA_PAID_TEST_RESP_DESC:
      return g_strcmp0 (resp_desc, PAID_RESP_DESC) == 0;
    default:
      g_assert_not_reached ();
    }
}

gboolean
kassa_bank_profile_is_cancelled (KassaBankProfile *self,
                                 const char       *status,
                                 const char       *resp_code)
{
  return kassa_bank_profile_read_cancel (self, status, resp_code, NULL);
}

gboolean
kassa_bank_profile_read_cancel (KassaBankProfile  *self,
                                const char        *status,
                                const char        *resp_code,
                                const char       **out_refusal)
{
  gboolean status_says_yes = status != NULL && g_ascii_strcasecmp (status, SUCCESS_STATUS) == 0;
  gboolean code_says_yes = g_strcmp0 (resp_code, PAID_RESP_CODE) == 0;
  gboolean status_says_no = status != NULL && !status_says_yes;
  gboolean code_says_no = resp_code != NULL && !code_says_yes;
  gboolean cancelled;
  const char *refusal;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), FALSE);

  switch (self->cancel_success_test)
    {
    case KASSA_CANCEL_SUCCESS_EITHER:
      /* Both sources' evidence counts, and so does a contradiction: a reply
       * with status SUCCESS and resp_code "05" is not taken for a cancel. */
      cancelled = (status_says_yes || code_says_yes) && !status_says_no && !code_says_no;
      refusal = status_says_no ? status : code_says_no ? resp_code : NULL;
      break;
    case KASSA_CANCEL_SUCCESS_STATUS:
      cancelled = status_says_yes;
      refusal = status != NULL ? status : resp_code;
      break;
    case KASSA_CANCEL_SUCCESS_RESP_CODE:
      cancelled = code_says_yes;
      refusal = resp_code != NULL ? resp_code : status;
      break;
    default:
      g_assert_not_reached ();
    }

  if (out_refusal != NULL)
    *out_refusal = cancelled ? NULL : refusal;

  return cancelled;
}

char *
kassa_bank_profile_describe (KassaBankProfile *self)
{
  GString *text;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (self), NULL);

  text = g_string_new (NULL);
  for (guint i = PROP_0 + 1; i < N_PROPS; i++)
    {
      GParamSpec *pspec = properties[i];
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      g_object_get_property (G_OBJECT (self), pspec->name, &value);

      if (text->len > 0)
        g_string_append_c (text, ' ');

      if (G_IS_PARAM_SPEC_ENUM (pspec))
        {
          GEnumValue *enum_value = g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                                     g_value_get_enum (&value));

          g_string_append_printf (text, "%s=%s", pspec->name, enum_value->value_nick);
        }
      else
        {
          g_string_append_printf (text, "%s=%s", pspec->name,
                                  g_value_get_boolean (&value) ? "true" : "false");
        }
    }

  return g_string_free (text, FALSE);
}
