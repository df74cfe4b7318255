/* kassa-ctl.c — the headless tool: command groups and what they share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-ctl-private.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "kassa-core.h"
#include "kassa-secret-store.h"
#include "kassa-utf8-output.h"

typedef struct
{
  const char *name;
  int       (*main_func) (int    argc,
                          char **argv);
  const char *summary; /* N_() */
} KassaCtlGroup;

/* A new command group is one line here plus its main function. */
static const KassaCtlGroup groups[] = {
  { "bank", kassa_ctl_bank_group_main,
    N_("Talk to the bank directly: invoices, checks, cancels, refunds, settlement") },
  { "sale", kassa_ctl_till_main, N_("Sell: create an invoice and follow it (--wait)") },
  { "pending", kassa_ctl_till_main, N_("List the unfinished invoices of the journal") },
  { "recover", kassa_ctl_till_main, N_("Resolve every unfinished invoice with the bank") },
  { "cancel", kassa_ctl_till_main, N_("Cancel an unpaid invoice") },
  { "refund", kassa_ctl_till_main, N_("Refund a paid invoice (needs the manager PIN)") },
  { "settle", kassa_ctl_till_main,
    N_("Close the batch and reconcile it with the bank (needs the manager PIN)") },
  { "history", kassa_ctl_till_main, N_("List the journal's invoices (JSON or CSV)") },
  { "manager-pin", kassa_ctl_till_main,
    N_("Set or change the manager PIN that authorises refunds and settlement") },
  { "customer", kassa_ctl_till_main, N_("Training only: the customer pays or declines") },
  { "report", kassa_ctl_till_main, N_("Write an earlier batch's settlement report (PDF, CSV)") },
  { "receipt", kassa_ctl_till_main,
    N_("Write a paid or refunded invoice's receipt as PDF, or print it (--printer)") },
  { "printer", kassa_ctl_till_main,
    N_("The receipt printer: list, status, test page, cash drawer (needs the manager PIN)") },
  { "audit", kassa_ctl_till_main, N_("Verify or list the audit log of manager actions") },
  { "journal", kassa_ctl_journal_main,
    N_("Check the journal's integrity, or print its size and counts") },
};

const char *
kassa_ctl_exit_codes_help (void)
{
  /* Translators: keep the numbers and the layout; scripts and people read this table. */
  return _("Exit codes:\n"
           "  0  success\n"
           "  1  internal error; or the receipt printer did not print\n"
           "  2  usage error, or invalid input or configuration; nothing was sent\n"
           "  3  network: the bank could not be reached, TLS verification failed,\n"
           "     the request timed out, or it was cancelled (Ctrl+C)\n"
           "  4  the bank refused the request; its errorDesc and errorType are on stderr\n"
           "  5  the bank reported a system error\n"
           "  6  the bank's reply was malformed or contradicts the request\n"
           "Till commands also:\n"
           "  7  the customer did not pay (DECLINED, CANCELLED, EXPIRED)\n"
           "  8  outcome unknown: interrupted while the invoice was being resolved;\n"
           "     or earlier unfinished payments could not be resolved: nothing was done\n"
           "  9  not authorised: the manager PIN is wrong, missing or not set\n"
           " 10  the journal is locked by another Kassa, corrupt, too new or unwritable\n"
           " 11  settle: the bank's totals differ from the journal's\n"
           " 13  audit verify: the audit log was changed (a row edited or removed)\n");
}

const char *
kassa_ctl_getenv (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || value[0] == '\0')
    return NULL;

  return value;
}

KassaCtlExit
kassa_ctl_exit_code_for_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, KASSA_CTL_EXIT_INTERNAL);

  if (error->domain == KASSA_BANK_ERROR)
    {
      switch ((KassaBankError) error->code)
        {
        case KASSA_BANK_ERROR_TRANSPORT:
        case KASSA_BANK_ERROR_TIMEOUT:
        case KASSA_BANK_ERROR_TLS:
          return KASSA_CTL_EXIT_NETWORK;
        case KASSA_BANK_ERROR_REJECTED:
          return KASSA_CTL_EXIT_REJECTED;
        case KASSA_BANK_ERROR_BANK_SYSTEM:
          return KASSA_CTL_EXIT_BANK_SYSTEM;
        case KASSA_BANK_ERROR_MALFORMED_REPLY:
        case KASSA_BANK_ERROR_CHECKSUM_MISMATCH:
          return KASSA_CTL_EXIT_MALFORMED;
        default:
          return KASSA_CTL_EXIT_INTERNAL;
        }
    }

  if (error->domain == KASSA_INPUT_ERROR ||
      error->domain == KASSA_SECRET_STORE_ERROR ||
      error->domain == G_OPTION_ERROR ||
      error->domain == G_KEY_FILE_ERROR ||
      error->domain == G_FILE_ERROR)
    return KASSA_CTL_EXIT_USAGE;

  /* The client wraps failures below HTTP in KASSA_BANK_ERROR; should one
   * slip through, it still is the network's, not a bug of the caller's. */
  if (error->domain == G_IO_ERROR ||
      error->domain == G_TLS_ERROR ||
      error->domain == G_RESOLVER_ERROR)
    return KASSA_CTL_EXIT_NETWORK;

  return KASSA_CTL_EXIT_INTERNAL;
}

