/* Playback: the HLS and DASH renditions of a video, built on request from
 * the chunk table (app/videos.c) and the blob store.
 *   GET /videos/{id}/master.m3u8          HLS multivariant playlist
 *   GET /videos/{id}/{playlist}           HLS media playlist (<rendition>.m3u8)
 *   GET /videos/{id}/manifest.mpd         DASH MPD
 *   GET /videos/{id}/poster.jpg           the poster (thumbnail)
 *   GET /videos/{id}/{rendition}/{file}   init (init-N.mp4, init.mp4) and media (N.m4s) segments
 * Playlists change while a video is processing, so they are not cached;
 * segments never change, so they are cached for a year, with ETag and Range.
 * Every response allows any origin (players on other sites, CDNs). */
#include "app/cdn.h"
#include "app/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "http/blob_stream.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/manifest.h"
#include "media/plan.h"

#include <glib/gstdio.h>

/* The video, if it can be played; answers 404 itself otherwise. */
static JsonObject *
playable_video (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) video
      = reel_videos_get (req->http->store, reel_request_param (req, "id"), &error);
  const char *state = video ? json_object_get_string_member (video, "state") : NULL;
  reel_respond_allow_any_origin (req->msg);
  if (video && !g_str_equal (state, "playable") && !g_str_equal (state, "ready"))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "this video is not playable yet");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return NULL;
    }
  return g_steal_pointer (&video);
}

static ReelRendition *
rendition_from (JsonObject *r, const char *name)
{
  ReelRendition *out = reel_rendition_new (name);
  out->init_uri = g_strdup_printf (
      "%s/%s", name, json_object_get_string_member_with_default (r, "init", "init-0.mp4"));
  out->codecs = g_strdup (json_object_get_string_member_with_default (r, "codecs", ""));
  return out;
}

/* Appends a chunk's segments of one rendition; tracks the peak bitrate. */
static void
append_segments (ReelRendition *out, JsonObject *r, guint64 *total_ns)
{
  JsonArray *durations = json_object_get_array_member (r, "durations_ns");
  JsonArray *sizes = json_object_get_array_member (r, "sizes");
  guint first = (guint)json_object_get_int_member_with_default (r, "first_segment", 0);
  for (guint i = 0; durations && i < json_array_get_length (durations); i++)
    {
      guint64 d = (guint64)json_array_get_int_element (durations, i);
      guint64 bytes = sizes ? (guint64)json_array_get_int_element (sizes, i) : 0;
      g_autofree char *uri = g_strdup_printf ("%s/%u.m4s", out->name, first + i);
      reel_rendition_add_segment (out, d, uri);
      if (d > 0)
        out->bandwidth = MAX (out->bandwidth, (guint)(bytes * 8 * 1000000000 / d));
      if (total_ns)
        *total_ns += d;
    }
}

