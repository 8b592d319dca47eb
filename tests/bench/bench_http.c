/* Benchmark: reeld's HTTP paths, measured with wrk against a real
 * nats-server and reeld, with a reference in the same run.
 *
 *   comments/s   POST /api/v1/videos/{id}/comments, each answered only once
 *                the event is in the log and the local projection applied
 *                it (HTTP -> NATS JetStream -> LMDB), 8 connections
 *   reads        a media segment of a 720p rung (about 750 KB), its media
 *                playlist, GET /api/v1/videos/{id} (LMDB read + JSON) and
 *                the latest videos' page, GET /api/v1/videos (LIST_VIDEOS
 *                videos: a read of each, with its counts, and JSON) and a
 *                page of the video's comments (the first 20 of those
 *                posted above) and a page of search results (the
 *                LIST_VIDEOS videos all match),
 *                64 connections each, with http.threads = 1 and 2, against
 *                nginx with as many workers serving the same bytes as
 *                static files (sendfile); requests/s, MB/s and the ratio
 *
 * Needs wrk and nginx (Debian: wrk, nginx-light); without them it says so
 * and measures what it can. Not a test: timings never fail it. */
#include "harness.h"

#include <stdio.h>

#define DURATION "8s"
/* A full page of the latest videos (app/page.h's default page). */
#define LIST_VIDEOS 20

