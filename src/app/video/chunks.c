/* See chunks.h. */
#include "app/video/chunks.h"
#include "core/error.h"
#include "core/json.h"
#include "store/blob_keys.h"

/* The longest rendition name: it is a blob key part and a playlist name
 * (the rung names of core/ladder.h, "audio"). */
#define RENDITION_NAME_MAX 15

guint
reel_chunk_set_named (JsonObject *data)
{
  gint64 row = json_object_get_int_member_with_default (data, "chunk", 0);
  return REEL_CHUNK_SET_OF ((guint32)CLAMP (row, 0, G_MAXUINT32));
}

ReelChunkRendition *
reel_chunk_rendition_new (const char *name, guint first_segment)
{
  ReelChunkRendition *r = g_new0 (ReelChunkRendition, 1);
  r->name = g_strdup (name);
  r->first_segment = first_segment;
  r->durations_ns = g_array_new (FALSE, FALSE, sizeof (guint64));
  r->sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  return r;
}

void
reel_chunk_rendition_add_segment (ReelChunkRendition *r, guint64 duration_ns, guint64 size)
{
  g_array_append_val (r->durations_ns, duration_ns);
  g_array_append_val (r->sizes, size);
}

void
reel_chunk_rendition_free (ReelChunkRendition *r)
{
  if (!r)
    return;
  g_free (r->name);
  g_free (r->codecs);
  g_free (r->init);
  g_array_unref (r->durations_ns);
  g_array_unref (r->sizes);
  g_free (r);
}

ReelChunk *
reel_chunk_new (const char *video_id, guint32 index)
{
  ReelChunk *c = g_new0 (ReelChunk, 1);
  c->video_id = g_strdup (video_id);
  c->index = index;
  c->renditions = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_chunk_rendition_free);
  return c;
}

void
reel_chunk_free (ReelChunk *c)
{
  if (!c)
    return;
  g_free (c->video_id);
  g_ptr_array_unref (c->renditions);
  g_free (c);
}

const ReelChunkRendition *
reel_chunk_find_rendition (const ReelChunk *c, const char *name)
{
  for (guint i = 0; i < c->renditions->len; i++)
    if (g_str_equal (((ReelChunkRendition *)c->renditions->pdata[i])->name, name))
      return c->renditions->pdata[i];
  return NULL;
}

static JsonArray *
u64_array (GArray *values)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; i < values->len; i++)
    json_array_add_int_element (a, (gint64)g_array_index (values, guint64, i));
  return a;
}

/* In the order the workers have always written them. */
static JsonObject *
rendition_to_json (const ReelChunkRendition *r)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", r->name);
  if (r->codecs)
    json_object_set_string_member (o, "codecs", r->codecs);
  if (r->init)
    json_object_set_string_member (o, "init", r->init);
  json_object_set_int_member (o, "first_segment", r->first_segment);
  json_object_set_array_member (o, "durations_ns", u64_array (r->durations_ns));
  json_object_set_array_member (o, "sizes", u64_array (r->sizes));
  if (r->kbps)
    {
      json_object_set_int_member (o, "width", r->width);
      json_object_set_int_member (o, "height", r->height);
      json_object_set_int_member (o, "kbps", r->kbps);
    }
  if (r->bitrate)
    json_object_set_int_member (o, "bitrate", r->bitrate);
  return o;
}

JsonObject *
reel_chunk_to_json (const ReelChunk *c)
{
  JsonObject *o = json_object_new ();
  if (c->index == REEL_CHUNK_AUDIO)
    {
      json_object_set_object_member (o, "rendition", rendition_to_json (c->renditions->pdata[0]));
      if (c->partial)
        json_object_set_boolean_member (o, "partial", TRUE);
    }
  else
    {
      JsonArray *list = json_array_new ();
      for (guint i = 0; i < c->renditions->len; i++)
        json_array_add_object_element (list, rendition_to_json (c->renditions->pdata[i]));
      json_object_set_array_member (o, "renditions", list);
      json_object_set_int_member (o, "chunk", c->index);
    }
  json_object_set_string_member (o, "video_id", c->video_id);
  return o;
}

/* An unsigned integer member within 0..max; absent: def (or FALSE when
 * required). */
static gboolean
get_uint (JsonObject *o, const char *member, gboolean required, guint64 max, guint64 def,
          guint64 *out)
{
  JsonNode *n = json_object_get_member (o, member);
  if (!n)
    {
      *out = def;
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0 || (guint64)json_node_get_int (n) > max)
    return FALSE;
  *out = (guint64)json_node_get_int (n);
  return TRUE;
}

