/* Integration tests of what viewers use around a video (issue 14), as one
 * story on one real nats-server and reeld, so the final rebuild replays
 * everything before it:
 *
 *   /viewer/ratings   like/dislike/none, refusals (anonymous, bad rating, a
 *                     private video of another's), 50 concurrent requests
 *                     from 10 users leave exact counts on the record, in the
 *                     list and per user; the liked list            (acc. 3)
 *   /viewer/events    every event in the log matches its schema
 *   /viewer/rebuild   reeld --rebuild gives an identical dump, and so does
 *                     --rebuild --only NAME for each core projection (acc. 3)
 * The tests build on each other in this order (run the whole program). */
#include "harness.h"
#include "replay.h"

#include <libsoup/soup.h>

static const char *PASSWORD = "correct horse battery";
#define RATERS 10
#define REQUESTS_PER_RATER 5

static struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  char *dir, *media, *config, *clip;
  char *amy, *bob; /* tokens */
  char *raters[RATERS];
  char *v1, *vprivate, *vunlisted;
} S;

/* --- helpers --- */

static ReelTestResponse *G_GNUC_PRINTF (4, 5)
    call (const char *method, const char *path, const char *token, const char *body_fmt, ...)
{
  g_autofree char *body = NULL;
  if (body_fmt)
    {
      va_list args;
      va_start (args, body_fmt);
      body = g_strdup_vprintf (body_fmt, args);
      va_end (args);
    }
  return reel_test_http (S.d->port, method, path, token, body, body ? strlen (body) : 0);
}

static ReelTestResponse *
get (const char *path, const char *token)
{
  ReelTestResponse *r = reel_test_http (S.d->port, "GET", path, token, NULL, 0);
  if (r->status != 200)
    g_printerr ("GET %s: %u %s\n", path, r->status, r->body);
  g_assert_cmpuint (r->status, ==, 200);
  return r;
}

static JsonObject *
obj (ReelTestResponse *r)
{
  g_assert_nonnull (r->json);
  return json_node_get_object (r->json);
}

#define EXPECT(want, method, path, token, ...)                                                     \
  do                                                                                               \
    {                                                                                              \
      g_autoptr (ReelTestResponse) r_ = call (method, path, token, __VA_ARGS__);                   \
      if (r_->status != (want))                                                                    \
        g_printerr ("%s %s: %u %s\n", method, path, r_->status, r_->body);                         \
      g_assert_cmpuint (r_->status, ==, (want));                                                   \
    }                                                                                              \
  while (0)

static char *
rating_path (const char *id)
{
  return g_strdup_printf ("/api/v1/videos/%s/rating", id);
}

/* The likes and dislikes of the video record (as its owner sees it). */
static void
record_counts (const char *id, gint64 *likes, gint64 *dislikes)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autoptr (ReelTestResponse) r = get (path, S.amy);
  *likes = json_object_get_int_member (obj (r), "likes");
  *dislikes = json_object_get_int_member (obj (r), "dislikes");
}

/* The rating a user's GET /rating reports, with the counts. */
static char *
my_rating (const char *token, const char *id, gint64 *likes, gint64 *dislikes)
{
  g_autofree char *path = rating_path (id);
  g_autoptr (ReelTestResponse) r = get (path, token);
  if (likes)
    *likes = json_object_get_int_member (obj (r), "likes");
  if (dislikes)
    *dislikes = json_object_get_int_member (obj (r), "dislikes");
  return g_strdup (json_object_get_string_member (obj (r), "rating"));
}

