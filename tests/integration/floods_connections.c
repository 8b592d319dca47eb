/* The flood tests of connections (see test_floods.c):
 * /floods/slow-headers, /floods/timeouts, /floods/connection-caps and
 * /floods/made-up-ids. */
#include "floods_common.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

void test_slow_headers (void);
void test_timeouts (void);
void test_connection_caps (void);
void test_made_up_ids (void);

/* --- connections --- */

#define STALLED 300

static gboolean
read_eof (GSocketConnection *conn)
{
  guint8 buf[256];
  g_autoptr (GError) error = NULL;
  gssize got;
  while ((got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                     sizeof buf, NULL, &error))
         > 0)
    ;
  /* EOF, or the server's reset. */
  return got == 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
         || (error && error->domain == G_IO_ERROR
             && error->code == (gint)g_io_error_from_errno (ECONNRESET));
}

/* Reads one response off a connection, by its Content-Length; NULL when
 * the connection ends (or is reset) first. */
static char *
read_one (GSocketConnection *conn)
{
  GInputStream *is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *length = NULL;
  char c;
  while (!g_str_has_suffix (text->str, "\r\n\r\n"))
    {
      if (g_input_stream_read (is, &c, 1, NULL, NULL) != 1)
        return NULL;
      g_string_append_c (text, c);
    }
  length = head_value (text->str, "Content-Length");
  g_assert_nonnull (length);
  for (gsize i = 0, body = (gsize)atoi (length); i < body; i++)
    {
      if (g_input_stream_read (is, &c, 1, NULL, NULL) != 1)
        return NULL;
      g_string_append_c (text, c);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static guint
read_response (GSocketConnection *conn)
{
  g_autofree char *text = read_one (conn);
  g_auto (Answer) a = { 0 };
  g_assert_nonnull (text);
  parse_answer (text, &a);
  return a.status;
}

static const char *KEEPALIVE_GET = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

void
test_slow_headers (void)
{
  const guint header_timeout = 2;
  Node *n = node_start (MANY_CONNECTIONS "header_timeout_seconds = 2\n");
  GSocketConnection *stalled[STALLED];
  gint64 opened[STALLED];
  gint64 t0, served_us, worst_us = 0;

  for (guint i = 0; i < STALLED; i++)
    {
      stalled[i] = raw_connect (n->d->port);
      raw_send (stalled[i], "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      opened[i] = g_get_monotonic_time ();
    }
  /* A normal request is served while they hang. */
  t0 = g_get_monotonic_time ();
  {
    g_auto (Answer) a;
    raw_call (n->d->port, "GET", "/healthz", NULL, NULL, NULL, NULL, &a);
    g_assert_cmpuint (a.status, ==, 200);
  }
  served_us = g_get_monotonic_time () - t0;
  g_assert_cmpint (served_us, <, (gint64)header_timeout * G_USEC_PER_SEC);
  /* Each stalled one sees EOF within the header timeout plus slack of its
   * opening (measured when read, so an upper bound). */
  for (guint i = 0; i < STALLED; i++)
    {
      g_socket_set_timeout (g_socket_connection_get_socket (stalled[i]),
                            header_timeout + CLOSE_SLACK_S + 5);
      g_assert_true (read_eof (stalled[i]));
      worst_us = MAX (worst_us, g_get_monotonic_time () - opened[i]);
      g_object_unref (stalled[i]);
    }
  g_printerr ("# %d stalled connections: a normal request took %.3f s; all closed by the "
              "server at most %.3f s after they opened (header timeout %u s)\n",
              STALLED, served_us / 1e6, worst_us / 1e6, header_timeout);
  g_assert_cmpint (worst_us, <=, (gint64)(header_timeout + CLOSE_SLACK_S) * G_USEC_PER_SEC);
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_connections_timed_out_total{phase=\"headers\"}"), >=,
      STALLED);
  /* ...and has let them go: they no longer count against the caps. */
  for (int i = 0; i < 250 && reel_test_metric (n->d->port, "reel_http_connections") > 2; i++)
    g_usleep (20 * 1000);
  g_assert_cmpfloat (reel_test_metric (n->d->port, "reel_http_connections"), <=, 2);
  node_stop (n);
}

void
test_timeouts (void)
{
  const guint body_timeout = 2, idle_timeout = 3;
  Node *n = node_start (MANY_CONNECTIONS "body_timeout_seconds = 2\nidle_timeout_seconds = 3\n");
  gint64 t0;

  /* Keep-alive still works: two requests on one connection; then it idles
   * and is closed after idle_timeout. */
  {
    g_autoptr (GSocketConnection) conn = raw_connect (n->d->port);
    raw_send (conn, KEEPALIVE_GET);
    g_assert_cmpuint (read_response (conn), ==, 200);
    raw_send (conn, KEEPALIVE_GET);
    g_assert_cmpuint (read_response (conn), ==, 200);
    t0 = g_get_monotonic_time ();
    g_socket_set_timeout (g_socket_connection_get_socket (conn), idle_timeout + CLOSE_SLACK_S + 5);
    g_assert_true (read_eof (conn));
    g_assert_cmpint (g_get_monotonic_time () - t0, <=,
                     (gint64)(idle_timeout + CLOSE_SLACK_S) * G_USEC_PER_SEC);
  }
  /* A body that stops halfway. */
  {
    g_autoptr (GSocketConnection) conn = raw_connect (n->d->port);
    raw_send (conn, "POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user");
    t0 = g_get_monotonic_time ();
    g_socket_set_timeout (g_socket_connection_get_socket (conn), body_timeout + CLOSE_SLACK_S + 5);
    g_assert_true (read_eof (conn));
    g_assert_cmpint (g_get_monotonic_time () - t0, <=,
                     (gint64)(body_timeout + CLOSE_SLACK_S) * G_USEC_PER_SEC);
  }
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_connections_timed_out_total{phase=\"idle\"}"), >=,
      1);
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_connections_timed_out_total{phase=\"body\"}"), ==,
      1);
  node_stop (n);
}

