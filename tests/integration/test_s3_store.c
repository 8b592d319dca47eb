/* The S3 blob backend against a real S3 server: s3rver (npm) on a loopback
 * port, behind tests/tools/s3_proxy.py, which records every request reel
 * sends and injects faults (503s, cut-off answers) on demand.
 *
 * s3rver checks no V4 signature, so the signatures are checked apart: at the
 * end, botocore recomputes the signature of every recorded request
 * (tests/tools/check_sigv4.py), and must refuse them under a wrong secret.
 * What reel stores is cross-checked with awscli, an independent client. */
#include "harness.h"

#include "core/error.h"
#include "store/blob_cache.h"
#include "store/blobs.h"
#include "support/blob-helpers.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <utime.h>

#define BUCKET "reel-test"
/* Not S3's default region, so a request signed for another one fails the
 * signature check. */
#define REGION "eu-central-1"
/* S3's smallest part, so a modest file takes many parts. */
#define PART_SIZE ((guint64)5 << 20)
/* Small listing pages, so a listing of a dozen keys needs continuation. */
#define LIST_PAGE 4

static struct
{
  ReelTestS3 *s3;
  ReelTestS3Proxy *proxy;
  ReelBlobs *blobs; /* through the proxy, path-style */
  char *tmp;
} S;

static ReelBlobs *
open_blobs (const char *endpoint, gboolean path_style)
{
  g_autoptr (GError) error = NULL;
  ReelS3Options o = {
    .endpoint = endpoint,
    .bucket = BUCKET,
    .region = REGION,
    .access_key = REEL_TEST_S3_ACCESS_KEY,
    .secret_key = REEL_TEST_S3_SECRET_KEY,
    .path_style = path_style,
    .part_size = PART_SIZE,
    .list_page = LIST_PAGE,
  };
  ReelBlobs *blobs = reel_blobs_open_s3 (&o, &error);
  g_assert_no_error (error);
  return blobs;
}

/* The recorded requests with this method whose target contains needle
 * (and, when status is not 0, that were answered with it). */
static guint
count_requests (const char *method, const char *needle, guint status)
{
  g_autoptr (GPtrArray) reqs = reel_test_s3_proxy_requests (S.proxy);
  guint n = 0;
  for (guint i = 0; i < reqs->len; i++)
    {
      JsonObject *r = reqs->pdata[i];
      if (g_str_equal (json_object_get_string_member (r, "method"), method)
          && strstr (json_object_get_string_member (r, "target"), needle)
          && (!status || (guint)json_object_get_int_member (r, "status") == status))
        n++;
    }
  return n;
}

/* A request header of the last recorded request whose target contains needle. */
static char *
last_header (const char *needle, const char *name)
{
  g_autoptr (GPtrArray) reqs = reel_test_s3_proxy_requests (S.proxy);
  for (guint i = reqs->len; i > 0; i--)
    {
      JsonObject *r = reqs->pdata[i - 1];
      JsonArray *headers = json_object_get_array_member (r, "headers");
      if (!strstr (json_object_get_string_member (r, "target"), needle))
        continue;
      for (guint h = 0; h < json_array_get_length (headers); h++)
        {
          JsonArray *kv = json_array_get_array_element (headers, h);
          if (g_ascii_strcasecmp (json_array_get_string_element (kv, 0), name) == 0)
            return g_strdup (json_array_get_string_element (kv, 1));
        }
      return NULL;
    }
  return NULL;
}