static void
write_config (const char *path)
{
  const char *text = "[media]\nladder = 240p:240:300\nx264_preset = ultrafast\n";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
start_reeld (const char *config)
{
  g_autofree char *arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { arg, NULL };
  S.d = reel_test_reeld_start_args (S.dir, S.nats->url, NULL, args);
}

static void
set_up (void)
{
  S.nats = reel_test_nats_start ();
  S.dir = reel_test_tmpdir ();
  S.media = reel_test_tmpdir ();
  S.config = g_build_filename (S.media, "reeld.conf", NULL);
  write_config (S.config);
  start_reeld (S.config);
  S.amy = reel_test_register_login (S.d->port, "amy", PASSWORD);
  S.bob = reel_test_register_login (S.d->port, "bob", PASSWORD);
  for (guint i = 0; i < RATERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("rater%02u", i);
      S.raters[i] = reel_test_register_login (S.d->port, name, PASSWORD);
    }
  /* 2 s, 320x240, with sound: one chunk. */
  S.clip = reel_test_make_media (
      S.media, "clip.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=90 ! audioconvert ! avenc_aac ! m.");
  S.v1 = reel_test_upload (S.d->port, S.amy, S.clip, "Tour <of> \"Paris\" & more");
  S.vprivate = reel_test_upload_private (S.d->port, S.amy, S.clip, "Amy's secret", "private");
  S.vunlisted = reel_test_upload_private (S.d->port, S.amy, S.clip, "Amy's unlisted", "unlisted");
  {
    g_autoptr (ReelTestResponse) a = reel_test_wait_state (S.d->port, S.v1, "ready", 120);
    g_autoptr (ReelTestResponse) b
        = reel_test_wait_state_as (S.d->port, S.amy, S.vprivate, "ready", 120);
  }
}

static void
tear_down (void)
{
  if (S.d)
    {
      reel_test_reeld_stop (S.d);
      reel_test_reeld_free (S.d);
    }
  reel_test_nats_stop (S.nats);
  reel_test_rmtree (S.dir);
  reel_test_rmtree (S.media);
}

/* --- acceptance 3: likes --- */

/* One rater's requests, on its own HTTP session (a SoupSession is not to be
 * shared between threads). */
typedef struct
{
  guint16 port;
  const char *token, *path;
  const char *ratings[REQUESTS_PER_RATER];
  guint n;
  guint statuses[REQUESTS_PER_RATER];
} Rater;

static guint
put_rating (SoupSession *session, guint16 port, const char *token, const char *path,
            const char *rating)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autofree char *body = g_strdup_printf ("{\"rating\":\"%s\"}", rating);
  g_autoptr (SoupMessage) msg = soup_message_new ("PUT", url);
  g_autoptr (GBytes) b = g_bytes_new (body, strlen (body));
  g_autoptr (GBytes) resp = NULL;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", b);
  resp = soup_session_send_and_read (session, msg, NULL, NULL);
  return resp ? soup_message_get_status (msg) : 0;
}

static gpointer
rater_thread (gpointer data)
{
  Rater *r = data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  for (guint i = 0; i < r->n; i++)
    r->statuses[i] = put_rating (session, r->port, r->token, r->path, r->ratings[i]);
  return NULL;
}

static void
run_raters (Rater *raters, guint n)
{
  g_autofree GThread **threads = g_new (GThread *, n);
  for (guint i = 0; i < n; i++)
    threads[i] = g_thread_new ("rater", rater_thread, &raters[i]);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < raters[i].n; j++)
      g_assert_cmpuint (raters[i].statuses[j], ==, 200);
}

/* Whether the liked list of token's user holds id. */
static gboolean
liked_holds (const char *token, const char *id)
{
  g_autoptr (ReelTestResponse) r = get ("/api/v1/users/me/liked", token);
  JsonArray *items = json_object_get_array_member (obj (r), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (items, i), "id"),
                     id))
      return TRUE;
  return FALSE;
}

/* The counts are the sum of every rater's own rating and bob's (amy, the
 * owner, rates only her private video); each liked list agrees. */
