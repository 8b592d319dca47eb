/* Integration test of HTTP served by several threads (http.threads, issue
 * 13), against a real reeld with three server threads:
 *
 *   /threads/readers  while readers on their own threads and connections
 *                     fetch the video's metadata, playlists and a segment
 *                     (whole and by Range) over and over, a writer renames
 *                     the video 30 times: every answer is whole and right
 *                     (the playlists and segment byte for byte, the JSON
 *                     parses), no reader ever sees a title older than the
 *                     last rename acknowledged before its request began,
 *                     and right after each acknowledgement fresh
 *                     connections (which the kernel spreads over the
 *                     threads) see the new title; every thread answered
 *                     requests. The lists of videos (the latest, a
 *                     channel's) are as fresh after each rename,
 *                     and fresh connections that only read lists, a
 *                     video's comments and related videos, or the web
 *                     UI's pages and files, stay on whichever thread
 *                     took them; read again with nothing written
 *                     between, those pages and the video's record are
 *                     the bodies kept from the first reads. Keep-alive connections
 *                     that read, then
 *                     write (PATCH with a body), then read again are moved
 *                     to the first thread on the write and keep working
 *                     (also after the write's 204, which libsoup 3.2 would
 *                     end by closing the connection): each sees its own
 *                     write.
 *   /threads/caps     the connection caps count every thread's connections
 *                     together and exactly: one client opening connection
 *                     after connection (read, write, close), with a cap of
 *                     four per address, is never refused, whichever thread
 *                     took or was handed each. */
#include "harness.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#define PASSWORD "correct horse battery"
#define THREADS 3
#define READERS 4
#define RENAMES 30
#define KEEPALIVE_CONNECTIONS 12
#define KEPT_SERIES "reel_http_reads_total{answer=\"kept\"}"

static struct
{
  guint16 port;
  const char *id;
  char *master, *media; /* the playlists' texts */
  GBytes *segment;      /* the first media segment's bytes */
  char *segment_path;   /* its URL path */
  gint acked;           /* the last rename acknowledged */
  gint stop;
  gint failures;
  GMutex lock;
  char *first_failure;
  gint reads;
} S;

static void
fail (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *m = NULL;
  va_start (ap, fmt);
  m = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_atomic_int_inc (&S.failures);
  g_mutex_lock (&S.lock);
  if (!S.first_failure)
    S.first_failure = g_steal_pointer (&m);
  g_mutex_unlock (&S.lock);
}

/* The number in "title N" of a video, or of a list's first item; -1 when
 * there is none. */
static gint
title_number (const char *json, gsize len)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *o;
  JsonArray *items;
  const char *title;
  if (!json_parser_load_from_data (p, json, (gssize)len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    return -1;
  o = json_node_get_object (json_parser_get_root (p));
  items = json_object_has_member (o, "items") ? json_object_get_array_member (o, "items") : NULL;
  if (items && json_array_get_length (items) > 0)
    o = json_array_get_object_element (items, 0);
  title = json_object_get_string_member_with_default (o, "title", "");
  if (!g_str_has_prefix (title, "title "))
    return -1;
  return (gint)g_ascii_strtoll (title + 6, NULL, 10);
}

static GBytes *
get (SoupSession *session, const char *path, const char *range, guint *status)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", S.port, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  GBytes *body;
  if (range)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  *status = soup_message_get_status (msg);
  return body;
}

