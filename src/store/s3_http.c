/* One S3 request, signed, streamed and retried (see s3.h).
 *
 * Signing is libcurl's (CURLOPT_AWS_SIGV4, "aws:amz:REGION:s3"). libcurl
 * 7.88 signs every header reel sets and the path and query exactly as sent,
 * unsorted and unescaped; so reel sends them in canonical form already
 * (keys that need no escaping, queries sorted and AWS-encoded by the
 * callers). It hashes only an in-memory POST body for the payload hash, so
 * reel always sets x-amz-content-sha256 itself (curl then signs that value):
 * the SHA-256 of the body, read once more from its file range for a part,
 * so the server can check what arrived even over plain http.
 *
 * Threads: each thread keeps one CURL handle (reset before each request),
 * which also keeps its connections to the server alive between requests.
 *
 * Retries: a broken connection, a timeout, 5xx, 429 or S3's RequestTimeout
 * is tried again, up to S3_MAX_ATTEMPTS in all, after an exponentially
 * growing, jittered pause; the request body is read again from its start.
 * A GET whose body was cut off midway asks for the rest only (Range), and
 * If-Match the ETag it started with, so the pieces are of one object. */
#include "store/s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <unistd.h>

/* Eight attempts with pauses of 0.2, 0.4, 0.8, 1.6, 3.2 and then 5 s (each
 * jittered down to half) ride out a server restart or a short network
 * outage of up to ~15 s; longer outages fail the call, and the job or request
 * that made it is retried at its own level. */
#define S3_MAX_ATTEMPTS 8
#define S3_BACKOFF_BASE_MS 200
#define S3_BACKOFF_CAP_MS 5000
/* A server that does not accept a connection within 10 s is down. */
#define S3_CONNECT_TIMEOUT_S 10
/* No total timeout (a part of 5 GiB is slow on any link), but a transfer
 * that moves nothing for 30 s is dead. */
#define S3_STALL_SECONDS 30
/* S3 answers reel collects in memory: errors, listings of 1000 keys. */
#define S3_MAX_COLLECTED_BYTES (4 << 20)
#define S3_READ_BUFFER_BYTES (64 * 1024)
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static GPrivate thread_curl = G_PRIVATE_INIT ((GDestroyNotify)curl_easy_cleanup);

static CURL *
thread_handle (void)
{
  static gsize initialised = 0;
  CURL *c;
  if (g_once_init_enter (&initialised))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&initialised, 1);
    }
  c = g_private_get (&thread_curl);
  if (c)
    curl_easy_reset (c);
  else if ((c = curl_easy_init ()))
    g_private_set (&thread_curl, c);
  return c;
}

void
reel_s3_response_clear (ReelS3Response *r)
{
  g_clear_pointer (&r->body, g_byte_array_unref);
  g_clear_pointer (&r->etag, g_free);
}

ReelErrorCode
reel_s3_error_code (const char *code, long status)
{
  static const struct
  {
    const char *s3;
    ReelErrorCode reel;
  } map[] = {
    { "NoSuchKey", REEL_ERROR_NOT_FOUND },
    { "NoSuchBucket", REEL_ERROR_NOT_FOUND },
    { "NoSuchUpload", REEL_ERROR_NOT_FOUND },
    { "InvalidRange", REEL_ERROR_INVALID },
    { "PreconditionFailed", REEL_ERROR_CONFLICT },
    { "EntityTooLarge", REEL_ERROR_TOO_LARGE },
    { "SlowDown", REEL_ERROR_UNAVAILABLE },
    { "ServiceUnavailable", REEL_ERROR_UNAVAILABLE },
    { "InternalError", REEL_ERROR_UNAVAILABLE },
    { "RequestTimeout", REEL_ERROR_UNAVAILABLE },
    /* The store refusing reel's own credentials is the operator's to fix,
     * not the client's: the blob store is unusable until then. */
    { "AccessDenied", REEL_ERROR_UNAVAILABLE },
    { "InvalidAccessKeyId", REEL_ERROR_UNAVAILABLE },
    { "SignatureDoesNotMatch", REEL_ERROR_UNAVAILABLE },
    { "RequestTimeTooSkewed", REEL_ERROR_UNAVAILABLE },
  };
  for (guint i = 0; code && i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (code, map[i].s3))
      return map[i].reel;
  if (status == 404)
    return REEL_ERROR_NOT_FOUND;
  if (status == 412)
    return REEL_ERROR_CONFLICT;
  if (status == 416)
    return REEL_ERROR_INVALID;
  if (status == 429 || status >= 500)
    return REEL_ERROR_UNAVAILABLE;
  return REEL_ERROR_INTERNAL;
}

