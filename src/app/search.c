/* See search.h.
 *
 * A query runs in three steps. (1) Each phrase (query term) finds its
 * document count n_i: an exact term reads SEARCH_TERMS; the prefix term
 * walks the postings of every term that starts with it and folds them per
 * video (that walk is needed anyway to know which videos match it at all).
 * (2) The phrase with the fewest documents drives: its videos are the
 * candidates, and every other phrase is checked per candidate (one LMDB
 * lookup for an exact term, a hash lookup for the prefix term). (3) The
 * survivors are scored and the best k kept in a bounded heap, so deep
 * result sets cost O(n log k), not a full sort. */
#include "app/search.h"
#include "app/tokenizer.h"
#include "app/users.h"
#include "app/videos.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "store/counters.h"

#include <math.h>

const double reel_search_weights[REEL_SEARCH_FIELDS] = {
  [REEL_SEARCH_TITLE] = 3.0,
  [REEL_SEARCH_DESCRIPTION] = 1.0,
  [REEL_SEARCH_CHANNEL] = 2.0,
};

/* FTS5's (and the usual) BM25 parameters. */
#define BM25_K1 1.2
#define BM25_B 0.75
/* FTS5's floor for the IDF of a term in more than half the documents. */
#define IDF_FLOOR 1e-6
#define POSTING_VALUE_LEN (2 * REEL_SEARCH_FIELDS + 4)
/* Snippets: about this many characters of the description, starting a few
 * words before the first match. */
#define SNIPPET_CHARS 160
#define SNIPPET_LEAD_WORDS 5
#define COUNTER_DOCS "search:docs"
#define COUNTER_TOKENS "search:tokens"

/* --- index --- */

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

static guint32
term_df (ReelTxn *txn, const char *term)
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
  guint32 n = term_df (txn, term);
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
  const void *v;
  gsize len;
  JsonArray *terms;

  if (!reel_txn_get (txn, REEL_DB_SEARCH_DOCS, video_id, strlen (video_id), &v, &len, &local))
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      return local == NULL;
    }
  if (!(doc = reel_json_parse_object (v, len, error)))
    return FALSE;
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
  return reel_counter_add (txn, COUNTER_DOCS, -1, error)
         && reel_counter_add (txn, COUNTER_TOKENS, -json_object_get_int_member (doc, "length"),
                              error)
         && reel_txn_del (txn, REEL_DB_SEARCH_DOCS, video_id, strlen (video_id), error);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

gboolean
reel_search_index (ReelTxn *txn, const char *video_id, const char *const fields[REEL_SEARCH_FIELDS],
                   GError **error)
{
  g_autoptr (GHashTable) freqs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (JsonObject) doc = json_object_new ();
  g_autoptr (GPtrArray) sorted = NULL;
  g_autofree char *text = NULL;
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
      guint8 v[POSTING_VALUE_LEN];
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
  text = reel_json_object_to_string (doc);
  return reel_counter_add (txn, COUNTER_DOCS, 1, error)
         && reel_counter_add (txn, COUNTER_TOKENS, length, error)
         && reel_txn_put (txn, REEL_DB_SEARCH_DOCS, video_id, strlen (video_id), text,
                          strlen (text), error);
}

/* --- ranking --- */

guint64
reel_search_tie_break (ReelTxn *txn, const char *video_id)
{
  /* Issue 6 (view counts) returns the video's views here. */
  return 0;
}

typedef struct
{
  char *term;
  gboolean prefix;
  guint64 n; /* documents matching it */
  double idf;
  GHashTable *docs; /* prefix phrases: video id -> Match */
} Phrase;

typedef struct
{
  guint32 length;
  double freq;
} Match;

static void
phrase_clear (gpointer p)
{
  Phrase *ph = p;
  g_free (ph->term);
  g_clear_pointer (&ph->docs, g_hash_table_unref);
}

static double
weighted_freq (const guint8 *v, guint32 *length)
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

