/* kassa-printer-discover.c — the printers Preferences can offer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The USB printer nodes the kernel's usblp driver made, then the queues of
 * the CUPS server ($CUPS_SERVER or the local one), each as a URI
 * KassaPrinter takes and a label for people.
 */

#include "config.h"

#include <cups/cups.h>
#include <glib/gi18n.h>

#include "kassa-printer-private.h"

void
kassa_printer_choice_free (KassaPrinterChoice *choice)
{
  if (choice == NULL)
    return;
  g_free (choice->uri);
  g_free (choice->label);
  g_free (choice);
}

static KassaPrinterChoice *
choice_new (char *uri,
            char *label)
{
  KassaPrinterChoice *choice = g_new0 (KassaPrinterChoice, 1);

  choice->uri = uri;
  choice->label = label;
  return choice;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

void
kassa_printer_discover_usb (const char *dir,
                            GPtrArray  *choices)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    if (g_str_has_prefix (name, "lp"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);

      g_ptr_array_add (choices,
                       choice_new (g_strconcat ("usb:", path, NULL),
                                   /* Translators: a receipt printer on a USB port; %s is
                                      its device, /dev/usb/lp0 */
                                   g_strdup_printf (_("USB printer %s"), path)));
    }
}

static void
discover_cups (GPtrArray *choices)
{
  http_t *http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC, cupsEncryption (),
                               1, 2000, NULL);
  cups_dest_t *dests = NULL;
  int n_dests;

  if (http == NULL)
    return;
  httpSetTimeout (http, 5.0, NULL, NULL);
  n_dests = cupsGetDests2 (http, &dests);
  for (int i = 0; i < n_dests; i++)
    {
      const char *info = cupsGetOption ("printer-info", dests[i].num_options, dests[i].options);

      if (dests[i].instance != NULL)
        continue;
      g_ptr_array_add (choices,
                       choice_new (g_strconcat ("cups:", dests[i].name, NULL),
                                   /* Translators: a CUPS printer queue; %s is its description
                                      or name */
                                   g_strdup_printf (_("Printer queue %s"),
                                                    info != NULL && *info != '\0'
                                                      ? info : dests[i].name)));
    }
  cupsFreeDests (n_dests, dests);
  httpClose (http);
}

GPtrArray *
kassa_printer_discover (GCancellable *cancellable)
{
  GPtrArray *choices = g_ptr_array_new_with_free_func ((GDestroyNotify) kassa_printer_choice_free);

  kassa_printer_discover_usb ("/dev/usb", choices);
  if (!g_cancellable_is_cancelled (cancellable))
    discover_cups (choices);
  return choices;
}

static void
discover_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  g_task_return_pointer (task, kassa_printer_discover (cancellable),
                         (GDestroyNotify) g_ptr_array_unref);
}

void
kassa_printer_discover_async (GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, kassa_printer_discover_async);
  g_task_run_in_thread (task, discover_thread);
}

GPtrArray *
kassa_printer_discover_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
