/* See works.h. */
#include "app/checks/works.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"

#include <string.h>

#define WORK_INDEXING "indexing"
#define WORK_INDEXED "indexed"
/* A band value found in more places than this is a stop word (silence, a
 * black frame, a test tone): it tells nothing and would cost a long scan. */
#define MAX_POSTINGS 64
#define WORK_TITLE_MAX 200

static void
key_u32 (guint8 out[4], guint32 v)
{
  out[0] = (guint8)(v >> 24);
  out[1] = (guint8)(v >> 16);
  out[2] = (guint8)(v >> 8);
  out[3] = (guint8)v;
}

static guint32
get_u32 (const guint8 *in)
{
  return (guint32)in[0] << 24 | (guint32)in[1] << 16 | (guint32)in[2] << 8 | in[3];
}

void
reel_work_match_free (ReelWorkMatch *match)
{
  if (!match)
    return;
  g_free (match->work_id);
  g_free (match->title);
  g_free (match);
}

/* --- commands --- */

gboolean
reel_works_register (ReelBus *bus, const char *actor, const char *work_id, const char *title,
                     const char *rights_holder, const char *original, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  if (!title || !*title || strlen (title) > WORK_TITLE_MAX || !rights_holder || !*rights_holder
      || strlen (rights_holder) > WORK_TITLE_MAX)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "a work needs a title and a rights_holder (1 to %d characters)", WORK_TITLE_MAX);
      return FALSE;
    }
  json_object_set_string_member (data, "work_id", work_id);
  json_object_set_string_member (data, "title", title);
  json_object_set_string_member (data, "rights_holder", rights_holder);
  json_object_set_string_member (data, "original", original);
  subject = reel_event_subject ("work", work_id);
  return reel_events_publish (bus, subject, "work.registered", 1, actor, data, TRUE, seq, error);
}

gboolean
reel_works_delete (ReelBus *bus, ReelStore *store, const char *actor, const char *work_id,
                   guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) work = reel_works_get (store, work_id, error);
  g_autofree char *subject = NULL;
  if (!work)
    return FALSE;
  json_object_set_string_member (data, "work_id", work_id);
  subject = reel_event_subject ("work", work_id);
  return reel_events_publish (bus, subject, "work.deleted", 1, actor, data, FALSE, seq, error);
}

static gboolean
found_one (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  *(gboolean *)data = TRUE;
  return FALSE;
}

gboolean
reel_works_any (ReelTxn *txn)
{
  gboolean any = FALSE;
  reel_txn_scan (txn, REEL_DB_WORKS, NULL, 0, NULL, 0, FALSE, found_one, &any, NULL);
  return any;
}

JsonObject *
reel_works_load (ReelTxn *txn, const char *work_id)
{
  return reel_id_valid (work_id)
             ? reel_txn_get_json (txn, REEL_DB_WORKS, work_id, strlen (work_id), NULL)
             : NULL;
}

/* A work as the API shows it: without its prints. */
static JsonObject *
public_work (JsonObject *work)
{
  JsonObject *out = json_object_new ();
  JsonObjectIter it;
  const char *name;
  JsonNode *value;
  json_object_iter_init (&it, work);
  while (json_object_iter_next (&it, &name, &value))
    if (!g_str_equal (name, "audio") && !g_str_equal (name, "video"))
      json_object_set_member (out, name, json_node_copy (value));
  return out;
}

JsonObject *
reel_works_get (ReelStore *store, const char *work_id, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonObject) work = txn ? reel_works_load (txn, work_id) : NULL;
  if (!txn)
    return NULL;
  if (!work)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no work %s", work_id);
      return NULL;
    }
  return public_work (work);
}

static gboolean
list_one (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  g_autoptr (JsonObject) work = reel_json_parse_object ((const char *)value, value_len, NULL);
  if (work)
    json_array_add_object_element (data, public_work (work));
  return TRUE;
}

static int
by_created (gconstpointer a, gconstpointer b)
{
  JsonObject *wa = json_node_get_object (*(JsonNode *const *)a);
  JsonObject *wb = json_node_get_object (*(JsonNode *const *)b);
  int c = g_strcmp0 (json_object_get_string_member_with_default (wa, "created_at", ""),
                     json_object_get_string_member_with_default (wb, "created_at", ""));
  return c ? c
           : g_strcmp0 (json_object_get_string_member_with_default (wa, "id", ""),
                        json_object_get_string_member_with_default (wb, "id", ""));
}