static gboolean
collect_prefix (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
                gpointer data)
{
  Phrase *ph = data;
  Match *m;
  char id[REEL_ID_LEN + 1];
  if (key_len < REEL_ID_LEN + 2 || key[key_len - REEL_ID_LEN - 1] != 0
      || value_len != POSTING_VALUE_LEN)
    return TRUE;
  memcpy (id, key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  id[REEL_ID_LEN] = '\0';
  m = g_hash_table_lookup (ph->docs, id);
  if (!m)
    {
      m = g_new0 (Match, 1);
      g_hash_table_insert (ph->docs, g_strdup (id), m);
    }
  m->freq += weighted_freq (value, &m->length);
  return TRUE;
}

/* The words of a query; the last is a prefix when the query ends inside it. */
static GArray *
query_phrases (const char *query)
{
  g_autoptr (GArray) tokens = reel_tokenize (query);
  GArray *phrases = g_array_new (FALSE, TRUE, sizeof (Phrase));
  g_array_set_clear_func (phrases, phrase_clear);
  for (guint i = 0; i < tokens->len && phrases->len < REEL_SEARCH_MAX_TERMS; i++)
    {
      ReelToken *t = &g_array_index (tokens, ReelToken, i);
      gboolean prefix = i + 1 == tokens->len && t->end == strlen (query);
      gboolean dup = FALSE;
      for (guint j = 0; j < phrases->len && !dup; j++)
        {
          Phrase *p = &g_array_index (phrases, Phrase, j);
          dup = p->prefix == prefix && g_str_equal (p->term, t->term);
        }
      if (!dup)
        {
          Phrase p = { g_strdup (t->term), prefix, 0, 0, NULL };
          g_array_append_val (phrases, p);
        }
    }
  return phrases;
}

static gboolean
hit_before (const ReelSearchHit *a, const ReelSearchHit *b)
{
  if (a->score != b->score)
    return a->score > b->score;
  if (a->tie_break != b->tie_break)
    return a->tie_break > b->tie_break;
  return strcmp (a->video_id, b->video_id) < 0;
}

/* A bounded heap whose root is the worst of the best k so far. */
typedef struct
{
  GArray *hits;
  guint k;
} Best;

static void
best_sift_down (Best *b, guint i)
{
  ReelSearchHit *h = (ReelSearchHit *)b->hits->data;
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, worst = i;
      if (l < b->hits->len && hit_before (&h[worst], &h[l]))
        worst = l;
      if (r < b->hits->len && hit_before (&h[worst], &h[r]))
        worst = r;
      if (worst == i)
        return;
      ReelSearchHit tmp = h[i];
      h[i] = h[worst];
      h[worst] = tmp;
      i = worst;
    }
}

static void
best_offer (Best *b, const ReelSearchHit *hit)
{
  ReelSearchHit *h;
  if (b->hits->len < b->k)
    {
      guint i = b->hits->len;
      g_array_append_val (b->hits, *hit);
      h = (ReelSearchHit *)b->hits->data;
      while (i > 0 && hit_before (&h[(i - 1) / 2], &h[i]))
        {
          ReelSearchHit tmp = h[i];
          h[i] = h[(i - 1) / 2];
          h[(i - 1) / 2] = tmp;
          i = (i - 1) / 2;
        }
      return;
    }
  h = (ReelSearchHit *)b->hits->data;
  if (b->k == 0 || !hit_before (hit, &h[0]))
    return;
  h[0] = *hit;
  best_sift_down (b, 0);
}

static int
compare_hits (gconstpointer a, gconstpointer b)
{
  return hit_before (a, b) ? -1 : hit_before (b, a) ? 1 : 0;
}

typedef struct
{
  ReelTxn *txn;
  GArray *phrases;
  Phrase *driver;
  double avgdl;
  const ReelSearchHit *after;
  Best best;
  GByteArray *key; /* scratch */
} Rank;

static double
bm25 (const Phrase *p, double f, guint32 length, double avgdl)
{
  return p->idf * f * (BM25_K1 + 1.0)
         / (f + BM25_K1 * (1.0 - BM25_B + BM25_B * (double)length / avgdl));
}

