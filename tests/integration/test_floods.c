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
 *                            timeout): every one is still a plain 404 / 401
 *
 * One binary: slow-headers, timeouts, connection-caps and made-up-ids are
 * in floods_connections.c; what they share in floods_common.h. */
#include "floods_common.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

/* In floods_connections.c. */
void test_slow_headers (void);
void test_timeouts (void);
void test_connection_caps (void);
void test_made_up_ids (void);

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
