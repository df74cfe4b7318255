/* kassa-bench.c — the C half of `make bench`: request bodies, payment detection, QR, journal
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench/run-bench.py runs this program's subcommands and turns what they
 * print into the benchmark table (docs/benchmarks.md):
 *
 *   body      the create requests curl sends, built as KassaBankClient builds them
 *   detect    simulator marks paid → KassaTill says PAID, polling and push;
 *             check requests per minute of one pending invoice
 *   qr        KassaQrMatrix encode + render at 1080 px, as the customer display draws
 *   journal   durable state changes; history, settlement and open over three years of
 *             500 sales a day; a v4 journal's upgrade and trimming
 *   escpos    an 80 mm ESC/POS receipt from "paid" to its last byte written; the heap a
 *             200-invoice end-of-day slip needs while it streams, against a 20-invoice one
 *
 * Measurements are printed on stdout as JSON lines, {"name", "unit", "samples"}
 * or {"name", "unit", "value"}; progress goes to stderr. Nothing here
 * asserts a timing: a failure (exit 1) means the product did something
 * wrong (a request failed, an invoice never got paid).
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "kassa-core.h"
#include "kassa-escpos.h"
#include "kassa-history-model.h"
#include "kassa-journal-maintenance.h"
#include "kassa-journal-query.h"
#include "kassa-print-queue.h"
#include "kassa-qr.h"
#include "kassa-report.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cairo_surface_t, cairo_surface_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cairo_t, cairo_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* ── output ───────────────────────────────────────────────────────────── */

static void
emit_samples (const char   *name,
              const gint64 *samples_us,
              guint         n)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  json_builder_set_member_name (builder, "samples");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    json_builder_add_int_value (builder, samples_us[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
emit_value (const char *name,
            const char *unit,
            double      value)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  /* Locale-independent: the driver parses it as JSON. */
  g_ascii_formatd (number, sizeof number, "%.3f", value);
  g_print ("{\"name\":\"%s\",\"unit\":\"%s\",\"value\":%s}\n", name, unit, number);
}

static gboolean
fail (GError **error,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError     **error,
      const char  *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_IO_ERROR, G_IO_ERROR_FAILED, format, args));
  va_end (args);
  return FALSE;
}

static char *
read_secret (const char  *path,
             GError     **error)
{
  g_autofree char *contents = NULL;
  char *newline;

  if (path == NULL)
    {
      fail (error, "--secret-file is required");
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  newline = strchr (contents, '\n');
  if (newline != NULL)
    *newline = '\0';
  if (*contents == '\0')
    {
      fail (error, "%s holds no secret", path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

/* ── waiting in the main loop ─────────────────────────────────────────── */

typedef struct
{
  GAsyncResult *result;
} Waiter;

static void
got_result_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
}

static gboolean
flag_timeout_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms milliseconds. */
static void
run_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the main context until *@flag or @limit_s seconds; returns *@flag. */
static gboolean
run_until (const gboolean *flag,
           guint           limit_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (limit_s, flag_timeout_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *flag;
}

static GAsyncResult *
wait_result (Waiter *waiter)
{
  while (waiter->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return waiter->result;
}

/* ── body: the create request curl sends ──────────────────────────────── */

/* The same members, order and generator as KassaBankClient's QR create
 * (invoice_request_async in kassa-bank-client.c), default profile. */
static char *
create_body (const char *secret,
             const char *terminal,
             const char *invoice,
             gint64      amount)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *wire = g_strdup_printf ("%" G_GINT64_FORMAT, amount);
  g_autofree char *checksum = kassa_checksum_concat (secret, terminal, invoice, wire, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "amount");
  json_builder_add_string_value (builder, wire);
  json_builder_set_member_name (builder, "checksum");
  json_builder_add_string_value (builder, checksum);
  json_builder_set_member_name (builder, "invoice");
  json_builder_add_string_value (builder, invoice);
  json_builder_set_member_name (builder, "terminal");
  json_builder_add_string_value (builder, terminal);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static int
command_body (const char  *secret_file,
              const char  *terminal,
              const char  *prefix,
              gint64       amount,
              int          count,
              GError     **error)
{
  g_autofree char *secret = read_secret (secret_file, error);

  if (secret == NULL)
    return 1;
  if (terminal == NULL || prefix == NULL || count < 1 ||
      !kassa_amount_validate (amount, error))
    {
      if (error != NULL && *error == NULL)
        fail (error, "body needs --terminal, --prefix, --amount and --runs ≥ 1");
      return 2;
    }

  for (int i = 0; i < count; i++)
    {
      /* As long as a journal's number (K261127-3fa2c1-0001), so the bodies weigh the same. */
      g_autofree char *invoice = g_strdup_printf ("%s-%04d", prefix, i + 1);
      g_autofree char *body = NULL;

      if (!kassa_invoice_validate (invoice, error))
        return 2;
      body = create_body (secret, terminal, invoice, amount);
      g_print ("%s\t%s\n", invoice, body);
    }

  return 0;
}

/* ── detect: simulator marks paid → till says PAID ────────────────────── */

typedef struct
{
  const char *sim_url;
  const char *terminal;
  char       *secret;
  char       *dir;
  SoupSession *session;     /* the control interface's: not the till's */
  KassaJournal *journal;
  KassaBankClient *client;
  KassaTill   *till;
  GRand       *rand;
} Detect;

typedef struct
{
  gboolean paid;
  gint64   paid_at;
} PaidWatch;

static void
on_invoice_state_cb (KassaInvoice *invoice,
                     GParamSpec   *pspec,
                     PaidWatch    *watch)
{
  if (!watch->paid && kassa_invoice_get_state (invoice) == KASSA_INVOICE_PAID)
    {
      watch->paid_at = g_get_monotonic_time ();
      watch->paid = TRUE;
    }
}

typedef struct
{
  gboolean done;
  guint    status;
  GError  *error;
} ControlCall;

static void
control_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ControlCall *call = user_data;
  g_autoptr(GBytes) body = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &call->error);
  if (body != NULL)
    call->status = soup_message_get_status (soup_session_get_async_result_message (
                                              SOUP_SESSION (object), result));
  call->done = TRUE;
}

/* Starts POST @path @json on the simulator's control interface, in the main
 * context (the till's own work goes on meanwhile). */
static void
control_start (Detect      *d,
               const char  *path,
               const char  *json,
               ControlCall *call)
{
  g_autofree char *url = g_strconcat (d->sim_url, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  soup_message_set_request_body_from_bytes (message, "application/json", body);
  soup_session_send_and_read_async (d->session, message, G_PRIORITY_DEFAULT, NULL,
                                    control_done_cb, call);
}

static gboolean
control (Detect      *d,
         const char  *path,
         const char  *json,
         GError     **error)
{
  ControlCall call = { FALSE, 0, NULL };

  control_start (d, path, json, &call);
  if (!run_until (&call.done, 10))
    return fail (error, "the simulator did not answer %s", path);
  if (call.error != NULL)
    {
      g_propagate_error (error, call.error);
      return FALSE;
    }
  if (call.status != 200)
    return fail (error, "the simulator answered %s with HTTP %u", path, call.status);
  return TRUE;
}

static KassaInvoice *
sell (Detect  *d,
      gint64   amount,
      GError **error)
{
  Waiter waiter = { NULL };
  g_autoptr(GAsyncResult) result = NULL;

  kassa_till_sale_async (d->till, amount, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                         got_result_cb, &waiter);
  result = wait_result (&waiter);
  return kassa_till_sale_finish (d->till, result, error);
}

/* One sale: created, a random part of the poll interval later the customer
 * pays (POST /sim/pay); returns the µs from that POST to the till's PAID. */
static gboolean
detect_once (Detect  *d,
             guint    fast_ms,
             gint64  *out_us,
             GError **error)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *json = NULL;
  ControlCall call = { FALSE, 0, NULL };
  PaidWatch watch = { FALSE, 0 };
  gint64 start;
  gulong handler;

  invoice = sell (d, 1500, error);
  if (invoice == NULL)
    return FALSE;
  handler = g_signal_connect (invoice, "notify::state", G_CALLBACK (on_invoice_state_cb),
                              &watch);

  /* Payments arrive at any phase of the poll schedule. */
  run_for_ms ((guint) g_rand_int_range (d->rand, 0, (gint32) fast_ms));

  json = g_strdup_printf ("{\"invoice\": \"%s\"}", kassa_invoice_get_number (invoice));
  start = g_get_monotonic_time ();
  control_start (d, "/sim/pay", json, &call);
  run_until (&watch.paid, 30);
  run_until (&call.done, 10);
  g_signal_handler_disconnect (invoice, handler);

  if (call.error != NULL)
    {
      g_propagate_error (error, call.error);
      return FALSE;
    }
  if (call.status != 200)
    return fail (error, "/sim/pay answered HTTP %u", call.status);
  if (!watch.paid)
    return fail (error, "invoice %s was not PAID within 30 s (it is %s)",
                 kassa_invoice_get_number (invoice),
                 kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));

  *out_us = watch.paid_at - start;
  return TRUE;
}

static gboolean
detect_series (Detect     *d,
               const char *name,
               int         runs,
               GError    **error)
{
  g_autofree gint64 *samples = g_new0 (gint64, runs);
  guint fast_ms;

  kassa_till_get_poll_schedule (d->till, &fast_ms, NULL, NULL);
  for (int i = 0; i < runs; i++)
    {
      if (!detect_once (d, fast_ms, &samples[i], error))
        return FALSE;
      g_printerr ("\r  %s: %d/%d", name, i + 1, runs);
    }
  g_printerr ("\n");
  emit_samples (name, samples, (guint) runs);
  return TRUE;
}

/* How many check requests the till sent for @invoice: the journal records
 * every exchange, answered or not (routine ones counted on one row). */
static gboolean
count_checks (Detect       *d,
              KassaInvoice *invoice,
              guint        *out_count,
              GError      **error)
{
  g_autofree char *text = kassa_journal_get_exchanges_json (d->journal, invoice, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *array;
  guint count = 0;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, error))
    return FALSE;
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *exchange = json_array_get_object_element (array, i);

      /* A routine row counts the "not paid yet" checks it stands for. */
      if (g_strcmp0 (json_object_get_string_member (exchange, "endpoint"), "check") == 0)
        count += (guint) json_object_get_int_member_with_default (exchange, "count", 1);
    }
  *out_count = count;
  return TRUE;
}

