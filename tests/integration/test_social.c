/* Integration tests of the social features (issue 4), as one story on one
 * real nats-server and reeld (with a local SMTP sink and a CDN origin
 * directory), so the final rebuild replays everything before it:
 *
 *   /social/subscriptions   subscribe, repeat, refusals, both indexes and the
 *                           counts agree, unsubscribe                  (acc. 1)
 *   /social/feed            feed and notifications in order, read/unread,
 *                           the uploader told of success and failure   (acc. 1)
 *   /social/cdn             a popular channel's playlists name the CDN, its
 *                           segments are in the origin; others are not
 *   /social/comments        threads, edit, delete rules, 1,000 comments paged
 *                           exactly once in both orders, the rate limit (acc. 2)
 *   /social/search          edits move postings, prefix, accents and case,
 *                           deleted videos vanish from search, playback, lists
 *                           and feed, and their blobs are reclaimed    (acc. 3)
 *   /social/authz           anonymous / other user / owner over every
 *                           mutating route                              (acc. 5)
 *   /social/email           exactly one welcome email, to the user who gave
 *                           an address
 *   /social/events          every event in the log matches its schema
 *   /social/rebuild         reeld --rebuild gives an identical dump    (acc. 4),
 *                           and so does --rebuild --only NAME for each
 *                           core projection (issue 17)
 *   /social/cleanup         the periodic sweep deletes an abandoned upload
 *                           and orphan blobs, and nothing referenced   (acc. 6)
 * The tests build on each other in this order (run the whole program). */
#include "harness.h"
#include "replay.h"

#include <glib/gstdio.h>

static const char *PASSWORD = "correct horse battery";
#define CDN_BASE "http://cdn.test.invalid"
#define RATE_LIMIT 1005
#define BULK_COMMENTS 1000

static struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  GSubprocess *smtp;
  char *dir, *media, *cdn, *mail, *config, *clip;
  char *amy, *bob, *cat; /* tokens */
  char *v1, *v2, *v3, *vfail;
  char *abandoned; /* a tus upload left half done */
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
  return reel_test_http (S.d->port, method, path, token, body, 0);
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

static JsonArray *
items (ReelTestResponse *r)
{
  return json_object_get_array_member (obj (r), "items");
}

/* The member of every item, comma-separated. */
static char *
column (ReelTestResponse *r, const char *member)
{
  JsonArray *a = items (r);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "",
                            json_object_get_string_member_with_default (
                                json_array_get_object_element (a, i), member, "-"));
  return g_string_free (out, FALSE);
}

static const char *
next_cursor (ReelTestResponse *r)
{
  return json_object_get_string_member_with_default (obj (r), "next_cursor", NULL);
}

static gint64
int_of (ReelTestResponse *r, const char *member)
{
  return json_object_get_int_member (obj (r), member);
}

static void
expect_status (ReelTestResponse *r, guint status)
{
  if (r->status != status)
    g_printerr ("expected %u, got %u: %s\n", status, r->status, r->body);
  g_assert_cmpuint (r->status, ==, status);
}

#define EXPECT(status, method, path, token, ...)                                                   \
  do                                                                                               \
    {                                                                                              \
      g_autoptr (ReelTestResponse) r_ = call (method, path, token, __VA_ARGS__);                   \
      expect_status (r_, status);                                                                  \
    }                                                                                              \
  while (0)

static void
expect_column (const char *path, const char *token, const char *member, const char *expected)
{
  g_autoptr (ReelTestResponse) r = get (path, token);
  g_autofree char *got = column (r, member);
  g_assert_cmpstr (got, ==, expected);
}

/* expect_column, once the projections have caught up (10 s at most). */
static void
wait_column (const char *path, const char *token, const char *member, const char *expected)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (ReelTestResponse) r = get (path, token);
      g_autofree char *got = column (r, member);
      if (g_str_equal (got, expected))
        return;
      g_usleep (50 * 1000);
    }
  expect_column (path, token, member, expected);
}

