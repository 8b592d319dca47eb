/* The S3-compatible blob backend (see blobs.h and s3.h): each key is an
 * object of one bucket, under the same name.
 *
 * - put: one PUT of the bytes.
 * - put_file: one PUT streamed from the file when it is at most one part,
 *   else a multipart upload (CreateMultipartUpload, UploadPart for each
 *   part_size slice of the file, CompleteMultipartUpload; AbortMultipartUpload
 *   when anything fails, so no orphan parts are billed). Parts are read from
 *   the file as they are sent, never the whole file into memory. The file is
 *   deleted once stored, as the filesystem backend's rename moves it.
 * - read: a GET with Range, streamed into the caller's stream.
 * - stat: HEAD. delete: DELETE. list: ListObjectsV2, page by page.
 * - presign: a SigV4 query-signed GET (s3_sign.c); no request is made.
 * Objects get a Content-Type from their key's extension, so a public bucket
 * or a CDN in front of it serves segments and playlists as they should be. */
#include "store/blobs-backend.h"
#include "store/s3.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

/* S3 allows 10,000 parts per upload, each at least 5 MiB (but the last). */
#define S3_MAX_PARTS 10000
#define S3_MIN_PART_SIZE ((guint64)5 << 20)
#define S3_MAX_PART_SIZE ((guint64)5 << 30)
/* AWS refuses presigned URLs valid for longer than a week. */
#define S3_MAX_PRESIGN_SECONDS (7 * 24 * 3600)

typedef struct
{
  ReelBlobs parent;
  ReelS3Target target;
  guint64 part_size;
  guint list_page; /* 0: the server's default (1000 on S3) */
} S3Blobs;

#define S3(blobs) (&((S3Blobs *)(blobs))->target)

static const ReelBlobsOps s3_ops;

/* S3's bucket naming rules: 3 to 63 of a-z 0-9 . -, starting and ending
 * with a letter or digit. They also make the bucket safe in a path. */
static gboolean
bucket_valid (const char *b)
{
  gsize len = b ? strlen (b) : 0;
  if (len < 3 || len > 63 || !g_ascii_isalnum (b[0]) || !g_ascii_isalnum (b[len - 1]))
    return FALSE;
  for (const char *p = b; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '.' || *p == '-'))
      return FALSE;
  return TRUE;
}

static gboolean
invalid (GError **error, const char *what)
{
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "S3 blob store: %s", what);
  return FALSE;
}

