/* The social projections (app/social/subscriptions, channels, notifications,
 * comments, search) driven through reel_projection_apply() with hand-made
 * events, against a real LMDB: what each event does to every read model,
 * repeats, ordering and cursor paging. The HTTP and NATS path is covered by
 * tests/integration/test_social.c. */
#include "app/query/profiles.h"
#include "app/social/channels.h"
#include "app/social/comments.h"
#include "app/social/notifications.h"
#include "app/projection.h"
#include "app/search/search.h"
#include "app/social/subscriptions.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"

#include "store-fixture.h"

typedef StoreFixture Fixture;

/* Applies one event whose data is JSON text (printf-style). */
static void G_GNUC_PRINTF (4, 5)
    apply (Fixture *f, const char *type, const char *actor, const char *data_fmt, ...)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr (ReelEvent) ev = g_new0 (ReelEvent, 1);
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, &error);
  va_list args;
  va_start (args, data_fmt);
  text = g_strdup_vprintf (data_fmt, args);
  va_end (args);
  f->clock++;
  ev->type = g_strdup (type);
  ev->v = 1;
  ev->id = g_uuid_string_random ();
  ev->at = g_strdup_printf ("2026-01-01T%02u:%02u:%02u.000000Z", f->clock / 3600,
                            f->clock / 60 % 60, f->clock % 60);
  ev->actor = g_strdup (actor);
  ev->data = reel_json_parse_object (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_true (reel_projection_apply (txn, ev, &error));
  g_assert_no_error (error);
  g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
}

static void
register_user (Fixture *f, const char *name)
{
  apply (f, "user.registered", name,
         "{\"username\":\"%s\",\"display_name\":\"%s Display\",\"password_hash\":\"x\"}", name,
         name);
}

static void
publish_video (Fixture *f, const char *id, const char *owner, const char *title,
               const char *description)
{
  apply (f, "video.created", owner,
         "{\"video_id\":\"%s\",\"owner\":\"%s\",\"title\":\"%s\",\"description\":\"%s\","
         "\"size\":1}",
         id, owner, title, description);
  apply (f, "video.ready", NULL,
         "{\"video_id\":\"%s\",\"owner\":\"%s\",\"title\":\"%s\",\"duration_ns\":1,"
         "\"chunks_total\":1}",
         id, owner, title);
}

static JsonObject *
must (JsonObject *o, GError *error)
{
  g_assert_no_error (error);
  g_assert_nonnull (o);
  return o;
}

/* The values of member in the items of a list, comma-separated. */
static char *
members (JsonObject *list, const char *member)
{
  JsonArray *items = json_object_get_array_member (list, "items");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (items); i++)
    g_string_append_printf (
        out, "%s%s", i ? "," : "",
        json_object_get_string_member (json_array_get_object_element (items, i), member));
  return g_string_free (out, FALSE);
}

static const char *
next_cursor (JsonObject *list)
{
  return json_object_get_string_member_with_default (list, "next_cursor", NULL);
}

static JsonObject *
channel (Fixture *f, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, &error);
  return must (reel_channels_public (txn, name, &error), error);
}

static gint64
count_of (Fixture *f, const char *name, const char *member)
{
  g_autoptr (JsonObject) c = channel (f, name);
  return json_object_get_int_member (c, member);
}

