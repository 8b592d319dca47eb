/* Playback: the HLS and DASH renditions of a video, built on request from
 * the typed records (media/playback.h writes the playlists) and the blob
 * store.
 *   GET /videos/{id}/master.m3u8          HLS multivariant playlist
 *   GET /videos/{id}/{playlist}           HLS media playlist (<rendition>.m3u8)
 *   GET /videos/{id}/manifest.mpd         DASH MPD
 *   GET /videos/{id}/poster.jpg           the poster (thumbnail)
 *   GET /videos/{id}/posters/{file}       a custom poster, under its own name
 *   GET /videos/{id}/storyboard.vtt       the seek previews' track (media/storyboard.h)
 *   GET /videos/{id}/storyboard.jpg       and their sprite sheet
 *   GET /videos/{id}/captions/{file}      a captions track: <lang>.m3u8 (HLS) and <lang>.vtt
 *   GET /videos/{id}/{rendition}/{file}   init (init-N.mp4, init.mp4) and media (N.m4s) segments
 * and each of them under /s/{token}/videos/{id}/..., the signed URLs of
 * media not everyone may see (app/video/visibility.h), which answer to
 * anyone holding an unexpired token for that video and to no one else.
 * Playlists are built once per change of the video (http/playlist_cache.h)
 * and carry a strong ETag: a playable video's are revalidated on every
 * request, a finished one's kept a minute; segments never change, so they
 * are cached for a year, with ETag and Range. Every response allows any
 * origin (players on other sites, CDNs). */
#include "app/cdn.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "core/webvtt.h"
#include "http/blob_stream.h"
#include "http/playlist_cache.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/playback.h"
#include "store/blob_keys.h"

#include <glib/gstdio.h>
#include <string.h>

/* poster.jpg once a custom poster replaced the first: shared caches may
 * keep it but must revalidate (its ETag changes with the poster). */
#define POSTER_CACHE_CURRENT "public, no-cache"

/* The video behind {id} when the requester may watch it (its media are
 * 404 to anyone else: app/video/visibility.h); else NULL with the error.
 * The record is shared with other requests (server.h): read, never
 * changed. */
static ReelVideo *
watchable_video (ReelRequest *req, GError **error)
{
  const char *id = reel_request_param (req, "id");
  const char *token = reel_request_param (req, "token");
  /* A signed URL is the whole permission: the API gave it only to someone
   * who could watch. A wrong or expired one opens nothing. */
  if (token
      && !reel_video_media_token_valid (id, req->http->media_key, token,
                                        g_get_real_time () / G_USEC_PER_SEC))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
      return NULL;
    }
  return token ? reel_request_shared_video (req, error)
               : reel_request_watchable_shared_video (req, error);
}

/* The video, if it can be played; answers 404 itself otherwise. */
static ReelVideo *
playable_video (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) video = watchable_video (req, &error);
  reel_respond_allow_any_origin (req->msg);
  if (video && !reel_video_state_is_playable (video->state))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "this video is not playable yet");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return NULL;
    }
  return g_steal_pointer (&video);
}

/* Answers one playlist (media/playback.h builds it). A finished video's
 * playlists only change if it is deleted. */
static void
serve_playlist (ReelRequest *req, const char *name)
{
  g_autoptr (ReelVideo) video = playable_video (req);
  g_autoptr (GError) error = NULL;
  g_autofree char *cdn_base = NULL;
  ReelPlaylist pl = { 0 };
  const char *cache_control;

  if (!video)
    return;
  /* The set served before a switch, to players that read the master
   * playlist before it, while its blobs are kept (media/playback.h). */
  if (reel_playback_retired_playlist (video, name)
      && !reel_video_retired_served (video, g_get_real_time () / G_USEC_PER_SEC,
                                     req->http->cfg->cleanup_grace_s))
    {
      g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such rendition");
      reel_respond_error (req->msg, error);
      return;
    }
  /* A video pushed to the CDN (app/cdn.h) has its segments named there,
   * unless it has since become one not everyone may see. */
  if (video->cdn && reel_cdn_enabled (req->http->cfg) && !reel_video_needs_signature (video))
    cdn_base = reel_cdn_segment_base (req->http->cfg, video->id);
  if (!reel_playlist_cache_get (req->http->playlists, video, name, cdn_base, &pl))
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (req->http->store, FALSE, &error);
      const char *type = NULL;
      gboolean final = FALSE;
      char *text
          = txn ? reel_playback_playlist (txn, video, cdn_base, name, &type, &final, &error) : NULL;
      if (!text)
        {
          reel_respond_error (req->msg, error);
          return;
        }
      reel_playlist_cache_put (req->http->playlists, video, name, cdn_base, text, type, final, &pl);
    }
  /* A finished video's playlists change only when it is re-transcoded or
   * deleted: a minute in shared caches, then a revalidation (ETag). */
  cache_control = reel_video_needs_signature (video) ? REEL_CACHE_RESTRICTED
                  : pl.final                         ? "public, max-age=60"
                                                     : "no-cache";
  if (!reel_respond_not_modified (req->msg, pl.etag, cache_control))
    {
      soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (req->msg),
                                             pl.content_type, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (req->msg), pl.text);
    }
  reel_playlist_clear (&pl);
}

