/* See notifications.h. */
#include "app/social/notifications.h"
#include "app/checks/checks.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "store/counters.h"

#define EVENT_HASH_LEN 16
#define SUFFIX_LEN (8 + EVENT_HASH_LEN)

static char *
counter_name (const char *user)
{
  return g_strconcat ("unread:", user, NULL);
}

static GBytes *
notification_key (const char *user, const guint8 suffix[SUFFIX_LEN])
{
  GByteArray *k = g_byte_array_new ();
  g_byte_array_append (k, (const guint8 *)user, (guint)strlen (user) + 1);
  g_byte_array_append (k, suffix, SUFFIX_LEN);
  return g_byte_array_free_to_bytes (k);
}

/* The key suffix of the notification an event causes. */
static void
event_suffix (const ReelEvent *ev, guint8 out[SUFFIX_LEN])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  reel_store_key_u64 (out, (guint64)reel_json_time_us (ev->at));
  g_checksum_update (sum, (const guchar *)ev->id, -1);
  g_checksum_get_digest (sum, digest, &len);
  memcpy (out + 8, digest, EVENT_HASH_LEN);
}

static gboolean
notify (ReelTxn *txn, const char *user, const ReelEvent *ev, JsonObject *rec, GError **error)
{
  guint8 suffix[SUFFIX_LEN];
  g_autoptr (GBytes) key = NULL;
  g_autofree char *counter = counter_name (user);
  event_suffix (ev, suffix);
  key = notification_key (user, suffix);
  if (reel_txn_get (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (key, NULL),
                    g_bytes_get_size (key), NULL, NULL, NULL))
    return TRUE;
  json_object_set_string_member (rec, "created_at", ev->at);
  json_object_set_boolean_member (rec, "read", FALSE);
  return reel_txn_put_json (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), rec, error)
         && reel_counter_add (txn, counter, 1, error);
}

static JsonObject *
about_video (const char *type, const ReelVideo *video)
{
  JsonObject *rec = json_object_new ();
  json_object_set_string_member (rec, "type", type);
  json_object_set_string_member (rec, "video_id", video->id);
  json_object_set_string_member (rec, "title", video->title ? video->title : "");
  json_object_set_string_member (rec, "channel", video->owner);
  return rec;
}

/* --- what the projection remembers of the log ---
 *
 * Notifications read no other projection's tables (so they can be rebuilt
 * alone, and the projections applied in any order): what they need to know
 * of users, videos, comments and followers at the point of an event, they
 * keep in NOTIFY_MEMORY, under one prefix per kind:
 *   "u:" username               -> ""            an account was registered
 *   "c:" comment id             -> its author    a comment that exists
 *   "v:" video id               -> {owner, title, announced, failure_notified}
 *   "f:" channel \0 subscriber -> ""            who follows whom
 *   "k:" video id               -> {pending: [check names], published,
 *                                  decided?: [check names]}
 *                                  a video given checks before publishing
 *                                  (app/checks/checks.h): those not yet
 *                                  passed, whether it was announced, and
 *                                  those that had an outcome
 * each kept from the same events, with the same checks, as the projection
 * that owns that record (users, comments, videos, subscriptions). */

#define MEMORY_USER "u:"
#define MEMORY_COMMENT "c:"
#define MEMORY_VIDEO "v:"
#define MEMORY_FOLLOWER "f:"
#define MEMORY_CHECKS "k:"

static GBytes *
memory_key (const char *kind, const char *a, const char *b)
{
  GByteArray *k = g_byte_array_new ();
  g_byte_array_append (k, (const guint8 *)kind, (guint)strlen (kind));
  g_byte_array_append (k, (const guint8 *)a, (guint)strlen (a));
  if (b)
    {
      g_byte_array_append (k, (const guint8 *)"", 1);
      g_byte_array_append (k, (const guint8 *)b, (guint)strlen (b));
    }
  return g_byte_array_free_to_bytes (k);
}

static gboolean
memory_has (ReelTxn *txn, GBytes *key, const void **value, gsize *len)
{
  return reel_txn_get (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                       g_bytes_get_size (key), value, len, NULL);
}

static gboolean
memory_put (ReelTxn *txn, GBytes *key, const char *value, GError **error)
{
  return reel_txn_put (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                       g_bytes_get_size (key), value, strlen (value), error);
}

