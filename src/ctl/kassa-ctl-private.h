/* kassa-ctl-private.h — what the command groups of kassa-ctl share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa-ctl.c parses the first word (the command group) and hands the rest of
 * the command line to the group's main function. A group prints exactly one
 * JSON object on stdout when it succeeds, and "kassa-ctl: message" on stderr
 * when it does not, and returns one of the exit codes below.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kassa-bank-client.h"
#include "kassa-exit-code.h"
#include "kassa-journal.h"

#include <gmodule.h>

G_BEGIN_DECLS

/* The exit codes, one per error class. They are part of the interface
 * (scripts branch on them): never renumber, only add. Those `kassa --charge`
 * also uses are KassaExitCode (src/core/kassa-exit-code.h). */
typedef enum
{
  KASSA_CTL_EXIT_OK          = KASSA_EXIT_OK,          /* success */
  KASSA_CTL_EXIT_INTERNAL    = KASSA_EXIT_INTERNAL,    /* a bug or an unexpected failure */
  KASSA_CTL_EXIT_USAGE       = KASSA_EXIT_USAGE,       /* usage, input or configuration error: nothing was sent */
  KASSA_CTL_EXIT_NETWORK     = KASSA_EXIT_NETWORK,     /* bank unreachable, TLS failure, timeout, cancelled */
  KASSA_CTL_EXIT_REJECTED    = KASSA_EXIT_REJECTED,    /* the bank refused the request (header.code 400) */
  KASSA_CTL_EXIT_BANK_SYSTEM = KASSA_EXIT_BANK_SYSTEM, /* the bank's own failure (header.code 500) */
  KASSA_CTL_EXIT_MALFORMED   = KASSA_EXIT_MALFORMED,   /* the reply was malformed or contradicts the request */
  /* Till commands (kassa-ctl-till.c) */
  KASSA_CTL_EXIT_NOT_PAID    = KASSA_EXIT_NOT_PAID,    /* the customer did not pay: DECLINED, CANCELLED, EXPIRED */
  KASSA_CTL_EXIT_UNKNOWN     = KASSA_EXIT_UNKNOWN,     /* outcome unknown: interrupted while it was being resolved */
  KASSA_CTL_EXIT_NOT_AUTHORISED = 9, /* the manager PIN is wrong, missing or not set */
  KASSA_CTL_EXIT_JOURNAL     = KASSA_EXIT_JOURNAL,     /* the journal is locked, corrupt, too new or unwritable */
  KASSA_CTL_EXIT_MISMATCH    = 11, /* settle: the bank's totals differ from the journal's */
  KASSA_CTL_EXIT_AUDIT_BROKEN = 13, /* audit verify: the audit log's hash chain is broken */
} KassaCtlExit;

/* Command groups: argv[0] is the group's name ("bank"), the rest follows it.
 * kassa_ctl_bank_main() is the bank module's; kassa_ctl_bank_group_main()
 * opens the module and calls it (kassa-ctl-module.c). */
int          kassa_ctl_bank_main                (int            argc,
                                                 char         **argv);
int          kassa_ctl_bank_group_main          (int            argc,
                                                 char         **argv);
/* The till commands (sale, pending, recover, cancel, refund, settle, history,
 * manager-pin, customer, audit): argv[0] is the command. */
int          kassa_ctl_till_main                (int            argc,
                                                 char         **argv);

/* journal check|stats (kassa-ctl-journal.c): argv[0] is "journal". */
int          kassa_ctl_journal_main             (int            argc,
                                                 char         **argv);

/* The bank options every command that talks to the bank accepts (--url,
 * --terminal, --secret-file, --ca-file, --timeout, --reading, --profile) and
 * the environment they override. */
typedef struct
{
  char  *url;
  char  *terminal;
  char  *secret_file;
  char  *ca_file;
  char  *profile;
  char **readings;
  int    timeout;
} KassaCtlBankOptions;

void         kassa_ctl_bank_options_init        (KassaCtlBankOptions  *options);
void         kassa_ctl_bank_options_clear       (KassaCtlBankOptions  *options);
/* Adds the options to @context's main group; @options must outlive parsing. */
void         kassa_ctl_bank_options_add         (KassaCtlBankOptions  *options,
                                                 GOptionContext       *context);
/* The configuration help (variables, the secret rule), translated. */
const char  *kassa_ctl_bank_options_help        (void);
/* Builds the client from the options and the environment. Every failure is a
 * configuration error (exit code 2): nothing has been sent. *@out_secret
 * receives the secret as soon as it is read, even on failure, so the caller
 * can keep it out of messages (free it with kassa_ctl_secret_free). */
KassaBankClient *kassa_ctl_bank_options_new_client (KassaCtlBankOptions  *options,
                                                    char                **out_secret,
                                                    GError              **error);

