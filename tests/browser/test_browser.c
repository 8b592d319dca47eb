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
 *                    banned user's login with the reason. */
#include "harness.h"

#include <glib/gstdio.h>

static const char *PASSWORD = "correct horse battery";

/* 2 s segments, 2 per chunk: the first chunk boundary is at 4 s. */
#define FIRST_BOUNDARY_S 4

/* Runs watch.mjs on url until the video is past past_s, logged in as
 * username with token (both NULL: anonymous). */
static JsonObject *
run_page_full (const char *script, const char *url, double past_s, const char *token,
               const char *username, const char *resume)
{
  g_autofree char *path
      = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "browser", script, NULL);
  g_autofree char *past = g_strdup_printf ("%.1f", past_s);
  const char *argv[] = { "node", path, url, past, "60", token, username, resume, NULL };
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

static JsonObject *
run_page (const char *script, const char *url, double past_s, const char *token,
          const char *username)
{
  return run_page_full (script, url, past_s, token, username, NULL);
}

/* What a page script saw: no error from the video element, hls.js, the
 * page or the network. */
static void
assert_no_errors (JsonObject *r)
{
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_true (json_node_is_null (json_object_get_member (r, "mediaError")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "playerErrors")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);
}

/* What watch.mjs saw: the video played past the asked time with no error. */
static void
assert_played (JsonObject *r, const char *title)
{
  assert_no_errors (r);
  g_assert_cmpfloat (json_object_get_double_member (r, "currentTime"), >, FIRST_BOUNDARY_S + 0.5);
  g_assert_cmpint (json_object_get_int_member (r, "videoHeight"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (r, "title"), ==, title);
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

/* ---- /browser/ui ---- */

#define TITLE1 "Bouncing ball <b>at dusk</b> & friends"
#define TITLE2 "Test card, second upload"

/* A member of the script's report by a dotted path ("watch.after.videoWidth",
 * "bob.feed.0"); asserts that it is there. */
static JsonNode *
at (JsonObject *r, const char *dotted)
{
  g_auto (GStrv) parts = g_strsplit (dotted, ".", -1);
  JsonNode *node = NULL;
  JsonObject *obj = r;
  JsonArray *arr = NULL;
  for (guint i = 0; parts[i]; i++)
    {
      if (arr)
        {
          guint64 idx = g_ascii_strtoull (parts[i], NULL, 10);
          g_assert_cmpuint (idx, <, json_array_get_length (arr));
          node = json_array_get_element (arr, (guint)idx);
        }
      else
        {
          g_assert_nonnull (obj);
          if (!json_object_has_member (obj, parts[i]))
            g_error ("the report has no %s", dotted);
          node = json_object_get_member (obj, parts[i]);
        }
      obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      arr = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
    }
  return node;
}

static double
num (JsonObject *r, const char *dotted)
{
  return json_node_get_double (at (r, dotted));
}

static const char *
str (JsonObject *r, const char *dotted)
{
  return json_node_get_string (at (r, dotted));
}

static guint
len (JsonObject *r, const char *dotted)
{
  return json_array_get_length (json_node_get_array (at (r, dotted)));
}

/* Whether one string of the array at dotted contains needle. */
static gboolean
any_contains (JsonObject *r, const char *dotted, const char *needle)
{
  JsonArray *a = json_node_get_array (at (r, dotted));
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (strstr (json_array_get_string_element (a, i), needle))
      return TRUE;
  return FALSE;
}

/* The heights of a JSON array of rungs, "360,240". */
static char *
heights (JsonObject *r, const char *member)
{
  JsonArray *a = json_object_get_array_member (r, member);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            json_array_get_int_element (a, i));
  return g_string_free (out, FALSE);
}

/* The strings of array member of r, comma-separated. */
static char *
strings_of (JsonObject *r, const char *member)
{
  JsonArray *a = json_object_get_array_member (r, member);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", json_array_get_string_element (a, i));
  return g_string_free (out, FALSE);
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

static void
assert_contains (const char *haystack, const char *needle)
{
  if (!strstr (haystack, needle))
    g_error ("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* The width of a PNG file (its IHDR), asserting that it is one. */
static guint32
png_width (const char *path)
{
  g_autofree char *data = NULL;
  gsize n = 0;
  g_assert_true (g_file_get_contents (path, &data, &n, NULL));
  g_assert_cmpuint (n, >, 1000);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  return ((guint32)(guint8)data[16] << 24) | ((guint32)(guint8)data[17] << 16)
         | ((guint32)(guint8)data[18] << 8) | (guint32)(guint8)data[19];
}

static JsonObject *
get_json (guint16 port, const char *path, const char *token)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (r->json);
  return json_object_ref (json_node_get_object (r->json));
}

/* The stored viewer actions of a video: each action object, in order. */
static GPtrArray *
actions_of (GPtrArray *log, const char *video_id)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  for (guint i = 0; i < log->len; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *action;
      g_assert_true (json_parser_load_from_data (p, log->pdata[i], -1, NULL));
      action = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)),
                                              "action");
      if (g_str_equal (json_object_get_string_member (action, "video_id"), video_id))
        g_ptr_array_add (out, json_object_ref (action));
    }
  return out;
}

