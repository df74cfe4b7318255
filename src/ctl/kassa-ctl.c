/* kassa-ctl.c — the headless tool: command groups and what they share
 *
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

typedef struct
{
  const char *name;
  int       (*main_func) (int    argc,
                          char **argv);
  const char *summary; /* N_() */
} KassaCtlGroup;

/* A new command group (`till`) is one line here plus its main function. */
static const KassaCtlGroup groups[] = {
  { "bank", kassa_ctl_bank_main,
    N_("Talk to the bank directly: invoices, checks, cancels, refunds, settlement") },
};

const char *
kassa_ctl_exit_codes_help (void)
{
  /* Translators: keep the numbers and the layout; scripts and people read this table. */
  return _("Exit codes:\n"
           "  0  success\n"
           "  1  internal error\n"
           "  2  usage error, or invalid input or configuration; nothing was sent\n"
           "  3  network: the bank could not be reached, TLS verification failed,\n"
           "     the request timed out, or it was cancelled (Ctrl+C)\n"
           "  4  the bank refused the request; its errorDesc and errorType are on stderr\n"
           "  5  the bank reported a system error\n"
           "  6  the bank's reply was malformed or contradicts the request\n");
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

  if (fputs (text, stdout) == EOF || fputc ('\n', stdout) == EOF || fflush (stdout) == EOF)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write to standard output: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

void
kassa_ctl_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

char *
kassa_ctl_read_secret_file (const char  *path,
                            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  gsize line_length;
  char *secret;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  line_length = strcspn (contents, "\n");
  /* strcspn stops at a NUL too: a NUL inside the first line would silently
   * shorten the secret. */
  if (line_length < length && contents[line_length] == '\0')
    {
      explicit_bzero (contents, length);
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET,
                   _("The secret file “%s” contains a NUL byte"), path);
      return NULL;
    }
  if (line_length > 0 && contents[line_length - 1] == '\r')
    line_length--;

  if (line_length == 0)
    {
      explicit_bzero (contents, length);
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET,
                   _("The first line of the secret file “%s” is empty"), path);
      return NULL;
    }

  secret = g_strndup (contents, line_length);
  explicit_bzero (contents, length);

  return secret;
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
  fprintf (stream, "%s\n  kassa-ctl %s\n\n%s\n\n%s\n",
           _("Usage:"), _("GROUP COMMAND [OPTION…] ARGUMENTS…"),
           _("Kassa's headless tool, for support staff, integrators and tests."),
           _("Command groups:"));
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    fprintf (stream, "  %-8s %s\n", groups[i].name, _(groups[i].summary));
  fprintf (stream, "\n%s\n\n%s", _("Run “kassa-ctl GROUP --help” for its commands and options."),
           kassa_ctl_exit_codes_help ());
}

int
main (int   argc,
      char *argv[])
{
  const char *group;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return KASSA_CTL_EXIT_USAGE;
    }

  group = argv[1];

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

  kassa_ctl_printerr (_("Unknown command group “%s”. Try “kassa-ctl --help”."), group);

  return KASSA_CTL_EXIT_USAGE;
}