static gpointer
reader (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  SoupSession *session;
  g_autofree char *video = g_strdup_printf ("/api/v1/videos/%s", S.id);
  const char *const lists[] = { "/api/v1/videos", "/api/v1/users/tilda/videos" };
  g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", S.id);
  g_autofree char *media = g_strdup_printf ("/videos/%s/240p.m3u8", S.id);
  gsize seg_len;
  const guint8 *seg = g_bytes_get_data (S.segment, &seg_len);

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", 30, "max-conns-per-host", 4, NULL);
  for (guint i = 0; !g_atomic_int_get (&S.stop); i++)
    {
      gint before = g_atomic_int_get (&S.acked);
      guint status = 0;
      gsize len;
      g_autoptr (GBytes) body = NULL;
      const char *text;
      switch (i % 6)
        {
        case 0:
        case 1:
          body = get (session, video, NULL, &status);
          text = body ? g_bytes_get_data (body, &len) : NULL;
          if (status != 200 || !text)
            fail ("GET video: %u", status);
          else if (title_number (text, len) < before)
            fail ("GET video: title %d after rename %d was acknowledged (%.*s)",
                  title_number (text, len), before, (int)len, text);
          break;
        case 2:
          body = get (session, i % 2 ? master : media, NULL, &status);
          text = body ? g_bytes_get_data (body, &len) : NULL;
          if (status != 200 || !text || len != strlen (i % 2 ? S.master : S.media)
              || memcmp (text, i % 2 ? S.master : S.media, len) != 0)
            fail ("GET %s: %u, or another text", i % 2 ? master : media, status);
          break;
        case 3:
          body = get (session, S.segment_path, NULL, &status);
          if (status != 200 || !body || !g_bytes_equal (body, S.segment))
            fail ("GET %s: %u, or other bytes", S.segment_path, status);
          break;
        case 4:
          body = get (session, S.segment_path, "bytes=100-1099", &status);
          text = body ? g_bytes_get_data (body, &len) : NULL;
          if (status != 206 || len != 1000 || memcmp (text, seg + 100, 1000) != 0)
            fail ("GET %s with a Range: %u, %zu bytes", S.segment_path, status, len);
          break;
        case 5:
          body = get (session, lists[i % 2], NULL, &status);
          text = body ? g_bytes_get_data (body, &len) : NULL;
          if (status != 200 || !text)
            fail ("GET %s: %u", lists[i % 2], status);
          else if (title_number (text, len) < before)
            fail ("GET %s: title %d after rename %d was acknowledged", lists[i % 2],
                  title_number (text, len), before);
          break;
        }
      g_atomic_int_inc (&S.reads);
    }
  g_object_unref (session);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* Reads one response from a keep-alive connection: its status, and its
 * body into *body. */
static guint
read_response (GInputStream *in, char **body)
{
  g_autoptr (GString) head = g_string_new (NULL);
  g_autofree char *lower = NULL;
  guint status = 0;
  gsize length = 0;
  const char *cl;
  char c;
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      if (g_input_stream_read (in, &c, 1, NULL, NULL) != 1)
        return 0;
      g_string_append_c (head, c);
    }
  if (sscanf (head->str, "HTTP/1.%*d %u", &status) != 1)
    return 0;
  lower = g_ascii_strdown (head->str, -1);
  cl = strstr (lower, "\r\ncontent-length:");
  if (cl)
    length = (gsize)g_ascii_strtoull (cl + strlen ("\r\ncontent-length:"), NULL, 10);
  *body = g_malloc0 (length + 1);
  if (length && !g_input_stream_read_all (in, *body, length, NULL, NULL, NULL))
    return 0;
  return status;
}

/* One connection: GET the video, PATCH its title, GET it again. */
static void
read_write_read (const char *token, gint n)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (client, "127.0.0.1", S.port, NULL, NULL);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autofree char *json = g_strdup_printf ("{\"title\":\"title %d\"}", n);
  g_autofree char *get
      = g_strdup_printf ("GET /api/v1/videos/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", S.id);
  g_autofree char *patch = g_strdup_printf (
      "PATCH /api/v1/videos/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
      S.id, token, strlen (json), json);
  g_autofree char *b1 = NULL, *b2 = NULL, *b3 = NULL;

  g_assert_nonnull (conn);
  g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
  g_assert_cmpuint (read_response (in, &b1), ==, 200);
  g_assert_true (g_output_stream_write_all (out, patch, strlen (patch), NULL, NULL, NULL));
  g_assert_cmpuint (read_response (in, &b2), ==, 204);
  g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
  g_assert_cmpuint (read_response (in, &b3), ==, 200);
  g_assert_cmpint (title_number (b3, strlen (b3)), ==, n);
}

