/* See harness.h: the HTTP client side, as a user's client talks to reeld
 * (requests, sign-up, tus and form uploads, waiting for a video's state). */
#include "harness.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <stdio.h>

void
reel_test_response_free (ReelTestResponse *r)
{
  if (!r)
    return;
  g_free (r->body);
  g_free (r->content_type);
  if (r->json)
    json_node_unref (r->json);
  g_clear_pointer (&r->headers, g_hash_table_unref);
  g_free (r);
}

ReelTestResponse *
reel_test_http (guint16 port, const char *method, const char *path, const char *token,
                const char *body, gsize body_len)
{
  return reel_test_http_full (port, method, path, token, NULL, NULL, body,
                              body && !body_len ? strlen (body) : body_len);
}

ReelTestResponse *
reel_test_httpf (guint16 port, const char *method, const char *path, const char *token,
                 const char *body_fmt, ...)
{
  g_autofree char *body = NULL;
  if (body_fmt)
    {
      va_list args;
      va_start (args, body_fmt);
      body = g_strdup_vprintf (body_fmt, args);
      va_end (args);
    }
  return reel_test_http (port, method, path, token, body, 0);
}

ReelTestResponse *
reel_test_get_status (guint16 port, const char *path, const char *token, guint status)
{
  ReelTestResponse *r = reel_test_http (port, "GET", path, token, NULL, 0);
  if (r->status != status)
    g_printerr ("GET %s: %u %s\n", path, r->status, r->body);
  g_assert_cmpuint (r->status, ==, status);
  return r;
}

static void
collect_header (const char *name, const char *value, gpointer data)
{
  g_hash_table_insert (data, g_ascii_strdown (name, -1), g_strdup (value));
}

ReelTestResponse *
reel_test_http_full (guint16 port, const char *method, const char *path, const char *token,
                     const char *const *headers, const char *content_type, const void *body,
                     gsize body_len)
{
  static SoupSession *session;
  ReelTestResponse *r = g_new0 (ReelTestResponse, 1);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) resp = NULL;
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *rh;

  if (!session)
    session = soup_session_new_with_options ("timeout", 60, "max-conns-per-host", 16, NULL);
  g_assert_nonnull (msg);
  r->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                  headers[i + 1]);
  if (body)
    {
      g_autoptr (GBytes) b = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (
          msg, content_type ? content_type : "application/json", b);
    }
  resp = soup_session_send_and_read (session, msg, NULL, &error);
  if (!resp)
    return r; /* status 0: no answer */
  r->status = soup_message_get_status (msg);
  r->body_len = g_bytes_get_size (resp);
  r->body = g_malloc (r->body_len + 1);
  if (r->body_len)
    memcpy (r->body, g_bytes_get_data (resp, NULL), r->body_len);
  r->body[r->body_len] = '\0';
  rh = soup_message_get_response_headers (msg);
  soup_message_headers_foreach (rh, collect_header, r->headers);
  r->content_type = g_strdup (soup_message_headers_get_content_type (rh, NULL));
  if (r->content_type && g_str_equal (r->content_type, "application/json"))
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      if (json_parser_load_from_data (p, r->body, -1, NULL) && json_parser_get_root (p))
        r->json = json_node_ref (json_parser_get_root (p));
    }
  return r;
}

guint
reel_test_raw_get (guint16 port, const char *path, char **body)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_autofree char *req
      = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  g_autoptr (GByteArray) in = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;
  guint status = 0;
  const char *sep;

  *body = g_strdup ("");
  g_assert_nonnull (conn);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req,
                                            strlen (req), NULL, NULL, NULL));
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                   sizeof buf, NULL, NULL))
         > 0)
    g_byte_array_append (in, buf, (guint)n);
  g_byte_array_append (in, (const guint8 *)"", 1);
  if (sscanf ((const char *)in->data, "HTTP/1.%*d %u", &status) != 1)
    return 0;
  sep = strstr ((const char *)in->data, "\r\n\r\n");
  if (sep)
    {
      g_free (*body);
      *body = g_strdup (sep + 4);
    }
  return status;
}

const char *
reel_test_header (ReelTestResponse *r, const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (r->headers, lower);
}

const char *
reel_test_json_str (ReelTestResponse *r, const char *member)
{
  if (!r->json || !JSON_NODE_HOLDS_OBJECT (r->json))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (r->json), member, NULL);
}

gboolean
reel_test_items_have_video (JsonArray *items, const char *video)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      const char *id = json_object_has_member (o, "video_id")
                           ? json_object_get_string_member (o, "video_id")
                           : json_object_get_string_member_with_default (o, "id", "");
      if (g_strcmp0 (id, video) == 0)
        return TRUE;
    }
  return FALSE;
}

const char *
reel_test_error_code (ReelTestResponse *r)
{
  if (!r->json || !JSON_NODE_HOLDS_OBJECT (r->json))
    return NULL;
  JsonObject *o = json_node_get_object (r->json);
  JsonObject *e = json_object_get_object_member (o, "error");
  if (!e)
    return NULL;
  g_assert_nonnull (json_object_get_string_member_with_default (e, "message", NULL));
  return json_object_get_string_member_with_default (e, "code", NULL);
}

