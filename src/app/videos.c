/* See videos.h. */
#include "app/videos.h"
#include "app/views.h"
#include "core/error.h"
#include "core/id.h"
#include "core/idem.h"
#include "core/json.h"
#include "core/text.h"

gboolean
reel_videos_id_valid (const char *id)
{
  return reel_id_valid (id);
}

gboolean
reel_videos_validate_draft (const ReelVideoDraft *d, guint64 max_size, GError **error)
{
  if (d->size == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "the upload is empty");
      return FALSE;
    }
  if (d->size > max_size)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                   "the video is larger than %" G_GUINT64_FORMAT " bytes", max_size);
      return FALSE;
    }
  if (d->title && !reel_text_check ("title", d->title, 1, REEL_VIDEO_TITLE_MAX, FALSE, error))
    return FALSE;
  if (d->description
      && !reel_text_check ("description", d->description, 0, REEL_VIDEO_DESCRIPTION_MAX, TRUE,
                           error))
    return FALSE;
  if (d->filename && !reel_text_check ("filename", d->filename, 1, 255, FALSE, error))
    return FALSE;
  return TRUE;
}

/* A title from a file name: "Holiday_2026.mp4" -> "Holiday_2026". */
static char *
title_from (const ReelVideoDraft *d)
{
  g_autofree char *base = NULL;
  char *dot;
  if (d->title)
    return g_strdup (d->title);
  if (!d->filename)
    return g_strdup ("Untitled");
  base = g_path_get_basename (d->filename);
  dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return g_utf8_substring (base, 0, MIN (g_utf8_strlen (base, -1), REEL_VIDEO_TITLE_MAX));
}

gboolean
reel_videos_create (ReelBus *bus, const ReelVideoDraft *d, guint64 max_size, char **id,
                    guint64 *seq, GError **error)
{
  g_autofree char *vid = NULL, *subject = NULL, *title = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (GError) local = NULL;

  if (!reel_videos_validate_draft (d, max_size, error))
    return FALSE;
  vid = reel_id_new ();
  title = title_from (d);
  json_object_set_string_member (data, "video_id", vid);
  json_object_set_string_member (data, "owner", d->owner);
  json_object_set_string_member (data, "title", title);
  json_object_set_string_member (data, "description", d->description ? d->description : "");
  if (d->filename)
    json_object_set_string_member (data, "filename", d->filename);
  json_object_set_int_member (data, "size", (gint64)d->size);
  subject = reel_event_subject ("video", vid);
  /* The empty-subject precondition turns an (astronomically unlikely) id
   * collision into an error instead of two videos sharing an id. The id
   * of a retried request (core/idem.h) is derived: finding its subject
   * taken, it finds the video its first attempt created. */
  if (!reel_events_publish (bus, subject, "video.created", 1, d->owner, data, TRUE, seq, &local))
    {
      if (!reel_idem_active () || !g_error_matches (local, REEL_ERROR, REEL_ERROR_CONFLICT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      *seq = 0;
    }
  *id = g_steal_pointer (&vid);
  return TRUE;
}

gboolean
reel_videos_mark_uploaded (ReelBus *bus, const char *id, const char *actor, const char *blob_key,
                           guint64 size, guint64 *seq, GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", id);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "video_id", id);
  json_object_set_string_member (data, "original", blob_key);
  json_object_set_int_member (data, "size", (gint64)size);
  return reel_events_publish (bus, subject, "video.uploaded", 1, actor, data, FALSE, seq, error);
}

gboolean
reel_videos_abort_upload (ReelBus *bus, const char *id, const char *actor, guint64 *seq,
                          GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", id);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "video_id", id);
  return reel_events_publish (bus, subject, "video.upload_aborted", 1, actor, data, FALSE, seq,
                              error);
}

static JsonObject *
load (ReelTxn *txn, const char *id, GError **error)
{
  return reel_txn_get_json (txn, REEL_DB_VIDEOS, id, strlen (id), error);
}

const char *
reel_videos_event_id (const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "video_id", TRUE, error);
  if (id && !reel_id_valid (id))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "bad video_id \"%s\"", id);
      return NULL;
    }
  return id;
}

