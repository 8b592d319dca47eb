/* See index.h. */
#include "app/search/index.h"
#include "app/search/tokenizer.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "store/counters.h"

/* The prefix index's entries start with this: no term contains it (terms
 * are letters and digits). */
#define PREFIX_MARK '\x01'

const double reel_search_weights[REEL_SEARCH_FIELDS] = {
  [REEL_SEARCH_TITLE] = 3.0,
  [REEL_SEARCH_DESCRIPTION] = 1.0,
  [REEL_SEARCH_CHANNEL] = 2.0,
};

typedef struct
{
  guint16 tf[REEL_SEARCH_FIELDS];
} TermFreq;

static GBytes *
posting_key (const char *term, const char *video_id)
{
  GByteArray *k = g_byte_array_sized_new ((guint)(strlen (term) + 1 + REEL_ID_LEN));
  g_byte_array_append (k, (const guint8 *)term, (guint)strlen (term) + 1);
  g_byte_array_append (k, (const guint8 *)video_id, REEL_ID_LEN);
  return g_byte_array_free_to_bytes (k);
}

static gboolean
put_bytes (ReelTxn *txn, ReelDb db, GBytes *key, const void *v, gsize len, GError **error)
{
  return reel_txn_put (txn, db, g_bytes_get_data (key, NULL), g_bytes_get_size (key), v, len,
                       error);
}

guint32
reel_search_term_df (ReelTxn *txn, const char *term)
{
  const guint8 *v;
  gsize len;
  if (!reel_txn_get (txn, REEL_DB_SEARCH_TERMS, term, strlen (term), (const void **)&v, &len, NULL)
      || len != 4)
    return 0;
  return (guint32)v[0] << 24 | (guint32)v[1] << 16 | (guint32)v[2] << 8 | v[3];
}

static gboolean
term_df_add (ReelTxn *txn, const char *term, int delta, GError **error)
{
  guint32 n = reel_search_term_df (txn, term);
  guint8 v[4];
  if (delta < 0 && n <= (guint32)-delta)
    return reel_txn_del (txn, REEL_DB_SEARCH_TERMS, term, strlen (term), error);
  n += (guint32)delta;
  v[0] = n >> 24, v[1] = n >> 16, v[2] = n >> 8, v[3] = n;
  return reel_txn_put (txn, REEL_DB_SEARCH_TERMS, term, strlen (term), v, sizeof v, error);
}

gboolean
reel_search_remove (ReelTxn *txn, const char *video_id, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) doc = NULL;
  JsonArray *terms;

  if (!(doc = reel_txn_get_json (txn, REEL_DB_SEARCH_DOCS, video_id, strlen (video_id), &local)))
    {
      if (!local)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  terms
      = json_object_has_member (doc, "terms") ? json_object_get_array_member (doc, "terms") : NULL;
  for (guint i = 0; terms && i < json_array_get_length (terms); i++)
    {
      const char *term = json_array_get_string_element (terms, i);
      g_autoptr (GBytes) key = posting_key (term, video_id);
      if (!reel_txn_del (txn, REEL_DB_SEARCH_POSTINGS, g_bytes_get_data (key, NULL),
                         g_bytes_get_size (key), error)
          || !term_df_add (txn, term, -1, error))
        return FALSE;
    }
  return reel_counter_add (txn, REEL_SEARCH_COUNTER_DOCS, -1, error)
         && reel_counter_add (txn, REEL_SEARCH_COUNTER_TOKENS,
                              -json_object_get_int_member (doc, "length"), error)
         && reel_txn_del (txn, REEL_DB_SEARCH_DOCS, video_id, strlen (video_id), error);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

char *
reel_search_prefix_key (const char *prefix, gsize len)
{
  char *key = g_malloc (len + 2);
  key[0] = PREFIX_MARK;
  memcpy (key + 1, prefix, len);
  key[len + 1] = '\0';
  return key;
}

/* Adds the prefix index's entries to a document's terms: each prefix of 1
 * to REEL_SEARCH_PREFIX_CHARS characters of its terms, with the frequencies of
 * all the terms that start with it added up. */
static void
add_prefixes (GHashTable *freqs)
{
  g_autoptr (GHashTable) prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter it;
  gpointer term, value;
  g_hash_table_iter_init (&it, freqs);
  while (g_hash_table_iter_next (&it, &term, &value))
    {
      const char *end = term;
      for (int n = 1; n <= REEL_SEARCH_PREFIX_CHARS && *end; n++)
        {
          g_autofree char *key = NULL;
          TermFreq *sum;
          end = g_utf8_next_char (end);
          key = reel_search_prefix_key (term, end - (const char *)term);
          if (!(sum = g_hash_table_lookup (prefixes, key)))
            {
              sum = g_new0 (TermFreq, 1);
              g_hash_table_insert (prefixes, g_strdup (key), sum);
            }
          for (int f = 0; f < REEL_SEARCH_FIELDS; f++)
            sum->tf[f] = (guint16)MIN (G_MAXUINT16, (guint)sum->tf[f] + ((TermFreq *)value)->tf[f]);
        }
    }
  g_hash_table_iter_init (&it, prefixes);
  while (g_hash_table_iter_next (&it, &term, &value))
    {
      g_hash_table_iter_steal (&it);
      g_hash_table_insert (freqs, term, value);
    }
}

gboolean
reel_search_index (ReelTxn *txn, const char *video_id, const char *const fields[REEL_SEARCH_FIELDS],
                   GError **error)
{
  g_autoptr (GHashTable) freqs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (JsonObject) doc = json_object_new ();
  g_autoptr (GPtrArray) sorted = NULL;
  JsonArray *list = json_array_new ();
  guint32 length = 0;
  GHashTableIter it;
  gpointer term;

  g_return_val_if_fail (reel_id_valid (video_id), FALSE);
  if (!reel_search_remove (txn, video_id, error))
    return FALSE;
  for (int f = 0; f < REEL_SEARCH_FIELDS; f++)
    {
      g_autoptr (GArray) tokens = fields[f] ? reel_tokenize (fields[f]) : NULL;
      for (guint i = 0; tokens && i < tokens->len; i++)
        {
          ReelToken *t = &g_array_index (tokens, ReelToken, i);
          TermFreq *tf = g_hash_table_lookup (freqs, t->term);
          if (!tf)
            {
              tf = g_new0 (TermFreq, 1);
              g_hash_table_insert (freqs, g_strdup (t->term), tf);
            }
          if (tf->tf[f] < G_MAXUINT16)
            tf->tf[f]++;
          length++;
        }
    }
  add_prefixes (freqs);
  /* Sorted, so the same document always stores the same bytes. */
  sorted = g_ptr_array_new ();
  g_hash_table_iter_init (&it, freqs);
  while (g_hash_table_iter_next (&it, &term, NULL))
    g_ptr_array_add (sorted, term);
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 0; i < sorted->len; i++)
    {
      const char *t = sorted->pdata[i];
      TermFreq *tf = g_hash_table_lookup (freqs, t);
      g_autoptr (GBytes) key = posting_key (t, video_id);
      guint8 v[REEL_SEARCH_POSTING_LEN];
      for (int f = 0; f < REEL_SEARCH_FIELDS; f++)
        v[2 * f] = tf->tf[f] >> 8, v[2 * f + 1] = tf->tf[f] & 0xff;
      v[2 * REEL_SEARCH_FIELDS] = length >> 24;
      v[2 * REEL_SEARCH_FIELDS + 1] = length >> 16;
      v[2 * REEL_SEARCH_FIELDS + 2] = length >> 8;
      v[2 * REEL_SEARCH_FIELDS + 3] = length;
      if (!put_bytes (txn, REEL_DB_SEARCH_POSTINGS, key, v, sizeof v, error)
          || !term_df_add (txn, t, 1, error))
        {
          json_array_unref (list);
          return FALSE;
        }
      json_array_add_string_element (list, t);
    }
  json_object_set_int_member (doc, "length", length);
  json_object_set_array_member (doc, "terms", list);
  return reel_counter_add (txn, REEL_SEARCH_COUNTER_DOCS, 1, error)
         && reel_counter_add (txn, REEL_SEARCH_COUNTER_TOKENS, length, error)
         && reel_txn_put_json (txn, REEL_DB_SEARCH_DOCS, video_id, strlen (video_id), doc, error);
}

