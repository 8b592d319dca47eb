/* Browser tests (suite `browser`): Debian's Chromium, headless, driven by
 * playwright-core (the tests/browser .mjs scripts), against a real reeld.
 *
 *   /browser/watch   /watch/{id} plays a freshly transcoded video past its
 *                    first chunk boundary with no error from the video
 *                    element, hls.js or the page; the owner sees her storage
 *                    use on the upload page, makes the video private on its
 *                    watch page, and it still plays for her, through signed
 *                    URLs (issue 12)
 *   /browser/early   a viewer who starts while only the first chunk is done
 *                    gets its low rungs; once the video is ready the page
 *                    loads the master playlist again, once, and plays on
 *                    from where it was with every rung (issue 18)
 *   /browser/ui      the whole web UI as two people use it (tests/browser/ui.mjs):
 *                    register, upload with progress and processing progress,
 *                    watch with the quality menu (issue 7, acceptance 1);
 *                    search as you type, subscribe, comment and reply, the
 *                    notifications and the comment seen by the owner (2); an
 *                    upload interrupted by a dropped connection and by a page
 *                    reload resumes from the server's offset (3); screenshots of home, watch,
 * upload and channel at 1280x800 and 390x844 in tests/artifacts, with labels, alt texts, the skip
 * link and no sideways scrolling checked on each (4); the viewer actions the watch page sends reach
 * the owner's analytics and its retention chart (issue 6); failed processing, offline and 404 pages
 * say what happened; comment paging, log out and in.
 *   /browser/admin   the moderation page (tests/browser/admin.mjs, issue 12): a
 *                    moderator deletes a reported comment from the queue, then blocks a reported
 * video with a reason, and an anonymous viewer's watch page then shows the reason instead of the
 * player (acceptance 7); the moderator resolves a report and bans its uploader, an admin sees that
 * in the audit log and makes an invite, registers a protected work through the works library and
 * deletes it (issue 16), a plain user is turned away; the API then refuses the
 *                    banned user's login with the reason.
 *
 * One binary: /browser/ui is in browser_ui.c, /browser/admin in
 * browser_admin.c; what they share in browser_common.h. */
#include "browser_common.h"

#include <glib/gstdio.h>

