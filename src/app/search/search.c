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
#include "app/search/search.h"
#include "app/search/index.h"
#include "app/analytics/views.h"
#include "app/search/tokenizer.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "store/counters.h"

#include <math.h>

/* FTS5's (and the usual) BM25 parameters. */
#define BM25_K1 1.2
#define BM25_B 0.75
/* FTS5's floor for the IDF of a term in more than half the documents. */
#define IDF_FLOOR 1e-6
/* Snippets: about this many characters of the description, starting a few
 * words before the first match. */
#define SNIPPET_CHARS 160
#define SNIPPET_LEAD_WORDS 5
/* See reel_search_rank(): walk a term's postings instead of looking each
 * candidate up when it has at most this many times the driver's. */
#define COLLECT_RATIO 4

/* --- ranking --- */

guint64
reel_search_tie_break (ReelTxn *txn, const char *video_id)
{
  /* Equally relevant videos: the more watched first. */
  return reel_views_count (txn, video_id);
}

/* A document of a phrase, as read from its posting list. */
typedef struct
{
  char id[REEL_ID_LEN];
  guint32 length;
  double freq;
} Entry;

typedef struct
{
  char *term;
  gboolean prefix;
  /* Its posting list: the word, or the prefix index's entry, with the NUL
   * that ends it; NULL for a prefix too long for the prefix index, whose
   * documents are the union of those of every word starting with it. */
  char *key;
  gsize key_len;
  guint64 n; /* documents matching it */
  double idf;
  gboolean read;   /* all its documents are in entries */
  GArray *entries; /* of Entry, by video id */
  guint pos;       /* where the last lookup in entries ended */
} Phrase;

static void
phrase_clear (gpointer p)
{
  Phrase *ph = p;
  g_free (ph->term);
  g_free (ph->key);
  g_clear_pointer (&ph->entries, g_array_unref);
}

/* --- similar titles --- */

typedef struct
{
  GHashTable *shared; /* video id -> shared title words */
} Similar;

static gboolean
similar_take (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Similar *s = data;
  g_autofree char *id = NULL;
  if (!reel_search_posting_ok (key_len, value_len)
      || (value[2 * REEL_SEARCH_TITLE] << 8 | value[2 * REEL_SEARCH_TITLE + 1]) == 0)
    return TRUE;
  id = g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  g_hash_table_insert (
      s->shared, g_strdup (id),
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (s->shared, id)) + 1));
  return TRUE;
}

typedef struct
{
  const char *id;
  guint shared;
} SimilarHit;

static gint
most_shared (gconstpointer a, gconstpointer b)
{
  const SimilarHit *x = a, *y = b;
  if (x->shared != y->shared)
    return x->shared > y->shared ? -1 : 1;
  return strcmp (x->id, y->id);
}

void
reel_search_similar_titles (ReelTxn *txn, const char *text, const char *except_id, guint limit,
                            GPtrArray *ids)
{
  g_autoptr (GArray) tokens = reel_tokenize (text ? text : "");
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (SimilarHit));
  Similar s = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  GHashTableIter it;
  gpointer id, n;

  for (guint i = 0; i < tokens->len; i++)
    {
      const char *term = g_array_index (tokens, ReelToken, i).term;
      if (!g_hash_table_add (seen, (gpointer)term))
        continue;
      /* term \0: this word's postings only, not longer words'. */
      reel_txn_scan (txn, REEL_DB_SEARCH_POSTINGS, term, strlen (term) + 1, NULL, 0, FALSE,
                     similar_take, &s, NULL);
    }
  g_hash_table_iter_init (&it, s.shared);
  while (g_hash_table_iter_next (&it, &id, &n))
    if (g_strcmp0 (id, except_id) != 0)
      {
        SimilarHit h = { id, GPOINTER_TO_UINT (n) };
        g_array_append_val (hits, h);
      }
  g_array_sort (hits, most_shared);
  for (guint i = 0; i < hits->len && i < limit; i++)
    g_ptr_array_add (ids, g_strdup (g_array_index (hits, SimilarHit, i).id));
  g_hash_table_unref (s.shared);
}