/* One unpaid invoice for @window_s seconds: its check requests per minute. */
static gboolean
requests_per_minute (Detect     *d,
                     const char *name,
                     guint       window_s,
                     GError    **error)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Waiter waiter = { NULL };
  guint count = 0;
  gint64 start;

  invoice = sell (d, 2500, error);
  if (invoice == NULL)
    return FALSE;
  start = g_get_monotonic_time ();
  g_printerr ("  %s: one unpaid invoice for %u s\n", name, window_s);
  run_for_ms (window_s * 1000);
  if (!count_checks (d, invoice, &count, error))
    return FALSE;
  emit_value (name, "per-minute",
              count * 60.0 / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC));

  /* Done with it: the till cancels it at the bank. */
  kassa_till_cancel_async (d->till, invoice, NULL, got_result_cb, &waiter);
  result = wait_result (&waiter);
  return kassa_till_cancel_finish (d->till, result, error);
}

static void
detect_clear (Detect *d)
{
  g_clear_object (&d->till);
  g_clear_object (&d->client);
  if (d->journal != NULL)
    kassa_journal_close (d->journal);
  g_clear_object (&d->journal);
  g_clear_object (&d->session);
  g_clear_pointer (&d->rand, g_rand_free);
  if (d->dir != NULL)
    {
      static const char * const names[] = {
        "journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm",
      };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *path = g_build_filename (d->dir, names[i], NULL);

          g_unlink (path);
        }
      g_rmdir (d->dir);
    }
  g_clear_pointer (&d->dir, g_free);
  g_clear_pointer (&d->secret, g_free);
}

static int
command_detect (const char  *sim_url,
                const char  *terminal,
                const char  *secret_file,
                const char  *dir_arg,
                int          runs,
                int          window_s,
                GError     **error)
{
  Detect d = { 0 };
  g_autoptr(KassaPushListener) listener = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *push_json = NULL;
  g_autofree char *summary = NULL;
  Waiter waiter = { NULL };
  guint fast_ms, fast_period_s, slow_ms;
  int status = 1;

  if (sim_url == NULL || terminal == NULL || runs < 1 || window_s < 1)
    {
      fail (error, "detect needs --url, --terminal, --secret-file, --runs ≥ 1, --window ≥ 1");
      return 2;
    }

  d.sim_url = sim_url;
  d.terminal = terminal;
  d.secret = read_secret (secret_file, error);
  if (d.secret == NULL)
    return 2;
  if (dir_arg != NULL)
    {
      /* In the build tree: a journal on a real disk, where /tmp may be a tmpfs. */
      d.dir = g_build_filename (dir_arg, "detect-XXXXXX", NULL);
      if (g_mkdtemp (d.dir) == NULL)
        {
          fail (error, "cannot make a folder in %s", dir_arg);
          g_clear_pointer (&d.dir, g_free);
          goto out;
        }
    }
  else
    {
      d.dir = g_dir_make_tmp ("kassa-bench-XXXXXX", error);
      if (d.dir == NULL)
        goto out;
    }
  journal_path = g_build_filename (d.dir, "journal.sqlite", NULL);
  /* The customer's side: no proxy lookup in the time measured. */
  d.session = soup_session_new_with_options ("timeout", 10, "proxy-resolver", NULL, NULL);
  d.rand = g_rand_new_with_seed (20240501);

  d.journal = kassa_journal_open (journal_path, error);
  if (d.journal == NULL)
    goto out;
  d.client = kassa_bank_client_new (sim_url, terminal, d.secret, NULL, NULL, error);
  if (d.client == NULL)
    goto out;
  kassa_bank_client_set_timeout (d.client, 10);
  d.till = kassa_till_new (d.journal, d.client);
  kassa_till_recover_async (d.till, NULL, got_result_cb, &waiter);
  result = wait_result (&waiter);
  if (!kassa_till_recover_finish (d.till, result, &summary, error))
    goto out;

  /* The default schedule, as a till runs it: polling only. */
  kassa_till_get_poll_schedule (d.till, &fast_ms, &fast_period_s, &slow_ms);
  emit_value ("poll-fast-ms", "ms", fast_ms);
  emit_value ("poll-fast-period-s", "s", fast_period_s);
  emit_value ("poll-slow-ms", "ms", slow_ms);
  emit_value ("expiry-s", "s", kassa_till_get_expiry (d.till));
  if (!control (&d, "/sim/push-url", "{\"url\": null}", error) ||
      !detect_series (&d, "detect-poll", runs, error))
    goto out;

  /* Push: the simulator POSTs to the till's listener when it marks paid. */
  listener = kassa_push_listener_new (terminal, d.secret, NULL);
  if (!kassa_push_listener_listen (listener, "127.0.0.1", 0, "/kassa/push", NULL, NULL, error))
    goto out;
  kassa_till_set_push_listener (d.till, listener);
  push_json = g_strdup_printf ("{\"url\": \"%s\"}", kassa_push_listener_get_url (listener));
  if (!control (&d, "/sim/push-url", push_json, error) ||
      !detect_series (&d, "detect-push", runs, error) ||
      !control (&d, "/sim/push-url", "{\"url\": null}", error))
    goto out;
  kassa_till_set_push_listener (d.till, NULL);
  kassa_push_listener_shutdown (listener);

  /* Check requests of one pending invoice: the fast period, then (a till
   * whose fast period is over) the slow one. */
  if (!requests_per_minute (&d, "requests-fast", (guint) window_s, error))
    goto out;
  kassa_till_set_poll_schedule (d.till, fast_ms, 0, slow_ms);
  if (!requests_per_minute (&d, "requests-slow", (guint) window_s, error))
    goto out;
  kassa_till_set_poll_schedule (d.till, fast_ms, fast_period_s, slow_ms);

  status = 0;

out:
  detect_clear (&d);
  return status;
}

/* ── qr: encode + render at 1080 px ───────────────────────────────────── */

/* What KassaQrPaintable's snapshot draws, with cairo instead of a
 * GtkSnapshot: white, then one rectangle per horizontal run of dark
 * modules at a whole number of pixels per module, centred. */
