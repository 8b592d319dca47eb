/* Captions in Chromium (suite `browser`, issue 14 acceptance 1): a ready
 * video with English and French tracks; the watch page's captions menu
 * lists them, and with English on the cue text is active at its time and
 * not outside it (tests/browser/captions.mjs samples the player while it
 * plays). The owner's upload form shows a malformed file's line.
 *
 *   /browser/captions */
#include "harness.h"

#include <string.h>

static const char *PASSWORD = "correct horse battery";
/* The English cue runs from 1 s to 3.5 s. */
#define CUE_START 1.0
#define CUE_END 3.5
/* Slack for the sampling interval (0.1 s) and the player's clock. */
#define SLACK 0.3

static void
put_captions (guint16 port, const char *token, const char *id, const char *lang, const char *text)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/captions/%s", id, lang);
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "PUT", path, token, NULL, "text/vtt", text, strlen (text));
  g_assert_cmpuint (r->status, ==, 204);
}

static void
test_captions (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  g_autofree char *bad = g_build_filename (media, "bad.vtt", NULL);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=180 ! video/x-raw,width=320,height=180,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=300 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "captions.mjs", NULL);
  ReelTestReeld *d = NULL;
  g_autofree char *token = NULL, *id = NULL, *url = NULL, *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonArray *menu, *samples;
  guint before = 0, inside = 0, after = 0;
  int status;

  g_assert_true (g_file_set_contents (
      conf, "[media]\nsegment_seconds = 2\nchunk_segments = 2\nx264_preset = ultrafast\n", -1,
      NULL));
  g_assert_true (g_file_set_contents (
      bad, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:09.000 --> 00:00:08.000\nx\n",
      -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "cara", PASSWORD);
  id = reel_test_upload (d->port, token, clip, "Captioned ball");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  put_captions (d->port, token, id, "en",
                "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nHello captions\n");
  put_captions (d->port, token, id, "fr",
                "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nBonjour sous-titres\n");

  url = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", d->port, id);
  {
    const char *argv[] = { "node", script, url, token, "cara", bad, "60", NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("captions.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  g_assert_cmpint (status, ==, 0);

  menu = json_object_get_array_member (o, "menu");
  g_assert_cmpuint (json_array_get_length (menu), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (menu, 0), ==, "");
  g_assert_cmpstr (json_array_get_string_element (menu, 1), ==, "en");
  g_assert_cmpstr (json_array_get_string_element (menu, 2), ==, "fr");

  /* The cue is shown inside its time and only there. */
  samples = json_object_get_array_member (o, "samples");
  for (guint i = 0; i < json_array_get_length (samples); i++)
    {
      JsonObject *s = json_array_get_object_element (samples, i);
      double t = json_object_get_double_member (s, "time");
      JsonArray *cues = json_object_get_array_member (s, "cues");
      gboolean shown = FALSE;
      for (guint c = 0; c < json_array_get_length (cues); c++)
        shown |= g_str_equal (json_array_get_string_element (cues, c), "Hello captions");
      if (t < CUE_START - SLACK)
        {
          g_assert_false (shown);
          before++;
        }
      else if (t > CUE_START + SLACK && t < CUE_END - SLACK)
        {
          g_assert_true (shown);
          inside++;
        }
      else if (t > CUE_END + SLACK)
        {
          g_assert_false (shown);
          after++;
        }
    }
  g_test_message ("samples: %u before, %u inside, %u after the cue", before, inside, after);
  /* Without a sample before the cue, "not shown before its start" would
   * hold for any player that started late; sampling begins right after
   * play(), so at least one lands in the first 0.7 s. */
  g_assert_cmpuint (before, >=, 1);
  g_assert_cmpuint (inside, >=, 3);
  g_assert_cmpuint (after, >=, 1);

  /* The owner's form: a malformed file, and the page says which line. */
  g_assert_nonnull (strstr (json_object_get_string_member (o, "refusal"), "line 6"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "consoleErrors")), ==,
                    1);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/captions", test_captions);
  return g_test_run ();
}
