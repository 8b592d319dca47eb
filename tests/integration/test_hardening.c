/* Integration tests of hostile input at the HTTP edge (issue 11), against a
 * real reeld:
 *
 *   /hardening/nested-json        200 KB of nested "[" to every route that takes
 *                                 JSON (from data/openapi.yaml) -> 4xx; reeld lives
 *   /hardening/limits             query strings, headers and multipart shapes
 *                                 past their bounds -> 400 with the error object
 *   /hardening/early-refusal      anonymous 200 MiB multipart and tus bodies get
 *                                 401 after the headers alone; oversize JSON 413
 *   /hardening/multipart-streams  a one-shot upload reaches the disk while it
 *                                 arrives, and is stored byte for byte
 *   /hardening/idempotency        one Idempotency-Key, one comment
 *   /hardening/method-label       made-up methods count as "other" in /metrics
 *   /hardening/client-gone        a request its client left halfway counts as
 *                                 499 in /metrics, not 500
 *   /hardening/live-slot          one account never holds more than one slot
 *   /hardening/upload-cap         uploads per user at once; a stalled PATCH is
 *                                 taken over after uploads.lock_timeout_seconds
 *   /hardening/completion-window  reeld killed between the rename of a finished
 *                                 upload and video.uploaded: HEAD or PATCH after
 *                                 the restart gets the video processed
 *   /hardening/sweep              upload records without bytes, leftover temp and
 *                                 work files and expired sessions are removed
 *
 * One binary: idempotency, method-label, client-gone and live-slot are in
 * hardening_requests.c, upload-cap, completion-window and sweep in
 * hardening_uploads.c; what they share in hardening_common.h. */
#include "hardening_common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/types.h>
#include <utime.h>

/* In hardening_requests.c and hardening_uploads.c. */
void test_idempotency (void);
void test_method_label (void);
void test_client_gone (void);
void test_live_slot (void);
void test_upload_cap (void);
void test_completion_window (void);
void test_sweep (void);

/* --- acceptance 1: nested JSON everywhere --- */

static char *
fill_path (const char *pattern)
{
  g_autoptr (GString) out = g_string_new (pattern);
  struct
  {
    const char *param, *value;
  } values[] = { { "{id}", shared.video_id },
                 { "{cid}", "AAAAAAAAAAA" },
                 { "{username}", "hana" },
                 { "{channel}", "hana" },
                 { "{video}", shared.video_id } };
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_string_replace (out, values[i].param, values[i].value, 0);
  g_assert_null (strchr (out->str, '{'));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_nested_json (void)
{
  ReelTestReeld *d = shared_reeld ();
  g_autofree char *yaml
      = g_build_filename (reel_test_env ("REEL_TEST_DATA_DIR"), "openapi.yaml", NULL);
  g_autofree char *tool = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                            "tools", "json_routes.py", NULL);
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"), tool, yaml, NULL };
  int status = -1;
  g_autofree char *out = reel_test_run (argv, &status);
  g_auto (GStrv) lines = NULL;
  const gsize N = 200 * 1024;
  g_autofree char *nested = g_strnfill (N, '[');
  guint routes = 0;
  gboolean saw_users = FALSE;

  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 3);
      g_autofree char *path = NULL, *what = NULL;
      if (!f[0] || !f[1] || !f[2])
        continue;
      path = fill_path (f[1]);
      what = g_strdup_printf ("%s %s", f[0], path);
      g_autoptr (ReelTestResponse) r = reel_test_http_full (
          d->port, f[0], path, g_str_equal (f[2], "bearer") ? shared.token : NULL, NULL,
          "application/json", nested, N);
      if (r->status < 400 || r->status >= 500)
        g_printerr ("%s: got %u %s\n", what, r->status, r->body ? r->body : "");
      g_assert_cmpuint (r->status, >=, 400);
      g_assert_cmpuint (r->status, <, 500);
      g_assert_nonnull (reel_test_error_code (r));
      saw_users |= g_str_equal (what, "POST /api/v1/users");
      routes++;
      assert_healthy (d);
    }
  /* The document names at least the JSON routes of the day. */
  g_assert_true (saw_users);
  g_assert_cmpuint (routes, >=, 8);
  assert_healthy (d);
}