static void
render_qr (KassaQrMatrix *matrix,
           cairo_t       *cr,
           int            side)
{
  guint module = kassa_qr_matrix_module_size_for (matrix, (guint) side);
  guint n = kassa_qr_matrix_get_width (matrix);
  int total = (int) (module * (n + 2 * KASSA_QR_QUIET_ZONE));
  int left = (side - total) / 2 + (int) (module * KASSA_QR_QUIET_ZONE);
  int top = (side - total) / 2 + (int) (module * KASSA_QR_QUIET_ZONE);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; )
      {
        guint run = 0;

        while (x + run < n && kassa_qr_matrix_get_module (matrix, x + run, y))
          run++;
        if (run == 0)
          {
            x++;
            continue;
          }
        cairo_rectangle (cr, left + (int) (x * module), top + (int) (y * module),
                         (int) (run * module), (int) module);
        x += run;
      }
  cairo_fill (cr);
}

static int
command_qr (const char  *payload,
            int          runs,
            const char  *png,
            GError     **error)
{
  const int side = 1080;
  g_autoptr(cairo_surface_t) surface = NULL;
  g_autofree gint64 *encode = NULL;
  g_autofree gint64 *total = NULL;

  if (payload == NULL || runs < 1)
    {
      fail (error, "qr needs --payload and --runs ≥ 1");
      return 2;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, side, side);
  encode = g_new0 (gint64, runs);
  total = g_new0 (gint64, runs);

  for (int i = 0; i < runs + 10; i++)
    {
      g_autoptr(KassaQrMatrix) matrix = NULL;
      g_autoptr(cairo_t) cr = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 encoded;

      matrix = kassa_qr_matrix_new (payload, error);
      if (matrix == NULL)
        return 1;
      encoded = g_get_monotonic_time ();
      cr = cairo_create (surface);
      render_qr (matrix, cr, side);
      g_clear_pointer (&cr, cairo_destroy);
      cairo_surface_flush (surface);

      /* The first few runs warm caches; they are not counted. */
      if (i >= 10)
        {
          encode[i - 10] = encoded - start;
          total[i - 10] = g_get_monotonic_time () - start;
        }
    }

  emit_samples ("qr-encode", encode, (guint) runs);
  emit_samples ("qr-encode-render", total, (guint) runs);

  /* The driver decodes this with zbarimg: the benchmark drew a real QR code. */
  if (png != NULL && cairo_surface_write_to_png (surface, png) != CAIRO_STATUS_SUCCESS)
    {
      fail (error, "cannot write %s", png);
      return 1;
    }

  return 0;
}

/* ── journal: durable moves, and a million invoices ───────────────────── */

#define DAY_US ((gint64) 86400 * G_USEC_PER_SEC)

static gboolean
durable_moves (const char *dir,
               int         runs,
               GError    **error)
{
  g_autofree char *path = g_build_filename (dir, "moves.sqlite", NULL);
  g_autoptr(KassaJournal) journal = kassa_journal_open (path, error);
  g_autofree gint64 *create = NULL;
  g_autofree gint64 *move = NULL;
  KassaBankTransaction paid = {
    .paid = TRUE, .resp_code = (char *) "00", .resp_desc = (char *) "Амжилттай",
    .approval_code = (char *) "123456", .amount = 1500,
    .card_number = (char *) "949625******0003", .terminal = (char *) "12345678",
  };

  if (journal == NULL)
    return FALSE;

  create = g_new0 (gint64, runs);
  move = g_new0 (gint64, runs);
  for (int i = 0; i < runs; i++)
    {
      g_autoptr(KassaInvoice) invoice = NULL;
      gint64 start = g_get_monotonic_time ();

      invoice = kassa_journal_create_invoice (journal, "12345678", 1500,
                                              KASSA_INVOICE_METHOD_QR, NULL, NULL, error);
      if (invoice == NULL)
        return FALSE;
      create[i] = g_get_monotonic_time () - start;

      if (!kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT,
                               "000201010212…", NULL, NULL, error))
        return FALSE;

      start = g_get_monotonic_time ();
      paid.invoice = (char *) kassa_invoice_get_number (invoice);
      if (!kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, &paid, NULL, error))
        return FALSE;
      move[i] = g_get_monotonic_time () - start;
    }

  emit_samples ("journal-create", create, (guint) runs);
  emit_samples ("journal-move", move, (guint) runs);

  kassa_journal_close (journal);
  return TRUE;
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      fail (error, "%s: %s", sql, message != NULL ? message : sqlite3_errmsg (db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      fail (error, "%s: %s", sql, sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return fail (error, "insert: %s", sqlite3_errmsg (db));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return TRUE;
}

/* The state of the i-th invoice of a day, in proportions a shop might see. */
static const char *
fill_state (guint i)
{
  guint k = i % 100;

  if (k < 88)
    return "PAID";
  if (k < 91)
    return "REFUNDED";
  if (k < 95)
    return "CANCELLED";
  if (k < 97)
    return "EXPIRED";
  if (k < 99)
    return "DECLINED";
  return "FAILED";
}

/* The states a till moves an invoice through to end in @state. */
static guint
fill_chain (const char  *state,
            const char **chain)
{
  guint n = 0;

  chain[n++] = "CREATING";
  if (g_str_equal (state, "FAILED"))
    {
      chain[n++] = "FAILED";
      return n;
    }
  chain[n++] = "AWAITING_PAYMENT";
  if (g_str_equal (state, "CANCELLED") || g_str_equal (state, "EXPIRED"))
    chain[n++] = "CANCELLING";
  else if (g_str_equal (state, "REFUNDED"))
    {
      chain[n++] = "PAID";
      chain[n++] = "REFUNDING";
    }
  chain[n++] = state;
  return n;
}

static void
append_tlv (GString    *out,
            const char *tag,
            const char *value)
{
  g_string_append_printf (out, "%s%02u%s", tag, (guint) strlen (value), value);
}

/* A payload of the simulator's shape and length (docs/simulator.md); the
 * journal stores it as text and nothing reads it back for these queries. */
static char *
emv_payload (const char *number,
             gint64      amount)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GString) additional = g_string_new (NULL);
  g_autofree char *wire = g_strdup_printf ("%" G_GINT64_FORMAT, amount);

  append_tlv (additional, "01", number);
  append_tlv (additional, "07", "12345678");
  append_tlv (out, "00", "01");
  append_tlv (out, "01", "12");
  append_tlv (out, "15", "1234567800000000000000012345678");
  append_tlv (out, "52", "6010");
  append_tlv (out, "53", "496");
  append_tlv (out, "54", wire);
  append_tlv (out, "58", "MN");
  append_tlv (out, "59", "KASSA TRAINING");
  append_tlv (out, "60", "ULAANBAATAR");
  append_tlv (out, "62", additional->str);
  g_string_append (out, "6304abcd");
  return g_string_free (out, FALSE);
}

static char *
day_code (gint64 us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);

  return g_date_time_format (time, "%y%m%d");
}

/* Writes @n invoices into the journal at @path (created by kassa_journal_open
 * and closed again), @per_day of them a day, the last day being today, with
 * their transitions and bank exchanges; each earlier day's PAID invoices are
 * in that day's SETTLED batch. Plain SQL with the journal's own schema (the
 * journal has no bulk API: each of its writes is one durable transaction). */
/* One row of the exchange log, as the till writes it (kassa-till.c):
 * @error_message set for a failed request (the bank's refusal: @http 400);
 * @repeats > 1 for a routine row counting "not paid yet" checks made from
 * @first_at to @at. */
static gboolean
add_exchange (sqlite3      *db,
              sqlite3_stmt *stmt,
              const char   *number,
              const char   *endpoint,
              const char   *request,
              int           http,
              const char   *reply,
              const char   *error_message,
              gint64        at,
              gboolean      routine,
              gint64        repeats,
              gint64        first_at,
              GError      **error)
{
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, endpoint, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, request, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, http);
  if (reply != NULL)
    sqlite3_bind_text (stmt, 5, reply, -1, SQLITE_STATIC);
  if (error_message != NULL)
    {
      sqlite3_bind_text (stmt, 6, g_quark_to_string (KASSA_BANK_ERROR), -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 7, KASSA_BANK_ERROR_REJECTED);
      sqlite3_bind_text (stmt, 8, error_message, -1, SQLITE_STATIC);
    }
  sqlite3_bind_int64 (stmt, 9, at);
  sqlite3_bind_int (stmt, 10, routine ? 1 : 0);
  sqlite3_bind_int64 (stmt, 11, repeats);
  if (repeats > 1)
    sqlite3_bind_int64 (stmt, 12, first_at);
  return step_done (db, stmt, error);
}