static void
print_redacted (GString    *message,
                const char *secret)
{
  if (secret != NULL && secret[0] != '\0')
    g_string_replace (message, secret, "[secret]", 0);

  g_printerr ("kassa-ctl: %s\n", message->str);
}

void
kassa_ctl_print_error (const GError *error,
                       const char   *secret)
{
  g_autoptr(GString) message = g_string_new (error->message);
  const char *error_desc = NULL;
  const char *error_type = NULL;

  if (error->domain == KASSA_BANK_ERROR)
    {
      error_desc = kassa_bank_error_get_error_desc (error);
      error_type = kassa_bank_error_get_error_type (error);
    }

  if (error_desc != NULL && error_desc[0] != '\0' && strstr (error->message, error_desc) == NULL)
    g_string_append_printf (message, ": %s", error_desc);
  if (error_type != NULL && error_type[0] != '\0')
    g_string_append_printf (message, " [%s]", error_type);

  print_redacted (message, secret);
}

void
kassa_ctl_printerr (const char *format,
                    ...)
{
  g_autoptr(GString) message = g_string_new (NULL);
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (message, format, args);
  va_end (args);

  print_redacted (message, NULL);
}

gboolean
kassa_ctl_print_json (JsonObject  *object,
                      GError     **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *line = g_strconcat (text, "\n", NULL);

  return kassa_ctl_print_text (line, error);
}

gboolean
kassa_ctl_print_text (const char  *text,
                      GError     **error)
{
  if (fputs (text, stdout) == EOF || fflush (stdout) == EOF)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write to standard output: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* The option an argument names: "--secret" of "--secret=VALUE", "-s" of
 * "-sVALUE". Its value is never part of it. */
static char *
option_name (const char *arg)
{
  if (g_str_has_prefix (arg, "--"))
    return g_strndup (arg, strcspn (arg, "="));

  return g_strndup (arg, 2);
}

char *
kassa_ctl_option_error_message (const GError       *error,
                                const char * const *args)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  /* GOption's own messages quote the whole argument ("Unknown option
   * --secret=VALUE", "Cannot parse integer value “VALUE” for --timeout"), and
   * any option may carry a secret typed in the wrong place. The message names
   * the option, found among the arguments, and nothing else. */
  for (guint i = 0; args != NULL && args[i] != NULL && name == NULL; i++)
    {
      const char *arg = args[i];
      g_autofree char *candidate = NULL;

      if (g_str_equal (arg, "--"))
        break;
      if (arg[0] != '-' || arg[1] == '\0')
        continue;

      candidate = option_name (arg);
      if (error->domain == G_OPTION_ERROR && error->code == G_OPTION_ERROR_UNKNOWN_OPTION)
        {
          if (strstr (error->message, arg) != NULL)
            name = g_steal_pointer (&candidate);
        }
      else if (strstr (error->message, candidate) != NULL)
        name = g_steal_pointer (&candidate);
    }

  if (error->domain == G_OPTION_ERROR && error->code == G_OPTION_ERROR_UNKNOWN_OPTION)
    {
      if (name != NULL)
        /* Translators: %s is an option's name, such as --timeout */
        return g_strdup_printf (_("Unknown option “%s”"), name);
      return g_strdup (_("Unknown option"));
    }

  if (error->domain == G_OPTION_ERROR && error->code == G_OPTION_ERROR_BAD_VALUE)
    {
      if (name != NULL)
        /* Translators: %s is an option's name, such as --timeout */
        return g_strdup_printf (_("The value of %s is not valid"), name);
      return g_strdup (_("The value of an option is not valid"));
    }

  if (name != NULL)
    /* Translators: %s is an option's name, such as --timeout; e.g. its value is missing */
    return g_strdup_printf (_("The option %s cannot be used like this (is its value missing?)"),
                            name);

  return g_strdup (_("The options cannot be read"));
}

void
kassa_ctl_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

void
kassa_ctl_bank_options_init (KassaCtlBankOptions *options)
{
  memset (options, 0, sizeof *options);
  options->timeout = KASSA_BANK_DEFAULT_TIMEOUT;
}

void
kassa_ctl_bank_options_clear (KassaCtlBankOptions *options)
{
  g_clear_pointer (&options->url, g_free);
  g_clear_pointer (&options->terminal, g_free);
  g_clear_pointer (&options->secret_file, g_free);
  g_clear_pointer (&options->ca_file, g_free);
  g_clear_pointer (&options->profile, g_free);
  g_clear_pointer (&options->readings, g_strfreev);
}

