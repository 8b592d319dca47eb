/* HTTP edge of one-shot uploads (app/video/videos.c, app/video/lifecycle.c, app/uploads.c):
 *   POST /api/v1/videos   multipart/form-data: file, title, description, privacy
 *
 * For small files and curl. Everything about the request is settled from
 * its headers before a byte of the body is read: the login (401), the
 * uploader's concurrent uploads (429), the type (400) and Content-Length
 * (413); a refusal is answered at once (server.h). Then the body is parsed
 * as it arrives (core/multipart.h): the first "file" part streams into a
 * temporary file under DATA_DIR/uploads and the text fields are kept, each
 * bounded (core/limits.h). Once the body is complete, a command creates
 * the video, adopts the file as its upload and completes it as a finished
 * tus upload is completed. */
#include "app/quotas.h"
#include "app/uploads.h"
#include "app/video/lifecycle.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/multipart.h"
#include "http/api_videos.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

#include <unistd.h>

#define DATA_UPLOAD "reel-multipart"
#define BAD_BODY "expected a multipart/form-data body with a \"file\" part"

typedef enum
{
  PART_IGNORED,
  PART_FILE,
  PART_TITLE,
  PART_DESCRIPTION,
  PART_PRIVACY,
} PartKind;

/* One request, from its headers to the end of its body. */
typedef struct
{
  ReelRequest *req; /* valid while the message is (not in upload_free) */
  ReelUploads *uploads;
  char *user;
  guint64 token; /* the uploader's slot in the lock table */
  char *slot;    /* its key there */
  ReelMultipart *parser;
  guint64 received; /* body bytes so far */
  int fd;           /* the temporary file */
  char *temp;       /* its name; NULL once adopted or discarded */
  guint64 file_size;
  gboolean have_file;
  PartKind part;
  GString *field;
  char *title;
  char *description;
  char *privacy;
  char *filename;
} Upload;

static void
upload_free (gpointer p)
{
  Upload *u = p;
  ReelUploads *uploads = u->uploads;
  if (u->fd >= 0)
    close (u->fd);
  if (u->temp)
    reel_uploads_discard_temp (uploads, u->temp);
  reel_uploads_unlock (uploads, u->slot, u->token);
  g_clear_pointer (&u->parser, reel_multipart_free);
  if (u->field)
    g_string_free (u->field, TRUE);
  g_free (u->user);
  g_free (u->slot);
  g_free (u->temp);
  g_free (u->title);
  g_free (u->description);
  g_free (u->privacy);
  g_free (u->filename);
  g_free (u);
}

static gboolean
part_start (gpointer data, const char *headers, gsize len, GError **error)
{
  Upload *u = data;
  /* soup_headers_parse skips a first line (a request or status line). */
  g_autofree char *block = g_strconcat ("part\r\n", headers, NULL);
  SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autoptr (GHashTable) params = NULL;
  g_autofree char *disposition = NULL;
  const char *name = NULL;

  if (soup_headers_parse (block, (int)strlen (block), h)
      && soup_message_headers_get_content_disposition (h, &disposition, &params))
    name = g_hash_table_lookup (params, "name");
  u->part = PART_IGNORED;
  if (g_strcmp0 (name, "file") == 0 && !u->have_file)
    {
      u->part = PART_FILE;
      u->have_file = TRUE;
      g_free (u->filename);
      u->filename = g_strdup (g_hash_table_lookup (params, "filename"));
    }
  else if (g_strcmp0 (name, "title") == 0)
    u->part = PART_TITLE;
  else if (g_strcmp0 (name, "description") == 0)
    u->part = PART_DESCRIPTION;
  else if (g_strcmp0 (name, "privacy") == 0)
    u->part = PART_PRIVACY;
  if (u->part == PART_TITLE || u->part == PART_DESCRIPTION || u->part == PART_PRIVACY)
    g_string_truncate (u->field, 0);
  soup_message_headers_unref (h);
  return TRUE;
}