JsonObject *
reel_videos_load (ReelTxn *txn, const char *id, GError **error)
{
  return load (txn, id, error);
}

JsonObject *
reel_videos_require (ReelTxn *txn, const char *id, GError **error)
{
  g_autoptr (GError) local = NULL;
  JsonObject *rec = reel_videos_id_valid (id) ? load (txn, id, &local) : NULL;
  if (!rec)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
    }
  return rec;
}

JsonObject *
reel_videos_get (ReelStore *store, const char *id, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  JsonObject *rec;

  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(rec = reel_videos_require (txn, id, error)))
    return NULL;
  json_object_set_int_member (rec, "views", (gint64)reel_views_count (txn, id));
  return rec;
}

/* What a player needs to know about the renditions: the ladder the video
 * gets, plus the soundtrack. */
static JsonArray *
public_renditions (JsonObject *rec)
{
  JsonArray *out = json_array_new ();
  JsonArray *rungs = json_object_get_array_member (rec, "rungs");
  for (guint i = 0; rungs && i < json_array_get_length (rungs); i++)
    {
      JsonObject *r = json_array_get_object_element (rungs, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "name", json_object_get_string_member (r, "name"));
      json_object_set_string_member (o, "kind", "video");
      json_object_set_int_member (o, "width", json_object_get_int_member (r, "width"));
      json_object_set_int_member (o, "height", json_object_get_int_member (r, "height"));
      json_object_set_int_member (o, "bitrate", json_object_get_int_member (r, "kbps") * 1000);
      json_array_add_object_element (out, o);
    }
  if (json_object_get_boolean_member_with_default (rec, "has_audio", FALSE))
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "name", "audio");
      json_object_set_string_member (o, "kind", "audio");
      json_array_add_object_element (out, o);
    }
  return out;
}

JsonObject *
reel_videos_public (JsonObject *rec)
{
  JsonObject *out = json_object_new ();
  JsonObject *progress = json_object_new ();
  const char *id = json_object_get_string_member (rec, "id");
  const char *state = json_object_get_string_member_with_default (rec, "state", "");
  const char *members[]
      = { "id", "owner", "title", "description", "state", "created_at", "updated_at", "error" };
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (rec, members[i]))
      json_object_set_member (out, members[i],
                              json_node_copy (json_object_get_member (rec, members[i])));
  json_object_set_int_member (out, "size",
                              json_object_get_int_member_with_default (rec, "size", 0));
  json_object_set_int_member (out, "views",
                              json_object_get_int_member_with_default (rec, "views", 0));
  if (json_object_has_member (rec, "duration_ns"))
    {
      json_object_set_double_member (out, "duration",
                                     (double)json_object_get_int_member (rec, "duration_ns") / 1e9);
      json_object_set_int_member (out, "width", json_object_get_int_member (rec, "width"));
      json_object_set_int_member (out, "height", json_object_get_int_member (rec, "height"));
      json_object_set_array_member (out, "renditions", public_renditions (rec));
    }
  json_object_set_int_member (progress, "chunks_done",
                              json_object_get_int_member_with_default (rec, "chunks_done", 0));
  /* Until ingest has planned the chunks, the total is unknown: 0. */
  json_object_set_int_member (progress, "chunks_total",
                              json_object_get_int_member_with_default (rec, "chunks_total", 0));
  json_object_set_object_member (out, "progress", progress);
  if (g_str_equal (state, "playable") || g_str_equal (state, "ready"))
    {
      g_autofree char *hls = g_strdup_printf ("/videos/%s/master.m3u8", id);
      g_autofree char *dash = g_strdup_printf ("/videos/%s/manifest.mpd", id);
      json_object_set_string_member (out, "hls", hls);
      json_object_set_string_member (out, "dash", dash);
    }
  if (json_object_has_member (rec, "poster"))
    {
      g_autofree char *poster = g_strdup_printf ("/videos/%s/poster.jpg", id);
      json_object_set_string_member (out, "thumbnail", poster);
    }
  return out;
}