void
kassa_ctl_bank_options_add (KassaCtlBankOptions *options,
                            GOptionContext      *context)
{
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &options->url,
      N_("The bank's URL (overrides KASSA_BANK_URL)"), N_("URL") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &options->terminal,
      N_("The terminal id, 8 digits (overrides KASSA_TERMINAL)"), N_("TERMINAL") },
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME, &options->secret_file,
      N_("Read the secret from FILE: one line, mode 0600 (overrides KASSA_SECRET)"), N_("FILE") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &options->ca_file,
      N_("Trust the CA certificates in FILE, PEM (overrides KASSA_BANK_CA_FILE)"), N_("FILE") },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &options->timeout,
      N_("Give up after SECONDS (default 30)"), N_("SECONDS") },
    { "reading", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->readings,
      N_("Set a protocol reading, e.g. unpaid-check-style=resp-code (repeatable)"),
      N_("KEY=VALUE") },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &options->profile,
      N_("Read protocol readings from FILE (KEY=VALUE lines)"), N_("FILE") },
    { NULL }
  };

  G_STATIC_ASSERT (KASSA_BANK_DEFAULT_TIMEOUT == 30); /* the --timeout help says so */

  /* The entries are copied; the pointers in them point into @options. */
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

const char *
kassa_ctl_bank_options_help (void)
{
  static char *help;

  /* Formatted once: a macro inside _() would hide the string from xgettext. */
  if (help != NULL)
    return help;
  help = g_strdup_printf (
    /* Translators: %s is the bank's production URL */
    _("Configuration (options override the environment; empty variables count as unset):\n"
      "  KASSA_BANK_URL       the bank's URL (default %s)\n"
      "  KASSA_TERMINAL       the terminal id, 8 digits\n"
      "  KASSA_SECRET         the terminal's secret\n"
      "  KASSA_BANK_CA_FILE   PEM file of CA certificates to trust instead of the system's\n"
      "\n"
      "The secret is never accepted as a command-line argument: any user of this\n"
      "computer can read the arguments of a running program in /proc. Use KASSA_SECRET\n"
      "or --secret-file. kassa-ctl never prints the secret."),
    KASSA_BANK_PRODUCTION_URL);

  return help;
}

static gboolean
on_signal_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);

  return G_SOURCE_CONTINUE;
}

void
kassa_ctl_run_until (gboolean     *done,
                     GCancellable *cancellable)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  guint sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, cancellable);
  guint sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, cancellable);

  while (!*done)
    g_main_context_iteration (context, TRUE);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_main_context_unref (context);
}

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n  kassa-ctl %s\n  kassa-ctl %s\n\n%s\n\n%s\n",
           _("Usage:"), _("bank COMMAND [OPTION…] ARGUMENTS…"),
           _("[--training] COMMAND [OPTION…] ARGUMENTS…"),
           _("Kassa's headless tool, for support staff, integrators and tests."),
           _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    fprintf (stream, "  %-12s %s\n", groups[i].name, _(groups[i].summary));
  fprintf (stream, "\n%s\n%s\n\n%s",
           _("Run “kassa-ctl COMMAND --help” for its arguments and options."),
           _("--training: sell against the built-in training bank, with the training journal."),
           kassa_ctl_exit_codes_help ());
}

int
main (int   argc,
      char *argv[])
{
  const char *group;
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");

  /* The language is the environment's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG),
   * as for any command-line tool; KASSA_LOCALEDIR: the build tree's po/. */
  setlocale (LC_ALL, "");
  kassa_utf8_output_install ();
  bindtextdomain (GETTEXT_PACKAGE,
                  localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return KASSA_CTL_EXIT_USAGE;
    }

  group = argv[1];

  /* `kassa-ctl --training sale …` is `kassa-ctl sale --training …`. */
  if (g_str_equal (group, "--training") && argc >= 3)
    {
      char *command = argv[2];

      argv[2] = argv[1];
      argv[1] = command;
      group = command;
    }

  if (g_str_equal (group, "--help") || g_str_equal (group, "-h") || g_str_equal (group, "help"))
    {
      print_usage (stdout);
      return KASSA_CTL_EXIT_OK;
    }

  if (g_str_equal (group, "--version"))
    {
      g_print ("kassa-ctl %s\n", PACKAGE_VERSION);
      return KASSA_CTL_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      if (g_str_equal (group, groups[i].name))
        return groups[i].main_func (argc - 1, argv + 1);
    }

  if (group[0] == '-')
    {
      const char * const args[] = { group, NULL };
      g_autoptr(GError) error = g_error_new (G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                                             "%s", group);
      g_autofree char *message = kassa_ctl_option_error_message (error, args);

      /* An option before the command: its value may be a secret, never echoed. */
      kassa_ctl_printerr ("%s", message);
      kassa_ctl_printerr (_("Try “kassa-ctl --help”."));
      return KASSA_CTL_EXIT_USAGE;
    }

  kassa_ctl_printerr (_("Unknown command group “%s”. Try “kassa-ctl --help”."), group);

  return KASSA_CTL_EXIT_USAGE;
}