JsonObject *
reel_works_list (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonArray) works = json_array_new ();
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  JsonArray *out = json_array_new ();
  JsonObject *o = json_object_new ();
  if (!txn || !reel_txn_scan (txn, REEL_DB_WORKS, NULL, 0, NULL, 0, FALSE, list_one, works, error))
    {
      json_array_unref (out);
      json_object_unref (o);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (works); i++)
    g_ptr_array_add (sorted, json_array_get_element (works, i));
  g_ptr_array_sort (sorted, by_created);
  for (guint i = 0; i < sorted->len; i++)
    json_array_add_element (out, json_node_copy (sorted->pdata[i]));
  json_object_set_array_member (o, "works", out);
  return o;
}

/* --- tracks of a prints object --- */

static ReelTrack *
track_of (JsonObject *prints, ReelTrackKind kind)
{
  const char *text
      = json_object_get_string_member_with_default (prints, reel_track_kind_name (kind), NULL);
  if (!text)
    return NULL;
  return kind == REEL_TRACK_AUDIO ? reel_track_from_chromaprint (text, NULL)
                                  : reel_track_from_video (text, NULL);
}

/* --- the index --- */

static GBytes *
index_prefix (ReelTrackKind kind, guint band, guint16 value, const char *work_id)
{
  GByteArray *k = g_byte_array_new ();
  guint8 head[4] = { (guint8)kind, (guint8)band, (guint8)(value >> 8), (guint8)value };
  g_byte_array_append (k, head, sizeof head);
  if (work_id)
    g_byte_array_append (k, (const guint8 *)work_id, (guint)strlen (work_id));
  return g_byte_array_free_to_bytes (k);
}