/* Fills the target from the options; endpoint NULL: AWS's for the region. */
static gboolean
target_init (ReelS3Target *t, const ReelS3Options *o, GError **error)
{
  const char *access = o->access_key ? o->access_key : g_getenv ("AWS_ACCESS_KEY_ID");
  const char *secret = o->secret_key ? o->secret_key : g_getenv ("AWS_SECRET_ACCESS_KEY");
  const char *region = o->region && *o->region ? o->region : NULL;
  g_autofree char *aws = region ? g_strdup_printf ("https://s3.%s.amazonaws.com", region) : NULL;
  const char *endpoint = o->endpoint && *o->endpoint ? o->endpoint : aws;
  g_autoptr (GUri) uri = endpoint ? g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  int port = uri ? g_uri_get_port (uri) : -1;

  if (!region)
    return invalid (error, "blobs.s3_region is not set");
  if (!uri || !g_uri_get_host (uri) || (g_strcmp0 (scheme, "http") && g_strcmp0 (scheme, "https"))
      || (*g_uri_get_path (uri) && !g_str_equal (g_uri_get_path (uri), "/"))
      || g_uri_get_query (uri))
    return invalid (error, "blobs.s3_endpoint must be http(s)://HOST[:PORT]");
  if (!bucket_valid (o->bucket))
    return invalid (error, "blobs.s3_bucket must be a bucket name (3 to 63 of a-z 0-9 . -)");
  if (!access || !*access || !secret || !*secret)
    return invalid (error, "no credentials: set blobs.s3_access_key and blobs.s3_secret_key, "
                           "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  if (o->part_size && (o->part_size < S3_MIN_PART_SIZE || o->part_size > S3_MAX_PART_SIZE))
    return invalid (error, "blobs.s3_part_size_bytes must be 5 MiB to 5 GiB");

  t->scheme = g_strdup (scheme);
  /* As clients send it in Host: the port only when it is not the default. */
  if (port < 0 || (port == 80 && g_str_equal (scheme, "http"))
      || (port == 443 && g_str_equal (scheme, "https")))
    t->host = g_strdup (g_uri_get_host (uri));
  else
    t->host = g_strdup_printf ("%s:%d", g_uri_get_host (uri), port);
  t->bucket = g_strdup (o->bucket);
  t->path_style = o->path_style;
  t->region = g_strdup (region);
  t->access_key = g_strdup (access);
  t->secret_key = g_strdup (secret);
  return TRUE;
}

ReelBlobs *
reel_blobs_s3_open (const ReelS3Options *options, GError **error)
{
  S3Blobs *s3 = g_new0 (S3Blobs, 1);
  s3->parent.ops = &s3_ops;
  s3->part_size = options->part_size ? options->part_size : REEL_S3_PART_SIZE_DEFAULT;
  s3->list_page = options->list_page;
  if (!target_init (&s3->target, options, error))
    {
      reel_s3_target_clear (&s3->target);
      g_free (s3);
      return NULL;
    }
  return &s3->parent;
}

static void
s3_close (ReelBlobs *blobs)
{
  reel_s3_target_clear (S3 (blobs));
  g_free (blobs);
}

/* What reel stores, by extension; the rest is opaque bytes. */
static const char *
content_type_for (const char *key)
{
  static const struct
  {
    const char *ext, *type;
  } types[] = {
    { ".m4s", "video/iso.segment" },
    { ".mp4", "video/mp4" },
    { ".m4a", "audio/mp4" },
    { ".m3u8", "application/vnd.apple.mpegurl" },
    { ".mpd", "application/dash+xml" },
    { ".jpg", "image/jpeg" },
    { ".json", "application/json" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (key, types[i].ext))
      return types[i].type;
  return "application/octet-stream";
}

static ReelS3Request
request (const char *method, const char *key)
{
  return (ReelS3Request){ .method = method, .key = key, .body_fd = -1 };
}

static gboolean
s3_put (ReelBlobs *blobs, const char *key, GBytes *data, GError **error)
{
  ReelS3Request req = request ("PUT", key);
  g_auto (ReelS3Response) resp = { 0 };
  req.body = data;
  req.content_type = content_type_for (key);
  return reel_s3_request (S3 (blobs), &req, &resp, error);
}

/* CompleteMultipartUpload's body: every part's number and ETag, in order. */
static GBytes *
complete_body (GPtrArray *etags)
{
  GString *xml = g_string_new ("<CompleteMultipartUpload>");
  for (guint i = 0; i < etags->len; i++)
    {
      g_autofree char *etag = g_markup_escape_text (etags->pdata[i], -1);
      g_string_append_printf (xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>", i + 1,
                              etag);
    }
  g_string_append (xml, "</CompleteMultipartUpload>");
  return g_string_free_to_bytes (xml);
}

static gboolean
multipart (ReelBlobs *blobs, const char *key, int fd, guint64 size, GError **error)
{
  S3Blobs *s3 = (S3Blobs *)blobs;
  guint64 part_size = MAX (s3->part_size, (size + S3_MAX_PARTS - 1) / S3_MAX_PARTS);
  g_autoptr (GPtrArray) etags = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *upload_id = NULL, *id_q = NULL, *query = NULL;
  g_auto (ReelS3Response) resp = { 0 };
  ReelS3Request req = request ("POST", key);
  g_autoptr (GError) local = NULL;

  req.query = "uploads=";
  req.content_type = content_type_for (key);
  if (!reel_s3_request (S3 (blobs), &req, &resp, error))
    return FALSE;
  upload_id = reel_s3_xml_find ((const char *)resp.body->data, resp.body->len,
                                "InitiateMultipartUploadResult/UploadId");
  if (!upload_id || !*upload_id)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "S3 POST %s?uploads: no UploadId in the answer", key);
      return FALSE;
    }
  id_q = reel_s3_uri_encode (upload_id);

  for (guint64 off = 0, n = 1; off < size && !local; off += part_size, n++)
    {
      g_autofree char *part_query
          = g_strdup_printf ("partNumber=%" G_GUINT64_FORMAT "&uploadId=%s", n, id_q);
      ReelS3Request part = request ("PUT", key);
      part.query = part_query;
      part.body_fd = fd;
      part.body_offset = off;
      part.body_length = MIN (part_size, size - off);
      if (reel_s3_request (S3 (blobs), &part, &resp, &local) && !resp.etag)
        g_set_error (&local, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                     "S3 PUT %s part %" G_GUINT64_FORMAT ": no ETag in the answer", key, n);
      if (!local)
        g_ptr_array_add (etags, g_strdup (resp.etag));
    }

  query = g_strdup_printf ("uploadId=%s", id_q);
  if (!local)
    {
      g_autoptr (GBytes) body = complete_body (etags);
      g_autofree char *code = NULL;
      ReelS3Request done = request ("POST", key);
      done.query = query;
      done.body = body;
      done.content_type = "application/xml";
      /* S3 may answer 200 and still fail, with an <Error> in the body. */
      if (reel_s3_request (S3 (blobs), &done, &resp, &local)
          && (code
              = reel_s3_xml_find ((const char *)resp.body->data, resp.body->len, "Error/Code")))
        g_set_error (&local, REEL_ERROR, reel_s3_error_code (code, 500), "S3 POST %s?uploadId: %s",
                     key, code);
    }
  if (local)
    {
      g_autoptr (GError) abort_error = NULL;
      ReelS3Request abort = request ("DELETE", key);
      abort.query = query;
      if (!reel_s3_request (S3 (blobs), &abort, &resp, &abort_error))
        /* A notice, not a warning: the upload's own failure is the error,
         * and some S3 servers (s3rver) cannot abort at all. */
        g_message ("cannot abort the multipart upload of %s (a bucket lifecycle rule for "
                   "incomplete uploads removes its parts): %s",
                   key, abort_error->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

static gboolean
s3_put_file (ReelBlobs *blobs, const char *key, const char *path, GError **error)
{
  S3Blobs *s3 = (S3Blobs *)blobs;
  GStatBuf st;
  gboolean ok;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "open %s: %s", path, g_strerror (e));
      return FALSE;
    }
  if ((guint64)st.st_size <= s3->part_size)
    {
      ReelS3Request req = request ("PUT", key);
      g_auto (ReelS3Response) resp = { 0 };
      req.body_fd = fd;
      req.body_length = (guint64)st.st_size;
      req.content_type = content_type_for (key);
      ok = reel_s3_request (S3 (blobs), &req, &resp, error);
    }
  else
    ok = multipart (blobs, key, fd, (guint64)st.st_size, error);
  close (fd);
  if (ok && g_unlink (path) != 0 && errno != ENOENT)
    g_warning ("stored %s, but cannot remove %s: %s", key, path, g_strerror (errno));
  return ok;
}

static gboolean
s3_read (ReelBlobs *blobs, const char *key, guint64 offset, guint64 length, GOutputStream *out,
         GCancellable *cancellable, GError **error)
{
  ReelS3Request req = request ("GET", key);
  g_auto (ReelS3Response) resp = { 0 };
  g_autoptr (GError) local = NULL;
  req.ranged = offset > 0 || length > 0;
  req.range_offset = offset;
  req.range_length = length;
  req.sink = out;
  req.cancellable = cancellable;
  if (reel_s3_request (S3 (blobs), &req, &resp, &local))
    return TRUE;
  /* Any range of an empty object is unsatisfiable to S3; read from its
   * start, it is simply empty, as on the filesystem. */
  if (offset == 0 && g_error_matches (local, REEL_ERROR, REEL_ERROR_INVALID)
      && strstr (local->message, "InvalidRange"))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static gboolean
s3_stat (ReelBlobs *blobs, const char *key, ReelBlobInfo *info, GError **error)
{
  ReelS3Request req = request ("HEAD", key);
  g_auto (ReelS3Response) resp = { 0 };
  if (!reel_s3_request (S3 (blobs), &req, &resp, error))
    return FALSE;
  info->size = resp.content_length > 0 ? (guint64)resp.content_length : 0;
  info->mtime_s = resp.mtime_s;
  g_strlcpy (info->etag, resp.etag ? resp.etag : "", sizeof info->etag);
  return TRUE;
}

static char *
s3_presign (ReelBlobs *blobs, const char *key, guint expires_s, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  if (expires_s == 0 || expires_s > S3_MAX_PRESIGN_SECONDS)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "a presigned URL is valid for 1 s to 7 days, not %u s", expires_s);
      return NULL;
    }
  return reel_s3_presign (S3 (blobs), key, now, expires_s);
}

