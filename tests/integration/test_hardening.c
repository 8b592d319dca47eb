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
 *                                 work files and expired sessions are removed */
#include "harness.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/types.h>
#include <utime.h>

#define PASSWORD "correct horse battery"
#define MIB (1024 * 1024)
/* What an attacker announces, and how much of it the test actually sends:
 * an answer while less than a MiB is out proves nobody waited for the rest. */
#define HUGE_BODY ((guint64)200 * MIB)
#define SENT_BEFORE_ANSWER (256 * 1024)
/* Generous: an answer that depends on the body never comes at all. */
#define ANSWER_TIMEOUT_S 30

/* One nats-server and reeld with the default configuration, shared by the
 * tests that need nothing special; started by the first that asks. */
static struct
{
  ReelTestNats *nats;
  char *dir;
  ReelTestReeld *d;
  char *token;    /* hana's */
  char *video_id; /* an upload of hana's in progress */
} shared;

static ReelTestReeld *
shared_reeld (void)
{
  if (!shared.d)
    {
      shared.nats = reel_test_nats_start ();
      shared.dir = reel_test_tmpdir ();
      shared.d = reel_test_reeld_start (shared.dir, shared.nats->url, NULL);
      shared.token = reel_test_register_login (shared.d->port, "hana", PASSWORD);
      shared.video_id = reel_test_tus_create (shared.d->port, shared.token, 5000, "target");
    }
  return shared.d;
}

static void
shared_stop (void)
{
  if (!shared.d)
    return;
  g_assert_cmpint (reel_test_reeld_stop (shared.d), ==, 0);
  reel_test_reeld_free (shared.d);
  reel_test_nats_stop (shared.nats);
  reel_test_rmtree (shared.dir);
  g_free (shared.dir);
  g_free (shared.token);
  g_free (shared.video_id);
}

/* Whether the process still runs (and has not been replaced: the harness
 * never restarts it by itself). */
static gboolean
alive (ReelTestReeld *d)
{
  const char *pid = g_subprocess_get_identifier (d->proc);
  return pid && kill ((pid_t)g_ascii_strtoll (pid, NULL, 10), 0) == 0;
}

static void
assert_healthy (ReelTestReeld *d)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (alive (d));
}

/* An error answer with the usual object {"error":{"code","message"}}. */
static void
expect_error (ReelTestResponse *r, guint status, const char *code, const char *what)
{
  if (r->status != status)
    g_printerr ("%s: got %u %s\n", what, r->status, r->body ? r->body : "");
  g_assert_cmpuint (r->status, ==, status);
  g_assert_nonnull (reel_test_error_code (r));
  if (code)
    g_assert_cmpstr (reel_test_error_code (r), ==, code);
}

/* --- raw sockets --- */

static GSocketConnection *
raw_connect (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  GSocketConnection *conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_assert_nonnull (conn);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), ANSWER_TIMEOUT_S);
  return conn;
}

static void
raw_send (GSocketConnection *conn, const void *data, gsize len)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, data, len, NULL, NULL, NULL));
}

static void
raw_send_zeros (GSocketConnection *conn, gsize len)
{
  g_autofree guint8 *zeros = g_malloc0 (64 * 1024);
  while (len > 0)
    {
      gsize n = MIN (len, 64 * 1024);
      raw_send (conn, zeros, n);
      len -= n;
    }
}

typedef struct
{
  guint status;
  char *head; /* status line and headers */
  char *body;
} RawAnswer;

static void
raw_answer_free (RawAnswer *a)
{
  g_free (a->head);
  g_free (a->body);
  g_free (a);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawAnswer, raw_answer_free)

/* Reads one answer (headers, then Content-Length bytes); status 0 when the
 * connection ended or timed out first. */