static void
test_subscriptions (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ReelPage one = { 1, NULL };
  register_user (f, "amy");
  register_user (f, "bob");
  register_user (f, "cat");
  apply (f, "subscription.created", "bob", "{\"subscriber\":\"bob\",\"channel\":\"amy\"}");
  apply (f, "subscription.created", "cat", "{\"subscriber\":\"cat\",\"channel\":\"amy\"}");
  /* Repeats (two API nodes raced), self-subscription and unknown channels
   * change nothing. */
  apply (f, "subscription.created", "bob", "{\"subscriber\":\"bob\",\"channel\":\"amy\"}");
  apply (f, "subscription.created", "amy", "{\"subscriber\":\"amy\",\"channel\":\"amy\"}");
  apply (f, "subscription.created", "amy", "{\"subscriber\":\"amy\",\"channel\":\"nobody\"}");
  g_assert_cmpint (count_of (f, "amy", "subscriber_count"), ==, 2);
  g_assert_cmpint (count_of (f, "bob", "subscriber_count"), ==, 0);

  /* Both indexes, page by page. */
  g_autoptr (JsonObject) p1
      = must (reel_profiles_subscribers (f->store, "amy", &one, &error), error);
  g_autofree char *n1 = members (p1, "username");
  g_assert_cmpstr (n1, ==, "bob");
  g_assert_nonnull (next_cursor (p1));
  g_auto (ReelPage) two = { 0 };
  g_assert_true (reel_page_parse ("1", next_cursor (p1), &two, &error));
  g_autoptr (JsonObject) p2
      = must (reel_profiles_subscribers (f->store, "amy", &two, &error), error);
  g_autofree char *n2 = members (p2, "username");
  g_assert_cmpstr (n2, ==, "cat");
  g_assert_null (next_cursor (p2));
  ReelPage all = { 20, NULL };
  g_autoptr (JsonObject) mine
      = must (reel_profiles_subscriptions (f->store, "bob", &all, &error), error);
  g_autofree char *m = members (mine, "username");
  g_assert_cmpstr (m, ==, "amy");

  apply (f, "subscription.deleted", "cat", "{\"subscriber\":\"cat\",\"channel\":\"amy\"}");
  apply (f, "subscription.deleted", "cat", "{\"subscriber\":\"cat\",\"channel\":\"amy\"}");
  g_assert_cmpint (count_of (f, "amy", "subscriber_count"), ==, 1);
  g_autoptr (JsonObject) after
      = must (reel_profiles_subscribers (f->store, "amy", &all, &error), error);
  g_autofree char *left = members (after, "username");
  g_assert_cmpstr (left, ==, "bob");
  /* A cursor that is not a name is refused. */
  {
    g_auto (ReelPage) bad = { 0 };
    g_autoptr (GError) e = NULL;
    g_assert_true (reel_page_parse (NULL, "AAAA", &bad, &e));
    g_assert_null (reel_profiles_subscribers (f->store, "amy", &bad, &e));
    g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
  }
}

#define V1 "v1aaaaaaaaa"
#define V2 "v2aaaaaaaaa"
#define V3 "v3aaaaaaaaa"
#define V4 "v4aaaaaaaaa"

static JsonObject *
notifications (Fixture *f, const char *user)
{
  g_autoptr (GError) error = NULL;
  ReelPage all = { 100, NULL };
  return must (reel_notifications_list (f->store, user, &all, &error), error);
}