/* Scores one candidate that matches the driver with (freq, length). */
static void
consider (Rank *r, const char *id, double driver_freq, guint32 length)
{
  ReelSearchHit hit = { { 0 }, 0, 0 };
  for (guint i = 0; i < r->phrases->len; i++)
    {
      Phrase *p = &g_array_index (r->phrases, Phrase, i);
      double f = driver_freq;
      if (p != r->driver)
        {
          const guint8 *v;
          gsize len;
          if (p->prefix)
            {
              Match *m = g_hash_table_lookup (p->docs, id);
              if (!m)
                return;
              f = m->freq;
            }
          else
            {
              g_byte_array_set_size (r->key, 0);
              g_byte_array_append (r->key, (const guint8 *)p->term, (guint)strlen (p->term) + 1);
              g_byte_array_append (r->key, (const guint8 *)id, REEL_ID_LEN);
              if (!reel_txn_get (r->txn, REEL_DB_SEARCH_POSTINGS, r->key->data, r->key->len,
                                 (const void **)&v, &len, NULL)
                  || len != POSTING_VALUE_LEN)
                return;
              f = weighted_freq (v, NULL);
            }
        }
      hit.score += bm25 (p, f, length, r->avgdl);
    }
  g_strlcpy (hit.video_id, id, sizeof hit.video_id);
  hit.tie_break = reel_search_tie_break (r->txn, id);
  if (r->after && !hit_before (r->after, &hit))
    return;
  best_offer (&r->best, &hit);
}

static gboolean
drive_exact (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Rank *r = data;
  char id[REEL_ID_LEN + 1];
  guint32 length;
  double f;
  if (key_len < REEL_ID_LEN + 2 || value_len != POSTING_VALUE_LEN)
    return TRUE;
  memcpy (id, key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  id[REEL_ID_LEN] = '\0';
  f = weighted_freq (value, &length);
  consider (r, id, f, length);
  return TRUE;
}

GArray *
reel_search_rank (ReelTxn *txn, const char *query, const ReelSearchHit *after, guint k,
                  GError **error)
{
  g_autoptr (GArray) phrases = query_phrases (query);
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (ReelSearchHit));
  guint64 n_docs = reel_counter_get (txn, COUNTER_DOCS);
  Rank r = { txn, phrases, NULL, 0, after, { hits, k }, NULL };

  if (phrases->len == 0 || n_docs == 0)
    return hits;
  r.avgdl = MAX (1.0, (double)reel_counter_get (txn, COUNTER_TOKENS) / (double)n_docs);
  for (guint i = 0; i < phrases->len; i++)
    {
      Phrase *p = &g_array_index (phrases, Phrase, i);
      if (p->prefix)
        {
          p->docs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          if (!reel_txn_scan (txn, REEL_DB_SEARCH_POSTINGS, p->term, strlen (p->term), NULL, 0,
                              FALSE, collect_prefix, p, error))
            {
              g_array_unref (hits);
              return NULL;
            }
          p->n = g_hash_table_size (p->docs);
        }
      else
        p->n = term_df (txn, p->term);
      if (p->n == 0)
        return hits; /* every term must match */
      p->idf = log (((double)n_docs - (double)p->n + 0.5) / ((double)p->n + 0.5));
      if (p->idf <= 0)
        p->idf = IDF_FLOOR;
      if (!r.driver || p->n < r.driver->n)
        r.driver = p;
    }
  r.key = g_byte_array_new ();
  if (r.driver->prefix)
    {
      GHashTableIter it;
      gpointer id, m;
      g_hash_table_iter_init (&it, r.driver->docs);
      while (g_hash_table_iter_next (&it, &id, &m))
        consider (&r, id, ((Match *)m)->freq, ((Match *)m)->length);
    }
  else
    {
      g_autofree char *prefix = g_strdup (r.driver->term);
      if (!reel_txn_scan (txn, REEL_DB_SEARCH_POSTINGS, prefix, strlen (prefix) + 1, NULL, 0, FALSE,
                          drive_exact, &r, error))
        {
          g_byte_array_unref (r.key);
          g_array_unref (hits);
          return NULL;
        }
    }
  g_byte_array_unref (r.key);
  g_array_sort (hits, compare_hits);
  return hits;
}

/* --- API results --- */