JsonObject *
reel_videos_list_item (ReelTxn *txn, JsonObject *rec)
{
  json_object_set_int_member (
      rec, "views",
      (gint64)reel_views_count (txn, json_object_get_string_member_with_default (rec, "id", "")));
  return reel_videos_public (rec);
}

char *
reel_videos_original_key (const char *id)
{
  return g_strdup_printf ("originals/%s", id);
}

/* ready and failed are where a video's processing ends. */
static gboolean
is_final (JsonObject *rec)
{
  const char *state = json_object_get_string_member_with_default (rec, "state", "");
  return g_str_equal (state, "ready") || g_str_equal (state, "failed");
}

/* Stores a record, and keeps VIDEOS_UNANNOUNCED (the ready videos whose
 * video.ready has not been applied) true to it, in the same transaction:
 * what the projector must still announce survives a crash between the
 * commit that made a video ready and the announcement. */
static gboolean
put (ReelTxn *txn, const char *id, JsonObject *rec, GError **error)
{
  gboolean unannounced = g_strcmp0 (json_object_get_string_member (rec, "state"), "ready") == 0
                         && !json_object_has_member (rec, "ready_at");
  if (!reel_txn_put_json (txn, REEL_DB_VIDEOS, id, strlen (id), rec, error))
    return FALSE;
  return unannounced ? reel_txn_put (txn, REEL_DB_VIDEOS_UNANNOUNCED, id, strlen (id), "", 0, error)
                     : reel_txn_del (txn, REEL_DB_VIDEOS_UNANNOUNCED, id, strlen (id), error);
}

/* Removes a record (and its place among the unannounced). */
static gboolean
del (ReelTxn *txn, const char *id, GError **error)
{
  return reel_txn_del (txn, REEL_DB_VIDEOS_UNANNOUNCED, id, strlen (id), error)
         && reel_txn_del (txn, REEL_DB_VIDEOS, id, strlen (id), error);
}

static GBytes *
chunk_key (const char *id, guint32 n)
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

JsonObject *
reel_videos_get_chunk (ReelTxn *txn, const char *id, guint32 n, GError **error)
{
  g_autoptr (GBytes) key = chunk_key (id, n);
  return reel_txn_get_json (txn, REEL_DB_CHUNKS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), error);
}

/* Records a finished chunk (or the soundtrack) in the chunk table, then
 * derives progress and state from the table: a redelivered job's second
 * completion finds its chunk recorded and changes nothing. */
static gboolean
apply_transcoded (ReelTxn *txn, const char *id, JsonObject *rec, const ReelEvent *ev,
                  GError **error)
{
  gboolean audio = g_str_equal (ev->type, "audio.transcoded");
  guint32 n = audio ? REEL_CHUNK_AUDIO
                    : (guint32)json_object_get_int_member_with_default (ev->data, "chunk", 0);
  g_autoptr (GBytes) key = chunk_key (id, n);
  gint64 total = json_object_get_int_member_with_default (rec, "chunks_total", 0);
  gboolean has_audio = json_object_get_boolean_member_with_default (rec, "has_audio", FALSE);
  gint64 done = 0;
  const char *state;

  if (reel_txn_get (txn, REEL_DB_CHUNKS, g_bytes_get_data (key, NULL), g_bytes_get_size (key), NULL,
                    NULL, NULL)
      || is_final (rec))
    return TRUE;
  if (!reel_txn_put_json (txn, REEL_DB_CHUNKS, g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                          ev->data, error))
    return FALSE;
  while (done < total)
    {
      g_autoptr (GBytes) k = chunk_key (id, (guint32)done);
      if (!reel_txn_get (txn, REEL_DB_CHUNKS, g_bytes_get_data (k, NULL), g_bytes_get_size (k),
                         NULL, NULL, NULL))
        break;
      done++;
    }
  {
    g_autoptr (GBytes) ak = chunk_key (id, REEL_CHUNK_AUDIO);
    gboolean audio_done = !has_audio
                          || reel_txn_get (txn, REEL_DB_CHUNKS, g_bytes_get_data (ak, NULL),
                                           g_bytes_get_size (ak), NULL, NULL, NULL);
    state = total > 0 && done == total && audio_done ? "ready"
            : done > 0 && audio_done                 ? "playable"
                                                     : "processing";
  }
  json_object_set_int_member (rec, "chunks_done", done);
  if (g_strcmp0 (json_object_get_string_member (rec, "state"), state) != 0)
    json_object_set_string_member (rec, "updated_at", ev->at);
  json_object_set_string_member (rec, "state", state);
  return put (txn, id, rec, error);
}