static const char *
get_str (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
name_valid (const char *name)
{
  gsize len = name ? strlen (name) : 0;
  return len > 0 && len <= RENDITION_NAME_MAX
         && strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
                == len;
}

/* init.mp4 or init-<digits>.mp4, as the workers name init segments. */
static gboolean
init_valid (const char *init)
{
  const char *p;
  if (g_strcmp0 (init, "init.mp4") == 0)
    return TRUE;
  if (!init || !g_str_has_prefix (init, "init-") || !g_str_has_suffix (init, ".mp4"))
    return FALSE;
  p = init + strlen ("init-");
  return p != init + strlen (init) - strlen (".mp4")
         && strspn (p, "0123456789") == strlen (p) - strlen (".mp4");
}

static gboolean
u64_list (JsonObject *o, const char *member, GArray *out)
{
  JsonNode *n = json_object_get_member (o, member);
  JsonArray *a = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (!a)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      guint64 v;
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
          || json_node_get_int (e) < 0)
        return FALSE;
      v = (guint64)json_node_get_int (e);
      g_array_append_val (out, v);
    }
  return TRUE;
}

static ReelChunkRendition *
rendition_from_json (JsonNode *node, GError **error)
{
  JsonObject *o = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *name = o ? get_str (o, "name") : NULL;
  g_autoptr (ReelChunkRendition) r = NULL;
  guint64 first, width, height, kbps, bitrate;

  if (!name_valid (name) || !get_uint (o, "first_segment", TRUE, G_MAXUINT, 0, &first)
      || !get_uint (o, "width", FALSE, G_MAXUINT, 0, &width)
      || !get_uint (o, "height", FALSE, G_MAXUINT, 0, &height)
      || !get_uint (o, "kbps", FALSE, G_MAXUINT, 0, &kbps)
      || !get_uint (o, "bitrate", FALSE, G_MAXUINT, 0, &bitrate))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "a rendition is not {name, first_segment, durations_ns, sizes, ...}");
      return NULL;
    }
  r = reel_chunk_rendition_new (name, (guint)first);
  r->width = (guint)width;
  r->height = (guint)height;
  r->kbps = (guint)kbps;
  r->bitrate = (guint)bitrate;
  r->codecs = g_strdup (get_str (o, "codecs"));
  r->init = g_strdup (get_str (o, "init"));
  if ((r->init && !init_valid (r->init)) || !u64_list (o, "durations_ns", r->durations_ns)
      || !u64_list (o, "sizes", r->sizes) || r->durations_ns->len != r->sizes->len)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "rendition %s: a bad init name, or not one duration and size per segment", name);
      return NULL;
    }
  return g_steal_pointer (&r);
}

ReelChunk *
reel_chunk_from_json (JsonObject *data, GError **error)
{
  const char *video_id = get_str (data, "video_id");
  JsonNode *one = json_object_get_member (data, "rendition");
  JsonNode *list = json_object_get_member (data, "renditions");
  g_autoptr (ReelChunk) c = NULL;
  guint64 index = REEL_CHUNK_AUDIO;

  if (!video_id || (!one && !get_uint (data, "chunk", TRUE, G_MAXUINT32 - 1, 0, &index))
      || (!one
          && (!list || !JSON_NODE_HOLDS_ARRAY (list)
              || json_array_get_length (json_node_get_array (list)) == 0)))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "not a transcoded chunk: {video_id, chunk, renditions} or {video_id, "
                   "rendition}");
      return NULL;
    }
  c = reel_chunk_new (video_id, (guint32)index);
  if (one)
    {
      JsonNode *partial = json_object_get_member (data, "partial");
      ReelChunkRendition *r = NULL;
      if (partial
          && (!JSON_NODE_HOLDS_VALUE (partial)
              || json_node_get_value_type (partial) != G_TYPE_BOOLEAN))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "partial is not true or false");
          return NULL;
        }
      if (!(r = rendition_from_json (one, error)))
        return NULL;
      g_ptr_array_add (c->renditions, r);
      c->partial = partial && json_node_get_boolean (partial);
      return g_steal_pointer (&c);
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      ReelChunkRendition *r
          = rendition_from_json (json_array_get_element (json_node_get_array (list), i), error);
      if (!r)
        return NULL;
      g_ptr_array_add (c->renditions, r);
    }
  return g_steal_pointer (&c);
}

static GBytes *
row_key (const char *id, guint32 n)
{
  GByteArray *k = g_byte_array_new ();
  guint8 be[4] = { n >> 24, n >> 16, n >> 8, n };
  g_byte_array_append (k, (const guint8 *)id, strlen (id));
  g_byte_array_append (k, (const guint8 *)"/", 1);
  if (n == REEL_CHUNK_AUDIO)
    g_byte_array_append (k, (const guint8 *)"audio", 5);
  else
    g_byte_array_append (k, be, 4);
  return g_byte_array_free_to_bytes (k);
}

gboolean
reel_chunks_has (ReelTxn *txn, const char *video_id, guint32 index)
{
  g_autoptr (GBytes) key = row_key (video_id, index);
  return reel_txn_get (txn, REEL_DB_CHUNKS, g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                       NULL, NULL, NULL);
}