/* @v4: one row per poll, as a till before schema version 5 wrote them (the
 * caller then turns the file back into a v4 journal); else the trimmed log. */
static gboolean
fill_journal (const char *path,
              const char *journal_id,
              guint       n,
              guint       per_day,
              gboolean    v4,
              GError    **error)
{
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(sqlite3_stmt) invoice = NULL;
  g_autoptr(sqlite3_stmt) transition = NULL;
  g_autoptr(sqlite3_stmt) exchange = NULL;
  g_autoptr(sqlite3_stmt) settlement = NULL;
  g_autoptr(sqlite3_stmt) link = NULL;
  g_autoptr(sqlite3_stmt) meta = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = g_date_time_new_local (g_date_time_get_year (now),
                                                      g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now),
                                                      0, 0, 0);
  guint days = (n + per_day - 1) / per_day;
  gint64 today_us = g_date_time_to_unix (today) * G_USEC_PER_SEC;
  gint64 now_us = g_date_time_to_unix (now) * G_USEC_PER_SEC;
  guint seq = 0, settlement_seq = 0;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return fail (error, "cannot open %s: %s", path, sqlite3_errmsg (db));

  /* A scratch file filled once: no rollback journal, no WAL growing to the
   * file's size. kassa_journal_open() puts it back in WAL mode. */
  if (!exec_sql (db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN", error))
    return FALSE;

  if ((invoice = prepare (db,
                          "INSERT INTO invoices (id, number, terminal, amount, method, phone, "
                          "reference, created_at, state, payload, approval_code, card_number, "
                          "resp_code, resp_desc, paid_after_cancel, last_error, settlement_id, "
                          "updated_at) VALUES (?, ?, '12345678', ?, 'qr', NULL, ?, ?, ?, ?, ?, "
                          "?, ?, ?, 0, ?, ?, ?)", error)) == NULL ||
      (transition = prepare (db,
                             "INSERT INTO transitions (invoice, from_state, to_state, at, note) "
                             "VALUES (?, ?, ?, ?, NULL)", error)) == NULL ||
      (exchange = prepare (db,
                           "INSERT INTO exchanges (invoice, endpoint, request_json, "
                           "http_status, reply_body, error_domain, error_code, error_message, "
                           "at, routine, repeats, first_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           error)) == NULL ||
      (settlement = prepare (db,
                             "INSERT INTO settlements (id, terminal, state, created_at, "
                             "local_count, local_amount, bank_count, bank_amount, bank_status, "
                             "settled_at, updated_at) VALUES (?, '12345678', 'SETTLED', ?, ?, "
                             "?, ?, ?, 'SUCCESS', ?, ?)", error)) == NULL ||
      (link = prepare (db,
                       "INSERT INTO settlement_invoices (settlement_id, invoice) VALUES (?, ?)",
                       error)) == NULL ||
      (meta = prepare (db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       error)) == NULL)
    return FALSE;

  for (guint day = 0; day < days; day++)
    {
      gint64 day_us = today_us - (gint64) (days - 1 - day) * DAY_US;
      /* Today is still open: its sales end before now; past days at 21:00. */
      gint64 open_us = day_us + (gint64) 9 * 3600 * G_USEC_PER_SEC;
      gint64 span_us = day + 1 == days ? MAX (now_us - open_us, (gint64) 3600 * G_USEC_PER_SEC)
                                       : (gint64) 12 * 3600 * G_USEC_PER_SEC;
      gboolean settle = day + 1 < days;
      g_autofree char *batch = NULL;
      g_autoptr(GPtrArray) batch_numbers = g_ptr_array_new_with_free_func (g_free);
      gint64 batch_amount = 0;
      guint in_day = MIN (per_day, n - day * per_day);

      if (open_us + span_us > now_us)
        open_us = now_us - span_us;
      if (settle)
        {
          g_autofree char *code = day_code (open_us + span_us);

          batch = g_strdup_printf ("S%s-%s-%04u", code, journal_id, ++settlement_seq);
        }

      for (guint i = 0; i < in_day; i++)
        {
          gint64 created = open_us + span_us * i / in_day;
          gint64 amount = 500 + (gint64) ((seq * 7919u) % 400) * 250;
          const char *state = fill_state (seq);
          gboolean paid = g_str_equal (state, "PAID") || g_str_equal (state, "REFUNDED");
          g_autofree char *code = day_code (created);
          g_autofree char *number = NULL;
          g_autofree char *reference = NULL;
          g_autofree char *payload = NULL;
          g_autofree char *approval = NULL;
          g_autofree char *card = NULL;
          g_autofree char *request = NULL;
          g_autofree char *reply = NULL;

          seq++;
          number = g_strdup_printf ("K%s-%s-%04u", code, journal_id, seq);
          reference = seq % 10 == 0 ? g_strdup_printf ("ORDER-%u", seq) : NULL;
          payload = emv_payload (number, amount);
          approval = paid ? g_strdup_printf ("%06u", (seq * 48271u) % 1000000) : NULL;
          card = paid ? g_strdup_printf ("949625******%04u", seq % 10000) : NULL;

          sqlite3_bind_int64 (invoice, 1, seq);
          sqlite3_bind_text (invoice, 2, number, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (invoice, 3, amount);
          if (reference != NULL)
            sqlite3_bind_text (invoice, 4, reference, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (invoice, 5, created);
          sqlite3_bind_text (invoice, 6, state, -1, SQLITE_STATIC);
          if (!g_str_equal (state, "FAILED"))
            sqlite3_bind_text (invoice, 7, payload, -1, SQLITE_STATIC);
          if (paid)
            {
              sqlite3_bind_text (invoice, 8, approval, -1, SQLITE_STATIC);
              sqlite3_bind_text (invoice, 9, card, -1, SQLITE_STATIC);
              sqlite3_bind_text (invoice, 10, "00", -1, SQLITE_STATIC);
              sqlite3_bind_text (invoice, 11, "Амжилттай", -1, SQLITE_STATIC);
            }
          if (g_str_equal (state, "FAILED"))
            sqlite3_bind_text (invoice, 12, "The bank refused: Дүн буруу байна", -1,
                               SQLITE_STATIC);
          if (settle && g_str_equal (state, "PAID"))
            {
              sqlite3_bind_text (invoice, 13, batch, -1, SQLITE_STATIC);
              g_ptr_array_add (batch_numbers, g_strdup (number));
              batch_amount += amount;
            }
          sqlite3_bind_int64 (invoice, 14, created + 40 * G_USEC_PER_SEC);
          if (!step_done (db, invoice, error))
            return FALSE;

          /* The transitions a till writes on the way to that state. */
          {
            const char *chain[6];
            guint n_chain = fill_chain (state, chain);

            for (guint s = 0; s < n_chain; s++)
              {
                sqlite3_bind_text (transition, 1, number, -1, SQLITE_STATIC);
                if (s > 0)
                  sqlite3_bind_text (transition, 2, chain[s - 1], -1, SQLITE_STATIC);
                sqlite3_bind_text (transition, 3, chain[s], -1, SQLITE_STATIC);
                sqlite3_bind_int64 (transition, 4, created + (gint64) s * 10 * G_USEC_PER_SEC);
                if (!step_done (db, transition, error))
                  return FALSE;
              }
          }

          /* The exchanges, as the till records them: the create; the
           * customer takes 5–60 s, checked every second ("not paid yet",
           * the bank's 400 refusal: one routine row counting them); then
           * the outcome. */
          {
            static const char not_paid[] = "The bank refused the request: Төлбөр төлөгдөөгүй "
                                           "байна [NOT_PAID]";
            g_autofree char *check = g_strdup_printf ("{\"endpoint\":\"check\",\"terminal\":"
                                                      "\"12345678\",\"invoice\":\"%s\","
                                                      "\"amount\":%" G_GINT64_FORMAT "}",
                                                      number, amount);
            gint64 unpaid_s = 5 + (gint64) ((seq * 2654435761u) % 56);
            gint64 answered = created + 300 * 1000;
            gint64 last = created + unpaid_s * G_USEC_PER_SEC;
            gboolean failed = g_str_equal (state, "FAILED");

            request = g_strdup_printf ("{\"endpoint\":\"qr\",\"terminal\":\"12345678\","
                                       "\"invoice\":\"%s\",\"amount\":%" G_GINT64_FORMAT "}",
                                       number, amount);
            reply = g_strdup_printf ("{\"desc\":\"%s\",\"status\":\"SUCCESS\"}", payload);
            if (!add_exchange (db, exchange, number, "qr", request, failed ? 400 : 200,
                               failed ? NULL : reply,
                               failed ? "The bank refused the request: Дүн буруу байна" : NULL,
                               answered, FALSE, 1, 0, error))
              return FALSE;

            if (!failed && v4)
              {
                for (gint64 k = 1; k <= unpaid_s; k++)
                  if (!add_exchange (db, exchange, number, "check", check, 400, NULL, not_paid,
                                     created + k * G_USEC_PER_SEC, FALSE, 1, 0, error))
                    return FALSE;
              }
            else if (!failed &&
                     !add_exchange (db, exchange, number, "check", check, 400, NULL, not_paid,
                                    last, TRUE, unpaid_s, created + G_USEC_PER_SEC, error))
              return FALSE;

            if (paid)
              {
                g_free (reply);
                reply = g_strdup_printf ("{\"paid\":true,\"resp_code\":\"00\",\"resp_desc\":"
                                         "\"Амжилттай\",\"approval_code\":\"%s\",\"amount\":%"
                                         G_GINT64_FORMAT ",\"card_number\":\"%s\",\"terminal\":"
                                         "\"12345678\",\"invoice\":\"%s\",\"checksum\":"
                                         "\"%064u\"}", approval, amount, card, number, seq);
                if (!add_exchange (db, exchange, number, "check", check, 200, reply, NULL,
                                   last + G_USEC_PER_SEC, FALSE, 1, 0, error))
                  return FALSE;
              }
            if (g_str_equal (state, "REFUNDED") &&
                !add_exchange (db, exchange, number, "refund", check, 200, reply, NULL,
                               last + 600 * G_USEC_PER_SEC, FALSE, 1, 0, error))
              return FALSE;
            if (g_str_equal (state, "DECLINED") &&
                !add_exchange (db, exchange, number, "check", check, 200,
                               "{\"paid\":false,\"resp_code\":\"05\",\"resp_desc\":"
                               "\"Гүйлгээ татгалзсан\"}", NULL, last + G_USEC_PER_SEC,
                               FALSE, 1, 0, error))
              return FALSE;
            if ((g_str_equal (state, "CANCELLED") || g_str_equal (state, "EXPIRED")) &&
                (!add_exchange (db, exchange, number, "cancel", check, 200,
                                "{\"status\":\"SUCCESS\"}", NULL, last + G_USEC_PER_SEC,
                                FALSE, 1, 0, error) ||
                 !add_exchange (db, exchange, number, "check", check, 400, NULL,
                                "The bank refused the request: CANCELLED",
                                last + 2 * G_USEC_PER_SEC, FALSE, 1, 0, error)))
              return FALSE;
          }
        }

      if (settle)
        {
          gint64 at = open_us + span_us + 30 * 60 * G_USEC_PER_SEC;

          sqlite3_bind_text (settlement, 1, batch, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (settlement, 2, at);
          sqlite3_bind_int64 (settlement, 3, batch_numbers->len);
          sqlite3_bind_int64 (settlement, 4, batch_amount);
          sqlite3_bind_int64 (settlement, 5, batch_numbers->len);
          sqlite3_bind_int64 (settlement, 6, batch_amount);
          sqlite3_bind_int64 (settlement, 7, at + G_USEC_PER_SEC);
          sqlite3_bind_int64 (settlement, 8, at + G_USEC_PER_SEC);
          if (!step_done (db, settlement, error))
            return FALSE;
          for (guint i = 0; i < batch_numbers->len; i++)
            {
              sqlite3_bind_text (link, 1, batch, -1, SQLITE_STATIC);
              sqlite3_bind_text (link, 2, batch_numbers->pdata[i], -1, SQLITE_STATIC);
              if (!step_done (db, link, error))
                return FALSE;
            }
        }
    }

  {
    g_autofree char *next_invoice = g_strdup_printf ("%u", seq + 1);
    g_autofree char *next_settlement = g_strdup_printf ("%u", settlement_seq + 1);

    sqlite3_bind_text (meta, 1, "next_invoice_seq", -1, SQLITE_STATIC);
    sqlite3_bind_text (meta, 2, next_invoice, -1, SQLITE_STATIC);
    if (!step_done (db, meta, error))
      return FALSE;
    sqlite3_bind_text (meta, 1, "next_settlement_seq", -1, SQLITE_STATIC);
    sqlite3_bind_text (meta, 2, next_settlement, -1, SQLITE_STATIC);
    if (!step_done (db, meta, error))
      return FALSE;
  }

  return exec_sql (db, "COMMIT", error);
}

typedef gboolean (*TimedFunc) (gpointer data, GError **error);

/* Runs @func @runs times (after one untimed warm-up run when @warm_up). */
static gboolean
time_runs (const char *name,
           int         runs,
           gboolean    warm_up,
           TimedFunc   func,
           gpointer    data,
           GError    **error)
{
  g_autofree gint64 *samples = g_new0 (gint64, runs);

  if (warm_up && !func (data, error))
    return FALSE;
  for (int i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!func (data, error))
        return FALSE;
      samples[i] = g_get_monotonic_time () - start;
    }
  emit_samples (name, samples, (guint) runs);
  return TRUE;
}

typedef struct
{
  KassaJournal       *journal;
  KassaJournalFilter *filter;
  guint               expect_min;  /* a query that finds fewer rows measured nothing */
  guint               last_count;
} HistoryQuery;

/* What the history window does for a new filter: a model over it (its
 * count), and the first page of rows (the first screen). */
static gboolean
history_query (gpointer   data,
               GError   **error)
{
  HistoryQuery *q = data;
  g_autoptr(KassaHistoryModel) model = kassa_history_model_new (q->journal, NULL);
  g_autoptr(KassaInvoice) first = NULL;
  const GError *model_error;

  kassa_history_model_set_filter (model, q->filter);
  q->last_count = g_list_model_get_n_items (G_LIST_MODEL (model));
  if (q->last_count > 0)
    first = g_list_model_get_item (G_LIST_MODEL (model), 0);

  model_error = kassa_history_model_get_error (model);
  if (model_error != NULL)
    {
      g_propagate_error (error, g_error_copy (model_error));
      return FALSE;
    }
  if (q->last_count < q->expect_min || (q->last_count > 0 && first == NULL))
    return fail (error, "the history query found %u invoices, expected at least %u",
                 q->last_count, q->expect_min);
  return TRUE;
}

/* Scrolling to the end of the list: the last page, read by OFFSET. */
static gboolean
history_last_page (gpointer   data,
                   GError   **error)
{
  HistoryQuery *q = data;
  g_autoptr(KassaHistoryModel) model = kassa_history_model_new (q->journal, NULL);
  g_autoptr(KassaInvoice) last = NULL;
  guint n;

  kassa_history_model_set_filter (model, q->filter);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  if (n < q->expect_min)
    return fail (error, "the history query found %u invoices", n);
  last = g_list_model_get_item (G_LIST_MODEL (model), n - 1);
  if (last == NULL)
    return fail (error, "the last history row could not be read");
  return TRUE;
}

typedef struct
{
  const char *path;
} OpenJournal;

static gboolean
open_journal (gpointer   data,
              GError   **error)
{
  OpenJournal *o = data;
  g_autoptr(KassaJournal) journal = kassa_journal_open (o->path, error);

  if (journal == NULL)
    return FALSE;
  kassa_journal_close (journal);
  return TRUE;
}

static gboolean
settlement_report (KassaJournal *journal,
                   const char   *dir,
                   guint         expect_min,
                   GError      **error)
{
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(KassaSettlement) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *pdf = g_build_filename (dir, "report.pdf", NULL);
  g_autofree char *csv = g_build_filename (dir, "report.csv", NULL);
  KassaBankSettlementReply reply = { 0, 0, (char *) "SUCCESS" };
  KassaReportInfo info = { "Bench shop", "12345678" };
  gint64 start, begun, totals;

  /* The batch: the till's count and sum of the day's unbatched PAID invoices. */
  start = g_get_monotonic_time ();
  settlement = kassa_journal_begin_settlement (journal, "12345678", error);
  if (settlement == NULL)
    return FALSE;
  begun = g_get_monotonic_time ();
  if ((guint) kassa_settlement_get_local_count (settlement) < expect_min)
    return fail (error, "the batch holds %" G_GINT64_FORMAT " invoices, expected ≥ %u",
                 kassa_settlement_get_local_count (settlement), expect_min);

  reply.amount = kassa_settlement_get_local_amount (settlement);
  reply.count = kassa_settlement_get_local_count (settlement);
  if (!kassa_journal_finish_settlement (journal, settlement, KASSA_SETTLEMENT_SETTLED, &reply,
                                        NULL, error))
    return FALSE;
  json = kassa_settlement_to_json (settlement);
  totals = g_get_monotonic_time ();
  if (!kassa_settlement_reconcile (settlement))
    return fail (error, "the batch does not reconcile: %s", json);

  emit_samples ("settle-begin", (gint64[]) { begun - start }, 1);
  emit_samples ("settle-totals", (gint64[]) { totals - start }, 1);

  /* The documents the manager gets: `kassa-ctl report BATCH --report --csv`. */
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = NULL;
      gint64 samples[2];

      g_clear_object (&again);
      start = g_get_monotonic_time ();
      again = kassa_journal_lookup_settlement (journal, kassa_settlement_get_id (settlement),
                                               error);
      if (again == NULL || !kassa_report_write_pdf (journal, again, &info, pdf, error))
        return FALSE;
      samples[0] = g_get_monotonic_time () - start;
      start = g_get_monotonic_time ();
      if (!kassa_report_write_csv (journal, again, &info, csv, error))
        return FALSE;
      samples[1] = g_get_monotonic_time () - start;
      if (i == 2)
        {
          emit_samples ("report-pdf", samples, 1);
          emit_samples ("report-csv", samples + 1, 1);
        }
    }

  return TRUE;
}

/* Creates the journal at @path with the real schema (kassa_journal_open) and
 * closes it again; returns its journal id. */
static char *
create_journal (const char  *path,
                GError     **error)
{
  g_autoptr(KassaJournal) journal = kassa_journal_open (path, error);
  char *journal_id;

  if (journal == NULL)
    return NULL;
  journal_id = g_strdup (kassa_journal_get_id (journal));
  kassa_journal_close (journal);
  return journal_id;
}

/* A v4 journal (one exchange row per poll) of @n invoices: its first open
 * by this Kassa (the migration to v5) and the trim steps that follow while
 * the till runs. */
static gboolean
upgrade_v4 (const char *dir,
            guint       n,
            guint       per_day,
            GError    **error)
{
  g_autofree char *path = g_build_filename (dir, "v4.sqlite", NULL);
  g_autoptr(KassaJournal) journal = NULL;
  g_autofree char *journal_id = NULL;
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  gint64 rows_before = 0, rows_after = 0, start, open_us;
  gboolean done = FALSE;
  gboolean ok;

  journal_id = create_journal (path, error);
  if (journal_id == NULL)
    return FALSE;

  g_printerr ("  filling a v4 journal with %u invoices, one exchange row per poll…\n", n);
  if (!fill_journal (path, journal_id, n, per_day, TRUE, error))
    return FALSE;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return fail (error, "cannot open %s: %s", path, sqlite3_errmsg (db));
  ok = exec_sql (db, "ALTER TABLE exchanges DROP COLUMN routine;"
                     "ALTER TABLE exchanges DROP COLUMN repeats;"
                     "ALTER TABLE exchanges DROP COLUMN first_at;"
                     "DELETE FROM meta WHERE key IN ('trim_exchanges_below', 'clean_close');"
                     "INSERT INTO meta (key, value) VALUES ('clean_close', '1');"
                     "PRAGMA user_version = 4;", error);
  if (ok)
    {
      sqlite3_stmt *stmt = prepare (db, "SELECT count(*) FROM exchanges", error);

      ok = stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW;
      if (ok)
        rows_before = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  sqlite3_close_v2 (db);
  if (!ok)
    return FALSE;

  start = g_get_monotonic_time ();
  journal = kassa_journal_open (path, error);
  open_us = g_get_monotonic_time () - start;
  if (journal == NULL)
    return FALSE;
  emit_samples ("upgrade-open", &open_us, 1);

  start = g_get_monotonic_time ();
  while (!done)
    {
      gint64 step_start = g_get_monotonic_time ();
      gint64 step_us;

      if (!kassa_journal_trim_step (journal, KASSA_JOURNAL_TRIM_CHUNK, &done, error))
        return FALSE;
      step_us = g_get_monotonic_time () - step_start;
      g_array_append_val (steps, step_us);
    }
  emit_value ("trim-total-s", "s", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  emit_samples ("trim-step", (gint64 *) steps->data, steps->len);
  {
    KassaJournalStats stats;

    if (!kassa_journal_get_stats (journal, &stats, error))
      return FALSE;
    rows_after = stats.exchange_rows;
  }
  emit_value ("v4-exchange-rows", "rows", rows_before);
  emit_value ("v5-exchange-rows", "rows", rows_after);
  emit_value ("v4-invoices", "invoices", n);
  kassa_journal_close (journal);
  return TRUE;
}

static gboolean
million (const char *dir,
         guint       n,
         guint       per_day,
         int         runs,
         GError    **error)
{
  g_autofree char *path = g_build_filename (dir, "million.sqlite", NULL);
  g_autoptr(KassaJournal) journal = NULL;
  g_autofree char *journal_id = NULL;
  g_autoptr(KassaJournalFilter) day = kassa_journal_filter_new ();
  g_autoptr(KassaJournalFilter) month = kassa_journal_filter_new ();
  g_autoptr(KassaJournalFilter) all = kassa_journal_filter_new ();
  g_autoptr(KassaJournalFilter) search = kassa_journal_filter_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = NULL;
  HistoryQuery q;
  OpenJournal o = { path };
  gint64 start;

  journal_id = create_journal (path, error);
  if (journal_id == NULL)
    return FALSE;

  g_printerr ("  filling a journal with %u invoices (%u a day)…\n", n, per_day);
  start = g_get_monotonic_time ();
  if (!fill_journal (path, journal_id, n, per_day, FALSE, error))
    return FALSE;
  emit_value ("fill-s", "s", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  /* Opened and closed once by Kassa: VACUUM-free, WAL folded in, the
   * clean-close marker set, as a shop's journal is between two days. */
  if (!open_journal (&o, error))
    return FALSE;
  {
    GStatBuf buf;

    if (g_stat (path, &buf) == 0)
      {
        emit_value ("journal-mb", "MB", buf.st_size / 1e6);
        emit_value ("journal-bytes-per-sale", "B", (double) buf.st_size / n);
      }
  }

  if (!time_runs ("journal-open-1m", MAX (runs, 5), FALSE, open_journal, &o, error))
    return FALSE;
  journal = kassa_journal_open (path, error);
  if (journal == NULL)
    return FALSE;

  /* The history window's filters: yesterday (a whole past day), the last
   * 30 days, everything, and a text search over everything. */
  {
    g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now),
                                                           g_date_time_get_month (now),
                                                           g_date_time_get_day_of_month (now),
                                                           0, 0, 0);

    yesterday = g_date_time_add_days (midnight, -1);
    day->from = g_date_time_ref (yesterday);
    day->to = g_date_time_ref (midnight);
    month->from = g_date_time_add_days (midnight, -30);
    month->to = g_date_time_add_days (midnight, 1);
    search->text = g_strdup ("ORDER-123");
  }

  q = (HistoryQuery) { journal, day, MIN (n, per_day * 9 / 10), 0 };
  if (!time_runs ("history-day", runs, TRUE, history_query, &q, error))
    return FALSE;
  q = (HistoryQuery) { journal, month, MIN (n, per_day * 29), 0 };
  if (!time_runs ("history-month", runs, TRUE, history_query, &q, error) ||
      !time_runs ("history-month-last-page", runs, TRUE, history_last_page, &q, error))
    return FALSE;
  q = (HistoryQuery) { journal, all, n, 0 };
  if (!time_runs ("history-all", runs, TRUE, history_query, &q, error))
    return FALSE;
  q = (HistoryQuery) { journal, search, 1, 0 };
  if (!time_runs ("history-search", MIN (runs, 5), TRUE, history_query, &q, error))
    return FALSE;

  if (!settlement_report (journal, dir, per_day / 2, error))
    return FALSE;

  kassa_journal_close (journal);
  return TRUE;
}

static int
command_journal (const char  *dir_arg,
                 int          runs,
                 int          invoices,
                 int          per_day,
                 gboolean     keep,
                 GError     **error)
{
  g_autofree char *dir = NULL;
  gboolean ok;

  if (runs < 1 || invoices < 1 || per_day < 10)
    {
      fail (error, "journal needs --runs ≥ 1, --invoices ≥ 1, --per-day ≥ 10");
      return 2;
    }

  dir = dir_arg != NULL ? g_strdup (dir_arg) : g_dir_make_tmp ("kassa-bench-XXXXXX", error);
  if (dir == NULL)
    return 1;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      fail (error, "cannot make the folder %s", dir);
      return 1;
    }

  ok = durable_moves (dir, runs * 10, error) &&
       million (dir, (guint) invoices, (guint) per_day, runs, error) &&
       upgrade_v4 (dir, MIN ((guint) invoices, (guint) per_day * 30), (guint) per_day, error);

  if (!keep)
    {
      static const char * const names[] = {
        "moves.sqlite", "moves.sqlite-wal", "moves.sqlite-shm", "million.sqlite",
        "million.sqlite-wal", "million.sqlite-shm", "report.pdf", "report.csv",
        "v4.sqlite", "v4.sqlite-wal", "v4.sqlite-shm",
      };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *path = g_build_filename (dir, names[i], NULL);

          g_unlink (path);
        }
      g_rmdir (dir);
    }

  return ok ? 0 : 1;
}

/* ── escpos: receipts and slips as raster bands ───────────────────────── */

/* The heap in use (glibc): small blocks plus mmap'ed ones. */
static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

/* A printer that takes every byte and notes the largest heap seen while a
 * document streams into it (sampled at every write: once per band). */
typedef struct
{
  GOutputStream parent;
  gsize         bytes;
  gsize         peak_heap;
} SinkStream;

typedef GOutputStreamClass SinkStreamClass;

static GType sink_stream_get_type (void);
G_DEFINE_TYPE (SinkStream, sink_stream, G_TYPE_OUTPUT_STREAM)

static gssize
sink_stream_write (GOutputStream  *stream,
                   const void     *buffer,
                   gsize           count,
                   GCancellable   *cancellable,
                   GError        **error)
{
  SinkStream *self = (SinkStream *) stream;

  self->bytes += count;
  self->peak_heap = MAX (self->peak_heap, heap_in_use ());

  return (gssize) count;
}

static void
sink_stream_class_init (SinkStreamClass *klass)
{
  klass->write_fn = sink_stream_write;
}

static void
sink_stream_init (SinkStream *self)
{
}

static KassaInvoice *
bench_paid_invoice (KassaJournal  *journal,
                    gint64         amount,
                    GError       **error)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  KassaBankTransaction paid = { 0 };

  invoice = kassa_journal_create_invoice (journal, "12345678", amount, KASSA_INVOICE_METHOD_QR,
                                          NULL, NULL, error);
  if (invoice == NULL ||
      !kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT, "payload", NULL,
                           NULL, error))
    return NULL;
  paid.paid = TRUE;
  paid.resp_code = (char *) "00";
  paid.approval_code = (char *) "123456";
  paid.card_number = (char *) "949625******0003";
  paid.amount = amount;
  if (!kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, &paid, NULL, error))
    return NULL;

  return g_steal_pointer (&invoice);
}