/* The ids of a search, best first. */
static char *
search (const char *q)
{
  g_autofree char *escaped = g_uri_escape_string (q, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/search?q=%s", escaped);
  g_autoptr (ReelTestResponse) r = get (path, NULL);
  return column (r, "id");
}

static char *
join (const char *a, const char *b)
{
  return g_strconcat (a, ",", b, NULL);
}

static gboolean
file_exists (const char *root, const char *key)
{
  g_autofree char *path = g_build_filename (root, key, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
token_with_email (const char *name, const char *email)
{
  g_autofree char *body = g_strdup_printf (
      "{\"username\":\"%s\",\"password\":\"%s\",\"email\":\"%s\"}", name, PASSWORD, email);
  g_autoptr (ReelTestResponse) reg
      = reel_test_http (S.d->port, "POST", "/api/v1/users", NULL, body, 0);
  expect_status (reg, 201);
  g_autoptr (ReelTestResponse) login
      = reel_test_http (S.d->port, "POST", "/api/v1/sessions", NULL, body, 0);
  expect_status (login, 201);
  return g_strdup (reel_test_json_str (login, "token"));
}

/* --- set-up --- */

static void
write_config (const char *path, const char *extra)
{
  g_autofree char *smtp_port = NULL;
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (S.config, &text, NULL, NULL) || !extra);
  if (!extra)
    {
      guint16 port = reel_test_free_port ();
      const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                             reel_test_env ("REEL_TEST_SMTP_SINK"), NULL, S.mail, NULL };
      smtp_port = g_strdup_printf ("%u", port);
      argv[2] = smtp_port;
      S.smtp = reel_test_spawn (argv);
      /* Listening before anything else picks a free port (it could pick
       * this one) or registers a user (whose email would find no relay). */
      for (int i = 0; i < 500 && !reel_test_port_open (port); i++)
        g_usleep (20 * 1000);
      g_assert_true (reel_test_port_open (port));
      text
          = g_strdup_printf ("[media]\nladder = 240p:240:300\nx264_preset = ultrafast\n"
                             "[comments]\nrate_limit = %d\nrate_window_seconds = 3600\n"
                             "[limits]\ncomments_per_ip = off\n"
                             "[cdn]\nmin_subscribers = 1\nbase_url = " CDN_BASE "\n"
                             "origin_dir = %s\n"
                             "[smtp]\nurl = smtp://127.0.0.1:%u\nfrom = reel <noreply@reel.test>\n",
                             RATE_LIMIT, S.cdn, port);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      return;
    }
  {
    g_autofree char *all = g_strconcat (text, extra, NULL);
    g_assert_true (g_file_set_contents (path, all, -1, NULL));
  }
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
  S.cdn = reel_test_tmpdir ();
  S.mail = reel_test_tmpdir ();
  S.config = g_build_filename (S.media, "reeld.conf", NULL);
  write_config (S.config, NULL);
  start_reeld (S.config);
  S.amy = token_with_email ("amy", "amy@example.org");
  S.bob = reel_test_register_login (S.d->port, "bob", PASSWORD);
  S.cat = reel_test_register_login (S.d->port, "cat", PASSWORD);
  /* 2 s, 320x240, with sound: one chunk. */
  S.clip = reel_test_make_media (
      S.media, "clip.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=90 ! audioconvert ! avenc_aac ! m.");
}

static void
tear_down (void)
{
  if (S.d)
    {
      reel_test_reeld_stop (S.d);
      reel_test_reeld_free (S.d);
    }
  if (S.smtp)
    {
      g_subprocess_send_signal (S.smtp, SIGTERM);
      g_subprocess_wait (S.smtp, NULL, NULL);
      g_object_unref (S.smtp);
    }
  reel_test_nats_stop (S.nats);
  reel_test_rmtree (S.dir);
  reel_test_rmtree (S.media);
  reel_test_rmtree (S.cdn);
  reel_test_rmtree (S.mail);
}

/* --- acceptance 1 --- */

static void
test_subscriptions (void)
{
  {
    g_autoptr (ReelTestResponse) r
        = call ("POST", "/api/v1/subscriptions", S.bob, "{\"channel\":\"amy\"}");
    expect_status (r, 201);
    g_assert_true (json_object_get_boolean_member (obj (r), "subscribed"));
  }
  /* Repeating is idempotent: 200, nothing published, nothing counted twice. */
  EXPECT (200, "POST", "/api/v1/subscriptions", S.bob, "{\"channel\":\"amy\"}");
  EXPECT (422, "POST", "/api/v1/subscriptions", S.amy, "{\"channel\":\"amy\"}");
  EXPECT (404, "POST", "/api/v1/subscriptions", S.bob, "{\"channel\":\"nobody\"}");
  EXPECT (400, "POST", "/api/v1/subscriptions", S.bob, "{\"channel\":7}");
  EXPECT (401, "POST", "/api/v1/subscriptions", NULL, "{\"channel\":\"amy\"}");
  EXPECT (201, "POST", "/api/v1/subscriptions", S.cat, "{\"channel\":\"amy\"}");
  {
    g_autoptr (ReelTestResponse) amy = get ("/api/v1/users/amy", NULL);
    g_assert_cmpint (int_of (amy, "subscriber_count"), ==, 2);
  }
  /* The channel's mirror index, a page at a time, and each follower's own. */
  {
    g_autoptr (ReelTestResponse) p1 = get ("/api/v1/users/amy/subscribers?limit=1", NULL);
    g_autofree char *n1 = column (p1, "username");
    g_autofree char *path = NULL;
    g_assert_cmpstr (n1, ==, "bob");
    g_assert_nonnull (next_cursor (p1));
    path = g_strdup_printf ("/api/v1/users/amy/subscribers?limit=1&cursor=%s", next_cursor (p1));
    g_autoptr (ReelTestResponse) p2 = get (path, NULL);
    g_autofree char *n2 = column (p2, "username");
    g_assert_cmpstr (n2, ==, "cat");
    g_assert_null (next_cursor (p2));
  }
  expect_column ("/api/v1/subscriptions", S.bob, "username", "amy");
  expect_column ("/api/v1/subscriptions", S.cat, "username", "amy");
  EXPECT (401, "GET", "/api/v1/subscriptions", NULL, NULL);
  EXPECT (400, "GET", "/api/v1/users/amy/subscribers?limit=101", NULL, NULL);
  EXPECT (400, "GET", "/api/v1/users/amy/subscribers?cursor=!!!", NULL, NULL);
  EXPECT (404, "GET", "/api/v1/users/nobody/subscribers", NULL, NULL);

  EXPECT (204, "DELETE", "/api/v1/subscriptions/amy", S.cat, NULL);
  EXPECT (204, "DELETE", "/api/v1/subscriptions/amy", S.cat, NULL);
  {
    g_autoptr (ReelTestResponse) amy = get ("/api/v1/users/amy", NULL);
    g_assert_cmpint (int_of (amy, "subscriber_count"), ==, 1);
  }
  expect_column ("/api/v1/users/amy/subscribers", NULL, "username", "bob");
  expect_column ("/api/v1/subscriptions", S.cat, "username", "");
}

/* Waits until a ready video is published (video.ready applied: it is in
 * its channel's list), which follows its state turning ready. */
static void
wait_published (const char *owner, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%s/videos?limit=100", owner);
  for (int i = 0; i < 400; i++)
    {
      g_autoptr (ReelTestResponse) r = get (path, NULL);
      g_autofree char *ids = column (r, "id");
      if (strstr (ids, id))
        return;
      g_usleep (25 * 1000);
    }
  g_error ("video %s was never published", id);
}

static void
test_feed (void)
{
  g_autofree char *random = g_build_filename (S.media, "random.bin", NULL);
  g_autofree char *both = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  g_autofree guint8 *noise = g_malloc (50000);
  for (guint i = 0; i < 50000; i++)
    noise[i] = (guint8)g_rand_int (rand);
  g_assert_true (g_file_set_contents (random, (const char *)noise, 50000, NULL));

  /* v1 is published before v2, so the order is known. */
  S.v1 = reel_test_upload (S.d->port, S.amy, S.clip, "Café tour of Paris");
  reel_test_response_free (reel_test_wait_state (S.d->port, S.v1, "ready", 120));
  wait_published ("amy", S.v1);
  S.v2 = reel_test_upload (S.d->port, S.amy, S.clip, "Straße nights");
  S.v3 = reel_test_upload (S.d->port, S.cat, S.clip, "Mountain biking");
  S.vfail = reel_test_upload (S.d->port, S.amy, random, "broken");
  reel_test_response_free (reel_test_wait_state (S.d->port, S.v2, "ready", 120));
  reel_test_response_free (reel_test_wait_state (S.d->port, S.v3, "ready", 120));
  reel_test_response_free (reel_test_wait_state (S.d->port, S.vfail, "failed", 120));
  wait_published ("amy", S.v2);
  wait_published ("cat", S.v3);

  both = join (S.v2, S.v1);
  expect_column ("/api/v1/users/amy/videos", NULL, "id", both);
  expect_column ("/api/v1/feed", S.bob, "id", both);
  expect_column ("/api/v1/feed", S.cat, "id", "");
  {
    g_autoptr (ReelTestResponse) amy = get ("/api/v1/users/amy", NULL);
    g_autoptr (ReelTestResponse) p1 = get ("/api/v1/feed?limit=1", S.bob);
    g_autofree char *first = column (p1, "id");
    g_autofree char *path = g_strdup_printf ("/api/v1/feed?limit=1&cursor=%s", next_cursor (p1));
    g_autoptr (ReelTestResponse) p2 = get (path, S.bob);
    g_autofree char *second = column (p2, "id");
    g_assert_cmpint (int_of (amy, "video_count"), ==, 2);
    g_assert_cmpstr (first, ==, S.v2);
    g_assert_cmpstr (second, ==, S.v1);
    g_assert_null (next_cursor (p2));
    g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (items (p1), 0),
                                                     "published_at"));
  }
  EXPECT (401, "GET", "/api/v1/feed", NULL, NULL);

  /* bob follows amy: her two videos, newest first, then his welcome. */
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications", S.bob);
    g_autofree char *types = column (n, "type");
    g_autofree char *videos = column (n, "video_id");
    g_autofree char *expect = g_strdup_printf ("%s,%s,-", S.v2, S.v1);
    g_assert_cmpstr (types, ==, "new_video,new_video,welcome");
    g_assert_cmpstr (videos, ==, expect);
    g_assert_cmpint (int_of (n, "unread_count"), ==, 3);
  }
  expect_column ("/api/v1/notifications", S.cat, "type", "video_ready,welcome");
  /* amy: the results of her uploads, success and failure, and her two new
   * subscribers, newest first. */
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications", S.amy);
    JsonArray *a = items (n);
    g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_assert_cmpuint (json_array_get_length (a), ==, 6);
    for (guint i = 0; i < 6; i++)
      {
        JsonObject *o = json_array_get_object_element (a, i);
        const char *type = json_object_get_string_member (o, "type");
        g_hash_table_add (
            seen,
            g_strdup_printf ("%s %s%s", type,
                             json_object_get_string_member_with_default (o, "video_id", ""),
                             json_object_get_string_member_with_default (o, "subscriber", "")));
        if (g_str_equal (type, "video_failed"))
          g_assert_cmpstr (json_object_get_string_member (o, "reason"), !=, "");
        if (i > 0)
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, i - 1),
                                                          "created_at"),
                           >=, json_object_get_string_member (o, "created_at"));
      }
    g_autofree char *r1 = g_strdup_printf ("video_ready %s", S.v1);
    g_autofree char *r2 = g_strdup_printf ("video_ready %s", S.v2);
    g_autofree char *f = g_strdup_printf ("video_failed %s", S.vfail);
    g_assert_true (g_hash_table_contains (seen, r1));
    g_assert_true (g_hash_table_contains (seen, r2));
    g_assert_true (g_hash_table_contains (seen, f));
    g_assert_true (g_hash_table_contains (seen, "welcome "));
    g_assert_true (g_hash_table_contains (seen, "new_subscriber bob"));
    g_assert_true (g_hash_table_contains (seen, "new_subscriber cat"));
  }
  /* Read one (twice: idempotent), then all. */
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications", S.bob);
    const char *id
        = json_object_get_string_member (json_array_get_object_element (items (n), 0), "id");
    EXPECT (204, "POST", "/api/v1/notifications/read", S.bob, "{\"ids\":[\"%s\",\"%s\"]}", id, id);
    g_autoptr (ReelTestResponse) after = get ("/api/v1/notifications", S.bob);
    g_assert_cmpint (int_of (after, "unread_count"), ==, 2);
    g_assert_true (
        json_object_get_boolean_member (json_array_get_object_element (items (after), 0), "read"));
    g_assert_false (
        json_object_get_boolean_member (json_array_get_object_element (items (after), 1), "read"));
  }
  EXPECT (204, "POST", "/api/v1/notifications/read", S.bob, "{\"all\":true}");
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications?limit=2", S.bob);
    g_assert_cmpint (int_of (n, "unread_count"), ==, 0);
    g_assert_cmpuint (json_array_get_length (items (n)), ==, 2);
    g_assert_nonnull (next_cursor (n));
  }
  EXPECT (400, "POST", "/api/v1/notifications/read", S.bob, "{\"ids\":[]}");
  EXPECT (400, "POST", "/api/v1/notifications/read", S.bob, "{\"ids\":[\"nope\"]}");
  EXPECT (400, "POST", "/api/v1/notifications/read", S.bob, "{}");
  /* A video made private leaves its subscribers' notifications, and comes
   * back when public again; its owner keeps hers throughout. */
  {
    g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", S.v1);
    g_autofree char *without = g_strdup_printf ("%s,-", S.v2);
    g_autofree char *with = g_strdup_printf ("%s,%s,-", S.v2, S.v1);
    EXPECT (204, "PATCH", rec, S.amy, "{\"privacy\":\"private\"}");
    wait_column ("/api/v1/notifications", S.bob, "video_id", without);
    {
      g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications?limit=100", S.amy);
      g_autofree char *videos = column (n, "video_id");
      g_assert_nonnull (strstr (videos, S.v1));
    }
    EXPECT (204, "PATCH", rec, S.amy, "{\"privacy\":\"public\"}");
    wait_column ("/api/v1/notifications", S.bob, "video_id", with);
  }
}

