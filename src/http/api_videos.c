/* HTTP edge of videos and uploads (app/video/videos.c, app/video/lifecycle.c, app/uploads.c):
 *   OPTIONS /api/v1/uploads              tus capabilities
 *   POST    /api/v1/uploads              tus creation -> Location, Reel-Video-Id
 *   HEAD    /api/v1/uploads/{id}         tus offset
 *   PATCH   /api/v1/uploads/{id}         tus data, streamed to disk as it arrives
 *   DELETE  /api/v1/uploads/{id}         tus termination
 *   POST    /api/v1/videos               one-shot multipart upload (api_multipart.c)
 *   GET     /api/v1/videos/{id}          metadata and state
 *   PATCH   /api/v1/videos/{id}          edit title/description/privacy/downloadable, pick
 *                                        the thumbnail's frame (owner)
 *   DELETE  /api/v1/videos/{id}          delete (owner)
 * tus 1.0.0 core + creation + termination (https://tus.io/protocols/resumable-upload).
 *
 * Nothing of an upload's body is read before its headers have passed: the
 * login and ownership are checked by early handlers, and a refusal is
 * answered at once (server.h). One PATCH writes an upload at a time; one
 * that stalls loses the upload to a newer PATCH after
 * uploads.lock_timeout_seconds (app/uploads.h).
 *
 * Completion: the finished file is renamed into the blob store, the ingest
 * job queued, then video.uploaded published. Should reeld die between the
 * rename and the event, the upload is "stored" (no partial file, the
 * original in the blob store at full size, the video still uploading):
 * HEAD and PATCH find it so and run the rest of the completion, so a
 * client's ordinary resume (HEAD, then PATCH at the offset) ends it. */
#include "app/quotas.h"
#include "app/uploads.h"
#include "app/video/lifecycle.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "http/api_videos.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "media/thumbnail.h"
#include "http/router.h"
#include "http/server.h"
#include "http/tus_headers.h"
#include "store/blob_keys.h"

#include <unistd.h>

#define TUS_VERSION "1.0.0"
#define DATA_UPLOAD "reel-upload-write"

static void
set_tus_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "Tus-Resumable", TUS_VERSION);
  soup_message_headers_replace (h, "Cache-Control", "no-store");
}

static gboolean
check_tus_version (ReelRequest *req)
{
  const char *v = soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg),
                                                "Tus-Resumable");
  if (g_strcmp0 (v, TUS_VERSION) == 0)
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Tus-Version",
                                TUS_VERSION);
  reel_respond_error_code (req->msg, SOUP_STATUS_PRECONDITION_FAILED, "unsupported_version",
                           "Tus-Resumable: " TUS_VERSION " is required");
  return FALSE;
}

static gboolean
parse_u64_header (ReelRequest *req, const char *name, guint64 *out, GError **error)
{
  return reel_tus_parse_offset (
      name, soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg), name),
      out, error);
}

/* The owner's record of the video behind {id}; answers the error itself. */
static ReelVideo *
owned_video (ReelRequest *req, char **user_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (ReelVideo) video = NULL;
  if (user)
    video = reel_request_video (req, &error);
  if (video && g_strcmp0 (video->owner, user) != 0)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "this upload is not yours");
  if (error)
    {
      set_tus_headers (req->msg);
      reel_respond_error (req->msg, error);
      return NULL;
    }
  if (user_out)
    *user_out = g_steal_pointer (&user);
  return g_steal_pointer (&video);
}

static gboolean
is_uploading (const ReelVideo *video)
{
  return video->state == REEL_VIDEO_UPLOADING;
}

static void
options_uploads (ReelRequest *req)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (req->msg);
  g_autofree char *max = g_strdup_printf ("%" G_GUINT64_FORMAT, req->http->cfg->upload_max);
  soup_message_headers_replace (h, "Tus-Resumable", TUS_VERSION);
  soup_message_headers_replace (h, "Tus-Version", TUS_VERSION);
  soup_message_headers_replace (h, "Tus-Extension", "creation,termination");
  soup_message_headers_replace (h, "Tus-Max-Size", max);
  reel_respond_empty (req->msg, SOUP_STATUS_NO_CONTENT);
}

typedef struct
{
  char *owner;
  char *title;
  char *description;
  char *filename;
  guint64 size;
  char *privacy;
} CreateInput;

