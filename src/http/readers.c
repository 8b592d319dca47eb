/* See readers.h. */
#include "http/readers.h"
#include "http/connections.h"
#include "http/replay_stream.h"
#include "core/metrics.h"

#define DATA_READER "reel-reader"

/* The routes any server thread runs (GET answers HEAD too). Their handlers
 * read the store and blobs, and share only what is locked: the playlist
 * cache, the metrics, the rate limiter. */
static const struct
{
  const char *method;
  const char *pattern;
} shared[] = {
  { "GET", "/api/v1/videos/{id}" },
  /* The lists a visitor browses: only reads, each video a shared record. */
  { "GET", "/api/v1/videos" },
  { "GET", "/api/v1/users/{username}/videos" },
  { "GET", "/api/v1/search" },
  { "GET", "/api/v1/videos/{id}/comments" },
  { "GET", "/api/v1/videos/{id}/related" },
  /* The web UI's pages and files (http/api_web.c, the embed player's page
   * and its oEmbed): files, and reads of the video or channel they name.
   * A browser keeps its connection for the API calls that follow, so a
   * page handed over to the first thread took its visitor's whole
   * browsing there. */
  { "GET", "/" },
  { "GET", "/watch/{id}" },
  { "GET", "/login" },
  { "GET", "/reset" },
  { "GET", "/verify" },
  { "GET", "/admin" },
  { "GET", "/upload" },
  { "GET", "/search" },
  { "GET", "/channel/{username}" },
  { "GET", "/playlist/{id}" },
  { "GET", "/static/vendor/{file}" },
  { "GET", "/static/{file}" },
  { "GET", "/embed/{id}" },
  { "GET", "/api/v1/oembed" },
  { "GET", "/videos/{id}/master.m3u8" },
  { "GET", "/videos/{id}/manifest.mpd" },
  { "GET", "/videos/{id}/poster.jpg" },
  { "GET", "/videos/{id}/posters/{file}" },
  { "GET", "/videos/{id}/storyboard.vtt" },
  { "GET", "/videos/{id}/storyboard.jpg" },
  { "GET", "/videos/{id}/{playlist}" },
  { "GET", "/videos/{id}/captions/{file}" },
  { "GET", "/videos/{id}/{rendition}/{file}" },
  { "OPTIONS", "/videos/{id}/{rendition}/{file}" },
  { "GET", "/s/{token}/videos/{id}/master.m3u8" },
  { "GET", "/s/{token}/videos/{id}/manifest.mpd" },
  { "GET", "/s/{token}/videos/{id}/poster.jpg" },
  { "GET", "/s/{token}/videos/{id}/posters/{file}" },
  { "GET", "/s/{token}/videos/{id}/storyboard.vtt" },
  { "GET", "/s/{token}/videos/{id}/storyboard.jpg" },
  { "GET", "/s/{token}/videos/{id}/{playlist}" },
  { "GET", "/s/{token}/videos/{id}/captions/{file}" },
  { "GET", "/s/{token}/videos/{id}/{rendition}/{file}" },
  { "OPTIONS", "/s/{token}/videos/{id}/{rendition}/{file}" },
};

gboolean
reel_readers_route_shared (const char *method, const char *pattern)
{
  if (g_str_equal (method, "HEAD"))
    method = "GET";
  for (guint i = 0; i < G_N_ELEMENTS (shared); i++)
    if (g_str_equal (shared[i].method, method) && g_str_equal (shared[i].pattern, pattern))
      return TRUE;
  return FALSE;
}

typedef struct
{
  ReelHttp *http;
  guint index; /* of the server thread: 1 and up */
  GSocket *listening;
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  ReelConnections *connections;
  /* Start-up: the thread reports whether it serves. */
  GMutex lock;
  GCond cond;
  gboolean started;
  GError *error;
} Reader;

struct ReelReaders
{
  GPtrArray *readers; /* Reader */
};

static gpointer
reader_main (gpointer data)
{
  Reader *r = data;
  GError *error = NULL;

  g_main_context_push_thread_default (r->context);
  r->server = reel_http_new_server (r->http, r->index);
  g_object_set_data (G_OBJECT (r->server), DATA_READER, r);
  r->connections = reel_connections_new (r->server, r->http->cfg, r->http->trusted_proxies,
                                         r->http->connections);
  soup_server_listen_socket (r->server, r->listening, 0, &error);
  g_mutex_lock (&r->lock);
  r->started = TRUE;
  r->error = error;
  g_cond_signal (&r->cond);
  g_mutex_unlock (&r->lock);
  if (!error)
    g_main_loop_run (r->loop);

  soup_server_disconnect (r->server);
  reel_connections_free (r->connections);
  g_clear_object (&r->server);
  /* What was posted here last (ends of blob streams). */
  while (g_main_context_iteration (r->context, FALSE))
    ;
  g_main_context_pop_thread_default (r->context);
  return NULL;
}