/* --- the CDN --- */

static char *
wait_playlist_with (const char *id, const char *playlist, const char *needle)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, playlist);
  for (int i = 0; i < 600; i++)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (S.d->port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      if (strstr (r->body, needle))
        return g_strdup (r->body);
      g_usleep (50 * 1000);
    }
  g_error ("%s never named %s", path, needle);
}

static void
test_cdn (void)
{
  g_autofree char *base = g_strdup_printf (CDN_BASE "/videos/%s/", S.v1);
  g_autofree char *media = wait_playlist_with (S.v1, "240p.m3u8", base);
  g_autofree char *audio = wait_playlist_with (S.v1, "audio.m3u8", base);
  g_autofree char *mpd = wait_playlist_with (S.v1, "manifest.mpd", base);
  g_autofree char *blobs = g_build_filename (S.dir, "blobs", NULL);
  g_autofree char *segment = g_strdup_printf ("videos/%s/240p/0.m4s", S.v1);
  g_autofree char *init = g_strdup_printf ("videos/%s/240p/init-0.mp4", S.v1);
  g_autofree char *original = g_strdup_printf ("originals/%s", S.v1);
  g_autofree char *v3 = g_strdup_printf ("videos/%s", S.v3);
  g_autofree char *a = NULL, *b = NULL;
  gsize alen, blen;

  /* Every segment URI of amy's video (she has a subscriber) is on the CDN... */
  g_assert_nonnull (strstr (media, "#EXT-X-MAP:URI=\"" CDN_BASE));
  g_assert_null (strstr (media, "\n240p/"));
  g_assert_nonnull (strstr (mpd, CDN_BASE));
  /* ...and the origin holds the same bytes, but not the original. */
  g_assert_true (file_exists (S.cdn, init));
  g_assert_false (file_exists (S.cdn, original));
  {
    g_autofree char *p1 = g_build_filename (blobs, segment, NULL);
    g_autofree char *p2 = g_build_filename (S.cdn, segment, NULL);
    g_assert_true (g_file_get_contents (p1, &a, &alen, NULL));
    g_assert_true (g_file_get_contents (p2, &b, &blen, NULL));
    g_assert_cmpmem (a, alen, b, blen);
  }
  /* cat has no subscribers: her video is served by reeld. */
  {
    g_autofree char *path = g_strdup_printf ("/videos/%s/240p.m3u8", S.v3);
    g_autoptr (ReelTestResponse) r = get (path, NULL);
    g_assert_null (strstr (r->body, CDN_BASE));
    g_assert_nonnull (strstr (r->body, "\n240p/0.m4s"));
    g_assert_false (file_exists (S.cdn, v3));
  }
}