static void
test_feed_and_notifications (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  register_user (f, "amy");
  register_user (f, "bob");
  register_user (f, "cat");
  apply (f, "subscription.created", "cat", "{\"subscriber\":\"cat\",\"channel\":\"amy\"}");
  publish_video (f, V1, "amy", "first", "");
  publish_video (f, V2, "bob", "second", "");
  publish_video (f, V3, "amy", "third", "");
  /* Following bob later still shows his earlier video in the feed. */
  apply (f, "subscription.created", "cat", "{\"subscriber\":\"cat\",\"channel\":\"bob\"}");
  g_assert_cmpint (count_of (f, "amy", "video_count"), ==, 2);

  ReelPage two = { 2, NULL };
  g_autoptr (JsonObject) p1 = must (reel_channels_feed (f->store, "cat", &two, &error), error);
  g_autofree char *ids1 = members (p1, "id");
  g_assert_cmpstr (ids1, ==, V3 "," V2);
  /* A video published between pages lands on top, not on page two. */
  publish_video (f, V4, "bob", "fourth", "");
  g_auto (ReelPage) next = { 0 };
  g_assert_true (reel_page_parse ("2", next_cursor (p1), &next, &error));
  g_autoptr (JsonObject) p2 = must (reel_channels_feed (f->store, "cat", &next, &error), error);
  g_autofree char *ids2 = members (p2, "id");
  g_assert_cmpstr (ids2, ==, V1);
  g_assert_null (next_cursor (p2));
  ReelPage all = { 20, NULL };
  g_autoptr (JsonObject) amy = must (reel_channels_videos (f->store, "amy", &all, &error), error);
  g_autofree char *amy_ids = members (amy, "id");
  g_assert_cmpstr (amy_ids, ==, V3 "," V1);

  /* cat: a welcome, then new videos of followed channels (bob's first one
   * came before she followed him), newest first. */
  g_autoptr (JsonObject) n = notifications (f, "cat");
  g_autofree char *types = members (n, "type");
  g_autofree char *videos = NULL;
  g_assert_cmpstr (types, ==, "new_video,new_video,new_video,welcome");
  JsonArray *items = json_object_get_array_member (n, "items");
  GString *v = g_string_new (NULL);
  for (guint i = 0; i + 1 < json_array_get_length (items); i++)
    g_string_append_printf (
        v, "%s%s", i ? "," : "",
        json_object_get_string_member (json_array_get_object_element (items, i), "video_id"));
  videos = g_string_free (v, FALSE);
  g_assert_cmpstr (videos, ==, V4 "," V3 "," V1);
  g_assert_cmpint (json_object_get_int_member (n, "unread_count"), ==, 4);
  /* amy: her uploads' results (a failure is reported once)... */
  apply (f, "video.created", "amy",
         "{\"video_id\":\"v5aaaaaaaaa\",\"owner\":\"amy\",\"title\":\"bad\",\"size\":1}");
  apply (f, "video.failed", NULL, "{\"video_id\":\"v5aaaaaaaaa\",\"reason\":\"broken\"}");
  apply (f, "video.failed", NULL, "{\"video_id\":\"v5aaaaaaaaa\",\"reason\":\"again\"}");
  g_autoptr (JsonObject) a = notifications (f, "amy");
  g_autofree char *atypes = members (a, "type");
  /* ... and cat following her. */
  g_assert_cmpstr (atypes, ==, "video_failed,video_ready,video_ready,new_subscriber,welcome");

  /* Reading one, then all. */
  const char *first_id
      = json_object_get_string_member (json_array_get_object_element (items, 0), "id");
  apply (f, "notification.read", "cat", "{\"username\":\"cat\",\"ids\":[\"%s\",\"%s\"]}", first_id,
         first_id);
  g_assert_cmpuint (reel_notifications_unread (f->store, "cat"), ==, 3);
  g_autoptr (JsonObject) n2 = notifications (f, "cat");
  g_assert_true (json_object_get_boolean_member (
      json_array_get_object_element (json_object_get_array_member (n2, "items"), 0), "read"));
  g_assert_false (json_object_get_boolean_member (
      json_array_get_object_element (json_object_get_array_member (n2, "items"), 1), "read"));
  apply (f, "notification.read", "cat", "{\"username\":\"cat\",\"all\":true}");
  g_assert_cmpuint (reel_notifications_unread (f->store, "cat"), ==, 0);

  /* A deleted video leaves the channel, the feed and its counts. */
  apply (f, "video.deleted", "amy", "{\"video_id\":\"%s\"}", V3);
  g_autoptr (JsonObject) amy2 = must (reel_channels_videos (f->store, "amy", &all, &error), error);
  g_autofree char *amy2_ids = members (amy2, "id");
  g_assert_cmpstr (amy2_ids, ==, V1);
  g_autoptr (JsonObject) feed = must (reel_channels_feed (f->store, "cat", &all, &error), error);
  g_autofree char *feed_ids = members (feed, "id");
  g_assert_cmpstr (feed_ids, ==, V4 "," V2 "," V1);
  g_assert_cmpint (count_of (f, "amy", "video_count"), ==, 1);
}

