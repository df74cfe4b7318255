/* kassa-ctl-bank.c — `kassa-ctl bank`: one request to the bank, its reply as JSON
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of libkassa-ctl-bank.so (kassa-ctl-till-private.h), with the client
 * the bank options build.
 */

#include "config.h"

#include "kassa-ctl-private.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-core.h"
#include "kassa-secret-store.h"

typedef enum
{
  BANK_COMMAND_QR,
  BANK_COMMAND_DEEPLINK,
  BANK_COMMAND_PHONE,
  BANK_COMMAND_CHECK,
  BANK_COMMAND_CANCEL,
  BANK_COMMAND_REFUND,
  BANK_COMMAND_SETTLE,
} BankCommandKind;

typedef struct
{
  const char      *name;
  BankCommandKind  kind;
  guint            n_args;
} BankCommand;

static const BankCommand bank_commands[] = {
  { "qr",       BANK_COMMAND_QR,       2 },
  { "deeplink", BANK_COMMAND_DEEPLINK, 2 },
  { "phone",    BANK_COMMAND_PHONE,    3 },
  { "check",    BANK_COMMAND_CHECK,    2 },
  { "cancel",   BANK_COMMAND_CANCEL,   2 },
  { "refund",   BANK_COMMAND_REFUND,   2 },
  { "settle",   BANK_COMMAND_SETTLE,   1 },
};

typedef struct
{
  const BankCommand *command;
  gint64             amount;
  const char        *invoice;
  const char        *phone;
  const char        *settlement_id;

  gboolean           done;
  char              *reply_json;
  GError            *error;
} BankRequest;

static void
bank_request_clear (BankRequest *request)
{
  g_clear_pointer (&request->reply_json, g_free);
  g_clear_error (&request->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BankRequest, bank_request_clear)

/* The bank options (kassa-ctl-private.h): the client they configure. */

static KassaBankProfile *
bank_load_profile (const char  *profile_file,
                   char       **readings,
                   GError     **error)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();

  if (profile_file != NULL)
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (profile_file, &text, NULL, error))
        return NULL;

      if (!kassa_bank_profile_set_from_string (profile, text, error))
        {
          g_prefix_error (error, _("Profile “%s”: "), profile_file);
          return NULL;
        }
    }

  for (guint i = 0; readings != NULL && readings[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (readings[i], "=", 2);

      if (parts[0] == NULL || parts[1] == NULL || parts[0][0] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--reading “%s” is not KEY=VALUE"), readings[i]);
          return NULL;
        }

      if (!kassa_bank_profile_set_reading (profile, g_strstrip (parts[0]),
                                           g_strstrip (parts[1]), error))
        {
          g_prefix_error (error, _("--reading “%s”: "), readings[i]);
          return NULL;
        }
    }

  return g_steal_pointer (&profile);
}

static gboolean
bank_check_ca_file (const char  *ca_file,
                    GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  /* The client may load it lazily; an unreadable file is the caller's
   * configuration error, found before anything is sent. */
  database = g_tls_file_database_new (ca_file, error);
  if (database == NULL)
    {
      g_prefix_error (error, _("CA file “%s”: "), ca_file);
      return FALSE;
    }

  return TRUE;
}

