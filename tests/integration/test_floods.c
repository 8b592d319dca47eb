/* Integration tests of flood limits (issue 11: "Floods are throttled",
 * "Connections are bounded"), against real reeld processes whose limits are
 * set through their config files. Floods and stalled connections go over
 * raw sockets, one connection per request, so nothing on the client side
 * (a session's connection pool) shapes what the server sees.
 *
 *   /floods/login            acceptance 3: 200 parallel wrong-password
 *                            logins get 429s; /healthz and a read answer in
 *                            under a second throughout
 *   /floods/hash-pool        the same flood with the rate limits off: the
 *                            password-hashing queue refuses the excess (503,
 *                            Retry-After) and /healthz stays under a second
 *   /floods/comments         40 parallel comments by one user, limit 5:
 *                            exactly 5 are posted
 *   /floods/limits           every limited route answers 429 rate_limited
 *                            with Retry-After past its rate, per address and
 *                            per account; X-Forwarded-For from a trusted proxy
 *   /floods/slow-headers     acceptance 4: 300 connections stall in their
 *                            headers; a normal request is served; the
 *                            stalled ones see EOF within the header timeout
 *                            plus slack
 *   /floods/timeouts         keep-alive still works; a silent body and an
 *                            idle keep-alive connection are closed
 *   /floods/connection-caps  per-address cap (503); closed and reset
 *                            connections free their slots at once; an
 *                            untrusted peer's X-Forwarded-For is ignored; the total cap, and a
 *                            trusted proxy exempt from the per-address one
 *   /floods/made-up-ids      with NATS hung, a run of made-up video ids and
 *                            session tokens asks NATS for the log's end
 *                            once, not once each (each ask waits its whole
 *                            timeout): every one is still a plain 404 / 401 */
#include "harness.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

static const char *PASSWORD = "correct horse battery";

/* Seconds a test allows beyond a configured timeout for the server's timer
 * and the client's read to notice (acceptance 4: "header timeout + slack"). */
#define CLOSE_SLACK_S 3
/* Acceptance 3: /healthz answers in under a second throughout the flood. */
#define HEALTHZ_MAX_US G_USEC_PER_SEC

/* --- a reeld with its own config --- */

typedef struct
{
  ReelTestNats *nats;
  char *dir;
  ReelTestReeld *d;
} Node;

static Node *
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

static void
node_stop (Node *n)
{
  g_assert_cmpint (reel_test_reeld_stop (n->d), ==, 0);
  reel_test_reeld_free (n->d);
  reel_test_nats_stop (n->nats);
  reel_test_rmtree (n->dir);
  g_free (n->dir);
  g_free (n);
}

/* --- raw HTTP, one connection per request --- */

static GSocketConnection *
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

