/* kassa-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "kassa-window.h"

struct _KassaWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  GtkLabel             *training_label;
  AdwStatusPage        *status_page;
};

G_DEFINE_FINAL_TYPE (KassaWindow, kassa_window, ADW_TYPE_APPLICATION_WINDOW)

static void
kassa_window_constructed (GObject *object)
{
  KassaWindow *self = KASSA_WINDOW (object);
  KassaApplication *app;
  const char *url;

  G_OBJECT_CLASS (kassa_window_parent_class)->constructed (object);

  app = KASSA_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  url = app ? kassa_application_get_training_url (app) : NULL;
  if (url != NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the URL of the bank simulator, e.g. http://127.0.0.1:40000 */
      text = g_strdup_printf (_("Training mode: payments go to the built-in bank simulator at %s"),
                              url);
      gtk_label_set_label (self->training_label, text);
    }
  else
    {
      gtk_label_set_label (self->training_label,
                           _("The training bank could not be started."));
    }
}

static void
kassa_window_class_init (KassaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kassa_window_constructed;

  gtk_widget_class_set_template_from_resource (widget_class, "/mn/kassa/Kassa/ui/kassa-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, training_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, status_page);
}

static void
kassa_window_init (KassaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

KassaWindow *
kassa_window_new (KassaApplication *application)
{
  return g_object_new (KASSA_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
