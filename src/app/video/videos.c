/* See videos.h. */
#include "app/video/videos.h"
#include "core/webvtt.h"
#include "app/video/chapters.h"
#include "app/analytics/views.h"
#include "app/social/ratings.h"
#include "app/users/users.h"
#include "app/checks/checks.h"
#include "app/video/chunks.h"
#include "app/video/visibility.h"
#include "core/error.h"
#include "core/id.h"
#include "core/idem.h"
#include "core/json.h"
#include "core/memo.h"
#include "core/text.h"
#include "store/blob_keys.h"

gboolean
reel_videos_id_valid (const char *id)
{
  return reel_id_valid (id);
}

gboolean
reel_videos_check_privacy (const char *privacy, GError **error)
{
  ReelPrivacy p;
  if (reel_privacy_from_name (privacy, &p))
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "privacy must be one of %s, %s or %s",
               reel_privacy_name (REEL_PRIVACY_PUBLIC), reel_privacy_name (REEL_PRIVACY_UNLISTED),
               reel_privacy_name (REEL_PRIVACY_PRIVATE));
  return FALSE;
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
  return !d->privacy || reel_videos_check_privacy (d->privacy, error);
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
  /* Absent means public, as in every video.created before privacy. */
  if (d->privacy)
    json_object_set_string_member (data, "privacy", d->privacy);
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
reel_videos_abort_upload (ReelBus *bus, const char *id, const char *actor, guint64 *seq,
                          GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", id);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "video_id", id);
  return reel_events_publish (bus, subject, "video.upload_aborted", 1, actor, data, FALSE, seq,
                              error);
}

/* The record of video id parsed from its stored bytes. */
static ReelVideo *
parse_stored (const char *id, const void *data, gsize len, GError **error)
{
  ReelVideo *v = reel_video_from_bytes (data, len, error);
  if (!v)
    g_prefix_error (error, "the record of video %s: ", id);
  return v;
}

static ReelVideo *
load (ReelTxn *txn, const char *id, GError **error)
{
  const void *data;
  gsize len;
  if (!reel_txn_get (txn, REEL_DB_VIDEOS, id, strlen (id), &data, &len, error))
    return NULL;
  return parse_stored (id, data, len, error);
}

/* A lookup of one video that found nothing: local's error if it failed,
 * else REEL_ERROR_NOT_FOUND. */
