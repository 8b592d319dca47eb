/* See hardening_common.h. */
#include "hardening_common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/types.h>
#include <utime.h>

SharedNode shared;

ReelTestReeld *
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

void
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
gboolean
alive (ReelTestReeld *d)
{
  const char *pid = g_subprocess_get_identifier (d->proc);
  return pid && kill ((pid_t)g_ascii_strtoll (pid, NULL, 10), 0) == 0;
}

void
assert_healthy (ReelTestReeld *d)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (alive (d));
}

/* An error answer with the usual object {"error":{"code","message"}}. */
void
expect_error (ReelTestResponse *r, guint status, const char *code, const char *what)
{
  if (r->status != status)
    g_printerr ("%s: got %u %s\n", what, r->status, r->body ? r->body : "");
  g_assert_cmpuint (r->status, ==, status);
  g_assert_nonnull (reel_test_error_code (r));
  if (code)
    g_assert_cmpstr (reel_test_error_code (r), ==, code);
}

GSocketConnection *
raw_connect (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  GSocketConnection *conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_assert_nonnull (conn);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), ANSWER_TIMEOUT_S);
  return conn;
}

void
raw_send (GSocketConnection *conn, const void *data, gsize len)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, data, len, NULL, NULL, NULL));
}

void
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

void
raw_answer_free (RawAnswer *a)
{
  g_free (a->head);
  g_free (a->body);
  g_free (a);
}

/* Reads one answer (headers, then Content-Length bytes); status 0 when the
 * connection ended or timed out first. */
RawAnswer *
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
gboolean
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

char *
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

char *
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

ReelTestResponse *
post_multipart (guint16 port, const char *token, const char *body, gsize len)
{
  return reel_test_http_full (port, "POST", "/api/v1/videos", token, NULL,
                              "multipart/form-data; boundary=b0und", body, len);
}

char *
write_config (const char *dir, const char *text)
{
  char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Opens a PATCH of len bytes at offset and sends the first sent of them. */
GSocketConnection *
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

guint64
head_offset (guint16 port, const char *token, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  const char *h[] = { "Tus-Resumable", "1.0.0", NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "HEAD", path, token, h, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10);
}