static void
create_input_free (gpointer p)
{
  CreateInput *in = p;
  g_free (in->owner);
  g_free (in->title);
  g_free (in->description);
  g_free (in->filename);
  g_free (in->privacy);
  g_free (in);
}

JsonNode *
reel_api_video_created_body (const char *id, ReelReply *reply, ReelVideoState state)
{
  g_autofree char *location = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_autofree char *video_url = g_strdup_printf ("/api/v1/videos/%s", id);
  JsonObject *out = json_object_new ();
  json_object_set_string_member (out, "id", id);
  json_object_set_string_member (out, "state", reel_video_state_name (state));
  json_object_set_string_member (out, "url", video_url);
  reel_reply_header (reply, "Reel-Video-Id", id);
  if (state == REEL_VIDEO_UPLOADING)
    {
      json_object_set_string_member (out, "upload_url", location);
      reel_reply_header (reply, "Location", location);
    }
  else
    reel_reply_header (reply, "Location", video_url);
  return json_node_init_object (json_node_alloc (), out);
}

static JsonNode *
create_upload_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CreateInput *in = data;
  ReelVideoDraft d = { in->owner, in->title, in->description, in->filename, in->size, in->privacy };
  g_autofree char *id = NULL;
  if (!reel_quota_gate_create (http->quota_gate, http->bus, &d, http->cfg->upload_max, &id,
                               &reply->seq, error))
    return NULL;
  reel_reply_header (reply, "Tus-Resumable", TUS_VERSION);
  return reel_api_video_created_body (id, reply, REEL_VIDEO_UPLOADING);
}

static gboolean
read_draft (CreateInput *in, const char *title, const char *description, const char *filename,
            const char *privacy, const ReelHttp *http, GError **error)
{
  ReelVideoDraft d = { in->owner, title, description, filename, in->size, privacy };
  if (!reel_videos_validate_draft (&d, http->cfg->upload_max, error))
    return FALSE;
  in->title = g_strdup (title);
  in->description = g_strdup (description);
  in->filename = g_strdup (filename);
  in->privacy = g_strdup (privacy);
  return TRUE;
}

/* An anonymous creation is refused before any body it carries is read. */
static guint64
post_uploads_early (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  if (user)
    return req->http->cfg->http_max_body;
  set_tus_headers (req->msg);
  reel_respond_error (req->msg, error);
  return 0;
}

static void
post_uploads (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) meta = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  CreateInput *in;

  set_tus_headers (req->msg);
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  if (!check_tus_version (req))
    return;
  in = g_new0 (CreateInput, 1);
  in->owner = g_steal_pointer (&user);
  if (!parse_u64_header (req, "Upload-Length", &in->size, &error)
      || !(meta = reel_tus_parse_metadata (
               soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg),
                                             "Upload-Metadata"),
               &error))
      || !read_draft (in, g_hash_table_lookup (meta, "title"),
                      g_hash_table_lookup (meta, "description"),
                      g_hash_table_lookup (meta, "filename"), g_hash_table_lookup (meta, "privacy"),
                      req->http, &error)
      || !reel_quotas_check (req->http->store, in->owner, req->http->cfg->quota_bytes,
                             req->http->cfg->daily_quota_bytes, in->size, &error))
    {
      create_input_free (in);
      reel_respond_error (req->msg, error);
      return;
    }
  reel_request_run_command (req, SOUP_STATUS_CREATED, create_upload_command, in, create_input_free);
}

/* Where an upload stands: its offset, and whether its bytes are already
 * in the blob store although video.uploaded was never published (reeld
 * died in the middle of the completion). */
static guint64
upload_offset (ReelHttp *http, const ReelVideo *video, const char *id, gboolean *stored)
{
  guint64 size = video->size;
  guint64 offset;
  g_autofree char *key = NULL;
  *stored = FALSE;
  if (!is_uploading (video))
    return size;
  if ((offset = reel_uploads_offset (http->uploads, id)) > 0)
    return offset;
  key = reel_blob_key_original (id);
  *stored = reel_blobs_size (http->blobs, key) == (gint64)size;
  return *stored ? size : 0;
}

typedef struct
{
  char *id;
  char *user;
  guint64 size;
  gboolean stored; /* the bytes are in the blob store already */
} CompleteInput;

static void
complete_input_free (gpointer p)
{
  CompleteInput *in = p;
  g_free (in->id);
  g_free (in->user);
  g_free (in);
}

