/* Integration tests of uploads (issue 3, upload half): tus 1.0.0 against a
 * real reeld, including a PATCH cut off mid-body and a reeld restart in the
 * middle of an upload; the stored original must be byte-identical.
 *
 *   /uploads/tus-resume    create, patch, cut, restart, resume, checksum
 *   /uploads/errors        auth, ownership, versions, sizes, types, offsets
 *   /uploads/terminate     DELETE abandons an upload and its bytes
 *   /videos/multipart      one-shot curl-style upload */
#include "harness.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

static const char *PASSWORD = "correct horse battery";

static GBytes *
make_payload (gsize n)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  guint8 *p = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)g_rand_int (rand);
  return g_bytes_new_take (p, n);
}

static guint64
head_offset (guint16 port, const char *token, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  const char *h[] = { "Tus-Resumable", "1.0.0", NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "HEAD", path, token, h, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (reel_test_header (r, "Cache-Control"), ==, "no-store");
  g_assert_nonnull (reel_test_header (r, "Upload-Offset"));
  return g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10);
}

/* Sends a PATCH announcing len bytes but sends only part, then hangs up:
 * what a phone losing its connection does. */
static void
patch_cut (guint16 port, const char *token, const char *id, guint64 offset, const guint8 *data,
           gsize len, gsize sent)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autofree char *head = g_strdup_printf (
      "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Tus-Resumable: 1.0.0\r\nUpload-Offset: %" G_GUINT64_FORMAT "\r\n"
      "Content-Type: application/offset+octet-stream\r\nContent-Length: %zu\r\n\r\n",
      id, token, offset, len);
  g_assert_nonnull (conn);
  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL));
  g_assert_true (g_output_stream_write_all (out, data, sent, NULL, NULL, NULL));
  g_assert_true (g_output_stream_flush (out, NULL, NULL));
  g_usleep (200 * 1000);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
}

static char *
checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static void
test_tus_resume (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "uma", PASSWORD);
  const gsize N = 3 * 1024 * 1024 + 17, MB = 1024 * 1024;
  g_autoptr (GBytes) payload = make_payload (N);
  const guint8 *data = g_bytes_get_data (payload, NULL);
  g_autofree char *id = reel_test_tus_create (d->port, token, N, "Holiday in Åre");
  g_autofree char *want = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *video_path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autofree char *blob = NULL, *got = NULL;
  guint64 offset;

  {
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", video_path, NULL, NULL, 0);
    g_assert_cmpuint (v->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "uploading");
    g_assert_cmpstr (reel_test_json_str (v, "title"), ==, "Holiday in Åre");
    g_assert_cmpstr (reel_test_json_str (v, "owner"), ==, "uma");
  }
  g_assert_cmpuint (head_offset (d->port, token, id), ==, 0);
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id, 0, data, MB);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpstr (reel_test_header (r, "Upload-Offset"), ==, "1048576");
  }
  g_assert_cmpuint (head_offset (d->port, token, id), ==, MB);
  {
    /* A stale offset is refused and changes nothing. */
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id, 0, data, 1000);
    g_assert_cmpuint (r->status, ==, 409);
    g_assert_cmpuint (head_offset (d->port, token, id), ==, MB);
  }

  /* The connection drops half-way through the second megabyte. */
  patch_cut (d->port, token, id, MB, data + MB, MB, MB / 2);
  offset = head_offset (d->port, token, id);
  g_assert_cmpuint (offset, >=, MB);
  g_assert_cmpuint (offset, <=, MB + MB / 2);

  /* reeld restarts in the middle of the upload. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  d = reel_test_reeld_start (dir, nats->url, NULL);
  g_assert_cmpuint (head_offset (d->port, token, id), ==, offset);

  /* Resume from wherever the server says, in two pieces. */
  {
    gsize mid = offset + (N - offset) / 2;
    g_autoptr (ReelTestResponse) r1
        = reel_test_tus_patch (d->port, token, id, offset, data + offset, mid - offset);
    g_assert_cmpuint (r1->status, ==, 204);
    g_autoptr (ReelTestResponse) r2
        = reel_test_tus_patch (d->port, token, id, mid, data + mid, N - mid);
    g_assert_cmpuint (r2->status, ==, 204);
    g_autofree char *n = g_strdup_printf ("%zu", N);
    g_assert_cmpstr (reel_test_header (r2, "Upload-Offset"), ==, n);
  }
  {
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", video_path, NULL, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "processing");
  }
  g_assert_cmpuint (head_offset (d->port, token, id), ==, N);
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id, N, data, 1);
    g_assert_cmpuint (r->status, ==, 409);
  }
  blob = g_build_filename (dir, "blobs", "originals", id, NULL);
  got = checksum_file (blob);
  g_assert_cmpstr (got, ==, want);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
