/* Integration tests of viewer actions (issue 6): real nats-server and
 * reeld, real videos made with GStreamer, actions posted like a watch page.
 *
 *   /actions/sessions   scripted sessions give exact views, watch time,
 *                       retention and renditions; a batch sent twice (inside
 *                       and beyond JetStream's duplicate window) counts
 *                       nothing twice                         (acceptance 1)
 *   /actions/invalid    bad actions are rejected with index and reason, the
 *                       good ones of the batch kept; bad batches refused
 *                                                             (acceptance 2)
 *   /actions/versions   play v1 and v2 side by side through every consumer
 *   /actions/related    up next follows co-watching, then channel, then
 *                       titles; never the video itself or an unready one
 *                                                             (acceptance 3)
 *   /actions/history    a logged-in viewer's history lists the videos
 *                       watched, newest first, with the last position, and
 *                       where one was left (resume); anonymous is 401;
 *                       paused, new actions leave it as it was; cleared,
 *                       it is empty until the next watch (issue 14)
 *   /actions/rebuild    dropping a projection and replaying the retained
 *                       actions gives identical tables and numbers
 *                                                             (acceptance 4)
 * The tests share one reeld (videos take a moment to transcode) and run in
 * this order.
 *
 * One binary: related, history and rebuild are in analytics_viewers.c;
 * what they share in analytics_common.h. */
#include "analytics_common.h"

#include <math.h>

/* In analytics_viewers.c. */
void test_related (void);
void test_history (void);
void test_rebuild (void);

/* The views of video id in the list at path (a channel's videos, search).
 * A ready video is listed once its checks before publishing are done and
 * its announcement applied, a moment after "ready": waits for that. */
static gint64
listed_views (const char *path, const char *id)
{
  for (int attempt = 0; attempt < 300; attempt++)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, NULL, NULL, 0);
      JsonArray *items;
      g_assert_cmpuint (r->status, ==, 200);
      items = json_object_get_array_member (json_node_get_object (r->json), "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          if (g_strcmp0 (json_object_get_string_member (item, "id"), id) == 0)
            return json_object_get_int_member (item, "views");
        }
      g_usleep (100 * 1000);
    }
  g_error ("%s does not list %s", path, id);
}

/* --- acceptance 1 --- */

static void
check_session_numbers (void)
{
  const double d = fx.dur_a;
  const gint64 reach[] = { 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 1, 1, 1 };
  g_autoptr (ReelTestResponse) r = analytics_of (fx.a, fx.amy);
  JsonObject *o;
  JsonArray *retention, *renditions, *days;
  gint64 day_views = 0;

  g_assert_cmpuint (r->status, ==, 200);
  g_test_message ("analytics of a (%.6f s): %s", d, r->body);
  o = json_node_get_object (r->json);
  g_assert_cmpint (json_object_get_int_member (o, "views"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "viewers"), ==, 4);
  assert_near (json_object_get_double_member (o, "watch_time"), 2.47 * d);
  assert_near (json_object_get_double_member (o, "average_view_duration"), 2.47 * d / 4);
  retention = json_object_get_array_member (o, "retention");
  g_assert_cmpuint (json_array_get_length (retention), ==, 21);
  for (guint k = 0; k < 21; k++)
    {
      JsonObject *p = json_array_get_object_element (retention, k);
      g_assert_cmpint (json_object_get_int_member (p, "percent"), ==, 5 * k);
      assert_near (json_object_get_double_member (p, "position"), d * k / 20);
      g_assert_cmpint (json_object_get_int_member (p, "viewers"), ==, reach[k]);
      assert_near (json_object_get_double_member (p, "share"), reach[k] / 4.0);
    }
  renditions = json_object_get_array_member (o, "renditions");
  g_assert_cmpuint (json_array_get_length (renditions), ==, 2);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (renditions, 0), "name"), ==,
      "240p");
  assert_near (
      json_object_get_double_member (json_array_get_object_element (renditions, 0), "watch_time"),
      1.5 * d);
  assert_near (
      json_object_get_double_member (json_array_get_object_element (renditions, 0), "share"),
      1.5 / 1.88);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (renditions, 1), "name"), ==,
      "360p");
  assert_near (
      json_object_get_double_member (json_array_get_object_element (renditions, 1), "watch_time"),
      0.38 * d);
  days = json_object_get_array_member (o, "views_per_day");
  for (guint i = 0; i < json_array_get_length (days); i++)
    {
      JsonObject *day = json_array_get_object_element (days, i);
      g_assert_cmpuint (strlen (json_object_get_string_member (day, "date")), ==, 10);
      day_views += json_object_get_int_member (day, "views");
    }
  g_assert_cmpint (day_views, ==, 2);
  g_assert_cmpint (json_object_get_int_member (
                       json_object_get_object_member (o, "plays_by_trigger"), "unspecified"),
                   ==, 4);
  /* The public counts, on the video and wherever it is listed. */
  g_assert_cmpint (views_of (fx.a), ==, 2);
  g_assert_cmpint (views_of (fx.s), ==, 1);
  g_assert_cmpint (listed_views ("/api/v1/users/amy/videos", fx.a), ==, 2);
  g_assert_cmpint (listed_views ("/api/v1/search?q=cooking%20pasta", fx.a), ==, 2);
  g_assert_cmpint (listed_views ("/api/v1/users/bob/videos", fx.s), ==, 1);
}