static RawAnswer *
raw_read_answer (GSocketConnection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr (GString) buf = g_string_new (NULL);
  RawAnswer *a = g_new0 (RawAnswer, 1);
  const char *end, *cl;
  gsize body_len = 0;
  char block[4096];
  gssize n;

  while (!(end = strstr (buf->str, "\r\n\r\n")))
    {
      if ((n = g_input_stream_read (in, block, sizeof block, NULL, NULL)) <= 0)
        return a;
      g_string_append_len (buf, block, n);
    }
  a->head = g_strndup (buf->str, end - buf->str);
  if ((cl = strstr (a->head, "Content-Length: ")))
    body_len = (gsize)g_ascii_strtoull (cl + 16, NULL, 10);
  while (buf->len - (gsize)(end + 4 - buf->str) < body_len)
    {
      gssize off = end - buf->str;
      if ((n = g_input_stream_read (in, block, sizeof block, NULL, NULL)) <= 0)
        break;
      g_string_append_len (buf, block, n);
      end = buf->str + off;
    }
  a->body = g_strndup (end + 4, body_len);
  if (g_str_has_prefix (a->head, "HTTP/1.1 "))
    a->status = (guint)g_ascii_strtoull (a->head + 9, NULL, 10);
  return a;
}

/* Whether the server ends the connection (EOF or reset) within the timeout. */
static gboolean
raw_closed_by_server (GSocketConnection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  char block[4096];
  g_autoptr (GError) error = NULL;
  gssize n;
  while ((n = g_input_stream_read (in, block, sizeof block, NULL, &error)) > 0)
    ;
  return n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static char *
json_error_code (const char *body)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *root, *err;
  if (!json_parser_load_from_data (p, body, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    return NULL;
  root = json_node_get_object (json_parser_get_root (p));
  err = json_object_get_object_member (root, "error");
  return err ? g_strdup (json_object_get_string_member_with_default (err, "code", NULL)) : NULL;
}

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

static char *
multipart_body (const char *boundary, guint text_parts, gsize title_len, gsize header_pad,
                gsize *len)
{
  g_autoptr (GString) b = g_string_new (NULL);
  g_autofree char *title = g_strnfill (title_len, 't');
  g_autofree char *pad = g_strnfill (header_pad, 'p');
  for (guint i = 0; i < text_parts; i++)
    g_string_append_printf (b,
                            "--%s\r\nContent-Disposition: form-data; name=\"extra%u\"\r\n\r\n"
                            "x\r\n",
                            boundary, i);
  g_string_append_printf (b,
                          "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n%s%s%s"
                          "\r\n%s\r\n",
                          boundary, header_pad ? "X-Pad: " : "", pad, header_pad ? "\r\n" : "",
                          title);
  g_string_append_printf (b,
                          "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename=\"a.mp4\"\r\nContent-Type: video/mp4\r\n\r\n0123456789\r\n"
                          "--%s--\r\n",
                          boundary, boundary);
  *len = b->len;
  return g_string_free (g_steal_pointer (&b), FALSE);
}

static ReelTestResponse *
post_multipart (guint16 port, const char *token, const char *body, gsize len)
{
  return reel_test_http_full (port, "POST", "/api/v1/videos", token, NULL,
                              "multipart/form-data; boundary=b0und", body, len);
}

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

/* --- idempotent retries --- */

static ReelTestResponse *
post_comment (guint16 port, const char *token, const char *video, const char *key, const char *text)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  g_autofree char *body = g_strdup_printf ("{\"text\":\"%s\"}", text);
  const char *h[] = { "Idempotency-Key", key, NULL };
  return reel_test_http_full (port, "POST", path, token, key ? h : NULL, NULL, body, strlen (body));
}

static guint
count_comments (guint16 port, const char *video, const char *text)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/comments?limit=100", video);
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
  JsonArray *items;
  guint n = 0;
  g_assert_cmpuint (r->status, ==, 200);
  items = json_object_get_array_member (json_node_get_object (r->json), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    n += g_strcmp0 (
             json_object_get_string_member (json_array_get_object_element (items, i), "text"), text)
         == 0;
  return n;
}

static void
test_idempotency (void)
{
  ReelTestReeld *d = shared_reeld ();
  g_autofree char *other = reel_test_register_login (d->port, "ines", PASSWORD);
  g_autoptr (ReelTestResponse) a
      = post_comment (d->port, shared.token, shared.video_id, "retry-1", "only once");
  g_autoptr (ReelTestResponse) b
      = post_comment (d->port, shared.token, shared.video_id, "retry-1", "only once");
  g_autoptr (ReelTestResponse) c
      = post_comment (d->port, shared.token, shared.video_id, "retry-2", "only once");
  g_autoptr (ReelTestResponse) e
      = post_comment (d->port, other, shared.video_id, "retry-1", "only once");
  g_autoptr (GPtrArray) log = NULL;
  guint64 last_seq;
  guint posted = 0;

  g_assert_cmpuint (a->status, ==, 201);
  g_assert_cmpuint (b->status, ==, 201);
  g_assert_cmpuint (c->status, ==, 201);
  g_assert_cmpuint (e->status, ==, 201);
  /* One key: one comment, and the retry names it. */
  g_assert_nonnull (reel_test_json_str (a, "id"));
  g_assert_cmpstr (reel_test_json_str (a, "id"), ==, reel_test_json_str (b, "id"));
  /* Another key, or another user with the same key: another comment. */
  g_assert_cmpstr (reel_test_json_str (a, "id"), !=, reel_test_json_str (c, "id"));
  g_assert_cmpstr (reel_test_json_str (a, "id"), !=, reel_test_json_str (e, "id"));
  g_assert_cmpuint (count_comments (d->port, shared.video_id, "only once"), ==, 3);
  /* ... and the log holds one event per comment. */
  log = reel_test_event_log (shared.nats->url, &last_seq);
  for (guint i = 0; i < log->len; i++)
    posted += strstr (log->pdata[i], "\"comment.posted\"") && strstr (log->pdata[i], "only once");
  g_assert_cmpuint (posted, ==, 3);
  reel_test_validate_events (log);

  /* A key with another body is another request. */
  {
    g_autoptr (ReelTestResponse) f
        = post_comment (d->port, shared.token, shared.video_id, "retry-1", "something else");
    g_assert_cmpuint (f->status, ==, 201);
    g_assert_cmpstr (reel_test_json_str (f, "id"), !=, reel_test_json_str (a, "id"));
  }
  /* Without a key, two posts are two comments, as before. */
  {
    g_autoptr (ReelTestResponse) g
        = post_comment (d->port, shared.token, shared.video_id, NULL, "twice");
    g_autoptr (ReelTestResponse) h
        = post_comment (d->port, shared.token, shared.video_id, NULL, "twice");
    g_assert_cmpstr (reel_test_json_str (g, "id"), !=, reel_test_json_str (h, "id"));
  }
  /* A login with a key still gives a working token each time (a secret
   * cannot be repeated, so the request just runs again). */
  for (guint i = 0; i < 2; i++)
    {
      const char *h[] = { "Idempotency-Key", "login-1", NULL };
      const char *body = "{\"username\":\"ines\",\"password\":\"" PASSWORD "\"}";
      g_autoptr (ReelTestResponse) login = reel_test_http_full (d->port, "POST", "/api/v1/sessions",
                                                                NULL, h, NULL, body, strlen (body));
      g_assert_cmpuint (login->status, ==, 201);
      g_autoptr (ReelTestResponse) me = reel_test_http (
          d->port, "GET", "/api/v1/sessions/current", reel_test_json_str (login, "token"), NULL, 0);
      g_assert_cmpuint (me->status, ==, 200);
    }
}

/* --- metrics labels --- */

static void
test_method_label (void)
{
  ReelTestReeld *d = shared_reeld ();
  const char *methods[] = { "FOO1", "BAR2", "BAZ3" };
  const char *series
      = "reel_http_requests_total{route=\"unmatched\",method=\"other\",status=\"405\"}";
  double before = MAX (reel_test_metric (d->port, series), 0);
  g_autoptr (ReelTestResponse) m = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (d->port, methods[i], "/healthz", NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 405);
    }
  g_assert_cmpfloat (reel_test_metric (d->port, series), ==, before + G_N_ELEMENTS (methods));
  m = reel_test_http (d->port, "GET", "/metrics", NULL, NULL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    g_assert_null (strstr (m->body, methods[i]));
}

/* A tus PATCH whose client goes away halfway through its body is counted
 * as 499 (client gone), not as a 500 reel never sent. */
static void
test_client_gone (void)
{
  ReelTestReeld *d = shared_reeld ();
  g_autofree char *id = reel_test_tus_create (d->port, shared.token, 5000, "left halfway");
  const char *gone = "reel_http_requests_total{route=\"/api/v1/uploads/{id}\",method=\"PATCH\","
                     "status=\"499\"}";
  const char *error = "reel_http_requests_total{route=\"/api/v1/uploads/{id}\",method=\"PATCH\","
                      "status=\"500\"}";
  double gone_before = MAX (reel_test_metric (d->port, gone), 0);
  double error_before = MAX (reel_test_metric (d->port, error), 0);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (client, "127.0.0.1", d->port, NULL, NULL);
  g_autofree char *head = g_strdup_printf (
      "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
      "Content-Type: application/offset+octet-stream\r\nContent-Length: 5000\r\n\r\n",
      id, shared.token);
  char half[2500] = { 0 };
  GOutputStream *out;

  g_assert_nonnull (conn);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL));
  g_assert_true (g_output_stream_write_all (out, half, sizeof half, NULL, NULL, NULL));
  g_usleep (200 * 1000);
  g_assert_true (g_io_stream_close (G_IO_STREAM (conn), NULL, NULL));
  for (guint i = 0; reel_test_metric (d->port, gone) < gone_before + 1; i++)
    {
      g_assert_cmpuint (i, <, 100);
      g_usleep (100 * 1000);
    }
  g_assert_cmpfloat (reel_test_metric (d->port, gone), ==, gone_before + 1);
  g_assert_cmpfloat (MAX (reel_test_metric (d->port, error), 0), ==, error_before);
}