/* Cursor: the last hit's score (IEEE 754 bits), tie-break and video id. */
#define CURSOR_LEN (8 + 8 + REEL_ID_LEN)

static GBytes *
hit_cursor (const ReelSearchHit *h)
{
  guint8 c[CURSOR_LEN];
  guint64 bits;
  memcpy (&bits, &h->score, 8);
  reel_store_key_u64 (c, bits);
  reel_store_key_u64 (c + 8, h->tie_break);
  memcpy (c + 16, h->video_id, REEL_ID_LEN);
  return g_bytes_new (c, sizeof c);
}

static gboolean
hit_from_cursor (GBytes *cursor, ReelSearchHit *h, GError **error)
{
  gsize len;
  const guint8 *c = g_bytes_get_data (cursor, &len);
  guint64 bits;
  if (len != CURSOR_LEN)
    return reel_page_bad_cursor (error);
  bits = reel_store_read_u64 (c);
  memcpy (&h->score, &bits, 8);
  h->tie_break = reel_store_read_u64 (c + 8);
  memcpy (h->video_id, c + 16, REEL_ID_LEN);
  h->video_id[REEL_ID_LEN] = '\0';
  if (!reel_id_valid (h->video_id) || !isfinite (h->score))
    return reel_page_bad_cursor (error);
  return TRUE;
}

static gboolean
token_matches (const ReelToken *t, GArray *phrases)
{
  for (guint i = 0; i < phrases->len; i++)
    {
      const Phrase *p = &g_array_index (phrases, Phrase, i);
      if (p->prefix ? g_str_has_prefix (t->term, p->term) : g_str_equal (t->term, p->term))
        return TRUE;
    }
  return FALSE;
}

static void
append_escaped (GString *out, const char *text, gsize len)
{
  g_autofree char *esc = g_markup_escape_text (text, (gssize)len);
  g_string_append (out, esc);
}

/* text[from, to) HTML-escaped, its matching words in <mark>. */
static char *
highlight (const char *text, gsize from, gsize to, GArray *tokens, GArray *phrases)
{
  GString *out = g_string_new (NULL);
  gsize pos = from;
  for (guint i = 0; i < tokens->len; i++)
    {
      ReelToken *t = &g_array_index (tokens, ReelToken, i);
      if (t->start < from || t->end > to || !token_matches (t, phrases))
        continue;
      append_escaped (out, text + pos, t->start - pos);
      g_string_append (out, "<mark>");
      append_escaped (out, text + t->start, t->end - t->start);
      g_string_append (out, "</mark>");
      pos = t->end;
    }
  append_escaped (out, text + pos, to - pos);
  return g_string_free (out, FALSE);
}

/* The description around its first match (or its start), highlighted. */
static char *
snippet (const char *text, GArray *phrases)
{
  g_autoptr (GArray) tokens = reel_tokenize (text);
  gsize from = 0, to, len = strlen (text);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *body = NULL;
  for (guint i = 0; i < tokens->len; i++)
    if (token_matches (&g_array_index (tokens, ReelToken, i), phrases))
      {
        if (i > SNIPPET_LEAD_WORDS)
          from = g_array_index (tokens, ReelToken, i - SNIPPET_LEAD_WORDS).start;
        break;
      }
  to = from;
  for (glong chars = 0; to < len && chars < SNIPPET_CHARS; chars++)
    to = (gsize)(g_utf8_next_char (text + to) - text);
  /* Do not cut a word in two. */
  for (guint i = 0; i < tokens->len; i++)
    {
      ReelToken *t = &g_array_index (tokens, ReelToken, i);
      if (t->start < to && t->end > to)
        to = t->end;
    }
  body = highlight (text, from, to, tokens, phrases);
  g_string_append_printf (out, "%s%s%s", from > 0 ? "… " : "", g_strstrip (body),
                          to < len ? " …" : "");
  return g_strdup (out->str);
}