static void
missed (GError **error, GError **local)
{
  if (*local)
    g_propagate_error (error, g_steal_pointer (local));
  else
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
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

ReelVideo *
reel_videos_load (ReelTxn *txn, const char *id, GError **error)
{
  return load (txn, id, error);
}

/* The record of id read by reader, REEL_ERROR_NOT_FOUND when id is not a
 * video's (malformed or absent). */
static ReelVideo *
require (ReelTxn *txn, const char *id, ReelVideo *(*reader) (ReelTxn *, const char *, GError **),
         GError **error)
{
  g_autoptr (GError) local = NULL;
  ReelVideo *v = reel_videos_id_valid (id) ? reader (txn, id, &local) : NULL;
  if (!v)
    missed (error, &local);
  return v;
}

ReelVideo *
reel_videos_require (ReelTxn *txn, const char *id, GError **error)
{
  return require (txn, id, reel_videos_load, error);
}

ReelVideo *
reel_videos_get (ReelStore *store, const char *id, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  ReelVideo *v;

  if (!(txn = reel_store_begin (store, FALSE, error))
      || !(v = reel_videos_require (txn, id, error)))
    return NULL;
  v->views = reel_views_count (txn, id);
  reel_ratings_count (txn, id, &v->likes, &v->dislikes);
  v->owner_banned = reel_users_is_banned (txn, v->owner);
  return v;
}

/* --- the shared records --- */

/* Enough for the videos being watched or listed at once on one node (a
 * record is parsed in tens of microseconds). One for the process
 * (core/memo.h). */
#define SHARED_RECORDS_MAX 512

static gpointer
shared_ref (gpointer video)
{
  return reel_video_ref (video);
}

static void
shared_unref (gpointer video)
{
  reel_video_free (video);
}

static ReelMemo shared_records = REEL_MEMO_INIT (SHARED_RECORDS_MAX, shared_ref, shared_unref);

ReelVideo *
reel_videos_load_shared (ReelTxn *txn, const char *id, GError **error)
{
  const void *data = NULL;
  gsize len = 0;
  ReelVideo *v;

  if (!reel_txn_get (txn, REEL_DB_VIDEOS, id, strlen (id), &data, &len, error))
    return NULL;
  v = reel_memo_get (&shared_records, id, data, len);
  /* The ban is the users table's, not the record's: a change of it is a
   * new version too. */
  if (v && v->owner_banned == reel_users_is_banned (txn, v->owner))
    return v;
  g_clear_pointer (&v, reel_video_free);
  if (!(v = parse_stored (id, data, len, error)))
    return NULL;
  v->owner_banned = reel_users_is_banned (txn, v->owner);
  reel_memo_put (&shared_records, id, data, len, v);
  return v;
}

ReelVideo *
reel_videos_get_shared (ReelTxn *txn, const char *id, GError **error)
{
  return require (txn, id, reel_videos_load_shared, error);
}

/* What a player needs to know about the renditions: the ladder the video
 * gets, plus the soundtrack. */
static JsonArray *
public_renditions (const ReelVideoPlan *plan)
{
  JsonArray *out = json_array_new ();
  for (guint i = 0; i < plan->rungs->len; i++)
    {
      const ReelRung *r = &g_array_index (plan->rungs, ReelRung, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "name", r->name);
      json_object_set_string_member (o, "kind", "video");
      json_object_set_int_member (o, "width", r->width);
      json_object_set_int_member (o, "height", r->height);
      json_object_set_int_member (o, "bitrate", (gint64)r->kbps * 1000);
      json_array_add_object_element (out, o);
    }
  if (plan->has_audio)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "name", "audio");
      json_object_set_string_member (o, "kind", "audio");
      json_array_add_object_element (out, o);
    }
  return out;
}

JsonArray *
reel_videos_captions_json (const ReelVideo *v, const char *media_base)
{
  g_autofree char *plain_base = media_base ? NULL : g_strdup_printf ("/videos/%s", v->id);
  JsonArray *out = json_array_new ();
  if (!media_base)
    media_base = plain_base;
  for (guint i = 0; v->captions && i < v->captions->len; i++)
    {
      const ReelCaption *c = v->captions->pdata[i];
      JsonObject *o = json_object_new ();
      g_autofree char *url = g_strdup_printf ("%s/captions/%s.vtt", media_base, c->lang);
      json_object_set_string_member (o, "lang", c->lang);
      json_object_set_string_member (o, "url", url);
      json_array_add_object_element (out, o);
    }
  return out;
}

JsonObject *
reel_videos_public_counted (ReelTxn *txn, const ReelVideo *shared, const char *media_base)
{
  /* A view of the shared record with the counts of now: its members stay
   * the record's, read and never freed here. */
  ReelVideo v = *shared;
  v.views = reel_views_count (txn, v.id);
  reel_ratings_count (txn, v.id, &v.likes, &v.dislikes);
  return reel_videos_public (&v, media_base);
}

