/* Benchmark: reeld's HTTP paths that the social features load, measured
 * with wrk against a real nats-server and reeld, with a reference in the
 * same run.
 *
 *   comments/s   POST /api/v1/videos/{id}/comments, each answered only once
 *                the event is in the log and the local projection applied
 *                it (HTTP -> NATS JetStream -> LMDB), 8 connections
 *   GET video    GET /api/v1/videos/{id} (LMDB read + JSON), 32 connections,
 *                against nginx (one worker, like reeld's one main loop)
 *                serving the same JSON as a static file
 *
 * Needs wrk and nginx (Debian: wrk, nginx-light); without them it says so
 * and measures what it can. Not a test: timings never fail it. */
#include "harness.h"

#include <stdio.h>

#define DURATION "8s"
#define THREADS "2"

static char *
run_wrk (const char *connections, const char *script, const char *url)
{
  g_autofree char *c = g_strdup_printf ("-c%s", connections);
  const char *with_script[] = { "wrk", "-t" THREADS, c, "-d" DURATION, "--latency", "-s", script,
                                url, NULL };
  const char *plain[] = { "wrk", "-t" THREADS, c, "-d" DURATION, "--latency", url, NULL };
  int status;
  char *out = reel_test_run (script ? with_script : plain, &status);
  if (status != 0)
    {
      printf ("  wrk failed: %s\n", out ? out : "");
      g_clear_pointer (&out, g_free);
    }
  return out;
}

/* A number after label in wrk's output (e.g. "Requests/sec:"), or -1. */
static double
wrk_number (const char *out, const char *label)
{
  const char *p = out ? strstr (out, label) : NULL;
  return p ? g_ascii_strtod (p + strlen (label), NULL) : -1;
}

/* A line of wrk's latency distribution ("50%", "99%"), as text. */
static char *
wrk_latency (const char *out, const char *pct)
{
  const char *p = out ? strstr (out, "Latency Distribution") : NULL;
  g_autofree char *label = g_strdup_printf (" %s%%", pct);
  p = p ? strstr (p, label) : NULL;
  if (!p)
    return g_strdup ("?");
  p += strlen (label);
  while (*p == ' ')
    p++;
  return g_strndup (p, strcspn (p, "\n"));
}

static gboolean
have (const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);
  return path != NULL;
}

