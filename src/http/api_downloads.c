/* HTTP edge of downloads (media/download.h):
 *   GET /api/v1/videos/{id}/download?rendition=720p    one MP4 of a rung with its sound
 *   GET /api/v1/videos/{id}/download?rendition=original  the file as uploaded (owner)
 *
 * Whoever may watch the video may download a rung when its owner made it
 * downloadable (PATCH {"downloadable": true}); the owner always may, and
 * only the owner gets the original. Without ?rendition, the best rung.
 * The answer is an attachment (Content-Disposition) named after the title.
 *
 * The remux runs in a worker thread while the request waits (paused), in
 * a scratch directory under the data directory (DIR/downloads); the file
 * is mapped, then unlinked, so nothing is left behind once it is sent.
 * At most media.max_concurrent_downloads remuxes run at once: each costs a
 * whole rendition of disk and a core, and anyone may ask for a public
 * video's; the next is answered 503 with Retry-After. What a crash left in
 * DIR/downloads the janitor removes like the work directory
 * (daemon/janitor.c). */
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "core/error.h"
#include "http/blob_stream.h"
#include "http/query.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/download.h"
#include "media/playback.h"

#include <glib/gstdio.h>

#define ORIGINAL "original"
#define DOWNLOADS_DIR "downloads"
/* Seconds a refused download waits: a short video's remux. */
#define BUSY_RETRY_AFTER "5"

/* Remuxes running in this process (handlers and their completions run on
 * the server's context; atomic all the same). */
static gint remuxing;

/* Sets Content-Disposition: attachment with filename (libsoup encodes what
 * is not ASCII per RFC 5987). */
static void
set_attachment (SoupServerMessage *msg, const char *filename)
{
  g_autoptr (GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (params, "filename", (gpointer)filename);
  soup_message_headers_set_content_disposition (soup_server_message_get_response_headers (msg),
                                                "attachment", params);
}

/* "<title>-<rendition>.mp4", with what file systems dislike replaced. */
static char *
download_name (const ReelVideo *video, const char *rendition)
{
  g_autofree char *title = g_strdup (video->title && *video->title ? video->title : video->id);
  g_strdelimit (title, "/\\:*?\"<>|", '_');
  return g_strdup_printf ("%s-%s.mp4", title, rendition);
}

typedef struct
{
  ReelHttp *http;
  SoupServerMessage *msg;
  ReelVideo *video;
  char *rendition;
  char *dir;
} Remux;

static void
remux_free (gpointer p)
{
  Remux *r = p;
  g_object_unref (r->msg);
  reel_video_free (r->video);
  g_free (r->rendition);
  g_atomic_int_add (&remuxing, -1);
  if (r->dir)
    g_rmdir (r->dir);
  g_free (r->dir);
  g_free (r);
}

static void
remux_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Remux *r = data;
  GError *error = NULL;
  char *path = reel_download_remux (r->http->store, r->http->blobs, r->video, r->rendition, r->dir,
                                    &error);
  if (path)
    g_task_return_pointer (task, path, g_free);
  else
    g_task_return_error (task, error);
}

static void
remux_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Remux *r = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);
  if (path)
    {
      g_autofree char *name = download_name (r->video, r->rendition);
      reel_respond_file (r->msg, path, "video/mp4", REEL_CACHE_RESTRICTED);
      set_attachment (r->msg, name);
      g_unlink (path); /* mapped: the answer keeps its bytes */
    }
  else
    reel_respond_error (r->msg, error);
  soup_server_message_unpause (r->msg);
}

static void
get_download (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) video = reel_request_watchable_video (req, &error);
  const char *rendition = reel_request_query (req, "rendition");
  ReelViewer viewer;
  g_autofree char *user = NULL;
  gboolean owner;
  g_autofree char *parent = NULL, *template = NULL;
  Remux *r;
  GTask *task;

  if (!video)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  user = reel_request_viewer (req, &viewer);
  owner = user && g_str_equal (user, video->owner);
  if (!rendition && video->plan && video->plan->rungs->len)
    rendition = g_array_index (video->plan->rungs, ReelRung, 0).name;
  if (rendition && g_str_equal (rendition, ORIGINAL))
    {
      g_autofree char *name = NULL;
      if (!owner || !video->original)
        {
          reel_respond_fail (req->msg, owner ? REEL_ERROR_NOT_FOUND : REEL_ERROR_FORBIDDEN,
                             owner ? "the original is not stored"
                                   : "only the owner may download the original");
          return;
        }
      name = g_strdup (video->filename ? video->filename : video->id);
      reel_respond_blob (req->msg, req->http->blobs, video->original, "application/octet-stream",
                         REEL_CACHE_RESTRICTED);
      set_attachment (req->msg, name);
      return;
    }
  if (!owner && !video->downloadable)
    {
      reel_respond_fail (req->msg, REEL_ERROR_FORBIDDEN,
                         "the owner does not allow downloads of this video");
      return;
    }
  if (!rendition || g_str_equal (rendition, "audio")
      || !reel_playback_rendition_known (video, rendition))
    {
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "the video has no such rendition");
      return;
    }
  if ((guint)g_atomic_int_add (&remuxing, 1) >= req->http->cfg->downloads_max)
    {
      g_atomic_int_add (&remuxing, -1);
      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "Retry-After", BUSY_RETRY_AFTER);
      reel_respond_fail (req->msg, REEL_ERROR_UNAVAILABLE,
                         "too many downloads are being prepared; try again in a few seconds");
      return;
    }
  parent = reel_config_data_path (req->http->cfg, DOWNLOADS_DIR);
  template = g_build_filename (parent, "XXXXXX", NULL);
  if (g_mkdir_with_parents (parent, 0700) != 0 || !g_mkdtemp (template))
    {
      g_atomic_int_add (&remuxing, -1);
      reel_respond_fail (req->msg, REEL_ERROR_INTERNAL, "cannot make a scratch directory");
      return;
    }
  r = g_new0 (Remux, 1);
  r->http = req->http;
  r->msg = g_object_ref (req->msg);
  r->video = g_steal_pointer (&video);
  r->rendition = g_strdup (rendition);
  r->dir = g_steal_pointer (&template);
  soup_server_message_pause (req->msg);
  task = g_task_new (NULL, NULL, remux_done, NULL);
  g_task_set_task_data (task, r, remux_free);
  g_task_run_in_thread (task, remux_thread);
  g_object_unref (task);
}

void reel_api_downloads_register (ReelRouter *router);

void
reel_api_downloads_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/videos/{id}/download", get_download);
}