/* --- one attempt --- */

typedef struct
{
  ReelS3Request *req;
  ReelS3Response *resp;
  CURL *curl;
  guint64 body_pos; /* request body bytes sent */
  GError *sink_error;
} Transfer;

static size_t
on_read (char *buf, size_t size, size_t nmemb, void *data)
{
  Transfer *t = data;
  ReelS3Request *req = t->req;
  guint64 total = req->body ? g_bytes_get_size (req->body) : req->body_length;
  size_t n = (size_t)MIN ((guint64)size * nmemb, total - t->body_pos);
  if (n == 0)
    return 0;
  if (req->body)
    memcpy (buf, (const guint8 *)g_bytes_get_data (req->body, NULL) + t->body_pos, n);
  else
    {
      ssize_t got;
      do
        got = pread (req->body_fd, buf, n, (off_t)(req->body_offset + t->body_pos));
      while (got < 0 && errno == EINTR);
      if (got <= 0)
        return CURL_READFUNC_ABORT;
      n = (size_t)got;
    }
  t->body_pos += n;
  return n;
}

/* libcurl rewinds the body when it must send it again on one connection. */
static int
on_seek (void *data, curl_off_t offset, int origin)
{
  Transfer *t = data;
  if (origin != SEEK_SET || offset < 0)
    return CURL_SEEKFUNC_CANTSEEK;
  t->body_pos = (guint64)offset;
  return CURL_SEEKFUNC_OK;
}

static size_t
on_write (char *buf, size_t size, size_t nmemb, void *data)
{
  Transfer *t = data;
  size_t n = size * nmemb;
  long status = 0;
  curl_easy_getinfo (t->curl, CURLINFO_RESPONSE_CODE, &status);
  /* Only a success's body is the object; an error's is S3's XML. */
  if (t->req->sink && status >= 200 && status < 300)
    {
      /* A server that ignores Range would hand us the object from its start. */
      if (t->req->ranged && t->req->range_offset > 0 && status != 206)
        {
          g_set_error (&t->sink_error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                       "S3 GET %s: the server ignored the Range header (HTTP %ld)", t->req->key,
                       status);
          return 0;
        }
      if (!g_output_stream_write_all (t->req->sink, buf, n, NULL, t->req->cancellable,
                                      &t->sink_error))
        return 0;
      t->resp->sunk += n;
      return n;
    }
  if (t->resp->body->len + n > S3_MAX_COLLECTED_BYTES)
    return 0;
  g_byte_array_append (t->resp->body, (const guint8 *)buf, (guint)n);
  return n;
}

static size_t
on_header (char *buf, size_t size, size_t nmemb, void *data)
{
  Transfer *t = data;
  size_t n = size * nmemb;
  g_autofree char *line = g_strndup (buf, n);
  char *colon = strchr (line, ':');
  if (colon && g_ascii_strncasecmp (line, "etag:", 5) == 0)
    {
      g_free (t->resp->etag);
      t->resp->etag = g_strdup (g_strstrip (colon + 1));
    }
  return n;
}

static int
on_progress (void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  Transfer *t = data;
  return g_cancellable_is_cancelled (t->req->cancellable) ? 1 : 0;
}

static char *
payload_hash (ReelS3Request *req, GError **error)
{
  g_autoptr (GChecksum) sum = NULL;
  g_autofree guint8 *buf = NULL;
  guint64 done = 0;

  if (req->body)
    return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, req->body);
  if (req->body_fd < 0)
    return g_strdup (EMPTY_SHA256);
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  buf = g_malloc (S3_READ_BUFFER_BYTES);
  while (done < req->body_length)
    {
      gsize want = (gsize)MIN ((guint64)S3_READ_BUFFER_BYTES, req->body_length - done);
      ssize_t got = pread (req->body_fd, buf, want, (off_t)(req->body_offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "reading the upload: %s",
                       got == 0 ? "the file is shorter than its size" : g_strerror (errno));
          return NULL;
        }
      g_checksum_update (sum, buf, got);
      done += (guint64)got;
    }
  return g_strdup (g_checksum_get_string (sum));
}

