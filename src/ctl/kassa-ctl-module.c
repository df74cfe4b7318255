/* kassa-ctl-module.c — the modules kassa-ctl loads for some commands only:
 * the report drawing (libkassa-report-module.so) and the bank
 * (libkassa-ctl-bank.so)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The executable holds the journal commands and what every command shares;
 * the commands that talk to the bank, and the libraries only they need
 * (libsoup, libcrypto, libsecret), are in libkassa-ctl-bank.so, opened when
 * one of them runs (docs/kassa-ctl.md, "Lean start").
 */

#include "config.h"

#include "kassa-ctl-till-private.h"

#include <glib/gi18n.h>

#include <gmodule.h>

/* The directory a module is in: $@env_name; the build tree's when this
 * is the build tree's kassa-ctl; else libdir/kassa relative to the directory
 * of the executable (an install, also under --destdir or a moved prefix). */
static char *
module_dir (const char *env_name,
            const char *build_dir)
{
  const char *env = kassa_ctl_getenv (env_name);
  g_autofree char *exe = NULL;
  g_autofree char *exe_dir = NULL;
  g_autofree char *joined = NULL;

  if (env != NULL)
    return g_strdup (env);

  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    return g_build_filename (KASSA_CTL_BUILDDIR, KASSA_MODULEDIR_FROM_BINDIR, NULL);

  exe_dir = g_path_get_dirname (exe);
  if (g_str_equal (exe_dir, KASSA_CTL_BUILDDIR))
    return g_strdup (build_dir);

  if (g_path_is_absolute (KASSA_MODULEDIR_FROM_BINDIR))
    return g_strdup (KASSA_MODULEDIR_FROM_BINDIR);

  joined = g_build_filename (exe_dir, KASSA_MODULEDIR_FROM_BINDIR, NULL);
  return g_canonicalize_filename (joined, NULL);
}

GModule *
kassa_ctl_module_open (const char    *env_name,
                       const char    *build_dir,
                       const char    *name,
                       GModuleFlags   flags,
                       char         **out_display_path)
{
  g_autofree char *dir = module_dir (env_name, build_dir);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  *out_display_path = g_filename_display_name (path);

  return g_module_open (path, flags);
}

gconstpointer
kassa_ctl_module_open_table (const KassaCtlModuleSpec  *spec,
                             GError                   **error)
{
  g_autofree char *display_path = NULL;
  gconstpointer (*get) (void) = NULL;
  const guint *table = NULL;
  GModule *module;

  module = kassa_ctl_module_open (spec->env_name, spec->build_dir, spec->name, spec->flags,
                                  &display_path);
  if (module == NULL)
    {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      /* Every spec's N_("… %s … (%s) …"): the file, then the loader's reason. */
      g_set_error (error, spec->error_domain, spec->error_code, _(spec->cannot_load),
                   display_path, g_module_error ());
#pragma GCC diagnostic pop
      return NULL;
    }

  /* Every table starts with its version: a module of another build is
   * refused before anything else of it is called. */
  if (g_module_symbol (module, spec->symbol, (gpointer *) &get) && get != NULL)
    table = get ();
  if (table == NULL || *table != spec->abi)
    {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      /* Every spec's N_("… %s …"): the file. */
      g_set_error (error, spec->error_domain, spec->error_code, _(spec->not_this_one),
                   display_path);
#pragma GCC diagnostic pop
      g_module_close (module);
      return NULL;
    }

  return table;
}

static const KassaCtlBankModule *bank_table;

const KassaCtlBankModule *
kassa_ctl_bank_module_peek (void)
{
  return bank_table;
}

const KassaCtlBankModule *
kassa_ctl_bank_module (GError **error)
{
  /* Local: the report module, opened after it by settle --report, needs
   * nothing of it (only kassa-core's base, from the executable). */
  const KassaCtlModuleSpec spec = {
    "KASSA_CTL_BANK_MODULEDIR", KASSA_CTL_BUILDDIR, KASSA_CTL_BANK_MODULE_NAME,
    G_MODULE_BIND_LOCAL, KASSA_CTL_BANK_MODULE_SYMBOL, KASSA_CTL_BANK_MODULE_ABI,
    G_IO_ERROR, G_IO_ERROR_FAILED,
    N_("Cannot talk to the bank: the bank module %s cannot be loaded (%s). "
       "Reinstall Kassa, or set KASSA_CTL_BANK_MODULEDIR to the directory that "
       "holds it."),
    N_("Cannot talk to the bank: %s is not the bank module of this kassa-ctl. "
       "Reinstall Kassa, or set KASSA_CTL_BANK_MODULEDIR to the directory that "
       "holds the right one."),
  };

  if (bank_table == NULL)
    bank_table = kassa_ctl_module_open_table (&spec, error);

  return bank_table;
}

int
kassa_ctl_bank_group_main (int    argc,
                           char **argv)
{
  g_autoptr(GError) error = NULL;
  const KassaCtlBankModule *module = kassa_ctl_bank_module (&error);

  if (module == NULL)
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_USAGE;
    }

  return module->bank_main (argc, argv);
}
