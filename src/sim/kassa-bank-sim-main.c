/* kassa-bank-sim-main.c — the kassa-bank-sim executable
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without a command word it is the simulated bank: it prints its URL as the
 * first line on stdout and serves until SIGTERM/SIGINT. With a command word
 * (pay, decline, invoices, autopay, fault, clear-faults, push-url) it is a
 * small client of a running simulator's control interface.
 */

#include "config.h"

#include "kassa-bank-sim.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-bank-fields.h"
#include "kassa-enum.h"
#include "kassa-secret-store.h"

#define EXIT_USAGE 2

/* ------------------------------------------------------------------ */
/* Server                                                              */

static gboolean
on_quit_signal_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* Hides the secret from /proc/PID/cmdline (and ps): overwrite the bytes of
 * the original argument strings in place. @args is a copy of the original
 * argv pointer array, taken before GOption rearranged argv. */
static void
scrub_secret_arguments (int    argc,
                        char **args)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (args[i], "--") == 0)
        break;
      if (strcmp (args[i], "--secret") == 0 && i + 1 < argc)
        {
          memset (args[i + 1], '*', strlen (args[i + 1]));
          i++;
        }
      else if (g_str_has_prefix (args[i], "--secret="))
        {
          char *value = args[i] + strlen ("--secret=");

          memset (value, '*', strlen (value));
        }
    }
}

static void
wipe_string (char *text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
}

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_autofree char *prgname = g_strdup (g_get_prgname ());

  g_printerr ("%s: %s\n", prgname != NULL ? prgname : "kassa-bank-sim", message);
  g_printerr (_("Try “%s --help” for more information.\n"),
              prgname != NULL ? prgname : "kassa-bank-sim");

  return EXIT_USAGE;
}

static gboolean
is_http_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_host (uri) != NULL &&
         (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "https") == 0);
}