/* The heap above @baseline while the slip of @n_invoices streams. */
static gboolean
slip_peak_heap (const char  *dir,
                guint        n_invoices,
                gsize       *out_peak,
                gsize       *out_bytes,
                GError     **error)
{
  g_autofree char *name = g_strdup_printf ("slip-%u.sqlite", n_invoices);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  KassaBankSettlementReply reply = { 0 };
  KassaReportInfo info = { "Номин дэлгүүр", NULL, "Сүхбаатар дүүрэг", "7011-2233" };
  SinkStream *sink;
  gsize baseline;
  gboolean ok;

  journal = kassa_journal_open (path, error);
  if (journal == NULL)
    return FALSE;
  for (guint i = 0; i < n_invoices; i++)
    {
      g_autoptr(KassaInvoice) invoice = bench_paid_invoice (journal, 1000 + i, error);

      if (invoice == NULL)
        return FALSE;
    }
  settlement = kassa_journal_begin_settlement (journal, "12345678", error);
  if (settlement == NULL)
    return FALSE;
  reply.amount = kassa_settlement_get_local_amount (settlement);
  reply.count = kassa_settlement_get_local_count (settlement);
  reply.status = (char *) "SUCCESS";
  if (!kassa_journal_finish_settlement (journal, settlement, KASSA_SETTLEMENT_SETTLED, &reply,
                                        NULL, error))
    return FALSE;

  sink = g_object_new (sink_stream_get_type (), NULL);
  malloc_trim (0);
  baseline = heap_in_use ();
  ok = kassa_escpos_print_slip (journal, settlement, &info, KASSA_ESCPOS_WIDTH_80MM,
                                G_OUTPUT_STREAM (sink), NULL, error);
  *out_peak = sink->peak_heap > baseline ? sink->peak_heap - baseline : 0;
  *out_bytes = sink->bytes;
  g_object_unref (sink);
  g_clear_object (&journal);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, i == 0 ? "" : i == 1 ? "-wal" : "-shm", NULL);

      g_unlink (file);
    }

  return ok;
}