/* Opens keep-alive connections that each complete a request, until one is
 * refused (503, or closed at once); returns how many were admitted, and
 * closes them all. */
static guint
fill_connections (guint16 port, guint most)
{
  g_autoptr (GPtrArray) open = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < most; i++)
    {
      GSocketConnection *conn = raw_connect (port);
      g_autofree char *text = NULL;
      g_auto (Answer) a = { 0 };
      raw_send (conn, KEEPALIVE_GET);
      /* Admitted: 200 and the connection stays open. Refused: the 503
       * written on accept and the close. */
      if ((text = read_one (conn)))
        parse_answer (text, &a);
      if (a.status == 200)
        {
          g_ptr_array_add (open, conn);
          continue;
        }
      /* A reset can overtake the 503; when it arrived, it is the API's. */
      if (a.status)
        {
          g_assert_cmpuint (a.status, ==, 503);
          g_assert_cmpstr (a.code, ==, "unavailable");
          g_assert_nonnull (a.retry_after);
        }
      g_assert_true (read_eof (conn));
      g_object_unref (conn);
      return open->len;
    }
  g_assert_not_reached ();
}

void
test_connection_caps (void)
{
  const guint per_ip = 4, total = 5;
  Node *n = node_start ("[http]\nmax_connections_per_ip = 4\n"
                        "[limits]\nregister_per_ip = 2/3600\n");
  guint admitted;

  /* The harness may hold a keep-alive connection of its own. */
  admitted = fill_connections (n->d->port, per_ip + 2);
  g_assert_cmpuint (admitted, >=, per_ip - 1);
  g_assert_cmpuint (admitted, <=, per_ip);
  /* Closed connections free their slots. */
  for (int i = 0; i < 100 && reel_test_metric (n->d->port, "reel_http_connections") > 1; i++)
    g_usleep (20 * 1000);
  g_assert_cmpuint (fill_connections (n->d->port, per_ip + 2), ==, admitted);
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_connections_refused_total{cap=\"per_ip\"}"), ==, 2);
  /* So do connections the client resets while they idle (a load tester or
   * a browser closing with bytes unread): at once, not after the idle
   * timeout (30 s here), or the address would stay at its cap. */
  {
    g_autoptr (GPtrArray) open = g_ptr_array_new_with_free_func (g_object_unref);
    for (guint i = 0; i < per_ip - 1; i++)
      {
        GSocketConnection *conn = raw_connect (n->d->port);
        raw_send (conn, KEEPALIVE_GET);
        g_assert_cmpuint (read_response (conn), ==, 200);
        g_ptr_array_add (open, conn);
      }
    for (guint i = 0; i < open->len; i++)
      {
        GSocket *socket = g_socket_connection_get_socket (open->pdata[i]);
        struct linger reset = { 1, 0 };
        g_assert_cmpint (
            setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &reset, sizeof reset), ==,
            0);
        g_assert_true (g_socket_close (socket, NULL));
      }
    for (int i = 0; i < 150 && reel_test_metric (n->d->port, "reel_http_connections") > 1; i++)
      g_usleep (20 * 1000);
    g_assert_cmpfloat (reel_test_metric (n->d->port, "reel_http_connections"), <=, 1);
  }
  /* 127.0.0.1 is no trusted proxy here: X-Forwarded-For changes nothing. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *addr = from (i);
      g_autofree char *body
          = g_strdup_printf ("{\"username\":\"user%u\",\"password\":\"correct horse battery\"}", i);
      g_auto (Answer) a;
      raw_call (n->d->port, "POST", "/api/v1/users", NULL, addr, NULL, body, &a);
      if (i < 2)
        g_assert_cmpuint (a.status, ==, 201);
      else
        assert_limited (&a);
    }
  node_stop (n);

  /* The total cap; a trusted proxy is exempt from the per-address one. */
  n = node_start ("[http]\ntrusted_proxies = 127.0.0.1\nmax_connections_per_ip = 1\n"
                  "max_connections = 5\n");
  admitted = fill_connections (n->d->port, total + 2);
  g_assert_cmpuint (admitted, >=, total - 1);
  g_assert_cmpuint (admitted, <=, total);
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_connections_refused_total{cap=\"total\"}"), ==, 1);
  node_stop (n);
}

