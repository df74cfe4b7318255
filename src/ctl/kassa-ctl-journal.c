/* kassa-ctl-journal.c — kassa-ctl journal check|stats
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal's health on demand (docs/journal.md "Checking"): `check`
 * runs SQLite's integrity check (exit 10 when it finds damage), `stats`
 * prints the counts and the size on disk. Human text by default, --json for
 * scripts. Neither talks to the bank.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "kassa-ctl-private.h"
#include "kassa-journal-maintenance.h"

/* How many of SQLite's problem lines are printed at most. */
#define MAX_PROBLEMS 100

typedef struct
{
  char     *journal_path;
  gboolean  training;
  gboolean  json;
  gboolean  quick;
} JournalOptions;

static int
usage_error (const char *message)
{
  kassa_ctl_printerr ("%s", message);
  kassa_ctl_printerr (_("Try “kassa-ctl journal --help”."));
  return KASSA_CTL_EXIT_USAGE;
}

static char *
journal_path (JournalOptions *o)
{
  if (o->journal_path != NULL)
    return g_strdup (o->journal_path);
  /* As the till commands: KASSA_JOURNAL names the real journal only. */
  if (o->training)
    return g_build_filename (g_get_user_data_dir (), "kassa", "training.sqlite", NULL);
  return kassa_journal_default_path (KASSA_JOURNAL_MODE_REAL);
}

static int
write_failed (GError *error)
{
  kassa_ctl_print_error (error, NULL);
  return KASSA_CTL_EXIT_INTERNAL;
}

/* A damaged journal, as --json prints it: the problems SQLite found. */
static int
report_damage (JournalOptions *o,
               const char     *path,
               GPtrArray      *problems)
{
  g_autoptr(GError) error = NULL;

  if (o->json)
    {
      g_autoptr(JsonObject) output = json_object_new ();
      JsonArray *array = json_array_new ();

      json_object_set_boolean_member (output, "ok", FALSE);
      json_object_set_string_member (output, "path", path);
      for (guint i = 0; i < problems->len; i++)
        json_array_add_string_element (array, g_ptr_array_index (problems, i));
      json_object_set_array_member (output, "problems", array);
      if (!kassa_ctl_print_json (output, &error))
        return write_failed (g_steal_pointer (&error));
    }
  else
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < problems->len; i++)
        g_string_append_printf (text, "  %s\n", (const char *) g_ptr_array_index (problems, i));
      if (!kassa_ctl_print_text (text->str, &error))
        return write_failed (g_steal_pointer (&error));
    }

  kassa_ctl_printerr (g_dngettext (GETTEXT_PACKAGE,
                                   "The journal %s is damaged: SQLite found %u problem. "
                                   "Keep a copy of the file and restore the latest backup "
                                   "(docs/reliability.md).",
                                   "The journal %s is damaged: SQLite found %u problems. "
                                   "Keep a copy of the file and restore the latest backup "
                                   "(docs/reliability.md).", problems->len),
                      path, problems->len);
  return KASSA_CTL_EXIT_JOURNAL;
}

static int
command_check (JournalOptions *o,
               KassaJournal   *journal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  const char *path = kassa_journal_get_path (journal);

  problems = kassa_journal_check_integrity (journal, !o->quick, MAX_PROBLEMS, &error);
  if (problems == NULL)
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_JOURNAL;
    }
  if (problems->len > 0)
    return report_damage (o, path, problems);

  if (o->json)
    {
      g_autoptr(JsonObject) output = json_object_new ();

      json_object_set_boolean_member (output, "ok", TRUE);
      json_object_set_string_member (output, "path", path);
      json_object_set_string_member (output, "check", o->quick ? "quick_check" : "integrity_check");
      if (!kassa_ctl_print_json (output, &error))
        return write_failed (g_steal_pointer (&error));
    }
  else
    {
      g_autofree char *text =
        g_strdup_printf (o->quick ? _("The journal %s is sound (quick check: no problem found).\n")
                                  : _("The journal %s is sound (integrity check: no problem "
                                      "found).\n"), path);

      if (!kassa_ctl_print_text (text, &error))
        return write_failed (g_steal_pointer (&error));
    }

  return KASSA_CTL_EXIT_OK;
}

