/* Embeds in Chromium (suite `browser`, issue 14 acceptance 6): a page of
 * another site (another origin: a python3 http.server the test starts on
 * its own port) frames /embed/{id} (tests/browser/embed.mjs).
 *
 *   /browser/embed   the framed public video plays (currentTime advances)
 *                    with no error, and what the viewer did (play, pause)
 *                    reaches the owner's analytics as an anonymous
 *                    viewer's; once the owner makes it private the
 *                    same frame says it is unavailable and plays nothing,
 *                    and a watch page framed beside it stays empty
 *                    (frame-ancestors 'none'). */
#include "harness.h"

static const char *PASSWORD = "correct horse battery";

/* The other site: a directory served by python3's http.server on a free
 * port of 127.0.0.1. */
typedef struct
{
  GSubprocess *proc;
  guint16 port;
} OtherSite;

static OtherSite
other_site_start (const char *dir)
{
  OtherSite s = { NULL, reel_test_free_port () };
  g_autofree char *port = g_strdup_printf ("%u", s.port);
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                         "-m",
                         "http.server",
                         port,
                         "--bind",
                         "127.0.0.1",
                         "--directory",
                         dir,
                         NULL };
  s.proc = reel_test_spawn (argv);
  for (guint i = 0; i < 200 && !reel_test_port_open (s.port); i++)
    g_usleep (50 * 1000);
  g_assert_true (reel_test_port_open (s.port));
  return s;
}

static void
other_site_stop (OtherSite *s)
{
  g_subprocess_force_exit (s->proc);
  g_subprocess_wait (s->proc, NULL, NULL);
  g_clear_object (&s->proc);
}

/* Writes dir/name: a page framing embed_url (and watch_url, when given). */
static void
write_page (const char *dir, const char *name, const char *embed_url, const char *watch_url)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *watch = watch_url
                               ? g_strdup_printf ("<iframe id=\"watch\" src=\"%s\" width=\"640\" "
                                                  "height=\"360\"></iframe>\n",
                                                  watch_url)
                               : g_strdup ("");
  g_autofree char *page = g_strdup_printf (
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>A blog</title>\n"
      "<link rel=\"icon\" href=\"data:,\"></head>\n"
      "<body><h1>A blog post</h1>\n<iframe id=\"embed\" src=\"%s\" width=\"640\" height=\"360\" "
      "allow=\"autoplay; fullscreen\" allowfullscreen></iframe>\n%s</body></html>\n",
      embed_url, watch);
  g_assert_true (g_file_set_contents (path, page, -1, NULL));
}