JsonObject *
reel_videos_retranscode_json (ReelTxn *txn, const ReelVideo *v, gint64 now_s, guint keep_s)
{
  JsonObject *out = json_object_new ();
  json_object_set_string_member (out, "video_id", v->id);
  json_object_set_int_member (out, "set", v->rendition_set);
  if (reel_video_retired_served (v, now_s, keep_s))
    {
      JsonObject *retired = json_object_new ();
      g_autoptr (GDateTime) at = g_date_time_new_from_iso8601 (v->retired_at, NULL);
      g_autoptr (GDateTime) until = g_date_time_add_seconds (at, keep_s);
      g_autofree char *text = g_date_time_format_iso8601 (until);
      json_object_set_int_member (retired, "set", v->retired_set);
      json_object_set_string_member (retired, "until", text);
      json_object_set_object_member (out, "retired", retired);
    }
  if (v->next_plan)
    {
      JsonObject *next = json_object_new ();
      guint total = v->next_plan->chunks_total;
      json_object_set_int_member (next, "set", v->next_set);
      json_object_set_int_member (
          next, "chunks_done",
          reel_chunks_done_from (txn, v->id, REEL_CHUNK_SET_BASE (v->next_set), total));
      json_object_set_int_member (next, "chunks_total", total);
      json_object_set_object_member (out, "next", next);
    }
  if (v->failed_set)
    {
      JsonObject *given_up = json_object_new ();
      json_object_set_int_member (given_up, "set", v->failed_set);
      json_object_set_string_member (given_up, "reason",
                                     v->failed_set_reason ? v->failed_set_reason : "");
      json_object_set_object_member (out, "given_up", given_up);
    }
  return out;
}

JsonObject *
reel_videos_public (const ReelVideo *v, const char *media_base)
{
  g_autofree char *plain_base = media_base ? NULL : g_strdup_printf ("/videos/%s", v->id);
  JsonObject *out = json_object_new ();
  JsonObject *progress = json_object_new ();

  json_object_set_string_member (out, "id", v->id);
  json_object_set_string_member (out, "owner", v->owner);
  json_object_set_string_member (out, "title", v->title);
  if (v->description)
    {
      JsonArray *chapters = reel_chapters_to_json (v->description);
      json_object_set_string_member (out, "description", v->description);
      if (chapters)
        json_object_set_array_member (out, "chapters", chapters);
    }
  json_object_set_string_member (out, "state", reel_video_state_name (v->state));
  json_object_set_string_member (out, "privacy", reel_privacy_name (v->privacy));
  json_object_set_boolean_member (out, "downloadable", v->downloadable);
  /* Where viewers download it (http/api_downloads.c): a ready video whose
   * owner allows it. */
  if (v->downloadable && v->state == REEL_VIDEO_READY)
    {
      g_autofree char *download = g_strdup_printf ("/api/v1/videos/%s/download", v->id);
      json_object_set_string_member (out, "download", download);
    }
  if (v->created_at)
    json_object_set_string_member (out, "created_at", v->created_at);
  if (v->updated_at)
    json_object_set_string_member (out, "updated_at", v->updated_at);
  if (v->error)
    json_object_set_string_member (out, "error", v->error);
  json_object_set_int_member (out, "size", (gint64)v->size);
  json_object_set_int_member (out, "views", (gint64)v->views);
  json_object_set_int_member (out, "likes", (gint64)v->likes);
  json_object_set_int_member (out, "dislikes", (gint64)v->dislikes);
  if (v->plan)
    {
      json_object_set_double_member (out, "duration", (double)v->plan->duration_ns / 1e9);
      json_object_set_int_member (out, "width", v->plan->width);
      json_object_set_int_member (out, "height", v->plan->height);
      json_object_set_array_member (out, "renditions", public_renditions (v->plan));
    }
  json_object_set_int_member (progress, "chunks_done", v->chunks_done);
  /* Until ingest has planned the chunks, the total is unknown: 0. */
  json_object_set_int_member (progress, "chunks_total", v->plan ? v->plan->chunks_total : 0);
  json_object_set_object_member (out, "progress", progress);
  if (reel_video_state_is_playable (v->state))
    {
      g_autofree char *hls
          = g_strconcat (media_base ? media_base : plain_base, "/master.m3u8", NULL);
      g_autofree char *dash
          = g_strconcat (media_base ? media_base : plain_base, "/manifest.mpd", NULL);
      json_object_set_string_member (out, "hls", hls);
      json_object_set_string_member (out, "dash", dash);
    }
  /* Only those who still see a held or blocked video (its owner, the
   * moderators: app/video/visibility.h) get its record, so they learn why. */
  if (v->moderation != REEL_MODERATION_NONE)
    {
      json_object_set_string_member (out, "moderation", reel_moderation_name (v->moderation));
      if (v->moderation_reason)
        json_object_set_string_member (out, "moderation_reason", v->moderation_reason);
    }
  if (v->checks)
    json_object_set_array_member (out, "checks", reel_video_checks_to_json (v));
  if (v->poster)
    {
      g_autofree char *path = reel_video_poster_path (v);
      g_autofree char *poster = g_strconcat (media_base ? media_base : plain_base, "/", path, NULL);
      json_object_set_string_member (out, "thumbnail", poster);
    }
  if (v->captions && v->captions->len)
    {
      json_object_set_array_member (out, "captions", reel_videos_captions_json (v, media_base));
    }
  if (v->poster && v->poster_small)
    {
      g_autofree char *small
          = g_strconcat (media_base ? media_base : plain_base, "/posters/", v->poster_small, NULL);
      json_object_set_string_member (out, "thumbnail_small", small);
    }
  if (v->storyboard && v->storyboard_sprite)
    {
      JsonObject *sb = json_object_new ();
      const char *base = media_base ? media_base : plain_base;
      g_autofree char *vtt = g_strconcat (base, "/", v->storyboard, NULL);
      g_autofree char *sprite = g_strconcat (base, "/", v->storyboard_sprite, NULL);
      json_object_set_string_member (sb, "vtt", vtt);
      json_object_set_string_member (sb, "sprite", sprite);
      json_object_set_object_member (out, "storyboard", sb);
    }
  return out;
}