double
reel_search_posting_freq (const guint8 *v, guint32 *length)
{
  double f = 0;
  for (int i = 0; i < REEL_SEARCH_FIELDS; i++)
    f += reel_search_weights[i] * (double)(v[2 * i] << 8 | v[2 * i + 1]);
  if (length)
    *length = (guint32)v[2 * REEL_SEARCH_FIELDS] << 24
              | (guint32)v[2 * REEL_SEARCH_FIELDS + 1] << 16
              | (guint32)v[2 * REEL_SEARCH_FIELDS + 2] << 8 | v[2 * REEL_SEARCH_FIELDS + 3];
  return f;
}

gboolean
reel_search_posting_ok (gsize key_len, gsize value_len)
{
  return key_len >= REEL_ID_LEN + 2 && value_len == REEL_SEARCH_POSTING_LEN;
}

static gboolean
index_video (ReelTxn *txn, const char *id, const ReelVideo *rec, const char *title,
             const char *description, GError **error)
{
  const char *owner = rec->owner;
  g_autoptr (JsonObject) user = reel_users_load (txn, owner, NULL);
  g_autofree char *channel = g_strdup_printf (
      "%s %s", owner,
      user ? json_object_get_string_member_with_default (user, "display_name", "") : "");
  const char *fields[REEL_SEARCH_FIELDS] = { title, description, channel };
  return reel_search_index (txn, id, fields, error);
}

gboolean
reel_search_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id;
  g_autoptr (ReelVideo) rec = NULL;
  g_autoptr (GError) local = NULL;

  if (!g_str_equal (ev->type, "video.ready") && !g_str_equal (ev->type, "video.edited")
      && !g_str_equal (ev->type, "video.deleted"))
    return TRUE;
  if (!(id = reel_videos_event_id (ev, error)))
    return FALSE;
  if (g_str_equal (ev->type, "video.deleted"))
    return reel_search_remove (txn, id, error);
  rec = reel_videos_load (txn, id, &local);
  if (!rec)
    {
      if (!local)
        return TRUE; /* deleted before it was published: nothing to index */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* video.ready is announced once; a video in the index was indexed. */
  if (g_str_equal (ev->type, "video.ready"))
    return reel_txn_get (txn, REEL_DB_SEARCH_DOCS, id, strlen (id), NULL, NULL, NULL)
           || index_video (txn, id, rec, rec->title, rec->description ? rec->description : "",
                           error);
  /* video.edited: only published videos are in the index. */
  if (!reel_txn_get (txn, REEL_DB_SEARCH_DOCS, id, strlen (id), NULL, NULL, NULL))
    return TRUE;
  return index_video (txn, id, rec,
                      json_object_get_string_member_with_default (ev->data, "title", rec->title),
                      json_object_get_string_member_with_default (
                          ev->data, "description", rec->description ? rec->description : ""),
                      error);
}