/* --- acceptance 2 --- */

static char *
post_comment (const char *video, const char *token, const char *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  g_autoptr (ReelTestResponse) r = call ("POST", path, token, "%s", body);
  expect_status (r, 201);
  return g_strdup (reel_test_json_str (r, "id"));
}

/* Every comment of a video, page by page. */
static GPtrArray *
all_comments (const char *video, const char *order, guint limit)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cursor = NULL;
  do
    {
      g_autofree char *path
          = g_strdup_printf ("/api/v1/videos/%s/comments?order=%s&limit=%u%s%s", video, order,
                             limit, cursor ? "&cursor=" : "", cursor ? cursor : "");
      g_autoptr (ReelTestResponse) r = get (path, NULL);
      JsonArray *a = items (r);
      g_assert_cmpuint (json_array_get_length (a), <=, limit);
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (ids, g_strdup (json_object_get_string_member (
                                  json_array_get_object_element (a, i), "id")));
      g_free (cursor);
      cursor = g_strdup (next_cursor (r));
    }
  while (cursor);
  return ids;
}

/* user's notifications whose type starts with prefix, newest first, as
 * "comment_id author,...". */
static char *
notes_about (const char *prefix, const char *user)
{
  g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications?limit=100", user);
  JsonArray *a = items (n);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (g_str_has_prefix (json_object_get_string_member (o, "type"), prefix))
        g_ptr_array_add (out,
                         g_strdup_printf ("%s %s", json_object_get_string_member (o, "comment_id"),
                                          json_object_get_string_member (o, "author")));
    }
  g_ptr_array_add (out, NULL);
  return g_strjoinv (",", (char **)out->pdata);
}

