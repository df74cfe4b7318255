/* kassa-fuzz.h — what the libFuzzer targets and the corpus replay driver share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each target (fuzz-*.c) defines LLVMFuzzerTestOneInput(). Built with
 * -Dfuzzing=true it is linked with libFuzzer (clang -fsanitize=fuzzer); in
 * every other build it is linked with replay.c, which feeds it each file of
 * its seed corpus. A broken invariant aborts: that is a finding.
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

int   LLVMFuzzerTestOneInput  (const uint8_t *data,
                               size_t         size);

/* Once per process: g_warning() and g_critical() (a failed g_return_if_fail
 * among them) abort, so libFuzzer reports them as crashes. */
void  kassa_fuzz_init         (void);

/* Aborts unless @error is of @domain and its message is non-empty, valid
 * UTF-8: the message of every error shown to a person. */
void  kassa_fuzz_check_error  (const GError *error,
                               GQuark        domain);

/* The input as a NUL-terminated string: up to the first NUL byte, as a C
 * caller would see it. */
char *kassa_fuzz_strndup      (const uint8_t *data,
                               size_t         size);

G_END_DECLS