static void
test_sessions (void)
{
  g_autoptr (GPtrArray) anon = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) bob = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *from = NULL, *body = NULL;
  guint64 stored;
  double d, ds;

  setup ();
  d = fx.dur_a;
  ds = fx.dur_s;
  /* s1: 32 % then leaves: not a view. */
  add (anon, action (fx.a, "session-1", 1, "play", 0, NULL));
  add (anon, action (fx.a, "session-1", 1, "progress", 0.32 * d, NULL));
  add (anon, action (fx.a, "session-1", 1, "pause", 0.32 * d, NULL));
  /* s3: 12 %, a seek to 62 %, on to 77 %: 27 % watched, not a view. */
  from = g_strdup_printf (",\"from\":%.9f", 0.12 * d);
  add (anon, action (fx.a, "session-3", 1, "play", 0, NULL));
  add (anon, action (fx.a, "session-3", 1, "seek", 0.62 * d, from));
  add (anon, action (fx.a, "session-3", 1, "progress", 0.77 * d, NULL));
  add (anon, action (fx.a, "session-3", 1, "pause", 0.77 * d, NULL));
  /* s5: half in 240p, a switch to 360p, on to 88 %: a view. */
  add (anon, action (fx.a, "session-5", 1, "play", 0, ",\"rendition\":\"240p\""));
  add (anon, action (fx.a, "session-5", 1, "progress", 0.5 * d, NULL));
  add (anon, action (fx.a, "session-5", 1, "quality_change", 0.5 * d, ",\"rendition\":\"360p\""));
  add (anon, action (fx.a, "session-5", 1, "progress", 0.88 * d, NULL));
  add (anon, action (fx.a, "session-5", 1, "pause", 0.88 * d, NULL));
  /* The 2 s video: half is not a view; whole is, once per session. */
  add (anon, action (fx.s, "session-t1", 1, "play", 0, NULL));
  add (anon, action (fx.s, "session-t1", 1, "progress", 0.5 * ds, NULL));
  add (anon, action (fx.s, "session-t1", 1, "pause", 0.5 * ds, NULL));
  add (anon, action (fx.s, "session-t2", 1, "play", 0, NULL));
  add (anon, action (fx.s, "session-t2", 1, "ended", ds, NULL));
  add (anon, action (fx.s, "session-t2", 1, "play", 0, NULL));
  add (anon, action (fx.s, "session-t2", 1, "ended", ds, NULL));
  post_all (anon, NULL, NULL);
  /* The same batch again at once: JetStream stores it once. */
  stored = actions_stored ();
  body = body_of (anon, NULL);
  {
    g_autoptr (ReelTestResponse) again = post (body, NULL, NULL);
    g_assert_cmpuint (again->status, ==, 202);
    g_assert_cmpint (member_int (again->json, "accepted"), ==, anon->len);
  }
  g_assert_cmpuint (actions_stored (), ==, stored);
  /* s2, bob's, from sendBeacon: text/plain with the token in the body. */
  add (bob, action (fx.a, "session-2", 1, "play", 0, ",\"rendition\":\"240p\""));
  add (bob, action (fx.a, "session-2", 1, "progress", 0.42 * d, NULL));
  add (bob, action (fx.a, "session-2", 1, "progress", 0.81 * d, NULL));
  add (bob, action (fx.a, "session-2", 1, "ended", d, NULL));
  post_all (bob, fx.bob, "text/plain;charset=UTF-8");
  reel_test_wait_actions_applied (fx.d->port, fx.nats->url);
  check_session_numbers ();

  /* Beyond the duplicate window (4 s here): stored again, and the consumers
   * ignore what they have applied. */
  stored = actions_stored ();
  g_usleep (4500 * 1000);
  {
    g_autoptr (ReelTestResponse) late = post (body, NULL, NULL);
    g_assert_cmpuint (late->status, ==, 202);
  }
  g_assert_cmpuint (actions_stored (), ==, stored + anon->len);
  reel_test_wait_actions_applied (fx.d->port, fx.nats->url);
  check_session_numbers ();
}

