/* Two codecs in Chromium through DASH (suite `browser`, issue 18
 * acceptance 3): with media.codecs = h264,vp9, dash.js in Chromium
 * (tests/browser/dash.mjs) plays the MPD's VP9 AdaptationSet, and its
 * H.264 one.
 *
 *   /browser/dash-vp9   the VP9 set plays past 2 s with a picture of a
 *                       VP9 rung's size, decoded frames and no error; the
 *                       H.264 set of the same MPD plays too */
#include "harness.h"

static const char *PASSWORD = "correct horse battery";

static JsonObject *
run_dash (const char *url, const char *codec)
{
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "dash.mjs", NULL);
  const char *argv[] = { "node", script, url, codec, "60", NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL;
  int status;
  out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("dash.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  g_assert_cmpint (status, ==, 0);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Asserts that result played codec's set: past 2 s, a picture of one of
 * that set's sizes, frames decoded, no error. */
static void
assert_played (JsonObject *result, const char *codec)
{
  gint64 height = json_object_get_int_member (result, "videoHeight");
  g_assert_true (json_object_get_boolean_member (result, "ok"));
  g_assert_true (json_object_get_boolean_member (result, "canPlay"));
  g_assert_nonnull (strstr (json_object_get_string_member (result, "chosen"), codec));
  g_assert_nonnull (strstr (json_object_get_string_member (result, "playingCodec"), codec));
  /* The VP9 rungs are the ones named <rung>vp9. */
  g_assert_cmpint (
      g_str_has_suffix (json_object_get_string_member (result, "representation"), "vp9"), ==,
      g_str_equal (codec, "vp09"));
  g_assert_cmpfloat (json_object_get_double_member (result, "currentTime"), >, 2.0);
  g_assert_true (height == 360 || height == 240);
  g_assert_cmpint (json_object_get_int_member (result, "framesDecoded"), >, 0);
  g_assert_true (json_node_is_null (json_object_get_member (result, "mediaError")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "playerErrors")),
                    ==, 0);
}

static void
test_dash_vp9 (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=240 ! video/x-raw,width=640,height=360,framerate=30/1 "
      "! timeoverlay ! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=400 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  ReelTestReeld *d = NULL;
  g_autofree char *token = NULL, *id = NULL, *mpd = NULL;
  g_autoptr (JsonObject) vp9 = NULL, h264 = NULL;

  g_assert_true (g_file_set_contents (conf,
                                      "[media]\nsegment_seconds = 2\nchunk_segments = 2\n"
                                      "x264_preset = ultrafast\n"
                                      "ladder = 360p:360:800,240p:240:400\ncodecs = h264,vp9\n",
                                      -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "dana", PASSWORD);
  id = reel_test_upload (d->port, token, clip, "Ball in VP9");
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  mpd = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/manifest.mpd", d->port, id);

  vp9 = run_dash (mpd, "vp09");
  assert_played (vp9, "vp09");
  /* The MPD offers both sets to the player. */
  {
    JsonArray *tracks = json_object_get_array_member (vp9, "tracks");
    gboolean avc = FALSE, vp = FALSE;
    for (guint i = 0; i < json_array_get_length (tracks); i++)
      {
        const char *c = json_array_get_string_element (tracks, i);
        avc |= strstr (c, "avc1") != NULL;
        vp |= strstr (c, "vp09") != NULL;
      }
    g_assert_true (avc && vp);
  }
  h264 = run_dash (mpd, "avc1");
  assert_played (h264, "avc1");

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/dash-vp9", test_dash_vp9);
  return g_test_run ();
}
