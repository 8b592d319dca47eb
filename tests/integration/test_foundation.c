/* Integration tests of the foundation (issue 2): real nats-server and reeld
 * processes on free loopback ports, spoken to over HTTP like any client.
 *
 *   /users/lifecycle        register, login, authorised request, logout
 *   /users/errors           error format and status of bad requests
 *   /users/unique-across-nodes  two API nodes race for one username
 *   /events/schemas         every event in the log validates against data/schemas
 *   /crash/kill-before-apply   SIGKILL between publish and apply loses nothing
 *   /rebuild/identical      mdb_dump before and after --rebuild is identical
 *   /nats/embedded-restart  the embedded nats-server dies and comes back
 *   /nats/dies-at-start     ...and when it is killed during reeld's start-up,
 *   /nats/dies-before-listening  before it listened or after
 *   /metrics/prometheus     /metrics parses and its counters move
 *   /reeld/prints-url       reeld with only a data directory prints the URL to open
 *   /shutdown/clean         SIGTERM ends reeld and its nats-server cleanly
 *   /shutdown/in-flight     requests in flight at SIGTERM finish; none is lost
 *   /nats/missing-binary    a clear message when nats-server is not there */
#include "harness.h"
#include "replay.h"

#include <nats/nats.h>
#include <signal.h>

static const char *PASSWORD = "correct horse battery";

static ReelTestResponse *
post_json (guint16 port, const char *path, const char *token, const char *body)
{
  return reel_test_http (port, "POST", path, token, body, 0);
}