char *
reel_test_register_login (guint16 port, const char *username, const char *password)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr (ReelTestResponse) reg = reel_test_http (port, "POST", "/api/v1/users", NULL, body, 0);
  g_assert_cmpuint (reg->status, ==, 201);
  g_autoptr (ReelTestResponse) login
      = reel_test_http (port, "POST", "/api/v1/sessions", NULL, body, 0);
  g_assert_cmpuint (login->status, ==, 201);
  g_assert_nonnull (reel_test_json_str (login, "token"));
  return g_strdup (reel_test_json_str (login, "token"));
}

double
reel_test_metric (guint16 port, const char *series)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", "/metrics", NULL, NULL, 0);
  g_auto (GStrv) lines = NULL;
  gsize n = strlen (series);
  g_assert_cmpuint (r->status, ==, 200);
  lines = g_strsplit (r->body, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], series) && lines[i][n] == ' ')
      return g_ascii_strtod (lines[i] + n + 1, NULL);
  return -1;
}

char *
reel_test_tus_create (guint16 port, const char *token, gsize size, const char *title)
{
  g_autofree char *len = g_strdup_printf ("%zu", size);
  g_autofree char *t = g_base64_encode ((const guchar *)title, strlen (title));
  g_autofree char *f = g_base64_encode ((const guchar *)"clip.mp4", 8);
  g_autofree char *meta = g_strdup_printf ("title %s,filename %s", t, f);
  const char *h[]
      = { "Tus-Resumable", "1.0.0", "Upload-Length", len, "Upload-Metadata", meta, NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "POST", "/api/v1/uploads", token, h, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpstr (reel_test_header (r, "Tus-Resumable"), ==, "1.0.0");
  const char *id = reel_test_header (r, "Reel-Video-Id");
  g_assert_nonnull (id);
  g_autofree char *loc = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_assert_cmpstr (reel_test_header (r, "Location"), ==, loc);
  return g_strdup (id);
}

ReelTestResponse *
reel_test_tus_patch (guint16 port, const char *token, const char *id, guint64 offset,
                     const void *data, gsize len)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_autofree char *off = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  const char *h[] = { "Tus-Resumable", "1.0.0", "Upload-Offset", off, NULL };
  return reel_test_http_full (port, "PATCH", path, token, h, "application/offset+octet-stream",
                              data, len);
}

char *
reel_test_tus_upload (guint16 port, const char *token, const char *path, const char *title)
{
  g_autofree char *data = NULL;
  gsize len, half;
  char *id;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  id = reel_test_tus_create (port, token, len, title);
  half = len / 2;
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (port, token, id, 0, data, half);
    g_assert_cmpuint (r->status, ==, 204);
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_tus_patch (port, token, id, half, data + half, len - half);
    g_assert_cmpuint (r->status, ==, 204);
  }
  return id;
}

char *
reel_test_upload (guint16 port, const char *token, const char *path, const char *title)
{
  return reel_test_upload_private (port, token, path, title, NULL);
}

char *
reel_test_upload_private (guint16 port, const char *token, const char *path, const char *title,
                          const char *privacy)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (SoupMultipart) mp = soup_multipart_new ("multipart/form-data");
  g_autoptr (GBytes) file = NULL, body = NULL;
  SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autofree char *ctype = NULL, *base = g_path_get_basename (path);

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  file = g_bytes_new_take (g_steal_pointer (&data), len);
  soup_multipart_append_form_string (mp, "title", title);
  if (privacy)
    soup_multipart_append_form_string (mp, "privacy", privacy);
  soup_multipart_append_form_file (mp, "file", base, "application/octet-stream", file);
  soup_multipart_to_message (mp, h, &body);
  ctype = g_strdup (soup_message_headers_get_one (h, "Content-Type"));
  soup_message_headers_unref (h);
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "POST", "/api/v1/videos", token, NULL, ctype,
                             g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (reel_test_json_str (r, "id"));
}

ReelTestResponse *
reel_test_wait_state (guint16 port, const char *id, const char *states, guint timeout_s)
{
  return reel_test_wait_state_as (port, NULL, id, states, timeout_s);
}

ReelTestResponse *
reel_test_wait_state_as (guint16 port, const char *token, const char *id, const char *states,
                         guint timeout_s)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_auto (GStrv) wanted = g_strsplit (states, "|", -1);
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_s * G_USEC_PER_SEC;
  g_autofree char *last = NULL;
  while (g_get_monotonic_time () < deadline)
    {
      ReelTestResponse *r = reel_test_http (port, "GET", path, token, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      if (g_strv_contains ((const char *const *)wanted, reel_test_json_str (r, "state")))
        return r;
      g_free (last);
      last = g_strdup (r->body);
      reel_test_response_free (r);
      g_usleep (50 * 1000);
    }
  reel_test_dump_jobs ();
  g_error ("video %s did not reach %s in %u s; last: %s", id, states, timeout_s, last);
}
