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
 * this order. */
#include "harness.h"

#include <math.h>

static const char *PASSWORD = "correct horse battery";
/* views.min_watch_seconds = 3 with 4 s and 2 s videos: the first counts at
 * 3 s, the second only when watched whole. A short duplicate window, so a
 * replay beyond it is quick to provoke. */
static const char *CONFIG = "[views]\nmin_watch_seconds = 3\n"
                            "[actions]\nbatch_max = 20\nduplicate_window_seconds = 4\n"
                            "[media]\nx264_preset = ultrafast\n";
#define CLIP                                                                                       \
  "videotestsrc num-buffers=%d ! video/x-raw,width=320,height=240,framerate=25/1 ! "               \
  "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%%s"

typedef struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  char *dir, *media, *config;
  char *amy, *bob, *carl, *dan; /* tokens */
  /* Videos: a (amy, 4 s), b (bob), c (carl), e (amy), f (dan, shares "pasta"
   * with a), s (bob, 2 s), x (amy, failed). */
  char *a, *b, *c, *e, *f, *s, *x;
  double dur_a, dur_s;
  gint64 at; /* the pages' clock, ms */
  guint n_ids;
} Fixture;

static Fixture fx;

static double
duration_of (guint16 port, const char *id)
{
  g_autoptr (ReelTestResponse) r = reel_test_wait_state (port, id, "ready", 180);
  return json_object_get_double_member (json_node_get_object (r->json), "duration");
}

static char *
make_clip (int frames, const char *name)
{
  g_autofree char *pipeline = g_strdup_printf (CLIP, frames);
  return reel_test_make_media (fx.media, name, pipeline);
}

static void
setup (void)
{
  g_autofree char *clip4 = NULL, *clip2 = NULL, *garbage = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  guint8 noise[4096];

  if (fx.d)
    return;
  fx.nats = reel_test_nats_start ();
  fx.dir = reel_test_tmpdir ();
  fx.media = reel_test_tmpdir ();
  fx.config = g_build_filename (fx.media, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (fx.config, CONFIG, -1, NULL));
  fx.d = reel_test_reeld_start_config (fx.dir, fx.nats->url, fx.config);
  fx.amy = reel_test_register_login (fx.d->port, "amy", PASSWORD);
  fx.bob = reel_test_register_login (fx.d->port, "bob", PASSWORD);
  fx.carl = reel_test_register_login (fx.d->port, "carl", PASSWORD);
  fx.dan = reel_test_register_login (fx.d->port, "dan", PASSWORD);
  clip4 = make_clip (100, "four.mp4");
  clip2 = make_clip (50, "two.mp4");
  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8)g_rand_int (rand);
  garbage = g_build_filename (fx.media, "garbage.mp4", NULL);
  g_assert_true (g_file_set_contents (garbage, (const char *)noise, sizeof noise, NULL));
  fx.a = reel_test_upload (fx.d->port, fx.amy, clip4, "Cooking pasta at home");
  fx.b = reel_test_upload (fx.d->port, fx.bob, clip4, "Mountain bike trail");
  fx.c = reel_test_upload (fx.d->port, fx.carl, clip4, "Jazz piano lesson");
  fx.e = reel_test_upload (fx.d->port, fx.amy, clip4, "Garden tour");
  fx.f = reel_test_upload (fx.d->port, fx.dan, clip4, "Pasta sauce secrets");
  fx.s = reel_test_upload (fx.d->port, fx.bob, clip2, "Short clip");
  fx.x = reel_test_upload (fx.d->port, fx.amy, garbage, "Pasta gone wrong");
  fx.dur_a = duration_of (fx.d->port, fx.a);
  fx.dur_s = duration_of (fx.d->port, fx.s);
  g_assert_cmpfloat (fx.dur_a, >, 3.5);
  g_assert_cmpfloat (fx.dur_s, <, 3.0);
  duration_of (fx.d->port, fx.b);
  duration_of (fx.d->port, fx.c);
  duration_of (fx.d->port, fx.e);
  duration_of (fx.d->port, fx.f);
  reel_test_response_free (reel_test_wait_state (fx.d->port, fx.x, "failed", 60));
  fx.at = 1795459669000;
}

/* --- building batches like a page does --- */

/* One action; extra is appended inside the object (",\"rendition\":..."). */
static char *
action (const char *video, const char *session, int v, const char *name, double position,
        const char *extra)
{
  char pos[G_ASCII_DTOSTR_BUF_SIZE];
  fx.at += 250;
  return g_strdup_printf ("{\"id\":\"act-%06u\",\"v\":%d,\"video_id\":\"%s\",\"session_id\":\"%s\","
                          "\"action\":\"%s\",\"position\":%s,\"at\":%" G_GINT64_FORMAT "%s}",
                          fx.n_ids++, v, video, session, name,
                          g_ascii_dtostr (pos, sizeof pos, position), fx.at, extra ? extra : "");
}