static void
assert_counts_agree (const char *id, gint64 *likes_out, gint64 *dislikes_out)
{
  gint64 likes = 0, dislikes = 0, rl, rd, l, d;
  for (guint i = 0; i <= RATERS; i++)
    {
      const char *token = i < RATERS ? S.raters[i] : S.bob;
      g_autofree char *mine = my_rating (token, id, NULL, NULL);
      g_test_message ("%s%02u: %s", i < RATERS ? "rater" : "bob", i, mine);
      likes += g_str_equal (mine, "like");
      dislikes += g_str_equal (mine, "dislike");
      g_assert_cmpint (liked_holds (token, id), ==, g_str_equal (mine, "like"));
    }
  record_counts (id, &rl, &rd);
  g_free (my_rating (S.amy, id, &l, &d));
  g_assert_cmpint (rl, ==, likes);
  g_assert_cmpint (rd, ==, dislikes);
  g_assert_cmpint (l, ==, likes);
  g_assert_cmpint (d, ==, dislikes);
  *likes_out = likes;
  *dislikes_out = dislikes;
}

static void
test_ratings (void)
{
  g_autofree char *path = rating_path (S.v1);
  g_autofree char *private_path = rating_path (S.vprivate);
  g_autofree char *mine = NULL;
  gint64 likes, dislikes;
  Rater raters[RATERS * REQUESTS_PER_RATER] = { 0 };
  const char *choices[] = { "like", "dislike", "none" };
  g_autoptr (GRand) rand = g_rand_new_with_seed (14);

  /* Refusals: anonymous, a bad rating, a private video of someone else's,
   * a video that does not exist. */
  EXPECT (401, "PUT", path, NULL, "{\"rating\":\"like\"}");
  EXPECT (400, "PUT", path, S.bob, "{\"rating\":\"love\"}");
  EXPECT (400, "PUT", path, S.bob, "{}");
  EXPECT (404, "PUT", private_path, S.bob, "{\"rating\":\"like\"}");
  EXPECT (404, "GET", private_path, S.bob, NULL);
  EXPECT (404, "PUT", "/api/v1/videos/AAAAAAAAAAA/rating", S.bob, "{\"rating\":\"like\"}");
  EXPECT (401, "GET", "/api/v1/users/me/liked", NULL, NULL);
  /* The owner may rate their own private video. */
  EXPECT (200, "PUT", private_path, S.amy, "{\"rating\":\"like\"}");
  g_assert_true (liked_holds (S.amy, S.vprivate));
  mine = my_rating (NULL, S.v1, &likes, &dislikes);
  g_assert_cmpstr (mine, ==, "none");
  g_assert_cmpint (likes, ==, 0);
  g_assert_cmpint (dislikes, ==, 0);

  /* Like, change to dislike, withdraw: one rating per user. */
  EXPECT (200, "PUT", path, S.bob, "{\"rating\":\"like\"}");
  EXPECT (200, "PUT", path, S.bob, "{\"rating\":\"like\"}");
  record_counts (S.v1, &likes, &dislikes);
  g_assert_cmpint (likes, ==, 1);
  g_assert_cmpint (dislikes, ==, 0);
  g_assert_true (liked_holds (S.bob, S.v1));
  EXPECT (200, "PUT", path, S.bob, "{\"rating\":\"dislike\"}");
  record_counts (S.v1, &likes, &dislikes);
  g_assert_cmpint (likes, ==, 0);
  g_assert_cmpint (dislikes, ==, 1);
  g_assert_false (liked_holds (S.bob, S.v1));
  EXPECT (200, "PUT", path, S.bob, "{\"rating\":\"none\"}");
  record_counts (S.v1, &likes, &dislikes);
  g_assert_cmpint (likes, ==, 0);
  g_assert_cmpint (dislikes, ==, 0);

  /* 50 requests from 10 users at once, each user's in a known order (like,
   * dislike, none, like, then like or dislike): every count lands exactly. */
  for (guint i = 0; i < RATERS; i++)
    {
      const char *seq[] = { "like", "dislike", "none", "like", i % 2 ? "dislike" : "like" };
      raters[i] = (Rater){ S.d->port, S.raters[i], path, { 0 }, REQUESTS_PER_RATER, { 0 } };
      memcpy (raters[i].ratings, seq, sizeof seq);
    }
  run_raters (raters, RATERS);
  assert_counts_agree (S.v1, &likes, &dislikes);
  g_assert_cmpint (likes, ==, RATERS / 2);
  g_assert_cmpint (dislikes, ==, RATERS / 2);
  /* In the public list too. */
  {
    g_autoptr (ReelTestResponse) r = get ("/api/v1/videos", NULL);
    JsonArray *items = json_object_get_array_member (obj (r), "items");
    gboolean found = FALSE;
    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *item = json_array_get_object_element (items, i);
        if (!g_str_equal (json_object_get_string_member (item, "id"), S.v1))
          continue;
        found = TRUE;
        g_assert_cmpint (json_object_get_int_member (item, "likes"), ==, RATERS / 2);
        g_assert_cmpint (json_object_get_int_member (item, "dislikes"), ==, RATERS / 2);
      }
    g_assert_true (found);
  }

  /* 50 requests at once, all in parallel (five per user racing each other,
   * random choices): whatever each user ends with, the counts are its sum. */
  for (guint i = 0; i < RATERS * REQUESTS_PER_RATER; i++)
    {
      raters[i] = (Rater){ S.d->port, S.raters[i % RATERS], path, { 0 }, 1, { 0 } };
      raters[i].ratings[0] = choices[g_rand_int_range (rand, 0, G_N_ELEMENTS (choices))];
    }
  run_raters (raters, RATERS * REQUESTS_PER_RATER);
  assert_counts_agree (S.v1, &likes, &dislikes);
  g_test_message ("after the race: %" G_GINT64_FORMAT " likes, %" G_GINT64_FORMAT " dislikes",
                  likes, dislikes);
  /* Leave a like of bob's for the rebuild to restore. */
  EXPECT (200, "PUT", path, S.bob, "{\"rating\":\"like\"}");
}

