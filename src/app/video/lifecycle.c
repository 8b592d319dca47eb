/* See lifecycle.h. */
#include "app/video/lifecycle.h"
#include "app/video/videos.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/json.h"
#include "store/blob_keys.h"

#include <signal.h>

/* What a failure says when its event gives no reason. */
#define DEFAULT_FAILURE "processing failed"

/* An event's string member, or NULL. */
static const char *
event_string (const ReelEvent *ev, const char *member)
{
  return json_object_get_string_member_with_default (ev->data, member, NULL);
}

static void
replace_str (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

/* --- accept an original --- */

/* Queues the ingest job of a video whose original is complete. */
static gboolean
enqueue_ingest (ReelBus *bus, const char *video_id, const char *original_key, GError **error)
{
  g_autoptr (JsonObject) job = json_object_new ();
  json_object_set_string_member (job, "video_id", video_id);
  json_object_set_string_member (job, "original", original_key);
  return reel_jobs_publish (bus, "ingest", video_id, video_id, job, error);
}

static gboolean
mark_uploaded (ReelBus *bus, const char *id, const char *actor, const char *blob_key, guint64 size,
               guint64 *seq, GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", id);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "video_id", id);
  json_object_set_string_member (data, "original", blob_key);
  json_object_set_int_member (data, "size", (gint64)size);
  return reel_events_publish (bus, subject, "video.uploaded", 1, actor, data, FALSE, seq, error);
}

gboolean
reel_lifecycle_accept_original (ReelBus *bus, const char *video_id, const char *actor, guint64 size,
                                guint64 *seq, GError **error)
{
  g_autofree char *key = reel_blob_key_original (video_id);
  return enqueue_ingest (bus, video_id, key, error)
         && mark_uploaded (bus, video_id, actor, key, size, seq, error);
}

gboolean
reel_lifecycle_store_original (ReelBus *bus, ReelUploads *uploads, ReelBlobs *blobs,
                               const char *video_id, const char *actor, guint64 size, guint64 *seq,
                               GError **error)
{
  g_autofree char *key = reel_blob_key_original (video_id);
  if (!reel_uploads_complete (uploads, blobs, video_id, key, error))
    return FALSE;
  /* Test hook: die between storing the bytes and saying so. */
  if (reel_test_fault ("kill-before-uploaded"))
    raise (SIGKILL);
  return reel_lifecycle_accept_original (bus, video_id, actor, size, seq, error);
}

/* --- failure --- */

gboolean
reel_lifecycle_fail (ReelBus *bus, const char *video_id, const char *reason, GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", video_id);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "reason", reason);
  return reel_events_publish (bus, subject, "video.failed", 1, NULL, data, FALSE, NULL, error);
}

/* --- the state machine (applied by the videos projection) --- */

gboolean
reel_lifecycle_handles (const char *type)
{
  static const char *const types[]
      = { "video.uploaded", "video.probed", "chunk.transcoded",    "audio.transcoded",
          "video.failed",   "video.ready",  "video.retranscoding", "video.retranscode_failed" };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_equal (type, types[i]))
      return TRUE;
  return FALSE;
}

/* A chunk of the rendition set being made (video.retranscoding): stored
 * beside the set served; when the set's last chunk is in, it is served
 * instead, at once (the record and the rows change in one transaction).
 * The old set is retired: a player that read the master playlist before
 * the switch still gets its media playlists, and the clean-up keeps its
 * blobs, for the grace period (reel_video_retired_served); the set retired
 * before it goes, rows now and blobs at the clean-up's next sweep. A
 * chunk of any other set (one superseded, or a redelivery after the
 * switch) changes nothing. */
static gboolean
apply_next_chunk (ReelTxn *txn, ReelVideo *v, guint32 n, const ReelEvent *ev, GError **error)
{
  guint total;
  if (!v->next_plan || REEL_CHUNK_SET_OF (n) != v->next_set || reel_chunks_has (txn, v->id, n))
    return TRUE;
  if (!reel_chunks_put (txn, v->id, n, ev->data, error))
    return FALSE;
  total = v->next_plan->chunks_total;
  if (reel_chunks_done_from (txn, v->id, REEL_CHUNK_SET_BASE (v->next_set), total) < total)
    return TRUE;
  if (v->retired_plan && !reel_chunks_delete_set (txn, v->id, v->retired_set, error))
    return FALSE;
  reel_video_plan_free (v->retired_plan);
  v->retired_plan = g_steal_pointer (&v->plan);
  v->retired_set = v->rendition_set;
  replace_str (&v->retired_at, ev->at);
  v->plan = g_steal_pointer (&v->next_plan);
  v->rendition_set = v->next_set;
  v->next_set = 0;
  v->chunks_done = total;
  /* The CDN holds the old set's segments: served from here until the
   * new set is pushed (app/cdn.h). */
  v->cdn = FALSE;
  replace_str (&v->updated_at, ev->at);
  return reel_videos_store (txn, v, error);
}