static void
test_comments (void)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/comments", S.v1);
  g_autofree char *t = post_comment (S.v1, S.cat, "{\"text\":\"First!\"}");
  g_autofree char *r1_body = g_strdup_printf ("{\"text\":\"Thanks\",\"reply_to\":\"%s\"}", t);
  g_autofree char *r1 = post_comment (S.v1, S.amy, r1_body);
  g_autofree char *r2_body = g_strdup_printf ("{\"text\":\"+1\",\"reply_to\":\"%s\"}", r1);
  g_autofree char *r2 = post_comment (S.v1, S.bob, r2_body);
  g_autofree char *c2 = post_comment (S.v1, S.cat, "{\"text\":\"Second thread\\nwith two lines\"}");
  g_autofree char *r2_path = g_strdup_printf ("%s/%s", path, r2);
  g_autofree char *t_path = g_strdup_printf ("%s/%s", path, t);
  g_autoptr (GPtrArray) bulk = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) longest = g_string_new ("{\"text\":\"");

  /* Threads: replies grouped under their thread, oldest first in it. */
  {
    g_autofree char *oldest = g_strdup_printf ("%s,%s,%s,%s", t, r1, r2, c2);
    g_autofree char *newest = g_strdup_printf ("%s,%s,%s,%s", c2, t, r1, r2);
    g_autofree char *p_old = g_strdup_printf ("%s?order=oldest", path);
    g_autofree char *p_new = g_strdup_printf ("%s?order=newest", path);
    expect_column (p_old, NULL, "id", oldest);
    expect_column (p_new, NULL, "id", newest);
    g_autoptr (ReelTestResponse) r = get (path, NULL);
    JsonArray *a = items (r);
    g_assert_cmpint (
        json_object_get_int_member (json_array_get_object_element (a, 0), "reply_count"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 2), "thread"),
                     ==, t);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (a, 2), "reply_to"), ==, r1);
  }
  /* Who heard of what: amy of cat's comments on her video and of bob's
   * reply to her (once: not also as a comment on her video), cat of amy's
   * reply; nobody of their own words. */
  {
    g_autofree char *amy_new = notes_about ("new_comment", S.amy);
    g_autofree char *amy_replies = notes_about ("comment_reply", S.amy);
    g_autofree char *cat_replies = notes_about ("comment_reply", S.cat);
    g_autofree char *bob_heard = notes_about ("comment", S.bob);
    g_autofree char *want_new = g_strdup_printf ("%s cat,%s cat", c2, t);
    g_autofree char *want_amy = g_strdup_printf ("%s bob", r2);
    g_autofree char *want_cat = g_strdup_printf ("%s amy", r1);
    g_assert_cmpstr (amy_new, ==, want_new);
    g_assert_cmpstr (amy_replies, ==, want_amy);
    g_assert_cmpstr (cat_replies, ==, want_cat);
    g_assert_cmpstr (bob_heard, ==, "");
  }
  /* Edit: the author only. Delete: the author or the video's owner. */
  EXPECT (204, "PATCH", r2_path, S.bob, "{\"text\":\"+1 indeed\"}");
  EXPECT (403, "PATCH", r2_path, S.cat, "{\"text\":\"hijacked\"}");
  EXPECT (403, "PATCH", r2_path, S.amy, "{\"text\":\"owner edit\"}");
  EXPECT (403, "DELETE", r2_path, S.cat, NULL);
  {
    g_autoptr (ReelTestResponse) r = get (path, NULL);
    JsonObject *o = json_array_get_object_element (items (r), 2);
    g_assert_cmpstr (json_object_get_string_member (o, "text"), ==, "+1 indeed");
    g_assert_true (json_object_has_member (o, "edited_at"));
  }
  EXPECT (204, "DELETE", r2_path, S.amy, NULL);
  EXPECT (404, "DELETE", r2_path, S.amy, NULL);
  /* Deleting a thread's first comment takes its replies with it. */
  EXPECT (204, "DELETE", t_path, S.cat, NULL);
  expect_column (path, NULL, "id", c2);
  /* Bad input. */
  EXPECT (400, "POST", path, S.cat, "{\"text\":\"\"}");
  EXPECT (400, "POST", path, S.cat, "{\"text\":\"a\\u0007b\"}");
  EXPECT (400, "POST", path, S.cat, "{\"text\":7}");
  EXPECT (422, "POST", path, S.cat, "{\"text\":\"x\",\"reply_to\":\"AAAAAAAAAAA\"}");
  EXPECT (401, "POST", path, NULL, "{\"text\":\"x\"}");
  EXPECT (404, "POST", "/api/v1/videos/AAAAAAAAAAA/comments", S.cat, "{\"text\":\"x\"}");
  {
    g_autofree char *sideways = g_strdup_printf ("%s?order=sideways", path);
    EXPECT (400, "GET", sideways, NULL, NULL);
  }
  for (int i = 0; i < 10000; i++)
    g_string_append (longest, "é");
  {
    g_autofree char *ok = g_strconcat (longest->str, "\"}", NULL);
    g_autofree char *too_long = g_strconcat (longest->str, "x\"}", NULL);
    g_autofree char *id = post_comment (S.v1, S.cat, ok);
    EXPECT (400, "POST", path, S.cat, "%s", too_long);
  }
  {
    /* Not UTF-8 at all. */
    g_autoptr (ReelTestResponse) r
        = reel_test_http (S.d->port, "POST", path, S.cat, "{\"text\":\"\xff\xfe\"}", 0);
    expect_status (r, 400);
  }

  /* 1,000 comments on v2, each exactly once in order, both ways. */
  for (guint i = 0; i < BULK_COMMENTS; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"text\":\"comment %u\"}", i);
      g_ptr_array_add (bulk, post_comment (S.v2, S.bob, body));
    }
  {
    g_autoptr (GPtrArray) oldest = all_comments (S.v2, "oldest", 100);
    g_autoptr (GPtrArray) newest = all_comments (S.v2, "newest", 37);
    g_assert_cmpuint (oldest->len, ==, BULK_COMMENTS);
    g_assert_cmpuint (newest->len, ==, BULK_COMMENTS);
    for (guint i = 0; i < BULK_COMMENTS; i++)
      {
        g_assert_cmpstr (oldest->pdata[i], ==, bulk->pdata[i]);
        g_assert_cmpstr (newest->pdata[i], ==, bulk->pdata[BULK_COMMENTS - 1 - i]);
      }
  }
  /* The rate limit: bob has posted 1 + 1,000; the limit is RATE_LIMIT an hour. */
  {
    g_autofree char *p2 = g_strdup_printf ("/api/v1/videos/%s/comments", S.v2);
    guint accepted = 0;
    for (;;)
      {
        g_autoptr (ReelTestResponse) r = call ("POST", p2, S.bob, "{\"text\":\"more\"}");
        if (r->status == 429)
          {
            g_assert_cmpstr (reel_test_error_code (r), ==, "rate_limited");
            g_assert_cmpint (atoi (reel_test_header (r, "Retry-After")), >, 0);
            break;
          }
        expect_status (r, 201);
        accepted++;
        g_assert_cmpuint (accepted, <=, RATE_LIMIT);
      }
    g_assert_cmpuint (accepted, ==, RATE_LIMIT - 1 - BULK_COMMENTS);
    /* Others are not limited by bob's comments. */
    g_free (post_comment (S.v2, S.cat, "{\"text\":\"still fine\"}"));
  }
}

/* --- acceptance 3 --- */