static gboolean
memory_del (ReelTxn *txn, GBytes *key, GError **error)
{
  return reel_txn_del (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                       g_bytes_get_size (key), error);
}

/* The remembered video, as a record holding what notifications show (id,
 * owner, title) and whether it was announced or has failed. */
static ReelVideo *
memory_video (ReelTxn *txn, const char *id, gboolean *ready, gboolean *failed)
{
  g_autoptr (GBytes) key = memory_key (MEMORY_VIDEO, id, NULL);
  g_autoptr (JsonObject) o = NULL;
  ReelVideo *v;
  if (!(o = reel_txn_get_json (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                               g_bytes_get_size (key), NULL)))
    return NULL;
  v = reel_video_new (id);
  v->owner = g_strdup (json_object_get_string_member_with_default (o, "owner", ""));
  v->title = g_strdup (json_object_get_string_member_with_default (o, "title", ""));
  /* Absent: public, as every video was before privacy. */
  reel_privacy_from_name (json_object_get_string_member_with_default (o, "privacy", NULL),
                          &v->privacy);
  *ready = json_object_get_boolean_member_with_default (o, "announced", FALSE);
  *failed = json_object_get_boolean_member_with_default (o, "failure_notified", FALSE);
  return v;
}

static gboolean
memory_put_video (ReelTxn *txn, const ReelVideo *v, gboolean ready, gboolean failed, GError **error)
{
  g_autoptr (GBytes) key = memory_key (MEMORY_VIDEO, v->id, NULL);
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_string_member (o, "owner", v->owner);
  json_object_set_string_member (o, "title", v->title ? v->title : "");
  json_object_set_boolean_member (o, "announced", ready);
  json_object_set_boolean_member (o, "failure_notified", failed);
  if (v->privacy != REEL_PRIVACY_PUBLIC)
    json_object_set_string_member (o, "privacy", reel_privacy_name (v->privacy));
  return reel_txn_put_json (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), o, error);
}

/* Keeps the memory from the events that change what it holds; reports
 * nothing. */
static gboolean
remember (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "video_id", FALSE, NULL);
  if (g_str_equal (ev->type, "video.created"))
    {
      const char *owner = reel_json_get_string (ev->data, "owner", FALSE, NULL);
      const char *title = reel_json_get_string (ev->data, "title", FALSE, NULL);
      gboolean ready, failed;
      g_autoptr (ReelVideo) seen = NULL;
      ReelVideo v = { 0 };
      if (!id || !owner || !reel_id_valid (id) || (seen = memory_video (txn, id, &ready, &failed)))
        return TRUE;
      v.id = (char *)id;
      v.owner = (char *)owner;
      v.title = (char *)title;
      reel_privacy_from_name (reel_json_get_string (ev->data, "privacy", FALSE, NULL), &v.privacy);
      return memory_put_video (txn, &v, FALSE, FALSE, error);
    }
  if (g_str_equal (ev->type, "video.edited"))
    {
      const char *title = reel_json_get_string (ev->data, "title", FALSE, NULL);
      const char *privacy = reel_json_get_string (ev->data, "privacy", FALSE, NULL);
      gboolean ready, failed;
      g_autoptr (ReelVideo) v = id && (title || privacy) && reel_id_valid (id)
                                    ? memory_video (txn, id, &ready, &failed)
                                    : NULL;
      if (!v)
        return TRUE;
      if (title)
        {
          g_free (v->title);
          v->title = g_strdup (title);
        }
      if (privacy)
        reel_privacy_from_name (privacy, &v->privacy);
      return memory_put_video (txn, v, ready, failed, error);
    }
  if (g_str_equal (ev->type, "video.deleted") || g_str_equal (ev->type, "video.upload_aborted"))
    {
      g_autoptr (GBytes) key
          = id && reel_id_valid (id) ? memory_key (MEMORY_VIDEO, id, NULL) : NULL;
      g_autoptr (GBytes) checks
          = id && reel_id_valid (id) ? memory_key (MEMORY_CHECKS, id, NULL) : NULL;
      return !key || (memory_del (txn, key, error) && memory_del (txn, checks, error));
    }
  if (g_str_equal (ev->type, "comment.deleted"))
    {
      const char *comment = reel_json_get_string (ev->data, "comment_id", FALSE, NULL);
      g_autoptr (GBytes) key = comment ? memory_key (MEMORY_COMMENT, comment, NULL) : NULL;
      return !key || memory_del (txn, key, error);
    }
  if (g_str_has_prefix (ev->type, "subscription."))
    {
      const char *subscriber = reel_json_get_string (ev->data, "subscriber", FALSE, NULL);
      const char *channel = reel_json_get_string (ev->data, "channel", FALSE, NULL);
      g_autoptr (GBytes) key = NULL, a = NULL, b = NULL;
      if (!subscriber || !channel || !reel_users_validate_username (subscriber, NULL)
          || !reel_users_validate_username (channel, NULL))
        return TRUE;
      key = memory_key (MEMORY_FOLLOWER, channel, subscriber);
      if (g_str_equal (ev->type, "subscription.deleted"))
        return memory_del (txn, key, error);
      /* As the subscriptions projection: both accounts exist, not oneself. */
      a = memory_key (MEMORY_USER, subscriber, NULL);
      b = memory_key (MEMORY_USER, channel, NULL);
      if (!g_str_equal (ev->type, "subscription.created") || g_str_equal (subscriber, channel)
          || !memory_has (txn, a, NULL, NULL) || !memory_has (txn, b, NULL, NULL))
        return TRUE;
      return memory_put (txn, key, "", error);
    }
  return TRUE;
}