/* A lookup that misses asks NATS how far the log is (read-your-writes
 * across nodes: server.h, reel_http_catch_up). With NATS hung, every ask
 * would hold its server thread for the whole timeout; after one fails,
 * misses are answered at once for a while. Counted, not timed. */
void
test_made_up_ids (void)
{
  Node *n = node_start ("");
  const guint misses = 8;
  /* Well-formed: a video id (core/id.h) and a session token's shape. */
  const char *bearer = "Bearer abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
  const char *headers[] = { "Authorization", bearer, NULL };

  /* One miss with NATS up: the log's end is asked for, and is no further
   * than this node's projection. */
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (n->d->port, "GET", "/api/v1/videos/zzzzzzzzzz0", NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 404);
  }
  g_assert_cmpfloat (reel_test_metric (n->d->port, "reel_http_catch_up_total{outcome=\"current\"}"),
                     ==, 1);

  g_subprocess_send_signal (n->nats->proc, SIGSTOP);
  /* kill() only queues the signal: a first miss sent at once could still
   * be answered by the server before it stops. */
  {
    const char *pid = g_subprocess_get_identifier (n->nats->proc);
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    char state;
    while ((state = reel_test_proc_state (pid)) != 'T')
      {
        g_assert_cmpint (state, !=, 0);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10 * 1000);
      }
  }
  for (guint i = 0; i < misses; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/zzzzzzzzz%02u", i);
      g_autoptr (ReelTestResponse) v = reel_test_http (n->d->port, "GET", path, NULL, NULL, 0);
      g_autoptr (ReelTestResponse) u = reel_test_http_full (n->d->port, "GET", "/api/v1/users/me",
                                                            NULL, headers, NULL, NULL, 0);
      g_assert_cmpuint (v->status, ==, 404);
      g_assert_cmpuint (u->status, ==, 401);
    }
  g_subprocess_send_signal (n->nats->proc, SIGCONT);
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_catch_up_total{outcome=\"log_unreachable\"}"), ==,
      1);
  g_assert_cmpfloat (reel_test_metric (n->d->port, "reel_http_catch_up_total{outcome=\"skipped\"}"),
                     ==, 2 * misses - 1);
  node_stop (n);
}
