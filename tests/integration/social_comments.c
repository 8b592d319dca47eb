/* The social tests of comments, search and who may do what (see
 * test_social.c): /social/comments, /social/search and /social/authz. */
#include "social_common.h"

#include <glib/gstdio.h>

void test_comments (void);
void test_search (void);
void test_authz (void);

/* --- acceptance 2 --- */

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

void
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

/* The ids of a search, best first. */
static char *
search (const char *q)
{
  g_autofree char *escaped = g_uri_escape_string (q, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/search?q=%s", escaped);
  g_autoptr (ReelTestResponse) r = get (path, NULL);
  return column (r, "id");
}

void
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

void
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