/* Builds the manifest of the contiguous done prefix of the video. */
static gboolean
build_manifest (ReelRequest *req, JsonObject *video, ReelManifest *m, GError **error)
{
  const char *id = json_object_get_string_member (video, "id");
  JsonArray *rungs = json_object_get_array_member (video, "rungs");
  gint64 done = json_object_get_int_member_with_default (video, "chunks_done", 0);
  g_autoptr (ReelTxn) txn = reel_store_begin (req->http->store, FALSE, error);
  guint64 video_ns = 0;

  if (!txn || !rungs)
    return FALSE;
  m->video = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_rendition_free);
  m->final = g_str_equal (json_object_get_string_member (video, "state"), "ready");
  m->duration_ns = (guint64)json_object_get_int_member_with_default (video, "duration_ns", 0);
  m->frame_rate_n = (guint)json_object_get_int_member_with_default (video, "fps_n", 0);
  m->frame_rate_d = (guint)json_object_get_int_member_with_default (video, "fps_d", 1);
  for (guint i = 0; i < json_array_get_length (rungs); i++)
    {
      JsonObject *rung = json_array_get_object_element (rungs, i);
      ReelRendition *r = reel_rendition_new (json_object_get_string_member (rung, "name"));
      r->width = (guint)json_object_get_int_member (rung, "width");
      r->height = (guint)json_object_get_int_member (rung, "height");
      r->bandwidth = (guint)json_object_get_int_member (rung, "kbps") * 1000;
      g_ptr_array_add (m->video, r);
    }
  for (gint64 c = 0; c < done; c++)
    {
      g_autoptr (JsonObject) chunk = reel_videos_get_chunk (txn, id, (guint32)c, error);
      JsonArray *list = chunk ? json_object_get_array_member (chunk, "renditions") : NULL;
      if (!list)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonObject *cr = json_array_get_object_element (list, i);
          const char *name = json_object_get_string_member (cr, "name");
          for (guint j = 0; j < m->video->len; j++)
            {
              ReelRendition *r = m->video->pdata[j];
              if (!g_str_equal (r->name, name))
                continue;
              if (!r->init_uri && json_object_has_member (cr, "init"))
                {
                  ReelRendition *tmp = rendition_from (cr, name);
                  r->init_uri = g_steal_pointer (&tmp->init_uri);
                  r->codecs = g_steal_pointer (&tmp->codecs);
                  reel_rendition_free (tmp);
                }
              append_segments (r, cr, j == 0 ? &video_ns : NULL);
            }
        }
    }
  if (json_object_get_boolean_member_with_default (video, "has_audio", FALSE))
    {
      g_autoptr (JsonObject) a = reel_videos_get_chunk (txn, id, REEL_CHUNK_AUDIO, error);
      JsonObject *ar = a ? json_object_get_object_member (a, "rendition") : NULL;
      if (!ar)
        return FALSE;
      m->audio = rendition_from (ar, "audio");
      m->audio->bandwidth
          = (guint)json_object_get_int_member_with_default (ar, "bitrate", REEL_AUDIO_BITRATE);
      append_segments (m->audio, ar, NULL);
      /* While the picture is incomplete, offer sound only as far as it. */
      if (!m->final)
        {
          guint64 t = 0;
          guint keep = 0;
          while (keep < m->audio->segments->len && t < video_ns)
            t += g_array_index (m->audio->segments, ReelSegment, keep++).duration_ns;
          for (guint k = keep; k < m->audio->segments->len; k++)
            g_free (g_array_index (m->audio->segments, ReelSegment, k).uri);
          g_array_set_size (m->audio->segments, keep);
        }
    }
  return TRUE;
}

/* A video pushed to the CDN (app/cdn.h) has its segments named there. */
static void
prefix_rendition (ReelRendition *r, const char *base)
{
  char *init = g_strconcat (base, r->init_uri, NULL);
  g_free (r->init_uri);
  r->init_uri = init;
  for (guint i = 0; i < r->segments->len; i++)
    {
      ReelSegment *s = &g_array_index (r->segments, ReelSegment, i);
      char *uri = g_strconcat (base, s->uri, NULL);
      g_free (s->uri);
      s->uri = uri;
    }
}

static void
use_cdn (ReelRequest *req, JsonObject *video, ReelManifest *m)
{
  g_autofree char *base = NULL;
  if (!json_object_get_boolean_member_with_default (video, "cdn", FALSE)
      || !reel_cdn_enabled (req->http->cfg))
    return;
  base = reel_cdn_segment_base (req->http->cfg, json_object_get_string_member (video, "id"));
  for (guint i = 0; i < m->video->len; i++)
    prefix_rendition (m->video->pdata[i], base);
  if (m->audio)
    prefix_rendition (m->audio, base);
}

/* A finished video's playlists only change if it is deleted. */
static void
respond_text (SoupServerMessage *msg, const char *type, char *text, gboolean final)
{
  reel_respond_text (msg, type, text, final ? "public, max-age=60" : "no-cache");
}

static void
serve_manifest (ReelRequest *req, const char *kind)
{
  g_autoptr (JsonObject) video = playable_video (req);
  g_autoptr (GError) error = NULL;
  ReelManifest m = { 0 };
  if (!video)
    return;
  if (!build_manifest (req, video, &m, &error))
    {
      if (!error)
        g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "chunk table incomplete");
      reel_respond_error (req->msg, error);
      reel_manifest_clear (&m);
      return;
    }
  use_cdn (req, video, &m);
  if (g_str_equal (kind, "master"))
    respond_text (req->msg, "application/vnd.apple.mpegurl", reel_hls_multivariant (&m), m.final);
  else if (g_str_equal (kind, "mpd"))
    respond_text (req->msg, "application/dash+xml", reel_dash_mpd (&m), m.final);
  else
    {
      ReelRendition *r = NULL;
      g_autofree char *name = g_strndup (kind, strlen (kind) - strlen (".m3u8"));
      if (m.audio && g_str_equal (name, "audio"))
        r = m.audio;
      for (guint i = 0; !r && i < m.video->len; i++)
        if (g_str_equal (((ReelRendition *)m.video->pdata[i])->name, name))
          r = m.video->pdata[i];
      if (r)
        respond_text (req->msg, "application/vnd.apple.mpegurl", reel_hls_media (&m, r), m.final);
      else
        reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such rendition");
    }
  reel_manifest_clear (&m);
}