/* --- live slots --- */

static void
test_live_slot (void)
{
  ReelTestReeld *d = shared_reeld ();
  g_autofree char *token = reel_test_register_login (d->port, "lars", PASSWORD);
  gint64 slot = -1;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr (ReelTestResponse) k
          = reel_test_http (d->port, "POST", "/api/v1/live/keys", token, NULL, 0);
      g_autoptr (ReelTestResponse) ch
          = reel_test_http (d->port, "GET", "/api/v1/live/lars", NULL, NULL, 0);
      const char *url;
      gint64 port;
      g_assert_cmpuint (k->status, ==, 201);
      g_assert_cmpuint (ch->status, ==, 200);
      url = reel_test_json_str (ch, "srt_url");
      g_assert_nonnull (url);
      port = g_ascii_strtoll (strrchr (url, ':') + 1, NULL, 10);
      /* Every new key keeps the account's one slot. */
      if (slot < 0)
        slot = port;
      g_assert_cmpint (port, ==, slot);
    }
  /* Another account gets the next slot, not one of lars's. */
  {
    g_autofree char *t2 = reel_test_register_login (d->port, "lina", PASSWORD);
    g_autoptr (ReelTestResponse) k
        = reel_test_http (d->port, "POST", "/api/v1/live/keys", t2, NULL, 0);
    g_autoptr (ReelTestResponse) ch
        = reel_test_http (d->port, "GET", "/api/v1/live/lina", NULL, NULL, 0);
    g_assert_cmpuint (k->status, ==, 201);
    g_assert_cmpint (
        g_ascii_strtoll (strrchr (reel_test_json_str (ch, "srt_url"), ':') + 1, NULL, 10), ==,
        slot + 1);
  }
}

