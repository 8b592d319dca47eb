/* The analytics tests of what viewers are shown and what is kept (see
 * test_analytics.c): /actions/related, /actions/history and
 * /actions/rebuild. */
#include "analytics_common.h"
#include "replay.h"

#include <math.h>

void test_related (void);
void test_history (void);
void test_rebuild (void);

/* --- acceptance 3 --- */

static void
expect_related (const char *id, const char *query, const char *const *want_ids,
                const char *const *want_reasons)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/related%s", id, query);
  g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, NULL, NULL, 0);
  JsonObject *o;
  JsonArray *items;
  guint n = g_strv_length ((char **)want_ids);

  g_assert_cmpuint (r->status, ==, 200);
  o = json_node_get_object (r->json);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "next_cursor")));
  items = json_object_get_array_member (o, "items");
  if (json_array_get_length (items) != n)
    g_error ("related of %s: %s", id, r->body);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      if (g_strcmp0 (json_object_get_string_member (item, "id"), want_ids[i]) != 0
          || g_strcmp0 (json_object_get_string_member (item, "reason"), want_reasons[i]) != 0)
        g_error ("related of %s, item %u: want %s (%s); got %s", id, i, want_ids[i],
                 want_reasons[i], r->body);
      /* The same object as GET /api/v1/videos/{id}. */
      g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "ready");
      g_assert_true (json_object_has_member (item, "views"));
      g_assert_true (json_object_has_member (item, "progress"));
    }
}

void
test_related (void)
{
  g_autoptr (GPtrArray) anon = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) dan = g_ptr_array_new_with_free_func (g_free);
  double d;

  setup ();
  d = fx.dur_a;
  /* v1 watches a, b (arriving from up next) and c; dan watches a and b in
   * two sessions (he is one viewer); v3 only b; v4 c and e. */
  watch_whole (anon, fx.a, "rel-viewer-1", d, NULL);
  watch_whole (anon, fx.b, "rel-viewer-1", d, ",\"trigger\":\"up_next\"");
  watch_whole (anon, fx.c, "rel-viewer-1", d, NULL);
  watch_whole (anon, fx.b, "rel-viewer-3", d, NULL);
  watch_whole (anon, fx.c, "rel-viewer-4", d, NULL);
  watch_whole (anon, fx.e, "rel-viewer-4", d, NULL);
  post_all (anon, NULL, NULL);
  watch_whole (dan, fx.a, "rel-dan-phone", d, NULL);
  watch_whole (dan, fx.b, "rel-dan-laptop", d, NULL);
  post_all (dan, fx.dan, NULL);
  reel_test_wait_actions_applied (fx.d->port, fx.nats->url);

  /* a: b (2 viewers in common), c (1), then amy's e (not a itself, not the
   * failed x), then f, whose title shares "pasta". */
  {
    const char *ids[] = { fx.b, fx.c, fx.e, fx.f, NULL };
    const char *why[] = { "co_watched", "co_watched", "same_channel", "similar_title" };
    expect_related (fx.a, "", ids, why);
  }
  {
    const char *ids[] = { fx.b, fx.c, NULL };
    const char *why[] = { "co_watched", "co_watched" };
    expect_related (fx.a, "?limit=2", ids, why);
  }
  /* b: a (2), c (1), then bob's short clip; no title in common. */
  {
    const char *ids[] = { fx.a, fx.c, fx.s, NULL };
    const char *why[] = { "co_watched", "co_watched", "same_channel" };
    expect_related (fx.b, "", ids, why);
  }
  /* e: c (1), then amy's a. */
  {
    const char *ids[] = { fx.c, fx.a, NULL };
    const char *why[] = { "co_watched", "same_channel" };
    expect_related (fx.e, "", ids, why);
  }
  {
    const char *bad[] = { "?limit=0", "?limit=101", "?limit=x", "?cursor=abc" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/related%s", fx.a, bad[i]);
        g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, NULL, NULL, 0);
        g_assert_cmpuint (r->status, ==, 400);
      }
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (fx.d->port, "GET", "/api/v1/videos/ZZZZZZZZZZZ/related", NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 404);
  }
}

/* --- history (issue 14) --- */

/* dan's history: video ids newest first, joined by spaces; with each
 * position appended (id@seconds) when positions is set. */
static char *
history_of (gboolean positions)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (fx.d->port, "GET", "/api/v1/users/me/history", fx.dan, NULL, 0);
  JsonArray *items;
  GString *out = g_string_new (NULL);
  g_assert_cmpuint (r->status, ==, 200);
  items = json_object_get_array_member (json_node_get_object (r->json), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      JsonObject *video = json_object_get_object_member (item, "video");
      g_string_append_printf (out, "%s%s", i ? " " : "",
                              json_object_get_string_member (video, "id"));
      if (positions)
        g_string_append_printf (out, "@%.1f", json_object_get_double_member (item, "position"));
    }
  return g_string_free (out, FALSE);
}

