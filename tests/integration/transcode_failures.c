/* The tests of test-transcode (see test_transcode.c) where something
 * goes wrong: /transcode/worker-killed, gives-up and corrupt-alongside. */
#include "transcode_common.h"

#include <glib/gstdio.h>

void test_worker_killed (void);
void test_gives_up (void);
void test_corrupt_alongside (void);

void
test_worker_killed (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config = write_config (dir, NULL);
  const char *api_args[] = { config, "--roles=api,projector,ingest", NULL };
  const char *worker_args[] = { config, "--roles=worker", NULL };
  const char *dying_env[] = { "REEL_TEST_FAULT=kill-in-chunk:1", NULL };
  ReelTestReeld *api = reel_test_reeld_start_args (dir, nats->url, NULL, api_args);
  /* Workers share the blob store with the API node (as they would share an
   * S3 bucket); the first one dies while it stores chunk 1. */
  ReelTestReeld *dying = reel_test_reeld_spawn_args (dir, nats->url, dying_env, worker_args);
  g_autofree char *token = reel_test_register_login (api->port, "kim", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (api->port, token, clip, "Survivor");
  g_autoptr (GPtrArray) log = NULL;
  guint64 last;

  g_assert_cmpint (reel_test_reeld_wait_killed (dying), ==, SIGKILL);
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (api->port, id, "processing|playable", 5);
    g_assert_cmpint (progress_of (v, "chunks_done"), <, CHUNKS);
  }
  /* Another worker takes over; chunk 1 comes back to the queue once the
   * dead worker's ack wait has passed. */
  ReelTestReeld *worker = reel_test_reeld_spawn_args (dir, nats->url, NULL, worker_args);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (api->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* One copy of each segment: 6 media segments per rung, one init per
   * chunk that holds the rung (the first chunk leaves the late 720p out),
   * nothing else (no temporary files, no duplicates). */
  {
    g_autofree char *files = list_blobs (dir, id, "720p");
    g_autofree char *low = list_blobs (dir, id, "360p");
    g_assert_cmpstr (files, ==,
                     "0.m4s 1.m4s 2.m4s 3.m4s 4.m4s 5.m4s init-1.mp4 init-2.mp4 init-3.mp4");
    g_assert_cmpstr (low, ==,
                     "0.m4s 1.m4s 2.m4s 3.m4s 4.m4s 5.m4s init-0.mp4 init-1.mp4 "
                     "init-2.mp4 init-3.mp4");
    g_autofree char *pl = get_text (api->port, id, "720p.m3u8");
    for (guint s = 0; s < SEGMENTS; s++)
      {
        g_autofree char *line = g_strdup_printf ("\n720p/%u.m4s\n", s);
        const char *at = strstr (pl, line);
        g_assert_nonnull (at);
        g_assert_null (strstr (at + 1, line));
      }
    g_autofree char *url = url_of (api->port, id, "master.m3u8");
    reel_test_assert_decodes (url);
  }
  /* The log says each chunk was done once: the dying worker never
   * announced chunk 1, its successor did. */
  log = reel_test_event_log (nats->url, &last);
  {
    guint done[CHUNKS] = { 0 };
    for (guint i = 0; i < log->len; i++)
      {
        g_autoptr (JsonParser) p = json_parser_new ();
        JsonObject *ev;
        g_assert_true (json_parser_load_from_data (p, log->pdata[i], -1, NULL));
        ev = json_node_get_object (json_parser_get_root (p));
        if (g_str_equal (json_object_get_string_member (ev, "type"), "chunk.transcoded"))
          {
            gint64 c
                = json_object_get_int_member (json_object_get_object_member (ev, "data"), "chunk");
            g_assert_cmpint (c, >=, 0);
            g_assert_cmpint (c, <, CHUNKS);
            done[c]++;
          }
      }
    for (guint c = 0; c < CHUNKS; c++)
      g_assert_cmpuint (done[c], ==, 1);
  }
  reel_test_validate_events (log);

  g_assert_cmpint (reel_test_reeld_stop (worker), ==, 0);
  g_assert_cmpint (reel_test_reeld_stop (api), ==, 0);
  reel_test_reeld_free (worker);
  reel_test_reeld_free (dying);
  reel_test_reeld_free (api);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

void
test_gives_up (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = reel_test_make_media (
      media, "short.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *config = write_config (dir, "max_attempts = 2\n");
  const char *env[] = { "REEL_TEST_FAULT=fail-chunks", NULL };
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, env, args);
  g_autofree char *token = reel_test_register_login (d->port, "gil", PASSWORD);
  g_autofree char *id = reel_test_upload (d->port, token, clip, "Doomed");
  g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "failed|ready", 120);
  g_autoptr (ReelTestResponse) health = NULL;

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "failed");
  /* The reason, as the uploader sees it. */
  g_assert_nonnull (strstr (reel_test_json_str (v, "error"), "injected failure"));
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_given_up_total{kind=\"chunk\"}"), ==, 1);
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_retried_total{kind=\"chunk\"}"), ==, 1);
  health = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

void
test_corrupt_alongside (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *good = reel_test_make_media (
      media, "good.mp4",
      "videotestsrc pattern=ball num-buffers=150 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *bad = g_build_filename (media, "bad.mp4", NULL);
  g_autofree char *config = write_config (dir, NULL);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "cora", PASSWORD);
  g_autofree char *data = NULL;
  gsize len;

  /* The good file cut short: no index, so nothing playable. */
  g_assert_true (g_file_get_contents (good, &data, &len, NULL));
  g_assert_true (g_file_set_contents (bad, data, (gssize)len / 3, NULL));
  g_autofree char *id_bad = reel_test_upload (d->port, token, bad, "broken");
  g_autofree char *id_good = reel_test_upload (d->port, token, good, "fine");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id_bad, "failed|ready", 120);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "failed");
    g_assert_nonnull (strstr (reel_test_json_str (v, "error"), "not a video reel can read"));
  }
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id_good, "failed|ready", 120);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  {
    g_autoptr (ReelTestResponse) h = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
    g_assert_cmpuint (h->status, ==, 200);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}