static void
reader_free (gpointer p)
{
  Reader *r = p;
  if (r->thread)
    {
      g_main_loop_quit (r->loop);
      g_thread_join (r->thread);
    }
  g_clear_error (&r->error);
  g_clear_object (&r->listening);
  g_main_loop_unref (r->loop);
  g_main_context_unref (r->context);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

ReelReaders *
reel_readers_start (ReelHttp *http, GSocketAddress *address, guint count, GError **error)
{
  ReelReaders *readers = g_new0 (ReelReaders, 1);
  readers->readers = g_ptr_array_new_with_free_func (reader_free);
  for (guint i = 0; i < count; i++)
    {
      Reader *r = g_new0 (Reader, 1);
      g_autofree char *name = g_strdup_printf ("http-%u", i + 1);
      g_ptr_array_add (readers->readers, r);
      r->http = http;
      r->index = i + 1;
      r->context = g_main_context_new ();
      r->loop = g_main_loop_new (r->context, FALSE);
      g_mutex_init (&r->lock);
      g_cond_init (&r->cond);
      if (!(r->listening = reel_http_listening_socket (address, TRUE, error)))
        {
          reel_readers_stop (readers);
          return NULL;
        }
      r->thread = g_thread_new (name, reader_main, r);
      g_mutex_lock (&r->lock);
      while (!r->started)
        g_cond_wait (&r->cond, &r->lock);
      g_mutex_unlock (&r->lock);
      if (r->error)
        {
          g_propagate_error (error, g_steal_pointer (&r->error));
          reel_readers_stop (readers);
          return NULL;
        }
    }
  return readers;
}

void
reel_readers_stop (ReelReaders *readers)
{
  if (!readers)
    return;
  g_ptr_array_unref (readers->readers);
  g_free (readers);
}

/* --- moving a connection to the first server --- */

typedef struct
{
  ReelHttp *http;
  GIOStream *stream;
  GSocket *socket;
  GSocketAddress *local, *remote;
  gboolean tracked;
} Handoff;

static void
handoff_free (gpointer p)
{
  Handoff *h = p;
  g_atomic_int_add (&h->http->handoffs, -1);
  g_clear_object (&h->stream);
  g_clear_object (&h->socket);
  g_clear_object (&h->local);
  g_clear_object (&h->remote);
  g_free (h);
}

/* On the first server's thread. */
static gboolean
adopt (gpointer data)
{
  Handoff *h = data;
  g_autoptr (GError) error = NULL;
  if (h->tracked)
    reel_connections_take (h->http->connections, h->socket, h->remote);
  reel_metrics_add ("reel_http_connections_handed_over_total", NULL, 1);
  if (!soup_server_accept_iostream (h->http->server, h->stream, h->local, h->remote, &error))
    {
      g_warning ("handing a connection to the first HTTP thread: %s", error->message);
      (void)g_io_stream_close (h->stream, NULL, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
append_header (const char *name, const char *value, gpointer data)
{
  g_string_append_printf (data, "%s: %s\r\n", name, value);
}

/* The request's head as the client sent it (the path raw: the server
 * keeps paths as sent). */
static GBytes *
request_head (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  GString *head = g_string_new (soup_server_message_get_method (msg));
  g_string_append_printf (head, " %s%s%s HTTP/1.%d\r\n", g_uri_get_path (uri), query ? "?" : "",
                          query ? query : "",
                          soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0 ? 0 : 1);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), append_header, head);
  g_string_append (head, "\r\n");
  return g_string_free_to_bytes (head);
}

void
reel_readers_hand_over (ReelHttp *http, SoupServer *server, SoupServerMessage *msg)
{
  Reader *r = g_object_get_data (G_OBJECT (server), DATA_READER);
  g_autoptr (GBytes) head = request_head (msg);
  g_autoptr (GIOStream) stream = NULL;
  Handoff *h = g_new0 (Handoff, 1);

  h->http = http;
  g_atomic_int_inc (&http->handoffs);
  h->socket = g_object_ref (soup_server_message_get_socket (msg));
  h->local = g_object_ref (soup_server_message_get_local_address (msg));
  h->remote = g_object_ref (soup_server_message_get_remote_address (msg));
  h->tracked = reel_connections_hand_over (r->connections, h->socket);
  stream = soup_server_message_steal_connection (msg);
  if (!stream)
    {
      handoff_free (h);
      return;
    }
  h->stream = reel_replay_stream_new (stream, head);
  g_main_context_invoke_full (http->context, G_PRIORITY_DEFAULT, adopt, h, handoff_free);
}