static int
run_server (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankProfile) profile = NULL;
  g_autoptr(KassaBankSim) sim = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char **original_args = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *opt_terminal = NULL;
  g_autofree char *opt_secret = NULL;
  g_autofree char *opt_secret_file = NULL;
  g_autofree char *opt_tls_cert = NULL;
  g_autofree char *opt_tls_key = NULL;
  g_autofree char *opt_push_url = NULL;
  g_autofree char *opt_merchant_name = NULL;
  g_auto(GStrv) opt_readings = NULL;
  int opt_port = 0;
  int opt_autopay = 0;
  int opt_error_http_status = 200;
  gboolean opt_lenient = FALSE;
  g_autofree char *opt_cancel_reply = NULL;
  KassaSimCancelReply cancel_reply = KASSA_SIM_CANCEL_REPLY_BOTH;
  int original_argc = argc;
  guint term_id, int_id;
  const GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &opt_port,
      N_("Port on 127.0.0.1 (0 = any free port)"), N_("PORT") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &opt_terminal,
      N_("The terminal id the bank knows (8 digits)"), N_("TERMINAL") },
    { "secret", 0, 0, G_OPTION_ARG_STRING, &opt_secret,
      N_("The terminal's secret (hidden from the process list once read; prefer --secret-file)"),
      N_("SECRET") },
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_secret_file,
      N_("Read the secret from FILE: one line, mode 0600"), N_("FILE") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert,
      N_("Serve https with this PEM certificate"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key,
      N_("The PEM private key of --tls-cert"), N_("FILE") },
    { "push-url", 0, 0, G_OPTION_ARG_STRING, &opt_push_url,
      N_("POST a push notification to URL when an invoice is paid"), N_("URL") },
    { "autopay", 0, 0, G_OPTION_ARG_INT, &opt_autopay,
      N_("Pay new invoices automatically after SECONDS (0 = never)"), N_("SECONDS") },
    { "merchant-name", 0, 0, G_OPTION_ARG_STRING, &opt_merchant_name,
      N_("Merchant name in the QR payload (at most 25 characters)"), N_("NAME") },
    { "error-http-status", 0, 0, G_OPTION_ARG_INT, &opt_error_http_status,
      N_("HTTP status of error envelopes (default 200)"), N_("STATUS") },
    { "lenient-amounts", 0, 0, G_OPTION_ARG_NONE, &opt_lenient,
      N_("Also accept checksums over the normalised amount (\"1000.00\" as \"1000\")"), NULL },
    { "cancel-reply", 0, 0, G_OPTION_ARG_STRING, &opt_cancel_reply,
      N_("Success fields of a cancel reply: both (default), status or resp-code"),
      N_("FIELDS") },
    { "reading", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_readings,
      N_("A protocol reading, e.g. refund-checksum-order=amount-invoice-terminal (repeatable)"),
      N_("KEY=VALUE") },
    { NULL }
  };

  /* GOption rearranges argv; keep the original pointers to scrub the secret. */
  original_args = g_memdup2 (argv, sizeof (char *) * (argc + 1));

  context = g_option_context_new (_("— a simulated Golomt Instore bank on loopback"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("Client commands, talking to a running simulator (--url URL or KASSA_BANK_URL):\n"
      "  pay INVOICE, decline INVOICE, invoices, autopay SECONDS,\n"
      "  fault ENDPOINT KIND [--delay-ms N] [--count N], clear-faults, push-url URL|none\n"
      "See docs/simulator.md."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      scrub_secret_arguments (original_argc, original_args);
      return usage_error (context, error->message);
    }
  scrub_secret_arguments (original_argc, original_args);

  if (argc > 1)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);

      return usage_error (context, message);
    }
  if (opt_terminal == NULL || !kassa_terminal_validate (opt_terminal, &error))
    return usage_error (context, error != NULL ? error->message
                                               : _("--terminal is required"));
  if ((opt_secret == NULL) == (opt_secret_file == NULL))
    return usage_error (context, _("Give exactly one of --secret and --secret-file"));
  if (opt_port < 0 || opt_port > G_MAXUINT16)
    return usage_error (context, _("--port must be 0…65535"));
  if (opt_autopay < 0 || opt_autopay > 86400)
    return usage_error (context, _("--autopay must be 0…86400 seconds"));
  if (opt_error_http_status < 200 || opt_error_http_status > 599)
    return usage_error (context, _("--error-http-status must be 200…599"));
  if (opt_cancel_reply != NULL &&
      !kassa_enum_from_nick (KASSA_TYPE_SIM_CANCEL_REPLY, opt_cancel_reply,
                             (int *) &cancel_reply))
    return usage_error (context, _("--cancel-reply must be both, status or resp-code"));
  if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
    return usage_error (context, _("--tls-cert and --tls-key go together"));
  if (opt_push_url != NULL && !is_http_url (opt_push_url))
    return usage_error (context, _("--push-url must be an http:// or https:// URL"));

  profile = kassa_bank_profile_new ();
  for (guint i = 0; opt_readings != NULL && opt_readings[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (opt_readings[i], "=", 2);

      if (pair[0] == NULL || pair[1] == NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("--reading “%s” is not KEY=VALUE"), opt_readings[i]);

          return usage_error (context, message);
        }
      if (!kassa_bank_profile_set_reading (profile, g_strstrip (pair[0]),
                                           g_strstrip (pair[1]), &error))
        return usage_error (context, error->message);
    }

  if (opt_secret_file != NULL)
    {
      /* The same rule as kassa-ctl --secret-file and the till's file store. */
      secret = kassa_secret_file_read (opt_secret_file, &error);
      if (secret == NULL)
        return usage_error (context, error->message);
    }
  else
    {
      secret = g_steal_pointer (&opt_secret);
    }

  sim = kassa_bank_sim_new (profile);
  if (!kassa_bank_sim_add_terminal (sim, opt_terminal, secret, &error))
    {
      wipe_string (secret);
      return usage_error (context, error->message);
    }
  wipe_string (secret);

  if (opt_merchant_name != NULL &&
      !kassa_bank_sim_set_merchant_name (sim, opt_merchant_name, &error))
    return usage_error (context, error->message);

  kassa_bank_sim_set_error_http_status (sim, (guint) opt_error_http_status);
  kassa_bank_sim_set_lenient_amounts (sim, opt_lenient);
  kassa_bank_sim_set_cancel_reply (sim, cancel_reply);
  kassa_bank_sim_set_autopay (sim, (guint) opt_autopay);
  kassa_bank_sim_set_push_url (sim, opt_push_url);

  if (!kassa_bank_sim_listen (sim, (guint) opt_port, opt_tls_cert, opt_tls_key, &error))
    {
      g_printerr ("kassa-bank-sim: %s\n", error->message);
      return 1;
    }

  /* The first stdout line is the URL; scripts and tests wait for it. */
  g_print ("%s\n", kassa_bank_sim_get_url (sim));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  term_id = g_unix_signal_add (SIGTERM, on_quit_signal_cb, loop);
  int_id = g_unix_signal_add (SIGINT, on_quit_signal_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (term_id);
  g_source_remove (int_id);

  kassa_bank_sim_shutdown (sim);

  return 0;
}

/* ------------------------------------------------------------------ */
/* Client commands                                                     */

typedef struct
{
  const char *name;
  const char *path;
  guint       n_args;
  const char *usage;
} ClientCommand;

static const ClientCommand client_commands[] = {
  { "pay", "/sim/pay", 1, "pay INVOICE [--terminal T]" },
  { "decline", "/sim/decline", 1, "decline INVOICE [--terminal T]" },
  { "invoices", "/sim/invoices", 0, "invoices" },
  { "autopay", "/sim/autopay", 1, "autopay SECONDS" },
  { "fault", "/sim/fault", 2, "fault ENDPOINT KIND [--delay-ms N] [--count N]" },
  { "clear-faults", "/sim/clear-faults", 0, "clear-faults" },
  { "push-url", "/sim/push-url", 1, "push-url URL|none" },
};

static const ClientCommand *
find_client_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (client_commands); i++)
    {
      if (g_strcmp0 (name, client_commands[i].name) == 0)
        return &client_commands[i];
    }

  return NULL;
}

