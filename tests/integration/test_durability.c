/* Integration tests of NATS access and durability (issue 11): real
 * nats-server and reeld processes, spoken to over HTTP and with nats.c.
 *
 *   /nats/embedded-auth       the embedded nats-server refuses a client
 *                             without its token (or with a wrong one) and
 *                             takes one with it; the token is 0600 on disk
 *                             and on no command line; reeld itself works: a
 *                             user registers and a small video becomes ready
 *   /nats/external-token      against an external server that requires a
 *                             token: nats.token lets reeld in; without it
 *                             reeld stops at once, naming the refusal
 *   /nats/external-tls        against a server that requires TLS (a CA made
 *                             with openssl at test time) and a token:
 *                             nats.tls_ca and nats.token let reeld in; without
 *                             the CA it stops at once on the certificate
 *   /nats/sync                nats.sync = always: with Debian's nats-server
 *                             (2.9) reeld refuses to start and says why; with
 *                             2.10 or newer the server gets sync_interval
 *   /recovery/store-lost      reeld with its old data directory against a
 *                             fresh nats-server (the store lost): every
 *                             projection is rebuilt from the new log instead
 *                             of waiting past its stale checkpoint; new
 *                             events are applied; the LMDB equals a --rebuild
 *   /recovery/stream-recreated  the event log is deleted and, before reeld
 *                             comes back, grows past its old checkpoint on
 *                             another node: the stream's origin gives it away,
 *                             the core projection is rebuilt, the untouched
 *                             viewer-action projections are not
 *   /recovery/ready-announced  reeld dies after the commit that made a video
 *                             ready and before it announced video.ready: the
 *                             next start announces it, so the owner gets one
 *                             notification and the channel lists the video */
#include "harness.h"
#include "replay.h"

#include <nats/nats.h>
#include <signal.h>
#include <sys/stat.h>

static const char *PASSWORD = "correct horse battery";

/* Short segments, one small rung and a fast preset: a clip is ready in
 * seconds. */
static char *
write_config (const char *dir, const char *extra)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[media]\nsegment_seconds = 2\nchunk_segments = 1\nx264_preset = ultrafast\n"
      "ladder = 240p:240:400\n[jobs]\nack_wait_seconds = 5\n%s",
      extra ? extra : "");
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_steal_pointer (&path);
}

/* A 4 s 320x240 clip with sound. */
static char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=120 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast key-int-max=30 ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=200 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
}

/* Connects to url; returns the status, and the server's reason in *why. */
static natsStatus
try_connect (const char *url, char **why)
{
  natsConnection *nc = NULL;
  natsOptions *opts = NULL;
  natsStatus s;
  g_assert_cmpint (natsOptions_Create (&opts), ==, NATS_OK);
  g_assert_cmpint (natsOptions_SetURL (opts, url), ==, NATS_OK);
  /* One attempt: a refusal must not be retried into a timeout. */
  g_assert_cmpint (natsOptions_SetMaxReconnect (opts, 0), ==, NATS_OK);
  s = natsConnection_Connect (&nc, opts);
  *why = g_strdup (nats_GetLastError (NULL));
  natsConnection_Destroy (nc);
  natsOptions_Destroy (opts);
  return s;
}

static guint
file_mode (const char *path)
{
  struct stat st;
  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* The command line of a process, its NULs turned into spaces. */
static char *
cmdline_of (const char *pid_file)
{
  g_autofree char *pid = NULL, *path = NULL;
  char *text = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (pid_file, &pid, NULL, NULL));
  path = g_strdup_printf ("/proc/%s/cmdline", g_strstrip (pid));
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  for (gsize i = 0; i < len; i++)
    if (!text[i])
      text[i] = ' ';
  return text;
}