JsonObject *
reel_videos_watchable_item (ReelTxn *txn, const char *id, const ReelViewer *viewer, GError **error)
{
  g_autoptr (ReelVideo) v = reel_videos_load_shared (txn, id, error);
  JsonObject *item;
  if (!v || reel_video_sight (v, viewer) != REEL_SIGHT_WATCH)
    return NULL; /* deleted since, not for viewer, or error set */
  item = reel_videos_public_counted (txn, v, NULL);
  if (v->ready_at)
    json_object_set_string_member (item, "published_at", v->ready_at);
  return item;
}

JsonObject *
reel_videos_list_item (ReelTxn *txn, const ReelVideo *v)
{
  if (!reel_video_is_listed (v))
    return NULL;
  return reel_videos_public_counted (txn, v, NULL); /* listed: its media need no signature */
}

gboolean
reel_videos_store (ReelTxn *txn, const ReelVideo *v, GError **error)
{
  g_autoptr (JsonObject) json = reel_video_to_json (v);
  gboolean unannounced = v->state == REEL_VIDEO_READY && !v->ready_at;
  if (!reel_txn_put_json (txn, REEL_DB_VIDEOS, v->id, strlen (v->id), json, error))
    return FALSE;
  return unannounced
             ? reel_txn_put (txn, REEL_DB_VIDEOS_UNANNOUNCED, v->id, strlen (v->id), "", 0, error)
             : reel_txn_del (txn, REEL_DB_VIDEOS_UNANNOUNCED, v->id, strlen (v->id), error);
}

gboolean
reel_videos_remove (ReelTxn *txn, const char *id, GError **error)
{
  return reel_chunks_delete_all (txn, id, error)
         && reel_txn_del (txn, REEL_DB_VIDEOS_UNANNOUNCED, id, strlen (id), error)
         && reel_txn_del (txn, REEL_DB_VIDEOS, id, strlen (id), error);
}

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