/* Moves the finished upload into the blob store and says so in the log. */
static JsonNode *
complete_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CompleteInput *in = data;
  g_autofree char *offset = g_strdup_printf ("%" G_GUINT64_FORMAT, in->size);
  g_autofree char *length = g_strdup_printf ("%" G_GUINT64_FORMAT, in->size);
  gboolean ok = in->stored
                    ? reel_lifecycle_accept_original (http->bus, in->id, in->user, in->size,
                                                      &reply->seq, error)
                    : reel_lifecycle_store_original (http->bus, http->uploads, http->blobs, in->id,
                                                     in->user, in->size, &reply->seq, error);
  if (!ok)
    return NULL;
  reel_reply_header (reply, "Tus-Resumable", TUS_VERSION);
  reel_reply_header (reply, "Upload-Offset", offset);
  reel_reply_header (reply, "Upload-Length", length);
  return NULL;
}

/* Finishes a stored upload (see the top of the file), then answers status. */
static void
finish_stored (ReelRequest *req, guint status, const char *user, guint64 size)
{
  CompleteInput *in = g_new0 (CompleteInput, 1);
  in->id = g_strdup (reel_request_param (req, "id"));
  in->user = g_strdup (user);
  in->size = size;
  in->stored = TRUE;
  set_tus_headers (req->msg);
  reel_request_run_command (req, status, complete_command, in, complete_input_free);
}

static void
head_upload (ReelRequest *req)
{
  g_autofree char *user = NULL;
  g_autoptr (ReelVideo) video = owned_video (req, &user);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (req->msg);
  g_autofree char *offset = NULL, *length = NULL;
  gboolean stored;
  guint64 size, now;
  if (!video)
    return;
  size = video->size;
  now = upload_offset (req->http, video, reel_request_param (req, "id"), &stored);
  if (stored)
    {
      finish_stored (req, SOUP_STATUS_OK, user, size);
      return;
    }
  offset = g_strdup_printf ("%" G_GUINT64_FORMAT, now);
  length = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
  set_tus_headers (req->msg);
  soup_message_headers_replace (h, "Upload-Offset", offset);
  soup_message_headers_replace (h, "Upload-Length", length);
  reel_respond_empty (req->msg, SOUP_STATUS_OK);
}

/* The state of one PATCH, from its headers to the end of its body. */
typedef struct
{
  ReelRequest *req; /* valid while the message is (not in upload_write_free) */
  ReelUploads *uploads;
  char *id;
  char *user;
  guint64 token; /* our hold on the upload (app/uploads.h) */
  int fd;
  guint64 offset; /* where this PATCH started */
  guint64 size;   /* the whole upload */
  guint64 written;
  gboolean stored; /* nothing to write: finish a stored upload */
} UploadWrite;

static void
upload_write_free (gpointer p)
{
  UploadWrite *w = p;
  if (w->fd >= 0)
    close (w->fd);
  if (w->token)
    reel_uploads_unlock (w->uploads, w->id, w->token);
  g_free (w->id);
  g_free (w->user);
  g_free (w);
}

static void
upload_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  UploadWrite *w = data;
  g_autoptr (GError) error = NULL;
  gsize len;
  const void *p = g_bytes_get_data (chunk, &len);
  if (w->offset + w->written + len > w->size)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_TOO_LARGE, "the body goes past Upload-Length");
  /* A newer PATCH took over while this one stalled: what is still
   * arriving here must not land in the file. */
  else if (!reel_uploads_touch (w->uploads, w->id, w->token))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_CONFLICT,
                 "a newer request took this upload over after it stalled");
  else if (reel_uploads_write (w->fd, p, len, &error))
    w->written += len;
  if (error)
    reel_request_refuse (w->req, error);
}