typedef struct
{
  ReelTxn *txn;
  const ReelEvent *ev;
  const ReelVideo *video;
  GError *error;
} FanOut;

static gboolean
notify_subscriber (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
                   gpointer data)
{
  FanOut *f = data;
  g_autoptr (JsonObject) rec = about_video ("new_video", f->video);
  const guint8 *nul = memchr (key, 0, key_len);
  g_autofree char *name
      = nul ? g_strndup ((const char *)nul + 1, key_len - (gsize)(nul + 1 - key)) : NULL;
  return !name || notify (f->txn, name, f->ev, rec, &f->error);
}

/* Tells the channel's subscribers of a video the lists show
 * (app/video/visibility.h). */
static gboolean
fan_out (ReelTxn *txn, const ReelEvent *ev, const ReelVideo *video, GError **error)
{
  g_autoptr (GBytes) followers = NULL;
  FanOut f = { txn, ev, video, NULL };
  if (!reel_video_is_listed (video))
    return TRUE;
  followers = memory_key (MEMORY_FOLLOWER, video->owner, "");
  if (!reel_txn_scan (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (followers, NULL),
                      g_bytes_get_size (followers), NULL, 0, FALSE, notify_subscriber, &f, error)
      || f.error)
    {
      if (f.error)
        g_propagate_error (error, f.error);
      return FALSE;
    }
  return TRUE;
}

/* The checks memory of a video, or NULL when it was given none. */
static JsonObject *
memory_checks (ReelTxn *txn, const char *id)
{
  g_autoptr (GBytes) key = memory_key (MEMORY_CHECKS, id, NULL);
  return reel_txn_get_json (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), NULL);
}

static gboolean
memory_put_checks (ReelTxn *txn, const char *id, JsonObject *checks, GError **error)
{
  g_autoptr (GBytes) key = memory_key (MEMORY_CHECKS, id, NULL);
  return reel_txn_put_json (txn, REEL_DB_NOTIFY_MEMORY, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), checks, error);
}

/* The check names a checks memory keeps under member ("pending",
 * "decided"), or NULL. */