static gboolean
index_track (ReelTxn *txn, const char *work_id, const ReelTrack *t, gboolean add, GError **error)
{
  for (guint i = 0; i < t->hashes->len; i++)
    for (guint b = 0; b < reel_track_bands (t->kind); b++)
      {
        g_autoptr (GBytes) prefix = index_prefix (t->kind, b, reel_track_band (t, i, b), work_id);
        gsize len = g_bytes_get_size (prefix);
        g_autofree guint8 *key = g_malloc (len + 4);
        memcpy (key, g_bytes_get_data (prefix, NULL), len);
        key_u32 (key + len, i);
        if (add ? !reel_txn_put (txn, REEL_DB_WORK_INDEX, key, len + 4, "", 0, error)
                : !reel_txn_del (txn, REEL_DB_WORK_INDEX, key, len + 4, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
index_work (ReelTxn *txn, JsonObject *work, gboolean add, GError **error)
{
  const char *id = json_object_get_string_member (work, "id");
  for (ReelTrackKind k = REEL_TRACK_AUDIO; k <= REEL_TRACK_VIDEO; k++)
    {
      g_autoptr (ReelTrack) t = track_of (work, k);
      if (t && !index_track (txn, id, t, add, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  ReelTrackFound found;
  gpointer found_data;
  guint n;
  GArray *hits; /* of Hit */
} Postings;

typedef struct
{
  char *work;
  guint position;
} Hit;

static gboolean
collect_posting (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
                 gpointer data)
{
  Postings *p = data;
  Hit h;
  if (++p->n > MAX_POSTINGS || key_len < 4 + REEL_ID_LEN + 4)
    return FALSE;
  h.work = g_strndup ((const char *)key + 4, key_len - 8);
  h.position = get_u32 (key + key_len - 4);
  g_array_append_val (p->hits, h);
  return TRUE;
}

static gboolean
lookup_index (ReelTrackKind kind, guint band, guint16 value, ReelTrackFound found,
              gpointer found_data, gpointer data)
{
  ReelTxn *txn = data;
  g_autoptr (GBytes) prefix = index_prefix (kind, band, value, NULL);
  g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  Postings p = { found, found_data, 0, hits };
  reel_txn_scan (txn, REEL_DB_WORK_INDEX, g_bytes_get_data (prefix, NULL),
                 g_bytes_get_size (prefix), NULL, 0, FALSE, collect_posting, &p, NULL);
  for (guint i = 0; i < hits->len; i++)
    {
      Hit *h = &g_array_index (hits, Hit, i);
      if (p.n <= MAX_POSTINGS)
        found (h->work, h->position, found_data);
      g_free (h->work);
    }
  return p.n <= MAX_POSTINGS;
}

/* The longest of the matches votes (from reel_track_vote) lead to, the
 * works' records read by load. */
typedef JsonObject *(*LoadWork) (const char *work_id, gpointer data);

static void
best_of_votes (const ReelTrack *query, GHashTable *votes, LoadWork load, gpointer data,
               guint min_seconds, ReelWorkMatch **best)
{
  /* In id order, so ties resolve the same way every time. */
  g_autoptr (GList) ids = g_list_sort (g_hash_table_get_keys (votes), (GCompareFunc)g_strcmp0);
  for (GList *l = ids; l; l = l->next)
    {
      const char *id = l->data;
      g_autoptr (JsonObject) work = load (id, data);
      g_autoptr (ReelTrack) w = work ? track_of (work, query->kind) : NULL;
      ReelTrackRun run;
      if (!w || !reel_track_best_run (query, w, g_hash_table_lookup (votes, id), min_seconds, &run))
        continue;
      if (*best
          && run.query_end - run.query_start <= (*best)->run.query_end - (*best)->run.query_start)
        continue;
      reel_work_match_free (*best);
      *best = g_new0 (ReelWorkMatch, 1);
      (*best)->work_id = g_strdup (id);
      (*best)->title = g_strdup (json_object_get_string_member_with_default (work, "title", ""));
      (*best)->kind = query->kind;
      (*best)->run = run;
    }
}

static JsonObject *
load_from_txn (const char *work_id, gpointer data)
{
  return reel_works_load (data, work_id);
}

ReelWorkMatch *
reel_works_match (ReelTxn *txn, JsonObject *prints, guint min_seconds, GError **error)
{
  ReelWorkMatch *best = NULL;
  for (ReelTrackKind k = REEL_TRACK_AUDIO; k <= REEL_TRACK_VIDEO; k++)
    {
      g_autoptr (ReelTrack) q = track_of (prints, k);
      g_autoptr (GHashTable) votes = NULL;
      if (!q)
        continue;
      votes = reel_track_vote (q, lookup_index, txn);
      best_of_votes (q, votes, load_from_txn, txn, min_seconds, &best);
    }
  return best;
}

/* The backfill's lookup: one work's postings in memory. */
typedef struct
{
  GHashTable *postings; /* guint (kind, band, value) -> GArray of guint positions */
  JsonObject *work;
} OneWork;

static guint
posting_key (ReelTrackKind kind, guint band, guint16 value)
{
  return (guint)kind << 24 | band << 16 | value;
}

static gboolean
lookup_one (ReelTrackKind kind, guint band, guint16 value, ReelTrackFound found,
            gpointer found_data, gpointer data)
{
  OneWork *one = data;
  GArray *positions
      = g_hash_table_lookup (one->postings, GUINT_TO_POINTER (posting_key (kind, band, value)));
  if (!positions || positions->len > MAX_POSTINGS)
    return FALSE;
  for (guint i = 0; i < positions->len; i++)
    found (json_object_get_string_member (one->work, "id"), g_array_index (positions, guint, i),
           found_data);
  return TRUE;
}

static JsonObject *
load_one (const char *work_id, gpointer data)
{
  OneWork *one = data;
  return json_object_ref (one->work);
}

ReelWorkMatch *
reel_works_match_one (JsonObject *work, JsonObject *prints, guint min_seconds)
{
  ReelWorkMatch *best = NULL;
  OneWork one = {
    g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_array_unref), work
  };
  for (ReelTrackKind k = REEL_TRACK_AUDIO; k <= REEL_TRACK_VIDEO; k++)
    {
      g_autoptr (ReelTrack) w = track_of (work, k);
      g_autoptr (ReelTrack) q = track_of (prints, k);
      g_autoptr (GHashTable) votes = NULL;
      if (!w || !q)
        continue;
      for (guint i = 0; i < w->hashes->len; i++)
        for (guint b = 0; b < reel_track_bands (k); b++)
          {
            gpointer key = GUINT_TO_POINTER (posting_key (k, b, reel_track_band (w, i, b)));
            GArray *positions = g_hash_table_lookup (one.postings, key);
            if (!positions)
              g_hash_table_insert (one.postings, key,
                                   positions = g_array_new (FALSE, FALSE, sizeof (guint)));
            g_array_append_val (positions, i);
          }
      votes = reel_track_vote (q, lookup_one, &one);
      best_of_votes (q, votes, load_one, &one, min_seconds, &best);
    }
  g_hash_table_unref (one.postings);
  return best;
}

static char *
clock_time (double seconds)
{
  guint s = (guint)MAX (0.0, seconds + 0.5);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

char *
reel_work_match_describe (const ReelWorkMatch *m)
{
  g_autofree char *qs = clock_time (m->run.query_start), *qe = clock_time (m->run.query_end);
  g_autofree char *ws = clock_time (m->run.work_start), *we = clock_time (m->run.work_end);
  return g_strdup_printf ("matches \"%s\" (%s) at %s\u2013%s (work %s\u2013%s)", m->title,
                          reel_track_kind_name (m->kind), qs, qe, ws, we);
}

/* --- projection --- */

gboolean
reel_works_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id;
  g_autoptr (JsonObject) work = NULL;

  if (g_str_equal (ev->type, "video.fingerprinted"))
    {
      const char *video = reel_json_get_string (ev->data, "video_id", TRUE, error);
      g_autoptr (JsonObject) prints = json_object_new ();
      if (!video)
        return FALSE;
      for (ReelTrackKind k = REEL_TRACK_AUDIO; k <= REEL_TRACK_VIDEO; k++)
        {
          const char *text = json_object_get_string_member_with_default (
              ev->data, reel_track_kind_name (k), NULL);
          if (text)
            json_object_set_string_member (prints, reel_track_kind_name (k), text);
        }
      return reel_txn_put_json (txn, REEL_DB_VIDEO_PRINTS, video, strlen (video), prints, error);
    }
  if (g_str_equal (ev->type, "video.deleted"))
    {
      const char *video = reel_json_get_string (ev->data, "video_id", TRUE, error);
      return video && reel_txn_del (txn, REEL_DB_VIDEO_PRINTS, video, strlen (video), error);
    }
  if (!g_str_has_prefix (ev->type, "work."))
    return TRUE;
  if (!(id = reel_json_get_string (ev->data, "work_id", TRUE, error)))
    return FALSE;
  if (!reel_id_valid (id))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "work id %s is not an id", id);
      return FALSE;
    }
  work = reel_works_load (txn, id);
  if (g_str_equal (ev->type, "work.registered"))
    {
      if (work)
        return TRUE;
      work = json_object_new ();
      json_object_set_string_member (work, "id", id);
      for (const char *const *m
           = (const char *const[]){ "title", "rights_holder", "original", NULL };
           *m; m++)
        json_object_set_string_member (
            work, *m, json_object_get_string_member_with_default (ev->data, *m, ""));
      json_object_set_string_member (work, "state", WORK_INDEXING);
      json_object_set_string_member (work, "created_at", ev->at);
      return reel_txn_put_json (txn, REEL_DB_WORKS, id, strlen (id), work, error);
    }
  if (!work)
    return TRUE; /* deleted first, or never registered */
  if (g_str_equal (ev->type, "work.deleted"))
    return index_work (txn, work, FALSE, error)
           && reel_txn_del (txn, REEL_DB_WORKS, id, strlen (id), error);
  if (g_str_equal (ev->type, "work.fingerprinted"))
    {
      if (g_str_equal (json_object_get_string_member_with_default (work, "state", ""), WORK_INDEXED)
          && !index_work (txn, work, FALSE, error))
        return FALSE;
      json_object_set_string_member (work, "state", WORK_INDEXED);
      json_object_set_int_member (
          work, "duration_ns",
          json_object_get_int_member_with_default (ev->data, "duration_ns", 0));
      for (ReelTrackKind k = REEL_TRACK_AUDIO; k <= REEL_TRACK_VIDEO; k++)
        {
          const char *name = reel_track_kind_name (k);
          const char *text = json_object_get_string_member_with_default (ev->data, name, NULL);
          if (text)
            json_object_set_string_member (work, name, text);
          else if (json_object_has_member (work, name))
            json_object_remove_member (work, name);
        }
      return index_work (txn, work, TRUE, error)
             && reel_txn_put_json (txn, REEL_DB_WORKS, id, strlen (id), work, error);
    }
  return TRUE;
}
