/* bench-min-window.c — the cold-start baseline: the smallest libadwaita application
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An AdwApplication (default flags: unique on the session bus, as kassa is)
 * whose activate presents an AdwApplicationWindow holding one label. It
 * does nothing else and runs until it is killed: bench/run-bench.py times it
 * from exec to its first frame, exactly as it times kassa (docs/benchmarks.md).
 */

#include "config.h"

#include <adwaita.h>

static void
on_activate_cb (GApplication *app,
                gpointer      user_data)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *label = gtk_label_new ("Kassa");

  gtk_window_set_title (GTK_WINDOW (window), "Kassa");
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), label);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = adw_application_new ("mn.kassa.BenchMinWindow",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (on_activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
