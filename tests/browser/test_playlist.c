/* Browser test of playlists and likes (suite `browser`, issue 14,
 * acceptance 4): Debian's Chromium, headless, via playwright-core
 * (tests/browser/playlist.mjs), against a real reeld.
 *
 *   /browser/playlist  the owner opens her public playlist of two fresh
 *                      3 s videos, clicks Play all, likes the first video
 *                      and saves it to Watch later on its watch page; when
 *                      it ends the second video's watch page opens with the
 *                      same ?list and plays by itself. The like and the
 *                      Watch later are then read back through the API. */
#include "harness.h"

static const char *PASSWORD = "correct horse battery";

/* A 3 s clip with a title burnt in, so the two differ. */
static char *
make_clip (const char *dir, const char *name, const char *pattern)
{
  g_autofree char *pipeline = g_strdup_printf (
      "videotestsrc pattern=%s num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%%s "
      "audiotestsrc num-buffers=140 ! audioconvert ! avenc_aac ! m.",
      pattern);
  return reel_test_make_media (dir, name, pipeline);
}

static char *
ready_upload (ReelTestReeld *d, const char *token, const char *clip, const char *title)
{
  char *id = reel_test_upload (d->port, token, clip, title);
  g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  return id;
}

static void
post (ReelTestReeld *d, const char *path, const char *token, const char *body, guint want,
      char **id)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (d->port, "POST", path, token, body, strlen (body));
  if (r->status != want)
    g_printerr ("POST %s: %u %s\n", path, r->status, r->body);
  g_assert_cmpuint (r->status, ==, want);
  if (id)
    *id = g_strdup (reel_test_json_str (r, "id"));
}

static void
test_playlist (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *clip1 = make_clip (media, "one.mp4", "ball");
  g_autofree char *clip2 = make_clip (media, "two.mp4", "smpte");
  g_autofree char *token = NULL, *v1 = NULL, *v2 = NULL, *list = NULL, *items = NULL;
  g_autofree char *base = NULL, *script = NULL, *out = NULL, *err = NULL, *body = NULL;
  g_autofree char *want_first = NULL, *want_second = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  ReelTestReeld *d;
  JsonObject *r;
  int status;

  g_assert_true (g_file_set_contents (conf,
                                      "[media]\nladder = 240p:240:300\nsegment_seconds = 1\n"
                                      "chunk_segments = 2\nx264_preset = ultrafast\n",
                                      -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "paula", PASSWORD);
  v1 = ready_upload (d, token, clip1, "First of the list");
  v2 = ready_upload (d, token, clip2, "Second of the list");
  post (d, "/api/v1/playlists", token, "{\"title\":\"Two clips\",\"privacy\":\"public\"}", 201,
        &list);
  items = g_strdup_printf ("/api/v1/playlists/%s/items", list);
  body = g_strdup_printf ("{\"video_id\":\"%s\"}", v1);
  post (d, items, token, body, 200, NULL);
  g_free (body);
  body = g_strdup_printf ("{\"video_id\":\"%s\"}", v2);
  post (d, items, token, body, 200, NULL);

  base = g_strdup_printf ("http://127.0.0.1:%u", d->port);
  script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "browser",
                             "playlist.mjs", NULL);
  {
    const char *argv[] = { "node", script, base, list, token, "paula", "90", NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("playlist.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  g_assert_cmpint (status, ==, 0);
  r = json_node_get_object (json_parser_get_root (parser));

  /* The playlist page listed both, in order; Play all opened the first. */
  g_assert_cmpstr (json_object_get_string_member (r, "pageTitle"), ==, "Two clips");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "items")), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (r, "items"), 0), ==,
                   v1);
  want_first = g_strdup_printf ("%s/watch/%s?list=%s", base, v1, list);
  want_second = g_strdup_printf ("%s/watch/%s?list=%s", base, v2, list);
  g_assert_cmpstr (json_object_get_string_member (r, "firstUrl"), ==, want_first);
  g_assert_cmpint (json_object_get_int_member (r, "queueItems"), ==, 2);
  /* At the end of the first, the second opened and played by itself. */
  g_assert_cmpstr (json_object_get_string_member (r, "secondUrl"), ==, want_second);
  g_assert_cmpfloat (json_object_get_double_member (r, "secondTime"), >, 0.5);
  g_assert_false (json_object_get_boolean_member (r, "secondPaused"));
  g_assert_true (json_node_is_null (json_object_get_member (r, "mediaError")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "playerErrors")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);
  g_assert_cmpstr (json_object_get_string_member (r, "secondTitle"), ==, "Second of the list");
  /* The like and the Watch later the page sent, as the API has them. */
  g_assert_cmpstr (json_object_get_string_member (r, "likesShown"), ==, "1");
  {
    g_autofree char *rating = g_strdup_printf ("/api/v1/videos/%s/rating", v1);
    g_autoptr (ReelTestResponse) rr = reel_test_http (d->port, "GET", rating, token, NULL, 0);
    g_autoptr (ReelTestResponse) mine
        = reel_test_http (d->port, "GET", "/api/v1/users/me/playlists", token, NULL, 0);
    g_assert_cmpuint (rr->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (rr, "rating"), ==, "like");
    g_assert_cmpuint (mine->status, ==, 200);
    g_assert_nonnull (strstr (mine->body, "\"kind\":\"watch_later\""));
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
  g_test_add_func ("/browser/playlist", test_playlist);
  return g_test_run ();
}