static void
test_lifecycle (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autoptr (ReelTestResponse) reg = NULL, login = NULL, me = NULL, out = NULL, again = NULL,
                               user = NULL, dup = NULL, wrong = NULL;
  const char *token;

  reg = post_json (d->port, "/api/v1/users", NULL,
                   "{\"username\":\"alice\",\"password\":\"correct horse battery\","
                   "\"display_name\":\"Alice Ø\",\"email\":\"alice@example.org\"}");
  g_assert_cmpuint (reg->status, ==, 201);
  g_assert_cmpstr (reel_test_json_str (reg, "username"), ==, "alice");

  /* Read-your-writes: the channel is there the moment register answered. */
  user = reel_test_http (d->port, "GET", "/api/v1/users/alice", NULL, NULL, 0);
  g_assert_cmpuint (user->status, ==, 200);
  g_assert_cmpstr (reel_test_json_str (user, "display_name"), ==, "Alice Ø");
  g_assert_null (reel_test_json_str (user, "email"));
  g_assert_null (reel_test_json_str (user, "password_hash"));

  dup = post_json (d->port, "/api/v1/users", NULL,
                   "{\"username\":\"alice\",\"password\":\"another password\"}");
  g_assert_cmpuint (dup->status, ==, 409);
  g_assert_cmpstr (reel_test_error_code (dup), ==, "conflict");

  wrong = post_json (d->port, "/api/v1/sessions", NULL,
                     "{\"username\":\"alice\",\"password\":\"not the password\"}");
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpstr (reel_test_error_code (wrong), ==, "unauthorized");

  login = post_json (d->port, "/api/v1/sessions", NULL,
                     "{\"username\":\"alice\",\"password\":\"correct horse battery\"}");
  g_assert_cmpuint (login->status, ==, 201);
  token = reel_test_json_str (login, "token");
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >=, 40);

  me = reel_test_http (d->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (reel_test_json_str (me, "username"), ==, "alice");

  out = reel_test_http (d->port, "DELETE", "/api/v1/sessions/current", token, NULL, 0);
  g_assert_cmpuint (out->status, ==, 204);

  again = reel_test_http (d->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
  g_assert_cmpuint (again->status, ==, 401);
  g_assert_cmpstr (reel_test_error_code (again), ==, "unauthorized");

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
expect_error (guint16 port, const char *method, const char *path, const char *token,
              const char *body, gsize len, guint status, const char *code)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (port, method, path, token, body, len);
  if (r->status != status)
    g_printerr ("%s %s -> %u %s\n", method, path, r->status, r->body ? r->body : "");
  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (r->content_type, ==, "application/json");
  g_assert_cmpstr (reel_test_error_code (r), ==, code);
}

static void
test_errors (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  gsize big_len = 2 * 1024 * 1024;
  g_autofree char *big = g_malloc (big_len);
  const char bad_utf8[] = "{\"username\":\"b\xff\xfe\",\"password\":\"xxxxxxxxxx\"}";

  memset (big, ' ', big_len);
  big[0] = '{';
  big[big_len - 1] = '}';

  expect_error (d->port, "POST", "/api/v1/users", NULL, "{not json", 0, 400, "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL, "[1,2]", 0, 400, "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL, "{\"username\":\"bob\"}", 0, 400,
                "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL, "{\"username\":\"bob\",\"password\":42}", 0,
                400, "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL,
                "{\"username\":\"Bob!\",\"password\":\"long enough\"}", 0, 400, "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL,
                "{\"username\":\"bo\",\"password\":\"long enough\"}", 0, 400, "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL,
                "{\"username\":\"bob\",\"password\":\"short\"}", 0, 400, "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL, bad_utf8, sizeof bad_utf8 - 1, 400,
                "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL, "", 0, 400, "invalid_request");
  /* An escaped NUL: json-glib would read "dave\u0000x" as "dave". */
  expect_error (d->port, "POST", "/api/v1/users", NULL,
                "{\"username\":\"dave\\u0000x\",\"password\":\"long enough\"}", 0, 400,
                "invalid_request");
  expect_error (d->port, "POST", "/api/v1/users", NULL, big, big_len, 413, "too_large");
  expect_error (d->port, "POST", "/api/v1/sessions", NULL, big, big_len, 413, "too_large");
  expect_error (d->port, "GET", "/api/v1/users/nobody", NULL, NULL, 0, 404, "not_found");
  expect_error (d->port, "GET", "/api/v1/users/%2e%2e", NULL, NULL, 0, 404, "not_found");
  /* An encoded slash never reaches a handler as a path separator. */
  expect_error (d->port, "GET", "/api/v1/users/..%2F..%2Fetc", NULL, NULL, 0, 404, "not_found");
  expect_error (d->port, "GET", "/api/v1/nothing-here", NULL, NULL, 0, 404, "not_found");
  expect_error (d->port, "PUT", "/api/v1/users", NULL, "{}", 0, 405, "method_not_allowed");
  expect_error (d->port, "GET", "/api/v1/sessions/current", NULL, NULL, 0, 401, "unauthorized");
  expect_error (d->port, "GET", "/api/v1/sessions/current", "not-a-token", NULL, 0, 401,
                "unauthorized");
  expect_error (d->port, "DELETE", "/api/v1/sessions/current", NULL, NULL, 0, 401, "unauthorized");
  expect_error (d->port, "POST", "/api/v1/sessions", NULL,
                "{\"username\":\"nobody\",\"password\":\"whatever1\"}", 0, 401, "unauthorized");

  /* After all that, the server is fine. */
  g_autofree char *token = reel_test_register_login (d->port, "carol", PASSWORD);
  g_assert_nonnull (token);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

typedef struct
{
  guint16 port;
  guint status;
} Race;

static gpointer
race_register (gpointer data)
{
  Race *r = data;
  g_autoptr (ReelTestResponse) resp
      = post_json (r->port, "/api/v1/users", NULL,
                   "{\"username\":\"dave\",\"password\":\"correct horse battery\"}");
  r->status = resp->status;
  return NULL;
}

static void
test_unique_across_nodes (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir_a = reel_test_tmpdir (), *dir_b = reel_test_tmpdir ();
  ReelTestReeld *a = reel_test_reeld_start (dir_a, nats->url, NULL);
  ReelTestReeld *b = reel_test_reeld_start (dir_b, nats->url, NULL);
  Race ra = { a->port, 0 }, rb = { b->port, 0 };
  GThread *ta = g_thread_new ("a", race_register, &ra);
  GThread *tb = g_thread_new ("b", race_register, &rb);

  g_thread_join (ta);
  g_thread_join (tb);
  /* Exactly one node wins the name. */
  g_assert_true ((ra.status == 201 && rb.status == 409) || (ra.status == 409 && rb.status == 201));

  /* Both replicas converge on the winner; logging in works on either node. */
  for (guint16 port = a->port;; port = b->port)
    {
      g_autoptr (ReelTestResponse) login
          = post_json (port, "/api/v1/sessions", NULL,
                       "{\"username\":\"dave\",\"password\":\"correct horse battery\"}");
      for (int i = 0; i < 100 && login->status != 201; i++)
        {
          g_usleep (20 * 1000);
          reel_test_response_free (login);
          login = post_json (port, "/api/v1/sessions", NULL,
                             "{\"username\":\"dave\",\"password\":\"correct horse battery\"}");
        }
      g_assert_cmpuint (login->status, ==, 201);
      if (port == b->port)
        break;
    }

  g_assert_cmpint (reel_test_reeld_stop (a), ==, 0);
  g_assert_cmpint (reel_test_reeld_stop (b), ==, 0);
  reel_test_reeld_free (a);
  reel_test_reeld_free (b);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir_a);
  reel_test_rmtree (dir_b);
}

static guint
count_matching (GPtrArray *lines, const char *a, const char *b)
{
  guint n = 0;
  for (guint i = 0; i < lines->len; i++)
    if (strstr (lines->pdata[i], a) && strstr (lines->pdata[i], b))
      n++;
  return n;
}

static void
test_event_schemas (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autofree char *t1 = NULL;
  g_autoptr (ReelTestResponse) reg = NULL, out_r = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  guint64 last;

  reg = post_json (d->port, "/api/v1/users", NULL,
                   "{\"username\":\"erin\",\"password\":\"correct horse battery\","
                   "\"display_name\":\"Erin\",\"email\":\"erin@example.org\"}");
  g_assert_cmpuint (reg->status, ==, 201);
  t1 = reel_test_register_login (d->port, "frank", PASSWORD);
  out_r = reel_test_http (d->port, "DELETE", "/api/v1/sessions/current", t1, NULL, 0);
  g_assert_cmpuint (out_r->status, ==, 204);

  lines = reel_test_event_log (nats->url, &last);
  /* erin registered; frank registered, logged in, logged out. */
  g_assert_cmpuint (lines->len, ==, 4);
  for (guint i = 0; i < lines->len; i++)
    {
      /* The clear password never enters the log. */
      g_assert_null (strstr (lines->pdata[i], "correct horse battery"));
    }
  g_assert_cmpuint (count_matching (lines, "\"user.registered\"", "\"erin\""), ==, 1);
  g_assert_cmpuint (count_matching (lines, "\"session.created\"", "\"frank\""), ==, 1);
  g_assert_cmpuint (count_matching (lines, "\"session.revoked\"", "\"frank\""), ==, 1);

  reel_test_validate_events (lines);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
test_kill_before_apply (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  const char *const fault[] = { "REEL_TEST_FAULT=kill-before-apply", NULL };
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, fault);
  g_autoptr (ReelTestResponse) reg = NULL, retry = NULL, user = NULL, login = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *series = NULL;
  guint64 last;

  /* reeld publishes user.registered, then dies before the projection
   * commits: the client gets no answer. */
  reg = post_json (d->port, "/api/v1/users", NULL,
                   "{\"username\":\"grace\",\"password\":\"correct horse battery\"}");
  g_assert_cmpuint (reg->status, ==, 0);
  g_assert_cmpint (reel_test_reeld_wait_killed (d), ==, SIGKILL);
  reel_test_reeld_free (d);

  d = reel_test_reeld_start (dir, nats->url, NULL);
  /* The event reached the read model after the restart... */
  user = reel_test_http (d->port, "GET", "/api/v1/users/grace", NULL, NULL, 0);
  for (int i = 0; i < 250 && user->status != 200; i++)
    {
      g_usleep (20 * 1000);
      reel_test_response_free (user);
      user = reel_test_http (d->port, "GET", "/api/v1/users/grace", NULL, NULL, 0);
    }
  g_assert_cmpuint (user->status, ==, 200);
  login = post_json (d->port, "/api/v1/sessions", NULL,
                     "{\"username\":\"grace\",\"password\":\"correct horse battery\"}");
  g_assert_cmpuint (login->status, ==, 201);
  /* ...the client's retry is refused (the name is taken, not taken twice)... */
  retry = post_json (d->port, "/api/v1/users", NULL,
                     "{\"username\":\"grace\",\"password\":\"correct horse battery\"}");
  g_assert_cmpuint (retry->status, ==, 409);
  /* ...the log holds her exactly once, and the projection is exactly at the
   * end of the log. */
  lines = reel_test_event_log (nats->url, &last);
  g_assert_cmpuint (count_matching (lines, "\"user.registered\"", "\"grace\""), ==, 1);
  g_assert_cmpuint (last, ==, 2);
  series = g_strdup ("reel_projection_applied_sequence{projection=\"core\"}");
  g_assert_cmpfloat (reel_test_metric (d->port, series), ==, (double)last);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
test_rebuild_identical (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  g_autofree char *before = NULL, *after = NULL, *out = NULL;

  for (int i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("user%d", i);
      g_autofree char *token = reel_test_register_login (d->port, name, PASSWORD);
      if (i % 2)
        {
          g_autoptr (ReelTestResponse) r
              = reel_test_http (d->port, "DELETE", "/api/v1/sessions/current", token, NULL, 0);
          g_assert_cmpuint (r->status, ==, 204);
        }
    }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);

  before = reel_test_dump_lmdb (dir);
  g_assert_nonnull (strstr (before, "user4"));
  out = reel_test_rebuild (dir, nats->url, NULL, NULL);
  g_assert_nonnull (strstr (out, "from 12 events"));
  after = reel_test_dump_lmdb (dir);
  g_assert_cmpstr (before, ==, after);

  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static int
read_pid (const char *file)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  return atoi (text);
}

static void
test_embedded_restart (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *pid_file = g_build_filename (dir, "nats", "nats-server.pid", NULL);
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "heidi", PASSWORD);
  gboolean saw_503 = FALSE, saw_200 = FALSE;
  int pid = read_pid (pid_file);
  gint64 deadline;

  g_assert_cmpint (pid, >, 1);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !saw_200)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", "/readyz", NULL, NULL, 0);
      if (r->status == 503)
        {
          g_assert_cmpstr (reel_test_error_code (r), ==, "unavailable");
          saw_503 = TRUE;
        }
      else if (r->status == 200 && saw_503)
        saw_200 = TRUE;
      g_usleep (5 * 1000);
    }
  g_assert_true (saw_503);
  g_assert_true (saw_200);
  g_assert_cmpint (read_pid (pid_file), !=, pid);

  /* What was accepted before the outage is still there, and writes work. */
  {
    g_autoptr (ReelTestResponse) me
        = reel_test_http (d->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
    g_assert_cmpuint (me->status, ==, 200);
    g_autofree char *t2 = reel_test_register_login (d->port, "ivan", PASSWORD);
    g_assert_nonnull (t2);
    g_autoptr (ReelTestResponse) u
        = reel_test_http (d->port, "GET", "/api/v1/users/heidi", NULL, NULL, 0);
    g_assert_cmpuint (u->status, ==, 200);
  }
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_nats_server_restarts_total"), >=, 1);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

/* The embedded nats-server is killed during reeld's start-up (fault: the
 * REEL_TEST_FAULT entry): start-up runs the main loop while it waits for
 * NATS, so the supervisor restarts the server on the same port and reeld
 * comes up on it. */
static void
dies_at_start (const char *fault_entry)
{
  g_autofree char *dir = reel_test_tmpdir ();
  const char *const fault[] = { fault_entry, NULL };
  ReelTestReeld *d = reel_test_reeld_spawn_args (dir, NULL, fault, NULL);
  g_autofree char *token = NULL;

  g_assert_true (reel_test_reeld_wait_ready (d, 30000));
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_nats_server_restarts_total"), >=, 1);
  /* Writes go through the restarted server and are applied. */
  token = reel_test_register_login (d->port, "judy", PASSWORD);
  g_assert_nonnull (token);
  {
    g_autoptr (ReelTestResponse) u
        = reel_test_http (d->port, "GET", "/api/v1/users/judy", NULL, NULL, 0);
    g_assert_cmpuint (u->status, ==, 200);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

/* After it listened, before reeld connected. A start-up that blocked while
 * it waited would give up after its connect attempts, with the server
 * never restarted. */
static void
test_embedded_dies_at_start (void)
{
  dies_at_start ("REEL_TEST_FAULT=kill-nats-at-start");
}

/* As soon as it was started, before it listened. A start-up that took
 * every exit of the server before it listened for a server that cannot
 * start would give up; a killed one (as by the OOM killer) is restarted as
 * at any other time. */
static void
test_embedded_dies_before_listening (void)
{
  dies_at_start ("REEL_TEST_FAULT=kill-nats-at-start:spawned");
}

static void
test_metrics (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  const char *get_series = "reel_http_requests_total{route=\"/api/v1/users/{username}\","
                           "method=\"GET\",status=\"200\"}";
  const char *pub_series = "reel_events_published_total{type=\"user.registered\"}";
  const char *applied_series = "reel_events_applied_total{projection=\"core\"}";
  g_autofree char *token = reel_test_register_login (d->port, "judy", PASSWORD);
  double gets_before = reel_test_metric (d->port, get_series);
  double applied_before = reel_test_metric (d->port, applied_series);
  g_autoptr (ReelTestResponse) m = NULL;
  g_autofree char *metrics_file = NULL, *out = NULL;
  int status;

  g_assert_cmpfloat (reel_test_metric (d->port, pub_series), ==, 1);
  g_assert_cmpfloat (applied_before, ==, 2);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (d->port, "GET", "/api/v1/users/judy", NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
    }
  g_assert_cmpfloat (reel_test_metric (d->port, get_series), ==, MAX (gets_before, 0) + 3);
  g_autofree char *t2 = reel_test_register_login (d->port, "kim", PASSWORD);
  g_assert_cmpfloat (reel_test_metric (d->port, pub_series), ==, 2);
  g_assert_cmpfloat (reel_test_metric (d->port, applied_series), ==, applied_before + 2);
  g_assert_cmpfloat (
      reel_test_metric (
          d->port, "reel_http_request_duration_seconds_count{route=\"/api/v1/users/{username}\"}"),
      >=, 3);
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_projection_lag_events{projection=\"core\"}"),
                     ==, 0);

  m = reel_test_http (d->port, "GET", "/metrics", NULL, NULL, 0);
  g_assert_cmpuint (m->status, ==, 200);
  metrics_file = g_build_filename (dir, "metrics.txt", NULL);
  g_assert_true (g_file_set_contents (metrics_file, m->body, -1, NULL));
  {
    const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                           reel_test_env ("REEL_TEST_CHECK_METRICS"), metrics_file, NULL };
    out = reel_test_run (argv, &status);
    g_test_message ("%s", out ? out : "");
    g_assert_cmpint (status, ==, 0);
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* What `./dev.sh run` shows a person: reeld with only a data directory
 * (embedded NATS, the default port picked free here) prints the URL to
 * open, and that URL serves the web UI. */
static void
test_prints_url (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  guint16 port = reel_test_free_port ();
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autofree char *listen_arg = g_strdup_printf ("--listen=127.0.0.1:%u", port);
  g_autofree char *want = g_strdup_printf ("reel is running: open http://127.0.0.1:%u/", port);
  const char *argv[] = { reel_test_env ("REEL_TEST_REELD"), data_arg, listen_arg, NULL };
  g_autoptr (GError) error = NULL;
  /* Not left behind if an assertion below aborts the test. */
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  p = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpstr (line, ==, want);
  {
    g_autoptr (ReelTestResponse) home = reel_test_http (port, "GET", "/", NULL, NULL, 0);
    g_assert_cmpuint (home->status, ==, 200);
    g_assert_cmpstr (home->content_type, ==, "text/html");
  }
  g_subprocess_send_signal (p, SIGTERM);
  g_assert_true (g_subprocess_wait (p, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  reel_test_rmtree (dir);
}

static void
test_clean_shutdown (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *pid_file = g_build_filename (dir, "nats", "nats-server.pid", NULL);
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  int nats_pid = read_pid (pid_file);

  g_assert_cmpint (kill (nats_pid, 0), ==, 0);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  /* The embedded server went with it (and was reaped by reeld). */
  g_assert_cmpint (kill (nats_pid, 0), ==, -1);
  reel_test_reeld_free (d);

  /* And the same data directory starts again with the data intact. */
  d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "leo", PASSWORD);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  d = reel_test_reeld_start (dir, NULL, NULL);
  g_autoptr (ReelTestResponse) me
      = reel_test_http (d->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

static gpointer
register_in_flight (gpointer data)
{
  Race *r = data;
  g_autofree char *body = g_strdup_printf (
      "{\"username\":\"inflight%u\",\"password\":\"correct horse battery\"}", r->status);
  g_autoptr (ReelTestResponse) resp = post_json (r->port, "/api/v1/users", NULL, body);
  r->status = resp->status;
  return NULL;
}

static void
test_in_flight_shutdown (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  enum
  {
    N = 4
  };
  Race races[N];
  GThread *threads[N];
  guint answered = 0;

  /* Registrations take ~0.1 s each (argon2id): SIGTERM lands while they run. */
  for (guint i = 0; i < N; i++)
    {
      races[i] = (Race){ d->port, i };
      threads[i] = g_thread_new ("reg", register_in_flight, &races[i]);
    }
  g_usleep (30 * 1000);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  for (guint i = 0; i < N; i++)
    {
      g_thread_join (threads[i]);
      /* Accepted before shutdown began and finished (201), or refused as
       * the server went away (503 / no answer): never lost half-way. */
      g_assert_true (races[i].status == 201 || races[i].status == 503 || races[i].status == 0);
      answered += races[i].status == 201;
    }
  reel_test_reeld_free (d);

  /* Every registration that was answered 201 is there after a restart. */
  d = reel_test_reeld_start (dir, nats->url, NULL);
  for (guint i = 0; i < N; i++)
    if (races[i].status == 201)
      {
        g_autofree char *path = g_strdup_printf ("/api/v1/users/inflight%u", i);
        g_autoptr (ReelTestResponse) u = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
        g_assert_cmpuint (u->status, ==, 200);
      }
  g_assert_cmpuint (answered, >=, 1);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

static void
test_missing_binary (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *arg_conf = g_strdup_printf ("--config=%s", conf);
  g_autofree char *arg_dir = g_strdup_printf ("--data-dir=%s", dir);
  g_autofree char *out = NULL;
  int status;

  g_assert_true (
      g_file_set_contents (conf, "[nats]\nserver_binary = /nonexistent/nats-server\n", -1, NULL));
  const char *argv[]
      = { reel_test_env ("REEL_TEST_REELD"), arg_conf, arg_dir, "--listen=127.0.0.1:0", NULL };
  out = reel_test_run (argv, &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (out, "cannot find \"/nonexistent/nats-server\""));
  g_assert_nonnull (strstr (out, "apt-get install nats-server"));
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/users/lifecycle", test_lifecycle);
  g_test_add_func ("/users/errors", test_errors);
  g_test_add_func ("/users/unique-across-nodes", test_unique_across_nodes);
  g_test_add_func ("/events/schemas", test_event_schemas);
  g_test_add_func ("/crash/kill-before-apply", test_kill_before_apply);
  g_test_add_func ("/rebuild/identical", test_rebuild_identical);
  g_test_add_func ("/nats/embedded-restart", test_embedded_restart);
  g_test_add_func ("/nats/dies-at-start", test_embedded_dies_at_start);
  g_test_add_func ("/nats/dies-before-listening", test_embedded_dies_before_listening);
  g_test_add_func ("/metrics/prometheus", test_metrics);
  g_test_add_func ("/reeld/prints-url", test_prints_url);
  g_test_add_func ("/shutdown/clean", test_clean_shutdown);
  g_test_add_func ("/shutdown/in-flight", test_in_flight_shutdown);
  g_test_add_func ("/nats/missing-binary", test_missing_binary);
  return g_test_run ();
}