/* Records a finished chunk (or the soundtrack) in the chunk table, then
 * derives progress and state from the table: a redelivered job's second
 * completion finds its chunk recorded and changes nothing. */
static gboolean
apply_transcoded (ReelTxn *txn, ReelVideo *v, const ReelEvent *ev, GError **error)
{
  gboolean audio = g_str_equal (ev->type, "audio.transcoded");
  guint32 n = audio ? REEL_CHUNK_AUDIO
                    : (guint32)json_object_get_int_member_with_default (ev->data, "chunk", 0);
  guint total = v->plan ? v->plan->chunks_total : 0;
  gboolean no_audio = !(v->plan && v->plan->has_audio);
  g_autoptr (ReelChunk) sound = NULL;
  ReelVideoState state;

  if (!audio && REEL_CHUNK_SET_OF (n) != v->rendition_set)
    return apply_next_chunk (txn, v, n, ev, error);

  if (reel_video_state_is_final (v->state))
    return TRUE;
  if (audio)
    {
      /* The soundtrack's head (ReelChunk.partial) never replaces a row;
       * the whole soundtrack replaces its head. */
      g_autoptr (ReelChunk) got = reel_chunk_from_json (ev->data, error);
      g_autoptr (ReelChunk) row = reel_chunks_get (txn, v->id, REEL_CHUNK_AUDIO, NULL);
      if (!got)
        return FALSE;
      if (row && (got->partial || !row->partial))
        return TRUE;
    }
  else if (reel_chunks_has (txn, v->id, n))
    return TRUE;
  if (!reel_chunks_put (txn, v->id, n, ev->data, error))
    return FALSE;
  v->chunks_done
      = reel_chunks_done_from (txn, v->id, REEL_CHUNK_SET_BASE (v->rendition_set), total);
  v->progress = TRUE;
  /* Playable with the soundtrack's head; ready with all of it. */
  sound = no_audio ? NULL : reel_chunks_get (txn, v->id, REEL_CHUNK_AUDIO, NULL);
  state = total > 0 && v->chunks_done == total && (no_audio || (sound && !sound->partial))
              ? REEL_VIDEO_READY
          : v->chunks_done > 0 && (no_audio || sound) ? REEL_VIDEO_PLAYABLE
                                                      : REEL_VIDEO_PROCESSING;
  if (v->state != state)
    replace_str (&v->updated_at, ev->at);
  v->state = state;
  return reel_videos_store (txn, v, error);
}