expect (ReelTestResponse *r, guint status, const char *code)
{
  if (r->status != status)
    g_printerr ("got %u %s\n", r->status, r->body ? r->body : "");
  g_assert_cmpuint (r->status, ==, status);
  if (code)
    g_assert_cmpstr (reel_test_error_code (r), ==, code);
  reel_test_response_free (r);
}

static void
test_errors (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autofree char *owner = reel_test_register_login (d->port, "vera", PASSWORD);
  g_autofree char *other = reel_test_register_login (d->port, "walt", PASSWORD);
  g_autofree char *id = reel_test_tus_create (d->port, owner, 1000, "mine");
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_autofree char *long_title = g_strnfill (201, 'x');
  g_autofree char *long_meta = NULL,
                  *t = g_base64_encode ((const guchar *)long_title, strlen (long_title));
  const char *tus[] = { "Tus-Resumable", "1.0.0", NULL };
  const char *no_version[] = { "Upload-Length", "10", NULL };
  const char *too_big[] = { "Tus-Resumable", "1.0.0", "Upload-Length", "17179869185", NULL };
  const char *bad_len[] = { "Tus-Resumable", "1.0.0", "Upload-Length", "-5", NULL };
  const char *empty[] = { "Tus-Resumable", "1.0.0", "Upload-Length", "0", NULL };
  const char *bad_meta[]
      = { "Tus-Resumable",      "1.0.0", "Upload-Length", "10", "Upload-Metadata",
          "title %%%notbase64", NULL };
  const char *at0[] = { "Tus-Resumable", "1.0.0", "Upload-Offset", "0", NULL };
  guint8 bytes[2000] = { 0 };

  long_meta = g_strdup_printf ("title %s", t);
  const char *long_title_h[]
      = { "Tus-Resumable", "1.0.0", "Upload-Length", "10", "Upload-Metadata", long_meta, NULL };

  expect (reel_test_http_full (d->port, "POST", "/api/v1/uploads", NULL, too_big, NULL, NULL, 0),
          401, "unauthorized");
  expect (
      reel_test_http_full (d->port, "POST", "/api/v1/uploads", owner, no_version, NULL, NULL, 0),
      412, "unsupported_version");
  expect (reel_test_http_full (d->port, "POST", "/api/v1/uploads", owner, too_big, NULL, NULL, 0),
          413, "too_large");
  expect (reel_test_http_full (d->port, "POST", "/api/v1/uploads", owner, bad_len, NULL, NULL, 0),
          400, "invalid_request");
  expect (reel_test_http_full (d->port, "POST", "/api/v1/uploads", owner, empty, NULL, NULL, 0),
          400, "invalid_request");
  expect (reel_test_http_full (d->port, "POST", "/api/v1/uploads", owner, bad_meta, NULL, NULL, 0),
          400, "invalid_request");
  expect (
      reel_test_http_full (d->port, "POST", "/api/v1/uploads", owner, long_title_h, NULL, NULL, 0),
      400, "invalid_request");

  /* Someone else's upload: not theirs to read, write or delete. */
  expect (reel_test_http_full (d->port, "HEAD", path, other, tus, NULL, NULL, 0), 403, NULL);
  expect (reel_test_http_full (d->port, "PATCH", path, other, at0,
                               "application/offset+octet-stream", bytes, 10),
          403, "forbidden");
  expect (reel_test_http_full (d->port, "DELETE", path, other, tus, NULL, NULL, 0), 403,
          "forbidden");
  expect (reel_test_http_full (d->port, "PATCH", path, NULL, at0, "application/offset+octet-stream",
                               bytes, 10),
          401, "unauthorized");
  /* Unknown or malformed ids. */
  expect (reel_test_http_full (d->port, "HEAD", "/api/v1/uploads/AAAAAAAAAAA", owner, tus, NULL,
                               NULL, 0),
          404, NULL);
  expect (reel_test_http_full (d->port, "PATCH", "/api/v1/uploads/..%2e..", owner, at0,
                               "application/offset+octet-stream", bytes, 10),
          404, "not_found");
  expect (reel_test_http (d->port, "GET", "/api/v1/videos/nope", NULL, NULL, 0), 404, "not_found");
  /* Wrong body type, and a body past Upload-Length. */
  expect (reel_test_http_full (d->port, "PATCH", path, owner, at0, "application/json", bytes, 10),
          415, "unsupported_media_type");
  expect (reel_test_http_full (d->port, "PATCH", path, owner, at0,
                               "application/offset+octet-stream", bytes, 1001),
          413, "too_large");
  /* Nothing was written by any of that. */
  g_assert_cmpuint (head_offset (d->port, owner, id), ==, 0);
  {
    g_autoptr (ReelTestResponse) ok = reel_test_tus_patch (d->port, owner, id, 0, bytes, 1000);
    g_assert_cmpuint (ok->status, ==, 204);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
test_terminate (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "xena", PASSWORD);
  g_autofree char *id = reel_test_tus_create (d->port, token, 5000, "abandoned");
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_autofree char *video = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autofree char *part = NULL;
  const char *tus[] = { "Tus-Resumable", "1.0.0", NULL };
  guint8 bytes[1000] = { 1 };

  {
    g_autoptr (ReelTestResponse) r
        = reel_test_tus_patch (d->port, token, id, 0, bytes, sizeof bytes);
    g_assert_cmpuint (r->status, ==, 204);
  }
  part = g_strdup_printf ("%s/uploads/%s.part", dir, id);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  expect (reel_test_http_full (d->port, "DELETE", path, token, tus, NULL, NULL, 0), 204, NULL);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  expect (reel_test_http (d->port, "GET", video, NULL, NULL, 0), 404, "not_found");
  expect (reel_test_http_full (d->port, "HEAD", path, token, tus, NULL, NULL, 0), 404, NULL);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
test_multipart (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "yuki", PASSWORD);
  g_autoptr (GBytes) payload = make_payload (200000);
  g_autoptr (SoupMultipart) mp = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *want = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *blob = NULL, *got = NULL, *vpath = NULL;
  SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autofree char *ctype = NULL;

  mp = soup_multipart_new ("multipart/form-data");
  soup_multipart_append_form_string (mp, "title", "From curl");
  soup_multipart_append_form_string (mp, "description", "line one\nline two");
  soup_multipart_append_form_file (mp, "file", "clip.mp4", "video/mp4", payload);
  soup_multipart_to_message (mp, h, &body);
  ctype = g_strdup (soup_message_headers_get_one (h, "Content-Type"));
  soup_message_headers_unref (h);

  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (d->port, "POST", "/api/v1/videos", token, NULL, ctype,
                             g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpuint (r->status, ==, 201);
  const char *id = reel_test_json_str (r, "id");
  g_assert_nonnull (id);
  g_assert_cmpstr (reel_test_header (r, "Reel-Video-Id"), ==, id);
  vpath = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", vpath, NULL, NULL, 0);
  g_assert_cmpuint (v->status, ==, 200);
  g_assert_cmpstr (reel_test_json_str (v, "title"), ==, "From curl");
  g_assert_cmpstr (reel_test_json_str (v, "description"), ==, "line one\nline two");
  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "processing");
  blob = g_build_filename (dir, "blobs", "originals", id, NULL);
  got = checksum_file (blob);
  g_assert_cmpstr (got, ==, want);

  /* Without a login, or without a file part. */
  expect (reel_test_http_full (d->port, "POST", "/api/v1/videos", NULL, NULL, ctype,
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body)),
          401, "unauthorized");
  expect (
      reel_test_http_full (d->port, "POST", "/api/v1/videos", token, NULL, "text/plain", "x", 1),
      400, "invalid_request");

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/uploads/tus-resume", test_tus_resume);
  g_test_add_func ("/uploads/errors", test_errors);
  g_test_add_func ("/uploads/terminate", test_terminate);
  g_test_add_func ("/videos/multipart", test_multipart);
  return g_test_run ();
}