/* Pages through all comments; returns the ids in order. */
static GPtrArray *
all_comments (Fixture *f, const char *video, gboolean newest, guint limit)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cursor = NULL;
  do
    {
      g_autoptr (GError) error = NULL;
      g_auto (ReelPage) page = { 0 };
      g_autofree char *l = g_strdup_printf ("%u", limit);
      g_assert_true (reel_page_parse (l, cursor, &page, &error));
      g_autoptr (JsonObject) p
          = must (reel_comments_list (f->store, video, newest, &page, &error), error);
      JsonArray *items = json_object_get_array_member (p, "items");
      g_assert_cmpuint (json_array_get_length (items), <=, limit);
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_ptr_array_add (ids, g_strdup (json_object_get_string_member (
                                  json_array_get_object_element (items, i), "id")));
      g_free (cursor);
      cursor = g_strdup (next_cursor (p));
    }
  while (cursor);
  return ids;
}

static void
test_comments (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) expect_oldest = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) threads
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  register_user (f, "amy");
  register_user (f, "bob");
  publish_video (f, V1, "amy", "talk", "");
  /* 60 threads; every third has two replies (one answering the other). */
  for (guint t = 0; t < 60; t++)
    {
      GPtrArray *thread = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *id = g_strdup_printf ("t%010u", t);
      apply (f, "comment.posted", "bob",
             "{\"comment_id\":\"%s\",\"video_id\":\"%s\",\"author\":\"bob\",\"text\":\"hi %u\"}",
             id, V1, t);
      g_ptr_array_add (thread, g_strdup (id));
      g_ptr_array_add (threads, thread);
    }
  for (guint t = 0; t < 60; t += 3)
    for (guint r = 0; r < 2; r++)
      {
        g_autofree char *id = g_strdup_printf ("r%03u%07u", r, t);
        GPtrArray *thread = threads->pdata[t];
        apply (f, "comment.posted", "amy",
               "{\"comment_id\":\"%s\",\"video_id\":\"%s\",\"author\":\"amy\",\"text\":\"re\","
               "\"thread\":\"%s\",\"reply_to\":\"%s\"}",
               id, V1, (char *)thread->pdata[0], (char *)thread->pdata[thread->len - 1]);
        g_ptr_array_add (thread, g_strdup (id));
      }
  for (guint t = 0; t < threads->len; t++)
    {
      GPtrArray *thread = threads->pdata[t];
      for (guint i = 0; i < thread->len; i++)
        g_ptr_array_add (expect_oldest, g_strdup (thread->pdata[i]));
    }
  /* Oldest first: each comment once, replies right after their thread. */
  for (guint limit = 1; limit <= 7; limit += 3)
    {
      g_autoptr (GPtrArray) got = all_comments (f, V1, FALSE, limit);
      g_assert_cmpuint (got->len, ==, expect_oldest->len);
      for (guint i = 0; i < got->len; i++)
        g_assert_cmpstr (got->pdata[i], ==, expect_oldest->pdata[i]);
    }
  /* Newest first: threads backwards, replies still forwards after them. */
  for (guint limit = 1; limit <= 7; limit += 3)
    {
      g_autoptr (GPtrArray) got = all_comments (f, V1, TRUE, limit);
      guint k = 0;
      g_assert_cmpuint (got->len, ==, expect_oldest->len);
      for (guint t = threads->len; t-- > 0;)
        {
          GPtrArray *thread = threads->pdata[t];
          for (guint i = 0; i < thread->len; i++)
            g_assert_cmpstr (got->pdata[k++], ==, thread->pdata[i]);
        }
    }
  /* Edit, then delete a reply, then a whole thread (its replies go too). */
  GPtrArray *t0 = threads->pdata[0];
  apply (f, "comment.edited", "bob", "{\"comment_id\":\"%s\",\"video_id\":\"%s\",\"text\":\"new\"}",
         (char *)t0->pdata[0], V1);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) c = must (reel_comments_get (f->store, V1, t0->pdata[0], &error), error);
    g_assert_cmpstr (json_object_get_string_member (c, "text"), ==, "new");
    g_assert_true (json_object_has_member (c, "edited_at"));
    g_assert_cmpint (json_object_get_int_member (c, "reply_count"), ==, 2);
  }
  apply (f, "comment.deleted", "amy", "{\"comment_id\":\"%s\",\"video_id\":\"%s\"}",
         (char *)t0->pdata[2], V1);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) c = must (reel_comments_get (f->store, V1, t0->pdata[0], &error), error);
    g_assert_cmpint (json_object_get_int_member (c, "reply_count"), ==, 1);
  }
  apply (f, "comment.deleted", "bob", "{\"comment_id\":\"%s\",\"video_id\":\"%s\"}",
         (char *)t0->pdata[0], V1);
  {
    g_autoptr (GPtrArray) got = all_comments (f, V1, FALSE, 100);
    g_autoptr (GError) error = NULL;
    g_assert_cmpuint (got->len, ==, expect_oldest->len - 3);
    g_assert_null (reel_comments_get (f->store, V1, t0->pdata[1], &error));
    g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  }
  /* A reply to a deleted thread is dropped. */
  apply (f, "comment.posted", "amy",
         "{\"comment_id\":\"late0000000\",\"video_id\":\"%s\",\"author\":\"amy\",\"text\":\"x\","
         "\"thread\":\"%s\",\"reply_to\":\"%s\"}",
         V1, (char *)t0->pdata[0], (char *)t0->pdata[0]);
  {
    g_autoptr (GPtrArray) got = all_comments (f, V1, FALSE, 100);
    g_assert_cmpuint (got->len, ==, expect_oldest->len - 3);
  }
  /* Deleting the video deletes its comments. */
  apply (f, "video.deleted", "amy", "{\"video_id\":\"%s\"}", V1);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, NULL);
    const void *v;
    g_assert_false (reel_txn_get (txn, REEL_DB_COMMENT_IDS, "t0000000001", 11, &v, NULL, NULL));
    g_assert_false (reel_txn_get (txn, REEL_DB_COUNTERS, "comments:" V1, strlen ("comments:" V1),
                                  &v, NULL, NULL));
  }
}