KassaBankClient *
kassa_ctl_bank_options_new_client (KassaCtlBankOptions  *options,
                                   char                **out_secret,
                                   GError              **error)
{
  g_autoptr(KassaBankProfile) profile = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  const char *url;
  const char *terminal;
  const char *ca_file;
  char *secret;

  g_return_val_if_fail (out_secret != NULL && *out_secret == NULL, NULL);

  if (options->timeout <= 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--timeout must be a positive number of seconds"));
      return NULL;
    }

  url = options->url != NULL ? options->url : kassa_ctl_getenv ("KASSA_BANK_URL");
  if (url == NULL)
    url = KASSA_BANK_PRODUCTION_URL;

  terminal = options->terminal != NULL ? options->terminal : kassa_ctl_getenv ("KASSA_TERMINAL");
  if (terminal == NULL)
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL,
                           _("No terminal: set KASSA_TERMINAL or use --terminal"));
      return NULL;
    }

  if (options->secret_file != NULL)
    secret = kassa_secret_file_read (options->secret_file, error);
  else
    {
      secret = g_strdup (kassa_ctl_getenv ("KASSA_SECRET"));
      if (secret == NULL)
        g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET,
                             _("No secret: set KASSA_SECRET or use --secret-file"));
    }
  if (secret == NULL)
    return NULL;
  *out_secret = secret;

  ca_file = options->ca_file != NULL ? options->ca_file : kassa_ctl_getenv ("KASSA_BANK_CA_FILE");
  if (ca_file != NULL && !bank_check_ca_file (ca_file, error))
    return NULL;

  profile = bank_load_profile (options->profile, options->readings, error);
  if (profile == NULL)
    return NULL;

  /* Everything kassa_bank_client_new() refuses is configuration (URL,
   * terminal, secret, CA file): nothing has been sent. */
  client = kassa_bank_client_new (url, terminal, secret, ca_file, profile, error);
  if (client == NULL)
    return NULL;
  kassa_bank_client_set_timeout (client, (guint) options->timeout);

  return g_steal_pointer (&client);
}

static const char *
bank_usage_summary (void)
{
  /* Translators: keep the command words and the argument names untranslated. */
  return _("Commands:\n"
           "  qr AMOUNT INVOICE            create a QR invoice (\"desc\" is the QR payload)\n"
           "  deeplink AMOUNT INVOICE      create an invoice as a SocialPay deeplink\n"
           "  phone AMOUNT INVOICE PHONE   send an invoice to the customer's SocialPay app\n"
           "  check AMOUNT INVOICE         ask the bank whether an invoice is paid\n"
           "  cancel AMOUNT INVOICE        cancel an unpaid invoice\n"
           "  refund AMOUNT INVOICE        refund a paid invoice (the full amount)\n"
           "  settle SETTLEMENT_ID         close the batch (settlement)\n"
           "\n"
           "AMOUNT is whole tögrög: 1500, \"1 500\" and 1,500₮ are the same amount.\n"
           "INVOICE and SETTLEMENT_ID: 1–32 characters from A–Z, a–z, 0–9, _ and -.\n"
           "PHONE: 8 digits, no country code.");
}

static char *
bank_help_description (void)
{
  return g_strconcat (
    kassa_ctl_bank_options_help (),
    "\n\n",
    _("Output: on success, one JSON object on one line on stdout: the bank's parsed reply,\n"
      "plus \"command\", and for invoice commands \"invoice\" and \"amount\" (an integer,\n"
      "tögrög), \"phone\" for phone, \"settlement_id\" for settle. Errors go to stderr as\n"
      "“kassa-ctl: message [errorType]”, and stdout stays empty.\n"
      "\n"
      "check exits 0 whenever the bank answered with a transaction; \"paid\" is true or\n"
      "false. Under the default unpaid-check reading (unpaid-check-style=error-envelope)\n"
      "the bank answers an unpaid invoice with a refusal: exit code 4, with the bank's\n"
      "words on stderr. refund prints \"refunded\": true and the bank's transaction fields.\n"
      "\n"
      "Ctrl+C cancels the request in flight (exit code 3); the bank may or may not\n"
      "have carried it out: run check.\n"
      "\n"),
    kassa_ctl_exit_codes_help (),
    NULL);
}

static const BankCommand *
bank_command_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (bank_commands); i++)
    {
      if (g_str_equal (name, bank_commands[i].name))
        return &bank_commands[i];
    }

  return NULL;
}

static gboolean
bank_command_has_amount (const BankCommand *command)
{
  return command->kind != BANK_COMMAND_SETTLE;
}

/* Reads the command words left over by option parsing into @request. */
static gboolean
bank_request_parse_words (BankRequest  *request,
                          char        **words,
                          GError      **error)
{
  guint n_words = words != NULL ? g_strv_length (words) : 0;
  const BankCommand *command;

  /* words[0] is the program name */
  if (n_words < 2)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("No command given"));
      return FALSE;
    }

  command = bank_command_lookup (words[1]);
  if (command == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Unknown command “%s”"), words[1]);
      return FALSE;
    }

  if (n_words - 2 != command->n_args)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "“%s” takes %u argument, not %u",
                                "“%s” takes %u arguments, not %u",
                                command->n_args),
                   command->name, command->n_args, n_words - 2);
      return FALSE;
    }

  request->command = command;

  if (command->kind == BANK_COMMAND_SETTLE)
    {
      request->settlement_id = words[2];
      return kassa_settlement_id_validate (request->settlement_id, error);
    }

  if (!kassa_amount_parse (words[2], &request->amount, error))
    return FALSE;

  request->invoice = words[3];
  if (!kassa_invoice_validate (request->invoice, error))
    return FALSE;

  if (command->kind == BANK_COMMAND_PHONE)
    {
      request->phone = words[4];
      if (!kassa_phone_validate (request->phone, error))
        return FALSE;
    }

  return TRUE;
}

