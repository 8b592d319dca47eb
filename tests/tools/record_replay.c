/* Records the fixture of the replay test (tests/integration/test_replay.c):
 * runs a short scenario against the reeld of REEL_TEST_REELD (register two
 * users, upload a clip and wait for video.ready, comment, subscribe, edit,
 * upload bytes that are no video and wait for video.failed),
 * writes its event log to OUT_DIR/events.jsonl, replays that log with the
 * same reeld and writes the LMDB dump to OUT_DIR/expected.dump.
 *
 * Run it with the environment meson gives the tests, pointing
 * REEL_TEST_REELD (and REEL_TEST_PLUGIN_PATH) at the build of the version
 * whose stored form the fixture pins, e.g. before a refactoring:
 *   REEL_TEST_REELD=/path/to/old/build/src/reeld ... record-replay tests/data/replay
 * It is a tool, not a test: the fixture is committed. */
#include "harness.h"
#include "replay.h"

#define PASSWORD "correct horse battery"

/* Waits until the log holds an event of type (published by the assembler
 * after the projection applied the last chunk). */
static void
wait_event (const char *url, const char *type)
{
  /* The envelope is a string inside the line: its quotes are escaped. */
  g_autofree char *needle = g_strdup_printf ("\\\"type\\\":\\\"%s\\\"", type);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *log = reel_test_record_log (url);
      if (strstr (log, needle))
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
}

static void
call (guint16 port, const char *method, const char *path, const char *token, const char *body,
      guint status)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (port, method, path, token, body, body ? strlen (body) : 0);
  if (r->status != status)
    g_printerr ("%s %s: %u %s\n", method, path, r->status, r->body ? r->body : "");
  g_assert_cmpuint (r->status, ==, status);
}

int
main (int argc, char **argv)
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  g_autofree char *dir = NULL, *media = NULL, *clip = NULL, *amy = NULL, *bob = NULL;
  g_autofree char *video = NULL, *comments = NULL, *edit = NULL, *log = NULL, *dump = NULL;
  g_autofree char *events_file = NULL, *dump_file = NULL, *junk = NULL, *failed = NULL;
  g_autofree char *junk_bytes = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: record-replay OUT_DIR\n");
      return 2;
    }
  nats = reel_test_nats_start ();
  dir = reel_test_tmpdir ();
  media = reel_test_tmpdir ();
  d = reel_test_reeld_start (dir, nats->url, NULL);
  amy = reel_test_register_login (d->port, "amy", PASSWORD);
  bob = reel_test_register_login (d->port, "bob", PASSWORD);
  /* 2 s, 320x240, with sound: one chunk and a soundtrack. */
  clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=90 ! audioconvert ! avenc_aac ! m.");
  video = reel_test_upload (d->port, amy, clip, "A replayed clip");
  reel_test_response_free (reel_test_wait_state (d->port, video, "ready", 120));
  wait_event (nats->auth_url, "video.ready");
  comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  call (d->port, "POST", comments, bob, "{\"text\":\"Nice clip\"}", 201);
  call (d->port, "POST", "/api/v1/subscriptions", bob, "{\"channel\":\"amy\"}", 201);
  edit = g_strdup_printf ("/api/v1/videos/%s", video);
  call (d->port, "PATCH", edit, amy, "{\"description\":\"Edited after upload\"}", 204);
  /* Bytes no demuxer recognises: ingest fails the video with a reason. */
  junk = g_build_filename (media, "junk.mp4", NULL);
  junk_bytes = g_strnfill (4096, 'x');
  g_assert_true (g_file_set_contents (junk, junk_bytes, -1, NULL));
  failed = reel_test_upload (d->port, bob, junk, "Not a video");
  reel_test_response_free (reel_test_wait_state (d->port, failed, "failed", 120));
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);

  log = reel_test_record_log (nats->auth_url);
  reel_test_nats_stop (nats);
  dump = reel_test_replay_log (log);
  {
    g_autofree char *again = reel_test_replay_log (log);
    g_assert_true (g_str_equal (dump, again)); /* the log determines the dump */
  }

  events_file = g_build_filename (argv[1], "events.jsonl", NULL);
  dump_file = g_build_filename (argv[1], "expected.dump", NULL);
  g_assert_true (g_file_set_contents (events_file, log, -1, NULL));
  g_assert_true (g_file_set_contents (dump_file, dump, -1, NULL));
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
  return 0;
}