/* The exit-code table, translated, for the description of each group's --help. */
const char  *kassa_ctl_exit_codes_help          (void);

/* An environment variable, or NULL when it is unset or empty. */
const char  *kassa_ctl_getenv                   (const char    *name);

/* The exit code for an error that came back from a request to the bank. */
KassaCtlExit kassa_ctl_exit_code_for_error      (const GError  *error);

/* Prints "kassa-ctl: <message>" on stderr, with the bank's errorDesc (when the
 * message does not hold it already) and " [errorType]". Every occurrence of
 * @secret (may be NULL) is replaced, so a secret echoed anywhere never leaves
 * the process. */
void         kassa_ctl_print_error              (const GError  *error,
                                                 const char    *secret);
/* Prints "kassa-ctl: <message>" on stderr. */
void         kassa_ctl_printerr                 (const char    *format,
                                                 ...) G_GNUC_PRINTF (1, 2);

/* The message for an error of g_option_context_parse_strv() on @args (the
 * arguments as they were before parsing): it names the option, never its
 * value. */
char        *kassa_ctl_option_error_message     (const GError        *error,
                                                 const char * const  *args);

/* Prints @object as one line of JSON plus a newline on stdout and flushes. */
gboolean     kassa_ctl_print_json               (JsonObject    *object,
                                                 GError       **error);
/* Prints @text as it is on stdout and flushes. */
gboolean     kassa_ctl_print_text               (const char    *text,
                                                 GError       **error);

/* Overwrites and frees a string that held a secret. NULL is allowed. */
void         kassa_ctl_secret_free              (char          *secret);

/* Iterates the thread-default main context until *@done is TRUE. Meanwhile
 * SIGINT and SIGTERM cancel @cancellable, so the request in flight finishes
 * with G_IO_ERROR_CANCELLED instead of the process dying mid-request. */
void         kassa_ctl_run_until                (gboolean      *done,
                                                 GCancellable  *cancellable);

/* The documents (kassa-ctl-report.c): settle/report --report --csv --shop,
 * receipt --pdf --paper --shop. */
typedef struct
{
  char *report_path;
  char *csv_path;
  char *pdf_path;
  char *paper;
  char *shop_name;
} KassaCtlReportOptions;

void         kassa_ctl_report_options_clear     (KassaCtlReportOptions  *options);
/* Adds the report options (@receipt FALSE) or the receipt options. */
void         kassa_ctl_report_options_add       (KassaCtlReportOptions  *options,
                                                 gboolean                receipt,
                                                 GOptionContext         *context);
/* Checks the options before anything is done (a usage error); @required:
 * the report command needs --report or --csv, settle does not. */
gboolean     kassa_ctl_report_options_check     (KassaCtlReportOptions  *options,
                                                 gboolean                receipt,
                                                 gboolean                required,
                                                 GError                **error);
/* Writes the PDF and/or CSV the options ask for. */
gboolean     kassa_ctl_report_write             (KassaCtlReportOptions  *options,
                                                 KassaJournal           *journal,
                                                 KassaSettlement        *settlement,
                                                 GError                **error);
/* Writes the receipt PDF and prints {"invoice", "state", "paper", "pdf"}. */
gboolean     kassa_ctl_receipt_write            (KassaCtlReportOptions  *options,
                                                 KassaInvoice           *invoice,
                                                 GError                **error);

/* The modules (kassa-ctl-module.c): opens @name from the directory
 * @env_name names, else @build_dir when this is the build tree's kassa-ctl,
 * else libdir/kassa relative to the executable. NULL on failure, then
 * g_module_error() says why; *@out_display_path: the file it tried. */
GModule     *kassa_ctl_module_open              (const char    *env_name,
                                                 const char    *build_dir,
                                                 const char    *name,
                                                 GModuleFlags   flags,
                                                 char         **out_display_path);

/* A module kassa-ctl opens for some commands: where it is, the function
 * returning its table, the table's version, and what to say when it is not
 * there or not this kassa-ctl's (N_() strings; the first formats the file
 * tried and g_module_error(), the second the file). */
typedef struct
{
  const char *env_name;
  const char *build_dir;
  const char *name;
  GModuleFlags flags;
  const char *symbol;
  guint       abi;
  GQuark      error_domain;
  int         error_code;
  const char *cannot_load;
  const char *not_this_one;
} KassaCtlModuleSpec;

/* Opens @spec's module and returns its table, a struct whose first member is
 * the guint version, when that is @spec->abi; else NULL with @error set and
 * the module closed. */
gconstpointer kassa_ctl_module_open_table       (const KassaCtlModuleSpec  *spec,
                                                 GError                   **error);

typedef char KassaCtlSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaCtlSecret, kassa_ctl_secret_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KassaCtlBankOptions, kassa_ctl_bank_options_clear)

G_END_DECLS
