/* kassa-push-listener-private.h — the push listener's checks, without a SoupServer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The listener's HTTP handlers only hand what libsoup parsed to these
 * functions and send the verdict back. The push fuzz target
 * (fuzz/fuzz-push.c) calls the same functions with the same kinds of input,
 * with no server and no socket. Not for users of libkassa-core.
 */

#pragma once

#include "kassa-push-listener.h"

G_BEGIN_DECLS

/* What to answer a request, and on 200 what to announce. */
typedef struct
{
  guint       status;     /* the HTTP status: 200 for a verified push */
  const char *reason;     /* a refusal's short public reason ("bad checksum"); NULL on 200 */
  char       *detail;     /* a refusal's details, for the debug log only; NULL on 200 */
  char       *invoice;    /* on 200: what ::push-received carries */
  gint64      amount;
  char       *resp_code;
} KassaPushVerdict;

void kassa_push_verdict_clear (KassaPushVerdict *verdict);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KassaPushVerdict, kassa_push_verdict_clear)

/* A request body as its chunks arrive, kept only up to KASSA_PUSH_MAX_BODY_SIZE:
 * past that it is dropped and @too_big set. */
typedef struct
{
  GByteArray *data;
  gboolean    too_big;
} KassaPushBody;

KassaPushBody *kassa_push_body_new    (void);
void           kassa_push_body_append (KassaPushBody *body,
                                       const guint8  *data,
                                       gsize          size);
void           kassa_push_body_free   (KassaPushBody *body);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaPushBody, kassa_push_body_free)

/* After the request line and headers, before the body. @path is the
 * percent-decoded path, @content_length the declared Content-Length, or -1
 * when there is none (chunked). TRUE: read the body. FALSE: @verdict (cleared
 * first) holds the refusal (404, 405 or 413). */
gboolean kassa_push_listener_check_head (KassaPushListener   *self,
                                         const char          *path,
                                         const char          *method,
                                         goffset              content_length,
                                         KassaPushVerdict    *verdict);

/* After the body. @content_type is the media type without parameters (NULL
 * when there is no Content-Type), @query the decoded query string (NULL when
 * there is none). Always fills @verdict (cleared first): 200 with the push to
 * announce, or a refusal (400, 403 or 413). */
void     kassa_push_listener_check_body (KassaPushListener   *self,
                                         const char          *content_type,
                                         GHashTable          *query,
                                         const KassaPushBody *body,
                                         KassaPushVerdict    *verdict);

G_END_DECLS