ReelChunk *
reel_chunks_get (ReelTxn *txn, const char *video_id, guint32 index, GError **error)
{
  g_autoptr (GBytes) key = row_key (video_id, index);
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) data = reel_txn_get_json (
      txn, REEL_DB_CHUNKS, g_bytes_get_data (key, NULL), g_bytes_get_size (key), &local);
  ReelChunk *c;
  if (!data)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!(c = reel_chunk_from_json (data, error)))
    return NULL;
  /* The row's key says which chunk it is (a sound row has no "chunk"). */
  c->index = index;
  return c;
}

gboolean
reel_chunks_put (ReelTxn *txn, const char *video_id, guint32 index, JsonObject *data,
                 GError **error)
{
  g_autoptr (GBytes) key = row_key (video_id, index);
  g_autoptr (ReelChunk) c = reel_chunk_from_json (data, error);
  return c
         && reel_txn_put_json (txn, REEL_DB_CHUNKS, g_bytes_get_data (key, NULL),
                               g_bytes_get_size (key), data, error);
}

guint
reel_chunks_done_prefix (ReelTxn *txn, const char *video_id, guint total)
{
  return reel_chunks_done_from (txn, video_id, 0, total);
}

guint
reel_chunks_done_from (ReelTxn *txn, const char *video_id, guint32 base, guint total)
{
  guint done = 0;
  while (done < total && reel_chunks_has (txn, video_id, base + done))
    done++;
  return done;
}

/* A chunk row's index from its key (prefix_len: the video's prefix);
 * FALSE for the soundtrack's row. */
static gboolean
row_index (const guint8 *k, gsize len, gsize prefix_len, guint32 *index)
{
  /* Chunk rows end in a 4-byte index; the soundtrack's in "audio". */
  if (len != prefix_len + 4)
    return FALSE;
  k += prefix_len;
  *index = ((guint32)k[0] << 24) | ((guint32)k[1] << 16) | ((guint32)k[2] << 8) | k[3];
  return TRUE;
}

gboolean
reel_chunks_delete_set (ReelTxn *txn, const char *video_id, guint set, GError **error)
{
  g_autofree char *prefix = g_strconcat (video_id, "/", NULL);
  gsize n = strlen (prefix);
  g_autoptr (GPtrArray) keys = reel_txn_keys (txn, REEL_DB_CHUNKS, prefix, n, error);
  if (!keys)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      gsize len;
      const guint8 *k = g_bytes_get_data (keys->pdata[i], &len);
      guint32 index;
      if (row_index (k, len, n, &index) && REEL_CHUNK_SET_OF (index) == set
          && !reel_txn_del (txn, REEL_DB_CHUNKS, k, len, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
reel_chunks_delete_all (ReelTxn *txn, const char *video_id, GError **error)
{
  g_autofree char *prefix = g_strconcat (video_id, "/", NULL);
  g_autoptr (GPtrArray) keys = reel_txn_keys (txn, REEL_DB_CHUNKS, prefix, strlen (prefix), error);
  if (!keys)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    if (!reel_txn_del (txn, REEL_DB_CHUNKS, g_bytes_get_data (keys->pdata[i], NULL),
                       g_bytes_get_size (keys->pdata[i]), error))
      return FALSE;
  return TRUE;
}

typedef struct
{
  const char *video_id;
  gsize prefix_len;
  gint64 skip_set;
  GHashTable *keys;
} BlobKeys;

static gboolean
row_blob_keys (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  BlobKeys *b = data;
  g_autoptr (JsonObject) row = NULL;
  g_autoptr (ReelChunk) c = NULL;
  guint32 index;

  if (b->skip_set >= 0 && row_index (key, key_len, b->prefix_len, &index)
      && REEL_CHUNK_SET_OF (index) == (guint)b->skip_set)
    return TRUE;
  row = reel_json_parse_object ((const char *)value, value_len, NULL);
  c = row ? reel_chunk_from_json (row, NULL) : NULL;
  /* A row that does not read names nothing (rows are checked when stored). */
  for (guint i = 0; c && i < c->renditions->len; i++)
    {
      const ReelChunkRendition *r = c->renditions->pdata[i];
      if (r->init)
        g_hash_table_add (b->keys, reel_blob_key_segment (b->video_id, r->name, r->init));
      for (guint s = 0; s < r->durations_ns->len; s++)
        g_hash_table_add (b->keys,
                          reel_blob_key_media_segment (b->video_id, r->name, r->first_segment + s));
    }
  return TRUE;
}

gboolean
reel_chunks_blob_keys (ReelTxn *txn, const char *video_id, gint64 skip_set, GHashTable *keys,
                       GError **error)
{
  g_autofree char *prefix = g_strconcat (video_id, "/", NULL);
  BlobKeys b = { video_id, strlen (prefix), skip_set, keys };
  return reel_txn_scan (txn, REEL_DB_CHUNKS, prefix, strlen (prefix), NULL, 0, FALSE, row_blob_keys,
                        &b, error);
}