static void
test_embedded_auth (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir, NULL);
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { config_arg, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token_file = g_build_filename (dir, "nats", "token", NULL);
  g_autofree char *conf_file = g_build_filename (dir, "nats", "nats-server.conf", NULL);
  g_autofree char *pid_file = g_build_filename (dir, "nats", "nats-server.pid", NULL);
  g_autofree char *with_token = reel_test_embedded_nats_url (dir);
  g_autofree char *token = NULL, *cmdline = NULL, *why = NULL, *plain = NULL, *wrong = NULL;
  g_autofree char *user = NULL, *clip = NULL, *id = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (ReelTestResponse) ready = NULL;
  guint64 last = 0;

  /* The secret is the owner's alone, and never on a command line. */
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_strstrip (token);
  g_assert_cmpuint (strlen (token), >=, 32);
  g_assert_cmpuint (file_mode (token_file), ==, 0600);
  g_assert_cmpuint (file_mode (conf_file), ==, 0600);
  cmdline = cmdline_of (pid_file);
  g_assert_nonnull (strstr (cmdline, "nats-server"));
  g_assert_null (strstr (cmdline, token));

  /* No token, or a wrong one: refused by the server. */
  plain = g_strdup_printf ("nats://127.0.0.1:%s", strrchr (with_token, ':') + 1);
  g_assert_cmpint (try_connect (plain, &why), !=, NATS_OK);
  g_assert_nonnull (strstr (why, "Authorization Violation"));
  g_clear_pointer (&why, g_free);
  wrong = g_strdup_printf ("nats://not-%s@127.0.0.1:%s", token, strrchr (with_token, ':') + 1);
  g_assert_cmpint (try_connect (wrong, &why), !=, NATS_OK);
  g_assert_nonnull (strstr (why, "Authorization Violation"));
  g_clear_pointer (&why, g_free);
  /* With it: in. */
  g_assert_cmpint (try_connect (with_token, &why), ==, NATS_OK);

  /* reeld itself is in too: events are published and applied, jobs run. */
  user = reel_test_register_login (d->port, "alice", PASSWORD);
  clip = make_clip (dir);
  id = reel_test_upload (d->port, user, clip, "under lock");
  ready = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
  g_assert_cmpstr (reel_test_json_str (ready, "state"), ==, "ready");
  events = reel_test_event_log (with_token, &last);
  g_assert_cmpuint (last, >, 3);
  reel_test_validate_events (events);

  /* The token survives a restart: clients that read it keep working. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  {
    g_autofree char *again = NULL, *url = reel_test_embedded_nats_url (dir);
    g_assert_true (g_file_get_contents (token_file, &again, NULL, NULL));
    g_assert_cmpstr (g_strstrip (again), ==, token);
    g_assert_cmpint (try_connect (url, &why), ==, NATS_OK);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

static void
test_external_token (void)
{
  ReelTestNats *nats = reel_test_nats_start_token ("external-s3cret");
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir, "[nats]\ntoken = external-s3cret\n");
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autofree char *nats_arg = g_strdup_printf ("--nats-url=%s", nats->url);
  g_autofree char *out = NULL, *user = NULL;
  const char *args[] = { config_arg, NULL };
  const char *no_token[]
      = { reel_test_env ("REEL_TEST_REELD"), data_arg, nats_arg, "--listen=127.0.0.1:0", NULL };
  ReelTestReeld *d;
  gint64 start = g_get_monotonic_time ();
  int status;

  /* Without the token: a clear refusal, at once (not after the 15 s that
   * start-up waits for a server that is still booting). */
  out = reel_test_run (no_token, &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (out, "Authorization Violation"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);

  d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  user = reel_test_register_login (d->port, "bob", PASSWORD);
  g_assert_nonnull (user);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* Runs openssl with args; asserts it succeeded. */
static void
openssl (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  int status;
  g_autofree char *out = NULL;
  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  out = reel_test_run ((const char *const *)argv->pdata, &status);
  if (status != 0)
    g_printerr ("%s\n", out ? out : "");
  g_assert_cmpint (status, ==, 0);
}

static void
test_external_tls (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *ca = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *ca_key = g_build_filename (dir, "ca.key", NULL);
  g_autofree char *key = g_build_filename (dir, "server.key", NULL);
  g_autofree char *csr = g_build_filename (dir, "server.csr", NULL);
  g_autofree char *cert = g_build_filename (dir, "server.pem", NULL);
  g_autofree char *ext = g_build_filename (dir, "san.ext", NULL);
  g_autofree char *store = g_build_filename (dir, "js", NULL);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  guint16 port = reel_test_free_port ();
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *url = g_strdup_printf ("nats://127.0.0.1:%u", port);
  g_autofree char *extra = g_strdup_printf ("[nats]\ntoken = tls-s3cret\ntls_ca = %s\n", ca);
  g_autofree char *config = NULL, *config_arg = NULL, *out = NULL, *user = NULL;
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", data);
  g_autofree char *nats_arg = g_strdup_printf ("--nats-url=%s", url);
  const char *req_ca[]
      = { "req",  "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",          ca_key,
          "-out", ca,      "-days",   "2",        "-subj",  "/CN=reel test CA", NULL };
  const char *req_server[] = { "req",  "-newkey", "rsa:2048", "-nodes",        "-keyout", key,
                               "-out", csr,       "-subj",    "/CN=127.0.0.1", NULL };
  const char *sign[]
      = { "x509", "-req", "-in",   csr, "-CA",      ca,  "-CAkey", ca_key, "-CAcreateserial",
          "-out", cert,   "-days", "2", "-extfile", ext, NULL };
  const char *server[]
      = { "nats-server", "-js",       "-a", "127.0.0.1", "-p", port_text, "-sd",        store,
          "--tls",       "--tlscert", cert, "--tlskey",  key,  "--auth",  "tls-s3cret", NULL };
  const char *no_ca[]
      = { reel_test_env ("REEL_TEST_REELD"), data_arg, nats_arg, "--listen=127.0.0.1:0", NULL };
  GSubprocess *nats;
  ReelTestReeld *d;
  gint64 start;
  int status;

  openssl (req_ca);
  openssl (req_server);
  g_assert_true (g_file_set_contents (ext, "subjectAltName=IP:127.0.0.1\n", -1, NULL));
  openssl (sign);
  nats = reel_test_spawn (server);
  for (int i = 0; i < 300 && !reel_test_port_open (port); i++)
    g_usleep (20 * 1000);
  g_assert_true (reel_test_port_open (port));

  /* Without the CA the server's certificate is not trusted: a clear
   * error at once. */
  start = g_get_monotonic_time ();
  out = reel_test_run (no_ca, &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (out, "SSL"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);

  config = write_config (dir, extra);
  config_arg = g_strdup_printf ("--config=%s", config);
  {
    const char *args[] = { config_arg, NULL };
    d = reel_test_reeld_start_args (data, url, NULL, args);
  }
  user = reel_test_register_login (d->port, "erin", PASSWORD);
  g_assert_nonnull (user);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  g_subprocess_send_signal (nats, SIGTERM);
  g_subprocess_wait (nats, NULL, NULL);
  g_object_unref (nats);
  reel_test_rmtree (dir);
}

/* Whether the installed nats-server is 2.10 or newer. */
static gboolean
server_has_sync_interval (void)
{
  const char *argv[] = { "nats-server", "--version", NULL };
  int status, major = 0, minor = 0;
  g_autofree char *out = reel_test_run (argv, &status);
  /* "nats-server: v2.9.10" */
  const char *v = out ? strstr (out, ": v") : NULL;
  g_assert_nonnull (v);
  g_assert_cmpint (sscanf (v, ": v%d.%d", &major, &minor), ==, 2);
  return major > 2 || (major == 2 && minor >= 10);
}

static void
test_sync (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir, "[nats]\nsync = always\n");
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  g_autofree char *conf_file = g_build_filename (dir, "nats", "nats-server.conf", NULL);
  g_autofree char *conf = NULL;

  if (server_has_sync_interval ())
    {
      const char *args[] = { config_arg, NULL };
      ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
      g_autofree char *user = reel_test_register_login (d->port, "carol", PASSWORD);
      g_assert_true (g_file_get_contents (conf_file, &conf, NULL, NULL));
      g_assert_nonnull (strstr (conf, "sync_interval: \"always\""));
      g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
      reel_test_reeld_free (d);
    }
  else
    {
      g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", dir);
      const char *argv[] = { reel_test_env ("REEL_TEST_REELD"), data_arg, config_arg,
                             "--listen=127.0.0.1:0", NULL };
      int status;
      g_autofree char *out = reel_test_run (argv, &status);
      g_assert_cmpint (status, ==, 1);
      g_assert_nonnull (strstr (out, "unknown field \"sync_interval\""));
      g_assert_nonnull (strstr (out, "needs nats-server 2.10 or newer"));
      /* And with the default the same data directory starts. */
      {
        const char *args[] = { NULL };
        ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
        g_assert_true (g_file_get_contents (conf_file, &conf, NULL, NULL));
        g_assert_null (strstr (conf, "sync_interval"));
        g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
        reel_test_reeld_free (d);
      }
    }
  reel_test_rmtree (dir);
}

/* --- recovery: checkpoints the log no longer backs --- */

static double
rebuilds (guint16 port, const char *projection)
{
  g_autofree char *series
      = g_strdup_printf ("reel_projection_rebuilds_total{projection=\"%s\"}", projection);
  double v = reel_test_metric (port, series);
  return v < 0 ? 0 : v;
}

static guint
status_of (guint16 port, const char *path)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
  return r->status;
}

/* GET path until it answers want (the projection catching up). */
static void
wait_status (guint16 port, const char *path, guint want)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (status_of (port, path) != want)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

/* Waits until the core projection has applied the log's last event. */
static void
wait_core_applied (guint16 port, const char *nats_url)
{
  guint64 last = reel_test_stream_last_seq (nats_url, "REEL_EVENTS");
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (reel_test_metric (port, "reel_projection_applied_sequence{projection=\"core\"}")
         < (double)last)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

/* A ready video of user, watched once by a viewer (a few viewer actions). */
static char *
ready_video_watched (guint16 port, const char *dir, const char *user)
{
  g_autofree char *clip = make_clip (dir);
  char *id = reel_test_upload (port, user, clip, "watched");
  g_autoptr (ReelTestResponse) ready
      = reel_test_wait_state (port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
  g_autofree char *body = NULL;
  g_autoptr (ReelTestResponse) posted = NULL;
  g_assert_cmpstr (reel_test_json_str (ready, "state"), ==, "ready");
  body = g_strdup_printf (
      "{\"events\":["
      "{\"id\":\"act-000001\",\"v\":1,\"video_id\":\"%s\",\"session_id\":\"session-1\","
      "\"action\":\"play\",\"position\":0,\"at\":1795459669000},"
      "{\"id\":\"act-000002\",\"v\":1,\"video_id\":\"%s\",\"session_id\":\"session-1\","
      "\"action\":\"ended\",\"position\":4,\"at\":1795459673000}]}",
      id, id);
  posted = reel_test_http_full (port, "POST", "/api/v1/events", NULL, NULL, "application/json",
                                body, strlen (body));
  g_assert_cmpuint (posted->status, <, 300);
  g_assert_nonnull (strstr (posted->body, "\"accepted\":2"));
  return id;
}

static void
test_store_lost (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir, NULL);
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { config_arg, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  g_autofree char *alice = reel_test_register_login (d->port, "alice", PASSWORD);
  g_autofree char *video = ready_video_watched (d->port, dir, alice);
  g_autofree char *video_path = g_strdup_printf ("/api/v1/videos/%s", video);
  g_autofree char *dave = NULL;

  reel_test_wait_actions_applied (d->port, nats->url);
  wait_core_applied (d->port, nats->url);
  /* A plain restart keeps everything: the check has no false alarms. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  g_assert_cmpfloat (rebuilds (d->port, "core"), ==, 0);
  g_assert_cmpfloat (rebuilds (d->port, "views"), ==, 0);
  g_assert_cmpuint (status_of (d->port, "/api/v1/users/alice"), ==, 200);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);

  /* The NATS store is lost: a fresh, empty server. */
  reel_test_nats_stop (nats);
  nats = reel_test_nats_start ();
  d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  g_assert_cmpfloat (rebuilds (d->port, "core"), ==, 1);
  g_assert_cmpfloat (rebuilds (d->port, "views"), ==, 1);
  /* The read models hold what the log holds: nothing of before... */
  wait_status (d->port, "/api/v1/users/alice", 404);
  g_assert_cmpuint (status_of (d->port, video_path), ==, 404);
  /* ...and what is new, at once (not after the stale checkpoint). */
  dave = reel_test_register_login (d->port, "dave", PASSWORD);
  g_assert_cmpuint (status_of (d->port, "/api/v1/users/dave"), ==, 200);
  wait_core_applied (d->port, nats->url);
  g_free (reel_test_stop_rebuild_same (d, nats->url, NULL));
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* Deletes a stream, as an operator's mistake or a lost volume would. */
static void
delete_stream (const char *url, const char *stream)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  g_assert_cmpint (natsConnection_ConnectTo (&nc, url), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, nc, NULL), ==, NATS_OK);
  g_assert_cmpint (js_DeleteStream (js, stream, NULL, NULL), ==, NATS_OK);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
}

static void
test_stream_recreated (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir (), *other_dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir, NULL);
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { config_arg, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  ReelTestReeld *other;
  g_autofree char *alice = reel_test_register_login (d->port, "alice", PASSWORD);
  g_autofree char *video = ready_video_watched (d->port, dir, alice);
  guint64 old_last = reel_test_stream_last_seq (nats->url, "REEL_EVENTS");
  double views_applied;

  reel_test_wait_actions_applied (d->port, nats->url);
  wait_core_applied (d->port, nats->url);
  views_applied
      = reel_test_metric (d->port, "reel_projection_applied_sequence{projection=\"views\"}");
  g_assert_cmpfloat (views_applied, >, 0);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);

  /* The event log is deleted; another node makes it again and writes more
   * events into it than the old one held. */
  delete_stream (nats->url, "REEL_EVENTS");
  other = reel_test_reeld_start (other_dir, nats->url, NULL);
  for (guint i = 0; reel_test_stream_last_seq (nats->url, "REEL_EVENTS") <= old_last + 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("user%u", i);
      g_free (reel_test_register_login (other->port, name, PASSWORD));
    }
  g_assert_cmpint (reel_test_reeld_stop (other), ==, 0);
  reel_test_reeld_free (other);

  d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  g_assert_cmpfloat (rebuilds (d->port, "core"), ==, 1);
  /* The viewer actions' stream is the same one: their projections stay
   * where they were. */
  g_assert_cmpfloat (rebuilds (d->port, "views"), ==, 0);
  g_assert_cmpfloat (
      reel_test_metric (d->port, "reel_projection_applied_sequence{projection=\"views\"}"), ==,
      views_applied);
  wait_status (d->port, "/api/v1/users/alice", 404);
  wait_status (d->port, "/api/v1/users/user0", 200);
  wait_core_applied (d->port, nats->url);
  g_free (reel_test_stop_rebuild_same (d, nats->url, NULL));
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (other_dir);
}

/* The owner's notifications of type video_ready for video id. */
static guint
ready_notifications (guint16 port, const char *token, const char *id)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (port, "GET", "/api/v1/notifications?limit=100", token, NULL, 0);
  JsonArray *items;
  guint n = 0;
  g_assert_cmpuint (r->status, ==, 200);
  items = json_object_get_array_member (json_node_get_object (r->json), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      n += g_str_equal (json_object_get_string_member (item, "type"), "video_ready")
           && g_strcmp0 (json_object_get_string_member_with_default (item, "video_id", NULL), id)
                  == 0;
    }
  return n;
}