static JsonObject *
find_action (GPtrArray *actions, const char *name)
{
  for (guint i = 0; i < actions->len; i++)
    if (g_str_equal (json_object_get_string_member (actions->pdata[i], "action"), name))
      return actions->pdata[i];
  g_error ("no %s action was stored", name);
  return NULL;
}

static void
test_ui (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *artifacts
      = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "artifacts", NULL);
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "ui.mjs", NULL);
  /* 20 s in 2 s segments, 2 per chunk: several chunks to watch being done
   * (one worker), a first chunk boundary well before the end. */
  g_autofree char *clip = reel_test_make_media (
      media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=600 ! video/x-raw,width=640,height=360,framerate=30/1 "
      "! timeoverlay ! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=1000 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  g_autofree char *clip2 = reel_test_make_media (
      media, "clip2.mp4",
      "videotestsrc pattern=smpte num-buffers=120 ! "
      "video/x-raw,width=320,height=180,framerate=30/1 "
      "! timeoverlay ! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc samplesperbuffer=960 num-buffers=200 ! audio/x-raw,rate=48000,channels=2 "
      "! audioconvert ! avenc_aac ! m.");
  ReelTestNats *nats = reel_test_nats_start ();
  ReelTestReeld *d = NULL;
  g_autofree char *url = NULL, *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *r;
  int status;
  g_assert_true (g_file_set_contents (conf,
                                      "[media]\nsegment_seconds = 2\nchunk_segments = 2\n"
                                      "x264_preset = ultrafast\n"
                                      "[worker]\nconcurrency = 1\n"
                                      "[views]\nmin_watch_seconds = 3\n"
                                      "[comments]\nrate_limit = 100\n",
                                      -1, NULL));
  d = reel_test_reeld_start_config (dir, nats->url, conf);
  url = g_strdup_printf ("http://127.0.0.1:%u", d->port);
  {
    const char *argv[] = { "node", script, url, clip, clip2, artifacts, "90", NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("ui.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  r = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_get_boolean_member (r, "ok"))
    g_error ("ui.mjs failed at %s", json_object_get_string_member_with_default (r, "error", "?"));
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (len (r, "errors"), ==, 0);
  g_assert_cmpuint (len (r, "httpErrors"), ==, 0);

  /* 1. Register, upload (the bar reaches 100 %), processing progress, watch. */
  g_assert_cmpstr (str (r, "aliceHeader"), ==, "alice");
  g_assert_cmpfloat (num (r, "upload.maxProgress"), ==, 100);
  g_assert_cmpfloat (num (r, "upload.bar"), ==, 100);
  g_assert_cmpstr (str (r, "upload.text"), ==, "100 %");
  g_assert_true (any_contains (r, "upload.processingTexts", "parts done"));
  g_assert_true (any_contains (r, "upload.processingTexts", "is ready: "));
  {
    const char *id = str (r, "upload.videoId");
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
    g_autofree char *watch = g_strdup_printf ("/watch/%s", id);
    g_autoptr (JsonObject) v = get_json (d->port, path, NULL);
    JsonArray *renditions = json_object_get_array_member (v, "renditions");
    guint rungs = 0;
    g_assert_cmpstr (json_object_get_string_member (v, "title"), ==, TITLE1);
    g_assert_cmpstr (str (r, "upload.watchLink"), ==, watch);
    /* The menu: Auto, then every video rendition of the API, best first. */
    g_assert_cmpstr (str (r, "watch.menu.0.value"), ==, "auto");
    for (guint i = 0; i < json_array_get_length (renditions); i++)
      {
        JsonObject *rend = json_array_get_object_element (renditions, i);
        g_autofree char *item = NULL;
        if (!g_str_equal (json_object_get_string_member (rend, "kind"), "video"))
          continue;
        rungs++;
        item = g_strdup_printf ("watch.menu.%u.value", rungs);
        g_assert_cmpstr (str (r, item), ==, json_object_get_string_member (rend, "name"));
      }
    g_assert_cmpuint (rungs, >=, 2);
    g_assert_cmpuint (len (r, "watch.menu"), ==, rungs + 1);
  }
  g_assert_cmpfloat (num (r, "watch.before.currentTime"), >, FIRST_BOUNDARY_S + 0.5);
  g_assert_cmpfloat (num (r, "watch.after.currentTime"), >, num (r, "watch.before.currentTime"));
  /* Choosing another rung changed what plays. */
  g_assert_cmpfloat (num (r, "watch.after.videoWidth"), ==, num (r, "watch.chosenWidth"));
  g_assert_cmpfloat (num (r, "watch.after.videoWidth"), !=, num (r, "watch.before.videoWidth"));
  g_assert_cmpfloat (num (r, "watch.after.level"), !=, num (r, "watch.before.level"));
  {
    g_autofree char *playing = g_strdup_printf ("Playing %s", str (r, "watch.chosen"));
    g_assert_cmpstr (str (r, "watch.after.playing"), ==, playing);
  }
  g_assert_cmpuint (len (r, "watch.playerErrors"), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (at (r, "watch.mediaError")));
  /* API text is text: the title's markup is shown, never parsed. */
  g_assert_cmpstr (str (r, "watch.title"), ==, TITLE1);
  g_assert_cmpfloat (num (r, "watch.boldInTitle"), ==, 0);

  /* Issue 6: the page's viewer actions, stored and valid, reach the analytics. */
  {
    const char *id = str (r, "upload.videoId");
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/analytics", id);
    guint64 last = 0;
    g_autoptr (GPtrArray) log = NULL;
    g_autoptr (GPtrArray) actions = NULL;
    g_autoptr (JsonObject) a = NULL;
    JsonArray *watched;
    JsonObject *play, *seek, *quality;
    gboolean chosen_watched = FALSE;
    reel_test_wait_actions_applied (d->port, nats->url);
    log = reel_test_stream_log (nats->url, "REEL_ACTIONS", &last);
    reel_test_validate_actions (log);
    actions = actions_of (log, id);
    play = find_action (actions, "play");
    g_assert_cmpint (json_object_get_int_member (play, "v"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (play, "trigger"), ==, "user");
    quality = find_action (actions, "quality_change");
    g_assert_cmpstr (json_object_get_string_member (quality, "rendition"), ==,
                     str (r, "watch.chosen"));
    seek = find_action (actions, "seek");
    g_assert_cmpfloat (json_object_get_double_member (seek, "from"), >,
                       json_object_get_double_member (seek, "position"));
    find_action (actions, "pause");
    find_action (actions, "progress");
    find_action (actions, "ended");
    /* Leaving the page sent the last play with sendBeacon, as text/plain
     * with the token in the body, and it counted as alice's. */
    g_assert_true (json_node_get_boolean (at (r, "watch.beacon.queued")));
    g_assert_cmpstr (str (r, "watch.beacon.actions.0"), ==, "play");
    g_assert_true (json_node_get_boolean (at (r, "watch.beacon.hasToken")));
    /* The page sent three plays, the last one only in that beacon: all
     * three are stored (the player may still switch quality after it, so
     * the play need not be the very last action). */
    {
      guint plays = 0;
      for (guint i = 0; i < actions->len; i++)
        plays += g_str_equal (json_object_get_string_member (actions->pdata[i], "action"), "play");
      g_assert_cmpuint (plays, ==, 3);
    }
    assert_contains (log->pdata[log->len - 1], "\"viewer\":\"alice\"");
    a = get_json (d->port, path, str (r, "aliceToken"));
    g_assert_cmpfloat (json_object_get_double_member (a, "watch_time"), >, FIRST_BOUNDARY_S);
    g_assert_cmpint (json_object_get_int_member (a, "viewers"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (a, "views"), ==, 1);
    watched = json_object_get_array_member (a, "renditions");
    g_assert_cmpuint (json_array_get_length (watched), ==, 2);
    for (guint i = 0; i < json_array_get_length (watched); i++)
      chosen_watched |= g_str_equal (
          json_object_get_string_member (json_array_get_object_element (watched, i), "name"),
          str (r, "watch.chosen"));
    g_assert_true (chosen_watched);
    /* ... and the owner's watch page drew it. */
    g_assert_cmpfloat (num (r, "analytics.watchTime"), >, 0);
    g_assert_cmpfloat (num (r, "analytics.points"), ==, 21);
    g_assert_cmpfloat (num (r, "analytics.svg"), ==, 1);
    assert_contains (str (r, "analytics.stats"), "Viewers1");
  }

  /* 2. Bob finds it by part of its title, subscribes, comments, replies. */
  g_assert_cmpstr (str (r, "search.hitText"), ==, TITLE1);
  g_assert_cmpstr (str (r, "search.hitMarks.0"), ==, "Bouncing");
  g_assert_cmpfloat (num (r, "search.hitBold"), ==, 0);
  g_assert_true (json_node_get_boolean (at (r, "search.focusedHit")));
  g_assert_cmpstr (str (r, "subscribe.button"), ==, "Subscribed");
  g_assert_cmpstr (str (r, "subscribe.count"), ==, "1 subscriber");
  assert_contains (str (r, "comments.bobSees"), "Great bounce, really!");
  assert_contains (str (r, "comments.bobSees"), "(edited)");
  assert_contains (str (r, "comments.bobSees"), "And the sound is in sync.");
  /* Alice sees her notifications and his comment. */
  assert_contains (str (r, "alice.bellLabel"), "unread");
  g_assert_true (any_contains (r, "alice.notifications", "“" TITLE1 "” is ready to watch"));
  g_assert_true (any_contains (r, "alice.notifications", "bob commented on “" TITLE1 "”"));
  g_assert_true (any_contains (r, "alice.notifications", "bob subscribed to your channel"));
  assert_contains (str (r, "alice.sees"), "Great bounce, really!");
  assert_contains (str (r, "alice.sees"), "And the sound is in sync.");
  assert_contains (str (r, "alice.afterReload"), "Thanks, Bob!");
  g_assert_null (strstr (str (r, "alice.afterReload"), "And the sound is in sync."));
  /* Bob is told about her next video, which his feed shows. */
  g_assert_true (any_contains (r, "bob.notifications", "alice published “" TITLE2 "”"));
  g_assert_cmpstr (str (r, "bob.feed.0"), ==, TITLE2);
  g_assert_cmpstr (str (r, "bob.latest.0"), ==, TITLE2);
  g_assert_cmpstr (str (r, "bob.afterRead"), ==, "Notifications");
  {
    g_autoptr (JsonObject) alice = get_json (d->port, "/api/v1/users/alice", NULL);
    g_autofree char *path
        = g_strdup_printf ("/api/v1/videos/%s/comments", str (r, "upload.videoId"));
    g_autoptr (JsonObject) comments = get_json (d->port, path, NULL);
    JsonArray *items = json_object_get_array_member (comments, "items");
    g_assert_cmpint (json_object_get_int_member (alice, "subscriber_count"), ==, 1);
    /* Oldest thread first: bob's comment, then alice's answer (his reply is gone). */
    g_assert_cmpuint (json_array_get_length (items), >=, 2);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (items, 0), "text"), ==,
        "Great bounce, really!");
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (items, 1), "author"), ==,
        "alice");
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (items, 1), "text"), ==,
        "Thanks, Bob!");
  }

  /* 3. The upload whose connection dropped, then whose page was reloaded,
   * went on each time from the server's offset, never from 0 again. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", str (r, "resume.videoId"));
    g_autoptr (JsonObject) v = get_json (d->port, path, NULL);
    GStatBuf st;
    double from = num (r, "resume.resumedFrom"), retried;
    guint before = len (r, "resume.patchesBeforeReload");
    g_autofree char *last = g_strdup_printf ("resume.patchesBeforeReload.%u", before - 1);
    g_autofree char *pct = NULL;
    g_assert_cmpint (g_stat (clip2, &st), ==, 0);
    pct = g_strdup_printf ("%d %% uploaded", (int)(from * 100 / (double)st.st_size));
    /* The drop: tus-js-client retried with a PATCH from where the server was. */
    g_assert_cmpfloat (num (r, "resume.retries"), >=, 1);
    g_assert_cmpfloat (num (r, "resume.patchesBeforeReload.0"), ==, 0);
    g_assert_cmpuint (before, >=, 2);
    retried = num (r, last);
    g_assert_cmpfloat (retried, >, 0);
    /* The reload: the page lists the unfinished upload, and the same file
     * chosen again continues from the server's offset. */
    assert_contains (str (r, "resume.unfinished"), TITLE2);
    assert_contains (str (r, "resume.unfinished"), pct);
    g_assert_cmpstr (str (r, "resume.button"), ==, "Resume upload");
    g_assert_cmpfloat (from, >, retried);
    g_assert_cmpfloat (from, <, (double)st.st_size);
    g_assert_cmpuint (len (r, "resume.patchOffsetsAfter"), ==, 1);
    g_assert_cmpfloat (num (r, "resume.patchOffsetsAfter.0"), ==, from);
    g_assert_cmpfloat (num (r, "resume.firstProgress"), ==,
                       (double)(gint64)(from * 100 / (double)st.st_size));
    g_assert_cmpfloat (num (r, "resume.maxProgress"), ==, 100);
    g_assert_cmpstr (json_object_get_string_member (v, "state"), ==, "ready");
    g_assert_cmpstr (json_object_get_string_member (v, "title"), ==, TITLE2);
    g_assert_cmpint (json_object_get_int_member (v, "size"), ==, (gint64)st.st_size);
  }

  /* Comment paging, the channel page's button, logging out and in. */
  g_assert_cmpfloat (num (r, "paging.first"), ==, 20);
  g_assert_cmpfloat (num (r, "paging.all"), ==, 23);
  g_assert_true (json_node_get_boolean (at (r, "paging.moreHidden")));
  g_assert_cmpstr (str (r, "paging.newest"), ==, "Comment number 21");
  g_assert_cmpstr (str (r, "channel.afterUnsubscribe"), ==, "0 subscribers");
  g_assert_cmpstr (str (r, "channel.afterSubscribe"), ==, "1 subscriber");
  g_assert_cmpstr (str (r, "channel.videos.0"), ==, TITLE2);
  g_assert_cmpstr (str (r, "channel.videos.1"), ==, TITLE1);
  g_assert_true (JSON_NODE_HOLDS_NULL (at (r, "logout.stored")));
  g_assert_cmpstr (str (r, "logout.wrong"), ==, "Wrong username or password.");
  g_assert_cmpstr (str (r, "logout.header"), ==, "bob");
  {
    /* Logging out revoked the old token. */
    g_autoptr (ReelTestResponse) me
        = reel_test_http (d->port, "GET", "/api/v1/sessions/current", str (r, "bobToken"), NULL, 0);
    g_assert_cmpuint (me->status, ==, 401);
  }

  /* Error states: failed processing with its reason, offline, 404. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", str (r, "failed.videoId"));
    g_autoptr (JsonObject) v = get_json (d->port, path, NULL);
    const char *reason = json_object_get_string_member (v, "error");
    g_assert_cmpstr (json_object_get_string_member (v, "state"), ==, "failed");
    assert_contains (str (r, "failed.text"), "Processing failed: ");
    assert_contains (str (r, "failed.text"), reason);
    assert_contains (str (r, "failed.watch"), reason);
    assert_contains (str (r, "failed.recent"), reason);
    assert_contains (str (r, "dropped"), "not-a-video.mp4");
  }
  assert_contains (str (r, "offline"), "The server cannot be reached");
  g_assert_cmpfloat (num (r, "notfound.status"), ==, 404);
  g_assert_cmpstr (str (r, "notfound.h1"), ==, "Nothing here");

  /* 4. Screenshots at both widths, and the accessibility basics on each page. */
  {
    const char *pages[] = { "home", "watch", "upload", "channel", "search" };
    const struct
    {
      const char *name;
      guint32 width;
    } widths[] = { { "desktop", 1280 }, { "phone", 390 } };
    for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
      {
        g_autofree char *keys = g_strdup_printf ("audit.keyboard-%s.skip", widths[w].name);
        g_autofree char *after = g_strdup_printf ("audit.keyboard-%s.after", widths[w].name);
        g_assert_cmpstr (str (r, keys), ==, "Skip to content");
        g_assert_cmpstr (str (r, after), ==, "main");
        for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
          {
            g_autofree char *name = g_strdup_printf ("%s-%s", pages[p], widths[w].name);
            g_autofree char *png = g_strdup_printf ("%s/%s.png", artifacts, name);
            g_autofree char *unnamed = g_strdup_printf ("audit.%s.unnamed", name);
            g_autofree char *overflow = g_strdup_printf ("audit.%s.overflow", name);
            g_autofree char *skip = g_strdup_printf ("audit.%s.skipFirst", name);
            g_assert_cmpuint (png_width (png), ==, widths[w].width);
            g_assert_cmpuint (len (r, unnamed), ==, 0);
            g_assert_cmpfloat (num (r, overflow), ==, 0);
            g_assert_true (json_node_get_boolean (at (r, skip)));
          }
      }
  }

  /* Everything the UI made happen is a valid event. */
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) events = reel_test_event_log (nats->url, &last);
    g_assert_cmpuint (events->len, >, 0);
    reel_test_validate_events (events);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static char *