static gboolean
part_data (gpointer data, const guint8 *bytes, gsize len, GError **error)
{
  Upload *u = data;
  switch (u->part)
    {
    case PART_FILE:
      u->file_size += len;
      return reel_uploads_write (u->fd, bytes, len, error);
    case PART_TITLE:
    case PART_DESCRIPTION:
    case PART_PRIVACY:
      if (u->field->len + len > REEL_MULTIPART_FIELD_MAX_BYTES)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "the %s field is longer than %u bytes",
                       u->part == PART_TITLE         ? "title"
                       : u->part == PART_DESCRIPTION ? "description"
                                                     : "privacy",
                       REEL_MULTIPART_FIELD_MAX_BYTES);
          return FALSE;
        }
      g_string_append_len (u->field, (const char *)bytes, (gssize)len);
      return TRUE;
    case PART_IGNORED:
    default:
      return TRUE;
    }
}

static gboolean
part_end (gpointer data, GError **error)
{
  Upload *u = data;
  if (u->part == PART_TITLE)
    g_free (u->title), u->title = g_strndup (u->field->str, u->field->len);
  else if (u->part == PART_DESCRIPTION)
    g_free (u->description), u->description = g_strndup (u->field->str, u->field->len);
  else if (u->part == PART_PRIVACY)
    g_free (u->privacy), u->privacy = g_strndup (u->field->str, u->field->len);
  u->part = PART_IGNORED;
  return TRUE;
}

static const ReelMultipartCallbacks callbacks = { part_start, part_data, part_end };

static void
got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  Upload *u = data;
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (chunk, &len);
  guint64 limit = u->req->http->cfg->multipart_max;

  /* A chunked body has no Content-Length to refuse up front. */
  if ((u->received += len) > limit)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                 "request body is larger than %" G_GUINT64_FORMAT " bytes", limit);
  else
    reel_multipart_feed (u->parser, p, len, &error);
  if (error)
    reel_request_refuse (u->req, error);
}

/* The multipart boundary of a multipart/form-data request, or NULL. */
static const char *
form_boundary (SoupMessageHeaders *h, GHashTable **params)
{
  const char *type = soup_message_headers_get_content_type (h, params);
  if (!type || g_ascii_strcasecmp (type, "multipart/form-data") != 0 || !*params)
    return NULL;
  return g_hash_table_lookup (*params, "boundary");
}

static guint64
post_videos_early (ReelRequest *req)
{
  ReelHttp *http = req->http;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  const char *boundary = user ? form_boundary (h, &params) : NULL;
  Upload *u;

  if (user && !boundary)
    g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID, BAD_BODY);
  else if (user && soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
           && (guint64)soup_message_headers_get_content_length (h) > http->cfg->multipart_max)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                 "request body is larger than %" G_GUINT64_FORMAT " bytes",
                 http->cfg->multipart_max);
  /* The quota, against the body's length (a little more than the file's)
   * before a byte is read; the file's own size is checked again at the
   * end, for bodies sent without a length. */
  else if (user && soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH)
    reel_quotas_check (http->store, user, http->cfg->quota_bytes, http->cfg->daily_quota_bytes,
                       (guint64)soup_message_headers_get_content_length (h), &error);
  if (error)
    {
      reel_respond_error (req->msg, error);
      return 0;
    }
  u = g_new0 (Upload, 1);
  u->req = req;
  u->uploads = http->uploads;
  u->fd = -1;
  u->field = g_string_new (NULL);
  u->user = g_steal_pointer (&user);
  /* The request itself holds the slot: it has no video id yet. */
  u->slot = g_strdup_printf ("multipart:%p", (void *)u);
  g_object_set_data_full (G_OBJECT (req->msg), DATA_UPLOAD, u, upload_free);
  if (!(u->token = reel_uploads_lock (http->uploads, u->slot, u->user, 0,
                                      http->cfg->upload_max_per_user, &error))
      || !(u->parser = reel_multipart_new (boundary, REEL_MULTIPART_MAX_PARTS,
                                           REEL_MULTIPART_HEADER_MAX_BYTES, &callbacks, u, &error))
      || (u->fd = reel_uploads_open_temp (http->uploads, &u->temp, &error)) < 0)
    {
      if (error->code == REEL_ERROR_RATE_LIMITED)
        soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                      "Retry-After", "1");
      reel_respond_error (req->msg, error);
      return 0;
    }
  soup_message_body_set_accumulate (soup_server_message_get_request_body (req->msg), FALSE);
  g_signal_connect (req->msg, "got-chunk", G_CALLBACK (got_chunk), u);
  return 0;
}