static void
test_readers (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *work = reel_test_tmpdir ();
  g_autofree char *config = g_build_filename (work, "reeld.conf", NULL);
  g_autofree char *conf = g_strdup_printf ("[http]\nthreads = %u\n[media]\nladder = "
                                           "240p:240:300\nx264_preset = ultrafast\n",
                                           THREADS);
  ReelTestReeld *d;
  g_autofree char *token = NULL, *clip = NULL, *id = NULL;
  GThread *threads[READERS];
  double handed_over;

  g_assert_true (g_file_set_contents (config, conf, -1, NULL));
  d = reel_test_reeld_start_config (dir, NULL, config);
  S.port = d->port;
  token = reel_test_register_login (d->port, "tilda", PASSWORD);
  clip = reel_test_make_media (
      work, "clip.mp4",
      "videotestsrc num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=130 ! audioconvert ! avenc_aac ! m.");
  id = reel_test_upload (d->port, token, clip, "title 0");
  S.id = id;
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }

  /* What every reader must get. */
  {
    g_autofree char *mp = g_strdup_printf ("/videos/%s/master.m3u8", id);
    g_autofree char *pp = g_strdup_printf ("/videos/%s/240p.m3u8", id);
    g_autoptr (ReelTestResponse) m = reel_test_http (d->port, "GET", mp, NULL, NULL, 0);
    g_autoptr (ReelTestResponse) p = reel_test_http (d->port, "GET", pp, NULL, NULL, 0);
    g_auto (GStrv) lines = NULL;
    g_assert_cmpuint (m->status, ==, 200);
    g_assert_cmpuint (p->status, ==, 200);
    S.master = g_strdup (m->body);
    S.media = g_strdup (p->body);
    lines = g_strsplit (p->body, "\n", -1);
    for (guint i = 0; lines[i] && !S.segment_path; i++)
      if (lines[i][0] && lines[i][0] != '#')
        S.segment_path = g_strdup_printf ("/videos/%s/%s", id, lines[i]);
    g_assert_nonnull (S.segment_path);
  }
  {
    g_autoptr (ReelTestResponse) s = reel_test_http (d->port, "GET", S.segment_path, NULL, NULL, 0);
    g_assert_cmpuint (s->status, ==, 200);
    g_assert_cmpuint (s->body_len, >, 1100);
    S.segment = g_bytes_new (s->body, s->body_len);
  }

  for (guint i = 0; i < READERS; i++)
    threads[i] = g_thread_new ("reader", reader, NULL);
  for (gint n = 1; n <= RENAMES; n++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
      g_autofree char *body = g_strdup_printf ("{\"title\":\"title %d\"}", n);
      g_autoptr (ReelTestResponse) r
          = reel_test_http (d->port, "PATCH", path, token, body, strlen (body));
      g_assert_cmpuint (r->status, ==, 204);
      g_atomic_int_set (&S.acked, n);
      /* Read-your-write on new connections, whichever thread takes them,
       * of the video and of the lists it is in. */
      for (guint k = 0; k < 3; k++)
        {
          const char *const reads[] = { path, "/api/v1/videos", "/api/v1/users/tilda/videos" };
          for (guint j = 0; j < G_N_ELEMENTS (reads); j++)
            {
              g_autofree char *got = NULL;
              g_assert_cmpuint (reel_test_raw_get (d->port, reads[j], &got), ==, 200);
              g_assert_cmpint (title_number (got, strlen (got)), ==, n);
            }
        }
    }
  g_atomic_int_set (&S.stop, 1);
  for (guint i = 0; i < READERS; i++)
    g_thread_join (threads[i]);
  g_test_message ("%d reads, %d failures", S.reads, S.failures);
  g_assert_cmpstr (S.first_failure, ==, NULL);
  g_assert_cmpint (S.failures, ==, 0);
  g_assert_cmpint (S.reads, >, 100);

  /* The lists, a video's comments and its related videos, and the web
   * UI's pages and files, run on every thread: fresh connections (which
   * the kernel spreads over the threads) that only read them are never
   * moved to the first. */
  {
    double before = reel_test_metric (d->port, "reel_http_connections_handed_over_total");
    /* Nothing is written meanwhile: the pages read again are the bodies
     * kept from the first reads (http/query.h), on whichever thread. */
    double kept = MAX (0, reel_test_metric (d->port, KEPT_SERIES));
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", id);
    g_autofree char *related = g_strdup_printf ("/api/v1/videos/%s/related", id);
    g_autofree char *watch = g_strdup_printf ("/watch/%s", id);
    g_autofree char *embed = g_strdup_printf ("/embed/%s", id);
    g_autofree char *oembed
        = g_strdup_printf ("/api/v1/oembed?url=http%%3A%%2F%%2F127.0.0.1%%2Fwatch%%2F%s", id);
    g_autofree char *video = g_strdup_printf ("/api/v1/videos/%s", id);
    const char *const reads[] = { video,
                                  "/api/v1/videos",
                                  "/api/v1/users/tilda/videos",
                                  "/api/v1/search?q=title",
                                  comments,
                                  related,
                                  "/",
                                  watch,
                                  embed,
                                  oembed,
                                  "/channel/tilda",
                                  "/static/app.js" };
    for (guint k = 0; k < 6 * G_N_ELEMENTS (reads); k++)
      {
        g_autofree char *got = NULL;
        g_assert_cmpuint (reel_test_raw_get (d->port, reads[k % G_N_ELEMENTS (reads)], &got), ==,
                          200);
      }
    g_assert_cmpfloat (reel_test_metric (d->port, "reel_http_connections_handed_over_total"), ==,
                       before);
    g_assert_cmpfloat (reel_test_metric (d->port, KEPT_SERIES), >=, kept + 10);
    /* The video's own record (public: its media need no signature) too. */
    kept = reel_test_metric (d->port, KEPT_SERIES);
    for (guint k = 0; k < 5; k++)
      {
        g_autofree char *got = NULL;
        g_assert_cmpuint (reel_test_raw_get (d->port, video, &got), ==, 200);
      }
    g_assert_cmpfloat (reel_test_metric (d->port, KEPT_SERIES), >=, kept + 3);
  }

  /* Read, write, read on one connection. */
  for (gint n = 0; n < KEEPALIVE_CONNECTIONS; n++)
    read_write_read (token, RENAMES + 1 + n);
  handed_over = reel_test_metric (d->port, "reel_http_connections_handed_over_total");
  g_test_message ("%.0f connections handed over to the first thread", handed_over);
  g_assert_cmpfloat (handed_over, >, 0);

  /* Every thread served. */
  for (guint t = 0; t < THREADS; t++)
    {
      g_autofree char *series
          = g_strdup_printf ("reel_http_thread_requests_total{thread=\"%u\"}", t);
      double served = reel_test_metric (d->port, series);
      g_test_message ("thread %u: %.0f requests", t, served);
      g_assert_cmpfloat (served, >, 0);
    }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  g_clear_pointer (&S.master, g_free);
  g_clear_pointer (&S.media, g_free);
  g_clear_pointer (&S.segment_path, g_free);
  g_clear_pointer (&S.segment, g_bytes_unref);
  reel_test_rmtree (dir);
  reel_test_rmtree (work);
}