static gboolean
parse_uint_arg (const char *text,
                guint64     max,
                gint64     *out_value)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &value, NULL))
    return FALSE;

  *out_value = (gint64) value;
  return TRUE;
}

static int
run_client (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *opt_url = NULL;
  g_autofree char *opt_terminal = NULL;
  g_autofree char *opt_ca_file = NULL;
  g_autofree char *target = NULL;
  g_autofree char *body = NULL;
  const ClientCommand *command = find_client_command (argv[1]);
  const char *url;
  const char *reply_data;
  gsize reply_len = 0;
  int opt_delay_ms = 0;
  int opt_count = 0;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &opt_url,
      N_("The simulator (default: $KASSA_BANK_URL)"), N_("URL") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &opt_terminal,
      N_("Terminal of the invoice (default: the simulator's first)"), N_("TERMINAL") },
    { "delay-ms", 0, 0, G_OPTION_ARG_INT, &opt_delay_ms,
      N_("Delay of a delay fault"), N_("MS") },
    { "count", 0, 0, G_OPTION_ARG_INT, &opt_count,
      N_("Requests a fault affects (0 = until cleared)"), N_("N") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
      N_("PEM CA certificates for an https simulator"), N_("FILE") },
    { NULL }
  };

  g_assert (command != NULL);

  context = g_option_context_new (command->usage);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Talks to a running kassa-bank-sim's control interface."));

  /* argv[1] is the command word. */
  argv[1] = argv[0];
  argc--;
  argv++;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);

  if ((guint) argc - 1 != command->n_args)
    {
      g_autofree char *message = g_strdup_printf (_("Usage: kassa-bank-sim %s"),
                                                  command->usage);

      return usage_error (context, message);
    }

  url = opt_url;
  if (url == NULL || *url == '\0')
    url = g_getenv ("KASSA_BANK_URL");
  if (url == NULL || *url == '\0' || !is_http_url (url))
    return usage_error (context, _("Give the simulator's URL with --url or KASSA_BANK_URL"));
  if (opt_delay_ms < 0 || opt_count < 0)
    return usage_error (context, _("--delay-ms and --count must not be negative"));

  json_builder_begin_object (builder);
  if (g_str_equal (command->name, "pay") || g_str_equal (command->name, "decline"))
    {
      json_builder_set_member_name (builder, "invoice");
      json_builder_add_string_value (builder, argv[1]);
      if (opt_terminal != NULL)
        {
          json_builder_set_member_name (builder, "terminal");
          json_builder_add_string_value (builder, opt_terminal);
        }
    }
  else if (g_str_equal (command->name, "autopay"))
    {
      gint64 seconds;

      if (!parse_uint_arg (argv[1], 86400, &seconds))
        return usage_error (context, _("SECONDS must be 0…86400"));
      json_builder_set_member_name (builder, "seconds");
      json_builder_add_int_value (builder, seconds);
    }
  else if (g_str_equal (command->name, "fault"))
    {
      json_builder_set_member_name (builder, "endpoint");
      json_builder_add_string_value (builder, argv[1]);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, argv[2]);
      json_builder_set_member_name (builder, "delay_ms");
      json_builder_add_int_value (builder, opt_delay_ms);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, opt_count);
    }
  else if (g_str_equal (command->name, "push-url"))
    {
      json_builder_set_member_name (builder, "url");
      if (g_str_equal (argv[1], "none"))
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, argv[1]);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, NULL);

  target = g_strconcat (url, g_str_has_suffix (url, "/") ? command->path + 1 : command->path,
                        NULL);
  msg = soup_message_new (SOUP_METHOD_POST, target);
  if (msg == NULL)
    return usage_error (context, _("Give the simulator's URL with --url or KASSA_BANK_URL"));

  request = g_bytes_new (body, strlen (body));
  soup_message_set_request_body_from_bytes (msg, "application/json", request);

  /* The simulator is on loopback: never through a proxy. */
  session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
  if (opt_ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (opt_ca_file, &error);

      if (database == NULL)
        return usage_error (context, error->message);
      soup_session_set_tls_database (session, database);
    }

  reply = soup_session_send_and_read (session, msg, NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("kassa-bank-sim: %s: %s\n", url, error->message);
      return 1;
    }

  reply_data = g_bytes_get_data (reply, &reply_len);
  fwrite (reply_data, 1, reply_len, stdout);
  fputc ('\n', stdout);
  fflush (stdout);

  ok = soup_message_get_status (msg) == SOUP_STATUS_OK;
  if (ok && json_parser_load_from_data (parser, reply_data, reply_len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));

      ok = json_object_get_boolean_member_with_default (object, "ok", FALSE);
    }

  return ok ? 0 : 1;
}

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* KASSA_LOCALEDIR: the build tree's po/ (docs/translation.md). */
  bindtextdomain (GETTEXT_PACKAGE,
                  localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("kassa-bank-sim");

  if (argc > 1 && find_client_command (argv[1]) != NULL)
    return run_client (argc, argv);

  return run_server (argc, argv);
}