/* The record and every row of its chunk table. */
static gboolean
delete_video (ReelTxn *txn, const char *id, GError **error)
{
  g_autofree char *prefix = g_strconcat (id, "/", NULL);
  g_autoptr (GPtrArray) keys = reel_txn_keys (txn, REEL_DB_CHUNKS, prefix, strlen (prefix), error);
  if (!keys)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    if (!reel_txn_del (txn, REEL_DB_CHUNKS, g_bytes_get_data (keys->pdata[i], NULL),
                       g_bytes_get_size (keys->pdata[i]), error))
      return FALSE;
  return del (txn, id, error);
}

gboolean
reel_videos_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "video_id", TRUE, error);
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GError) local = NULL;

  if (!id)
    return FALSE;
  if (g_str_equal (ev->type, "video.created"))
    {
      const char *members[] = { "owner", "title", "description", "filename" };
      if (reel_txn_get (txn, REEL_DB_VIDEOS, id, strlen (id), NULL, NULL, NULL))
        return TRUE; /* the subject precondition makes this unreachable */
      rec = json_object_new ();
      json_object_set_string_member (rec, "id", id);
      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        {
          const char *v = json_object_get_string_member_with_default (ev->data, members[i], NULL);
          if (v)
            json_object_set_string_member (rec, members[i], v);
        }
      json_object_set_int_member (rec, "size",
                                  json_object_get_int_member_with_default (ev->data, "size", 0));
      json_object_set_string_member (rec, "state", "uploading");
      json_object_set_string_member (rec, "created_at", ev->at);
      json_object_set_string_member (rec, "updated_at", ev->at);
      return put (txn, id, rec, error);
    }

  rec = load (txn, id, &local);
  if (!rec)
    {
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return TRUE; /* an event for a video this log never created: nothing to change */
    }
  if (g_str_equal (ev->type, "video.uploaded"))
    {
      /* Only an upload in progress moves on: a redelivery changes nothing.
       * After an interrupted completion, ingest may have run (video.probed)
       * before this arrives: the record still learns its original. */
      if (g_strcmp0 (json_object_get_string_member (rec, "state"), "uploading") != 0)
        {
          if (json_object_has_member (rec, "original"))
            return TRUE;
          json_object_set_string_member (
              rec, "original",
              json_object_get_string_member_with_default (ev->data, "original", ""));
          return put (txn, id, rec, error);
        }
      json_object_set_string_member (rec, "state", "processing");
      json_object_set_string_member (
          rec, "original", json_object_get_string_member_with_default (ev->data, "original", ""));
      json_object_set_string_member (rec, "updated_at", ev->at);
      return put (txn, id, rec, error);
    }
  if (g_str_equal (ev->type, "video.probed"))
    {
      const char *members[]
          = { "duration_ns", "width",      "height",         "rotation", "fps_n",        "fps_d",
              "has_audio",   "segment_ns", "first_chunk_ns", "chunk_ns", "chunks_total", "rungs" };
      /* A re-run ingest (redelivered job) publishes the same plan again. */
      if (json_object_has_member (rec, "chunks_total") || is_final (rec))
        return TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        if (json_object_has_member (ev->data, members[i]))
          json_object_set_member (rec, members[i],
                                  json_node_copy (json_object_get_member (ev->data, members[i])));
      json_object_set_string_member (rec, "state", "processing");
      json_object_set_string_member (rec, "updated_at", ev->at);
      return put (txn, id, rec, error);
    }
  if (g_str_equal (ev->type, "chunk.transcoded") || g_str_equal (ev->type, "audio.transcoded"))
    return apply_transcoded (txn, id, rec, ev, error);
  if (g_str_equal (ev->type, "video.failed"))
    {
      if (is_final (rec))
        return TRUE;
      json_object_set_string_member (rec, "state", "failed");
      json_object_set_string_member (
          rec, "error", json_object_get_string_member_with_default (ev->data, "reason", "failed"));
      json_object_set_string_member (rec, "updated_at", ev->at);
      return put (txn, id, rec, error);
    }
  if (g_str_equal (ev->type, "video.poster"))
    {
      json_object_set_string_member (
          rec, "poster", json_object_get_string_member_with_default (ev->data, "file", ""));
      return put (txn, id, rec, error);
    }
  if (g_str_equal (ev->type, "video.ready"))
    {
      if (json_object_has_member (rec, "ready_at"))
        return TRUE;
      json_object_set_string_member (rec, "ready_at", ev->at);
      return put (txn, id, rec, error);
    }
  if (g_str_equal (ev->type, "video.upload_aborted"))
    return del (txn, id, error);
  if (g_str_equal (ev->type, "video.edited"))
    {
      const char *members[] = { "title", "description" };
      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        {
          const char *v = json_object_get_string_member_with_default (ev->data, members[i], NULL);
          if (v)
            json_object_set_string_member (rec, members[i], v);
        }
      json_object_set_string_member (rec, "updated_at", ev->at);
      return put (txn, id, rec, error);
    }
  if (g_str_equal (ev->type, "video.deleted"))
    return delete_video (txn, id, error);
  if (g_str_equal (ev->type, "video.cdn_pushed"))
    {
      json_object_set_boolean_member (rec, "cdn", TRUE);
      return put (txn, id, rec, error);
    }
  return TRUE;
}

