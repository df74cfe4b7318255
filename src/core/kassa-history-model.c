/* kassa-history-model.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-history-model.h"

typedef struct
{
  guint               index;
  GPtrArray          *items;   /* KassaInvoice */
  guint64             used;    /* LRU stamp */
} Page;

struct _KassaHistoryModel
{
  GObject             parent_instance;

  KassaJournal       *journal;
  KassaTill          *till;
  KassaJournalFilter *filter;

  guint               n_items;
  GHashTable         *pages;    /* page index → Page */
  GHashTable         *cursors;  /* page index → KassaJournalCursor (its last row) */
  guint64             clock;
  GError             *error;

  guint               refresh_id;
  guint               reads_by_offset;
  guint               reads_by_key;
};

enum {
  PROP_0,
  PROP_JOURNAL,
  PROP_TILL,
  PROP_FILTER,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void kassa_history_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KassaHistoryModel, kassa_history_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      kassa_history_model_list_model_init))

static void
page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->items);
  g_free (page);
}

static void
set_error (KassaHistoryModel *self,
           GError            *error)
{
  g_clear_error (&self->error);
  self->error = error;
  if (error != NULL)
    g_debug ("History query failed: %s", error->message);
}

static void
drop_pages (KassaHistoryModel *self)
{
  g_hash_table_remove_all (self->pages);
  g_hash_table_remove_all (self->cursors);
}

/* ── watching invoices ────────────────────────────────────────────────── */

static void schedule_refresh (KassaHistoryModel *self);

static gboolean
filter_has_states (KassaHistoryModel *self)
{
  return self->filter->states != 0;
}

static void
on_invoice_state (KassaInvoice      *invoice,
                  GParamSpec        *pspec,
                  KassaHistoryModel *self)
{
  /* Without a state criterion a move changes neither membership nor order. */
  if (filter_has_states (self))
    schedule_refresh (self);
}

static void
watch_invoice (KassaHistoryModel *self,
               KassaInvoice      *invoice)
{
  /* One handler per invoice and model; it dies with either. */
  if (g_signal_handler_find (invoice, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                             on_invoice_state, self) != 0)
    return;

  g_signal_connect_object (invoice, "notify::state", G_CALLBACK (on_invoice_state), self, 0);
}

static void
on_invoice_added (KassaTill         *till,
                  KassaInvoice      *invoice,
                  KassaHistoryModel *self)
{
  g_autoptr(GError) error = NULL;
  guint position;

  watch_invoice (self, invoice);

  if (self->refresh_id != 0)
    return; /* a full refresh is coming anyway */

  if (!kassa_journal_invoice_position (self->journal, self->filter, invoice, &position, &error))
    {
      if (error != NULL)
        {
          set_error (self, g_steal_pointer (&error));
          schedule_refresh (self);
        }
      return;
    }

  /* Every later position moved by one: the pages are stale. */
  drop_pages (self);
  position = MIN (position, self->n_items);
  self->n_items++;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gboolean
refresh_idle (gpointer data)
{
  KassaHistoryModel *self = data;

  self->refresh_id = 0;
  kassa_history_model_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (KassaHistoryModel *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_full (G_PRIORITY_DEFAULT, refresh_idle, self, NULL);
}

static void
on_recovered (KassaTill         *till,
              const char        *summary,
              KassaHistoryModel *self)
{
  schedule_refresh (self);
}

/* ── pages ────────────────────────────────────────────────────────────── */

static Page *
evict_and_load (KassaHistoryModel *self,
                guint              index)
{
  const KassaJournalCursor *before = NULL;
  g_autoptr(GError) error = NULL;
  KassaJournalCursor last;
  GPtrArray *items;
  Page *page;

  if (index > 0)
    before = g_hash_table_lookup (self->cursors, GUINT_TO_POINTER (index - 1));

  items = kassa_journal_query_invoices (self->journal, self->filter, before,
                                        index * KASSA_HISTORY_MODEL_PAGE_SIZE,
                                        KASSA_HISTORY_MODEL_PAGE_SIZE, &last, &error);
  if (items == NULL)
    {
      set_error (self, g_steal_pointer (&error));
      return NULL;
    }
  g_clear_error (&self->error);

  if (before != NULL)
    self->reads_by_key++;
  else
    self->reads_by_offset++;

  if (items->len > 0)
    g_hash_table_insert (self->cursors, GUINT_TO_POINTER (index),
                         g_memdup2 (&last, sizeof last));

  for (guint i = 0; i < items->len; i++)
    watch_invoice (self, items->pdata[i]);

  while (g_hash_table_size (self->pages) >= KASSA_HISTORY_MODEL_MAX_PAGES)
    {
      GHashTableIter iter;
      gpointer key = NULL;
      Page *candidate, *oldest = NULL;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, &key, (gpointer *) &candidate))
        if (oldest == NULL || candidate->used < oldest->used)
          oldest = candidate;
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (oldest->index));
    }

  page = g_new0 (Page, 1);
  page->index = index;
  page->items = items;
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
  return page;
}

/* ── GListModel ───────────────────────────────────────────────────────── */

static GType
kassa_history_model_get_item_type (GListModel *model)
{
  return KASSA_TYPE_INVOICE;
}

static guint
kassa_history_model_get_n_items (GListModel *model)
{
  return KASSA_HISTORY_MODEL (model)->n_items;
}

static gpointer
kassa_history_model_get_item (GListModel *model,
                              guint       position)
{
  KassaHistoryModel *self = KASSA_HISTORY_MODEL (model);
  guint index = position / KASSA_HISTORY_MODEL_PAGE_SIZE;
  guint offset = position % KASSA_HISTORY_MODEL_PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
  if (page == NULL)
    page = evict_and_load (self, index);
  if (page == NULL)
    return NULL;

  page->used = ++self->clock;
  /* The journal changed under us (should not happen: it is exclusively ours). */
  if (offset >= page->items->len)
    return NULL;

  return g_object_ref (page->items->pdata[offset]);
}