static void
test_search (void)
{
  g_autofree char *video = g_strdup_printf ("/api/v1/videos/%s", S.v1);
  g_autofree char *v3 = g_strdup_printf ("/api/v1/videos/%s", S.v3);
  g_autofree char *v2 = g_strdup_printf ("/api/v1/videos/%s", S.v2);
  g_autofree char *amy_both = join (S.v2, S.v1);
  g_autofree char *blobs = g_build_filename (S.dir, "blobs", NULL);
  g_autofree char *v3_segments = g_strdup_printf ("videos/%s", S.v3);
  g_autofree char *v3_original = g_strdup_printf ("originals/%s", S.v3);

  EXPECT (204, "PATCH", video, S.amy, "{\"description\":\"Croissants and coffee by the Seine\"}");
#define FINDS(q, ids)                                                                              \
  do                                                                                               \
    {                                                                                              \
      g_autofree char *got_ = search (q);                                                          \
      g_assert_cmpstr (got_, ==, ids);                                                             \
    }                                                                                              \
  while (0)
  /* Accents and case, both ways; the last word as a prefix. */
  FINDS ("cafe ", S.v1);
  FINDS ("CAFÉ", S.v1);
  FINDS ("caf", S.v1);
  FINDS ("tour of par", S.v1);
  FINDS ("strasse", S.v2);
  FINDS ("STRASSE ", S.v2);
  FINDS ("croissant", S.v1);
  FINDS ("seine ", S.v1);
  FINDS ("mountain", S.v3);
  /* Channel names are searchable. */
  FINDS ("amy", amy_both);
  FINDS ("nothing like this", "");
  {
    g_autoptr (ReelTestResponse) r = get ("/api/v1/search?q=croiss", NULL);
    JsonObject *hit = json_array_get_object_element (items (r), 0);
    g_assert_nonnull (
        strstr (json_object_get_string_member (hit, "snippet_html"), "<mark>Croissants</mark>"));
    g_assert_cmpstr (
        json_object_get_string_member (json_object_get_object_member (hit, "channel"), "username"),
        ==, "amy");
  }
  {
    g_autoptr (ReelTestResponse) p1 = get ("/api/v1/search?q=amy&limit=1", NULL);
    g_autofree char *path
        = g_strdup_printf ("/api/v1/search?q=amy&limit=1&cursor=%s", next_cursor (p1));
    g_autoptr (ReelTestResponse) p2 = get (path, NULL);
    g_autofree char *a = column (p1, "id"), *b = column (p2, "id");
    g_autofree char *both = join (a, b);
    g_assert_cmpstr (both, ==, amy_both);
    g_assert_null (next_cursor (p2));
  }
  EXPECT (400, "GET", "/api/v1/search", NULL, NULL);
  EXPECT (400, "GET", "/api/v1/search?q=x&cursor=AAAA", NULL, NULL);

  /* An edited title stops matching its old words and matches its new ones. */
  EXPECT (204, "PATCH", video, S.amy, "{\"title\":\"Lisbon walk\"}");
  FINDS ("paris ", "");
  FINDS ("cafe ", "");
  FINDS ("lisbon", S.v1);
  FINDS ("croissant", S.v1); /* the description did not change */
  {
    g_autoptr (ReelTestResponse) r = get (video, NULL);
    g_assert_cmpstr (reel_test_json_str (r, "title"), ==, "Lisbon walk");
  }

  /* Deleted: gone from search, playback, the channel and the feed. */
  EXPECT (403, "DELETE", v3, S.bob, NULL);
  EXPECT (204, "DELETE", v3, S.cat, NULL);
  EXPECT (204, "DELETE", v2, S.amy, NULL);
  FINDS ("mountain", "");
  FINDS ("strasse", "");
  FINDS ("amy", S.v1);
  EXPECT (404, "GET", v3, NULL, NULL);
  {
    g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", S.v3);
    g_autofree char *seg = g_strdup_printf ("/videos/%s/240p/0.m4s", S.v2);
    g_autofree char *comments = g_strdup_printf ("%s/comments", v2);
    EXPECT (404, "GET", master, NULL, NULL);
    EXPECT (404, "GET", seg, NULL, NULL);
    EXPECT (404, "GET", comments, NULL, NULL);
  }
  expect_column ("/api/v1/users/cat/videos", NULL, "id", "");
  expect_column ("/api/v1/users/amy/videos", NULL, "id", S.v1);
  expect_column ("/api/v1/feed", S.bob, "id", S.v1);
  {
    g_autoptr (ReelTestResponse) cat = get ("/api/v1/users/cat", NULL);
    g_assert_cmpint (int_of (cat, "video_count"), ==, 0);
  }
  /* Its blobs are reclaimed (by the reactor, just after the delete). */
  for (int i = 0; i < 200 && (file_exists (blobs, v3_segments) || file_exists (blobs, v3_original));
       i++)
    g_usleep (50 * 1000);
  g_assert_false (file_exists (blobs, v3_segments));
  g_assert_false (file_exists (blobs, v3_original));
#undef FINDS
}

/* --- acceptance 5 --- */

/* Starts a tus upload of 1000 bytes for token's user; returns its id. */
static char *
tus_create (const char *token)
{
  const char *headers[] = { "Tus-Resumable", "1.0.0", "Upload-Length", "1000", NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (S.d->port, "POST", "/api/v1/uploads", token, headers, NULL, NULL, 0);
  expect_status (r, 201);
  return g_strdup (reel_test_header (r, "Reel-Video-Id"));
}

static guint
tus_patch (const char *id, const char *token, guint64 offset, gsize len)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  g_autofree char *off = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  const char *headers[] = { "Tus-Resumable", "1.0.0", "Upload-Offset", off, NULL };
  g_autofree char *data = g_malloc0 (len);
  g_autoptr (ReelTestResponse) r = reel_test_http_full (
      S.d->port, "PATCH", path, token, headers, "application/offset+octet-stream", data, len);
  return r->status;
}

static guint
tus_delete (const char *id, const char *token)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  const char *headers[] = { "Tus-Resumable", "1.0.0", NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (S.d->port, "DELETE", path, token, headers, NULL, NULL, 0);
  return r->status;
}