/* A posting of a list: they arrive in video id order. */
static gboolean
read_entry (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Phrase *ph = data;
  Entry e;
  if (!reel_search_posting_ok (key_len, value_len))
    return TRUE;
  memcpy (e.id, key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  e.freq = reel_search_posting_freq (value, &e.length);
  g_array_append_val (ph->entries, e);
  return TRUE;
}

/* A long prefix's postings come word by word, each word's in video id
 * order: runs, merged here into one list by video id with a small heap
 * (sequential memory, no hashing), adding up the words of one document. */
typedef struct
{
  GArray *all;  /* of Entry, run after run */
  GArray *runs; /* of guint: where each run starts */
  GByteArray *word;
} Runs;

static gboolean
read_run_entry (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
                gpointer data)
{
  Runs *r = data;
  gsize word_len = key_len - REEL_ID_LEN - 1;
  Entry e;
  if (!reel_search_posting_ok (key_len, value_len) || key[word_len] != 0)
    return TRUE;
  if (word_len != r->word->len || memcmp (key, r->word->data, word_len) != 0)
    {
      guint start = r->all->len;
      g_array_append_val (r->runs, start);
      g_byte_array_set_size (r->word, 0);
      g_byte_array_append (r->word, key, (guint)word_len);
    }
  memcpy (e.id, key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  e.freq = reel_search_posting_freq (value, &e.length);
  g_array_append_val (r->all, e);
  return TRUE;
}

typedef struct
{
  guint pos, end;
} Cursor;

static gboolean
cursor_before (const Entry *all, const Cursor *a, const Cursor *b)
{
  return memcmp (all[a->pos].id, all[b->pos].id, REEL_ID_LEN) < 0;
}

static void
heap_sift_down (Cursor *h, guint n, guint i, const Entry *all)
{
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, min = i;
      if (l < n && cursor_before (all, &h[l], &h[min]))
        min = l;
      if (r < n && cursor_before (all, &h[r], &h[min]))
        min = r;
      if (min == i)
        return;
      Cursor tmp = h[i];
      h[i] = h[min];
      h[min] = tmp;
      i = min;
    }
}

static GArray *
merge_runs (GArray *all, GArray *runs)
{
  guint k = runs->len, n = k;
  const Entry *e = (const Entry *)all->data;
  g_autofree Cursor *heap = g_new (Cursor, MAX (k, 1));
  GArray *out;
  if (k <= 1)
    return g_array_ref (all);
  out = g_array_sized_new (FALSE, FALSE, sizeof (Entry), all->len);
  for (guint i = 0; i < k; i++)
    heap[i] = (Cursor){ g_array_index (runs, guint, i),
                        i + 1 < k ? g_array_index (runs, guint, i + 1) : all->len };
  for (guint i = k / 2; i-- > 0;)
    heap_sift_down (heap, n, i, e);
  while (n > 0)
    {
      const Entry *next = &e[heap[0].pos];
      Entry *last = out->len ? &g_array_index (out, Entry, out->len - 1) : NULL;
      if (last && memcmp (last->id, next->id, REEL_ID_LEN) == 0)
        last->freq += next->freq;
      else
        g_array_append_vals (out, next, 1);
      if (++heap[0].pos == heap[0].end)
        heap[0] = heap[--n];
      heap_sift_down (heap, n, 0, e);
    }
  return out;
}

/* Reads all of a phrase's documents into entries, by video id: its list,
 * or the union of a long prefix's words. */
static gboolean
read_phrase (ReelTxn *txn, Phrase *p, GError **error)
{
  p->read = TRUE;
  if (!p->key)
    {
      Runs r = { g_array_new (FALSE, FALSE, sizeof (Entry)),
                 g_array_new (FALSE, FALSE, sizeof (guint)), g_byte_array_new () };
      gboolean ok = reel_txn_scan (txn, REEL_DB_SEARCH_POSTINGS, p->term, strlen (p->term), NULL, 0,
                                   FALSE, read_run_entry, &r, error);
      if (ok)
        p->entries = merge_runs (r.all, r.runs);
      g_array_unref (r.all);
      g_array_unref (r.runs);
      g_byte_array_unref (r.word);
      return ok;
    }
  p->entries = g_array_sized_new (FALSE, FALSE, sizeof (Entry), (guint)p->n);
  return reel_txn_scan (txn, REEL_DB_SEARCH_POSTINGS, p->key, p->key_len, NULL, 0, FALSE,
                        read_entry, p, error);
}

/* The weighted frequency of the phrase in a document; FALSE when absent.
 * Candidates mostly come in id order, so a read list is merged, not
 * searched (a binary search only when the order turns back). */
static gboolean
phrase_find (ReelTxn *txn, Phrase *p, const char *id, GByteArray *scratch, double *freq)
{
  if (!p->read)
    {
      const guint8 *v;
      gsize len;
      g_byte_array_set_size (scratch, 0);
      g_byte_array_append (scratch, (const guint8 *)p->key, (guint)p->key_len);
      g_byte_array_append (scratch, (const guint8 *)id, REEL_ID_LEN);
      if (!reel_txn_get (txn, REEL_DB_SEARCH_POSTINGS, scratch->data, scratch->len,
                         (const void **)&v, &len, NULL)
          || len != REEL_SEARCH_POSTING_LEN)
        return FALSE;
      *freq = reel_search_posting_freq (v, NULL);
      return TRUE;
    }
  Entry *e = (Entry *)p->entries->data;
  guint n = p->entries->len;
  if (p->pos > 0 && memcmp (id, e[p->pos - 1].id, REEL_ID_LEN) < 0)
    {
      guint lo = 0, hi = n;
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;
          if (memcmp (e[mid].id, id, REEL_ID_LEN) < 0)
            lo = mid + 1;
          else
            hi = mid;
        }
      p->pos = lo;
    }
  while (p->pos < n && memcmp (e[p->pos].id, id, REEL_ID_LEN) < 0)
    p->pos++;
  if (p->pos < n && memcmp (e[p->pos].id, id, REEL_ID_LEN) == 0)
    {
      *freq = e[p->pos].freq;
      return TRUE;
    }
  return FALSE;
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
          Phrase p = { 0 };
          p.term = g_strdup (t->term);
          p.prefix = prefix;
          if (!prefix)
            p.key = g_strdup (t->term), p.key_len = strlen (t->term) + 1;
          else if (g_utf8_strlen (t->term, -1) <= REEL_SEARCH_PREFIX_CHARS)
            {
              p.key = reel_search_prefix_key (t->term, strlen (t->term));
              p.key_len = strlen (p.key) + 1;
            }
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
      if (p != r->driver && !phrase_find (r->txn, p, id, r->key, &f))
        return;
      hit.score += bm25 (p, f, length, r->avgdl);
    }
  memcpy (hit.video_id, id, REEL_ID_LEN);
  hit.video_id[REEL_ID_LEN] = '\0';
  hit.tie_break = reel_search_tie_break (r->txn, hit.video_id);
  if (r->after && !hit_before (r->after, &hit))
    return;
  best_offer (&r->best, &hit);
}