static void
get_master (ReelRequest *req)
{
  serve_playlist (req, REEL_PLAYLIST_MASTER);
}

static void
get_mpd (ReelRequest *req)
{
  serve_playlist (req, REEL_PLAYLIST_MPD);
}

static void
get_media_playlist (ReelRequest *req)
{
  const char *playlist = reel_request_param (req, "playlist");
  if (!g_str_has_suffix (playlist, REEL_PLAYLIST_MEDIA_SUFFIX))
    {
      reel_respond_allow_any_origin (req->msg);
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such resource");
      return;
    }
  serve_playlist (req, playlist);
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

/* Answers a blob that never changes once written (segments, the poster);
 * shared caches keep it only when anyone may see the video. */
static void
serve_blob (ReelRequest *req, const ReelVideo *video, const char *key, const char *type)
{
  reel_respond_blob (req->msg, req->http->blobs, key, type,
                     reel_video_needs_signature (video) ? REEL_CACHE_RESTRICTED
                                                        : REEL_CACHE_IMMUTABLE);
}

static void
get_segment (ReelRequest *req)
{
  g_autoptr (ReelVideo) video = playable_video (req);
  const char *rendition = reel_request_param (req, "rendition");
  const char *file = reel_request_param (req, "file");
  const char *type = NULL;
  g_autofree char *key = NULL;

  if (!video)
    return;
  if (!reel_playback_segments_served (video, rendition) || !segment_name_valid (file, &type))
    {
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such segment");
      return;
    }
  key = reel_blob_key_segment (video->id, rendition, file);
  serve_blob (req, video, key, type);
}

/* WebVTT ties its cue times to the media's: the segments start at 0, so
 * MPEG-TS time 0 is cue time 0 (HLS players need the header to align
 * cues with fMP4; others ignore header lines). */
#define VTT_TIMESTAMP_MAP "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n"
/* What a WebVTT file starts with as stored (core/webvtt.h). */
#define VTT_HEADER "WEBVTT\n"

/* A captions track of a playable video: its HLS media playlist, or its
 * WebVTT text. The URL stays while the file behind it changes with each
 * upload, so the answer is revalidated (ETag: the file's name). */
static void
get_captions_file (ReelRequest *req)
{
  g_autoptr (ReelVideo) video = playable_video (req);
  g_autoptr (GError) error = NULL;
  const char *file = reel_request_param (req, "file");
  const char *dot = file ? strrchr (file, '.') : NULL;
  g_autofree char *lang = dot ? g_strndup (file, (gsize)(dot - file)) : NULL;
  g_autofree char *etag = NULL, *key = NULL;
  const ReelCaption *caption;
  SoupMessageHeaders *h;
  const char *cache_control;

  if (!video)
    return;
  caption = lang ? reel_video_caption (video, lang) : NULL;
  if (!caption || !(g_str_equal (dot, ".m3u8") || g_str_equal (dot, ".vtt")))
    {
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such captions");
      return;
    }
  h = soup_server_message_get_response_headers (req->msg);
  etag = g_strdup_printf ("\"%s%s\"", caption->file, dot);
  cache_control = reel_video_needs_signature (video) ? REEL_CACHE_RESTRICTED : "no-cache";
  if (reel_respond_not_modified (req->msg, etag, cache_control))
    return;
  if (g_str_equal (dot, ".m3u8"))
    {
      g_autofree char *text = reel_hls_captions (lang, video->plan->duration_ns);
      soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (h, "application/vnd.apple.mpegurl", NULL);
      soup_message_body_append (soup_server_message_get_response_body (req->msg), SOUP_MEMORY_COPY,
                                text, strlen (text));
      return;
    }
  key = reel_blob_key_video_file (video->id, caption->file);
  {
    g_autoptr (GBytes) vtt
        = reel_blobs_get (req->http->blobs, key, REEL_CAPTIONS_MAX_BYTES * 2, &error);
    gsize len = 0;
    const char *text = vtt ? g_bytes_get_data (vtt, &len) : NULL;
    SoupMessageBody *body = soup_server_message_get_response_body (req->msg);
    if (!vtt || len < strlen (VTT_HEADER) || memcmp (text, VTT_HEADER, strlen (VTT_HEADER)) != 0)
      {
        if (!error)
          g_set_error (&error, REEL_ERROR, REEL_ERROR_INTERNAL, "captions file %s is damaged",
                       caption->file);
        reel_respond_error (req->msg, error);
        return;
      }
    soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
    soup_message_headers_set_content_type (h, "text/vtt", NULL);
    soup_message_body_append (body, SOUP_MEMORY_STATIC, VTT_HEADER VTT_TIMESTAMP_MAP,
                              strlen (VTT_HEADER VTT_TIMESTAMP_MAP));
    soup_message_body_append (body, SOUP_MEMORY_COPY, text + strlen (VTT_HEADER),
                              len - strlen (VTT_HEADER));
  }
}

/* The poster exists from early in processing, before the video plays.
 * Under posters/{file} (a custom poster or a small one, media/thumbnail.h)
 * only the current ones are served. */
static void
get_poster (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) video = watchable_video (req, &error);
  g_autofree char *key = NULL;
  const char *file = reel_request_param (req, "file");
  reel_respond_allow_any_origin (req->msg);
  if (video && !video->poster)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "this video has no poster yet");
  else if (video && file && g_strcmp0 (file, video->poster) != 0
           && g_strcmp0 (file, video->poster_small) != 0)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such poster");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  key = reel_blob_key_video_file (video->id, file ? file : video->poster);
  /* Under poster.jpg a custom poster replaces the first one: caches must
   * ask again. Under its own name (posters/{file}) it never changes. */
  if (!file && !g_str_equal (video->poster, REEL_POSTER_FILE))
    reel_respond_blob (req->msg, req->http->blobs, key, "image/jpeg",
                       reel_video_needs_signature (video) ? REEL_CACHE_RESTRICTED
                                                          : POSTER_CACHE_CURRENT);
  else
    serve_blob (req, video, key, "image/jpeg");
}

