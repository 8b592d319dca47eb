/* Browser tests (suite `browser`): Debian's Chromium, headless, driven by
 * playwright-core (the tests/browser .mjs scripts), against a real reeld.
 *
 *   /browser/watch   /watch/{id} plays a freshly transcoded video past its
 *                    first chunk boundary with no error from the video
 *                    element, hls.js or the page */
#include "harness.h"

static const char *PASSWORD = "correct horse battery";

/* 2 s segments, 2 per chunk: the first chunk boundary is at 4 s. */
#define FIRST_BOUNDARY_S 4

static JsonObject *
run_page (const char *script, const char *url, double past_s)
{
  g_autofree char *path
      = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "browser", script, NULL);
  g_autofree char *past = g_strdup_printf ("%.1f", past_s);
  const char *argv[] = { "node", path, url, past, "60", NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *err = NULL;
  int status;
  g_autofree char *out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("%s said: %s %s", script, out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  g_assert_cmpint (status, ==, 0);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_watch (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=300 ! video/x-raw,width=640,height=360,framerate=30/1 "
      "! timeoverlay ! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=500 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  ReelTestReeld *d = NULL;
  g_autofree char *token = NULL, *id = NULL, *url = NULL;
  g_autoptr (JsonObject) r = NULL;

  g_assert_true (g_file_set_contents (
      conf, "[media]\nsegment_seconds = 2\nchunk_segments = 2\nx264_preset = ultrafast\n", -1,
      NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "wendy", PASSWORD);
  id = reel_test_tus_upload (d->port, token, clip, "Bouncing ball");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  url = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", d->port, id);
  r = run_page ("watch.mjs", url, FIRST_BOUNDARY_S + 0.5);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_cmpfloat (json_object_get_double_member (r, "currentTime"), >, FIRST_BOUNDARY_S + 0.5);
  g_assert_true (json_node_is_null (json_object_get_member (r, "mediaError")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "playerErrors")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);
  g_assert_cmpint (json_object_get_int_member (r, "videoHeight"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (r, "title"), ==, "Bouncing ball");

  /* An unknown video is a 404 page, not a blank player. */
  {
    g_autofree char *body = NULL;
    g_assert_cmpuint (reel_test_raw_get (d->port, "/watch/AAAAAAAAAAA", &body), ==, 404);
    g_assert_nonnull (strstr (body, "Nothing here"));
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/watch", test_watch);
  return g_test_run ();
}
