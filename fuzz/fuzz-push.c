/* fuzz-push.c — libFuzzer target: the bank's push, as the listener checks it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 chooses the profile ('0' default, '1' amount-format=two-decimals,
 * '2' amount-as-number; any byte, modulo 3) and how the body arrives in chunks
 * (byte / 3, modulo 4). The rest is an HTTP/1.1 request as a client sends it:
 *
 *   POST /kassa/push?terminal=12345678
 *   Content-Type: application/json
 *   Transfer-Encoding: chunked
 *
 *   {"terminal":"12345678", …}
 *
 * (line ends "\n" or "\r\n"; no HTTP version needed). The request is taken
 * apart roughly as libsoup's server does — the target URI parsed and its path
 * percent-decoded, the query string form-decoded, the headers read with
 * SoupMessageHeaders, the body cut at its Content-Length (none without a
 * Content-Length or chunked encoding) — and handed to the listener's own
 * checks (kassa-push-listener-private.h), the functions its HTTP handlers call.
 * Requests libsoup itself would refuse (bad URI, bad header line, unknown
 * Transfer-Encoding) are skipped; one whose body is shorter than declared
 * only has its head checked, as the early handler would.
 *
 * Invariants: the head is refused only with 404/405/413 and passed only for
 * POST to the configured path; a body verdict is 200/400/403/413; a verified
 * push has a valid invoice, an amount in range and a sane resp_code, fitted in
 * KASSA_PUSH_MAX_BODY_SIZE, and the same request is refused with 403 by a
 * listener with another secret ("bad checksum") and by one with another
 * terminal ("unknown terminal"): a push is accepted only with the right
 * checksum. docs/fuzzing.md.
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-fuzz.h"
#include "kassa-push-listener-private.h"

/* The values of tests/kassa-test-util.h, so the seeds' checksums are the tests'. */
#define FUZZ_TERMINAL "12345678"
#define FUZZ_SECRET   "secret123"
#define FUZZ_PATH     "/kassa/push"

static const char * const profile_readings[][2] = {
  { NULL, NULL },
  { "amount-format", "two-decimals" },
  { "amount-as-number", "true" },
};

static const gsize chunk_sizes[] = { 4096, 1, 100, 65536 };

typedef struct
{
  char               *method;
  char               *path;    /* percent-decoded */
  GHashTable         *query;   /* NULL when there is none */
  SoupMessageHeaders *headers;
  const uint8_t      *body;
  gsize               body_size;
  gboolean            body_complete;  /* FALSE: the handler would never run */
} Request;