static gboolean
drive (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Rank *r = data;
  guint32 length;
  double f;
  if (!reel_search_posting_ok (key_len, value_len))
    return TRUE;
  f = reel_search_posting_freq (value, &length);
  consider (r, (const char *)key + key_len - REEL_ID_LEN, f, length);
  return TRUE;
}

GArray *
reel_search_rank (ReelTxn *txn, const char *query, const ReelSearchHit *after, guint k,
                  GError **error)
{
  g_autoptr (GArray) phrases = query_phrases (query);
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (ReelSearchHit));
  guint64 n_docs = reel_counter_get (txn, REEL_SEARCH_COUNTER_DOCS);
  Rank r = { txn, phrases, NULL, 0, after, { hits, k }, NULL };

  if (phrases->len == 0 || n_docs == 0)
    return hits;
  r.avgdl = MAX (1.0, (double)reel_counter_get (txn, REEL_SEARCH_COUNTER_TOKENS) / (double)n_docs);
  for (guint i = 0; i < phrases->len; i++)
    {
      Phrase *p = &g_array_index (phrases, Phrase, i);
      /* A long prefix's document count is the size of the union of its
       * words' documents: only reading them all tells. */
      if (!p->key && !read_phrase (txn, p, error))
        {
          g_array_unref (hits);
          return NULL;
        }
      p->n = p->key ? reel_search_term_df (txn, p->key) : p->entries->len;
      if (p->n == 0)
        return hits; /* every term must match */
      p->idf = log (((double)n_docs - (double)p->n + 0.5) / ((double)p->n + 0.5));
      if (p->idf <= 0)
        p->idf = IDF_FLOOR;
      if (!r.driver || p->n < r.driver->n)
        r.driver = p;
    }
  /* A list with not many more documents than the driver is cheaper to read
   * in one sequential walk than to look up once per candidate. */
  for (guint i = 0; i < phrases->len; i++)
    {
      Phrase *p = &g_array_index (phrases, Phrase, i);
      if (!p->read && p != r.driver && p->n <= COLLECT_RATIO * r.driver->n
          && !read_phrase (txn, p, error))
        {
          g_array_unref (hits);
          return NULL;
        }
    }
  r.key = g_byte_array_new ();
  if (r.driver->read)
    {
      for (guint i = 0; i < r.driver->entries->len; i++)
        {
          Entry *m = &g_array_index (r.driver->entries, Entry, i);
          consider (&r, m->id, m->freq, m->length);
        }
    }
  else if (!reel_txn_scan (txn, REEL_DB_SEARCH_POSTINGS, r.driver->key, r.driver->key_len, NULL, 0,
                           FALSE, drive, &r, error))
    {
      g_byte_array_unref (r.key);
      g_array_unref (hits);
      return NULL;
    }
  g_byte_array_unref (r.key);
  g_array_sort (hits, compare_hits);
  return hits;
}

