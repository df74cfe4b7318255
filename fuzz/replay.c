/* replay.c — runs a fuzz target over its seed corpus, without libFuzzer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked with one fuzz-*.c in every build that is not -Dfuzzing=true (gcc
 * included), as the `fuzz` test suite: each file of the corpus directories
 * given on the command line (and each file named directly) is passed to
 * LLVMFuzzerTestOneInput() once, in name order, so every input that once
 * found a bug keeps being checked. TAP: "ok N - path" per file; a broken
 * invariant aborts the program, which fails the test at that file.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "kassa-fuzz.h"

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Appends @path, or the regular files directly in it when it is a directory. */
static gboolean
collect (const char  *path,
         GPtrArray   *files,
         GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such file", path);
          return FALSE;
        }
      g_ptr_array_add (files, g_strdup (path));
      return TRUE;
    }

  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&file));
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s CORPUS-DIR-OR-FILE…\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      if (!collect (argv[i], files, &error))
        {
          printf ("1..1\nnot ok 1 - %s\n", error->message);
          return 1;
        }
    }

  if (files->len == 0)
    {
      /* An empty corpus checks nothing: that is a mistake, not a pass. */
      printf ("1..1\nnot ok 1 - no corpus files in %s\n", argv[1]);
      return 1;
    }

  g_ptr_array_sort (files, compare_paths);

  printf ("1..%u\n", files->len);
  fflush (stdout);

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (file, &contents, &length, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, file, error->message);
          return 1;
        }

      /* What libFuzzer does: a buffer of exactly the file's bytes. */
      {
        g_autofree uint8_t *data = g_memdup2 (contents, length);

        /* Tell which input a crash came from before it can happen. */
        printf ("# %s\n", file);
        fflush (stdout);
        LLVMFuzzerTestOneInput (data, length);
      }

      printf ("ok %u - %s\n", i + 1, file);
      fflush (stdout);
    }

  return 0;
}