/* Waits (the history consumer runs in the background) until dan's history
 * reads want. */
static void
wait_history (const char *want, gboolean positions)
{
  g_autofree char *got = NULL;
  for (int i = 0; i < 200; i++)
    {
      g_free (got);
      got = history_of (positions);
      if (g_str_equal (got, want))
        return;
      g_usleep (100 * 1000);
    }
  g_error ("history is \"%s\", want \"%s\"", got, want);
}

void
test_history (void)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *want = NULL, *entry = NULL;

  setup ();
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (fx.d->port, "GET", "/api/v1/users/me/history", NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 401);
  }
  add (batch, action (fx.a, "history-1", 1, "play", 0, NULL));
  add (batch, action (fx.a, "history-1", 1, "progress", 2.5, NULL));
  post_all (batch, fx.dan, NULL);
  g_ptr_array_set_size (batch, 0);
  add (batch, action (fx.b, "history-2", 1, "play", 0, NULL));
  add (batch, action (fx.b, "history-2", 1, "seek", 1.0, ",\"from\":0"));
  post_all (batch, fx.dan, NULL);
  g_ptr_array_set_size (batch, 0);
  want = g_strdup_printf ("%s@1.0 %s@2.5", fx.b, fx.a);
  wait_history (want, TRUE);
  entry = g_strdup_printf ("/api/v1/users/me/history/%s", fx.a);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", entry, fx.dan, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
    assert_near (json_object_get_double_member (json_node_get_object (r->json), "position"), 2.5);
  }
  /* Someone else's history is theirs. */
  {
    g_autofree char *erin = reel_test_register_login (fx.d->port, "erin", PASSWORD);
    g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", entry, erin, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (json_object_get_null_member (json_node_get_object (r->json), "position"));
  }

  /* Paused: a new position on a is not recorded; restarted, c is. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (
        fx.d->port, "PUT", "/api/v1/users/me/history/paused", fx.dan, "{\"paused\":true}", 0);
    g_autoptr (ReelTestResponse) bad = reel_test_http (
        fx.d->port, "PUT", "/api/v1/users/me/history/paused", fx.dan, "{\"paused\":1}", 0);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (bad->status, ==, 400);
  }
  add (batch, action (fx.a, "history-3", 1, "progress", 3.5, NULL));
  post_all (batch, fx.dan, NULL);
  g_ptr_array_set_size (batch, 0);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (
        fx.d->port, "PUT", "/api/v1/users/me/history/paused", fx.dan, "{\"paused\":false}", 0);
    g_assert_cmpuint (r->status, ==, 204);
  }
  add (batch, action (fx.c, "history-4", 1, "play", 0, NULL));
  add (batch, action (fx.c, "history-4", 1, "pause", 1.5, NULL));
  post_all (batch, fx.dan, NULL);
  g_ptr_array_set_size (batch, 0);
  g_free (want);
  want = g_strdup_printf ("%s@1.5 %s@1.0 %s@2.5", fx.c, fx.b, fx.a);
  wait_history (want, TRUE);

  /* Cleared: nothing at once, and a is no longer resumable; the next
   * watch starts it again. */
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (fx.d->port, "DELETE", "/api/v1/users/me/history", fx.dan, NULL, 0);
    g_autofree char *now = NULL;
    g_assert_cmpuint (r->status, ==, 204);
    now = history_of (FALSE);
    g_assert_cmpstr (now, ==, "");
  }
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", entry, fx.dan, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (json_object_get_null_member (json_node_get_object (r->json), "position"));
  }
  add (batch, action (fx.e, "history-5", 1, "play", 0, NULL));
  add (batch, action (fx.e, "history-5", 1, "ended", fx.dur_a, NULL));
  post_all (batch, fx.dan, NULL);
  wait_history (fx.e, FALSE);
  g_ptr_array_set_size (batch, 0);

  /* dan's own video, private now, is in his history with its poster
   * signed (an <img> sends no Authorization); e's is plain. */
  add (batch, action (fx.f, "history-6", 1, "play", 0, NULL));
  post_all (batch, fx.dan, NULL);
  g_free (want);
  want = g_strdup_printf ("%s %s", fx.f, fx.e);
  wait_history (want, FALSE);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", fx.f);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (fx.d->port, "PATCH", path, fx.dan, "{\"privacy\":\"private\"}", 0);
    g_assert_cmpuint (r->status, ==, 204);
  }
  for (int i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (fx.d->port, "GET", "/api/v1/users/me/history", fx.dan, NULL, 0);
      JsonArray *items = json_object_get_array_member (json_node_get_object (r->json), "items");
      JsonObject *f
          = json_object_get_object_member (json_array_get_object_element (items, 0), "video");
      JsonObject *e
          = json_object_get_object_member (json_array_get_object_element (items, 1), "video");
      const char *poster = json_object_get_string_member (f, "thumbnail");
      g_autofree char *plain = g_strdup_printf ("/videos/%s/poster.jpg", fx.e);
      g_assert_cmpuint (json_array_get_length (items), ==, 2);
      if (!g_str_equal (json_object_get_string_member (f, "privacy"), "private"))
        {
          g_assert_cmpint (i, <, 200);
          g_usleep (50 * 1000);
          continue;
        }
      g_assert_true (g_str_has_prefix (poster, "/s/"));
      g_assert_cmpstr (json_object_get_string_member (e, "thumbnail"), ==, plain);
      {
        g_autoptr (ReelTestResponse) jpeg
            = reel_test_http (fx.d->port, "GET", poster, NULL, NULL, 0);
        g_assert_cmpuint (jpeg->status, ==, 200);
        g_assert_cmpstr (jpeg->content_type, ==, "image/jpeg");
      }
      break;
    }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", fx.f);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (fx.d->port, "PATCH", path, fx.dan, "{\"privacy\":\"public\"}", 0);
    g_assert_cmpuint (r->status, ==, 204);
  }
}