static void
get_master (ReelRequest *req)
{
  serve_manifest (req, "master");
}

static void
get_mpd (ReelRequest *req)
{
  serve_manifest (req, "mpd");
}

static void
get_media_playlist (ReelRequest *req)
{
  const char *playlist = reel_request_param (req, "playlist");
  if (!g_str_has_suffix (playlist, ".m3u8"))
    {
      reel_respond_allow_any_origin (req->msg);
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such resource");
      return;
    }
  serve_manifest (req, playlist);
}

static gboolean
segment_name_valid (const char *file, const char **type)
{
  const char *p = file;
  if (g_str_has_prefix (file, "init") && g_str_has_suffix (file, ".mp4"))
    {
      *type = "video/mp4";
      p = file + 4;
      if (*p == '-')
        p++;
      else
        return g_str_equal (file, "init.mp4");
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
      return g_str_equal (p, ".mp4");
    }
  *type = "video/iso.segment";
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  return g_str_equal (p, ".m4s");
}

static gboolean
rendition_known (JsonObject *video, const char *name)
{
  JsonArray *rungs = json_object_get_array_member (video, "rungs");
  if (g_str_equal (name, "audio"))
    return json_object_get_boolean_member_with_default (video, "has_audio", FALSE);
  for (guint i = 0; rungs && i < json_array_get_length (rungs); i++)
    if (g_str_equal (
            json_object_get_string_member (json_array_get_object_element (rungs, i), "name"), name))
      return TRUE;
  return FALSE;
}

/* Answers a blob that never changes once written (segments, the poster). */
static void
serve_blob (ReelRequest *req, const char *key, const char *type)
{
  reel_respond_blob (req->msg, req->http->blobs, key, type, REEL_CACHE_IMMUTABLE);
}

static void
get_segment (ReelRequest *req)
{
  g_autoptr (JsonObject) video = playable_video (req);
  const char *rendition = reel_request_param (req, "rendition");
  const char *file = reel_request_param (req, "file");
  const char *type = NULL;
  g_autofree char *key = NULL;

  if (!video)
    return;
  if (!rendition_known (video, rendition) || !segment_name_valid (file, &type))
    {
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such segment");
      return;
    }
  key = g_strdup_printf ("videos/%s/%s/%s", json_object_get_string_member (video, "id"), rendition,
                         file);
  serve_blob (req, key, type);
}

/* The poster exists from early in processing, before the video plays. */
static void
get_poster (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) video
      = reel_videos_get (req->http->store, reel_request_param (req, "id"), &error);
  g_autofree char *key = NULL;
  reel_respond_allow_any_origin (req->msg);
  if (video && !json_object_has_member (video, "poster"))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "this video has no poster yet");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  key = g_strdup_printf ("videos/%s/%s", json_object_get_string_member (video, "id"),
                         json_object_get_string_member (video, "poster"));
  serve_blob (req, key, "image/jpeg");
}

static void
options_cors (ReelRequest *req)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (req->msg);
  reel_respond_allow_any_origin (req->msg);
  soup_message_headers_replace (h, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  soup_message_headers_replace (h, "Access-Control-Allow-Headers", "Range");
  soup_message_headers_replace (h, "Access-Control-Max-Age", "86400");
  reel_respond_empty (req->msg, SOUP_STATUS_NO_CONTENT);
}

void reel_api_playback_register (ReelRouter *router);

void
reel_api_playback_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/videos/{id}/master.m3u8", get_master);
  reel_router_add (router, "GET", "/videos/{id}/manifest.mpd", get_mpd);
  reel_router_add (router, "GET", "/videos/{id}/poster.jpg", get_poster);
  reel_router_add (router, "GET", "/videos/{id}/{playlist}", get_media_playlist);
  reel_router_add (router, "GET", "/videos/{id}/{rendition}/{file}", get_segment);
  reel_router_add (router, "OPTIONS", "/videos/{id}/{rendition}/{file}", options_cors);
}