static void
test_authz (void)
{
  g_autofree char *upload = tus_create (S.amy);
  g_autofree char *doomed = tus_create (S.amy);
  g_autofree char *video = g_strdup_printf ("/api/v1/videos/%s", upload);
  g_autofree char *doomed_video = g_strdup_printf ("/api/v1/videos/%s", doomed);
  g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", S.v1);
  /* (bob has used up his comments: the rate limit.) */
  g_autofree char *c1 = post_comment (S.v1, S.cat, "{\"text\":\"mine\"}");
  g_autofree char *c2 = post_comment (S.v1, S.cat, "{\"text\":\"also mine\"}");
  g_autofree char *c1_path = g_strdup_printf ("%s/%s", comments, c1);
  g_autofree char *c2_path = g_strdup_printf ("%s/%s", comments, c2);
  g_autofree char *amy_note = NULL;
  gint64 amy_unread;

  /* tus upload: PATCH and DELETE. The owner's PATCH leaves it half done:
   * the clean-up test finds it abandoned. */
  g_assert_cmpuint (tus_patch (upload, NULL, 0, 400), ==, 401);
  g_assert_cmpuint (tus_patch (upload, S.bob, 0, 400), ==, 403);
  g_assert_cmpuint (tus_patch (upload, S.amy, 0, 400), ==, 204);
  g_assert_cmpuint (tus_delete (doomed, NULL), ==, 401);
  g_assert_cmpuint (tus_delete (doomed, S.bob), ==, 403);
  S.abandoned = g_strdup (upload);
  EXPECT (401, "POST", "/api/v1/uploads", NULL, NULL);
  EXPECT (401, "POST", "/api/v1/videos", NULL, NULL);

  /* Video PATCH and DELETE. */
  EXPECT (401, "PATCH", video, NULL, "{\"title\":\"anon\"}");
  EXPECT (403, "PATCH", video, S.bob, "{\"title\":\"bob's\"}");
  EXPECT (204, "PATCH", video, S.amy, "{\"title\":\"amy's\"}");
  {
    g_autoptr (ReelTestResponse) r = get (video, NULL);
    g_assert_cmpstr (reel_test_json_str (r, "title"), ==, "amy's");
  }
  EXPECT (400, "PATCH", video, S.amy, "{}");
  EXPECT (400, "PATCH", video, S.amy, "{\"title\":\"\"}");
  EXPECT (401, "DELETE", doomed_video, NULL, NULL);
  EXPECT (403, "DELETE", doomed_video, S.bob, NULL);
  EXPECT (204, "DELETE", doomed_video, S.amy, NULL);
  EXPECT (404, "GET", doomed_video, NULL, NULL);
  g_assert_cmpuint (tus_delete (doomed, S.amy), ==, 404);

  /* Comments: posting needs a user; editing its author; deleting its
   * author or the video's owner (amy). */
  EXPECT (401, "POST", comments, NULL, "{\"text\":\"anon\"}");
  EXPECT (401, "PATCH", c1_path, NULL, "{\"text\":\"x\"}");
  EXPECT (403, "PATCH", c1_path, S.bob, "{\"text\":\"x\"}");
  EXPECT (204, "PATCH", c1_path, S.cat, "{\"text\":\"x\"}");
  EXPECT (401, "DELETE", c1_path, NULL, NULL);
  EXPECT (403, "DELETE", c1_path, S.bob, NULL);
  EXPECT (204, "DELETE", c1_path, S.cat, NULL);
  EXPECT (204, "DELETE", c2_path, S.amy, NULL);

  /* Subscriptions are the caller's own: another user can only touch his. */
  EXPECT (401, "POST", "/api/v1/subscriptions", NULL, "{\"channel\":\"amy\"}");
  EXPECT (401, "DELETE", "/api/v1/subscriptions/amy", NULL, NULL);
  EXPECT (204, "DELETE", "/api/v1/subscriptions/amy", S.cat, NULL);
  expect_column ("/api/v1/users/amy/subscribers", NULL, "username", "bob");

  /* Notifications likewise: cat naming amy's notification reads nothing. */
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications", S.amy);
    amy_note = g_strdup (
        json_object_get_string_member (json_array_get_object_element (items (n), 0), "id"));
    amy_unread = int_of (n, "unread_count");
    g_assert_cmpint (amy_unread, >, 0);
  }
  EXPECT (401, "POST", "/api/v1/notifications/read", NULL, "{\"all\":true}");
  EXPECT (204, "POST", "/api/v1/notifications/read", S.cat, "{\"ids\":[\"%s\"]}", amy_note);
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications", S.amy);
    g_assert_cmpint (int_of (n, "unread_count"), ==, amy_unread);
  }
  EXPECT (204, "POST", "/api/v1/notifications/read", S.amy, "{\"ids\":[\"%s\"]}", amy_note);
  {
    g_autoptr (ReelTestResponse) n = get ("/api/v1/notifications", S.amy);
    g_assert_cmpint (int_of (n, "unread_count"), ==, amy_unread - 1);
  }
  EXPECT (401, "DELETE", "/api/v1/sessions/current", NULL, NULL);
}

/* --- email, events, rebuild --- */

static void
test_email (void)
{
  g_autofree char *first = g_build_filename (S.mail, "1.eml", NULL);
  g_autofree char *second = g_build_filename (S.mail, "2.eml", NULL);
  g_autofree char *text = NULL;
  for (int i = 0; i < 600 && !g_file_test (first, G_FILE_TEST_EXISTS); i++)
    g_usleep (50 * 1000);
  g_assert_true (g_file_get_contents (first, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "X-Envelope-To: amy@example.org"));
  g_assert_nonnull (strstr (text, "Subject: Welcome to reel"));
  g_assert_nonnull (strstr (text, "From: reel <noreply@reel.test>"));
  /* bob and cat gave no address; nobody is emailed twice. */
  g_assert_false (g_file_test (second, G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (reel_test_metric (S.d->port, "reel_emails_sent_total{kind=\"welcome\"}"), ==,
                     1);
}

static void
test_events (void)
{
  guint64 last;
  g_autoptr (GPtrArray) lines = reel_test_event_log (S.nats->url, &last);
  const char *types[] = { "subscription.created", "subscription.deleted", "comment.posted",
                          "comment.edited",       "comment.deleted",      "notification.read",
                          "video.edited",         "video.deleted",        "video.cdn_pushed" };
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", types[t]);
      gboolean found = FALSE;
      for (guint i = 0; i < lines->len && !found; i++)
        found = strstr (lines->pdata[i], needle) != NULL;
      if (!found)
        g_printerr ("no %s event\n", types[t]);
      g_assert_true (found);
    }
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

  g_assert_cmpint (reel_test_reeld_stop (S.d), ==, 0);
  g_clear_pointer (&S.d, reel_test_reeld_free);
  before = reel_test_dump_lmdb (S.dir);
  /* The dump holds every social table, with rows. */
  g_assert_nonnull (strstr (before, "subscribers"));
  g_assert_nonnull (strstr (before, "search_postings"));
  g_assert_nonnull (strstr (before, "notifications"));
  out = reel_test_run (argv, &status);
  if (status != 0)
    g_test_message ("reeld --rebuild: %s", out ? out : "");
  g_assert_cmpint (status, ==, 0);
  after = reel_test_dump_lmdb (S.dir);
  g_assert_cmpstr (before, ==, after);
  /* And each core projection rebuilt alone gives the same tables. */
  g_assert_cmpuint (reel_test_rebuild_each_alone (S.dir, S.nats->url, S.config), >=, 10);
}

/* --- acceptance 6 --- */

static void
plant (const char *root, const char *key, gsize size)
{
  g_autofree char *path = g_build_filename (root, key, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = g_malloc0 (size);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, data, (gssize)size, NULL));
}