/* Takes the upload for this PATCH at offset; answers the error itself. */
static UploadWrite *
start_write (ReelRequest *req, const char *user, const ReelVideo *video, guint64 offset,
             GError **error)
{
  ReelHttp *http = req->http;
  const char *id = reel_request_param (req, "id");
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  guint64 size = video->size;
  UploadWrite *w;
  gboolean stored;
  guint64 now = upload_offset (http, video, id, &stored);

  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
      && offset + (guint64)soup_message_headers_get_content_length (h) > size)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                   "Upload-Offset + Content-Length exceeds Upload-Length");
      return NULL;
    }
  w = g_new0 (UploadWrite, 1);
  w->req = req;
  w->uploads = http->uploads;
  w->fd = -1;
  w->id = g_strdup (id);
  w->user = g_strdup (user);
  w->offset = offset;
  w->size = size;
  w->stored = stored;
  g_object_set_data_full (G_OBJECT (req->msg), DATA_UPLOAD, w, upload_write_free);
  if (!(w->token = reel_uploads_lock (http->uploads, id, user,
                                      (gint64)http->cfg->upload_lock_timeout_s * G_USEC_PER_SEC,
                                      http->cfg->upload_max_per_user, error)))
    return NULL;
  if (stored && offset != now)
    g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                 "Upload-Offset %" G_GUINT64_FORMAT
                 " does not match the upload's offset %" G_GUINT64_FORMAT,
                 offset, now);
  else if (!stored)
    w->fd = reel_uploads_open_append (http->uploads, id, offset, error);
  return *error ? NULL : w;
}

static guint64
patch_upload_early (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL;
  g_autoptr (ReelVideo) video = owned_video (req, &user);
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  guint64 offset;

  if (!video || !check_tus_version (req))
    return 0;
  set_tus_headers (req->msg);
  if (g_strcmp0 (soup_message_headers_get_content_type (h, NULL), "application/offset+octet-stream")
      != 0)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                 "Content-Type must be application/offset+octet-stream");
  else if (!is_uploading (video))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_CONFLICT, "this upload is complete");
  else if (parse_u64_header (req, "Upload-Offset", &offset, &error)
           && start_write (req, user, video, offset, &error))
    {
      UploadWrite *w = g_object_get_data (G_OBJECT (req->msg), DATA_UPLOAD);
      soup_message_body_set_accumulate (soup_server_message_get_request_body (req->msg), FALSE);
      g_signal_connect (req->msg, "got-chunk", G_CALLBACK (upload_chunk), w);
      return 0;
    }
  if (error->code == REEL_ERROR_RATE_LIMITED)
    soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                  "Retry-After", "1");
  reel_respond_error (req->msg, error);
  return 0;
}

typedef struct
{
  char *id;
  guint64 token;
  guint64 offset; /* after this request's bytes */
} FlushInput;

static void
flush_input_free (gpointer p)
{
  FlushInput *in = p;
  g_free (in->id);
  g_free (in);
}

/* Shared staging: stores the bytes of the request (app/uploads.h). */
static JsonNode *
flush_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  FlushInput *in = data;
  g_autofree char *offset = g_strdup_printf ("%" G_GUINT64_FORMAT, in->offset);
  if (!reel_uploads_flush (http->uploads, in->id, in->token, error))
    return NULL;
  reel_reply_header (reply, "Tus-Resumable", TUS_VERSION);
  reel_reply_header (reply, "Upload-Offset", offset);
  return NULL;
}

static void
patch_upload (ReelRequest *req)
{
  UploadWrite *w = g_object_get_data (G_OBJECT (req->msg), DATA_UPLOAD);
  g_autofree char *offset = NULL;
  guint64 now;

  if (!w)
    {
      /* The early handler answered already; nothing reaches here then. */
      reel_respond_error_code (req->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                               "upload state missing");
      return;
    }
  set_tus_headers (req->msg);
  now = w->offset + w->written;
  if (w->fd >= 0)
    close (w->fd);
  w->fd = -1;
  if (now == w->size)
    {
      CompleteInput *in = g_new0 (CompleteInput, 1);
      /* From here on the upload is finishing: nobody takes it over. */
      reel_uploads_pin (req->http->uploads, w->id, w->token);
      in->id = g_strdup (w->id);
      in->user = g_strdup (w->user);
      in->size = w->size;
      in->stored = w->stored;
      reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, complete_command, in,
                                complete_input_free);
      return;
    }
  if (reel_uploads_is_shared (req->http->uploads))
    {
      /* Another node may get the next PATCH: the bytes go to the store
       * before the answer names the new offset. */
      FlushInput *in = g_new0 (FlushInput, 1);
      in->id = g_strdup (w->id);
      in->token = w->token;
      in->offset = now;
      reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, flush_command, in, flush_input_free);
      return;
    }
  offset = g_strdup_printf ("%" G_GUINT64_FORMAT, now);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "Upload-Offset", offset);
  reel_respond_empty (req->msg, SOUP_STATUS_NO_CONTENT);
}