static void
raw_send (GSocketConnection *conn, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Reads until EOF (or a reset); returns what came. */
static char *
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

typedef struct
{
  guint status; /* 0: no answer */
  char *retry_after;
  char *code; /* error code of an error body */
  char *body;
} Answer;

static void
answer_clear (Answer *a)
{
  g_free (a->retry_after);
  g_free (a->code);
  g_free (a->body);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

/* The header's value in a raw response head, or NULL. */
static char *
head_value (const char *head, const char *name)
{
  g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);
  gsize n = strlen (name);
  for (guint i = 1; lines[i] && *lines[i]; i++)
    if (g_ascii_strncasecmp (lines[i], name, n) == 0 && lines[i][n] == ':')
      return g_strstrip (g_strdup (lines[i] + n + 1));
  return NULL;
}

static void
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
static void
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
static void
assert_limited (const Answer *a)
{
  g_assert_cmpuint (a->status, ==, 429);
  g_assert_cmpstr (a->code, ==, "rate_limited");
  g_assert_nonnull (a->retry_after);
  g_assert_cmpint (atoi (a->retry_after), >=, 1);
}

/* --- polling /healthz and a read during a flood --- */

typedef struct
{
  guint16 port;
  const char *read_path;
  gint stop;
  gint64 max_us[2]; /* /healthz, the read */
  guint polls;
  guint failures;
} Poller;

static gpointer
poll_thread (gpointer data)
{
  Poller *p = data;
  const char *paths[2] = { "/healthz", p->read_path };
  while (!g_atomic_int_get (&p->stop))
    for (guint i = 0; i < 2; i++)
      {
        g_auto (Answer) a;
        gint64 t0 = g_get_monotonic_time (), dt;
        raw_call (p->port, "GET", paths[i], NULL, NULL, NULL, NULL, &a);
        dt = g_get_monotonic_time () - t0;
        p->max_us[i] = MAX (p->max_us[i], dt);
        p->polls++;
        if (a.status != 200)
          p->failures++;
        g_usleep (10 * 1000);
      }
  return NULL;
}

/* --- parallel requests --- */

typedef struct
{
  guint16 port;
  const char *method, *path, *token, *body;
  Answer answer;
} Call;

static gpointer
call_thread (gpointer data)
{
  Call *c = data;
  raw_call (c->port, c->method, c->path, c->token, NULL, NULL, c->body, &c->answer);
  return NULL;
}

/* Sends n copies of one request at once; fills calls[n]. */
static void
parallel (Call *calls, guint n)
{
  g_autofree GThread **threads = g_new (GThread *, n);
  for (guint i = 0; i < n; i++)
    threads[i] = g_thread_new ("call", call_thread, &calls[i]);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
}

#define LOGIN_FLOOD 200

/* 200 parallel wrong-password logins against one account while a poller
 * times /healthz and a read; returns the calls (statuses) and the poller. */
static Call *
login_flood (guint16 port, Poller *poller)
{
  Call *calls = g_new0 (Call, LOGIN_FLOOD);
  GThread *t;
  *poller = (Poller){ port, "/api/v1/users/victim" };
  t = g_thread_new ("poll", poll_thread, poller);
  g_usleep (100 * 1000);
  for (guint i = 0; i < LOGIN_FLOOD; i++)
    calls[i] = (Call){ port, "POST", "/api/v1/sessions", NULL,
                       "{\"username\":\"victim\",\"password\":\"wrong password!\"}" };
  parallel (calls, LOGIN_FLOOD);
  g_usleep (200 * 1000);
  g_atomic_int_set (&poller->stop, 1);
  g_thread_join (t);
  return calls;
}

static void
calls_free (Call *calls, guint n)
{
  for (guint i = 0; i < n; i++)
    answer_clear (&calls[i].answer);
  g_free (calls);
}

/* A config with room for hundreds of connections from 127.0.0.1. */
#define MANY_CONNECTIONS "[http]\nmax_connections = 2000\nmax_connections_per_ip = 2000\n"

static void
register_victim (guint16 port)
{
  g_autofree char *token = reel_test_register_login (port, "victim", PASSWORD);
  g_assert_nonnull (token);
}

/* Sorts a login flood's answers: refused (refused_status with code and
 * Retry-After) or 401 (hashed, and wrong), nothing else; prints what was
 * seen and asserts that /healthz and the read stayed fast throughout. */
static void
tally_login_flood (const char *what, Call *calls, guint refused_status, const char *refused_code,
                   Poller *poller, guint *refused, guint *wrong)
{
  *refused = *wrong = 0;
  for (guint i = 0; i < LOGIN_FLOOD; i++)
    {
      const Answer *a = &calls[i].answer;
      if (a->status == refused_status)
        {
          g_assert_cmpstr (a->code, ==, refused_code);
          g_assert_nonnull (a->retry_after);
          g_assert_cmpint (atoi (a->retry_after), >=, 1);
          (*refused)++;
        }
      else
        {
          g_assert_cmpuint (a->status, ==, 401);
          (*wrong)++;
        }
    }
  g_printerr ("# %s: %u of %d got %u, %u were hashed (401); max /healthz %.3f s, max read "
              "%.3f s over %u polls\n",
              what, *refused, LOGIN_FLOOD, refused_status, *wrong, poller->max_us[0] / 1e6,
              poller->max_us[1] / 1e6, poller->polls);
  g_assert_cmpuint (poller->failures, ==, 0);
  g_assert_cmpuint (poller->polls, >=, 2);
  g_assert_cmpint (poller->max_us[0], <, HEALTHZ_MAX_US);
  g_assert_cmpint (poller->max_us[1], <, HEALTHZ_MAX_US);
}

static void
test_login_flood (void)
{
  Node *n = node_start (MANY_CONNECTIONS);
  Poller poller;
  Call *calls;
  guint limited, wrong;

  register_victim (n->d->port);
  calls = login_flood (n->d->port, &poller);
  tally_login_flood ("login flood", calls, 429, "rate_limited", &poller, &limited, &wrong);
  g_assert_cmpuint (limited, >, 0);
  g_assert_cmpuint (wrong, >, 0);
  g_assert_cmpfloat (
      reel_test_metric (n->d->port, "reel_http_rate_limited_total{limit=\"login\",by=\"ip\"}"), >,
      0);
  calls_free (calls, LOGIN_FLOOD);
  node_stop (n);
}

static void
test_hash_pool (void)
{
  /* No rate limits: every login reaches the hashing pool (one thread, at
   * most 8 waiting). */
  Node *n = node_start (MANY_CONNECTIONS "[auth]\nhash_threads = 1\nhash_queue = 8\n"
                                         "[limits]\nlogin_per_ip = off\nlogin_per_account = off\n");
  Poller poller;
  Call *calls;
  guint busy, wrong;

  register_victim (n->d->port);
  calls = login_flood (n->d->port, &poller);
  tally_login_flood ("hash pool flood", calls, 503, "unavailable", &poller, &busy, &wrong);
  /* One running and eight waiting at a time: most are refused at once. */
  g_assert_cmpuint (busy, >, LOGIN_FLOOD / 2);
  g_assert_cmpuint (wrong, >=, 9);
  g_assert_cmpfloat (reel_test_metric (n->d->port, "reel_http_hash_queue_full_total"), ==, busy);
  /* The right password still works once the flood is over. */
  {
    g_auto (Answer) a;
    raw_call (n->d->port, "POST", "/api/v1/sessions", NULL, NULL, NULL,
              "{\"username\":\"victim\",\"password\":\"correct horse battery\"}", &a);
    g_assert_cmpuint (a.status, ==, 201);
  }
  calls_free (calls, LOGIN_FLOOD);
  node_stop (n);
}

#define COMMENT_LIMIT 5
#define COMMENT_FLOOD 40

static void
test_comments_atomic (void)
{
  Node *n = node_start (MANY_CONNECTIONS "[comments]\nrate_limit = 5\nrate_window_seconds = 3600\n"
                                         "[limits]\ncomments_per_ip = off\n");
  g_autofree char *token = reel_test_register_login (n->d->port, "chatty", PASSWORD);
  g_autofree char *video = reel_test_tus_create (n->d->port, token, 1000, "Talk about it");
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  Call calls[COMMENT_FLOOD];
  guint posted = 0, limited = 0;

  for (guint i = 0; i < COMMENT_FLOOD; i++)
    calls[i] = (Call){ n->d->port, "POST", path, token, "{\"text\":\"first!\"}" };
  parallel (calls, COMMENT_FLOOD);
  for (guint i = 0; i < COMMENT_FLOOD; i++)
    {
      if (calls[i].answer.status == 201)
        posted++;
      else
        {
          assert_limited (&calls[i].answer);
          limited++;
        }
      answer_clear (&calls[i].answer);
    }
  g_assert_cmpuint (posted, ==, COMMENT_LIMIT);
  g_assert_cmpuint (limited, ==, COMMENT_FLOOD - COMMENT_LIMIT);
  /* What was posted is what the list shows, and the limit still holds once
   * the reservations are released. */
  {
    g_autoptr (ReelTestResponse) list = reel_test_http (n->d->port, "GET", path, NULL, NULL, 0);
    JsonArray *items;
    g_assert_cmpuint (list->status, ==, 200);
    items = json_object_get_array_member (json_node_get_object (list->json), "items");
    g_assert_cmpuint (json_array_get_length (items), ==, COMMENT_LIMIT);
  }
  {
    g_auto (Answer) a;
    raw_call (n->d->port, "POST", path, token, NULL, NULL, "{\"text\":\"again\"}", &a);
    assert_limited (&a);
  }
  node_stop (n);
}

/* --- every limited route --- */

/* "X-Forwarded-For: 198.51.100.N\r\n": a client address behind the
 * trusted proxy 127.0.0.1. */
static char *
from (guint n)
{
  return g_strdup_printf ("X-Forwarded-For: 203.0.113.99, 198.51.100.%u\r\n", n);
}

/* allowed requests pass the limit (any answer but 429), the next is 429. */
static void
expect_limit (guint16 port, guint allowed, const char *method, const char *path, const char *token,
              const char *extra, const char *type, const char *body)
{
  for (guint i = 0; i <= allowed; i++)
    {
      g_auto (Answer) a;
      raw_call (port, method, path, token, extra, type, body, &a);
      if (i < allowed)
        {
          g_assert_cmpuint (a.status, !=, 0);
          g_assert_cmpuint (a.status, !=, 429);
        }
      else
        assert_limited (&a);
    }
}

static char *
login_token (guint16 port, const char *user, const char *extra)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", user, PASSWORD);
  g_auto (Answer) a;
  g_autoptr (JsonParser) p = json_parser_new ();
  raw_call (port, "POST", "/api/v1/sessions", NULL, extra, NULL, body, &a);
  g_assert_cmpuint (a.status, ==, 201);
  g_assert_true (json_parser_load_from_data (p, a.body, -1, NULL));
  return g_strdup (
      json_object_get_string_member (json_node_get_object (json_parser_get_root (p)), "token"));
}

