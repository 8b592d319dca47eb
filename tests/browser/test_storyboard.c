/* Browser test of seek previews (suite `browser`, issue 14, acceptance 2):
 * Debian's Chromium, headless, via playwright-core
 * (tests/browser/storyboard.mjs), against a real reeld.
 *
 *   /browser/storyboard  on the watch page of a ready 25 s video, hovering
 *                        the seek area at half the width shows the preview
 *                        element, above the controls, with the storyboard
 *                        sprite as its background at the region the
 *                        storyboard's track gives for the time under the
 *                        pointer (read here from the track itself); the
 *                        sprite loads as a JPEG; the preview goes when the
 *                        pointer leaves the seek area. */
#include "harness.h"

#include <math.h>
#include <stdio.h>

static const char *PASSWORD = "correct horse battery";
#define HOVER_FRACTION 0.5

/* The region ("-x px -y px" as CSS computes it) and the tile size the
 * track gives for time t (seconds). */
static char *
region_at (const char *vtt, double t, guint *w, guint *h)
{
  g_auto (GStrv) lines = g_strsplit (vtt, "\n", -1);
  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      guint h1, m1, s1, ms1, h2, m2, s2, ms2, x, y;
      if (sscanf (lines[i], "%u:%u:%u.%u --> %u:%u:%u.%u", &h1, &m1, &s1, &ms1, &h2, &m2, &s2, &ms2)
          != 8)
        continue;
      double start = h1 * 3600.0 + m1 * 60 + s1 + ms1 / 1000.0;
      double end = h2 * 3600.0 + m2 * 60 + s2 + ms2 / 1000.0;
      if (t < start || t >= end)
        continue;
      g_assert_cmpint (sscanf (lines[i + 1], "storyboard.jpg#xywh=%u,%u,%u,%u", &x, &y, w, h), ==,
                       4);
      /* CSS writes a zero offset as "0px". */
      return g_strdup_printf ("%s%upx %s%upx", x ? "-" : "", x, y ? "-" : "", y);
    }
  g_error ("no cue at %.3f s", t);
}

static void
test_storyboard (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *clip = NULL, *token = NULL, *id = NULL, *path = NULL, *base = NULL;
  g_autofree char *script = NULL, *out = NULL, *err = NULL, *want_position = NULL;
  g_autofree char *vtt_path = NULL, *sprite_url = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (ReelTestResponse) vtt = NULL;
  ReelTestReeld *d;
  JsonObject *r;
  JsonArray *sprites;
  guint tile_w = 0, tile_h = 0;
  int status;

  g_assert_true (g_file_set_contents (
      conf, "[media]\nladder = 240p:240:300\nx264_preset = ultrafast\n", -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "sara", PASSWORD);
  clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=125 ! video/x-raw,width=320,height=180,framerate=5/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  id = reel_test_upload (d->port, token, clip, "Previewed");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* The storyboard is made beside the transcode: wait for it. */
  path = g_strdup_printf ("/api/v1/videos/%s", id);
  for (guint i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (v->status, ==, 200);
      if (json_object_has_member (json_node_get_object (v->json), "storyboard"))
        break;
      g_assert_cmpuint (i, <, 1200);
      g_usleep (G_USEC_PER_SEC / 10);
    }
  vtt_path = g_strdup_printf ("/videos/%s/storyboard.vtt", id);
  vtt = reel_test_http (d->port, "GET", vtt_path, NULL, NULL, 0);
  g_assert_cmpuint (vtt->status, ==, 200);

  base = g_strdup_printf ("http://127.0.0.1:%u", d->port);
  script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "browser",
                             "storyboard.mjs", NULL);
  {
    g_autofree char *fraction = g_strdup_printf ("%.2f", HOVER_FRACTION);
    const char *argv[] = { "node", script, base, id, fraction, "90", NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("storyboard.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  g_assert_cmpint (status, ==, 0);
  r = json_node_get_object (json_parser_get_root (parser));

  /* Hidden until hovered; shown over the seek area; gone after. */
  g_assert_false (json_object_get_boolean_member (r, "previewBefore"));
  g_assert_true (json_object_get_boolean_member (r, "visible"));
  g_assert_true (json_object_get_boolean_member (r, "hiddenAfter"));
  g_assert_cmpfloat (json_object_get_double_member (r, "previewBottom"), <,
                     json_object_get_double_member (r, "videoBottom"));
  /* The time under the pointer: half the video. */
  g_assert_cmpfloat (fabs (json_object_get_double_member (r, "time")
                           - HOVER_FRACTION * json_object_get_double_member (r, "duration")),
                     <, 1.0);
  /* The sprite of this video, at the region the track gives for that
   * time, at the tile's size (plus the 2 px border on each side). */
  sprite_url = g_strdup_printf ("url(\"%s/videos/%s/storyboard.jpg\")", base, id);
  g_assert_cmpstr (json_object_get_string_member (r, "backgroundImage"), ==, sprite_url);
  want_position
      = region_at (vtt->body, json_object_get_double_member (r, "time"), &tile_w, &tile_h);
  g_assert_cmpstr (json_object_get_string_member (r, "backgroundPosition"), ==, want_position);
  g_assert_cmpfloat (json_object_get_double_member (r, "width"), ==, tile_w + 4);
  g_assert_cmpfloat (json_object_get_double_member (r, "height"), ==, tile_h + 4);
  /* The browser fetched the sprite, a JPEG. */
  sprites = json_object_get_array_member (r, "sprites");
  g_assert_cmpuint (json_array_get_length (sprites), >=, 1);
  {
    JsonObject *s = json_array_get_object_element (sprites, 0);
    g_assert_cmpint (json_object_get_int_member (s, "status"), ==, 200);
    g_assert_cmpstr (json_object_get_string_member (s, "type"), ==, "image/jpeg");
  }
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "playerErrors")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/storyboard", test_storyboard);
  return g_test_run ();
}