static JsonObject *
render_hit (ReelTxn *txn, const ReelSearchHit *h, GArray *phrases, GError **error)
{
  g_autoptr (JsonObject) rec = reel_videos_load (txn, h->video_id, error);
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (GArray) title_tokens = NULL;
  g_autofree char *title_html = NULL, *snippet_html = NULL;
  JsonObject *item, *channel;
  const char *title, *owner;

  if (!rec)
    return NULL;
  title = json_object_get_string_member_with_default (rec, "title", "");
  owner = json_object_get_string_member_with_default (rec, "owner", "");
  title_tokens = reel_tokenize (title);
  title_html = highlight (title, 0, strlen (title), title_tokens, phrases);
  snippet_html
      = snippet (json_object_get_string_member_with_default (rec, "description", ""), phrases);
  item = reel_videos_public (rec);
  channel = json_object_new ();
  json_object_set_string_member (channel, "username", owner);
  user = reel_users_load (txn, owner, NULL);
  json_object_set_string_member (
      channel, "display_name",
      user ? json_object_get_string_member_with_default (user, "display_name", owner) : owner);
  json_object_set_object_member (item, "channel", channel);
  json_object_set_double_member (item, "score", h->score);
  json_object_set_string_member (item, "title_html", title_html);
  json_object_set_string_member (item, "snippet_html", snippet_html);
  return item;
}

JsonObject *
reel_search_query (ReelStore *store, const char *query, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GArray) hits = NULL, phrases = NULL;
  g_autoptr (GBytes) next = NULL;
  ReelSearchHit after;
  JsonArray *items;

  if (!g_utf8_validate (query, -1, NULL) || strlen (query) > REEL_SEARCH_QUERY_MAX)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "q must be valid UTF-8 of at most %d bytes", REEL_SEARCH_QUERY_MAX);
      return NULL;
    }
  if (page->after && !hit_from_cursor (page->after, &after, error))
    return NULL;
  if (!(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  /* One more than the page: whether there is a next page. */
  hits = reel_search_rank (txn, query, page->after ? &after : NULL, page->limit + 1, error);
  if (!hits)
    return NULL;
  if (hits->len > page->limit)
    {
      next = hit_cursor (&g_array_index (hits, ReelSearchHit, page->limit - 1));
      g_array_set_size (hits, page->limit);
    }
  phrases = query_phrases (query);
  items = json_array_new ();
  for (guint i = 0; i < hits->len; i++)
    {
      g_autoptr (GError) local = NULL;
      JsonObject *item = render_hit (txn, &g_array_index (hits, ReelSearchHit, i), phrases, &local);
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          json_array_unref (items);
          return NULL;
        }
      if (item)
        json_array_add_object_element (items, item);
    }
  return reel_page_result (items, next);
}

/* --- projection --- */

static gboolean
index_video (ReelTxn *txn, const char *id, JsonObject *rec, const char *title,
             const char *description, GError **error)
{
  const char *owner = json_object_get_string_member_with_default (rec, "owner", "");
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
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GError) local = NULL;

  if (!g_str_equal (ev->type, "video.ready") && !g_str_equal (ev->type, "video.edited")
      && !g_str_equal (ev->type, "video.deleted"))
    return TRUE;
  if (!(id = reel_json_get_string (ev->data, "video_id", TRUE, error)))
    return FALSE;
  if (!reel_id_valid (id))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "bad video_id");
      return FALSE;
    }
  if (g_str_equal (ev->type, "video.deleted"))
    return reel_search_remove (txn, id, error);
  rec = reel_videos_load (txn, id, &local);
  if (!rec)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      return local == NULL; /* deleted before it was published: nothing to index */
    }
  if (g_str_equal (ev->type, "video.ready"))
    return json_object_has_member (rec, "ready_at")
           || index_video (txn, id, rec, json_object_get_string_member (rec, "title"),
                           json_object_get_string_member_with_default (rec, "description", ""),
                           error);
  /* video.edited: only published videos are in the index. */
  if (!reel_txn_get (txn, REEL_DB_SEARCH_DOCS, id, strlen (id), NULL, NULL, NULL))
    return TRUE;
  return index_video (txn, id, rec,
                      json_object_get_string_member_with_default (
                          ev->data, "title", json_object_get_string_member (rec, "title")),
                      json_object_get_string_member_with_default (
                          ev->data, "description",
                          json_object_get_string_member_with_default (rec, "description", "")),
                      error);
}