static JsonObject *
run_embed (const char *url, const char *mode)
{
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "embed.mjs", NULL);
  const char *argv[] = { "node", script, url, mode, "60", NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL;
  int status;
  out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("embed.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  g_assert_cmpint (status, ==, 0);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_embed (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *site_dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=180 ! video/x-raw,width=320,height=180,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=300 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  ReelTestReeld *d = NULL;
  g_autofree char *token = NULL, *id = NULL, *embed_url = NULL, *watch_url = NULL;
  g_autofree char *play_url = NULL, *refuse_url = NULL, *rec = NULL;
  g_autoptr (JsonObject) played = NULL, refused = NULL;
  OtherSite site;

  g_assert_true (g_file_set_contents (
      conf, "[media]\nsegment_seconds = 2\nchunk_segments = 2\nx264_preset = ultrafast\n", -1,
      NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "erin", PASSWORD);
  id = reel_test_upload (d->port, token, clip, "Ball on a blog");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  embed_url = g_strdup_printf ("http://127.0.0.1:%u/embed/%s", d->port, id);
  watch_url = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", d->port, id);
  write_page (site_dir, "play.html", embed_url, NULL);
  write_page (site_dir, "refuse.html", embed_url, watch_url);
  site = other_site_start (site_dir);
  play_url = g_strdup_printf ("http://127.0.0.1:%u/play.html", site.port);
  refuse_url = g_strdup_printf ("http://127.0.0.1:%u/refuse.html", site.port);

  /* Public: it plays inside the other site's page. */
  played = run_embed (play_url, "play");
  g_assert_true (json_object_get_boolean_member (played, "ok"));
  g_assert_cmpstr (json_object_get_string_member (played, "pageOrigin"), !=,
                   json_object_get_string_member (played, "frameOrigin"));
  g_assert_true (json_object_get_boolean_member (played, "attached"));
  g_assert_cmpfloat (json_object_get_double_member (played, "currentTime"), >, 2);
  g_assert_cmpint (json_object_get_int_member (played, "videoHeight"), >, 0);
  g_assert_true (json_node_is_null (json_object_get_member (played, "mediaError")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (played, "playerErrors")),
                    ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (played, "consoleErrors")),
                    ==, 0);
  g_assert_cmpstr (json_object_get_string_member (played, "watchLink"), ==, "Ball on a blog");
  /* What the viewer did was posted, and counts for the owner. */
  {
    JsonArray *posted = json_object_get_array_member (played, "actionsPosted");
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/analytics", id);
    gboolean play = FALSE, pause = FALSE;
    for (guint i = 0; i < json_array_get_length (posted); i++)
      {
        play |= g_str_equal (json_array_get_string_element (posted, i), "play");
        pause |= g_str_equal (json_array_get_string_element (posted, i), "pause");
      }
    g_assert_true (play && pause);
    for (guint i = 0;; i++)
      {
        g_autoptr (ReelTestResponse) a = reel_test_http (d->port, "GET", path, token, NULL, 0);
        JsonObject *o;
        g_assert_cmpuint (a->status, ==, 200);
        o = json_node_get_object (a->json);
        if (json_object_get_int_member (o, "viewers") == 1
            && json_object_get_double_member (o, "watch_time") > 1.5)
          break;
        g_assert_cmpuint (i, <, 200);
        g_usleep (100 * 1000);
      }
  }

  /* Private: the same embed plays for nobody, and a framed watch page
   * stays empty. */
  rec = g_strdup_printf ("/api/v1/videos/%s", id);
  {
    g_autoptr (ReelTestResponse) p
        = reel_test_http (d->port, "PATCH", rec, token, "{\"privacy\":\"private\"}", 0);
    g_assert_cmpuint (p->status, ==, 204);
  }
  {
    g_autofree char *path = g_strdup_printf ("/embed/%s", id);
    g_autoptr (ReelTestResponse) e = NULL;
    for (guint i = 0; i < 100; i++)
      {
        g_clear_pointer (&e, reel_test_response_free);
        e = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
        if (e->status == 404)
          break;
        g_usleep (50 * 1000);
      }
    g_assert_cmpuint (e->status, ==, 404);
  }
  refused = run_embed (refuse_url, "refuse");
  g_assert_true (json_object_get_boolean_member (refused, "ok"));
  g_assert_true (json_object_get_boolean_member (refused, "unavailable"));
  g_assert_false (json_object_get_boolean_member (refused, "attached"));
  g_assert_true (json_object_get_boolean_member (refused, "statusShown"));
  g_assert_cmpstr (json_object_get_string_member (refused, "status"), ==,
                   "This video is unavailable.");
  g_assert_cmpfloat (json_object_get_double_member (refused, "currentTime"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (refused, "videoHeight"), ==, 0);
  g_assert_false (json_object_get_boolean_member (refused, "watchFramed"));
  {
    JsonArray *errors = json_object_get_array_member (refused, "consoleErrors");
    gboolean csp_said = FALSE;
    for (guint i = 0; i < json_array_get_length (errors); i++)
      csp_said
          |= strstr (json_array_get_string_element (errors, i), "frame-ancestors 'none'") != NULL;
    g_assert_true (csp_said);
  }

  other_site_stop (&site);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
  reel_test_rmtree (site_dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/embed", test_embed);
  return g_test_run ();
}
