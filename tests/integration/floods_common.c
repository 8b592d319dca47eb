/* See floods_common.h. */
#include "floods_common.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

Node *
node_start (const char *config)
{
  Node *n = g_new0 (Node, 1);
  g_autofree char *path = NULL;
  n->nats = reel_test_nats_start ();
  n->dir = reel_test_tmpdir ();
  path = g_build_filename (n->dir, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (path, config, -1, NULL));
  n->d = reel_test_reeld_start_config (n->dir, n->nats->url, path);
  g_assert_nonnull (n->d);
  return n;
}

void
node_stop (Node *n)
{
  g_assert_cmpint (reel_test_reeld_stop (n->d), ==, 0);
  reel_test_reeld_free (n->d);
  reel_test_nats_stop (n->nats);
  reel_test_rmtree (n->dir);
  g_free (n->dir);
  g_free (n);
}

GSocketConnection *
raw_connect (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;
  g_socket_client_set_timeout (c, 60);
  conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return conn;
}

void
raw_send (GSocketConnection *conn, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Reads until EOF (or a reset); returns what came. */
char *
raw_read_all (GSocketConnection *conn)
{
  g_autoptr (GByteArray) in = g_byte_array_new ();
  GInputStream *is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  guint8 buf[4096];
  gssize n;
  while ((n = g_input_stream_read (is, buf, sizeof buf, NULL, NULL)) > 0)
    g_byte_array_append (in, buf, (guint)n);
  g_byte_array_append (in, (const guint8 *)"", 1);
  return g_strdup ((const char *)in->data);
}

void
answer_clear (Answer *a)
{
  g_free (a->retry_after);
  g_free (a->code);
  g_free (a->body);
}

/* The header's value in a raw response head, or NULL. */
char *
head_value (const char *head, const char *name)
{
  g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);
  gsize n = strlen (name);
  for (guint i = 1; lines[i] && *lines[i]; i++)
    if (g_ascii_strncasecmp (lines[i], name, n) == 0 && lines[i][n] == ':')
      return g_strstrip (g_strdup (lines[i] + n + 1));
  return NULL;
}

void
parse_answer (const char *text, Answer *a)
{
  const char *sep = strstr (text, "\r\n\r\n");
  g_autofree char *head = sep ? g_strndup (text, sep - text) : NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!head || sscanf (head, "HTTP/1.%*d %u", &a->status) != 1)
    return;
  a->retry_after = head_value (head, "Retry-After");
  a->body = g_strdup (sep + 4);
  if (json_parser_load_from_data (p, a->body, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    {
      JsonObject *o = json_node_get_object (json_parser_get_root (p));
      JsonObject *e
          = json_object_has_member (o, "error") ? json_object_get_object_member (o, "error") : NULL;
      if (e)
        a->code = g_strdup (json_object_get_string_member_with_default (e, "code", NULL));
    }
}

/* One request (Connection: close) with optional extra header lines
 * ("Name: value\r\n"...) and body. */
void
raw_call (guint16 port, const char *method, const char *path, const char *token, const char *extra,
          const char *type, const char *body, Answer *a)
{
  g_autoptr (GSocketConnection) conn = raw_connect (port);
  g_autofree char *auth = token ? g_strdup_printf ("Authorization: Bearer %s\r\n", token) : NULL;
  g_autofree char *text = g_strdup_printf (
      "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s"
      "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
      method, path, auth ? auth : "", extra ? extra : "", type ? type : "application/json",
      body ? strlen (body) : 0, body ? body : "");
  g_autofree char *response = NULL;
  memset (a, 0, sizeof *a);
  raw_send (conn, text);
  response = raw_read_all (conn);
  parse_answer (response, a);
}

/* Asserts a 429 as the API gives it. */
void
assert_limited (const Answer *a)
{
  g_assert_cmpuint (a->status, ==, 429);
  g_assert_cmpstr (a->code, ==, "rate_limited");
  g_assert_nonnull (a->retry_after);
  g_assert_cmpint (atoi (a->retry_after), >=, 1);
}

/* "X-Forwarded-For: 198.51.100.N\r\n": a client address behind the
 * trusted proxy 127.0.0.1. */
char *
from (guint n)
{
  return g_strdup_printf ("X-Forwarded-For: 203.0.113.99, 198.51.100.%u\r\n", n);
}