static void
test_cleanup (void)
{
  g_autofree char *blobs = g_build_filename (S.dir, "blobs", NULL);
  g_autofree char *config = g_build_filename (S.media, "cleanup.conf", NULL);
  g_autofree char *part = g_strdup_printf ("uploads/%s.part", S.abandoned);
  g_autofree char *stray = g_strdup_printf ("videos/%s/240p/999.m4s", S.v1);
  g_autofree char *tmp = g_strdup_printf ("videos/%s/240p/0.m4s.tmp-AbC123", S.v1);
  g_autofree char *poster = g_strdup_printf ("videos/%s/poster.jpg", S.v1);
  g_autofree char *poster_small = g_strdup_printf ("videos/%s/poster-small.jpg", S.v1);
  g_autofree char *old_poster = g_strdup_printf ("videos/%s/poster-0123456789ab.jpg", S.v1);
  g_autofree char *old_small = g_strdup_printf ("videos/%s/poster-0123456789ab-small.jpg", S.v1);
  g_autofree char *abandoned = g_strdup_printf ("/api/v1/videos/%s", S.abandoned);
  g_autoptr (GPtrArray) referenced = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cdn_referenced = g_ptr_array_new_with_free_func (g_free);
  const char *orphans[] = { "originals/ZZZZZZZZZZZ", "videos/ZZZZZZZZZZZ/240p/0.m4s", NULL };

  g_assert_true (file_exists (S.dir, part));
  /* What v1 (published, on the CDN) references, before any orphan exists. */
  reel_test_list_files (blobs, referenced);
  reel_test_list_files (S.cdn, cdn_referenced);
  g_assert_cmpuint (referenced->len, >=, 4);
  /* Orphans: a video that does not exist, a segment v1's chunk table does
   * not name, an interrupted write; and keys of a layout cleanup does not
   * know, which it must leave alone. */
  plant (blobs, orphans[0], 1000);
  plant (blobs, orphans[1], 500);
  plant (blobs, stray, 300);
  plant (blobs, tmp, 200);
  plant (S.cdn, orphans[1], 100);
  plant (blobs, "posters/ZZZZZZZZZZZ.jpg", 10);
  plant (blobs, poster, 10);
  /* A custom poster v1 showed before, and its small copy. */
  plant (blobs, old_poster, 40);
  plant (blobs, old_small, 20);
  /* Past the grace period (1 s) for everything, referenced or not. */
  g_usleep (1500 * 1000);
  write_config (config, "[cleanup]\ngrace_seconds = 1\ninterval_seconds = 1\n");
  start_reeld (config);
  /* v1 gets a poster of its owner's choosing: kept, as the first one is. */
  {
    g_autofree char *png_path = reel_test_make_media (
        S.media, "poster.png",
        "videotestsrc pattern=smpte num-buffers=1 ! video/x-raw,width=320,height=240 "
        "! pngenc ! filesink location=%s");
    g_autofree char *png = NULL;
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/thumbnail", S.v1);
    gsize png_len;
    g_assert_true (g_file_get_contents (png_path, &png, &png_len, NULL));
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (S.d->port, "PUT", path, S.amy, NULL, "image/png", png, png_len);
    g_assert_cmpuint (r->status, ==, 204);
  }
  for (int i = 0; i < 400; i++)
    {
      if (reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"blobs\"}") >= 6
          && reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"cdn\"}") >= 1
          && reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"uploads\"}") >= 1)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpfloat (reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"blobs\"}"),
                     ==, 6);
  g_assert_cmpfloat (
      reel_test_metric (S.d->port, "reel_blobs_reclaimed_bytes_total{store=\"blobs\"}"), ==,
      1000 + 500 + 300 + 200 + 40 + 20);
  g_assert_cmpfloat (
      reel_test_metric (S.d->port, "reel_blobs_reclaimed_bytes_total{store=\"cdn\"}"), ==, 100);
  g_assert_cmpfloat (
      reel_test_metric (S.d->port, "reel_blobs_reclaimed_bytes_total{store=\"uploads\"}"), ==, 400);
  /* The orphans and the abandoned upload are gone, its video aborted... */
  for (guint i = 0; orphans[i]; i++)
    g_assert_false (file_exists (blobs, orphans[i]));
  g_assert_false (file_exists (blobs, stray));
  g_assert_false (file_exists (blobs, tmp));
  g_assert_false (file_exists (blobs, old_poster));
  g_assert_false (file_exists (blobs, old_small));
  g_assert_false (file_exists (S.cdn, orphans[1]));
  g_assert_false (file_exists (S.dir, part));
  EXPECT (404, "GET", abandoned, NULL, NULL);
  /* ...and nothing referenced or unknown was touched, even after more sweeps. */
  g_usleep (2500 * 1000);
  for (guint i = 0; i < referenced->len; i++)
    g_assert_true (file_exists (blobs, referenced->pdata[i]));
  for (guint i = 0; i < cdn_referenced->len; i++)
    g_assert_true (file_exists (S.cdn, cdn_referenced->pdata[i]));
  g_assert_true (file_exists (blobs, "posters/ZZZZZZZZZZZ.jpg"));
  g_assert_true (file_exists (blobs, poster));
  g_assert_true (file_exists (blobs, poster_small));
  {
    /* The custom poster v1 shows now, and its small copy, stay. */
    g_autofree char *v1_dir = g_build_filename (blobs, "videos", S.v1, NULL);
    g_autoptr (GDir) d = g_dir_open (v1_dir, 0, NULL);
    const char *name;
    guint custom = 0;
    while (d && (name = g_dir_read_name (d)))
      if (g_str_has_prefix (name, "poster-") && !g_str_equal (name, "poster-small.jpg"))
        custom++;
    g_assert_cmpuint (custom, ==, 2);
  }
  {
    g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", S.v1);
    g_autofree char *segment = g_strdup_printf ("/videos/%s/240p/0.m4s", S.v1);
    g_autoptr (ReelTestResponse) m = get (master, NULL);
    g_autoptr (ReelTestResponse) s = get (segment, NULL);
  }
  g_assert_cmpfloat (reel_test_metric (S.d->port, "reel_blobs_reclaimed_total{store=\"blobs\"}"),
                     ==, 6);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/social/subscriptions", test_subscriptions);
  g_test_add_func ("/social/feed", test_feed);
  g_test_add_func ("/social/cdn", test_cdn);
  g_test_add_func ("/social/comments", test_comments);
  g_test_add_func ("/social/search", test_search);
  g_test_add_func ("/social/authz", test_authz);
  g_test_add_func ("/social/email", test_email);
  g_test_add_func ("/social/events", test_events);
  g_test_add_func ("/social/rebuild", test_rebuild);
  g_test_add_func ("/social/cleanup", test_cleanup);
  set_up ();
  status = g_test_run ();
  tear_down ();
  return status;
}