/* --- acceptance 4 --- */

static char *
get_body (const char *path, const char *token)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (r->body);
}

void
test_rebuild (void)
{
  g_autofree char *analytics_path = NULL, *related_path = NULL, *video_path = NULL;
  g_autofree char *analytics = NULL, *related = NULL, *video = NULL;
  g_autofree char *before = NULL, *after = NULL, *changed = NULL, *lenient = NULL;
  g_autofree char *out = NULL, *want = NULL;
  g_autoptr (GPtrArray) actions = NULL, events = NULL;
  guint64 n_actions = 0, n_events = 0;

  setup ();
  analytics_path = g_strdup_printf ("/api/v1/videos/%s/analytics", fx.a);
  related_path = g_strdup_printf ("/api/v1/videos/%s/related", fx.a);
  video_path = g_strdup_printf ("/api/v1/videos/%s", fx.a);
  analytics = get_body (analytics_path, fx.amy);
  related = get_body (related_path, NULL);
  video = get_body (video_path, NULL);
  g_assert_cmpint (reel_test_reeld_stop (fx.d), ==, 0);
  reel_test_reeld_free (fx.d);
  fx.d = NULL;
  actions = reel_test_stream_log (fx.nats->url, "REEL_ACTIONS", &n_actions);
  events = reel_test_event_log (fx.nats->url, &n_events);
  before = reel_test_dump_lmdb (fx.dir);
  g_assert_nonnull (strstr (before, "analytics_counters"));

  /* The analytics projection alone, dropped and replayed. */
  out = reel_test_rebuild (fx.dir, fx.nats->url, fx.config, "analytics");
  want = g_strdup_printf ("rebuilt analytics from %" G_GUINT64_FORMAT " viewer-action messages",
                          n_actions);
  g_assert_nonnull (strstr (out, want));
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);

  /* It really is recomputed: with a 1 s threshold s1 counts too, and back. */
  lenient = g_build_filename (fx.media, "lenient.conf", NULL);
  g_assert_true (g_file_set_contents (lenient, "[views]\nmin_watch_seconds = 1\n", -1, NULL));
  g_free (reel_test_rebuild (fx.dir, fx.nats->url, lenient, "views"));
  changed = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, !=, changed);
  g_free (reel_test_rebuild (fx.dir, fx.nats->url, fx.config, "views,related"));
  g_free (after);
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);
  /* The history alone (issue 14). */
  g_assert_nonnull (strstr (before, "history_order"));
  g_free (reel_test_rebuild (fx.dir, fx.nats->url, fx.config, "history"));
  g_free (after);
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);

  /* Everything, from the event log and the actions. */
  g_free (out);
  out = reel_test_rebuild (fx.dir, fx.nats->url, fx.config, NULL);
  g_free (want);
  want = g_strdup_printf ("from %" G_GUINT64_FORMAT " events and %" G_GUINT64_FORMAT
                          " viewer-action messages",
                          n_events, n_actions);
  g_assert_nonnull (strstr (out, want));
  g_free (after);
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);

  /* The numbers served are the same. */
  fx.d = reel_test_reeld_start_config (fx.dir, fx.nats->url, fx.config);
  {
    g_autofree char *a2 = get_body (analytics_path, fx.amy);
    g_autofree char *r2 = get_body (related_path, NULL);
    g_autofree char *v2 = get_body (video_path, NULL);
    g_assert_cmpstr (analytics, ==, a2);
    g_assert_cmpstr (related, ==, r2);
    g_assert_cmpstr (video, ==, v2);
  }
  /* Everything this test caused matches its schemas. */
  reel_test_validate_actions (actions);
  reel_test_validate_events (events);
}