static JsonArray *
names_of (JsonObject *checks, const char *member)
{
  JsonNode *n = json_object_get_member (checks, member);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
has_name (JsonArray *names, const char *name)
{
  for (guint i = 0; names && i < json_array_get_length (names); i++)
    if (g_strcmp0 (json_array_get_string_element (names, i), name) == 0)
      return TRUE;
  return FALSE;
}

/* The video is published (ready, every check passed): its owner hears it
 * (unless owner_told: the event told them already) and so do its
 * subscribers, once. */
static gboolean
publish (ReelTxn *txn, const ReelEvent *ev, const ReelVideo *video, JsonObject *checks,
         gboolean owner_told, GError **error)
{
  g_autoptr (JsonObject) rec = NULL;
  if (json_object_get_boolean_member_with_default (checks, "published", FALSE))
    return TRUE;
  json_object_set_boolean_member (checks, "published", TRUE);
  if (!memory_put_checks (txn, video->id, checks, error))
    return FALSE;
  rec = about_video ("video_published", video);
  return (owner_told || notify (txn, video->owner, ev, rec, error))
         && fan_out (txn, ev, video, error);
}

/* video.checks_requested, video.checked: the owner hears of a hold or a
 * block with its reason, and of the publication once the last check
 * passes on a ready video. */
static gboolean
apply_checks (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_videos_event_id (ev, error);
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (JsonObject) checks = NULL, rec = NULL;
  const char *name;
  ReelCheckState state;
  JsonArray *pending;
  gboolean ready = FALSE, failed = FALSE;

  if (!id)
    return FALSE;
  if (!(video = memory_video (txn, id, &ready, &failed)))
    return TRUE;
  checks = memory_checks (txn, id);
  if (g_str_equal (ev->type, "video.checks_requested"))
    {
      JsonNode *n = json_object_get_member (ev->data, "checks");
      if (checks || !n || !JSON_NODE_HOLDS_ARRAY (n))
        return TRUE; /* asked again by a retried ingest: nothing new */
      checks = json_object_new ();
      json_object_set_array_member (checks, "pending", json_node_dup_array (n));
      json_object_set_boolean_member (checks, "published", FALSE);
      return memory_put_checks (txn, id, checks, error);
    }
  name = json_object_get_string_member_with_default (ev->data, "name", "");
  if (!checks
      || !reel_check_state_from_name (
          json_object_get_string_member_with_default (ev->data, "state", NULL), &state)
      || state == REEL_CHECK_PENDING)
    return TRUE;
  /* A job that gave up does not undo an outcome (app/checks/checks.h):
   * "decided" remembers which checks had one. */
  if (has_name (names_of (checks, "decided"), name))
    {
      if (reel_checks_gave_up (ev))
        return TRUE;
    }
  else if (!reel_checks_gave_up (ev))
    {
      if (!names_of (checks, "decided"))
        json_object_set_array_member (checks, "decided", json_array_new ());
      json_array_add_string_element (names_of (checks, "decided"), name);
      if (!memory_put_checks (txn, id, checks, error))
        return FALSE;
    }
  pending = names_of (checks, "pending");
  if (state == REEL_CHECK_PASSED || state == REEL_CHECK_SKIPPED)
    {
      g_autoptr (JsonArray) left = json_array_new ();
      if (!has_name (pending, name))
        return TRUE;
      for (guint i = 0; i < json_array_get_length (pending); i++)
        if (g_strcmp0 (json_array_get_string_element (pending, i), name) != 0)
          json_array_add_string_element (left, json_array_get_string_element (pending, i));
      json_object_set_array_member (checks, "pending", json_array_ref (left));
      if (!memory_put_checks (txn, id, checks, error))
        return FALSE;
      return json_array_get_length (left) > 0 || !ready
             || publish (txn, ev, video, checks, FALSE, error);
    }
  /* Held or blocked: it waits for a moderator (again, for a published
   * video a new work matches). */
  if (!has_name (pending, name))
    {
      json_array_add_string_element (pending, name);
      if (!memory_put_checks (txn, id, checks, error))
        return FALSE;
    }
  rec = about_video (state == REEL_CHECK_HELD ? "video_held" : "video_blocked", video);
  json_object_set_string_member (
      rec, "reason", json_object_get_string_member_with_default (ev->data, "detail", ""));
  return notify (txn, video->owner, ev, rec, error);
}

static gboolean
apply_video (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_videos_event_id (ev, error);
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (JsonObject) checks = NULL;
  gboolean ready = FALSE, failed = FALSE;
  const char *owner;

  if (!id)
    return FALSE;
  if (!(video = memory_video (txn, id, &ready, &failed)))
    return TRUE;
  owner = video->owner;
  if (g_str_equal (ev->type, "video.failed"))
    {
      /* Several jobs of one video may give up: the first failure counts. */
      if (ready || failed)
        return TRUE;
      rec = about_video ("video_failed", video);
      json_object_set_string_member (
          rec, "reason", json_object_get_string_member_with_default (ev->data, "reason", ""));
      return memory_put_video (txn, video, FALSE, TRUE, error)
             && notify (txn, owner, ev, rec, error);
    }
  /* video.ready: once. */
  if (ready)
    return TRUE;
  checks = memory_checks (txn, id);
  rec = about_video ("video_ready", video);
  /* With checks: published now if they all passed (the owner's
   * video_ready says so), else when the last one does (apply_checks). */
  if (checks)
    json_object_set_boolean_member (rec, "published",
                                    json_array_get_length (names_of (checks, "pending")) == 0);
  if (!memory_put_video (txn, video, TRUE, failed, error) || !notify (txn, owner, ev, rec, error))
    return FALSE;
  if (checks)
    return json_array_get_length (names_of (checks, "pending")) > 0
           || publish (txn, ev, video, checks, TRUE, error);
  return fan_out (txn, ev, video, error);
}

/* video.blocked, video.unblocked: the owner hears it, with the reason. */
static gboolean
apply_block (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_videos_event_id (ev, error);
  gboolean blocked = g_str_equal (ev->type, "video.blocked");
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (JsonObject) rec = NULL, checks = NULL;
  gboolean ready = FALSE, failed = FALSE;

  if (!id)
    return FALSE;
  if (!(video = memory_video (txn, id, &ready, &failed)))
    return TRUE;
  rec = about_video (blocked ? "video_blocked" : "video_unblocked", video);
  if (blocked)
    json_object_set_string_member (
        rec, "reason", json_object_get_string_member_with_default (ev->data, "reason", ""));
  if (!notify (txn, video->owner, ev, rec, error))
    return FALSE;
  /* A moderator's unblock clears the checks that held the video
   * (app/checks/checks.h): a ready one is published now. */
  if (blocked || !(checks = memory_checks (txn, id)))
    return TRUE;
  json_object_set_array_member (checks, "pending", json_array_new ());
  if (!memory_put_checks (txn, id, checks, error))
    return FALSE;
  return !ready || publish (txn, ev, video, checks, TRUE, error);
}

/* Marks one notification read, counting it in *marked; absent and already
 * read ones stay as they are. */
static gboolean
mark_read (ReelTxn *txn, GBytes *key, gint64 *marked, GError **error)
{
  g_autoptr (JsonObject) rec = reel_txn_get_json (
      txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (key, NULL), g_bytes_get_size (key), NULL);
  if (!rec || json_object_get_boolean_member_with_default (rec, "read", FALSE))
    return TRUE;
  json_object_set_boolean_member (rec, "read", TRUE);
  (*marked)++;
  return reel_txn_put_json (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), rec, error);
}