static void
test_search_results (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ReelPage one = { 1, NULL };
  register_user (f, "amy");
  publish_video (f, V1, "amy", "Café <Paris>",
                 "A walk from the river past bakeries and cafés, ending at a café by the park");
  publish_video (f, V2, "amy", "Cafe crawl", "cafe");
  apply (f, "video.created", "amy",
         "{\"video_id\":\"%s\",\"owner\":\"amy\",\"title\":\"cafe unpublished\",\"size\":1}", V3);
  g_autoptr (JsonObject) p1 = must (reel_search_query (f->store, "CAFE ", &one, &error), error);
  JsonObject *hit = json_array_get_object_element (json_object_get_array_member (p1, "items"), 0);
  g_assert_cmpstr (json_object_get_string_member (hit, "id"), ==, V2);
  g_assert_cmpstr (json_object_get_string_member (hit, "title_html"), ==,
                   "<mark>Cafe</mark> crawl");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (hit, "channel"),
                                                  "display_name"),
                   ==, "amy Display");
  g_auto (ReelPage) two = { 0 };
  g_assert_true (reel_page_parse ("1", next_cursor (p1), &two, &error));
  g_autoptr (JsonObject) p2 = must (reel_search_query (f->store, "CAFE ", &two, &error), error);
  hit = json_array_get_object_element (json_object_get_array_member (p2, "items"), 0);
  g_assert_cmpstr (json_object_get_string_member (hit, "id"), ==, V1);
  /* Escaped text, the match marked, the description cut around it. */
  g_assert_cmpstr (json_object_get_string_member (hit, "title_html"), ==,
                   "<mark>Café</mark> &lt;Paris&gt;");
  g_assert_nonnull (
      strstr (json_object_get_string_member (hit, "snippet_html"), "at a <mark>café</mark> by"));
  g_assert_null (next_cursor (p2));
  /* Edited: old words out, new in; deleted: gone. */
  apply (f, "video.edited", "amy", "{\"video_id\":\"%s\",\"title\":\"Tea house\"}", V2);
  ReelPage all = { 20, NULL };
  g_autoptr (JsonObject) crawl = must (reel_search_query (f->store, "crawl", &all, &error), error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (crawl, "items")), ==, 0);
  g_autoptr (JsonObject) tea = must (reel_search_query (f->store, "tea", &all, &error), error);
  g_autofree char *tea_ids = members (tea, "id");
  g_assert_cmpstr (tea_ids, ==, V2);
  apply (f, "video.deleted", "amy", "{\"video_id\":\"%s\"}", V2);
  g_autoptr (JsonObject) gone = must (reel_search_query (f->store, "tea", &all, &error), error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (gone, "items")), ==, 0);
  /* Bad cursors are refused. */
  {
    g_auto (ReelPage) bad = { 0 };
    g_autoptr (GError) e = NULL;
    g_assert_true (reel_page_parse (NULL, "AAAA", &bad, &e));
    g_assert_null (reel_search_query (f->store, "cafe", &bad, &e));
    g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
  }
}