static char *
file_sha256 (const char *path)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GFile) f = g_file_new_for_path (path);
  g_autoptr (GInputStream) in = G_INPUT_STREAM (g_file_read (f, NULL, NULL));
  guint8 buf[65536];
  gssize n;
  g_assert_nonnull (in);
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_checksum_update (sum, buf, n);
  g_assert_cmpint (n, ==, 0);
  return g_strdup (g_checksum_get_string (sum));
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (300000, 1);
  g_autoptr (GBytes) playlist = g_bytes_new_static ("#EXTM3U\n", 8);
  g_autoptr (GBytes) got = NULL;
  g_autofree char *md5 = NULL, *etag = NULL, *type = NULL;
  ReelBlobInfo info;

  g_assert_cmpstr (reel_blobs_backend_name (S.blobs), ==, "s3");
  g_assert_true (reel_blobs_put (S.blobs, "videos/rt/720p/1.m4s", all, &error));
  g_assert_no_error (error);
  g_assert_true (reel_blobs_put (S.blobs, "videos/rt/master.m3u8", playlist, &error));
  /* The object gets its media type, for a CDN or public bucket serving it. */
  type = last_header ("videos/rt/master.m3u8", "Content-Type");
  g_assert_cmpstr (type, ==, "application/vnd.apple.mpegurl");

  got = blob_read_range (S.blobs, "videos/rt/720p/1.m4s", 0, 0, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 0, 300000);
  g_clear_pointer (&got, g_bytes_unref);
  got = blob_read_range (S.blobs, "videos/rt/720p/1.m4s", 12345, 100000, &error);
  blob_assert_slice (got, all, 12345, 100000);
  g_clear_pointer (&got, g_bytes_unref);
  /* The Range went to the server: only those bytes crossed the wire. */
  g_free (etag);
  etag = last_header ("videos/rt/720p/1.m4s", "Range");
  g_assert_cmpstr (etag, ==, "bytes=12345-112344");
  g_clear_pointer (&etag, g_free);
  got = blob_read_range (S.blobs, "videos/rt/720p/1.m4s", 299990, 0, &error);
  blob_assert_slice (got, all, 299990, 10);
  g_clear_pointer (&got, g_bytes_unref);
  got = blob_read_range (S.blobs, "videos/rt/720p/1.m4s", 299990, 1000, &error);
  blob_assert_slice (got, all, 299990, 10);
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_null (blob_read_range (S.blobs, "videos/rt/720p/1.m4s", 300000, 10, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "InvalidRange"));
  g_clear_error (&error);

  got = reel_blobs_get (S.blobs, "videos/rt/master.m3u8", 1024, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, playlist));
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_null (reel_blobs_get (S.blobs, "videos/rt/master.m3u8", 7, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_true (reel_blobs_stat (S.blobs, "videos/rt/720p/1.m4s", &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.size, ==, 300000);
  g_assert_cmpint (ABS (info.mtime_s - g_get_real_time () / G_USEC_PER_SEC), <, 3600);
  /* A single PUT's ETag is the MD5 of the content. */
  md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, all);
  etag = g_strdup_printf ("\"%s\"", md5);
  g_assert_cmpstr (info.etag, ==, etag);

  g_assert_true (reel_blobs_delete (S.blobs, "videos/rt/720p/1.m4s", &error));
  g_assert_null (blob_read_range (S.blobs, "videos/rt/720p/1.m4s", 0, 0, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
}

static void
test_missing (void)
{
  g_autoptr (GError) error = NULL;
  ReelBlobInfo info;

  g_assert_null (blob_read_range (S.blobs, "videos/none/1.m4s", 0, 0, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  /* S3's own error code is in the message. */
  g_assert_nonnull (strstr (error->message, "NoSuchKey"));
  g_assert_nonnull (strstr (error->message, "videos/none/1.m4s"));
  g_clear_error (&error);
  g_assert_false (reel_blobs_stat (S.blobs, "videos/none/1.m4s", &info, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Deleting what is not there is fine, as on the filesystem. */
  g_assert_true (reel_blobs_delete (S.blobs, "videos/none/1.m4s", &error));
  g_assert_no_error (error);
  /* No local files on S3. */
  g_assert_null (reel_blobs_local_path (S.blobs, "videos/none/1.m4s", &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* An empty object reads as empty (a Range of it would be unsatisfiable). */
  {
    g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
    g_autoptr (GBytes) got = NULL;
    g_assert_true (reel_blobs_put (S.blobs, "videos/none/empty", empty, &error));
    got = reel_blobs_get (S.blobs, "videos/none/empty", 100, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
  }
}

static gboolean
collect (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  g_assert_cmpint (mtime_s, >, 0);
  g_ptr_array_add (data, g_strdup_printf ("%s=%" G_GUINT64_FORMAT, key, size));
  return TRUE;
}

static gboolean
stop_after_five (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  return ++*(guint *)data < 5;
}

static void
test_list_pages (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  guint calls = 0;

  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *key = g_strdup_printf ("videos/ls/360p/%02u.m4s", i);
      g_autoptr (GBytes) b = blob_pattern (100 + i, i);
      g_assert_true (reel_blobs_put (S.blobs, key, b, &error));
    }
  {
    g_autoptr (GBytes) other = g_bytes_new_static ("x", 1);
    g_assert_true (reel_blobs_put (S.blobs, "videos/lsx/other", other, &error));
  }
  reel_blobs_list (S.blobs, "videos/ls/", collect, keys, &error);
  g_assert_no_error (error);
  /* Eleven keys in pages of four: three requests, two continuation tokens. */
  g_assert_cmpuint (keys->len, ==, 11);
  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *want = g_strdup_printf ("videos/ls/360p/%02u.m4s=%u", i, 100 + i);
      g_assert_cmpstr (keys->pdata[i], ==, want);
    }
  g_assert_cmpuint (count_requests ("GET", "continuation-token=", 200), ==, 2);
  /* Stopping early stops the paging too. */
  g_assert_true (reel_blobs_list (S.blobs, "videos/ls/", stop_after_five, &calls, &error));
  g_assert_cmpuint (calls, ==, 5);
  g_assert_cmpuint (count_requests ("GET", "continuation-token=", 200), ==, 3);
}

/* A 40 MiB file in 5 MiB parts, read back byte-identical by reel and by awscli. */
static void
test_multipart (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = g_build_filename (S.tmp, "original.mp4", NULL);
  g_autofree char *back = g_build_filename (S.tmp, "back.mp4", NULL);
  g_autofree char *via_aws = g_build_filename (S.tmp, "aws.mp4", NULL);
  g_autofree char *want = NULL, *got = NULL, *got_aws = NULL, *listing = NULL;
  g_autofree char *s3_uri = g_strdup_printf ("s3://%s/originals/mp40", BUCKET);
  g_autofree char *ls_line = NULL;
  guint64 size = (guint64)40 << 20;
  ReelBlobInfo info;
  int status;

  {
    g_autoptr (GFile) f = g_file_new_for_path (src);
    g_autoptr (GFileOutputStream) out = g_file_replace (f, NULL, FALSE, 0, NULL, &error);
    for (guint i = 0; i < 40; i++)
      {
        g_autoptr (GBytes) mib = blob_pattern (1 << 20, i);
        g_assert_true (g_output_stream_write_bytes (G_OUTPUT_STREAM (out), mib, NULL, &error)
                       == 1 << 20);
      }
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  }
  want = file_sha256 (src);

  g_assert_true (reel_blobs_put_file (S.blobs, "originals/mp40", src, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (src, G_FILE_TEST_EXISTS)); /* moved into the store */
  /* Create, eight parts of 5 MiB, complete. */
  g_assert_cmpuint (count_requests ("POST", "originals/mp40?uploads=", 200), ==, 1);
  g_assert_cmpuint (count_requests ("PUT", "originals/mp40?partNumber=", 200), ==, 8);
  g_assert_cmpuint (count_requests ("PUT", "partNumber=8&uploadId=", 200), ==, 1);
  g_assert_cmpuint (count_requests ("POST", "originals/mp40?uploadId=", 200), ==, 1);

  g_assert_true (reel_blobs_stat (S.blobs, "originals/mp40", &info, &error));
  g_assert_cmpuint (info.size, ==, size);

  {
    g_autoptr (GFile) f = g_file_new_for_path (back);
    g_autoptr (GFileOutputStream) out = g_file_replace (f, NULL, FALSE, 0, NULL, &error);
    g_assert_true (
        reel_blobs_read (S.blobs, "originals/mp40", 0, 0, G_OUTPUT_STREAM (out), NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  }
  got = file_sha256 (back);
  g_assert_cmpstr (got, ==, want);

  {
    const char *ls[] = { "s3", "ls", "--recursive", "s3://" BUCKET "/originals/", NULL };
    const char *cp[] = { "s3", "cp", "--only-show-errors", s3_uri, via_aws, NULL };
    listing = reel_test_aws (S.s3, REGION, ls, &status);
    g_assert_cmpint (status, ==, 0);
    ls_line = g_strdup_printf (" %" G_GUINT64_FORMAT " originals/mp40\n", size);
    g_assert_nonnull (strstr (listing, ls_line));
    g_free (reel_test_aws (S.s3, REGION, cp, &status));
    g_assert_cmpint (status, ==, 0);
  }
  got_aws = file_sha256 (via_aws);
  g_assert_cmpstr (got_aws, ==, want);
  g_unlink (back);
  g_unlink (via_aws);
}

/* A part refused: the upload is aborted, nothing is stored, the file stays. */
static void
test_multipart_abort (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = g_build_filename (S.tmp, "aborted.mp4", NULL);
  g_autoptr (GBytes) all = blob_pattern ((12 << 20) + 5, 11);
  ReelBlobInfo info;

  g_assert_true (
      g_file_set_contents (src, g_bytes_get_data (all, NULL), g_bytes_get_size (all), NULL));
  reel_test_s3_proxy_fault (S.proxy,
                            "status?n=1&code=403&s3code=AccessDenied&match=partNumber%3D2%26");
  g_assert_false (reel_blobs_put_file (S.blobs, "originals/aborted", src, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "AccessDenied"));
  g_clear_error (&error);
  /* Part 1 went up, part 2 was refused, part 3 never sent; then an abort. */
  g_assert_cmpuint (count_requests ("PUT", "originals/aborted?partNumber=1&", 200), ==, 1);
  g_assert_cmpuint (count_requests ("PUT", "originals/aborted?partNumber=2&", 403), ==, 1);
  g_assert_cmpuint (count_requests ("PUT", "originals/aborted?partNumber=3&", 0), ==, 0);
  g_assert_cmpuint (count_requests ("POST", "originals/aborted?uploadId=", 0), ==, 0);
  g_assert_cmpuint (count_requests ("DELETE", "originals/aborted?uploadId=", 0), ==, 1);
  g_assert_true (g_file_test (src, G_FILE_TEST_EXISTS));
  g_assert_false (reel_blobs_stat (S.blobs, "originals/aborted", &info, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_unlink (src);
}

/* The other way: what awscli stores, reel reads and lists. */
static void
test_awscli_to_reel (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = g_build_filename (S.tmp, "poster.jpg", NULL);
  g_autoptr (GBytes) all = blob_pattern (70000, 9);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  const char *cp[]
      = { "s3", "cp", "--only-show-errors", src, "s3://" BUCKET "/videos/aws/poster.jpg", NULL };
  int status;

  g_assert_true (g_file_set_contents (src, g_bytes_get_data (all, NULL), 70000, NULL));
  g_free (reel_test_aws (S.s3, REGION, cp, &status));
  g_assert_cmpint (status, ==, 0);
  got = blob_read_range (S.blobs, "videos/aws/poster.jpg", 0, 0, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 0, 70000);
  g_assert_true (reel_blobs_list (S.blobs, "videos/aws/", collect, keys, &error));
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (keys->pdata[0], ==, "videos/aws/poster.jpg=70000");
  g_unlink (src);
}

/* GET url with libsoup (as GStreamer's souphttpsrc reads), optionally
 * with a Range header; returns the body and sets *status. */
static GBytes *
soup_get (const char *url, const char *range, guint *status)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  GBytes *body;
  g_assert_nonnull (msg);
  if (range)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return body;
}

/* A presigned URL reads the object with no credentials, whole or with
 * Range, as souphttpsrc asks for it. */
static void
test_presign (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (50000, 4);
  g_autoptr (GBytes) whole = NULL, part = NULL;
  g_autofree char *url = NULL, *prefix = NULL;
  guint status;

  g_assert_true (reel_blobs_put (S.blobs, "originals/presigned", all, &error));
  url = reel_blobs_presign (S.blobs, "originals/presigned", 600, &error);
  g_assert_no_error (error);
  prefix = g_strdup_printf ("%s/" BUCKET "/originals/presigned?X-Amz-Algorithm=", S.proxy->url);
  g_assert_true (g_str_has_prefix (url, prefix));
  whole = soup_get (url, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  blob_assert_slice (whole, all, 0, 50000);
  part = soup_get (url, "bytes=1000-1999", &status);
  g_assert_cmpuint (status, ==, 206);
  blob_assert_slice (part, all, 1000, 1000);
  /* Both fetches were recorded; check_sigv4.py verifies them at the end. */
  g_assert_cmpuint (count_requests ("GET", "originals/presigned?X-Amz-Algorithm=", 0), ==, 2);
}

/* A server answering 503 SlowDown a few times: the call succeeds after backoff. */
static void
test_retry_503 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (10000, 5);
  g_autoptr (GBytes) got = NULL;

  reel_test_s3_proxy_fault (S.proxy, "status?n=3&code=503");
  g_assert_true (reel_blobs_put (S.blobs, "videos/retry/1.m4s", all, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_requests ("PUT", "videos/retry/1.m4s", 503), ==, 3);
  g_assert_cmpuint (count_requests ("PUT", "videos/retry/1.m4s", 200), ==, 1);

  reel_test_s3_proxy_fault (S.proxy, "status?n=2&code=500");
  got = blob_read_range (S.blobs, "videos/retry/1.m4s", 0, 0, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 0, 10000);
  g_assert_cmpuint (count_requests ("GET", "videos/retry/1.m4s", 500), ==, 2);
}

/* Retries are bounded, and an error that retrying cannot fix is not retried. */
static void
test_retry_bounds (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (100, 6);

  reel_test_s3_proxy_fault (S.proxy, "status?n=100&code=500");
  g_assert_false (reel_blobs_put (S.blobs, "videos/bounded/1.m4s", all, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "InternalError"));
  g_assert_nonnull (strstr (error->message, "after 8 attempts"));
  g_clear_error (&error);
  g_assert_cmpuint (count_requests ("PUT", "videos/bounded/1.m4s", 500), ==, 8);
  reel_test_s3_proxy_fault (S.proxy, "reset");

  reel_test_s3_proxy_fault (S.proxy, "status?n=1&code=403&s3code=AccessDenied");
  g_assert_false (reel_blobs_put (S.blobs, "videos/bounded/2.m4s", all, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "AccessDenied"));
  g_assert_cmpuint (count_requests ("PUT", "videos/bounded/2.m4s", 0), ==, 1);
}

/* An answer cut off midway: the rest is fetched with Range, from where it stopped. */
static void
test_resume_cut (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) all = blob_pattern (400000, 7);
  g_autoptr (GBytes) got = NULL;
  g_autofree char *range = NULL;

  g_assert_true (reel_blobs_put (S.blobs, "videos/cut/1.m4s", all, &error));
  reel_test_s3_proxy_fault (S.proxy, "cut?n=1&after=131072");
  got = blob_read_range (S.blobs, "videos/cut/1.m4s", 0, 0, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 0, 400000);
  g_assert_cmpuint (count_requests ("GET", "videos/cut/1.m4s", 200), ==, 1);
  g_assert_cmpuint (count_requests ("GET", "videos/cut/1.m4s", 206), ==, 1);
  range = last_header ("videos/cut/1.m4s", "Range");
  g_assert_cmpstr (range, ==, "bytes=131072-");
  g_clear_pointer (&range, g_free);
  g_clear_pointer (&got, g_bytes_unref);

  /* The same inside a range: the remainder of that range only. */
  reel_test_s3_proxy_fault (S.proxy, "cut?n=1&after=65536");
  got = blob_read_range (S.blobs, "videos/cut/1.m4s", 1000, 200000, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 1000, 200000);
  range = last_header ("videos/cut/1.m4s", "Range");
  g_assert_cmpstr (range, ==, "bytes=66536-200999");
}

typedef struct
{
  ReelBlobs *blobs;
  GBytes *data;
  gboolean ok;
  GError *error;
} PutJob;

static gpointer
put_thread (gpointer data)
{
  PutJob *j = data;
  j->ok = reel_blobs_put (j->blobs, "videos/restart/1.m4s", j->data, &j->error);
  return NULL;
}

/* The server down, then up again while a call waits: the call succeeds. */
static void
test_retry_restart (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *direct_url = g_strdup (S.s3->url);
  g_autoptr (ReelBlobs) direct = open_blobs (direct_url, TRUE);
  g_autoptr (GBytes) all = blob_pattern (20000, 8);
  g_autoptr (GBytes) got = NULL;
  PutJob job = { direct, all, FALSE, NULL };
  GThread *t;

  reel_test_s3_pause (S.s3);
  g_assert_false (reel_test_port_open (S.s3->port));
  t = g_thread_new ("put", put_thread, &job);
  /* Long enough for a few refused connections and backoffs. */
  g_usleep (G_USEC_PER_SEC);
  reel_test_s3_resume (S.s3);
  g_thread_join (t);
  g_assert_no_error (job.error);
  g_assert_true (job.ok);
  got = blob_read_range (direct, "videos/restart/1.m4s", 0, 0, &error);
  g_assert_no_error (error);
  blob_assert_slice (got, all, 0, 20000);
}

/* Virtual-host style: BUCKET.s3.localhost:PORT/KEY. */
static void
test_vhost (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *endpoint = g_strdup_printf ("http://s3.localhost:%u", S.proxy->port);
  g_autoptr (ReelBlobs) vhost = open_blobs (endpoint, FALSE);
  g_autoptr (GBytes) all = blob_pattern (3000, 10);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *host = NULL, *want_host = NULL;

  g_assert_true (reel_blobs_put (vhost, "videos/vhost/1.m4s", all, &error));
  g_assert_no_error (error);
  host = last_header ("/videos/vhost/1.m4s", "Host");
  want_host = g_strdup_printf (BUCKET ".s3.localhost:%u", S.proxy->port);
  g_assert_cmpstr (host, ==, want_host);
  /* The bucket is in the host, not the path. */
  g_assert_cmpuint (count_requests ("PUT", "/" BUCKET "/videos/vhost/", 0), ==, 0);
  got = blob_read_range (vhost, "videos/vhost/1.m4s", 100, 200, &error);
  blob_assert_slice (got, all, 100, 200);
  g_assert_true (reel_blobs_list (vhost, "videos/vhost/", collect, keys, &error));
  g_assert_cmpuint (keys->len, ==, 1);
  /* And the same object through path style. */
  g_clear_pointer (&got, g_bytes_unref);
  got = blob_read_range (S.blobs, "videos/vhost/1.m4s", 0, 0, &error);
  blob_assert_slice (got, all, 0, 3000);
}

#define THREADS 4
#define PER_THREAD 10

static gpointer
busy_thread (gpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  for (guint i = 0; i < PER_THREAD; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *key = g_strdup_printf ("videos/threads/%u/%u.m4s", n, i);
      g_autoptr (GBytes) all = blob_pattern (5000 + i, n * 100 + i);
      g_autoptr (GBytes) got = NULL;
      if (!reel_blobs_put (S.blobs, key, all, &error)
          || !(got = blob_read_range (S.blobs, key, 0, 0, &error)) || !g_bytes_equal (got, all))
        return g_strdup_printf ("%s: %s", key, error ? error->message : "different bytes");
    }
  return NULL;
}

/* One ReelBlobs used from several threads at once. */
static void
test_threads (void)
{
  GThread *threads[THREADS];
  for (guint i = 0; i < THREADS; i++)
    threads[i] = g_thread_new ("blobs", busy_thread, GUINT_TO_POINTER (i));
  for (guint i = 0; i < THREADS; i++)
    {
      g_autofree char *failure = g_thread_join (threads[i]);
      g_assert_null (failure);
    }
}

/* Every request reel sent, recomputed by botocore: GET, HEAD, PUT, POST,
 * DELETE, multipart, presigned; and none passes under a wrong secret. */
static void
test_signatures (void)
{
  g_autofree char *out = NULL, *wrong = NULL;
  int status;

  out = reel_test_s3_proxy_check_signatures (S.proxy, REEL_TEST_S3_ACCESS_KEY,
                                             REEL_TEST_S3_SECRET_KEY, REGION, &status);
  g_test_message ("%s", out);
  g_assert_cmpint (status, ==, 0);
  g_assert_null (strstr (out, "FAIL"));
  g_assert_null (strstr (out, "unsigned"));
  for (guint i = 0; i < 6; i++)
    {
      const char *kinds[] = { "GET ", "HEAD ", "PUT ", "POST ", "DELETE ", "presigned " };
      if (!strstr (out, kinds[i]))
        g_error ("no verified %srequest in: %s", kinds[i], out);
    }
  g_assert_nonnull (strstr (out, "multipart "));

  wrong = reel_test_s3_proxy_check_signatures (S.proxy, REEL_TEST_S3_ACCESS_KEY, "not-the-secret",
                                               REGION, &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (wrong, "FAIL PUT"));
  g_assert_nonnull (strstr (wrong, "presigned signature"));
}

/* Reads a whole local file, asserting it exists. */
static GBytes *
file_bytes (const char *path)
{
  char *text = NULL;
  gsize n = 0;
  g_assert_true (g_file_get_contents (path, &text, &n, NULL));
  return g_bytes_new_take (text, n);
}

/* Sets a file's times back by age_s seconds. */
static void
age_file (const char *path, gint64 age_s)
{
  struct utimbuf t;
  t.actime = t.modtime = (time_t)(g_get_real_time () / G_USEC_PER_SEC - age_s);
  g_assert_cmpint (g_utime (path, &t), ==, 0);
}

/* The local copies of originals a worker reads on S3 (store/blob_cache.c):
 * one streamed GET per blob and ETag, the same copy for the next job, a
 * new one when the blob changed, and copies not in use evicted past the
 * bound while the one just fetched and a recently used one stay. */
static void
test_cache (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (S.tmp, "cache", NULL);
  g_autoptr (GBytes) first = blob_pattern (200000, 21);
  g_autoptr (GBytes) second = blob_pattern (150000, 22);
  g_autoptr (GBytes) other = blob_pattern (120000, 23);
  g_autofree char *a = NULL, *again = NULL, *changed = NULL, *b = NULL;
  guint gets;

  g_assert_true (reel_blobs_put (S.blobs, "originals/cached", first, &error));
  g_assert_true (reel_blobs_put (S.blobs, "originals/cached-too", other, &error));
  g_assert_no_error (error);
  gets = count_requests ("GET", "originals/cached", 0);
  a = reel_blob_cache_file (S.blobs, dir, "originals/cached", 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (a, dir));
  {
    g_autoptr (GBytes) got = file_bytes (a);
    blob_assert_slice (got, first, 0, 200000);
  }
  g_assert_cmpuint (count_requests ("GET", "originals/cached", 0), ==, gets + 1);

  /* The next job reads the same copy: no second GET. */
  again = reel_blob_cache_file (S.blobs, dir, "originals/cached", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, a);
  g_assert_cmpuint (count_requests ("GET", "originals/cached", 0), ==, gets + 1);

  /* A replaced blob has another ETag, so another copy. */
  g_assert_true (reel_blobs_put (S.blobs, "originals/cached", second, &error));
  changed = reel_blob_cache_file (S.blobs, dir, "originals/cached", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (changed, !=, a);
  {
    g_autoptr (GBytes) got = file_bytes (changed);
    blob_assert_slice (got, second, 0, 150000);
  }

  /* Past a bound of one copy: the stale copy long unused goes, the copy
   * used a moment ago stays (a job may be reading it), and so does the
   * one just fetched. */
  age_file (a, 2 * 24 * 3600);
  b = reel_blob_cache_file (S.blobs, dir, "originals/cached-too", 100000, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (a, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (changed, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (b, G_FILE_TEST_EXISTS));

  /* Absent blobs say so. */
  g_assert_null (reel_blob_cache_file (S.blobs, dir, "originals/never", 0, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  int rc;
  g_test_init (&argc, &argv, NULL);
  S.s3 = reel_test_s3_start (BUCKET);
  S.proxy = reel_test_s3_proxy_start (S.s3->port);
  S.blobs = open_blobs (S.proxy->url, TRUE);
  S.tmp = reel_test_tmpdir ();

  g_test_add_func ("/s3/round-trip", test_round_trip);
  g_test_add_func ("/s3/missing", test_missing);
  g_test_add_func ("/s3/list-pages", test_list_pages);
  g_test_add_func ("/s3/multipart", test_multipart);
  g_test_add_func ("/s3/multipart-abort", test_multipart_abort);
  g_test_add_func ("/s3/awscli-to-reel", test_awscli_to_reel);
  g_test_add_func ("/s3/presign", test_presign);
  g_test_add_func ("/s3/retry-503", test_retry_503);
  g_test_add_func ("/s3/retry-bounds", test_retry_bounds);
  g_test_add_func ("/s3/resume-cut", test_resume_cut);
  g_test_add_func ("/s3/retry-restart", test_retry_restart);
  g_test_add_func ("/s3/vhost", test_vhost);
  g_test_add_func ("/s3/threads", test_threads);
  g_test_add_func ("/s3/cache", test_cache);
  g_test_add_func ("/s3/signatures", test_signatures);
  rc = g_test_run ();

  reel_blobs_close (S.blobs);
  reel_test_s3_proxy_stop (S.proxy);
  reel_test_s3_stop (S.s3);
  reel_test_rmtree (S.tmp);
  g_free (S.tmp);
  return rc;
}