static gboolean
decode_id (const char *id, guint8 suffix[SUFFIX_LEN])
{
  g_auto (ReelPage) page = { 0 };
  if (!reel_page_parse (NULL, id, &page, NULL) || g_bytes_get_size (page.after) != SUFFIX_LEN)
    return FALSE;
  memcpy (suffix, g_bytes_get_data (page.after, NULL), SUFFIX_LEN);
  return TRUE;
}

static gboolean
apply_read (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
  JsonArray *ids = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autofree char *counter = NULL;
  gint64 marked = 0;

  if (!user)
    return FALSE;
  if (json_object_get_boolean_member_with_default (ev->data, "all", FALSE))
    {
      /* Everything the user has at this point of the log. */
      g_autoptr (GBytes) prefix = reel_page_name_prefix (user);
      if (!(keys = reel_txn_keys (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (prefix, NULL),
                                  g_bytes_get_size (prefix), error)))
        return FALSE;
    }
  else
    {
      keys = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
      if (json_object_has_member (ev->data, "ids")
          && JSON_NODE_HOLDS_ARRAY (json_object_get_member (ev->data, "ids")))
        ids = json_object_get_array_member (ev->data, "ids");
    }
  for (guint i = 0; ids && i < json_array_get_length (ids); i++)
    {
      guint8 suffix[SUFFIX_LEN];
      const char *id = json_array_get_string_element (ids, i);
      if (id && decode_id (id, suffix))
        g_ptr_array_add (keys, notification_key (user, suffix));
    }
  for (guint i = 0; i < keys->len; i++)
    if (!mark_read (txn, keys->pdata[i], &marked, error))
      return FALSE;
  counter = counter_name (user);
  return reel_counter_add (txn, counter, -marked, error);
}

/* comment.posted: the video's owner hears of a comment, the author of the
 * comment answered of the reply; nobody of their own words, nobody twice. */