static void
kassa_history_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = kassa_history_model_get_item_type;
  iface->get_n_items = kassa_history_model_get_n_items;
  iface->get_item = kassa_history_model_get_item;
}

/* ── GObject ──────────────────────────────────────────────────────────── */

static void
kassa_history_model_constructed (GObject *object)
{
  KassaHistoryModel *self = KASSA_HISTORY_MODEL (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (kassa_history_model_parent_class)->constructed (object);

  g_return_if_fail (KASSA_IS_JOURNAL (self->journal));

  if (self->till != NULL)
    {
      g_signal_connect_object (self->till, "invoice-added", G_CALLBACK (on_invoice_added),
                               self, 0);
      g_signal_connect_object (self->till, "recovered", G_CALLBACK (on_recovered), self, 0);
    }

  if (!kassa_journal_count_invoices (self->journal, self->filter, &self->n_items, &error))
    set_error (self, g_steal_pointer (&error));
}

static void
kassa_history_model_dispose (GObject *object)
{
  KassaHistoryModel *self = KASSA_HISTORY_MODEL (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  drop_pages (self);
  g_clear_object (&self->till);

  G_OBJECT_CLASS (kassa_history_model_parent_class)->dispose (object);
}

static void
kassa_history_model_finalize (GObject *object)
{
  KassaHistoryModel *self = KASSA_HISTORY_MODEL (object);

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->cursors, g_hash_table_unref);
  g_clear_pointer (&self->filter, kassa_journal_filter_free);
  g_clear_error (&self->error);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (kassa_history_model_parent_class)->finalize (object);
}

static void
kassa_history_model_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  KassaHistoryModel *self = KASSA_HISTORY_MODEL (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;
    case PROP_TILL:
      g_value_set_object (value, self->till);
      break;
    case PROP_FILTER:
      g_value_set_boxed (value, self->filter);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_history_model_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  KassaHistoryModel *self = KASSA_HISTORY_MODEL (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      self->journal = g_value_dup_object (value);
      break;
    case PROP_TILL:
      self->till = g_value_dup_object (value);
      break;
    case PROP_FILTER:
      kassa_history_model_set_filter (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_history_model_class_init (KassaHistoryModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = kassa_history_model_constructed;
  object_class->dispose = kassa_history_model_dispose;
  object_class->finalize = kassa_history_model_finalize;
  object_class->get_property = kassa_history_model_get_property;
  object_class->set_property = kassa_history_model_set_property;

  properties[PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL, KASSA_TYPE_JOURNAL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TILL] =
    g_param_spec_object ("till", NULL, NULL, KASSA_TYPE_TILL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILTER] =
    g_param_spec_boxed ("filter", NULL, NULL, KASSA_TYPE_JOURNAL_FILTER,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_history_model_init (KassaHistoryModel *self)
{
  self->filter = kassa_journal_filter_new ();
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, page_free);
  self->cursors = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/* ── public API ───────────────────────────────────────────────────────── */

KassaHistoryModel *
kassa_history_model_new (KassaJournal *journal,
                         KassaTill    *till)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (till == NULL || KASSA_IS_TILL (till), NULL);

  return g_object_new (KASSA_TYPE_HISTORY_MODEL, "journal", journal, "till", till, NULL);
}

KassaJournal *
kassa_history_model_get_journal (KassaHistoryModel *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_MODEL (self), NULL);

  return self->journal;
}

const KassaJournalFilter *
kassa_history_model_get_filter (KassaHistoryModel *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_MODEL (self), NULL);

  return self->filter;
}

void
kassa_history_model_set_filter (KassaHistoryModel        *self,
                                const KassaJournalFilter *filter)
{
  g_autoptr(KassaJournalFilter) copy = NULL;

  g_return_if_fail (KASSA_IS_HISTORY_MODEL (self));

  copy = filter != NULL ? kassa_journal_filter_copy (filter) : kassa_journal_filter_new ();
  if (kassa_journal_filter_equal (copy, self->filter))
    return;

  kassa_journal_filter_free (self->filter);
  self->filter = g_steal_pointer (&copy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);

  /* During construction (the "filter" property) the count comes later. */
  if (self->journal != NULL)
    kassa_history_model_refresh (self);
}

void
kassa_history_model_refresh (KassaHistoryModel *self)
{
  g_autoptr(GError) error = NULL;
  guint old_n, new_n = 0;

  g_return_if_fail (KASSA_IS_HISTORY_MODEL (self));

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  if (!kassa_journal_count_invoices (self->journal, self->filter, &new_n, &error))
    {
      set_error (self, g_steal_pointer (&error));
      new_n = 0;
    }
  else
    g_clear_error (&self->error);

  drop_pages (self);
  old_n = self->n_items;
  self->n_items = new_n;

  if (old_n != 0 || new_n != 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, new_n);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

const GError *
kassa_history_model_get_error (KassaHistoryModel *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_MODEL (self), NULL);

  return self->error;
}

guint
kassa_history_model_get_n_pages (KassaHistoryModel *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}

void
kassa_history_model_get_page_reads (KassaHistoryModel *self,
                                    guint             *out_by_offset,
                                    guint             *out_by_key)
{
  g_return_if_fail (KASSA_IS_HISTORY_MODEL (self));

  if (out_by_offset != NULL)
    *out_by_offset = self->reads_by_offset;
  if (out_by_key != NULL)
    *out_by_key = self->reads_by_key;
}