static GSubprocess *
start_nginx (const char *dir, guint16 port)
{
  g_autofree char *conf = g_build_filename (dir, "nginx.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "worker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log stderr error;\n"
      "events { worker_connections 1024; }\n"
      "http {\n  access_log off;\n  client_body_temp_path %s;\n  proxy_temp_path %s;\n"
      "  fastcgi_temp_path %s;\n  uwsgi_temp_path %s;\n  scgi_temp_path %s;\n"
      "  server {\n    listen 127.0.0.1:%u;\n    location / { root %s; "
      "default_type application/json; }\n  }\n}\n",
      dir, dir, dir, dir, dir, dir, port, dir);
  const char *argv[] = { "nginx", "-e", "stderr", "-p", dir, "-c", conf, NULL };
  GSubprocess *p;
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  p = reel_test_spawn (argv);
  for (int i = 0; i < 250 && !reel_test_port_open (port); i++)
    g_usleep (20 * 1000);
  return p;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *work = reel_test_tmpdir ();
  g_autofree char *config = g_build_filename (work, "reeld.conf", NULL);
  g_autofree char *arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { arg, NULL };
  ReelTestNats *nats;
  ReelTestReeld *d;
  g_autofree char *token = NULL, *clip = NULL, *id = NULL, *json = NULL;
  gboolean wrk = have ("wrk"), nginx = have ("nginx");

  g_test_init (&argc, &argv, NULL);
  if (!wrk)
    {
      printf ("bench-http: skipped: wrk is not installed (Debian: apt-get install wrk "
              "nginx-light)\n");
      return 0;
    }
  /* No limit on the benchmark's comments: it measures the path, not the
   * limit (which it still computes, over a one-second window); all of
   * wrk's connections come from one address. */
  g_assert_true (g_file_set_contents (config,
                                      "[media]\nladder = 240p:240:300\nx264_preset = ultrafast\n"
                                      "[comments]\nrate_limit = 1000000\nrate_window_seconds = 1\n"
                                      "[limits]\ncomments_per_ip = off\n",
                                      -1, NULL));
  nats = reel_test_nats_start ();
  d = reel_test_reeld_start_args (dir, nats->url, NULL, args);
  token = reel_test_register_login (d->port, "bench", "correct horse battery");
  clip = reel_test_make_media (
      work, "clip.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=90 ! audioconvert ! avenc_aac ! m.");
  id = reel_test_upload (d->port, token, clip, "Benchmark clip");
  {
    ReelTestResponse *r = reel_test_wait_state (d->port, id, "ready", 300);
    json = g_strdup (r->body);
    reel_test_response_free (r);
  }

  /* Comments through HTTP -> log -> projection. */
  {
    g_autofree char *script = g_build_filename (work, "post.lua", NULL);
    g_autofree char *lua = g_strdup_printf (
        "wrk.method = \"POST\"\nwrk.body = '{\"text\":\"a benchmark comment\"}'\n"
        "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        "wrk.headers[\"Authorization\"] = \"Bearer %s\"\n",
        token);
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/videos/%s/comments",
                                            d->port, id);
    g_autofree char *out = NULL, *p50 = NULL, *p99 = NULL;
    double published;
    g_assert_true (g_file_set_contents (script, lua, -1, NULL));
    out = run_wrk ("8", script, url);
    p50 = wrk_latency (out, "50");
    p99 = wrk_latency (out, "99");
    published = reel_test_metric (d->port, "reel_events_published_total{type=\"comment.posted\"}");
    printf ("bench-http: comment posting (HTTP -> JetStream -> LMDB projection, answered after "
            "the projection applied it), 8 connections, " DURATION ":\n");
    printf ("  %.0f comments/s, latency p50 %s, p99 %s; %.0f comments in the log%s\n",
            wrk_number (out, "Requests/sec:"), p50, p99, published,
            out && strstr (out, "Non-2xx") ? " (SOME REQUESTS FAILED)" : "");
  }

  /* GET video metadata, and nginx serving the same bytes. */
  {
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/videos/%s", d->port, id);
    g_autofree char *out = run_wrk ("32", NULL, url);
    g_autofree char *p50 = wrk_latency (out, "50"), *p99 = wrk_latency (out, "99");
    double reel_rps = wrk_number (out, "Requests/sec:");
    printf ("bench-http: GET /api/v1/videos/{id} (%zu bytes of JSON), 32 connections, " DURATION
            ":\n  reeld  %.0f requests/s, latency p50 %s, p99 %s\n",
            strlen (json), reel_rps, p50, p99);
    if (!nginx)
      printf ("  nginx: not installed (Debian: nginx-light), no reference\n");
    else
      {
        g_autofree char *file = g_build_filename (work, "video.json", NULL);
        guint16 port = reel_test_free_port ();
        GSubprocess *server = NULL;
        g_autofree char *nginx_url = g_strdup_printf ("http://127.0.0.1:%u/video.json", port);
        g_autofree char *ref = NULL, *r50 = NULL, *r99 = NULL;
        double ref_rps;
        g_assert_true (g_file_set_contents (file, json, -1, NULL));
        server = start_nginx (work, port);
        ref = run_wrk ("32", NULL, nginx_url);
        r50 = wrk_latency (ref, "50");
        r99 = wrk_latency (ref, "99");
        ref_rps = wrk_number (ref, "Requests/sec:");
        printf ("  nginx  %.0f requests/s, latency p50 %s, p99 %s (static file, 1 worker)\n",
                ref_rps, r50, r99);
        printf ("  ratio reeld / nginx: %.2f\n", reel_rps / ref_rps);
        g_subprocess_send_signal (server, SIGTERM);
        g_subprocess_wait (server, NULL, NULL);
        g_object_unref (server);
      }
  }
  reel_test_reeld_stop (d);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (work);
  return 0;
}