static void
bank_request_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  KassaBankClient *client = KASSA_BANK_CLIENT (source);
  BankRequest *request = user_data;

  switch (request->command->kind)
    {
    case BANK_COMMAND_QR:
    case BANK_COMMAND_DEEPLINK:
    case BANK_COMMAND_PHONE:
    case BANK_COMMAND_CANCEL:
      {
        g_autoptr(KassaBankInvoiceReply) reply = NULL;

        if (request->command->kind == BANK_COMMAND_QR)
          reply = kassa_bank_client_qr_finish (client, result, &request->error);
        else if (request->command->kind == BANK_COMMAND_DEEPLINK)
          reply = kassa_bank_client_deeplink_finish (client, result, &request->error);
        else if (request->command->kind == BANK_COMMAND_PHONE)
          reply = kassa_bank_client_phone_finish (client, result, &request->error);
        else
          reply = kassa_bank_client_cancel_finish (client, result, &request->error);

        if (reply != NULL)
          request->reply_json = kassa_bank_invoice_reply_to_json (reply);
      }
      break;

    case BANK_COMMAND_CHECK:
    case BANK_COMMAND_REFUND:
      {
        g_autoptr(KassaBankTransaction) transaction = NULL;

        if (request->command->kind == BANK_COMMAND_CHECK)
          transaction = kassa_bank_client_check_finish (client, result, &request->error);
        else
          transaction = kassa_bank_client_refund_finish (client, result, &request->error);

        if (transaction != NULL)
          request->reply_json = kassa_bank_transaction_to_json (transaction);
      }
      break;

    case BANK_COMMAND_SETTLE:
      {
        g_autoptr(KassaBankSettlementReply) reply = NULL;

        reply = kassa_bank_client_settlement_finish (client, result, &request->error);
        if (reply != NULL)
          request->reply_json = kassa_bank_settlement_reply_to_json (reply);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  /* A finish that returns NULL without an error would be a bug of the client's;
   * say so rather than print nothing and exit 0. */
  if (request->reply_json == NULL && request->error == NULL)
    g_set_error_literal (&request->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("The bank client returned no reply and no error"));

  request->done = TRUE;
}

static void
bank_request_send (BankRequest     *request,
                   KassaBankClient *client,
                   GCancellable    *cancellable)
{
  switch (request->command->kind)
    {
    case BANK_COMMAND_QR:
      kassa_bank_client_qr_async (client, request->amount, request->invoice, cancellable,
                                  bank_request_done_cb, request);
      break;
    case BANK_COMMAND_DEEPLINK:
      kassa_bank_client_deeplink_async (client, request->amount, request->invoice, cancellable,
                                        bank_request_done_cb, request);
      break;
    case BANK_COMMAND_PHONE:
      kassa_bank_client_phone_async (client, request->amount, request->invoice, request->phone,
                                     cancellable, bank_request_done_cb, request);
      break;
    case BANK_COMMAND_CHECK:
      kassa_bank_client_check_async (client, request->amount, request->invoice, cancellable,
                                     bank_request_done_cb, request);
      break;
    case BANK_COMMAND_CANCEL:
      kassa_bank_client_cancel_async (client, request->amount, request->invoice, cancellable,
                                      bank_request_done_cb, request);
      break;
    case BANK_COMMAND_REFUND:
      kassa_bank_client_refund_async (client, request->amount, request->invoice, cancellable,
                                      bank_request_done_cb, request);
      break;
    case BANK_COMMAND_SETTLE:
      kassa_bank_client_settlement_async (client, request->settlement_id, cancellable,
                                          bank_request_done_cb, request);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The reply's JSON with what was asked in front: "command", then "invoice",
 * "amount" (and "phone"), or "settlement_id". The request's values win over
 * echoes in the reply: the client has already refused a reply that contradicts
 * them, and a transaction's amount is 0 when the bank sent none. */
static JsonObject *
bank_request_build_output (BankRequest  *request,
                           GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonObject) output = json_object_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *reply;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, request->reply_json, -1, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The reply's JSON is not an object"));
      return NULL;
    }
  reply = json_node_get_object (root);

  json_object_set_string_member (output, "command", request->command->name);
  if (bank_command_has_amount (request->command))
    {
      json_object_set_string_member (output, "invoice", request->invoice);
      json_object_set_int_member (output, "amount", request->amount);
    }
  if (request->phone != NULL)
    json_object_set_string_member (output, "phone", request->phone);
  if (request->settlement_id != NULL)
    json_object_set_string_member (output, "settlement_id", request->settlement_id);
  /* A refund reply carries the transaction fields, and "paid" would read as the
   * opposite of what happened: say what the command did instead. Refusals are
   * errors, so an answer here is an approved refund. */
  if (request->command->kind == BANK_COMMAND_REFUND)
    {
      json_object_set_boolean_member (output, "refunded", TRUE);
    }

  members = json_object_get_members (reply);
  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (request->command->kind == BANK_COMMAND_REFUND && g_str_equal (name, "paid"))
        continue;
      if (!json_object_has_member (output, name))
        json_object_set_member (output, name,
                                json_node_copy (json_object_get_member (reply, name)));
    }

  return g_steal_pointer (&output);
}