static gboolean
apply_comment (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "comment_id", TRUE, error);
  const char *video_id = reel_json_get_string (ev->data, "video_id", TRUE, error);
  const char *author = reel_json_get_string (ev->data, "author", TRUE, error);
  const char *reply_to = reel_json_get_string (ev->data, "reply_to", FALSE, NULL);
  g_autoptr (GBytes) seen = NULL, parent = NULL;
  g_autoptr (ReelVideo) video = NULL;
  g_autofree char *answered = NULL;
  const char *owner;
  const void *value;
  gsize len;
  gboolean ready, failed;

  if (!id || !video_id || !author)
    return FALSE;
  /* A comment remembered was notified already. */
  seen = memory_key (MEMORY_COMMENT, id, NULL);
  if (memory_has (txn, seen, NULL, NULL) || !reel_id_valid (video_id) || !reel_id_valid (id)
      || !(video = memory_video (txn, video_id, &ready, &failed)))
    return TRUE;
  if (!memory_put (txn, seen, author, error))
    return FALSE;
  owner = video->owner;
  if (reply_to && (parent = memory_key (MEMORY_COMMENT, reply_to, NULL))
      && memory_has (txn, parent, &value, &len))
    answered = g_strndup (value, len);
  if (answered && !g_str_equal (answered, author))
    {
      g_autoptr (JsonObject) rec = about_video ("comment_reply", video);
      json_object_set_string_member (rec, "author", author);
      json_object_set_string_member (rec, "comment_id", id);
      if (!notify (txn, answered, ev, rec, error))
        return FALSE;
    }
  if (!g_str_equal (owner, author) && g_strcmp0 (owner, answered) != 0)
    {
      g_autoptr (JsonObject) rec = about_video ("new_comment", video);
      json_object_set_string_member (rec, "author", author);
      json_object_set_string_member (rec, "comment_id", id);
      return notify (txn, owner, ev, rec, error);
    }
  return TRUE;
}

/* subscription.created: the channel's owner hears who follows them now. */
static gboolean
apply_subscription (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *subscriber = reel_json_get_string (ev->data, "subscriber", TRUE, error);
  const char *channel = reel_json_get_string (ev->data, "channel", TRUE, error);
  g_autoptr (JsonObject) rec = NULL;
  if (!subscriber || !channel)
    return FALSE;
  if (!reel_users_validate_username (channel, NULL) || g_str_equal (channel, subscriber))
    return TRUE;
  rec = json_object_new ();
  json_object_set_string_member (rec, "type", "new_subscriber");
  json_object_set_string_member (rec, "subscriber", subscriber);
  return notify (txn, channel, ev, rec, error);
}

/* A deleted account takes its inbox, unread count and the memory that it
 * existed along. */
static gboolean
apply_user_deleted (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (GBytes) prefix = NULL;
  g_autoptr (GBytes) known = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autofree char *counter = NULL;
  if (!user)
    return FALSE;
  prefix = reel_page_name_prefix (user);
  if (!(keys = reel_txn_keys (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (prefix, NULL),
                              g_bytes_get_size (prefix), error)))
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    if (!reel_txn_del (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (keys->pdata[i], NULL),
                       g_bytes_get_size (keys->pdata[i]), error))
      return FALSE;
  counter = counter_name (user);
  known = memory_key (MEMORY_USER, user, NULL);
  return reel_counter_add (txn, counter, -(gint64)reel_counter_get (txn, counter), error)
         && memory_del (txn, known, error);
}