static void
test_page_parse (void)
{
  struct
  {
    const char *limit, *cursor;
    gboolean ok;
  } cases[] = {
    { NULL, NULL, TRUE },
    { "1", NULL, TRUE },
    { "100", NULL, TRUE },
    { "0", NULL, FALSE },
    { "101", NULL, FALSE },
    { "-1", NULL, FALSE },
    { "x", NULL, FALSE },
    { NULL, "YWJj", TRUE },
    { NULL, "", FALSE },
    { NULL, "@@", FALSE },
    { NULL, "YWJj=", FALSE },
    { "\v5", NULL, FALSE }, /* GLib alone reads it as 5 */
    /* libsodium 1.0.18 reads some bytes above 0x7f as base64 characters
     * (found by tests/fuzz/fuzz_query.c: "\xcd\xbe" read as "__"). */
    { NULL,
      "YWxpY2AUAAABkwA\xcd\xbe"
      "ABBYkNlqSw",
      FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (ReelPage) page = { 0 };
      g_autoptr (GError) error = NULL;
      g_assert_cmpint (reel_page_parse (cases[i].limit, cases[i].cursor, &page, &error), ==,
                       cases[i].ok);
      if (!cases[i].ok)
        g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

/* The home page's latest videos: every channel's, newest first, paged;
 * a video that is not ready, or deleted, is not there. */
static void
test_latest (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ReelPage two = { 2, NULL };
  register_user (f, "amy");
  register_user (f, "bob");
  register_user (f, "cat");
  publish_video (f, V1, "amy", "first", "");
  publish_video (f, V2, "bob", "second", "");
  publish_video (f, V3, "amy", "third", "");
  apply (f, "video.created", "cat",
         "{\"video_id\":\"%s\",\"owner\":\"cat\",\"title\":\"unready\",\"size\":1}", V4);
  g_autoptr (JsonObject) p1 = must (reel_channels_latest (f->store, &two, &error), error);
  g_autofree char *ids1 = members (p1, "id");
  g_assert_cmpstr (ids1, ==, V3 "," V2);
  g_auto (ReelPage) next = { 0 };
  g_assert_true (reel_page_parse ("2", next_cursor (p1), &next, &error));
  g_autoptr (JsonObject) p2 = must (reel_channels_latest (f->store, &next, &error), error);
  g_autofree char *ids2 = members (p2, "id");
  g_assert_cmpstr (ids2, ==, V1);
  g_assert_null (next_cursor (p2));
  apply (f, "video.deleted", "bob", "{\"video_id\":\"%s\"}", V2);
  ReelPage all = { 20, NULL };
  g_autoptr (JsonObject) p3 = must (reel_channels_latest (f->store, &all, &error), error);
  g_autofree char *ids3 = members (p3, "id");
  g_assert_cmpstr (ids3, ==, V3 "," V1);
}

/* Where check name of video id stands in its record, and the video's
 * moderation. */
static void
assert_check (Fixture *f, const char *id, const char *name, const char *state,
              ReelModeration moderation)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) v = reel_videos_get (f->store, id, &error);
  ReelCheck *c;
  g_assert_no_error (error);
  g_assert_nonnull (v);
  c = reel_video_check (v, name);
  g_assert_nonnull (c);
  g_assert_cmpstr (reel_check_state_name (c->state), ==, state);
  g_assert_cmpint (v->moderation, ==, moderation);
}

/* A check job that used up its attempts reports its checks held with
 * "gave_up" (app/checks/checks.h): the record and the owner's
 * notifications take it for a check still pending, never over an outcome
 * an earlier attempt reported. */
static void
test_checks_gave_up (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) before = NULL, after = NULL;
  g_autofree char *types_before = NULL, *types_after = NULL;
  JsonObject *held;

  register_user (f, "amy");
  apply (f, "video.created", "amy",
         "{\"video_id\":\"%s\",\"owner\":\"amy\",\"title\":\"t\",\"size\":1}", V1);
  apply (f, "video.checks_requested", NULL,
         "{\"video_id\":\"%s\",\"checks\":[\"copyright\",\"adult\"]}", V1);
  /* An attempt reported the copyright check, then failed on the adult one. */
  apply (f, "video.checked", NULL,
         "{\"video_id\":\"%s\",\"name\":\"copyright\",\"state\":\"passed\"}", V1);
  apply (f, "video.checked", NULL,
         "{\"video_id\":\"%s\",\"name\":\"copyright\",\"state\":\"held\","
         "\"detail\":\"the check could not run: no\",\"gave_up\":true}",
         V1);
  assert_check (f, V1, "copyright", "passed", REEL_MODERATION_NONE);
  before = notifications (f, "amy");
  types_before = members (before, "type");
  g_assert_cmpstr (types_before, ==, "welcome");

  /* A check no attempt decided is held, and its owner told why. */
  apply (f, "video.checked", NULL,
         "{\"video_id\":\"%s\",\"name\":\"adult\",\"state\":\"held\","
         "\"detail\":\"the classifier could not run: no\",\"gave_up\":true}",
         V1);
  assert_check (f, V1, "adult", "held", REEL_MODERATION_HELD);
  after = notifications (f, "amy");
  types_after = members (after, "type");
  g_assert_cmpstr (types_after, ==, "video_held,welcome");
  held = json_array_get_object_element (json_object_get_array_member (after, "items"), 0);
  g_assert_nonnull (strstr (json_object_get_string_member (held, "reason"), "could not run"));

  /* A real finding (a new work matched) still overrides a pass. */
  apply (f, "video.checked", NULL,
         "{\"video_id\":\"%s\",\"name\":\"copyright\",\"state\":\"blocked\","
         "\"detail\":\"matches a work\"}",
         V1);
  assert_check (f, V1, "copyright", "blocked", REEL_MODERATION_BLOCKED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/projections/page-parse", test_page_parse);
  g_test_add ("/projections/subscriptions", Fixture, NULL, store_fixture_set_up, test_subscriptions,
              store_fixture_tear_down);
  g_test_add ("/projections/feed-and-notifications", Fixture, NULL, store_fixture_set_up,
              test_feed_and_notifications, store_fixture_tear_down);
  g_test_add ("/projections/comments", Fixture, NULL, store_fixture_set_up, test_comments,
              store_fixture_tear_down);
  g_test_add ("/projections/search-results", Fixture, NULL, store_fixture_set_up,
              test_search_results, store_fixture_tear_down);
  g_test_add ("/projections/latest", Fixture, NULL, store_fixture_set_up, test_latest,
              store_fixture_tear_down);
  g_test_add ("/projections/checks-gave-up", Fixture, NULL, store_fixture_set_up,
              test_checks_gave_up, store_fixture_tear_down);
  return g_test_run ();
}