static int
usage_error (const GError *error)
{
  kassa_ctl_printerr ("%s", error->message);
  kassa_ctl_printerr (_("Try “kassa-ctl bank --help”."));

  return KASSA_CTL_EXIT_USAGE;
}

int
kassa_ctl_bank_main (int    argc,
                     char **argv)
{
  g_auto(KassaCtlBankOptions) bank_options = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *description = NULL;
  g_auto(GStrv) words = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaCtlSecret) secret = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(JsonObject) output = NULL;
  g_auto(BankRequest) request = { 0 };

  g_set_prgname ("kassa-ctl bank");

  context = g_option_context_new (_("COMMAND ARGUMENTS…"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  kassa_ctl_bank_options_init (&bank_options);
  kassa_ctl_bank_options_add (&bank_options, context);
  g_option_context_set_summary (context, bank_usage_summary ());
  description = bank_help_description ();
  g_option_context_set_description (context, description);

  words = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    words[i] = g_strdup (argv[i]);

  if (!g_option_context_parse_strv (context, &words, &error))
    {
      g_autofree char *message =
        kassa_ctl_option_error_message (error, (const char * const *) argv);

      kassa_ctl_printerr ("%s", message);
      kassa_ctl_printerr (_("Try “kassa-ctl bank --help”."));
      return KASSA_CTL_EXIT_USAGE;
    }

  if (!bank_request_parse_words (&request, words, &error))
    {
      if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED))
        return usage_error (error);

      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_USAGE;
    }

  client = kassa_ctl_bank_options_new_client (&bank_options, &secret, &error);
  if (client == NULL)
    {
      kassa_ctl_print_error (error, secret);
      return KASSA_CTL_EXIT_USAGE;
    }

  cancellable = g_cancellable_new ();
  bank_request_send (&request, client, cancellable);
  kassa_ctl_run_until (&request.done, cancellable);

  if (request.error != NULL)
    {
      if (g_error_matches (request.error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_cancellable_is_cancelled (cancellable))
        {
          kassa_ctl_printerr (_("cancelled"));
          return KASSA_CTL_EXIT_NETWORK;
        }

      kassa_ctl_print_error (request.error, secret);
      return kassa_ctl_exit_code_for_error (request.error);
    }

  output = bank_request_build_output (&request, &error);
  if (output == NULL)
    {
      kassa_ctl_printerr (_("Could not read the reply's JSON: %s"), error->message);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  if (!kassa_ctl_print_json (output, &error))
    {
      kassa_ctl_print_error (error, secret);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  return KASSA_CTL_EXIT_OK;
}