/* --- the log and the rebuild --- */

static void
test_events (void)
{
  guint64 last;
  g_autoptr (GPtrArray) lines = reel_test_event_log (S.nats->url, &last);
  gboolean found = FALSE;
  for (guint i = 0; i < lines->len && !found; i++)
    found = strstr (lines->pdata[i], "\"type\":\"rating.set\"") != NULL;
  g_assert_true (found);
  reel_test_validate_events (lines);
}

static void
test_rebuild (void)
{
  g_autofree char *before = NULL, *after = NULL, *out = NULL;
  g_autofree char *arg_dir = g_strdup_printf ("--data-dir=%s", S.dir);
  g_autofree char *arg_nats = g_strdup_printf ("--nats-url=%s", S.nats->url);
  g_autofree char *arg_config = g_strdup_printf ("--config=%s", S.config);
  const char *argv[]
      = { reel_test_env ("REEL_TEST_REELD"), arg_dir, arg_nats, arg_config, "--rebuild", NULL };
  int status;
  gint64 likes_before, dislikes_before, likes, dislikes;

  record_counts (S.v1, &likes_before, &dislikes_before);
  g_assert_cmpint (likes_before, >, 0); /* bob's like at least */
  g_assert_cmpint (reel_test_reeld_stop (S.d), ==, 0);
  g_clear_pointer (&S.d, reel_test_reeld_free);
  before = reel_test_dump_lmdb (S.dir);
  /* The ratings tables have rows. */
  g_assert_nonnull (strstr (before, "database=ratings"));
  g_assert_nonnull (strstr (before, "database=liked"));
  out = reel_test_run (argv, &status);
  if (status != 0)
    g_test_message ("reeld --rebuild: %s", out ? out : "");
  g_assert_cmpint (status, ==, 0);
  after = reel_test_dump_lmdb (S.dir);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (reel_test_rebuild_each_alone (S.dir, S.nats->url, S.config), >=, 13);
  start_reeld (S.config);
  assert_counts_agree (S.v1, &likes, &dislikes);
  g_assert_cmpint (likes, ==, likes_before);
  g_assert_cmpint (dislikes, ==, dislikes_before);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/viewer/ratings", test_ratings);
  g_test_add_func ("/viewer/events", test_events);
  g_test_add_func ("/viewer/rebuild", test_rebuild);
  set_up ();
  status = g_test_run ();
  tear_down ();
  for (guint i = 0; i < RATERS; i++)
    g_free (S.raters[i]);
  return status;
}