static JsonNode *
abort_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CompleteInput *in = data;
  guint64 token
      = reel_uploads_lock (http->uploads, in->id, NULL,
                           (gint64)http->cfg->upload_lock_timeout_s * G_USEC_PER_SEC, 0, error);
  if (!token)
    return NULL;
  reel_uploads_discard (http->uploads, in->id);
  reel_uploads_unlock (http->uploads, in->id, token);
  reel_videos_abort_upload (http->bus, in->id, in->user, &reply->seq, error);
  reel_reply_header (reply, "Tus-Resumable", TUS_VERSION);
  return NULL;
}

static void
delete_upload (ReelRequest *req)
{
  g_autofree char *user = NULL;
  g_autoptr (ReelVideo) video = owned_video (req, &user);
  CompleteInput *in;
  if (!video)
    return;
  set_tus_headers (req->msg);
  if (!is_uploading (video))
    {
      reel_respond_fail (req->msg, REEL_ERROR_CONFLICT,
                         "this upload is complete; delete the video instead");
      return;
    }
  in = g_new0 (CompleteInput, 1);
  in->id = g_strdup (reel_request_param (req, "id"));
  in->user = g_steal_pointer (&user);
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, abort_command, in, complete_input_free);
}

/* A video whose media need no signature reads the same for everyone who
 * may see it. The record is read again here, not taken from get_video's
 * check: a kept body must come from the store version it is kept under or
 * a later one (http/query.h), and the check read an earlier one. */
static JsonObject *
read_video (ReelRequest *req, GError **error)
{
  g_autoptr (ReelVideo) video = reel_request_shared_video (req, error);
  g_autoptr (ReelTxn) txn = NULL;
  if (!video || !(txn = reel_store_begin (req->http->store, FALSE, error)))
    return NULL;
  return reel_videos_public_counted (txn, video, NULL);
}

static void
get_video (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  /* Read, never changed: the record shared with other requests. */
  g_autoptr (ReelVideo) video = reel_request_shared_video (req, &error);
  g_autoptr (JsonObject) pub = NULL;
  g_autoptr (ReelTxn) txn = NULL;
  g_autofree char *media_base = NULL;
  ReelViewer viewer;
  g_autofree char *user G_GNUC_UNUSED
      = reel_request_viewer (req, &viewer); /* owns viewer.username */
  if (video)
    switch (reel_video_sight (video, &viewer))
      {
      case REEL_SIGHT_NONE:
        g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
        break;
      case REEL_SIGHT_REASON:
        g_set_error (&error, REEL_ERROR, REEL_ERROR_BLOCKED,
                     "this video was blocked by the moderators: %s",
                     video->moderation_reason ? video->moderation_reason : "");
        break;
      case REEL_SIGHT_WATCH:
        break;
      }
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  if (!reel_video_needs_signature (video))
    {
      reel_request_answer_read (req, read_video);
      return;
    }
  /* Media that need a signature get it here, from the one who may watch
   * them: the player fetches them without credentials. */
  media_base
      = reel_video_media_base (video, req->http->media_key, g_get_real_time () / G_USEC_PER_SEC,
                               req->http->cfg->signed_url_ttl_s);
  if (!(txn = reel_store_begin (req->http->store, FALSE, &error)))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  pub = reel_videos_public_counted (txn, video, media_base);
  g_clear_pointer (&txn, reel_txn_abort);
  reel_respond_object (req->msg, SOUP_STATUS_OK, pub);
}

typedef struct
{
  char *user;
  char *id;
  char *title;
  char *description;
  char *privacy;
  gboolean set_downloadable; /* "downloadable" was in the PATCH */
  gboolean downloadable;
  gboolean set_thumbnail; /* "thumbnail_time" was in the PATCH */
  guint64 thumbnail_ns;
} EditInput;

static void
edit_input_free (gpointer p)
{
  EditInput *in = p;
  g_free (in->user);
  g_free (in->id);
  g_free (in->title);
  g_free (in->description);
  g_free (in->privacy);
  g_free (in);
}