gboolean
reel_lifecycle_apply (ReelTxn *txn, ReelVideo *v, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "video.uploaded"))
    {
      const char *original = event_string (ev, "original");
      /* Only an upload in progress moves on: a redelivery changes nothing.
       * After an interrupted completion, ingest may have run (video.probed)
       * before this arrives: the record still learns its original. */
      if (v->state != REEL_VIDEO_UPLOADING)
        {
          if (v->original)
            return TRUE;
          replace_str (&v->original, original ? original : "");
          return reel_videos_store (txn, v, error);
        }
      v->state = REEL_VIDEO_PROCESSING;
      replace_str (&v->original, original ? original : "");
      replace_str (&v->updated_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.probed"))
    {
      /* A re-run ingest (redelivered job) publishes the same plan again. */
      if (v->plan || reel_video_state_is_final (v->state))
        return TRUE;
      if (!(v->plan = reel_video_plan_from_json (ev->data, error)))
        return FALSE;
      v->state = REEL_VIDEO_PROCESSING;
      replace_str (&v->updated_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "chunk.transcoded") || g_str_equal (ev->type, "audio.transcoded"))
    return apply_transcoded (txn, v, ev, error);
  if (g_str_equal (ev->type, "video.failed"))
    {
      const char *reason = event_string (ev, "reason");
      if (reel_video_state_is_final (v->state))
        return TRUE;
      v->state = REEL_VIDEO_FAILED;
      replace_str (&v->error, reason ? reason : DEFAULT_FAILURE);
      replace_str (&v->updated_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.retranscoding"))
    {
      g_autoptr (GError) local = NULL;
      gint64 set = json_object_get_int_member_with_default (ev->data, "set", 0);
      ReelVideoPlan *next;
      /* Only a ready video, only a set newer than any it has. */
      if (v->state != REEL_VIDEO_READY || set <= (gint64)v->rendition_set
          || (v->next_plan && set <= (gint64)v->next_set) || set <= (gint64)v->failed_set
          || set > REEL_CHUNK_SET_MAX)
        return TRUE;
      if (!(next = reel_video_plan_from_json (ev->data, &local)))
        {
          g_warning ("video %s: a re-transcode without a plan: %s", v->id, local->message);
          return TRUE;
        }
      /* A set still being made when a newer one is asked for is dropped. */
      if (v->next_plan && !reel_chunks_delete_set (txn, v->id, v->next_set, error))
        {
          reel_video_plan_free (next);
          return FALSE;
        }
      reel_video_plan_free (v->next_plan);
      v->next_plan = next;
      v->next_set = (guint)set;
      v->failed_set = 0;
      g_clear_pointer (&v->failed_set_reason, g_free);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.retranscode_failed"))
    {
      gint64 set = json_object_get_int_member_with_default (ev->data, "set", 0);
      const char *reason = event_string (ev, "reason");
      /* Only the set being made fails; the served set stays, and its rows
       * with it. The failed set's rows go (their blobs, named by no row,
       * are reclaimed by the clean-up); its number is not used again. */
      if (!v->next_plan || set != (gint64)v->next_set)
        return TRUE;
      if (!reel_chunks_delete_set (txn, v->id, v->next_set, error))
        return FALSE;
      g_clear_pointer (&v->next_plan, reel_video_plan_free);
      v->failed_set = v->next_set;
      v->next_set = 0;
      replace_str (&v->failed_set_reason, reason ? reason : DEFAULT_FAILURE);
      replace_str (&v->updated_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.ready"))
    {
      if (v->ready_at)
        return TRUE;
      replace_str (&v->ready_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  return TRUE;
}

gboolean
reel_lifecycle_apply_event (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = json_object_get_string_member_with_default (ev->data, "video_id", NULL);
  g_autoptr (ReelVideo) v = NULL;
  g_autoptr (GError) local = NULL;

  if (!reel_json_get_string (ev->data, "video_id", TRUE, error))
    return FALSE;
  if (!(v = reel_videos_load (txn, id, &local)))
    {
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return TRUE;
    }
  return reel_lifecycle_apply (txn, v, ev, error);
}

/* --- the ready announcement --- */

gboolean
reel_lifecycle_announce_ready (ReelBus *bus, ReelStore *store, const char *id, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ReelVideo) v = reel_videos_get (store, id, &local);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;

  if (!v)
    {
      /* Deleted (or aborted) while its last chunks were in flight. */
      if (g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (v->state != REEL_VIDEO_READY || v->ready_at)
    return TRUE;
  json_object_set_string_member (data, "video_id", id);
  json_object_set_string_member (data, "owner", v->owner);
  json_object_set_string_member (data, "title", v->title);
  json_object_set_int_member (data, "duration_ns", v->plan ? (gint64)v->plan->duration_ns : 0);
  json_object_set_int_member (data, "chunks_total", v->plan ? v->plan->chunks_total : 0);
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

static GPtrArray *
unannounced (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  if (!txn
      || !reel_txn_scan (txn, REEL_DB_VIDEOS_UNANNOUNCED, NULL, 0, NULL, 0, FALSE, collect_id, ids,
                         error))
    return NULL;
  return g_steal_pointer (&ids);
}

void
reel_lifecycle_announce_pending (ReelBus *bus, ReelStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = unannounced (store, &error);
  if (!ids)
    g_warning ("cannot list the videos to announce ready: %s", error->message);
  for (guint i = 0; ids && i < ids->len; i++)
    {
      g_autoptr (GError) local = NULL;
      /* Test hook: die between the commit and the announcement. */
      if (reel_test_fault ("kill-before-announce"))
        raise (SIGKILL);
      if (!reel_lifecycle_announce_ready (bus, store, ids->pdata[i], &local))
        g_warning ("video %s: cannot announce it ready yet: %s", (char *)ids->pdata[i],
                   local->message);
    }
}