gboolean
reel_notifications_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (!remember (txn, ev, error))
    return FALSE;
  if (g_str_equal (ev->type, "comment.posted"))
    return apply_comment (txn, ev, error);
  if (g_str_equal (ev->type, "subscription.created"))
    return apply_subscription (txn, ev, error);
  if (g_str_equal (ev->type, "video.ready") || g_str_equal (ev->type, "video.failed"))
    return apply_video (txn, ev, error);
  if (g_str_equal (ev->type, "video.blocked") || g_str_equal (ev->type, "video.unblocked"))
    return apply_block (txn, ev, error);
  if (g_str_equal (ev->type, "video.checks_requested") || g_str_equal (ev->type, "video.checked"))
    return apply_checks (txn, ev, error);
  if (g_str_equal (ev->type, "notification.read"))
    return apply_read (txn, ev, error);
  if (g_str_equal (ev->type, "user.deleted"))
    return apply_user_deleted (txn, ev, error);
  if (g_str_equal (ev->type, "user.registered"))
    {
      const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
      g_autoptr (JsonObject) rec = NULL;
      if (!user)
        return FALSE;
      g_autoptr (GBytes) known = NULL;
      /* Only the registration that created the account. */
      if (!reel_users_validate_username (user, NULL))
        return TRUE;
      known = memory_key (MEMORY_USER, user, NULL);
      if (memory_has (txn, known, NULL, NULL))
        return TRUE;
      if (!memory_put (txn, known, "", error))
        return FALSE;
      rec = json_object_new ();
      json_object_set_string_member (rec, "type", "welcome");
      return notify (txn, user, ev, rec, error);
    }
  return TRUE;
}

/* --- queries and the command --- */

/* A notification about someone else's video is shown while the video is
 * public: one made private or unlisted since (or deleted) must not keep
 * its title in the notifications of everyone who was told of it. The
 * owner keeps hers. data: the reader's username. */
static gboolean
still_shown (ReelTxn *txn, JsonObject *rec, const char *reader)
{
  const char *video_id = json_object_get_string_member_with_default (rec, "video_id", NULL);
  const char *channel = json_object_get_string_member_with_default (rec, "channel", NULL);
  gboolean ready, failed;
  g_autoptr (ReelVideo) v = NULL;
  if (!video_id || g_strcmp0 (channel, reader) == 0 || !reel_id_valid (video_id))
    return TRUE;
  v = memory_video (txn, video_id, &ready, &failed);
  return v && v->privacy == REEL_PRIVACY_PUBLIC;
}

static JsonObject *
render (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
        gpointer data, GError **error)
{
  JsonObject *rec = reel_json_parse_object ((const char *)value, value_len, error);
  g_autofree char *id = NULL;
  if (!rec || key_len < SUFFIX_LEN)
    return rec;
  if (!still_shown (txn, rec, data))
    {
      json_object_unref (rec);
      return NULL;
    }
  id = reel_page_cursor (key + key_len - SUFFIX_LEN, SUFFIX_LEN);
  json_object_set_string_member (rec, "id", id);
  return rec;
}

guint64
reel_notifications_unread (ReelStore *store, const char *user)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
  g_autofree char *counter = counter_name (user);
  return txn ? reel_counter_get (txn, counter) : 0;
}

JsonObject *
reel_notifications_list (ReelStore *store, const char *user, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GBytes) prefix = reel_page_name_prefix (user);
  g_autofree char *counter = counter_name (user);
  JsonObject *out;

  if (page->after && g_bytes_get_size (page->after) != SUFFIX_LEN)
    {
      reel_page_bad_cursor (error);
      return NULL;
    }
  if (!(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  out = reel_page_scan (txn, REEL_DB_NOTIFICATIONS, g_bytes_get_data (prefix, NULL),
                        g_bytes_get_size (prefix), page, TRUE, render, (gpointer)user, error);
  if (out)
    json_object_set_int_member (out, "unread_count", (gint64)reel_counter_get (txn, counter));
  return out;
}

gboolean
reel_notifications_mark_read (ReelBus *bus, const char *user, const char *const *ids, gboolean all,
                              guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("notification", user);
  guint n = ids ? g_strv_length ((char **)ids) : 0;

  if (!all && (n == 0 || n > REEL_NOTIFICATIONS_READ_MAX))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "give \"all\": true or 1 to %d notification ids", REEL_NOTIFICATIONS_READ_MAX);
      return FALSE;
    }
  json_object_set_string_member (data, "username", user);
  if (all)
    json_object_set_boolean_member (data, "all", TRUE);
  else
    {
      JsonArray *list = json_array_new ();
      for (guint i = 0; i < n; i++)
        {
          guint8 suffix[SUFFIX_LEN];
          if (!decode_id (ids[i], suffix))
            {
              json_array_unref (list);
              g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"%s\" is not a notification id",
                           ids[i]);
              return FALSE;
            }
          json_array_add_string_element (list, ids[i]);
        }
      json_object_set_array_member (data, "ids", list);
    }
  return reel_events_publish (bus, subject, "notification.read", 1, user, data, FALSE, seq, error);
}