/* --- uploads in progress: per-user cap and stalled PATCH takeover --- */

static char *
write_config (const char *dir, const char *text)
{
  char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Opens a PATCH of len bytes at offset and sends the first sent of them. */
static GSocketConnection *
patch_open (guint16 port, const char *token, const char *id, guint64 offset, const guint8 *data,
            gsize len, gsize sent)
{
  GSocketConnection *conn = raw_connect (port);
  g_autofree char *head = g_strdup_printf (
      "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Tus-Resumable: 1.0.0\r\nUpload-Offset: %" G_GUINT64_FORMAT "\r\n"
      "Content-Type: application/offset+octet-stream\r\nContent-Length: %zu\r\n\r\n",
      id, token, offset, len);
  raw_send (conn, head, strlen (head));
  raw_send (conn, data, sent);
  return conn;
}

static guint64
head_offset (guint16 port, const char *token, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  const char *h[] = { "Tus-Resumable", "1.0.0", NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "HEAD", path, token, h, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10);
}

static void
test_upload_cap (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config
      = write_config (dir, "[uploads]\nlock_timeout_seconds = 2\nmax_concurrent_per_user = 2\n");
  ReelTestReeld *d = reel_test_reeld_start_config (dir, nats->url, config);
  g_autofree char *token = reel_test_register_login (d->port, "omar", PASSWORD);
  g_autofree char *other = reel_test_register_login (d->port, "olga", PASSWORD);
  const gsize N = 200000;
  g_autofree guint8 *data = g_malloc (N);
  g_autofree char *id1 = NULL, *id2 = NULL, *id3 = NULL, *id4 = NULL;
  g_autoptr (GSocketConnection) c1 = NULL, c2 = NULL;
  guint64 offset = 0;

  for (gsize i = 0; i < N; i++)
    data[i] = (guint8)(i * 13 + 5);
  id1 = reel_test_tus_create (d->port, token, N, "one");
  id2 = reel_test_tus_create (d->port, token, N, "two");
  id3 = reel_test_tus_create (d->port, token, N, "three");
  id4 = reel_test_tus_create (d->port, other, N, "four");

  /* Two PATCHes stall half-way. */
  c1 = patch_open (d->port, token, id1, 0, data, N, N / 2);
  c2 = patch_open (d->port, token, id2, 0, data, N, N / 2);
  for (guint i = 0;
       i < 500
       && (head_offset (d->port, token, id1) < N / 2 || head_offset (d->port, token, id2) < N / 2);
       i++)
    g_usleep (10 * 1000);

  /* A third upload of the same user, tus or one-shot, waits its turn... */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id3, 0, data, 1000);
    expect_error (r, 429, "rate_limited", "third PATCH");
    g_assert_nonnull (reel_test_header (r, "Retry-After"));
  }
  {
    gsize len;
    g_autofree char *body = multipart_body ("b0und", 0, 5, 0, &len);
    g_autoptr (ReelTestResponse) r = post_multipart (d->port, token, body, len);
    expect_error (r, 429, "rate_limited", "one-shot upload over the cap");
  }
  /* ... while another user's is not affected. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, other, id4, 0, data, 1000);
    g_assert_cmpuint (r->status, ==, 204);
  }

  /* A retry of a stalled upload is refused while the stalled PATCH might
   * still be alive, and takes over once it has been silent for
   * lock_timeout_seconds (2 s here). */
  offset = head_offset (d->port, token, id1);
  g_assert_cmpuint (offset, ==, N / 2);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_tus_patch (d->port, token, id1, offset, data + offset, N - offset);
    expect_error (r, 409, "conflict", "PATCH while another writes");
  }
  {
    g_autoptr (ReelTestResponse) r = NULL;
    for (guint i = 0; i < 100; i++)
      {
        g_clear_pointer (&r, reel_test_response_free);
        r = reel_test_tus_patch (d->port, token, id1, offset, data + offset, N - offset);
        if (r->status != 409)
          break;
        g_usleep (100 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10), ==, N);
  }
  /* The stalled PATCH wakes up: nothing more of it is written. */
  {
    g_autoptr (RawAnswer) a = NULL;
    raw_send (c1, data + N / 2, N / 4);
    a = raw_read_answer (c1);
    g_assert_true (a->status == 409 || a->status == 0);
  }
  {
    g_autofree char *blob = g_build_filename (dir, "blobs", "originals", id1, NULL);
    g_autofree char *stored = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (blob, &stored, &len, NULL));
    g_assert_cmpuint (len, ==, N);
    g_assert_cmpint (memcmp (stored, data, N), ==, 0);
  }
  /* id1 is done and its stalled PATCH refused: omar writes only id2 now,
   * so id3 may go (once the server has let go of the finished requests). */
  {
    g_autoptr (ReelTestResponse) r = NULL;
    for (guint i = 0; i < 100; i++)
      {
        g_clear_pointer (&r, reel_test_response_free);
        r = reel_test_tus_patch (d->port, token, id3, 0, data, 1000);
        if (r->status != 429)
          break;
        g_usleep (50 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 204);
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* --- the tus completion window --- */

static char *
make_clip (const char *dir, const char *name)
{
  return reel_test_make_media (
      dir, name,
      "videotestsrc pattern=ball num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
}

static void
test_completion_window (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  const char *const fault[] = { "REEL_TEST_FAULT=kill-before-uploaded", NULL };
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, fault);
  g_autofree char *token = reel_test_register_login (d->port, "pia", PASSWORD);
  g_autofree char *clip_a = make_clip (media, "a.mp4");
  g_autofree char *clip_b = make_clip (media, "b.mp4");
  g_autofree char *data_a = NULL, *data_b = NULL;
  gsize len_a, len_b;
  g_autofree char *id_a = NULL, *id_b = NULL;

  g_assert_true (g_file_get_contents (clip_a, &data_a, &len_a, NULL));
  g_assert_true (g_file_get_contents (clip_b, &data_b, &len_b, NULL));
  id_a = reel_test_tus_create (d->port, token, len_a, "kill a");
  id_b = reel_test_tus_create (d->port, token, len_b, "kill b");

  /* The last PATCH of a: reeld dies once the file is in the blob store. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id_a, 0, data_a, len_a);
    g_assert_cmpuint (r->status, ==, 0);
    g_assert_cmpint (reel_test_reeld_wait_killed (d), ==, SIGKILL);
    reel_test_reeld_free (d);
  }
  /* Same for b, with the fault still armed: HEAD of a finishes it without
   * moving any file, so it survives. */
  d = reel_test_reeld_start (dir, nats->url, fault);
  {
    g_autofree char *part = g_strdup_printf ("%s/uploads/%s.part", dir, id_a);
    g_autoptr (ReelTestResponse) v = NULL;
    g_autofree char *vpath = g_strdup_printf ("/api/v1/videos/%s", id_a);
    /* The window: the bytes are stored, the log still says uploading. */
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    v = reel_test_http (d->port, "GET", vpath, NULL, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "uploading");
    g_assert_cmpuint (head_offset (d->port, token, id_a), ==, len_a);
  }
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id_b, 0, data_b, len_b);
    g_assert_cmpuint (r->status, ==, 0);
    g_assert_cmpint (reel_test_reeld_wait_killed (d), ==, SIGKILL);
    reel_test_reeld_free (d);
  }
  /* b resumes the way a tus client does: HEAD says all is there, so the
   * client sends its final empty PATCH at that offset. */
  d = reel_test_reeld_start (dir, nats->url, NULL);
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (d->port, token, id_b, len_b, "", 0);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10), ==,
                      len_b);
  }
  {
    g_autoptr (ReelTestResponse) a = reel_test_wait_state (d->port, id_a, "ready|failed", 300);
    g_autoptr (ReelTestResponse) b = reel_test_wait_state (d->port, id_b, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (a, "state"), ==, "ready");
    g_assert_cmpstr (reel_test_json_str (b, "state"), ==, "ready");
  }
  {
    guint64 last_seq;
    g_autoptr (GPtrArray) log = reel_test_event_log (nats->url, &last_seq);
    guint uploaded = 0;
    for (guint i = 0; i < log->len; i++)
      uploaded += strstr (log->pdata[i], "\"video.uploaded\"") != NULL;
    g_assert_cmpuint (uploaded, ==, 2);
    reel_test_validate_events (log);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* --- the janitor --- */

static void
make_old (const char *path)
{
  struct utimbuf t = { 1000000000, 1000000000 }; /* 2001 */
  g_assert_cmpint (utime (path, &t), ==, 0);
}

/* The rows of one database in an `mdb_dump -a -p` (a key line and a
 * value line each, between HEADER=END and DATA=END). */
static guint
count_rows (const char *dump, const char *db)
{
  g_autofree char *marker = g_strdup_printf ("\ndatabase=%s\n", db);
  const char *start = strstr (dump, marker), *data, *end;
  guint lines = 0;
  g_assert_nonnull (start);
  data = strstr (start, "HEADER=END\n");
  end = strstr (start, "DATA=END");
  g_assert_true (data && end && data < end);
  for (const char *p = data + strlen ("HEADER=END\n"); p < end; p++)
    lines += *p == '\n';
  return lines / 2;
}

static void
test_sweep (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (
      dir, "[cleanup]\ngrace_seconds = 2\ninterval_seconds = 2\n[auth]\nsession_ttl_seconds = 3\n");
  ReelTestReeld *d = reel_test_reeld_start_config (dir, nats->url, config);
  g_autofree char *token = reel_test_register_login (d->port, "quinn", PASSWORD);
  g_autofree char *id = reel_test_tus_create (d->port, token, 1000, "never sent");
  g_autofree char *vpath = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autofree char *temp = g_build_filename (dir, "uploads", "multipart-AbCdEf.tmp", NULL);
  g_autofree char *work = g_build_filename (dir, "work", NULL);
  g_autofree char *job = g_build_filename (work, "deadjob-x-123456", NULL);
  g_autofree char *job_file = g_build_filename (job, "out.mp4", NULL);
  g_autofree char *lmdb = NULL;
  gboolean gone = FALSE;
  guint sessions = 0;

  g_assert_true (g_file_set_contents (temp, "left by a request that died", -1, NULL));
  g_assert_cmpint (g_mkdir_with_parents (job, 0700), ==, 0);
  g_assert_true (g_file_set_contents (job_file, "left by a job that died", -1, NULL));
  make_old (temp);
  make_old (job_file);
  make_old (job);

  /* The session expires after 3 s; the record without bytes after the 2 s
   * grace; the sweep runs every 2 s. */
  for (guint i = 0; i < 300 && !gone; i++)
    {
      g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", vpath, NULL, NULL, 0);
      g_autoptr (ReelTestResponse) me
          = reel_test_http (d->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
      g_free (lmdb);
      lmdb = reel_test_dump_lmdb (dir);
      sessions = count_rows (lmdb, "sessions");
      gone = v->status == 404 && me->status == 401 && !g_file_test (temp, G_FILE_TEST_EXISTS)
             && !g_file_test (job, G_FILE_TEST_EXISTS) && sessions == 0;
      if (!gone)
        g_usleep (100 * 1000);
    }
  /* The upload record, the temporary file, the dead job's directory, and
   * the expired session's row. */
  if (!gone)
    g_printerr ("%s\n", lmdb);
  g_assert_true (gone);

  {
    guint64 last_seq;
    g_autoptr (GPtrArray) log = reel_test_event_log (nats->url, &last_seq);
    guint expired = 0;
    for (guint i = 0; i < log->len; i++)
      expired += strstr (log->pdata[i], "\"session.expired\"") != NULL;
    g_assert_cmpuint (expired, >=, 1);
    reel_test_validate_events (log);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
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