static void
request_clear (Request *request)
{
  g_clear_pointer (&request->method, g_free);
  g_clear_pointer (&request->path, g_free);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

/* One line of [*p, end), without its "\n" or "\r\n"; NULL at the end. */
static char *
next_line (const uint8_t **p,
           const uint8_t  *end)
{
  const uint8_t *newline;
  gsize length;

  if (*p >= end)
    return NULL;

  newline = memchr (*p, '\n', end - *p);
  length = (newline != NULL ? newline : end) - *p;
  if (length > 0 && (*p)[length - 1] == '\r')
    length--;

  {
    char *line = g_strndup ((const char *) *p, length);

    *p = newline != NULL ? newline + 1 : end;
    return line;
  }
}

static gboolean
is_token (const char *text)
{
  if (*text == '\0')
    return FALSE;

  for (const char *c = text; *c != '\0'; c++)
    {
      if (!g_ascii_isalnum (*c) && strchr ("!#$%&'*+-.^_`|~", *c) == NULL)
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_header_value (const char *text)
{
  for (const char *c = text; *c != '\0'; c++)
    {
      if (g_ascii_iscntrl (*c) && *c != '\t')
        return FALSE;
    }

  return TRUE;
}

/* FALSE for a request libsoup's server would not hand to a handler. */
static gboolean
parse_request (const uint8_t *data,
               gsize          size,
               Request       *request)
{
  const uint8_t *p = data;
  const uint8_t *end = data + size;
  g_autofree char *request_line = next_line (&p, end);
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  char *space;

  if (request_line == NULL || (space = strchr (request_line, ' ')) == NULL)
    return FALSE;
  *space = '\0';
  if (!is_token (request_line) || space[1] != '/')
    return FALSE;
  /* "POST /path HTTP/1.1": the version is optional here. */
  if (strchr (space + 1, ' ') != NULL)
    *strchr (space + 1, ' ') = '\0';

  url = g_strconcat ("http://127.0.0.1:8089", space + 1, NULL);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    return FALSE;

  request->method = g_strdup (request_line);
  request->path = g_uri_unescape_string (g_uri_get_path (uri), NULL);
  if (request->path == NULL)
    return FALSE;
  if (g_uri_get_query (uri) != NULL)
    request->query = soup_form_decode (g_uri_get_query (uri));

  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  for (;;)
    {
      g_autofree char *line = next_line (&p, end);
      char *colon;

      if (line == NULL || *line == '\0')
        break;

      colon = strchr (line, ':');
      if (colon == NULL)
        return FALSE;
      *colon = '\0';
      if (!is_token (line) || !is_header_value (colon + 1))
        return FALSE;
      soup_message_headers_append (request->headers, line, g_strstrip (colon + 1));
    }

  switch (soup_message_headers_get_encoding (request->headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      {
        goffset declared = soup_message_headers_get_content_length (request->headers);

        if (declared < 0)
          return FALSE;
        /* A shorter body never completes: the early handler runs (and may
         * refuse the declared size), the handler does not. */
        request->body_complete = (guint64) declared <= (guint64) (end - p);
        request->body_size = request->body_complete ? (gsize) declared : 0;
      }
      break;

    case SOUP_ENCODING_CHUNKED:
      /* The rest, as the chunks' data once de-chunked. */
      request->body_size = end - p;
      request->body_complete = TRUE;
      break;

    case SOUP_ENCODING_UNRECOGNIZED:
      /* An unknown Transfer-Encoding: libsoup answers it itself. */
      return FALSE;

    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_BYTERANGES:
    default:
      /* A request without a length has no body. */
      request->body_size = 0;
      request->body_complete = TRUE;
      break;
    }
  request->body = p;

  return TRUE;
}

static KassaPushListener *
new_listener (const char *terminal,
              const char *secret,
              guint       profile_index)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(KassaPushListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  if (profile_readings[profile_index][0] != NULL)
    g_assert_true (kassa_bank_profile_set_reading (profile, profile_readings[profile_index][0],
                                                   profile_readings[profile_index][1], NULL));

  listener = kassa_push_listener_new (terminal, secret, profile);
  /* listen() sets the path the head is checked against. Port 0 on loopback;
   * nothing ever connects: the input goes to the checks directly. */
  if (!kassa_push_listener_listen (listener, "127.0.0.1", 0, FUZZ_PATH, NULL, NULL, &error))
    g_error ("cannot listen on loopback: %s", error->message);

  return g_steal_pointer (&listener);
}

typedef enum
{
  LISTENER_OURS,
  LISTENER_OTHER_SECRET,
  LISTENER_OTHER_TERMINAL,
  N_LISTENERS
} ListenerKind;

/* One listener of each kind and profile for the whole run: a socket per input
 * would cost more than the checks. They live until the process exits. */
static KassaPushListener *
get_listener (ListenerKind kind,
              guint        profile_index)
{
  static KassaPushListener *listeners[N_LISTENERS][G_N_ELEMENTS (profile_readings)];
  KassaPushListener **slot = &listeners[kind][profile_index];

  if (*slot == NULL)
    {
      switch (kind)
        {
        case LISTENER_OURS:
          *slot = new_listener (FUZZ_TERMINAL, FUZZ_SECRET, profile_index);
          break;
        case LISTENER_OTHER_SECRET:
          *slot = new_listener (FUZZ_TERMINAL, "another-secret", profile_index);
          break;
        case LISTENER_OTHER_TERMINAL:
          *slot = new_listener ("87654321", FUZZ_SECRET, profile_index);
          break;
        case N_LISTENERS:
        default:
          g_assert_not_reached ();
        }
    }

  return *slot;
}

/* The body through the listener's checks, in the given chunk size. */
static void
check_request (KassaPushListener *listener,
               const Request     *request,
               gsize              chunk_size,
               KassaPushVerdict  *verdict)
{
  g_autoptr(KassaPushBody) body = kassa_push_body_new ();
  gsize offset = 0;

  while (offset < request->body_size)
    {
      gsize n = MIN (chunk_size, request->body_size - offset);

      kassa_push_body_append (body, request->body + offset, n);
      offset += n;
    }
  g_assert_true (body->too_big == (request->body_size > KASSA_PUSH_MAX_BODY_SIZE));
  if (!body->too_big)
    g_assert_cmpuint (body->data->len, ==, request->body_size);

  kassa_push_listener_check_body (listener,
                                  soup_message_headers_get_content_type (request->headers, NULL),
                                  request->query, body, verdict);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  KassaPushListener *listener;
  g_auto(Request) request = { 0, };
  g_auto(KassaPushVerdict) verdict = { 0, };
  guint profile_index;
  gsize chunk_size;
  goffset content_length = -1;

  kassa_fuzz_init ();

  if (size < 1)
    return 0;

  profile_index = data[0] % G_N_ELEMENTS (profile_readings);
  chunk_size = chunk_sizes[(data[0] / G_N_ELEMENTS (profile_readings)) % G_N_ELEMENTS (chunk_sizes)];

  if (!parse_request (data + 1, size - 1, &request))
    return 0;

  listener = get_listener (LISTENER_OURS, profile_index);

  if (soup_message_headers_get_encoding (request.headers) == SOUP_ENCODING_CONTENT_LENGTH)
    content_length = soup_message_headers_get_content_length (request.headers);

  if (!kassa_push_listener_check_head (listener, request.path, request.method, content_length,
                                       &verdict))
    {
      g_assert_true (verdict.status == SOUP_STATUS_NOT_FOUND ||
                     verdict.status == SOUP_STATUS_METHOD_NOT_ALLOWED ||
                     verdict.status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
      g_assert_nonnull (verdict.reason);
      g_assert_null (verdict.invoice);
      return 0;
    }
  g_assert_cmpstr (request.path, ==, FUZZ_PATH);
  g_assert_cmpstr (request.method, ==, "POST");
  g_assert_cmpint (content_length, <=, KASSA_PUSH_MAX_BODY_SIZE);

  if (!request.body_complete)
    return 0;

  check_request (listener, &request, chunk_size, &verdict);
  g_debug ("%s %s: %u %s (%s)", request.method, request.path, verdict.status,
           verdict.reason != NULL ? verdict.reason : "ok",
           verdict.detail != NULL ? verdict.detail : verdict.invoice);

  switch (verdict.status)
    {
    case SOUP_STATUS_OK:
      {
        g_auto(KassaPushVerdict) other = { 0, };

        g_assert_null (verdict.reason);
        g_assert_cmpuint (request.body_size, <=, KASSA_PUSH_MAX_BODY_SIZE);
        g_assert_true (kassa_invoice_validate (verdict.invoice, NULL));
        g_assert_true (kassa_amount_validate (verdict.amount, NULL));
        g_assert_nonnull (verdict.resp_code);
        g_assert_cmpuint (strlen (verdict.resp_code), >=, 1);
        g_assert_cmpuint (strlen (verdict.resp_code), <=, 16);
        for (const char *c = verdict.resp_code; *c != '\0'; c++)
          g_assert_true (g_ascii_isgraph (*c));

        /* Accepted only with the right checksum, and only for this terminal. */
        check_request (get_listener (LISTENER_OTHER_SECRET, profile_index), &request, chunk_size, &other);
        g_assert_cmpuint (other.status, ==, SOUP_STATUS_FORBIDDEN);
        g_assert_cmpstr (other.reason, ==, "bad checksum");

        check_request (get_listener (LISTENER_OTHER_TERMINAL, profile_index), &request, chunk_size, &other);
        g_assert_cmpuint (other.status, ==, SOUP_STATUS_FORBIDDEN);
        g_assert_cmpstr (other.reason, ==, "unknown terminal");
      }
      break;

    case SOUP_STATUS_BAD_REQUEST:
    case SOUP_STATUS_FORBIDDEN:
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      g_assert_nonnull (verdict.reason);
      g_assert_nonnull (verdict.detail);
      g_assert_null (verdict.invoice);
      g_assert_null (verdict.resp_code);
      break;

    default:
      g_error ("unexpected verdict %u", verdict.status);
    }

  return 0;
}