static JsonNode *
edit_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  EditInput *in = data;
  if ((in->title || in->description || in->privacy)
      && !reel_videos_edit (http->bus, http->store, in->user, in->id, in->title, in->description,
                            in->privacy, &reply->seq, error))
    return NULL;
  if (in->set_downloadable
      && !reel_videos_set_downloadable (http->bus, http->store, in->user, in->id, in->downloadable,
                                        &reply->seq, error))
    return NULL;
  if (in->set_thumbnail)
    {
      /* A poster job (media/thumbnail.h): the record names the new poster
       * once it is made, a moment after this answer. */
      g_autoptr (ReelVideo) v = reel_videos_owned (http->store, in->user, in->id, error);
      if (v)
        reel_thumbnail_queue_frame (http->bus, v, in->thumbnail_ns, error);
    }
  else if (!in->title && !in->description && !in->privacy && !in->set_downloadable)
    reel_videos_delete (http->bus, http->store, in->user, in->id, &reply->seq, error);
  return NULL;
}

/* PATCH {title?, description?, privacy?, downloadable?, thumbnail_time?} and DELETE: the owner
 * check runs in the command, against the projection. */
static void
change_video (ReelRequest *req, gboolean edit)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user && edit ? reel_request_json (req, &error) : NULL;
  const char *title = NULL, *description = NULL, *privacy = NULL;
  gboolean set_downloadable = FALSE, downloadable = FALSE, set_thumbnail = FALSE;
  guint64 thumbnail_ns = 0;
  EditInput *in;

  if (body)
    {
      title = reel_json_get_string (body, "title", FALSE, &error);
      if (!error)
        description = reel_json_get_string (body, "description", FALSE, &error);
      if (!error)
        privacy = reel_json_get_string (body, "privacy", FALSE, &error);
      if (!error && json_object_has_member (body, "downloadable"))
        {
          JsonNode *n = json_object_get_member (body, "downloadable");
          if (json_node_get_value_type (n) != G_TYPE_BOOLEAN)
            g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID,
                                 "downloadable must be true or false");
          else
            {
              set_downloadable = TRUE;
              downloadable = json_node_get_boolean (n);
            }
        }
      if (!error && json_object_has_member (body, "thumbnail_time"))
        {
          JsonNode *n = json_object_get_member (body, "thumbnail_time");
          GType t = json_node_get_value_type (n);
          double at = t == G_TYPE_DOUBLE  ? json_node_get_double (n)
                      : t == G_TYPE_INT64 ? (double)json_node_get_int (n)
                                          : -1;
          if (!(at >= 0 && at < G_MAXUINT32))
            g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID,
                                 "thumbnail_time must be a number of seconds, 0 or more");
          else
            {
              set_thumbnail = TRUE;
              thumbnail_ns = (guint64)(at * G_USEC_PER_SEC) * 1000;
            }
        }
      if (!error && !title && !description && !privacy && !set_downloadable && !set_thumbnail)
        g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID,
                     "give a title, a description, a privacy, downloadable and/or "
                     "thumbnail_time");
    }
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (EditInput, 1);
  in->user = g_steal_pointer (&user);
  in->id = g_strdup (reel_request_param (req, "id"));
  in->title = g_strdup (title);
  in->description = g_strdup (description);
  in->privacy = g_strdup (privacy);
  in->set_downloadable = set_downloadable;
  in->downloadable = downloadable;
  in->set_thumbnail = set_thumbnail;
  in->thumbnail_ns = thumbnail_ns;
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, edit_command, in, edit_input_free);
}

static void
patch_video (ReelRequest *req)
{
  change_video (req, TRUE);
}

static void
delete_video (ReelRequest *req)
{
  change_video (req, FALSE);
}

void reel_api_videos_register (ReelRouter *router, ReelRouter *early);

void
reel_api_videos_register (ReelRouter *router, ReelRouter *early)
{
  reel_router_add (router, "OPTIONS", "/api/v1/uploads", options_uploads);
  reel_router_add (router, "POST", "/api/v1/uploads", post_uploads);
  reel_router_add (router, "HEAD", "/api/v1/uploads/{id}", head_upload);
  reel_router_add (router, "PATCH", "/api/v1/uploads/{id}", patch_upload);
  reel_router_add (router, "DELETE", "/api/v1/uploads/{id}", delete_upload);
  reel_router_add (router, "GET", "/api/v1/videos/{id}", get_video);
  reel_router_add (early, "POST", "/api/v1/uploads", post_uploads_early);
  reel_router_add (early, "PATCH", "/api/v1/uploads/{id}", patch_upload_early);
  reel_router_add (router, "PATCH", "/api/v1/videos/{id}", patch_video);
  reel_router_add (router, "DELETE", "/api/v1/videos/{id}", delete_video);
}
