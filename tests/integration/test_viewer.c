/* Integration tests of what viewers use around a video (issue 14), as one
 * story on one real nats-server and reeld, so the final rebuild replays
 * everything before it:
 *
 *   /viewer/ratings   like/dislike/none, refusals (anonymous, bad rating, a
 *                     private video of another's), 50 concurrent requests
 *                     from 10 users leave exact counts on the record, in the
 *                     list and per user; the liked list            (acc. 3)
 *   /viewer/playlists create, add, page with a cursor, reorder, privacy
 *                     (a private playlist is 404 to others), rename,
 *                     remove, delete, Watch later          (acc. 4)
 *   /viewer/events    every event in the log matches its schema
 *   /viewer/rebuild   reeld --rebuild gives an identical dump, and so does
 *                     --rebuild --only NAME for each core projection, with
 *                     the counts and a playlist's order as before (acc. 3, 4)
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
  char *trip; /* amy's playlist, reordered, for the rebuild to keep */
} S;

/* --- helpers --- */

/* A request to S: call (method, path, token, body_fmt, ...), the body
 * made of body_fmt (NULL: none). */
#define call(method, path, token, ...) reel_test_httpf (S.d->port, method, path, token, __VA_ARGS__)

static ReelTestResponse *
get (const char *path, const char *token)
{
  return reel_test_get_status (S.d->port, path, token, 200);
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
    g_autoptr (ReelTestResponse) c
        = reel_test_wait_state_as (S.d->port, S.amy, S.vunlisted, "ready", 120);
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

/* --- acceptance 4: playlists --- */

static char *
playlist_path (const char *id, const char *rest)
{
  return g_strdup_printf ("/api/v1/playlists/%s%s", id, rest ? rest : "");
}

/* The video ids of a playlist page as one string "a,b,c", and the cursor. */
static char *
page_ids (JsonObject *page, char **cursor)
{
  JsonArray *items = json_object_get_array_member (page, "items");
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (items); i++)
    g_string_append_printf (
        out, "%s%s", i ? "," : "",
        json_object_get_string_member (json_array_get_object_element (items, i), "id"));
  if (cursor)
    *cursor = json_object_get_null_member (page, "next_cursor")
                  ? NULL
                  : g_strdup (json_object_get_string_member (page, "next_cursor"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Every video of playlist id as token sees it, paged two at a time. */
static char *
all_ids (const char *id, const char *token)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *cursor = NULL;
  guint pages = 0;
  do
    {
      g_autofree char *q
          = cursor ? g_strdup_printf ("?limit=2&cursor=%s", cursor) : g_strdup ("?limit=2");
      g_autofree char *path = playlist_path (id, q);
      g_autoptr (ReelTestResponse) r = get (path, token);
      g_autofree char *ids = NULL;
      g_clear_pointer (&cursor, g_free);
      ids = page_ids (obj (r), &cursor);
      if (*ids)
        g_string_append_printf (out, "%s%s", out->len ? "," : "", ids);
      g_assert_cmpuint (++pages, <, 10);
    }
  while (cursor);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
expect_order (const char *a, const char *b, const char *c)
{
  return c ? g_strdup_printf ("%s,%s,%s", a, b, c) : g_strdup_printf ("%s,%s", a, b);
}

static void
test_playlists (void)
{
  g_autofree char *trip = NULL, *path = NULL, *items = NULL, *wl = NULL, *ids = NULL;
  g_autofree char *want = NULL, *cursor = NULL;

  /* Create (public), fill with three videos, one of them amy's private. */
  EXPECT (401, "POST", "/api/v1/playlists", NULL, "{\"title\":\"x\"}");
  EXPECT (400, "POST", "/api/v1/playlists", S.amy, "{\"title\":\"\"}");
  EXPECT (400, "POST", "/api/v1/playlists", S.amy, "{\"title\":\"x\",\"privacy\":\"open\"}");
  {
    g_autoptr (ReelTestResponse) r = call ("POST", "/api/v1/playlists", S.amy,
                                           "{\"title\":\"Paris trip\",\"privacy\":\"public\"}");
    g_assert_cmpuint (r->status, ==, 201);
    trip = g_strdup (json_object_get_string_member (obj (r), "id"));
  }
  path = playlist_path (trip, NULL);
  items = playlist_path (trip, "/items");
  EXPECT (200, "POST", items, S.amy, "{\"video_id\":\"%s\"}", S.v1);
  EXPECT (200, "POST", items, S.amy, "{\"video_id\":\"%s\"}", S.vunlisted);
  EXPECT (200, "POST", items, S.amy, "{\"video_id\":\"%s\"}", S.vprivate);
  EXPECT (200, "POST", items, S.amy, "{\"video_id\":\"%s\"}", S.v1); /* stays once */
  EXPECT (404, "POST", items, S.amy, "{\"video_id\":\"AAAAAAAAAAA\"}");
  /* Another's playlist: visible, not theirs to change. */
  EXPECT (403, "POST", items, S.bob, "{\"video_id\":\"%s\"}", S.v1);

  /* Paging: two, then one, then no cursor. */
  {
    g_autofree char *q = playlist_path (trip, "?limit=2");
    g_autoptr (ReelTestResponse) r = get (q, S.amy);
    g_autofree char *first = page_ids (obj (r), &cursor);
    want = expect_order (S.v1, S.vunlisted, NULL);
    g_assert_cmpstr (first, ==, want);
    g_assert_nonnull (cursor);
    g_assert_cmpint (json_object_get_int_member (obj (r), "count"), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (obj (r), "title"), ==, "Paris trip");
  }
  {
    g_autofree char *q = g_strdup_printf ("?limit=2&cursor=%s", cursor);
    g_autofree char *p2 = playlist_path (trip, q);
    g_autoptr (ReelTestResponse) r = get (p2, S.amy);
    g_autofree char *next = NULL;
    g_autofree char *second = page_ids (obj (r), &next);
    g_assert_cmpstr (second, ==, S.vprivate);
    g_assert_null (next);
  }

  /* Reorder: the private video first, then the unlisted one last. */
  {
    g_autofree char *move = g_strdup_printf ("/api/v1/playlists/%s/items/%s", trip, S.vprivate);
    g_autofree char *move2 = g_strdup_printf ("/api/v1/playlists/%s/items/%s", trip, S.vunlisted);
    EXPECT (400, "PATCH", move, S.amy, "{\"position\":\"first\"}");
    EXPECT (403, "PATCH", move, S.bob, "{\"position\":0}");
    EXPECT (200, "PATCH", move, S.amy, "{\"position\":0}");
    EXPECT (200, "PATCH", move2, S.amy, "{\"position\":99}");
  }
  g_free (want);
  want = expect_order (S.vprivate, S.v1, S.vunlisted);
  ids = all_ids (trip, S.amy);
  g_assert_cmpstr (ids, ==, want);
  /* Others see what they may watch of it: not amy's private video. */
  g_free (ids);
  g_free (want);
  ids = all_ids (trip, S.bob);
  want = expect_order (S.v1, S.vunlisted, NULL);
  g_assert_cmpstr (ids, ==, want);

  /* Private: 404 to bob and to anyone, as if absent; still amy's. */
  EXPECT (200, "PATCH", path, S.amy, "{\"privacy\":\"private\",\"title\":\"Paris 2026\"}");
  EXPECT (404, "GET", path, S.bob, NULL);
  EXPECT (404, "GET", path, NULL, NULL);
  EXPECT (404, "PATCH", path, S.bob, "{\"title\":\"mine now\"}");
  EXPECT (404, "DELETE", path, S.bob, NULL);
  {
    g_autoptr (ReelTestResponse) r = get (path, S.amy);
    g_assert_cmpstr (json_object_get_string_member (obj (r), "title"), ==, "Paris 2026");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "privacy"), ==, "private");
  }
  /* Unlisted: open to anyone with the link again. */
  EXPECT (200, "PATCH", path, S.amy, "{\"privacy\":\"unlisted\"}");
  EXPECT (200, "GET", path, NULL, NULL);

  /* Another playlist, removed from and deleted. */
  {
    g_autoptr (ReelTestResponse) r
        = call ("POST", "/api/v1/playlists", S.bob, "{\"title\":\"Later maybe\"}");
    g_autofree char *other = NULL, *other_path = NULL, *item = NULL;
    g_assert_cmpuint (r->status, ==, 201);
    other = g_strdup (json_object_get_string_member (obj (r), "id"));
    other_path = playlist_path (other, NULL);
    item = g_strdup_printf ("/api/v1/playlists/%s/items/%s", other, S.v1);
    EXPECT (404, "GET", other_path, S.amy, NULL); /* private by default */
    g_free (item);
    item = g_strdup_printf ("/api/v1/playlists/%s/items/%s", trip, S.v1);
    EXPECT (204, "DELETE", item, S.amy, NULL);
    g_free (item);
    item = playlist_path (other, "/items");
    EXPECT (200, "POST", item, S.bob, "{\"video_id\":\"%s\"}", S.v1);
    EXPECT (200, "POST", item, S.bob, "{\"video_id\":\"%s\"}", S.vunlisted);
    g_free (item);
    item = g_strdup_printf ("/api/v1/playlists/%s/items/%s", other, S.v1);
    EXPECT (204, "DELETE", item, S.bob, NULL);
    g_free (ids);
    ids = all_ids (other, S.bob);
    g_assert_cmpstr (ids, ==, S.vunlisted);
    EXPECT (204, "DELETE", other_path, S.bob, NULL);
    EXPECT (404, "GET", other_path, S.bob, NULL);
    g_free (item);
    item = playlist_path (other, "/items");
    EXPECT (404, "POST", item, S.bob, "{\"video_id\":\"%s\"}", S.v1);
  }

  /* Watch later: made on first use, private, once per video, not deletable. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (ReelTestResponse) r
          = call ("POST", "/api/v1/users/me/watch-later", S.bob, "{\"video_id\":\"%s\"}", S.v1);
      g_assert_cmpuint (r->status, ==, 200);
      g_free (wl);
      wl = g_strdup (json_object_get_string_member (obj (r), "id"));
    }
  {
    g_autofree char *wl_path = playlist_path (wl, NULL);
    g_autoptr (ReelTestResponse) r = get (wl_path, S.bob);
    g_autoptr (ReelTestResponse) mine = get ("/api/v1/users/me/playlists", S.bob);
    JsonArray *lists = json_object_get_array_member (obj (mine), "items");
    g_assert_cmpstr (json_object_get_string_member (obj (r), "kind"), ==, "watch_later");
    g_assert_cmpint (json_object_get_int_member (obj (r), "count"), ==, 1);
    g_assert_cmpuint (json_array_get_length (lists), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lists, 0), "id"),
                     ==, wl);
    EXPECT (404, "GET", wl_path, S.amy, NULL);
    EXPECT (422, "DELETE", wl_path, S.bob, NULL);
    EXPECT (422, "PATCH", wl_path, S.bob, "{\"privacy\":\"public\"}");
  }
  S.trip = g_steal_pointer (&trip);
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
  g_autofree char *dump = NULL;
  gint64 likes_before, dislikes_before, likes, dislikes;

  record_counts (S.v1, &likes_before, &dislikes_before);
  g_assert_cmpint (likes_before, >, 0); /* bob's like at least */
  dump = reel_test_stop_rebuild_same (g_steal_pointer (&S.d), S.nats->url, S.config);
  /* The ratings tables are there. */
  g_assert_nonnull (strstr (dump, "database=ratings"));
  g_assert_nonnull (strstr (dump, "database=liked"));
  g_assert_nonnull (strstr (dump, "database=playlists"));
  g_assert_cmpuint (reel_test_rebuild_each_alone (S.dir, S.nats->url, S.config), >=, 13);
  start_reeld (S.config);
  assert_counts_agree (S.v1, &likes, &dislikes);
  g_assert_cmpint (likes, ==, likes_before);
  g_assert_cmpint (dislikes, ==, dislikes_before);
  /* The reordered playlist keeps its order (one video removed since). */
  {
    g_autofree char *ids = all_ids (S.trip, S.amy);
    g_autofree char *want = g_strdup_printf ("%s,%s", S.vprivate, S.vunlisted);
    g_assert_cmpstr (ids, ==, want);
  }
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/viewer/ratings", test_ratings);
  g_test_add_func ("/viewer/playlists", test_playlists);
  g_test_add_func ("/viewer/events", test_events);
  g_test_add_func ("/viewer/rebuild", test_rebuild);
  set_up ();
  status = g_test_run ();
  tear_down ();
  for (guint i = 0; i < RATERS; i++)
    g_free (S.raters[i]);
  return status;
}
