/* See early_answer.h. */
#include "http/early_answer.h"

#include <gio/gio.h>

/* Long enough for a client on a slow link to read a one-packet answer,
 * short enough that refused clients cannot pile up. */
#define LINGER_MS 2000
/* What is discarded after the answer before the connection is cut anyway:
 * a client that keeps sending past this is not reading answers. */
#define LINGER_MAX_BYTES (4 * 1024 * 1024)
#define DRAIN_BLOCK 16384

typedef struct
{
  GIOStream *stream;
  GCancellable *cancel;
  GBytes *answer;
  guint timer;
  gsize drained;
  guint8 buf[DRAIN_BLOCK];
} Linger;

static void
linger_closed (GObject *source, GAsyncResult *res, gpointer data)
{
  Linger *l = data;
  g_io_stream_close_finish (G_IO_STREAM (source), res, NULL);
  g_object_unref (l->stream);
  g_object_unref (l->cancel);
  g_bytes_unref (l->answer);
  g_free (l);
}

static void
linger_end (Linger *l)
{
  g_clear_handle_id (&l->timer, g_source_remove);
  g_io_stream_close_async (l->stream, G_PRIORITY_DEFAULT, NULL, linger_closed, l);
}

static gboolean
linger_timeout (gpointer data)
{
  Linger *l = data;
  l->timer = 0;
  g_cancellable_cancel (l->cancel);
  return G_SOURCE_REMOVE;
}

static void drain (Linger *l);

static void
drained (GObject *source, GAsyncResult *res, gpointer data)
{
  Linger *l = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);
  if (n <= 0 || (l->drained += (gsize)n) >= LINGER_MAX_BYTES)
    linger_end (l);
  else
    drain (l);
}

static void
drain (Linger *l)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (l->stream), l->buf, sizeof l->buf,
                             G_PRIORITY_DEFAULT, l->cancel, drained, l);
}

static void
written (GObject *source, GAsyncResult *res, gpointer data)
{
  Linger *l = data;
  GSocket *socket = g_object_get_data (G_OBJECT (l->stream), "GSocket");
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, NULL))
    {
      linger_end (l);
      return;
    }
  /* FIN after the answer; the client may still be sending. */
  if (socket)
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
  l->timer = g_timeout_add (LINGER_MS, linger_timeout, l);
  drain (l);
}

static void
append_header (const char *name, const char *value, gpointer data)
{
  GString *out = data;
  if (g_ascii_strcasecmp (name, "Content-Length") == 0
      || g_ascii_strcasecmp (name, "Transfer-Encoding") == 0
      || g_ascii_strcasecmp (name, "Connection") == 0)
    return;
  g_string_append_printf (out, "%s: %s\r\n", name, value);
}

/* The response as bytes on the wire (HTTP/1.1, fixed length). */
static GBytes *
serialize (SoupServerMessage *msg)
{
  g_autoptr (GBytes) body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  GString *out = g_string_new (NULL);
  guint status = soup_server_message_get_status (msg);
  const char *reason = soup_server_message_get_reason_phrase (msg);
  gsize len = g_bytes_get_size (body);

  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", status,
                          reason ? reason : soup_status_get_phrase (status));
  soup_message_headers_foreach (soup_server_message_get_response_headers (msg), append_header, out);
  g_string_append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          len);
  g_string_append_len (out, g_bytes_get_data (body, NULL), (gssize)len);
  return g_string_free_to_bytes (out);
}

gboolean
reel_http_request_has_body (SoupMessageHeaders *h)
{
  switch (soup_message_headers_get_encoding (h))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (h) > 0;
    case SOUP_ENCODING_NONE:
      return FALSE;
    default:
      return TRUE;
    }
}

gboolean
reel_http_answer_early (SoupServerMessage *msg)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  g_autoptr (GBytes) answer = NULL;
  GIOStream *stream;
  Linger *l;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  if (!reel_http_request_has_body (req)
      || (soup_message_headers_get_expectations (req) & SOUP_EXPECTATION_CONTINUE))
    return FALSE;
  answer = serialize (msg);
  if (!(stream = soup_server_message_steal_connection (msg)))
    return FALSE;
  l = g_new0 (Linger, 1);
  l->answer = g_steal_pointer (&answer);
  l->cancel = g_cancellable_new ();
  l->stream = stream;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (l->stream),
                                   g_bytes_get_data (l->answer, NULL), g_bytes_get_size (l->answer),
                                   G_PRIORITY_DEFAULT, NULL, written, l);
  return TRUE;
}