gboolean
reel_videos_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "video_id", TRUE, error);
  g_autoptr (ReelVideo) v = NULL;
  g_autoptr (GError) local = NULL;

  if (!id)
    return FALSE;
  if (g_str_equal (ev->type, "video.created"))
    {
      if (reel_txn_get (txn, REEL_DB_VIDEOS, id, strlen (id), NULL, NULL, NULL))
        return TRUE; /* the subject precondition makes this unreachable */
      v = reel_video_new (id);
      v->owner = g_strdup (event_string (ev, "owner"));
      v->title = g_strdup (event_string (ev, "title"));
      v->description = g_strdup (event_string (ev, "description"));
      v->filename = g_strdup (event_string (ev, "filename"));
      v->size = (guint64)MAX (0, json_object_get_int_member_with_default (ev->data, "size", 0));
      v->state = REEL_VIDEO_UPLOADING;
      v->created_at = g_strdup (ev->at);
      v->updated_at = g_strdup (ev->at);
      if (event_string (ev, "privacy"))
        reel_privacy_from_name (event_string (ev, "privacy"), &v->privacy);
      if (!v->owner)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "video.created without an owner");
          return FALSE;
        }
      return reel_videos_store (txn, v, error);
    }

  v = load (txn, id, &local);
  if (!v)
    {
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return TRUE; /* an event for a video this log never created: nothing to change */
    }
  /* The lifecycle's events (app/video/lifecycle.h) reach it directly
   * (app/projection.c): it builds on this module, not the other way. */
  if (g_str_equal (ev->type, "video.poster"))
    {
      const char *file = event_string (ev, "file");
      /* The first poster's job may end after the owner chose another
       * (media/thumbnail.h): the owner's choice stays. */
      if (g_strcmp0 (file, REEL_POSTER_FILE) == 0 && v->poster
          && !g_str_equal (v->poster, REEL_POSTER_FILE))
        return TRUE;
      replace_str (&v->poster, file ? file : "");
      /* A poster without a small one (made before there were two sizes)
       * leaves none: lists fall back to the poster. */
      g_clear_pointer (&v->poster_small, g_free);
      if (event_string (ev, "small"))
        replace_str (&v->poster_small, event_string (ev, "small"));
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.storyboard"))
    {
      const char *vtt = event_string (ev, "vtt"), *sprite = event_string (ev, "sprite");
      replace_str (&v->storyboard, vtt ? vtt : "");
      replace_str (&v->storyboard_sprite, sprite ? sprite : "");
      return reel_videos_store (txn, v, error);
    }
  /* A new or removed track changes the playlists: they are rebuilt when
   * updated_at moves (http/playlist_cache.h). */
  if (g_str_equal (ev->type, "video.captions"))
    {
      const char *lang = event_string (ev, "lang");
      if (lang && reel_captions_lang_valid (lang))
        reel_video_set_caption (v, lang, event_string (ev, "file"));
      replace_str (&v->updated_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.upload_aborted"))
    return reel_txn_del (txn, REEL_DB_VIDEOS_UNANNOUNCED, id, strlen (id), error)
           && reel_txn_del (txn, REEL_DB_VIDEOS, id, strlen (id), error);
  if (g_str_equal (ev->type, "video.edited"))
    {
      const char *title = event_string (ev, "title"),
                 *description = event_string (ev, "description");
      if (title)
        replace_str (&v->title, title);
      if (description)
        replace_str (&v->description, description);
      if (event_string (ev, "privacy"))
        reel_privacy_from_name (event_string (ev, "privacy"), &v->privacy);
      if (json_object_has_member (ev->data, "downloadable"))
        v->downloadable = json_object_get_boolean_member (ev->data, "downloadable");
      replace_str (&v->updated_at, ev->at);
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.deleted"))
    return reel_videos_remove (txn, id, error);
  if (g_str_equal (ev->type, "video.cdn_pushed"))
    {
      v->cdn = TRUE;
      return reel_videos_store (txn, v, error);
    }
  if (g_str_equal (ev->type, "video.blocked") || g_str_equal (ev->type, "video.unblocked"))
    {
      gboolean block = g_str_equal (ev->type, "video.blocked");
      v->moderation = block ? REEL_MODERATION_BLOCKED : REEL_MODERATION_NONE;
      replace_str (&v->moderation_reason, block ? event_string (ev, "reason") : NULL);
      reel_checks_on_moderation (v, block);
      return reel_videos_store (txn, v, error);
    }
  if (reel_checks_apply_record (v, ev))
    return reel_videos_store (txn, v, error);
  return TRUE;
}

/* The owner's video; REEL_ERROR_FORBIDDEN for anyone else. */
ReelVideo *
reel_videos_owned (ReelStore *store, const char *user, const char *id, GError **error)
{
  g_autoptr (ReelVideo) v = reel_videos_get (store, id, error);
  if (v && g_strcmp0 (v->owner, user) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "this video is not yours");
      return NULL;
    }
  return g_steal_pointer (&v);
}

gboolean
reel_videos_edit (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                  const char *title, const char *description, const char *privacy, guint64 *seq,
                  GError **error)
{
  g_autoptr (ReelVideo) v = reel_videos_owned (store, user, id, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;

  if (!v)
    return FALSE;
  if (!title && !description && !privacy)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "give a title, a description and/or a privacy");
      return FALSE;
    }
  if ((privacy && !reel_videos_check_privacy (privacy, error))
      || (title && !reel_text_check ("title", title, 1, REEL_VIDEO_TITLE_MAX, FALSE, error))
      || (description
          && !reel_text_check ("description", description, 0, REEL_VIDEO_DESCRIPTION_MAX, TRUE,
                               error)))
    return FALSE;
  json_object_set_string_member (data, "video_id", id);
  if (title)
    json_object_set_string_member (data, "title", title);
  if (description)
    json_object_set_string_member (data, "description", description);
  if (privacy)
    json_object_set_string_member (data, "privacy", privacy);
  subject = reel_event_subject ("video", id);
  return reel_events_publish (bus, subject, "video.edited", 1, user, data, FALSE, seq, error);
}

gboolean
reel_videos_set_downloadable (ReelBus *bus, ReelStore *store, const char *user, const char *id,
                              gboolean downloadable, guint64 *seq, GError **error)
{
  g_autoptr (ReelVideo) v = reel_videos_owned (store, user, id, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  if (!v)
    return FALSE;
  json_object_set_string_member (data, "video_id", id);
  json_object_set_boolean_member (data, "downloadable", downloadable);
  subject = reel_event_subject ("video", id);
  return reel_events_publish (bus, subject, "video.edited", 1, user, data, FALSE, seq, error);
}

gboolean
reel_videos_delete (ReelBus *bus, ReelStore *store, const char *user, const char *id, guint64 *seq,
                    GError **error)
{
  g_autoptr (ReelVideo) v = reel_videos_owned (store, user, id, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  if (!v)
    return FALSE;
  json_object_set_string_member (data, "video_id", id);
  subject = reel_event_subject ("video", id);
  return reel_events_publish (bus, subject, "video.deleted", 1, user, data, FALSE, seq, error);
}

gboolean
reel_videos_blob_keys (ReelTxn *txn, const char *id, gint64 now_s, guint keep_s, GHashTable *keys,
                       GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ReelVideo) v = load (txn, id, &local);
  gint64 skip = -1;
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (v && v->original)
    g_hash_table_add (keys, g_strdup (v->original));
  if (v && v->retired_plan && (now_s == 0 || !reel_video_retired_served (v, now_s, keep_s)))
    skip = v->retired_set;
  return reel_chunks_blob_keys (txn, id, skip, keys, error);
}

char *
reel_video_poster_path (const ReelVideo *v)
{
  /* The first poster keeps its old URL; a custom one is served under its
   * own name, so the URL changes with it (posters are cached as
   * immutable). */
  if (!v->poster || g_str_equal (v->poster, REEL_POSTER_FILE))
    return g_strdup (REEL_POSTER_FILE);
  return g_strconcat ("posters/", v->poster, NULL);
}

static gboolean
collect_ready (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  g_autoptr (ReelVideo) v = reel_video_from_bytes (value, value_len, NULL);
  if (v && v->state == REEL_VIDEO_READY)
    g_ptr_array_add (data, g_strdup (v->id));
  return TRUE;
}

GPtrArray *
reel_videos_ready_ids (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  if (!txn
      || !reel_txn_scan (txn, REEL_DB_VIDEOS, NULL, 0, NULL, 0, FALSE, collect_ready, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}