static void
add (GPtrArray *batch, char *action_text)
{
  g_ptr_array_add (batch, action_text);
}

/* A session that watches a whole video: play, then ended. */
static void
watch_whole (GPtrArray *batch, const char *video, const char *session, double duration,
             const char *play_extra)
{
  add (batch, action (video, session, play_extra ? 2 : 1, "play", 0, play_extra));
  add (batch, action (video, session, 1, "progress", duration / 2, NULL));
  add (batch, action (video, session, 1, "ended", duration, NULL));
}

static char *
body_of (GPtrArray *batch, const char *token)
{
  g_autoptr (GString) s = g_string_new ("{\"events\":[");
  for (guint i = 0; i < batch->len; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", (char *)batch->pdata[i]);
  g_string_append (s, "]");
  if (token)
    g_string_append_printf (s, ",\"token\":\"%s\"", token);
  g_string_append (s, "}");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static ReelTestResponse *
post (const char *body, const char *bearer, const char *content_type)
{
  return reel_test_http_full (fx.d->port, "POST", "/api/v1/events", bearer, NULL,
                              content_type ? content_type : "application/json", body,
                              strlen (body));
}

static gint64
member_int (JsonNode *json, const char *name)
{
  return json_object_get_int_member (json_node_get_object (json), name);
}

/* Posts a batch that must be taken whole. */
static void
post_all (GPtrArray *batch, const char *token, const char *content_type)
{
  g_autofree char *body = body_of (batch, token);
  g_autoptr (ReelTestResponse) r = post (body, NULL, content_type);
  g_assert_cmpuint (r->status, ==, 202);
  g_assert_cmpint (member_int (r->json, "accepted"), ==, batch->len);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (json_node_get_object (r->json), "rejected")),
                    ==, 0);
}

static gint64
views_of (const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return member_int (r->json, "views");
}

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

static ReelTestResponse *
analytics_of (const char *id, const char *token)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/analytics", id);
  return reel_test_http (fx.d->port, "GET", path, token, NULL, 0);
}

static guint64
actions_stored (void)
{
  guint64 last = 0;
  g_autoptr (GPtrArray) records = reel_test_stream_log (fx.nats->url, "REEL_ACTIONS", &last);
  return records->len;
}

static void
assert_near (double got, double want)
{
  if (fabs (got - want) > 1e-6)
    g_error ("got %.9f, want %.9f", got, want);
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

static void
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

static void
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
rebuild (const char *only, const char *config)
{
  g_autofree char *arg_dir = g_strdup_printf ("--data-dir=%s", fx.dir);
  g_autofree char *arg_nats = g_strdup_printf ("--nats-url=%s", fx.nats->url);
  g_autofree char *arg_config = g_strdup_printf ("--config=%s", config);
  g_autofree char *arg_only = only ? g_strdup_printf ("--only=%s", only) : NULL;
  const char *argv[] = {
    reel_test_env ("REEL_TEST_REELD"), arg_dir, arg_nats, arg_config, "--rebuild", arg_only, NULL
  };
  int status;
  char *out = reel_test_run (argv, &status);
  if (status != 0)
    g_error ("reeld --rebuild: %s", out);
  return out;
}

static char *
get_body (const char *path, const char *token)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (r->body);
}

static void
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
  out = rebuild ("analytics", fx.config);
  want = g_strdup_printf ("rebuilt analytics from %" G_GUINT64_FORMAT " viewer-action messages",
                          n_actions);
  g_assert_nonnull (strstr (out, want));
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);

  /* It really is recomputed: with a 1 s threshold s1 counts too, and back. */
  lenient = g_build_filename (fx.media, "lenient.conf", NULL);
  g_assert_true (g_file_set_contents (lenient, "[views]\nmin_watch_seconds = 1\n", -1, NULL));
  g_free (rebuild ("views", lenient));
  changed = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, !=, changed);
  g_free (rebuild ("views,related", fx.config));
  g_free (after);
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);
  /* The history alone (issue 14). */
  g_assert_nonnull (strstr (before, "history_order"));
  g_free (rebuild ("history", fx.config));
  g_free (after);
  after = reel_test_dump_lmdb (fx.dir);
  g_assert_cmpstr (before, ==, after);

  /* Everything, from the event log and the actions. */
  g_free (out);
  out = rebuild (NULL, fx.config);
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