static void
test_caps (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *work = reel_test_tmpdir ();
  g_autofree char *config = g_build_filename (work, "reeld.conf", NULL);
  ReelTestReeld *d;

  g_assert_true (
      g_file_set_contents (config, "[http]\nthreads = 3\nmax_connections_per_ip = 4\n", -1, NULL));
  d = reel_test_reeld_start_config (dir, NULL, config);
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr (GSocketClient) client = g_socket_client_new ();
      g_autoptr (GSocketConnection) conn
          = g_socket_client_connect_to_host (client, "127.0.0.1", d->port, NULL, NULL);
      GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
      GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
      const char *get = "GET /api/v1/videos/AAAAAAAAAAA HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      const char *patch = "PATCH /api/v1/videos/AAAAAAAAAAA HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
      g_autofree char *b1 = NULL, *b2 = NULL;
      g_assert_nonnull (conn);
      g_assert_true (g_output_stream_write_all (out, get, strlen (get), NULL, NULL, NULL));
      g_assert_cmpuint (read_response (in, &b1), ==, 404);
      g_assert_true (g_output_stream_write_all (out, patch, strlen (patch), NULL, NULL, NULL));
      g_assert_cmpuint (read_response (in, &b2), ==, 401);
      g_assert_true (g_io_stream_close (G_IO_STREAM (conn), NULL, NULL));
      g_usleep (30 * 1000);
    }
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_http_connections_handed_over_total"), >, 0);
  g_assert_cmpfloat (
      reel_test_metric (d->port, "reel_http_connections_refused_total{cap=\"per_ip\"}"), <=, 0);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (work);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/threads/readers", test_readers);
  g_test_add_func ("/threads/caps", test_caps);
  return g_test_run ();
}