typedef struct
{
  ReelUploads *uploads;
  char *owner;
  char *title;
  char *description;
  char *filename;
  guint64 size;
  char *privacy;
  char *temp; /* the file, until adopted */
} OneShot;

static void
one_shot_free (gpointer p)
{
  OneShot *in = p;
  if (in->temp)
    reel_uploads_discard_temp (in->uploads, in->temp);
  g_free (in->owner);
  g_free (in->title);
  g_free (in->description);
  g_free (in->filename);
  g_free (in->privacy);
  g_free (in->temp);
  g_free (in);
}

static JsonNode *
one_shot_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  OneShot *in = data;
  ReelVideoDraft d = { in->owner, in->title, in->description, in->filename, in->size, in->privacy };
  g_autofree char *id = NULL;
  if (!reel_quota_gate_create (http->quota_gate, http->bus, &d, http->cfg->upload_max, &id,
                               &reply->seq, error)
      || !reel_uploads_adopt_temp (http->uploads, in->temp, id, error))
    return NULL;
  g_clear_pointer (&in->temp, g_free);
  if (!reel_lifecycle_store_original (http->bus, http->uploads, http->blobs, id, in->owner,
                                      in->size, &reply->seq, error))
    {
      reel_uploads_discard (http->uploads, id);
      return NULL;
    }
  return reel_api_video_created_body (id, reply, REEL_VIDEO_PROCESSING);
}

static void
post_videos (ReelRequest *req)
{
  Upload *u = g_object_get_data (G_OBJECT (req->msg), DATA_UPLOAD);
  g_autoptr (GError) error = NULL;
  OneShot *in;

  if (!u)
    {
      /* The early handler answered already; nothing reaches here then. */
      reel_respond_error_code (req->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                               "upload state missing");
      return;
    }
  if (reel_multipart_finish (u->parser, &error) && !u->have_file)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID, "the \"file\" part is missing");
  if (!error)
    {
      ReelVideoDraft d
          = { u->user, u->title, u->description, u->filename, u->file_size, u->privacy };
      if (reel_videos_validate_draft (&d, req->http->cfg->upload_max, &error))
        reel_quotas_check (req->http->store, u->user, req->http->cfg->quota_bytes,
                           req->http->cfg->daily_quota_bytes, u->file_size, &error);
    }
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  close (u->fd);
  u->fd = -1;
  in = g_new0 (OneShot, 1);
  in->uploads = req->http->uploads;
  in->owner = g_strdup (u->user);
  in->title = g_strdup (u->title);
  in->description = g_strdup (u->description);
  in->filename = g_strdup (u->filename);
  in->size = u->file_size;
  in->privacy = g_strdup (u->privacy);
  in->temp = g_steal_pointer (&u->temp);
  reel_request_run_command (req, SOUP_STATUS_CREATED, one_shot_command, in, one_shot_free);
}

void reel_api_multipart_register (ReelRouter *router, ReelRouter *early);

void
reel_api_multipart_register (ReelRouter *router, ReelRouter *early)
{
  reel_router_add (router, "POST", "/api/v1/videos", post_videos);
  reel_router_add (early, "POST", "/api/v1/videos", post_videos_early);
}
