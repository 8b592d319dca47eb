/* The hardening tests of requests that repeat, lie or leave (see
 * test_hardening.c): /hardening/idempotency, method-label, client-gone
 * and live-slot. */
#include "hardening_common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/types.h>
#include <utime.h>

void test_idempotency (void);
void test_method_label (void);
void test_client_gone (void);
void test_live_slot (void);

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

void
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

void
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
void
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

void
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