register_token (guint16 port, const char *username)
{
  return reel_test_register_login (port, username, PASSWORD);
}

static void
test_admin (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *root = NULL, *mod = NULL, *quinn = NULL, *pat = NULL, *video = NULL;
  g_autofree char *report = NULL, *body = NULL, *base = NULL, *block_report = NULL;
  g_autofree char *comment_report = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "admin.mjs", NULL);
  JsonObject *r;
  ReelTestReeld *d;
  int status;

  g_assert_true (g_file_set_contents (conf, "[auth]\nadmins = root\n", -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  root = register_token (d->port, "root");
  mod = register_token (d->port, "mod");
  quinn = register_token (d->port, "quinn");
  pat = register_token (d->port, "pat");
  {
    g_autoptr (ReelTestResponse) set = reel_test_http (d->port, "PUT", "/api/v1/users/mod/role",
                                                       root, "{\"role\":\"moderator\"}", 0);
    g_assert_cmpuint (set->status, ==, 200);
  }
  video = reel_test_tus_create (d->port, quinn, 1000, "Cheap watches");
  body = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"spam\",\"text\":\"an ad\"}", video);
  {
    g_autoptr (ReelTestResponse) rep
        = reel_test_http (d->port, "POST", "/api/v1/reports", pat, body, 0);
    g_assert_cmpuint (rep->status, ==, 201);
    report = g_strdup (reel_test_json_str (rep, "id"));
  }
  {
    g_autofree char *copyright
        = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"copyright\"}", video);
    g_autoptr (ReelTestResponse) rep
        = reel_test_http (d->port, "POST", "/api/v1/reports", root, copyright, 0);
    g_assert_cmpuint (rep->status, ==, 201);
    block_report = g_strdup (reel_test_json_str (rep, "id"));
  }

  /* A comment of root's under the video, reported by pat. */
  {
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
    g_autoptr (ReelTestResponse) c
        = reel_test_http (d->port, "POST", comments, root, "{\"text\":\"you all are idiots\"}", 0);
    g_autofree char *rbody = NULL;
    g_assert_cmpuint (c->status, ==, 201);
    rbody = g_strdup_printf ("{\"comment_id\":\"%s\",\"reason\":\"harassment\"}",
                             reel_test_json_str (c, "id"));
    g_autoptr (ReelTestResponse) rep
        = reel_test_http (d->port, "POST", "/api/v1/reports", pat, rbody, 0);
    g_assert_cmpuint (rep->status, ==, 201);
    comment_report = g_strdup (reel_test_json_str (rep, "id"));
  }

  base = g_strdup_printf ("http://127.0.0.1:%u", d->port);
  {
    g_autofree char *work = reel_test_make_media (
        dir, "work.mp4",
        "audiotestsrc wave=ticks num-buffers=150 ! audioconvert ! avenc_aac ! mp4mux "
        "! filesink location=%s");
    const char *argv[] = { "node", script, base,           mod,  root, pat, report, block_report,
                           video,  "60",   comment_report, work, NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("admin.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  r = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member_with_default (r, "error", NULL), ==, NULL);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (r, "commentReportText"), "idiots"));
  g_assert_cmpstr (json_object_get_string_member (r, "commentStatus"), ==,
                   "The comment of root is deleted.");
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "comment.deleted"));
  g_assert_true (json_object_get_boolean_member (r, "blockReportGone"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (r, "viewerStatus"), "counterfeit goods"));
  g_assert_false (json_object_get_boolean_member (r, "viewerSeesPlayer"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "video.blocked"));
  g_assert_true (json_object_get_boolean_member (r, "reportShown"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "reportText"), "an ad"));
  g_assert_false (json_object_get_boolean_member (r, "modSeesInvites"));
  g_assert_false (json_object_get_boolean_member (r, "modSeesAudit"));
  g_assert_false (json_object_get_boolean_member (r, "modSeesWorks"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "worksEmpty"), "No protected work"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "worksListed"), "Sunrise Theme"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "worksListed"), "Example Records"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (r, "worksAfterDelete"), "No protected work"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "user.banned"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "report.resolved"));
  g_assert_cmpuint (strlen (json_object_get_string_member (r, "inviteCode")), >=, 40);
  g_assert_nonnull (strstr (json_object_get_string_member (r, "denied"), "moderators"));
  g_assert_false (json_object_get_boolean_member (r, "userSeesReports"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);

  /* What the page did, seen through the API. */
  {
    g_autofree char *login
        = g_strdup_printf ("{\"username\":\"quinn\",\"password\":\"%s\"}", PASSWORD);
    g_autoptr (ReelTestResponse) refused
        = reel_test_http (d->port, "POST", "/api/v1/sessions", NULL, login, 0);
    g_assert_cmpuint (refused->status, ==, 403);
    g_assert_nonnull (strstr (refused->body, "spam links"));
    g_autoptr (ReelTestResponse) queue
        = reel_test_http (d->port, "GET", "/api/v1/admin/reports", mod, NULL, 0);
    g_assert_cmpuint (queue->status, ==, 200);
    g_assert_nonnull (strstr (queue->body, "\"items\":[]"));
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
    /* Blocked, as a moderator sees (anyone else: 404 since the ban). */
    g_autoptr (ReelTestResponse) blocked = reel_test_http (d->port, "GET", path, mod, NULL, 0);
    g_assert_cmpuint (blocked->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (blocked, "moderation_reason"), ==, "counterfeit goods");
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
    g_autoptr (ReelTestResponse) left = reel_test_http (d->port, "GET", comments, mod, NULL, 0);
    g_assert_cmpuint (left->status, ==, 200);
    g_assert_null (strstr (left->body, "idiots"));
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
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