/* In browser_ui.c and browser_admin.c. */
void test_ui (void);
void test_admin (void);

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
      conf,
      "[media]\nsegment_seconds = 2\nchunk_segments = 2\nx264_preset = ultrafast\n"
      "[uploads]\nquota_bytes = 500000000\n",
      -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  token = reel_test_register_login (d->port, "wendy", PASSWORD);
  id = reel_test_tus_upload (d->port, token, clip, "Bouncing ball");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* Chapters written in the description (issue 14). */
  {
    g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", id);
    const char *body = "{\"description\":\"A ball.\\n0:00 Opening\\n0:04 Middle\\n0:07 "
                       "Closing\"}";
    g_autoptr (ReelTestResponse) patch = reel_test_http (d->port, "PATCH", rec, token, body, 0);
    g_autoptr (ReelTestResponse) v = NULL;
    JsonArray *chapters;
    g_assert_cmpuint (patch->status, ==, 204);
    v = reel_test_http (d->port, "GET", rec, NULL, NULL, 0);
    chapters = json_object_get_array_member (json_node_get_object (v->json), "chapters");
    g_assert_cmpuint (json_array_get_length (chapters), ==, 3);
    g_assert_cmpint (
        json_object_get_int_member (json_array_get_object_element (chapters, 1), "start"), ==, 4);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (chapters, 2), "title"), ==,
        "Closing");
  }
  url = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", d->port, id);
  r = run_page ("watch.mjs", url, FIRST_BOUNDARY_S + 0.5, NULL, NULL);
  assert_played (r, "Bouncing ball");
  {
    JsonArray *listed = json_object_get_array_member (r, "chapters");
    g_assert_cmpuint (json_array_get_length (listed), ==, 3);
    g_assert_cmpstr (json_array_get_string_element (listed, 0), ==, "0:00 Opening");
    g_assert_cmpstr (json_array_get_string_element (listed, 2), ==, "0:07 Closing");
    g_assert_cmpint (json_object_get_int_member (r, "chapterMarks"), ==, 3);
    /* Past 4.5 s: the second chapter. */
    g_assert_cmpstr (json_object_get_string_member (r, "chapterNow"), ==, "Middle");
    g_assert_cmpstr (json_object_get_string_member (r, "chapterAfterClick"), ==, "Closing");
    g_assert_cmpfloat (json_object_get_double_member (r, "timeAfterClick"), >=, 7);
  }

  /* The owner sees her storage on the upload page and makes the video
   * private from its watch page (tests/browser/owner.mjs). */
  {
    g_autofree char *path = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "owner.mjs", NULL);
    g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", d->port);
    g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", id);
    g_autofree char *out = NULL, *err = NULL;
    const char *argv[] = { "node", path, base, token, "wendy", id, "60", NULL };
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autoptr (ReelTestResponse) v = NULL;
    JsonObject *o;
    int status;
    out = reel_test_run_env (argv, NULL, &err, &status);
    g_test_message ("owner.mjs said: %s %s", out ? out : "", err ? err : "");
    g_assert_nonnull (out);
    g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    g_assert_true (json_object_get_boolean_member (o, "ok"));
    g_assert_cmpint (status, ==, 0);
    /* The clip counts against the 500 MB quota. */
    g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "quota"), "Storage used: "));
    g_assert_nonnull (strstr (json_object_get_string_member (o, "quota"), " of 500 MB ("));
    g_assert_null (strstr (json_object_get_string_member (o, "quota"), "Storage used: 0 B"));
    g_assert_cmpstr (json_object_get_string_member (o, "privacyBefore"), ==, "public");
    /* Its checks: no work registered, no classifier in the tests. */
    g_assert_nonnull (strstr (json_object_get_string_member (o, "checks"), "copyright: passed"));
    g_assert_nonnull (strstr (json_object_get_string_member (o, "checks"), "adult: skipped"));
    /* The share panel: the embed code names this video's embed page, the
     * feeds are the channel's; allowing downloads offers one link per
     * rung, and the first is an MP4 attachment anyone can fetch. */
    {
      g_autofree char *embed = g_strdup_printf ("<iframe src=\"%s/embed/%s\"", base, id);
      JsonObject *dl = json_object_get_object_member (o, "download");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "embedCode"), embed));
      g_assert_cmpstr (json_object_get_string_member (o, "feedRss"), ==,
                       "/feeds/channels/wendy/rss");
      g_assert_cmpint (json_object_get_int_member (o, "downloadsBefore"), ==, 0);
      g_assert_cmpstr (json_object_get_string_member (o, "downloadStatus"), ==,
                       "Viewers can download it.");
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "downloadLinks")),
                        >, 0);
      g_assert_cmpint (json_object_get_int_member (dl, "status"), ==, 200);
      g_assert_cmpstr (json_object_get_string_member (dl, "type"), ==, "video/mp4");
      g_assert_cmpstr (json_object_get_string_member (dl, "ftyp"), ==, "ftyp");
      g_assert_true (
          g_str_has_prefix (json_object_get_string_member (dl, "disposition"), "attachment"));
    }
    g_assert_cmpstr (json_object_get_string_member (o, "privacyStatus"), ==,
                     "The video is now private.");
    g_assert_cmpstr (json_object_get_string_member (o, "privacyAfter"), ==, "private");
    g_assert_cmpstr (json_object_get_string_member (o, "badge"), ==, "Private");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "consoleErrors")), ==,
                      0);
    v = reel_test_http (d->port, "GET", rec, token, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (v, "privacy"), ==, "private");
  }

  /* Private now, it plays for its owner through the signed URLs the API
   * gives her (a <video> element sends no Authorization), and anonymous
   * requests for its plain playlist find nothing. */
  {
    g_autofree char *plain = g_strdup_printf ("/videos/%s/master.m3u8", id);
    g_autoptr (ReelTestResponse) anon = NULL;
    g_autoptr (JsonObject) owner = NULL;
    JsonArray *playlists;
    anon = reel_test_http (d->port, "GET", plain, NULL, NULL, 0);
    g_assert_cmpuint (anon->status, ==, 404);
    owner = run_page ("watch.mjs", url, FIRST_BOUNDARY_S + 0.5, token, "wendy");
    assert_played (owner, "Bouncing ball Private");
    playlists = json_object_get_array_member (owner, "playlists");
    g_assert_cmpuint (json_array_get_length (playlists), >, 0);
    for (guint i = 0; i < json_array_get_length (playlists); i++)
      g_assert_true (g_str_has_prefix (json_array_get_string_element (playlists, i), "/s/"));
  }

  /* Her watch history kept where she left it (the chapter she jumped to,
   * 0:07); the page offers to resume there, and does (issue 14). */
  {
    g_autofree char *entry = g_strdup_printf ("/api/v1/users/me/history/%s", id);
    g_autoptr (JsonObject) again = NULL;
    double position = 0;
    for (int i = 0; i < 200 && position < 7; i++)
      {
        g_autoptr (ReelTestResponse) h = reel_test_http (d->port, "GET", entry, token, NULL, 0);
        JsonObject *o = h->status == 200 ? json_node_get_object (h->json) : NULL;
        if (o && !json_object_get_null_member (o, "position"))
          position = json_object_get_double_member (o, "position");
        if (position < 7)
          g_usleep (100 * 1000);
      }
    g_assert_cmpfloat (position, >=, 7);
    again = run_page_full ("watch.mjs", url, 7.5, token, "wendy", "resume");
    assert_played (again, "Bouncing ball Private");
    g_assert_true (
        g_str_has_prefix (json_object_get_string_member (again, "resumeText"), "Resume at 0:07"));
    g_assert_cmpfloat (json_object_get_double_member (again, "resumedAt"), >=, 6.9);
  }

  /* An unknown video or channel is a 404 page, not a blank player. */
  {
    const char *missing[] = { "/watch/AAAAAAAAAAA", "/channel/nobody", "/channel/NOT%20A%20NAME" };
    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        g_autofree char *body = NULL;
        g_assert_cmpuint (reel_test_raw_get (d->port, missing[i], &body), ==, 404);
        g_assert_nonnull (strstr (body, "Nothing here"));
      }
  }
  /* A dead link anywhere: the page for a browser, the API's error for a
   * program. */
  {
    const char *html[] = { "Accept", "text/html,application/xhtml+xml;q=0.9", NULL };
    g_autoptr (ReelTestResponse) page
        = reel_test_http_full (d->port, "GET", "/no/such/page", NULL, html, NULL, NULL, 0);
    g_autoptr (ReelTestResponse) api
        = reel_test_http (d->port, "GET", "/no/such/page", NULL, NULL, 0);
    g_assert_cmpuint (page->status, ==, 404);
    g_assert_nonnull (strstr (page->body, "Nothing here"));
    g_assert_cmpuint (api->status, ==, 404);
    g_assert_cmpstr (reel_test_error_code (api), ==, "not_found");
  }
  /* Every page is served with its Content-Security-Policy. */
  {
    const char *pages[] = { "/", "/login", "/upload", "/search?q=ball", "/channel/wendy" };
    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        g_autoptr (ReelTestResponse) page
            = reel_test_http (d->port, "GET", pages[i], NULL, NULL, 0);
        g_assert_cmpuint (page->status, ==, 200);
        g_assert_nonnull (strstr (page->content_type, "text/html"));
        g_assert_nonnull (
            strstr (reel_test_header (page, "Content-Security-Policy"), "script-src 'self'"));
        g_assert_cmpstr (reel_test_header (page, "X-Content-Type-Options"), ==, "nosniff");
      }
  }
  /* No file name reaches outside the UI's directory. */
  {
    const char *bad[] = {
      "/static/..%2F..%2Fmeson.build",
      "/static/%2e%2e/%2e%2e/README.md",
      "/static/../watch.html",
      "/static/vendor/..%2Fapp.js",
      "/static/.reel.css",
      "/static/reel.css%00.js",
      "/static/reel..css",
      "/static/app.js.bak",
      "/channel/..%2F..%2Fetc",
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *body = NULL;
        guint status = reel_test_raw_get (d->port, bad[i], &body);
        if (status != 404)
          g_error ("GET %s answered %u", bad[i], status);
        g_assert_null (strstr (body, "project("));
      }
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* A viewer who starts while only the first chunk is done is offered the
 * rungs up to media.first_chunk_max_height (360 lines); once the video is
 * ready, the watch page and the embed player each load the master playlist
 * again, once, and play on from where they were with every rung, and the
 * watch page reports no seek or play of the viewer's for it
 * (tests/browser/early.mjs, data/www/static/newrungs.js). */
static void
test_early (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  g_autofree char *hold = g_build_filename (media, "hold", NULL);
  g_autofree char *fault = g_strdup_printf ("REEL_TEST_FAULT=hold-last-chunk:%s", hold);
  const char *args[] = { conf_arg, NULL };
  const char *env[] = { fault, NULL };
  g_autofree char *clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=240 ! video/x-raw,width=854,height=480,framerate=30/1 "
      "! timeoverlay ! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=400 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "early.mjs", NULL);
  g_autofree char *token = NULL, *id = NULL, *watch = NULL, *embed = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  ReelTestReeld *d;
  JsonObject *r;
  JsonArray *pages;
  int status;

  /* Two chunks: segment 0, then segments 1 to 3 (the last, held). */
  g_assert_true (g_file_set_contents (
      conf, "[media]\nsegment_seconds = 2\nchunk_segments = 3\nx264_preset = ultrafast\n", -1,
      NULL));
  g_assert_true (g_file_set_contents (hold, "", 0, NULL));
  d = reel_test_reeld_start_args (dir, NULL, env, args);
  token = reel_test_register_login (d->port, "erin", PASSWORD);
  id = reel_test_tus_upload (d->port, token, clip, "Early bird");
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "playable|ready|failed", 300);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
  }
  watch = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", d->port, id);
  embed = g_strdup_printf ("http://127.0.0.1:%u/embed/%s", d->port, id);
  {
    const char *argv[] = { "node", script, hold, "4.5", "90", watch, embed, NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("early.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  r = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (status, ==, 0);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  pages = json_object_get_array_member (r, "pages");
  g_assert_cmpuint (json_array_get_length (pages), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *p = json_array_get_object_element (pages, i);
      g_autofree char *before = heights (p, "levelsBefore");
      g_autofree char *after = heights (p, "levelsAfter");
      g_test_message ("%s", json_object_get_string_member (p, "url"));
      assert_no_errors (p);
      g_assert_cmpstr (before, ==, "360,240");
      g_assert_cmpstr (after, ==, "480,360,240");
      g_assert_cmpint (json_object_get_int_member (p, "reloads"), ==, 1);
      /* It plays on from where it was, not from the start. */
      g_assert_cmpfloat (json_object_get_double_member (p, "reloadedAt"), >, 0.5);
      g_assert_cmpfloat (json_object_get_double_member (p, "resumedAt"), >=,
                         json_object_get_double_member (p, "reloadedAt") - 0.2);
      g_assert_false (json_object_get_boolean_member (p, "paused"));
      /* The page's own seek and play at the reload are not the viewer's
       * actions (both pages report them). */
      {
        g_autofree char *actions = strings_of (p, "actionsAfter");
        g_test_message ("actions: %s", actions);
        g_assert_true (g_str_has_prefix (actions, "play,") || g_str_equal (actions, "play"));
        g_assert_null (strstr (actions, ",play"));
        g_assert_null (strstr (actions, "seek"));
      }
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
  g_test_add_func ("/browser/early", test_early);
  g_test_add_func ("/browser/ui", test_ui);
  g_test_add_func ("/browser/admin", test_admin);
  return g_test_run ();
}