/* --- API results --- */

/* Cursor: the last hit's score (IEEE 754 bits), tie-break and video id. */
#define CURSOR_LEN (8 + 8 + REEL_ID_LEN)

static GBytes *
hit_cursor (gconstpointer element)
{
  const ReelSearchHit *h = element;
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
render_hit (ReelTxn *txn, gconstpointer element, gpointer data, GError **error)
{
  const ReelSearchHit *h = element;
  GArray *phrases = data;
  g_autoptr (ReelVideo) rec = reel_videos_load_shared (txn, h->video_id, error);
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (GArray) title_tokens = NULL;
  g_autofree char *title_html = NULL, *snippet_html = NULL;
  JsonObject *item, *channel;
  const char *title, *owner;

  if (!rec)
    return NULL;
  if (!(item = reel_videos_list_item (txn, rec)))
    return NULL; /* not to be listed (app/video/visibility.h): skipped */
  title = rec->title ? rec->title : "";
  owner = rec->owner;
  title_tokens = reel_tokenize (title);
  title_html = highlight (title, 0, strlen (title), title_tokens, phrases);
  snippet_html = snippet (rec->description ? rec->description : "", phrases);
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
  ReelSearchHit after;

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
  phrases = query_phrases (query);
  return reel_page_render (txn, hits, page->limit, hit_cursor, render_hit, phrases, error);
}