static char *
format_time (gint64 us)
{
  g_autoptr(GDateTime) time = us > 0 ? g_date_time_new_from_unix_local (us / G_USEC_PER_SEC)
                                     : NULL;

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("—");
}

static char *
format_iso (gint64 us)
{
  g_autoptr(GDateTime) time = us > 0 ? g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC)
                                     : NULL;

  return time != NULL ? g_date_time_format_iso8601 (time) : NULL;
}

static int
command_stats (JournalOptions *o,
               KassaJournal   *journal)
{
  g_autoptr(GError) error = NULL;
  KassaJournalStats s;
  gint64 bytes, per_sale;

  if (!kassa_journal_get_stats (journal, &s, &error))
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_JOURNAL;
    }
  bytes = s.file_bytes + s.wal_bytes;
  per_sale = s.invoices > 0 ? bytes / s.invoices : 0;

  if (o->json)
    {
      g_autoptr(JsonObject) output = json_object_new ();
      JsonObject *states = json_object_new ();
      g_autofree char *oldest = format_iso (s.oldest_us);
      g_autofree char *newest = format_iso (s.newest_us);

      json_object_set_string_member (output, "path", kassa_journal_get_path (journal));
      json_object_set_int_member (output, "invoices", s.invoices);
      for (guint i = 0; i < G_N_ELEMENTS (s.per_state); i++)
        if (s.per_state[i] > 0)
          json_object_set_int_member (states, kassa_invoice_state_to_string (i),
                                      s.per_state[i]);
      json_object_set_object_member (output, "states", states);
      json_object_set_int_member (output, "settlements", s.settlements);
      json_object_set_int_member (output, "exchange_rows", s.exchange_rows);
      json_object_set_int_member (output, "exchanges", s.exchanges);
      json_object_set_int_member (output, "transitions", s.transitions);
      json_object_set_int_member (output, "audit_rows", s.audit_rows);
      json_object_set_int_member (output, "file_bytes", s.file_bytes);
      json_object_set_int_member (output, "wal_bytes", s.wal_bytes);
      json_object_set_int_member (output, "page_size", s.page_size);
      json_object_set_int_member (output, "page_count", s.page_count);
      json_object_set_int_member (output, "freelist_count", s.freelist_count);
      json_object_set_int_member (output, "bytes_per_sale", per_sale);
      if (oldest != NULL)
        json_object_set_string_member (output, "oldest", oldest);
      else
        json_object_set_null_member (output, "oldest");
      if (newest != NULL)
        json_object_set_string_member (output, "newest", newest);
      else
        json_object_set_null_member (output, "newest");
      json_object_set_boolean_member (output, "trimming", s.trim_pending_below > 0);
      if (!kassa_ctl_print_json (output, &error))
        return write_failed (g_steal_pointer (&error));
    }
  else
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autofree char *oldest = format_time (s.oldest_us);
      g_autofree char *newest = format_time (s.newest_us);
      g_autofree char *size = g_format_size (bytes);
      g_autofree char *file = g_format_size (s.file_bytes);
      g_autofree char *wal = g_format_size (s.wal_bytes);

      g_string_append_printf (text, _("Journal: %s\n"), kassa_journal_get_path (journal));
      g_string_append_printf (text, _("Invoices: %" PRId64 "\n"), s.invoices);
      for (guint i = 0; i < G_N_ELEMENTS (s.per_state); i++)
        if (s.per_state[i] > 0)
          g_string_append_printf (text, "  %-16s %" PRId64 "\n",
                                  kassa_invoice_state_to_string (i), s.per_state[i]);
      g_string_append_printf (text, _("Oldest invoice: %s; newest: %s\n"), oldest, newest);
      g_string_append_printf (text, _("Settlement batches: %" PRId64 "\n"),
                              s.settlements);
      g_string_append_printf (text, _("Bank exchanges: %" PRId64 " (in %"
                                      PRId64 " rows)\n"), s.exchanges, s.exchange_rows);
      g_string_append_printf (text, _("State changes: %" PRId64 "; audit log rows: %"
                                      PRId64 "\n"), s.transitions, s.audit_rows);
      g_string_append_printf (text, _("Size on disk: %s (file %s, write-ahead log %s); %"
                                      PRId64 " bytes per sale\n"),
                              size, file, wal, per_sale);
      g_string_append_printf (text, _("Pages: %" PRId64 " of %" PRId64
                                      " bytes, %" PRId64 " free\n"),
                              s.page_count, s.page_size, s.freelist_count);
      if (s.trim_pending_below > 0)
        g_string_append (text, _("Older bank exchanges are still being trimmed (while Kassa "
                                 "runs).\n"));
      if (!kassa_ctl_print_text (text->str, &error))
        return write_failed (g_steal_pointer (&error));
    }

  return KASSA_CTL_EXIT_OK;
}