typedef enum
{
  ATTEMPT_OK,
  ATTEMPT_RETRY,
  ATTEMPT_FAIL,
} Outcome;

static gboolean
curl_code_retryable (CURLcode code)
{
  switch (code)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Describes a failed request: "S3 GET videos/x/1.m4s: NoSuchKey: The
 * specified key does not exist. (HTTP 404)"; returns S3's error code. */
static char *
set_s3_error (GError **error, ReelS3Request *req, long status, GByteArray *body)
{
  const char *xml = body ? (const char *)body->data : NULL;
  gsize len = body ? body->len : 0;
  char *code = reel_s3_xml_find (xml, len, "Error/Code");
  g_autofree char *message = reel_s3_xml_find (xml, len, "Error/Message");
  if (!code && status == 404)
    code = g_strdup (req->key ? "NoSuchKey" : "NoSuchBucket"); /* HEAD: no body */
  g_set_error (error, REEL_ERROR, reel_s3_error_code (code, status), "S3 %s %s: %s%s%s (HTTP %ld)",
               req->method, req->key ? req->key : "(bucket)", code ? code : "no error code",
               message ? ": " : "", message ? message : "", status);
  return code;
}

static Outcome
attempt (const ReelS3Target *target, ReelS3Request *req, ReelS3Response *resp,
         const char *content_sha, const char *if_match, GError **error)
{
  g_autofree char *url = reel_s3_url (target, req->key);
  g_autofree char *sigv4 = g_strdup_printf ("aws:amz:%s:s3", target->region);
  g_autofree char *sha_header = g_strdup_printf ("x-amz-content-sha256: %s", content_sha);
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *headers = NULL;
  Transfer t = { req, resp, thread_handle (), 0, NULL };
  guint64 body_size = req->body ? g_bytes_get_size (req->body) : req->body_length;
  gboolean has_body = req->body || req->body_fd >= 0;
  CURLcode code;
  curl_off_t mtime = -1;
  g_autofree char *s3_code = NULL;

  if (!t.curl)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create a curl handle");
      return ATTEMPT_FAIL;
    }
  if (req->query)
    {
      char *full = g_strconcat (url, "?", req->query, NULL);
      g_free (url);
      url = full;
    }
  headers = curl_slist_append (headers, sha_header);
  if (req->content_type)
    {
      g_autofree char *h = g_strdup_printf ("Content-Type: %s", req->content_type);
      headers = curl_slist_append (headers, h);
    }
  if (req->ranged)
    {
      g_autofree char *h
          = req->range_length
                ? g_strdup_printf ("Range: bytes=%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                                   req->range_offset, req->range_offset + req->range_length - 1)
                : g_strdup_printf ("Range: bytes=%" G_GUINT64_FORMAT "-", req->range_offset);
      headers = curl_slist_append (headers, h);
    }
  if (if_match)
    {
      g_autofree char *h = g_strdup_printf ("If-Match: %s", if_match);
      headers = curl_slist_append (headers, h);
    }

  curl_easy_setopt (t.curl, CURLOPT_URL, url);
  curl_easy_setopt (t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (t.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (t.curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (t.curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_AWS_SIGV4);
  curl_easy_setopt (t.curl, CURLOPT_AWS_SIGV4, sigv4);
  curl_easy_setopt (t.curl, CURLOPT_USERNAME, target->access_key);
  curl_easy_setopt (t.curl, CURLOPT_PASSWORD, target->secret_key);
  curl_easy_setopt (t.curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (t.curl, CURLOPT_CONNECTTIMEOUT, (long)S3_CONNECT_TIMEOUT_S);
  curl_easy_setopt (t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (t.curl, CURLOPT_LOW_SPEED_TIME, (long)S3_STALL_SECONDS);
  curl_easy_setopt (t.curl, CURLOPT_FILETIME, 1L);
  curl_easy_setopt (t.curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (t.curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt (t.curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (t.curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt (t.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (t.curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt (t.curl, CURLOPT_NOPROGRESS, 0L);
  if (has_body)
    {
      curl_easy_setopt (t.curl, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (t.curl, CURLOPT_READDATA, &t);
      curl_easy_setopt (t.curl, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt (t.curl, CURLOPT_SEEKDATA, &t);
    }
  if (g_str_equal (req->method, "PUT"))
    {
      curl_easy_setopt (t.curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (t.curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_size);
    }
  else if (g_str_equal (req->method, "POST"))
    {
      curl_easy_setopt (t.curl, CURLOPT_POST, 1L);
      curl_easy_setopt (t.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_size);
      if (!has_body)
        curl_easy_setopt (t.curl, CURLOPT_POSTFIELDS, "");
    }
  else if (g_str_equal (req->method, "HEAD"))
    curl_easy_setopt (t.curl, CURLOPT_NOBODY, 1L);
  else if (!g_str_equal (req->method, "GET"))
    curl_easy_setopt (t.curl, CURLOPT_CUSTOMREQUEST, req->method);

  resp->status = 0;
  resp->content_length = -1;
  resp->mtime_s = -1;
  g_clear_pointer (&resp->etag, g_free);
  if (resp->body)
    g_byte_array_set_size (resp->body, 0);
  else
    resp->body = g_byte_array_new ();

  code = curl_easy_perform (t.curl);
  curl_slist_free_all (headers);
  curl_easy_getinfo (t.curl, CURLINFO_RESPONSE_CODE, &resp->status);

  if (t.sink_error)
    {
      g_propagate_error (error, t.sink_error);
      return ATTEMPT_FAIL;
    }
  if (code == CURLE_ABORTED_BY_CALLBACK
      && g_cancellable_set_error_if_cancelled (req->cancellable, error))
    return ATTEMPT_FAIL;
  if (code != CURLE_OK)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "S3 %s %s: %s", req->method,
                   req->key ? req->key : "(bucket)", *errbuf ? errbuf : curl_easy_strerror (code));
      return curl_code_retryable (code) ? ATTEMPT_RETRY : ATTEMPT_FAIL;
    }
  if (resp->status >= 200 && resp->status < 300)
    {
      curl_off_t length = -1;
      curl_easy_getinfo (t.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      curl_easy_getinfo (t.curl, CURLINFO_FILETIME_T, &mtime);
      resp->content_length = length;
      resp->mtime_s = mtime;
      return ATTEMPT_OK;
    }
  s3_code = set_s3_error (error, req, resp->status, resp->body);
  /* RequestTimeout (400): the server gave up waiting for our body. */
  return resp->status >= 500 || resp->status == 429 || g_strcmp0 (s3_code, "RequestTimeout") == 0
             ? ATTEMPT_RETRY
             : ATTEMPT_FAIL;
}

/* The pause before attempt number n (1 = the first retry): exponential,
 * capped, and jittered down to half so that clients do not retry in step. */
static guint
backoff_ms (guint n)
{
  guint ms = S3_BACKOFF_CAP_MS;
  if (n < 16)
    ms = MIN ((guint)S3_BACKOFF_CAP_MS, (guint)S3_BACKOFF_BASE_MS << (n - 1));
  return ms / 2 + (guint)g_random_int_range (0, (gint32)(ms / 2) + 1);
}

gboolean
reel_s3_request (const ReelS3Target *target, ReelS3Request *req, ReelS3Response *resp,
                 GError **error)
{
  g_autofree char *sha = payload_hash (req, error);
  g_autofree char *if_match = NULL;
  guint64 resumed = 0; /* sunk bytes already accounted for in the range */

  if (!sha)
    return FALSE;
  for (guint n = 0;; n++)
    {
      g_autoptr (GError) local = NULL;
      Outcome out;
      if (n > 0)
        g_usleep ((gulong)backoff_ms (n) * 1000);
      out = attempt (target, req, resp, sha, if_match, &local);
      if (out == ATTEMPT_OK)
        return TRUE;
      if (out == ATTEMPT_FAIL || n + 1 >= S3_MAX_ATTEMPTS)
        {
          if (out == ATTEMPT_RETRY)
            g_prefix_error (&local, "after %u attempts: ", S3_MAX_ATTEMPTS);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_info ("%s; retrying", local->message);
      /* A streamed body cut off midway: ask for the rest of the same object. */
      if (req->sink && resp->sunk > resumed)
        {
          guint64 got = resp->sunk - resumed;
          resumed = resp->sunk;
          if (!if_match && resp->etag)
            if_match = g_strdup (resp->etag);
          if (req->ranged && req->range_length)
            {
              req->range_length -= got;
              if (req->range_length == 0)
                return TRUE;
            }
          req->range_offset = req->ranged ? req->range_offset + got : got;
          req->ranged = TRUE;
        }
    }
}
