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
 * The tests build on each other in this order (run the whole program).
 *
 * One binary: comments, search and authz are in social_comments.c, email,
 * events, rebuild and cleanup in social_lifecycle.c; what they share in
 * social_common.h. */
#include "social_common.h"
#include <glib/gstdio.h>

/* In social_comments.c and social_lifecycle.c. */
void test_comments (void);
void test_search (void);
void test_authz (void);
void test_email (void);
void test_events (void);
void test_rebuild (void);
void test_cleanup (void);

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