int
kassa_ctl_journal_main (int    argc,
                        char **argv)
{
  JournalOptions o = { 0 };
  const GOptionEntry entries[] = {
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &o.journal_path,
      N_("The journal (overrides KASSA_JOURNAL)"), N_("PATH") },
    { "training", 0, 0, G_OPTION_ARG_NONE, &o.training,
      N_("Use the built-in training bank and the training journal"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, N_("One JSON object"), NULL },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &o.quick,
      N_("check: the faster PRAGMA quick_check instead of the full integrity_check"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *path = NULL;
  g_autofree char *description = NULL;
  const char *what;
  int status;

  g_set_prgname ("kassa-ctl journal");
  context = g_option_context_new (_("check|stats"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("The journal's health, without the bank. “check” runs SQLite's\n"
                                  "integrity check (exit 10 when it finds damage); Kassa itself\n"
                                  "checks the journal at start only after an unclean shutdown.\n"
                                  "“stats” prints the invoices per state, the bank exchanges, the\n"
                                  "size on disk and the bytes per sale. --json: one JSON object."));
  description = g_strconcat (kassa_ctl_exit_codes_help (), NULL);
  g_option_context_set_description (context, description);

  words = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    words[i] = g_strdup (argv[i]);

  if (!g_option_context_parse_strv (context, &words, &error))
    {
      g_autofree char *message =
        kassa_ctl_option_error_message (error, (const char * const *) argv);

      status = usage_error (message);
      goto out;
    }

  if (g_strv_length (words) != 2 ||
      (!g_str_equal (words[1], "check") && !g_str_equal (words[1], "stats")))
    {
      status = usage_error (_("journal takes check or stats"));
      goto out;
    }
  what = words[1];
  if (o.quick && !g_str_equal (what, "check"))
    {
      status = usage_error (_("--quick is only for “journal check”"));
      goto out;
    }

  path = journal_path (&o);
  journal = kassa_journal_open (path, &error);
  if (journal == NULL)
    {
      if (g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT) &&
          g_str_equal (what, "check"))
        {
          g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

          g_ptr_array_add (problems, g_strdup (error->message));
          status = report_damage (&o, path, problems);
        }
      else
        {
          if (g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED))
            kassa_ctl_printerr (_("The journal “%s” is in use by another Kassa or kassa-ctl "
                                  "(close it first)"), path);
          else
            kassa_ctl_print_error (error, NULL);
          status = KASSA_CTL_EXIT_JOURNAL;
        }
      goto out;
    }

  status = g_str_equal (what, "check") ? command_check (&o, journal)
                                       : command_stats (&o, journal);
  kassa_journal_close (journal);

out:
  g_free (o.journal_path);
  return status;
}
