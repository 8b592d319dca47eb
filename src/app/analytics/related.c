/* See related.h. */
#include "app/analytics/related.h"
#include "app/social/channels.h"
#include "app/search/search.h"
#include "app/video/videos.h"
#include "core/error.h"

/* Each counted view costs one pair update per video in the viewer's
 * history; the last 50 carry the co-watching signal while keeping a heavy
 * viewer's views cheap. */
#define RELATED_HISTORY_MAX 50

static gboolean
pair_add (ReelTxn *txn, const char *a, const char *b, GError **error)
{
  char key[2 * REEL_ID_LEN];
  memcpy (key, a, REEL_ID_LEN);
  memcpy (key + REEL_ID_LEN, b, REEL_ID_LEN);
  return reel_txn_add_u64 (txn, REEL_DB_RELATED_PAIRS, key, sizeof key, 1, error);
}

static gboolean
related_apply (ReelTxn *txn, const ReelAction *a, const ReelWatchRules *rules, GError **error)
{
  ReelWatchStep step;
  g_autofree char *viewer = NULL;
  g_autoptr (GByteArray) history = g_byte_array_new ();
  const void *v;
  gsize len = 0;

  if (!reel_watch_apply (txn, REEL_DB_RELATED_WATCH, a, rules, &step, error))
    return FALSE;
  if (!step.counted)
    return TRUE;
  viewer = a->viewer[0] ? g_strconcat ("u:", a->viewer, NULL)
                        : g_strconcat ("s:", a->session_id, NULL);
  if (reel_txn_get (txn, REEL_DB_RELATED_HISTORY, viewer, strlen (viewer), &v, &len, NULL))
    g_byte_array_append (history, v, (guint)(len - len % REEL_ID_LEN));
  for (gsize off = 0; off < history->len; off += REEL_ID_LEN)
    if (memcmp (history->data + off, a->video_id, REEL_ID_LEN) == 0)
      return TRUE; /* watched again in another session: no new pair */
  for (gsize off = 0; off < history->len; off += REEL_ID_LEN)
    {
      const char *other = (const char *)history->data + off;
      if (!pair_add (txn, other, a->video_id, error) || !pair_add (txn, a->video_id, other, error))
        return FALSE;
    }
  if (history->len >= RELATED_HISTORY_MAX * REEL_ID_LEN)
    g_byte_array_remove_range (history, 0, history->len - (RELATED_HISTORY_MAX - 1) * REEL_ID_LEN);
  g_byte_array_append (history, (const guint8 *)a->video_id, REEL_ID_LEN);
  return reel_txn_put (txn, REEL_DB_RELATED_HISTORY, viewer, strlen (viewer), history->data,
                       history->len, error);
}

static const ReelDb related_dbs[]
    = { REEL_DB_RELATED_WATCH, REEL_DB_RELATED_HISTORY, REEL_DB_RELATED_PAIRS };

const ReelActionProjection reel_related_projection = {
  REEL_PROJECTION_RELATED, related_dbs, G_N_ELEMENTS (related_dbs), related_apply, TRUE,
};

/* --- candidates --- */

typedef struct
{
  char *id;
  double score; /* higher first, then by id */
} Candidate;

static void
candidate_clear (gpointer p)
{
  Candidate *c = p;
  g_free (c->id);
}

static gint
by_score (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return strcmp (x->id, y->id);
}

static void
take_best (GArray *candidates, guint limit, GPtrArray *out)
{
  g_array_sort (candidates, by_score);
  for (guint i = 0; i < candidates->len && i < limit; i++)
    g_ptr_array_add (out, g_steal_pointer (&g_array_index (candidates, Candidate, i).id));
}

static gboolean
is_ready (const ReelVideo *rec)
{
  return rec->state == REEL_VIDEO_READY;
}

static gboolean
collect_pair (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Candidate c = { 0 };
  if (key_len != 2 * REEL_ID_LEN || value_len != 8)
    return TRUE;
  c.id = g_strndup ((const char *)key + REEL_ID_LEN, REEL_ID_LEN);
  c.score = (double)reel_store_read_u64 (value);
  g_array_append_val (data, c);
  return TRUE;
}

/* Videos watched by the same viewers as source, most shared first. */
static void
co_watched (ReelTxn *txn, const char *id, GPtrArray *out)
{
  g_autoptr (GArray) candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  g_array_set_clear_func (candidates, candidate_clear);
  reel_txn_scan (txn, REEL_DB_RELATED_PAIRS, id, REEL_ID_LEN, NULL, 0, FALSE, collect_pair,
                 candidates, NULL);
  take_best (candidates, G_MAXUINT, out);
}

/* --- the list --- */

/* Adds the candidates that are ready and not listed yet, up to limit. */
static void
add_items (ReelTxn *txn, GPtrArray *ids, const char *reason, GHashTable *listed, guint limit,
           JsonArray *items)
{
  for (guint i = 0; i < ids->len && json_array_get_length (items) < limit; i++)
    {
      const char *id = ids->pdata[i];
      g_autoptr (ReelVideo) rec = NULL;
      JsonObject *item;
      if (g_hash_table_contains (listed, id) || !(rec = reel_videos_load_shared (txn, id, NULL))
          || !is_ready (rec))
        continue;
      g_hash_table_add (listed, g_strdup (id));
      if (!(item = reel_videos_list_item (txn, rec)))
        continue; /* not to be listed (app/video/visibility.h) */
      json_object_set_string_member (item, "reason", reason);
      json_array_add_object_element (items, item);
    }
}

JsonArray *
reel_related_list (ReelStore *store, const char *id, guint limit, GError **error)
{
  g_autoptr (ReelVideo) source = reel_videos_get (store, id, error);
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GHashTable) listed = NULL;
  g_autoptr (JsonArray) items = NULL;

  if (!source || !(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (listed, g_strdup (id)); /* never the video itself */
  items = json_array_new ();
  {
    g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
    co_watched (txn, id, ids);
    add_items (txn, ids, "co_watched", listed, limit, items);
  }
  if (json_array_get_length (items) < limit)
    {
      g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      reel_channels_recent (txn, source->owner, limit + g_hash_table_size (listed), ids);
      add_items (txn, ids, "same_channel", listed, limit, items);
    }
  if (json_array_get_length (items) < limit)
    {
      g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      reel_search_similar_titles (txn, source->title, id, limit + g_hash_table_size (listed), ids);
      add_items (txn, ids, "similar_title", listed, limit, items);
    }
  return g_steal_pointer (&items);
}