/* --- acceptance 2 --- */

static void
expect_rejected (JsonArray *rejected, guint i, gint64 index, const char *code, const char *words)
{
  JsonObject *r = json_array_get_object_element (rejected, i);
  const char *message = json_object_get_string_member (r, "message");
  g_assert_cmpint (json_object_get_int_member (r, "index"), ==, index);
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, code);
  if (!strstr (message, words))
    g_error ("rejection %" G_GINT64_FORMAT ": \"%s\" does not mention \"%s\"", index, message,
             words);
}

static void
test_invalid (void)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) log = NULL;
  g_autofree char *body = NULL, *good0 = NULL, *good6 = NULL;
  g_autoptr (ReelTestResponse) r = NULL;
  JsonArray *rejected;
  guint64 stored, last;

  setup ();
  stored = actions_stored ();
  add (batch, action (fx.a, "session-v", 1, "play", 0, NULL));
  add (batch, action (fx.a, "session-v", 1, "rewind", 1, NULL));
  add (batch,
       g_strdup_printf ("{\"id\":\"no-session\",\"v\":1,\"video_id\":\"%s\",\"action\":\"pause\","
                        "\"position\":1,\"at\":1}",
                        fx.a));
  add (batch, g_strdup_printf ("{\"id\":\"wrong-type\",\"v\":1,\"video_id\":\"%s\","
                               "\"session_id\":\"session-v\",\"action\":\"pause\","
                               "\"position\":\"12\",\"at\":1}",
                               fx.a));
  add (batch, action (fx.a, "session-v", 1, "progress", fx.dur_a + 5, NULL));
  add (batch, action ("ZZZZZZZZZZZ", "session-v", 1, "play", 0, NULL));
  add (batch, action (fx.a, "session-v", 1, "pause", 1, NULL));
  add (batch, g_strdup ("42"));
  add (batch, action (fx.a, "session-v", 3, "play", 0, NULL));
  add (batch, action (fx.a, "session-v", 1, "pause", 1, ",\"volume\":0.5"));
  add (batch, action (fx.x, "session-v", 1, "play", 0, NULL));
  good0 = g_strdup (batch->pdata[0]);
  good6 = g_strdup (batch->pdata[6]);
  body = body_of (batch, NULL);
  r = post (body, NULL, NULL);
  g_assert_cmpuint (r->status, ==, 202);
  g_assert_cmpint (member_int (r->json, "accepted"), ==, 2);
  rejected = json_object_get_array_member (json_node_get_object (r->json), "rejected");
  g_assert_cmpuint (json_array_get_length (rejected), ==, 9);
  expect_rejected (rejected, 0, 1, "invalid_request", "unknown action \"rewind\"");
  expect_rejected (rejected, 1, 2, "invalid_request", "session_id");
  expect_rejected (rejected, 2, 3, "invalid_request", "position");
  expect_rejected (rejected, 3, 4, "unprocessable", "beyond the video's duration");
  expect_rejected (rejected, 4, 5, "not_found", "no such video");
  expect_rejected (rejected, 5, 7, "invalid_request", "JSON object");
  expect_rejected (rejected, 6, 8, "invalid_request", "no version 3");
  expect_rejected (rejected, 7, 9, "invalid_request", "unknown field \"volume\"");
  expect_rejected (rejected, 8, 10, "unprocessable", "not playable");
  /* The two good ones are stored, as sent. */
  log = reel_test_stream_log (fx.nats->url, "REEL_ACTIONS", &last);
  g_assert_cmpuint (log->len, ==, stored + 2);
  g_assert_nonnull (strstr (log->pdata[stored], good0));
  g_assert_nonnull (strstr (log->pdata[stored + 1], good6));
  g_assert_nonnull (strstr (log->pdata[stored], "\"viewer\":null"));

  /* Whole batches that are refused. */
  {
    g_autoptr (GPtrArray) big = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *big_body = NULL;
    for (guint i = 0; i < 21; i++)
      add (big, action (fx.a, "session-big", 1, "progress", 1, NULL));
    big_body = body_of (big, NULL);
    g_autoptr (ReelTestResponse) too_many = post (big_body, NULL, NULL);
    g_assert_cmpuint (too_many->status, ==, 413);
    g_assert_cmpstr (reel_test_error_code (too_many), ==, "too_large");
  }
  {
    const struct
    {
      const char *body, *bearer, *type;
      guint status;
      const char *code;
    } bad[] = {
      { "{", NULL, NULL, 400, "invalid_request" },
      { "{\"events\":[]}", NULL, NULL, 400, "invalid_request" },
      { "{\"events\":[{}]}", NULL, "application/xml", 415, "unsupported_media_type" },
      { "{\"events\":[{}]}", NULL, "text/plain;charset=latin1", 415, "unsupported_media_type" },
      { "{\"events\":[{}]}", "not-a-token", NULL, 401, "unauthorized" },
      { "{\"events\":[{}],\"token\":\"not-a-token\"}", NULL, NULL, 401, "unauthorized" },
      { "{\"events\":[{\"id\":\"a\\u0000\"}]}", NULL, NULL, 400, "invalid_request" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (ReelTestResponse) b = post (bad[i].body, bad[i].bearer, bad[i].type);
        g_assert_cmpuint (b->status, ==, bad[i].status);
        g_assert_cmpstr (reel_test_error_code (b), ==, bad[i].code);
      }
  }
  g_assert_cmpuint (actions_stored (), ==, stored + 2);
  /* Logged in through the header: the viewer is recorded. */
  {
    g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *mine_body = NULL;
    g_autoptr (ReelTestResponse) ok = NULL;
    add (mine, action (fx.a, "session-carl", 1, "play", 0, NULL));
    mine_body = body_of (mine, NULL);
    ok = post (mine_body, fx.carl, NULL);
    g_assert_cmpuint (ok->status, ==, 202);
    g_ptr_array_unref (log);
    log = reel_test_stream_log (fx.nats->url, "REEL_ACTIONS", &last);
    g_assert_nonnull (strstr (log->pdata[log->len - 1], "\"viewer\":\"carl\""));
  }
  /* Analytics are the owner's. */
  {
    g_autoptr (ReelTestResponse) anon = analytics_of (fx.a, NULL);
    g_autoptr (ReelTestResponse) other = analytics_of (fx.a, fx.bob);
    g_autoptr (ReelTestResponse) none = analytics_of ("ZZZZZZZZZZZ", fx.amy);
    g_assert_cmpuint (anon->status, ==, 401);
    g_assert_cmpuint (other->status, ==, 403);
    g_assert_cmpuint (none->status, ==, 404);
  }
  reel_test_wait_actions_applied (fx.d->port, fx.nats->url);
}