static void
test_ready_announced (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir, NULL);
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { config_arg, NULL };
  const char *dying[] = { "REEL_TEST_FAULT=kill-before-announce", NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, nats->url, dying, args);
  g_autofree char *alice = reel_test_register_login (d->port, "alice", PASSWORD);
  g_autofree char *clip = make_clip (dir);
  g_autofree char *id = reel_test_upload (d->port, alice, clip, "almost announced");
  g_autoptr (GPtrArray) events = NULL;
  gint64 deadline;
  guint64 last;
  guint announced = 0;

  /* It dies the moment the video is ready, before announcing it. */
  g_assert_cmpint (reel_test_reeld_wait_killed (d), ==, SIGKILL);
  reel_test_reeld_free (d);
  events = reel_test_event_log (nats->url, &last);
  for (guint i = 0; i < events->len; i++)
    announced += strstr (events->pdata[i], "\"video.ready\"") != NULL;
  g_assert_cmpuint (announced, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);

  d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  reel_test_response_free (reel_test_wait_state (d->port, id, "ready", 30));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (ready_notifications (d->port, alice, id) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
  wait_core_applied (d->port, nats->url);
  g_assert_cmpuint (ready_notifications (d->port, alice, id), ==, 1);
  events = reel_test_event_log (nats->url, &last);
  announced = 0;
  for (guint i = 0; i < events->len; i++)
    announced += strstr (events->pdata[i], "\"video.ready\"") != NULL;
  g_assert_cmpuint (announced, ==, 1);
  {
    g_autoptr (ReelTestResponse) listed
        = reel_test_http (d->port, "GET", "/api/v1/users/alice/videos", NULL, NULL, 0);
    g_assert_cmpuint (listed->status, ==, 200);
    g_assert_nonnull (strstr (listed->body, id));
  }
  g_free (reel_test_stop_rebuild_same (d, nats->url, NULL));
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nats/embedded-auth", test_embedded_auth);
  g_test_add_func ("/nats/external-token", test_external_token);
  g_test_add_func ("/nats/external-tls", test_external_tls);
  g_test_add_func ("/nats/sync", test_sync);
  g_test_add_func ("/recovery/store-lost", test_store_lost);
  g_test_add_func ("/recovery/stream-recreated", test_stream_recreated);
  g_test_add_func ("/recovery/ready-announced", test_ready_announced);
  return g_test_run ();
}