static gboolean
s3_delete (ReelBlobs *blobs, const char *key, GError **error)
{
  ReelS3Request req = request ("DELETE", key);
  g_auto (ReelS3Response) resp = { 0 };
  g_autoptr (GError) local = NULL;
  if (reel_s3_request (S3 (blobs), &req, &resp, &local)
      || g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static gboolean
s3_list (ReelBlobs *blobs, const char *prefix, ReelBlobsFunc func, gpointer user_data,
         GError **error)
{
  g_autofree char *prefix_q = reel_s3_uri_encode (prefix);
  g_autofree char *max_keys = NULL;
  g_autofree char *token = NULL;
  guint page = ((S3Blobs *)blobs)->list_page;
  max_keys = page ? g_strdup_printf ("max-keys=%u&", page) : g_strdup ("");
  do
    {
      g_autofree char *token_q = token ? reel_s3_uri_encode (token) : NULL;
      g_autofree char *query = NULL;
      g_autoptr (GPtrArray) entries = NULL;
      ReelS3Request req = request ("GET", NULL);
      g_auto (ReelS3Response) resp = { 0 };

      /* Parameters sorted by name: the canonical query libcurl signs as is. */
      query = g_strdup_printf ("%s%s%slist-type=2&%sprefix=%s", token ? "continuation-token=" : "",
                               token ? token_q : "", token ? "&" : "", max_keys, prefix_q);
      req.query = query;
      g_clear_pointer (&token, g_free);
      if (!reel_s3_request (S3 (blobs), &req, &resp, error)
          || !reel_s3_xml_list ((const char *)resp.body->data, resp.body->len, &entries, &token,
                                error))
        return FALSE;
      for (guint i = 0; i < entries->len; i++)
        {
          ReelS3Entry *e = entries->pdata[i];
          /* Objects other programs put in the bucket are none of reel's. */
          if (reel_blobs_key_valid (e->key) && !func (e->key, e->size, e->mtime_s, user_data))
            return TRUE;
        }
    }
  while (token);
  return TRUE;
}

static const ReelBlobsOps s3_ops = {
  .name = "s3",
  .close = s3_close,
  .put = s3_put,
  .put_file = s3_put_file,
  .read = s3_read,
  .stat = s3_stat,
  .presign = s3_presign,
  .local_path = NULL,
  .delete = s3_delete,
  .list = s3_list,
};
