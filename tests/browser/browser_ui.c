/* /browser/ui (see test_browser.c): the whole web UI as two people use
 * it, driven by tests/browser/ui.mjs. */
#include "browser_common.h"

#include <glib/gstdio.h>

void test_ui (void);

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

void
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