static void
test_limits (void)
{
  Node *n = node_start ("[http]\ntrusted_proxies = 127.0.0.1\n"
                        "[limits]\nlogin_per_ip = 3/3600\nlogin_per_account = 2/3600\n"
                        "register_per_ip = 2/3600\nuploads_per_account = 2/3600\n"
                        "comments_per_ip = 2/3600\nsubscriptions_per_account = 2/3600\n"
                        "live_keys_per_account = 2/3600\nevents_per_ip = 2/3600\n"
                        "events_per_account = 3/3600\n");
  guint16 port = n->d->port;
  g_autofree char *a1 = from (1), *a2 = from (2), *a3 = from (3), *a4 = from (4);
  g_autofree char *a5 = from (5), *a6 = from (6), *a7 = from (7), *a8 = from (8);
  g_autofree char *token = NULL, *video = NULL, *comments = NULL;
  const char *cred = "{\"username\":\"%s\",\"password\":\"correct horse battery\"}";

  /* Registration per address: two from 198.51.100.1, then 429; another
   * address behind the same trusted proxy is counted apart. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = g_strdup_printf (cred, i == 0 ? "ann" : i == 1 ? "bob" : "cid");
      g_auto (Answer) a;
      raw_call (port, "POST", "/api/v1/users", NULL, a1, NULL, body, &a);
      if (i < 2)
        g_assert_cmpuint (a.status, ==, 201);
      else
        assert_limited (&a);
    }
  {
    g_autofree char *body = g_strdup_printf (cred, "cid");
    g_auto (Answer) a;
    raw_call (port, "POST", "/api/v1/users", NULL, a2, NULL, body, &a);
    g_assert_cmpuint (a.status, ==, 201);
  }

  /* Login per account: ann twice (from two addresses), then 429 from a
   * third address too. */
  token = login_token (port, "ann", a3);
  g_free (login_token (port, "ann", a4));
  {
    g_autofree char *body = g_strdup_printf (cred, "ann");
    g_auto (Answer) a;
    raw_call (port, "POST", "/api/v1/sessions", NULL, a5, NULL, body, &a);
    assert_limited (&a);
  }
  /* Login per address: three names tried from one address, then 429. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *body = g_strdup_printf (cred, i == 0   ? "nobody1"
                                                     : i == 1 ? "nobody2"
                                                     : i == 2 ? "nobody3"
                                                              : "nobody4");
      g_auto (Answer) a;
      raw_call (port, "POST", "/api/v1/sessions", NULL, a6, NULL, body, &a);
      if (i < 3)
        g_assert_cmpuint (a.status, ==, 401);
      else
        assert_limited (&a);
    }

  /* Uploads per account, tus and multipart sharing one count; the
   * multipart one is refused before its body is read. */
  video = reel_test_tus_create (port, token, 1000, "One");
  g_free (reel_test_tus_create (port, token, 1000, "Two"));
  {
    const char *tus = "Tus-Resumable: 1.0.0\r\nUpload-Length: 1000\r\n";
    g_auto (Answer) a, b;
    raw_call (port, "POST", "/api/v1/uploads", token, tus, NULL, NULL, &a);
    assert_limited (&a);
    raw_call (port, "POST", "/api/v1/videos", token, NULL, "multipart/form-data; boundary=xyz",
              "--xyz--\r\n", &b);
    assert_limited (&b);
  }

  /* Comments per address (bob and cid from one address: 2, then 429). */
  comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  {
    g_autofree char *bob = login_token (port, "bob", a7);
    g_autofree char *cid = login_token (port, "cid", a7);
    g_auto (Answer) a, b, c;
    raw_call (port, "POST", comments, bob, a8, NULL, "{\"text\":\"one\"}", &a);
    g_assert_cmpuint (a.status, ==, 201);
    raw_call (port, "POST", comments, cid, a8, NULL, "{\"text\":\"two\"}", &b);
    g_assert_cmpuint (b.status, ==, 201);
    raw_call (port, "POST", comments, cid, a8, NULL, "{\"text\":\"three\"}", &c);
    assert_limited (&c);
  }

  /* Subscriptions and live keys per account. */
  expect_limit (port, 2, "POST", "/api/v1/subscriptions", token, NULL, NULL,
                "{\"channel\":\"bob\"}");
  expect_limit (port, 2, "POST", "/api/v1/live/keys", token, NULL, NULL, NULL);

  /* Viewer actions: anonymous per address; signed in per account too. */
  {
    g_autofree char *a9 = from (9);
    expect_limit (port, 2, "POST", "/api/v1/events", NULL, a9, "text/plain", "{\"events\":[]}");
  }
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *addr = from (10 + i);
      g_auto (Answer) a;
      raw_call (port, "POST", "/api/v1/events", token, addr, NULL, "{\"events\":[]}", &a);
      if (i < 3)
        g_assert_cmpuint (a.status, !=, 429);
      else
        assert_limited (&a);
    }
  g_assert_cmpfloat (
      reel_test_metric (port, "reel_http_rate_limited_total{limit=\"uploads\",by=\"account\"}"), ==,
      2);
  node_stop (n);
}

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

static void
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

static void
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

static void
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
static void
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/floods/login", test_login_flood);
  g_test_add_func ("/floods/hash-pool", test_hash_pool);
  g_test_add_func ("/floods/comments", test_comments_atomic);
  g_test_add_func ("/floods/limits", test_limits);
  g_test_add_func ("/floods/slow-headers", test_slow_headers);
  g_test_add_func ("/floods/timeouts", test_timeouts);
  g_test_add_func ("/floods/connection-caps", test_connection_caps);
  g_test_add_func ("/floods/made-up-ids", test_made_up_ids);
  return g_test_run ();
}