/* The storyboard: like the poster, there once made, before or after the
 * video plays. */
static void
serve_storyboard (ReelRequest *req, gboolean sprite)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) video = watchable_video (req, &error);
  g_autofree char *key = NULL;
  reel_respond_allow_any_origin (req->msg);
  if (video && !(video->storyboard && video->storyboard_sprite))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "this video has no storyboard yet");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  key = reel_blob_key_video_file (video->id, sprite ? video->storyboard_sprite : video->storyboard);
  serve_blob (req, video, key, sprite ? "image/jpeg" : "text/vtt; charset=utf-8");
}

static void
get_storyboard_vtt (ReelRequest *req)
{
  serve_storyboard (req, FALSE);
}

static void
get_storyboard_sprite (ReelRequest *req)
{
  serve_storyboard (req, TRUE);
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
  reel_router_add (router, "GET", "/videos/{id}/posters/{file}", get_poster);
  reel_router_add (router, "GET", "/videos/{id}/storyboard.vtt", get_storyboard_vtt);
  reel_router_add (router, "GET", "/videos/{id}/storyboard.jpg", get_storyboard_sprite);
  reel_router_add (router, "GET", "/videos/{id}/{playlist}", get_media_playlist);
  reel_router_add (router, "GET", "/videos/{id}/captions/{file}", get_captions_file);
  reel_router_add (router, "GET", "/videos/{id}/{rendition}/{file}", get_segment);
  reel_router_add (router, "OPTIONS", "/videos/{id}/{rendition}/{file}", options_cors);
  /* The same under a signature; relative URIs in playlists stay under it. */
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/master.m3u8", get_master);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/manifest.mpd", get_mpd);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/poster.jpg", get_poster);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/posters/{file}", get_poster);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/storyboard.vtt", get_storyboard_vtt);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/storyboard.jpg", get_storyboard_sprite);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/{playlist}", get_media_playlist);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/captions/{file}", get_captions_file);
  reel_router_add (router, "GET", "/s/{token}/videos/{id}/{rendition}/{file}", get_segment);
  reel_router_add (router, "OPTIONS", "/s/{token}/videos/{id}/{rendition}/{file}", options_cors);
}