/* ── escpos: "paid" to the last byte, through the print queue ────────── */

/* A network printer on loopback, as the queue meets one: it answers DLE EOT
 * as an Epson that is ready (0x12, kassa-printer-status.c) — or, @silent,
 * not at all — and notes when the @expected bytes of the document (from its
 * ESC @ on) have all arrived. One connection per job. */
typedef struct
{
  int       listen_fd;
  guint16   port;
  gboolean  silent;  /* answers no status request */
  gsize     expected;
  GMutex    lock;
  gint64    last_byte_us;   /* under @lock: 0 until the job's last byte is read */
} PaidPrinter;

static gpointer
paid_printer_thread (gpointer data)
{
  PaidPrinter *printer = data;

  /* Until the process exits: kassa-bench is one command, then gone. */
  for (;;)
    {
      int fd = accept (printer->listen_fd, NULL, NULL);
      guint8 buffer[16384];
      gsize document = 0;
      gboolean in_document = FALSE;
      guint pending_dle = 0;   /* bytes of a DLE EOT n seen outside the document */
      gssize n;

      if (fd < 0)
        continue;
      document = 0;
      while ((n = read (fd, buffer, sizeof buffer)) > 0)
        {
          for (gssize i = 0; i < n; i++)
            {
              guint8 byte = buffer[i];

              if (in_document)
                {
                  if (++document == printer->expected)
                    {
                      in_document = FALSE;
                      g_mutex_lock (&printer->lock);
                      printer->last_byte_us = g_get_monotonic_time ();
                      g_mutex_unlock (&printer->lock);
                    }
                  continue;
                }
              /* Outside the document: status requests, then ESC @. */
              if (pending_dle == 0 && byte == 0x10)
                pending_dle = 1;
              else if (pending_dle == 1 && byte == 0x04)
                pending_dle = 2;
              else if (pending_dle == 2)
                {
                  guint8 ready = 0x12;

                  pending_dle = 0;
                  if (!printer->silent && write (fd, &ready, 1) != 1)
                    break;
                }
              else if (byte == 0x1b && document == 0)
                {
                  in_document = TRUE;
                  document = 1;
                }
            }
        }
      close (fd);
    }

  return NULL;
}