gboolean
reel_videos_announce_ready (ReelBus *bus, ReelStore *store, const char *id, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) rec = reel_videos_get (store, id, &local);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;

  if (!rec)
    {
      /* Deleted (or aborted) while its last chunks were in flight. */
      if (g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (g_strcmp0 (json_object_get_string_member (rec, "state"), "ready") != 0
      || json_object_has_member (rec, "ready_at"))
    return TRUE;
  json_object_set_string_member (data, "video_id", id);
  json_object_set_string_member (data, "owner", json_object_get_string_member (rec, "owner"));
  json_object_set_string_member (data, "title", json_object_get_string_member (rec, "title"));
  json_object_set_int_member (data, "duration_ns",
                              json_object_get_int_member_with_default (rec, "duration_ns", 0));
  json_object_set_int_member (data, "chunks_total",
                              json_object_get_int_member_with_default (rec, "chunks_total", 0));
  subject = g_strdup_printf ("reel.ev.video.%s.ready", id);
  if (reel_events_publish (bus, subject, "video.ready", 1, NULL, data, TRUE, NULL, &local))
    return TRUE;
  /* Another node (or an earlier run of this log) announced it first. */
  if (g_error_matches (local, REEL_ERROR, REEL_ERROR_CONFLICT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static gboolean
collect_id (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  g_ptr_array_add (data, g_strndup ((const char *)key, key_len));
  return TRUE;
}

GPtrArray *
reel_videos_unannounced (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  if (!txn
      || !reel_txn_scan (txn, REEL_DB_VIDEOS_UNANNOUNCED, NULL, 0, NULL, 0, FALSE, collect_id, ids,
                         error))
    return NULL;
  return g_steal_pointer (&ids);
}

/* The owner's video; REEL_ERROR_FORBIDDEN for anyone else. */
static JsonObject *
owned (ReelStore *store, const char *user, const char *id, GError **error)
{
  g_autoptr (JsonObject) rec = reel_videos_get (store, id, error);
  if (rec && g_strcmp0 (json_object_get_string_member (rec, "owner"), user) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "this video is not yours");
      return NULL;
    }
  return g_steal_pointer (&rec);
}

gboolean
reel_videos_edit (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                  const char *title, const char *description, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) rec = owned (store, user, id, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;

  if (!rec)
    return FALSE;
  if (!title && !description)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "give a title and/or a description");
      return FALSE;
    }
  if ((title && !reel_text_check ("title", title, 1, REEL_VIDEO_TITLE_MAX, FALSE, error))
      || (description
          && !reel_text_check ("description", description, 0, REEL_VIDEO_DESCRIPTION_MAX, TRUE,
                               error)))
    return FALSE;
  json_object_set_string_member (data, "video_id", id);
  if (title)
    json_object_set_string_member (data, "title", title);
  if (description)
    json_object_set_string_member (data, "description", description);
  subject = reel_event_subject ("video", id);
  return reel_events_publish (bus, subject, "video.edited", 1, user, data, FALSE, seq, error);
}

gboolean
reel_videos_delete (ReelBus *bus, ReelStore *store, const char *user, const char *id, guint64 *seq,
                    GError **error)
{
  g_autoptr (JsonObject) rec = owned (store, user, id, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  if (!rec)
    return FALSE;
  json_object_set_string_member (data, "video_id", id);
  subject = reel_event_subject ("video", id);
  return reel_events_publish (bus, subject, "video.deleted", 1, user, data, FALSE, seq, error);
}

static void
add_rendition_keys (const char *id, JsonObject *r, GHashTable *keys)
{
  const char *name = json_object_get_string_member_with_default (r, "name", NULL);
  JsonArray *durations = json_object_has_member (r, "durations_ns")
                             ? json_object_get_array_member (r, "durations_ns")
                             : NULL;
  guint first = (guint)json_object_get_int_member_with_default (r, "first_segment", 0);
  if (!name)
    return;
  if (json_object_has_member (r, "init"))
    g_hash_table_add (keys, g_strdup_printf ("videos/%s/%s/%s", id, name,
                                             json_object_get_string_member (r, "init")));
  for (guint i = 0; durations && i < json_array_get_length (durations); i++)
    g_hash_table_add (keys, g_strdup_printf ("videos/%s/%s/%u.m4s", id, name, first + i));
}

typedef struct
{
  const char *id;
  GHashTable *keys;
} BlobKeys;

static gboolean
chunk_blob_keys (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
                 gpointer data)
{
  BlobKeys *b = data;
  g_autoptr (JsonObject) chunk = reel_json_parse_object ((const char *)value, value_len, NULL);
  JsonArray *list = chunk && json_object_has_member (chunk, "renditions")
                        ? json_object_get_array_member (chunk, "renditions")
                        : NULL;
  if (chunk && json_object_has_member (chunk, "rendition"))
    add_rendition_keys (b->id, json_object_get_object_member (chunk, "rendition"), b->keys);
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    add_rendition_keys (b->id, json_array_get_object_element (list, i), b->keys);
  return TRUE;
}

gboolean
reel_videos_blob_keys (ReelTxn *txn, const char *id, GHashTable *keys, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) rec = load (txn, id, &local);
  g_autofree char *prefix = g_strconcat (id, "/", NULL);
  BlobKeys b = { id, keys };
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (rec && json_object_has_member (rec, "original"))
    g_hash_table_add (keys, g_strdup (json_object_get_string_member (rec, "original")));
  return reel_txn_scan (txn, REEL_DB_CHUNKS, prefix, strlen (prefix), NULL, 0, FALSE,
                        chunk_blob_keys, &b, error);
}
