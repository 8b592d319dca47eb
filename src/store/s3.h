/* The S3 backend's parts, for store/ and its tests only.
 *
 * s3.c        the blob operations (blobs-backend.h) on top of:
 * s3_http.c   one signed request with retries: libcurl signs it with its
 *             built-in AWS SigV4 (CURLOPT_AWS_SIGV4), streams bodies from
 *             memory or a file range and responses into a stream, retries
 *             5xx, 429 and broken connections with exponential backoff, and
 *             turns S3's <Error><Code> into a REEL_ERROR;
 * s3_xml.c    the few S3 XML answers reel reads (GMarkupParser);
 * s3_sign.c   addresses (path-style or virtual-host), AWS URI encoding and
 *             presigned GET URLs, the one SigV4 libcurl cannot compute. */
#pragma once

#include "core/error.h"
#include "store/blobs.h"

G_BEGIN_DECLS

/* Where requests go and how they are signed. */
typedef struct
{
  char *scheme; /* "http" or "https" */
  char *host;   /* the server as in the Host header: HOST or HOST:PORT */
  char *bucket; /* bucket name */
  gboolean path_style;
  char *region;
  char *access_key;
  char *secret_key;
} ReelS3Target;

void reel_s3_target_clear (ReelS3Target *t);

/* --- s3_sign.c --- */

/* AWS's URI encoding of a query parameter: everything but A-Z a-z 0-9 - . _ ~
 * as %XX (upper-case hex). */
char *reel_s3_uri_encode (const char *s);
/* The Host header value for the bucket (HOST[:PORT], or BUCKET.HOST[:PORT]). */
char *reel_s3_host (const ReelS3Target *t);
/* The URL path of key (NULL: the bucket itself), e.g. "/bucket/videos/x/1.m4s". */
char *reel_s3_path (const ReelS3Target *t, const char *key);
/* scheme://host + path, without a query. */
char *reel_s3_url (const ReelS3Target *t, const char *key);
/* A GET URL for key signed in its query string (SigV4, UNSIGNED-PAYLOAD,
 * host the only signed header), valid for expires_s seconds from now. */
char *reel_s3_presign (const ReelS3Target *t, const char *key, GDateTime *now, guint expires_s);

/* --- s3_xml.c --- */

/* The text of the first element at path ("Error/Code"), or NULL (also for
 * a body that is not well-formed XML). */
char *reel_s3_xml_find (const char *xml, gsize len, const char *path);

typedef struct
{
  char *key;
  guint64 size;
  gint64 mtime_s;
} ReelS3Entry;

/* A ListObjectsV2 answer: its objects (ReelS3Entry *, freed with the array)
 * and the token of the next page (NULL on the last). */
gboolean reel_s3_xml_list (const char *xml, gsize len, GPtrArray **entries, char **next_token,
                           GError **error);

/* --- s3_http.c --- */

typedef struct
{
  const char *method; /* GET, HEAD, PUT, POST or DELETE */
  const char *key;    /* NULL: the bucket */
  const char *query;  /* canonical query: sorted by name, reel_s3_uri_encode()d; or NULL */
  /* The body: bytes, or body_length bytes of body_fd from body_offset
   * (body_fd -1: none), read again on a retry. */
  GBytes *body;
  int body_fd;
  guint64 body_offset, body_length;
  const char *content_type;
  /* A ranged GET: range_length bytes (0: to the end) from range_offset. */
  gboolean ranged;
  guint64 range_offset, range_length;
  /* A 2xx body goes into sink when set (streamed), else into the response. */
  GOutputStream *sink;
  GCancellable *cancellable;
} ReelS3Request;

typedef struct
{
  long status;
  GByteArray *body;      /* a collected body (at most a few MiB) */
  char *etag;            /* the ETag header, or NULL */
  gint64 content_length; /* -1: unknown */
  gint64 mtime_s;        /* Last-Modified; -1: unknown */
  guint64 sunk;          /* bytes written into the request's sink */
} ReelS3Response;

void reel_s3_response_clear (ReelS3Response *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReelS3Response, reel_s3_response_clear)

/* Sends the request, retrying what is worth retrying. A failure's message
 * names the request and S3's error code; its code maps S3's (NoSuchKey:
 * REEL_ERROR_NOT_FOUND, ...). A ranged or streamed GET cut off midway
 * resumes where it stopped (If-Match the first answer's ETag). */
gboolean reel_s3_request (const ReelS3Target *t, ReelS3Request *req, ReelS3Response *resp,
                          GError **error);

/* The REEL_ERROR code for an S3 error code (or, without one, the status). */
ReelErrorCode reel_s3_error_code (const char *s3_code, long status);

G_END_DECLS