static gboolean
paid_printer_start (PaidPrinter  *printer,
                    GError      **error)
{
  struct sockaddr_in address = { 0 };
  socklen_t length = sizeof address;

  printer->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (printer->listen_fd < 0 ||
      bind (printer->listen_fd, (struct sockaddr *) &address, sizeof address) != 0 ||
      listen (printer->listen_fd, 4) != 0 ||
      getsockname (printer->listen_fd, (struct sockaddr *) &address, &length) != 0)
    {
      fail (error, "cannot listen on loopback: %s", g_strerror (errno));
      return FALSE;
    }
  printer->port = ntohs (address.sin_port);
  g_thread_unref (g_thread_new ("paid-printer", paid_printer_thread, printer));
  return TRUE;
}

typedef struct
{
  gboolean  done;
  GError   *error;   /* the job's, when it failed */
} PaidJob;

static void
paid_job_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  PaidJob *job = user_data;

  kassa_print_queue_job_finish (KASSA_PRINT_QUEUE (source), result, NULL, &job->error);
  job->done = TRUE;
}

/* Microseconds from kassa_print_queue_print_receipt_async() (the GUI calls
 * it when the sale turns PAID) to the receipt's last byte read by @printer:
 * the prints row, the status request, the drawing band by band, the TCP
 * writes. */