/* --- versions --- */

static void
test_versions (void)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) bad = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (ReelTestResponse) r = NULL, report = NULL;
  g_autofree char *bad_body = NULL;
  JsonObject *triggers;
  gint64 views_before;

  setup ();
  views_before = views_of (fx.b);
  watch_whole (batch, fx.b, "session-ver-1", fx.dur_a, NULL);
  watch_whole (batch, fx.b, "session-ver-2", fx.dur_a, ",\"trigger\":\"autoplay\"");
  post_all (batch, NULL, NULL);
  /* v2 without its required field, v1 with v2's field: both refused. */
  add (bad, action (fx.b, "session-ver-3", 2, "play", 0, NULL));
  add (bad, action (fx.b, "session-ver-3", 1, "play", 0, ",\"trigger\":\"user\""));
  bad_body = body_of (bad, NULL);
  r = post (bad_body, NULL, NULL);
  g_assert_cmpuint (r->status, ==, 202);
  g_assert_cmpint (member_int (r->json, "accepted"), ==, 0);
  reel_test_wait_actions_applied (fx.d->port, fx.nats->url);

  /* The views consumer counted both; analytics read v2's trigger. */
  g_assert_cmpint (views_of (fx.b), ==, views_before + 2);
  report = analytics_of (fx.b, fx.bob);
  g_assert_cmpuint (report->status, ==, 200);
  triggers
      = json_object_get_object_member (json_node_get_object (report->json), "plays_by_trigger");
  g_assert_cmpint (json_object_get_int_member (triggers, "autoplay"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (triggers, "unspecified"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (triggers, "up_next"), ==, 0);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/actions/sessions", test_sessions);
  g_test_add_func ("/actions/invalid", test_invalid);
  g_test_add_func ("/actions/versions", test_versions);
  g_test_add_func ("/actions/related", test_related);
  g_test_add_func ("/actions/history", test_history);
  g_test_add_func ("/actions/rebuild", test_rebuild);
  status = g_test_run ();
  if (fx.d)
    {
      reel_test_reeld_stop (fx.d);
      reel_test_reeld_free (fx.d);
    }
  if (fx.nats)
    reel_test_nats_stop (fx.nats);
  if (fx.dir)
    reel_test_rmtree (fx.dir);
  if (fx.media)
    reel_test_rmtree (fx.media);
  return status;
}