/* --- bounds on queries, headers and multipart --- */

static void
test_limits (void)
{
  ReelTestReeld *d = shared_reeld ();
  g_autofree char *upload = g_strdup_printf ("/api/v1/uploads/%s", shared.video_id);
  g_autofree char *long_value = g_strnfill (2100, 'q');
  g_autofree char *q_long = g_strdup_printf ("/api/v1/search?q=%s", long_value);
  g_autofree char *filler = g_strnfill (8200, 'a');
  g_autofree char *piece = g_strnfill (2000, 'a');
  g_autofree char *q_total = g_strdup_printf ("/api/v1/search?q=x&a=%s&b=%s&c=%s&d=%s&e=%s", piece,
                                              piece, piece, piece, piece);
  g_autoptr (GString) q_many = g_string_new ("/api/v1/search?q=x");
  g_autoptr (GString) pairs = g_string_new (NULL);
  g_autofree char *digits = g_strnfill (20, '9');
  g_autofree char *long_key = g_strnfill (256, 'k');
  g_autofree char *long_range = g_strdup_printf ("bytes=0-%s", filler + 7900);
  g_autofree char *long_auth = g_strdup_printf ("Bearer %s", filler + 7600);
  gsize len;

  for (guint i = 0; i < 17; i++)
    g_string_append_printf (q_many, "&p%u=1", i);
  for (guint i = 0; i < 17; i++)
    g_string_append_printf (pairs, "%sk%u dg==", i ? "," : "", i);

  /* Query strings: a value, the whole, the number of parameters; and
   * what is within bounds still works. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", q_long, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "long query value");
  }
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", q_total, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "long query");
  }
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", q_many->str, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "many parameters");
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (d->port, "GET", "/api/v1/search?q=target", NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
  }

  /* Headers reel reads. */
  {
    const char *h[] = { "Tus-Resumable", "1.0.0", "Upload-Length", digits, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (d->port, "POST", "/api/v1/uploads", shared.token, h, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "Upload-Length of 20 digits");
  }
  {
    const char *h[]
        = { "Tus-Resumable", "1.0.0", "Upload-Length", "10", "Upload-Metadata", pairs->str, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (d->port, "POST", "/api/v1/uploads", shared.token, h, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "17 metadata pairs");
  }
  {
    const char *h[] = { "Tus-Resumable", "1.0.0", "Upload-Offset", "0x10", NULL };
    g_autoptr (ReelTestResponse) r = reel_test_http_full (
        d->port, "PATCH", upload, shared.token, h, "application/offset+octet-stream", "abc", 3);
    expect_error (r, 400, "invalid_request", "Upload-Offset not decimal");
  }
  {
    const char *h[] = { "Range", long_range, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (d->port, "GET", "/static/reel.css", NULL, h, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "long Range");
  }
  {
    const char *h[] = { "Authorization", long_auth, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (d->port, "GET", "/api/v1/sessions/current", NULL, h, NULL, NULL, 0);
    expect_error (r, 400, "invalid_request", "long Authorization");
  }
  {
    const char *h[] = { "Idempotency-Key", long_key, NULL };
    g_autoptr (ReelTestResponse) r = reel_test_http_full (d->port, "POST", "/api/v1/subscriptions",
                                                          shared.token, h, NULL, "{}", 2);
    expect_error (r, 400, "invalid_request", "long Idempotency-Key");
  }
  {
    const char *h[] = { "Idempotency-Key", "key-\xc3\xa9", NULL };
    g_autoptr (ReelTestResponse) r = reel_test_http_full (d->port, "POST", "/api/v1/subscriptions",
                                                          shared.token, h, NULL, "{}", 2);
    expect_error (r, 400, "invalid_request", "Idempotency-Key not ASCII");
  }

  /* Multipart: too many parts, an oversized part header, an oversized
   * field, a body cut before its end; a good one passes. */
  {
    g_autofree char *body = multipart_body ("b0und", 8, 5, 0, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, shared.token, body, len);
    expect_error (r, 400, "invalid_request", "10 parts");
  }
  {
    g_autofree char *body = multipart_body ("b0und", 0, 5, 9000, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, shared.token, body, len);
    expect_error (r, 400, "invalid_request", "9 KB part header");
  }
  {
    g_autofree char *body = multipart_body ("b0und", 0, 40000, 0, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, shared.token, body, len);
    expect_error (r, 400, "invalid_request", "40 KB title");
  }
  {
    g_autofree char *body = multipart_body ("b0und", 0, 5, 0, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, shared.token, body, len - 12);
    expect_error (r, 400, "invalid_request", "cut multipart");
  }
  {
    g_autofree char *body = multipart_body ("b0und", 2, 5, 100, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, shared.token, body, len);
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "processing");
  }
  assert_healthy (d);
}

/* --- acceptance 5: refused before the body is read --- */

/* Sends head and then SENT_BEFORE_ANSWER bytes of the body it announces,
 * and reads the answer without sending more. */
static RawAnswer *
refused_after_headers (guint16 port, const char *head, const char *body_start)
{
  g_autoptr (GSocketConnection) conn = raw_connect (port);
  RawAnswer *a;
  raw_send (conn, head, strlen (head));
  if (body_start)
    raw_send (conn, body_start, strlen (body_start));
  raw_send_zeros (conn, SENT_BEFORE_ANSWER - (body_start ? strlen (body_start) : 0));
  a = raw_read_answer (conn);
  if (a->status)
    {
      g_assert_nonnull (strstr (a->head, "\r\nConnection: close"));
      /* The server hangs up: the rest of the body is never read. */
      g_assert_true (raw_closed_by_server (conn));
    }
  return a;
}

static void
test_early_refusal (void)
{
  ReelTestReeld *d = shared_reeld ();
  g_autofree char *multipart
      = g_strdup_printf ("POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Type: multipart/form-data; boundary=b0und\r\n"
                         "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
                         HUGE_BODY);
  g_autofree char *patch = g_strdup_printf (
      "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
      "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
      "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
      shared.video_id, HUGE_BODY);
  g_autofree char *creation = g_strdup_printf (
      "POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
      "Upload-Length: %" G_GUINT64_FORMAT "\r\nContent-Type: application/offset+octet-stream\r\n"
      "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
      HUGE_BODY, HUGE_BODY);
  g_autofree char *json = g_strdup_printf (
      "POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
      HUGE_BODY);
  g_autofree char *chunked_head = g_strdup_printf (
      "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  struct
  {
    const char *head, *body_start;
    guint status;
    const char *code;
  } cases[] = {
    { multipart,
      "--b0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n\r\n", 401,
      "unauthorized" },
    { patch, NULL, 401, "unauthorized" },
    { creation, NULL, 401, "unauthorized" },
    { json, "[[[[", 413, "too_large" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (RawAnswer) a = refused_after_headers (d->port, cases[i].head, cases[i].body_start);
      g_autofree char *code = NULL;
      if (a->status != cases[i].status)
        g_printerr ("case %u: %s\n", i, a->head ? a->head : "(no answer)");
      g_assert_cmpuint (a->status, ==, cases[i].status);
      code = json_error_code (a->body);
      g_assert_cmpstr (code, ==, cases[i].code);
    }

  /* A chunked JSON body has no length to refuse up front: it is refused
   * as soon as it passes http.max_body_bytes (1 MiB), long before its
   * (endless) end. */
  {
    g_autoptr (GSocketConnection) conn = raw_connect (d->port);
    g_autofree char *chunk_head = g_strdup_printf ("%x\r\n", 64 * 1024);
    g_autofree char *chunk = g_strnfill (64 * 1024, '[');
    g_autoptr (RawAnswer) a = NULL;
    g_autofree char *code = NULL;
    raw_send (conn, chunked_head, strlen (chunked_head));
    for (guint i = 0; i < 1 * MIB / (64 * 1024) + 2; i++)
      {
        raw_send (conn, chunk_head, strlen (chunk_head));
        raw_send (conn, chunk, 64 * 1024);
        raw_send (conn, "\r\n", 2);
      }
    a = raw_read_answer (conn);
    g_assert_cmpuint (a->status, ==, 413);
    code = json_error_code (a->body);
    g_assert_cmpstr (code, ==, "too_large");
    g_assert_true (raw_closed_by_server (conn));
  }
  assert_healthy (d);
}

/* --- the one-shot upload goes to disk as it arrives --- */

static guint64
largest_temp_upload (const char *uploads)
{
  g_autoptr (GDir) d = g_dir_open (uploads, 0, NULL);
  const char *name;
  guint64 largest = 0;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (uploads, name, NULL);
      GStatBuf st;
      if (g_str_has_suffix (name, ".tmp") && g_stat (path, &st) == 0)
        largest = MAX (largest, (guint64)st.st_size);
    }
  return largest;
}

static void
test_multipart_streams (void)
{
  ReelTestReeld *d = shared_reeld ();
  const gsize FILE_LEN = 6 * MIB;
  g_autofree guint8 *file = g_malloc (FILE_LEN);
  g_autofree char *uploads = g_build_filename (shared.dir, "uploads", NULL);
  const char *pre = "--b0und\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nStreamed\r\n"
                    "--b0und\r\nContent-Disposition: form-data; name=\"file\"; "
                    "filename=\"s.mp4\"\r\n\r\n";
  const char *post = "\r\n--b0und--\r\n";
  g_autofree char *head = g_strdup_printf (
      "POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Content-Type: multipart/form-data; boundary=b0und\r\nContent-Length: %zu\r\n\r\n",
      shared.token, strlen (pre) + FILE_LEN + strlen (post));
  g_autoptr (GSocketConnection) conn = raw_connect (d->port);
  g_autoptr (RawAnswer) a = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autofree char *blob = NULL, *want = NULL, *got = NULL, *stored = NULL;
  gsize stored_len;
  guint64 seen = 0;

  for (gsize i = 0; i < FILE_LEN; i++)
    file[i] = (guint8)(i * 7 + i / 4096);
  raw_send (conn, head, strlen (head));
  raw_send (conn, pre, strlen (pre));
  raw_send (conn, file, FILE_LEN / 2);
  /* Half the file is out and the request is not complete: the server
   * holds it on disk, not in memory. */
  for (guint i = 0; i < 500 && seen < FILE_LEN / 4; i++)
    {
      seen = largest_temp_upload (uploads);
      g_usleep (10 * 1000);
    }
  g_assert_cmpuint (seen, >=, FILE_LEN / 4);
  raw_send (conn, file + FILE_LEN / 2, FILE_LEN - FILE_LEN / 2);
  raw_send (conn, post, strlen (post));
  a = raw_read_answer (conn);
  g_assert_cmpuint (a->status, ==, 201);
  g_assert_true (json_parser_load_from_data (p, a->body, -1, NULL));
  blob = g_build_filename (
      shared.dir, "blobs", "originals",
      json_object_get_string_member (json_node_get_object (json_parser_get_root (p)), "id"), NULL);
  g_assert_true (g_file_get_contents (blob, &stored, &stored_len, NULL));
  want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, file, FILE_LEN);
  got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)stored, stored_len);
  g_assert_cmpstr (got, ==, want);
  /* Nothing is left behind in the staging directory. */
  g_assert_cmpuint (largest_temp_upload (uploads), ==, 0);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hardening/nested-json", test_nested_json);
  g_test_add_func ("/hardening/limits", test_limits);
  g_test_add_func ("/hardening/early-refusal", test_early_refusal);
  g_test_add_func ("/hardening/multipart-streams", test_multipart_streams);
  g_test_add_func ("/hardening/idempotency", test_idempotency);
  g_test_add_func ("/hardening/method-label", test_method_label);
  g_test_add_func ("/hardening/client-gone", test_client_gone);
  g_test_add_func ("/hardening/live-slot", test_live_slot);
  g_test_add_func ("/hardening/upload-cap", test_upload_cap);
  g_test_add_func ("/hardening/completion-window", test_completion_window);
  g_test_add_func ("/hardening/sweep", test_sweep);
  status = g_test_run ();
  shared_stop ();
  return status;
}