static gboolean
paid_to_last_byte (KassaPrintQueue  *queue,
                   KassaInvoice     *invoice,
                   PaidPrinter      *printer,
                   gint64           *out_us,
                   GError          **error)
{
  PaidJob job = { FALSE, NULL };
  gint64 start, last;

  g_mutex_lock (&printer->lock);
  printer->last_byte_us = 0;
  g_mutex_unlock (&printer->lock);
  start = g_get_monotonic_time ();
  kassa_print_queue_print_receipt_async (queue, invoice, NULL, paid_job_cb, &job);
  while (!job.done)
    g_main_context_iteration (NULL, TRUE);
  if (job.error != NULL)
    {
      g_propagate_error (error, job.error);
      return FALSE;
    }
  g_mutex_lock (&printer->lock);
  last = printer->last_byte_us;
  g_mutex_unlock (&printer->lock);
  if (last == 0)
    {
      fail (error, "the printer stand-in did not get the whole receipt (%" G_GSIZE_FORMAT
            " bytes expected)", printer->expected);
      return FALSE;
    }
  *out_us = last - start;
  return TRUE;
}

static gboolean
bench_paid_receipts (KassaJournal          *journal,
                     KassaInvoice          *invoice,
                     const KassaReportInfo *info,
                     gsize                  receipt_bytes,
                     int                    runs,
                     GError               **error)
{
  for (guint silent = 0; silent < 2; silent++)
    {
      PaidPrinter *printer = g_new0 (PaidPrinter, 1);   /* the thread keeps it: not freed */
      g_autoptr(KassaPrintQueue) queue = kassa_print_queue_new (journal);
      g_autofree char *uri = NULL;
      g_autofree gint64 *samples = NULL;
      /* The silent printer waits out the status timeout twice a job. */
      int n = silent ? MIN (runs, 5) : runs;

      printer->silent = silent;
      printer->expected = receipt_bytes;
      if (!paid_printer_start (printer, error))
        return FALSE;
      uri = g_strdup_printf ("tcp:127.0.0.1:%u", printer->port);
      if (!kassa_print_queue_set_printer (queue, uri, KASSA_ESCPOS_WIDTH_80MM, error))
        return FALSE;
      kassa_print_queue_set_info (queue, info);

      samples = g_new0 (gint64, n);
      for (int i = 0; i < n + 1; i++)
        {
          gint64 us;

          if (!paid_to_last_byte (queue, invoice, printer, &us, error))
            return FALSE;
          if (i >= 1)
            samples[i - 1] = us;
        }
      emit_samples (silent ? "escpos-paid-silent" : "escpos-paid", samples, (guint) n);
    }

  return TRUE;
}

static int
command_escpos (const char  *dir,
                int          runs,
                GError     **error)
{
  g_autofree char *scratch = NULL;
  g_autofree char *path = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree gint64 *samples = NULL;
  KassaReportInfo info = { "Номин дэлгүүр", NULL, "Сүхбаатар дүүрэг, 1-р хороо", "7011-2233" };
  gsize small_peak = 0, big_peak = 0, small_bytes = 0, big_bytes = 0;
  gsize receipt_bytes = 0;

  if (runs < 1)
    {
      fail (error, "escpos needs --runs ≥ 1");
      return 2;
    }

  scratch = dir != NULL ? g_strdup (dir) : g_dir_make_tmp ("kassa-bench-escpos-XXXXXX", error);
  if (scratch == NULL || g_mkdir_with_parents (scratch, 0700) != 0)
    return 1;
  path = g_build_filename (scratch, "receipt.sqlite", NULL);
  journal = kassa_journal_open (path, error);
  if (journal == NULL)
    return 1;
  invoice = bench_paid_invoice (journal, 15000, error);
  if (invoice == NULL)
    return 1;

  samples = g_new0 (gint64, runs);
  for (int i = 0; i < runs + 3; i++)
    {
      g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
      gint64 start = g_get_monotonic_time ();

      if (!kassa_escpos_print_receipt (invoice, &info, KASSA_ESCPOS_WIDTH_80MM, stream, NULL,
                                       error))
        return 1;
      /* The first runs load fonts and fill caches; they are not counted. */
      if (i >= 3)
        samples[i - 3] = g_get_monotonic_time () - start;
      receipt_bytes = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream));
    }
  emit_samples ("escpos-receipt-80mm", samples, (guint) runs);
  emit_value ("escpos-receipt-bytes", "B", (double) receipt_bytes);

  if (!bench_paid_receipts (journal, invoice, &info, receipt_bytes, MIN (runs, 50), error))
    return 1;

  if (!slip_peak_heap (scratch, 20, &small_peak, &small_bytes, error) ||
      !slip_peak_heap (scratch, 200, &big_peak, &big_bytes, error))
    return 1;
  emit_value ("escpos-slip-20-heap", "KiB", small_peak / 1024.0);
  emit_value ("escpos-slip-200-heap", "KiB", big_peak / 1024.0);
  emit_value ("escpos-slip-200-bytes", "B", (double) big_bytes);

  g_clear_object (&invoice);
  g_clear_object (&journal);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, i == 0 ? "" : i == 1 ? "-wal" : "-shm", NULL);

      g_unlink (file);
    }
  if (dir == NULL)
    g_rmdir (scratch);

  return 0;
}

/* ── main ─────────────────────────────────────────────────────────────── */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *terminal = NULL;
  g_autofree char *secret_file = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *png = NULL;
  g_autofree char *dir = NULL;
  gint64 amount = 1500;
  int runs = 20;
  int window = 20;
  /* Three years of a busy shop. */
  int invoices = 3 * 365 * 500;
  int per_day = 500;
  gboolean keep = FALSE;
  const char *command;
  int status;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "The simulator (detect)", "URL" },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &terminal, "Terminal id (body, detect)", "T" },
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME, &secret_file,
      "The terminal's secret, first line (body, detect)", "FILE" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "Invoice number prefix (body)", "TEXT" },
    { "amount", 0, 0, G_OPTION_ARG_INT64, &amount, "Amount in tögrög (body)", "N" },
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Measured runs", "N" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window,
      "Seconds of one pending invoice per request count (detect)", "S" },
    { "payload", 0, 0, G_OPTION_ARG_STRING, &payload, "QR payload (qr)", "TEXT" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &png, "Write the last QR render here (qr)", "FILE" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Folder for the journals (detect, journal)",
      "DIR" },
    { "invoices", 0, 0, G_OPTION_ARG_INT, &invoices, "Invoices in the big journal", "N" },
    { "per-day", 0, 0, G_OPTION_ARG_INT, &per_day, "Invoices a day in it", "N" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the journals (journal)", NULL },
    G_OPTION_ENTRY_NULL
  };

  /* GIO's proxy resolver stays the system's: the till consults it in a shop too. */
  setlocale (LC_ALL, "C.UTF-8");

  context = g_option_context_new ("body|detect|qr|journal|escpos — the C half of make bench");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("kassa-bench: %s\n",
                  error != NULL ? error->message
                                : "one command: body, detect, qr, journal or escpos");
      return 2;
    }

  command = argv[1];
  if (g_str_equal (command, "body"))
    status = command_body (secret_file, terminal, prefix, amount, runs, &error);
  else if (g_str_equal (command, "detect"))
    status = command_detect (url, terminal, secret_file, dir, runs, window, &error);
  else if (g_str_equal (command, "qr"))
    status = command_qr (payload, runs, png, &error);
  else if (g_str_equal (command, "journal"))
    status = command_journal (dir, runs, invoices, per_day, keep, &error);
  else if (g_str_equal (command, "escpos"))
    status = command_escpos (dir, runs, &error);
  else
    {
      g_printerr ("kassa-bench: unknown command “%s”\n", command);
      return 2;
    }

  if (status != 0)
    g_printerr ("kassa-bench %s: %s\n", command,
                error != NULL ? error->message : "failed");
  return status;
}