static char *
run_wrk (const char *threads, const char *connections, const char *script, const char *url)
{
  g_autofree char *t = g_strdup_printf ("-t%s", threads);
  g_autofree char *c = g_strdup_printf ("-c%s", connections);
  const char *with_script[] = { "wrk", t, c, "-d" DURATION, "--latency", "-s", script, url, NULL };
  const char *plain[] = { "wrk", t, c, "-d" DURATION, "--latency", url, NULL };
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

/* nginx serving root's files with workers processes, keeping its own
 * files in dir. */
static GSubprocess *
start_nginx (const char *dir, const char *root, guint16 port, guint workers)
{
  g_autofree char *conf = g_build_filename (dir, "nginx.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "worker_processes %u;\ndaemon off;\npid %s/nginx.pid;\nerror_log stderr error;\n"
      "events { worker_connections 1024; }\n"
      "http {\n  access_log off;\n  sendfile on;\n  client_body_temp_path %s;\n"
      "  proxy_temp_path %s;\n  fastcgi_temp_path %s;\n  uwsgi_temp_path %s;\n"
      "  scgi_temp_path %s;\n  server {\n    listen 127.0.0.1:%u;\n    location / { root %s; "
      "default_type application/octet-stream; }\n  }\n}\n",
      workers, dir, dir, dir, dir, dir, dir, port, root);
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
  ReelTestNats *nats;
  ReelTestReeld *d;
  g_autofree char *token = NULL, *clip = NULL, *id = NULL;
  gboolean wrk = have ("wrk"), nginx = have ("nginx");
  /* No limit on the benchmark's comments: it measures the path, not the
   * limit (which it still computes, over a one-second window); all of
   * wrk's connections come from one address. One 720p rung at 3 Mb/s:
   * segments of about 750 KB. */
  const char *base_config = "[media]\nladder = 720p:720:3000\nx264_preset = ultrafast\n"
                            "[comments]\nrate_limit = 1000000\nrate_window_seconds = 1\n"
                            "[limits]\ncomments_per_ip = off\n";
  char *paths[6];       /* segment, playlist, video, list, comments, search */
  GBytes *ref_bytes[6]; /* what reeld answers there */

  g_test_init (&argc, &argv, NULL);
  if (!wrk)
    {
      printf ("bench-http: skipped: wrk is not installed (Debian: apt-get install wrk "
              "nginx-light)\n");
      return 0;
    }
  g_assert_true (g_file_set_contents (config, base_config, -1, NULL));
  nats = reel_test_nats_start ();
  d = reel_test_reeld_start_config (dir, nats->url, config);
  token = reel_test_register_login (d->port, "bench", "correct horse battery");
  clip = reel_test_make_media (
      work, "clip.mp4",
      "videotestsrc pattern=snow num-buffers=120 ! video/x-raw,width=1280,height=720,"
      "framerate=30/1 ! x264enc speed-preset=ultrafast bitrate=8000 ! mp4mux name=m "
      "! filesink location=%s audiotestsrc num-buffers=180 ! audioconvert ! avenc_aac ! m.");
  id = reel_test_upload (d->port, token, clip, "Benchmark clip");
  reel_test_response_free (reel_test_wait_state (d->port, id, "ready", 300));
  paths[1] = g_strdup_printf ("/videos/%s/720p.m3u8", id);
  paths[2] = g_strdup_printf ("/api/v1/videos/%s", id);
  paths[3] = g_strdup ("/api/v1/videos");
  paths[4] = g_strdup_printf ("/api/v1/videos/%s/comments", id);
  paths[5] = g_strdup ("/api/v1/search?q=benchmark+clip");
  /* The rest of the page: short clips at their own size, all queued at
   * once. */
  {
    g_autofree char *small = reel_test_make_media (
        work, "small.mp4",
        "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate=30/1 "
        "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
    g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 1; i < LIST_VIDEOS; i++)
      {
        g_autofree char *title = g_strdup_printf ("Benchmark clip %u of a page", i);
        g_ptr_array_add (ids, reel_test_upload (d->port, token, small, title));
      }
    for (guint i = 0; i < ids->len; i++)
      reel_test_response_free (reel_test_wait_state (d->port, ids->pdata[i], "ready", 300));
  }
  {
    g_autoptr (ReelTestResponse) pl = reel_test_http (d->port, "GET", paths[1], NULL, NULL, 0);
    g_auto (GStrv) lines = g_strsplit (pl->body, "\n", -1);
    paths[0] = NULL;
    for (guint i = 0; lines[i] && !paths[0]; i++)
      if (lines[i][0] && lines[i][0] != '#')
        paths[0] = g_strdup_printf ("/videos/%s/%s", id, lines[i]);
    g_assert_nonnull (paths[0]);
  }
  /* Comments through HTTP -> log -> projection. */
  {
    g_autofree char *script = g_build_filename (work, "post.lua", NULL);
    g_autofree char *lua = g_strdup_printf (
        "wrk.method = \"POST\"\nwrk.body = '{\"text\":\"a benchmark comment\"}'\n"
        "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        "wrk.headers[\"Authorization\"] = \"Bearer %s\"\n",
        token);
    g_autofree char *url
        = g_strdup_printf ("http://127.0.0.1:%u/api/v1/videos/%s/comments", d->port, id);
    g_autofree char *out = NULL, *p50 = NULL, *p99 = NULL;
    double published;
    g_assert_true (g_file_set_contents (script, lua, -1, NULL));
    out = run_wrk ("2", "8", script, url);
    p50 = wrk_latency (out, "50");
    p99 = wrk_latency (out, "99");
    published = reel_test_metric (d->port, "reel_events_published_total{type=\"comment.posted\"}");
    printf ("bench-http: comment posting (HTTP -> JetStream -> LMDB projection, answered after "
            "the projection applied it), 8 connections, " DURATION ":\n");
    printf ("  %.0f comments/s, latency p50 %s, p99 %s; %.0f comments in the log%s\n",
            wrk_number (out, "Requests/sec:"), p50, p99, published,
            out && strstr (out, "Non-2xx") ? " (SOME REQUESTS FAILED)" : "");
  }

  /* What the reads must answer, the comments in. */
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", paths[i], NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      ref_bytes[i] = g_bytes_new (r->body, r->body_len);
    }

  reel_test_reeld_stop (d);
  reel_test_reeld_free (d);

  /* The read paths at 1 and 2 server threads (http.threads), against
   * nginx with as many workers serving the same bytes as static files. */
  for (guint threads = 1; threads <= 2; threads++)
    {
      g_autofree char *conf = g_strdup_printf ("%s[http]\nthreads = %u\n", base_config, threads);
      g_autofree char *root = g_build_filename (work, "www", NULL);
      guint16 nginx_port = reel_test_free_port ();
      GSubprocess *server = NULL;
      const char *names[] = { "segment", "playlist", "video", "list", "comments", "search" };
      gboolean failed = FALSE;
      g_assert_true (g_file_set_contents (config, conf, -1, NULL));
      d = reel_test_reeld_start_config (dir, nats->url, config);
      printf ("bench-http: reads, %u server thread%s (nginx: %u worker%s), wrk 1 thread, "
              "64 connections, " DURATION " each:\n",
              threads, threads > 1 ? "s" : "", threads, threads > 1 ? "s" : "");
      if (nginx)
        {
          g_mkdir_with_parents (root, 0755);
          for (guint i = 0; i < G_N_ELEMENTS (names); i++)
            {
              g_autofree char *f = g_build_filename (root, names[i], NULL);
              g_assert_true (g_file_set_contents (f, g_bytes_get_data (ref_bytes[i], NULL),
                                                  (gssize)g_bytes_get_size (ref_bytes[i]), NULL));
            }
          server = start_nginx (work, root, nginx_port, threads);
        }
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", d->port, paths[i]);
          g_autofree char *out = run_wrk ("1", "64", NULL, url);
          double rps = wrk_number (out, "Requests/sec:");
          double mbs = rps * (double)g_bytes_get_size (ref_bytes[i]) / 1e6;
          printf ("  %-8s (%6zu bytes) reeld %8.0f req/s %8.1f MB/s", names[i],
                  g_bytes_get_size (ref_bytes[i]), rps, mbs);
          if (server)
            {
              g_autofree char *nurl
                  = g_strdup_printf ("http://127.0.0.1:%u/%s", nginx_port, names[i]);
              g_autofree char *ref = run_wrk ("1", "64", NULL, nurl);
              double nrps = wrk_number (ref, "Requests/sec:");
              printf ("  nginx %8.0f req/s  ratio %.2f", nrps, rps / nrps);
            }
          printf ("\n");
          failed = failed || (out && strstr (out, "Non-2xx"));
          /* wrk's count of errors, if any. */
          for (const char *label = "Socket errors"; label;
               label = g_str_equal (label, "Socket errors") ? "Non-2xx" : NULL)
            {
              const char *line = out ? strstr (out, label) : NULL;
              if (line)
                printf ("    %.*s\n", (int)strcspn (line, "\n"), line);
            }
        }
      /* The same load on a path no route takes (a 404 from the router):
       * what libsoup and the dispatch cost before any handler. */
      {
        g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/nothing", d->port);
        g_autofree char *out = run_wrk ("1", "64", NULL, url);
        printf ("  floor: a 404 from the router %8.0f req/s\n", wrk_number (out, "Requests/sec:"));
      }
      /* What reeld answered, when not everything was a 2xx (a request in
       * flight when wrk stops counts as a 500 that was never sent). */
      if (failed)
        {
          g_autoptr (ReelTestResponse) m
              = reel_test_http (d->port, "GET", "/metrics", NULL, NULL, 0);
          g_auto (GStrv) lines = g_strsplit (m->body ? m->body : "", "\n", -1);
          for (guint i = 0; lines[i]; i++)
            if (g_str_has_prefix (lines[i], "reel_http_requests_total{")
                && !strstr (lines[i], "status=\"2") && !strstr (lines[i], "status=\"3")
                && !strstr (lines[i], "unmatched"))
              printf ("  not 2xx: %s\n", lines[i]);
        }
      if (server)
        {
          g_subprocess_send_signal (server, SIGTERM);
          g_subprocess_wait (server, NULL, NULL);
          g_object_unref (server);
        }
      reel_test_reeld_stop (d);
      reel_test_reeld_free (d);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ref_bytes); i++)
    g_bytes_unref (ref_bytes[i]);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_free (paths[i]);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (work);
  return 0;
}
