/* See channels.h. A page cursor here is the key after the owner's prefix:
 * u64 BE published time and video id (19 bytes), which orders videos of
 * different channels too, so the feed's merge uses the same cursor. */
#include "app/social/channels.h"
#include "app/social/subscriptions.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "store/counters.h"

#define SUFFIX_LEN REEL_STORE_TIME_ID_LEN

static char *
counter_name (const char *owner)
{
  return g_strconcat ("videos:", owner, NULL);
}

JsonObject *
reel_channels_public (ReelTxn *txn, const char *username, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) user = NULL;
  g_autofree char *videos = NULL;
  JsonObject *pub;

  if (reel_users_validate_username (username, NULL))
    user = reel_users_load (txn, username, &local);
  if (!user)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no user \"%s\"", username);
      return NULL;
    }
  videos = counter_name (username);
  pub = json_object_new ();
  json_object_set_string_member (pub, "username", username);
  json_object_set_string_member (
      pub, "display_name", json_object_get_string_member_with_default (user, "display_name", ""));
  json_object_set_string_member (
      pub, "created_at", json_object_get_string_member_with_default (user, "created_at", ""));
  json_object_set_int_member (pub, "subscriber_count",
                              (gint64)reel_subscriptions_count (txn, username));
  json_object_set_int_member (pub, "video_count", (gint64)reel_counter_get (txn, videos));
  return pub;
}

JsonObject *
reel_channels_video_item (ReelTxn *txn, const char *video_id, GError **error)
{
  g_autoptr (ReelVideo) video = reel_videos_load_shared (txn, video_id, error);
  JsonObject *item;
  if (!video)
    return NULL;
  if (!(item = reel_videos_list_item (txn, video)))
    return NULL; /* not to be listed (a banned owner's): skipped */
  if (video->ready_at)
    json_object_set_string_member (item, "published_at", video->ready_at);
  return item;
}

static gboolean
check_cursor (const ReelPage *page, GError **error)
{
  if (page->after && g_bytes_get_size (page->after) != SUFFIX_LEN)
    return reel_page_bad_cursor (error);
  return TRUE;
}

static char *
suffix_video_id (const guint8 *suffix)
{
  return g_strndup ((const char *)suffix + 8, REEL_ID_LEN);
}

static JsonObject *
render_video (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
              gpointer data, GError **error)
{
  g_autofree char *id = NULL;
  if (key_len < SUFFIX_LEN)
    return NULL;
  id = suffix_video_id (key + key_len - SUFFIX_LEN);
  return reel_channels_video_item (txn, id, error);
}

JsonObject *
reel_channels_videos (ReelStore *store, const char *username, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) channel = NULL;
  g_autoptr (GBytes) prefix = reel_page_name_prefix (username);

  if (!check_cursor (page, error) || !(txn = reel_store_begin (store, FALSE, error))
      || !(channel = reel_channels_public (txn, username, error)))
    return NULL;
  return reel_page_scan (txn, REEL_DB_CHANNEL_VIDEOS, g_bytes_get_data (prefix, NULL),
                         g_bytes_get_size (prefix), page, TRUE, render_video, NULL, error);
}

typedef struct
{
  GPtrArray *ids;
  guint limit;
} Recent;

static gboolean
recent_take (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Recent *r = data;
  if (key_len >= REEL_ID_LEN)
    g_ptr_array_add (r->ids, g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN));
  return r->ids->len < r->limit;
}

void
reel_channels_recent (ReelTxn *txn, const char *username, guint limit, GPtrArray *ids)
{
  g_autoptr (GBytes) prefix = reel_page_name_prefix (username);
  Recent r = { ids, ids->len + limit };
  if (limit)
    reel_txn_scan (txn, REEL_DB_CHANNEL_VIDEOS, g_bytes_get_data (prefix, NULL),
                   g_bytes_get_size (prefix), NULL, 0, TRUE, recent_take, &r, NULL);
}

/* --- feed --- */

typedef struct
{
  ReelTxn *txn;
  const ReelPage *page;
  GArray *suffixes; /* of SUFFIX_LEN-byte keys, from every channel */
  guint taken;      /* from the channel being read */
  GError *error;
} Feed;

static gboolean
feed_take (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Feed *f = data;
  if (key_len < SUFFIX_LEN)
    return TRUE;
  g_array_append_vals (f->suffixes, key + key_len - SUFFIX_LEN, 1);
  /* A channel can contribute at most a page (plus one to see the next). */
  return ++f->taken <= f->page->limit;
}

static gboolean
feed_channel (const char *channel, gpointer data)
{
  Feed *f = data;
  g_autoptr (GBytes) prefix = reel_page_name_prefix (channel);
  g_autoptr (GByteArray) after = NULL;
  gsize plen = g_bytes_get_size (prefix);
  if (f->page->after)
    {
      after = g_byte_array_new ();
      g_byte_array_append (after, g_bytes_get_data (prefix, NULL), (guint)plen);
      g_byte_array_append (after, g_bytes_get_data (f->page->after, NULL), SUFFIX_LEN);
    }
  f->taken = 0;
  return reel_txn_scan (f->txn, REEL_DB_CHANNEL_VIDEOS, g_bytes_get_data (prefix, NULL), plen,
                        after ? after->data : NULL, after ? after->len : 0, TRUE, feed_take, f,
                        &f->error);
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  return -memcmp (a, b, SUFFIX_LEN);
}

typedef struct
{
  guint8 bytes[SUFFIX_LEN];
} Suffix;

static GBytes *
suffix_cursor (gconstpointer element)
{
  return g_bytes_new (element, SUFFIX_LEN);
}

static JsonObject *
render_suffix (ReelTxn *txn, gconstpointer element, gpointer data, GError **error)
{
  g_autofree char *id = suffix_video_id (element);
  return reel_channels_video_item (txn, id, error);
}

static gboolean
every_channel (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  g_autofree char *username = g_strndup ((const char *)key, key_len);
  return feed_channel (username, data);
}

/* The published videos of the channels follower follows, or of every
 * channel when follower is NULL, newest first. */
static JsonObject *
merge_channels (ReelStore *store, const char *follower, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GArray) suffixes = g_array_new (FALSE, FALSE, sizeof (Suffix));
  Feed f = { NULL, page, suffixes, 0, NULL };
  gboolean ok;

  if (!check_cursor (page, error) || !(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  f.txn = txn;
  ok = follower
           ? reel_subscriptions_foreach_channel (txn, follower, feed_channel, &f, error)
           : reel_txn_scan (txn, REEL_DB_USERS, NULL, 0, NULL, 0, FALSE, every_channel, &f, error);
  if (!ok || f.error)
    {
      if (f.error)
        g_propagate_error (error, f.error);
      return NULL;
    }
  g_array_sort (suffixes, newest_first);
  return reel_page_render (txn, suffixes, page->limit, suffix_cursor, render_suffix, NULL, error);
}

JsonObject *
reel_channels_feed (ReelStore *store, const char *username, const ReelPage *page, GError **error)
{
  return merge_channels (store, username, page, error);
}

JsonObject *
reel_channels_latest (ReelStore *store, const ReelPage *page, GError **error)
{
  return merge_channels (store, NULL, page, error);
}

/* --- projection --- */

/* A CHANNEL_LISTED value that starts with this marks a video the
 * moderators blocked: "!" before it was listed, "!" + its listing key
 * after. Usernames never start with it (core/text.h). */
#define HIDDEN '!'

/* video.blocked after the video was listed: it leaves its channel (and so
 * the global list and feeds) but remembers its place for an unblock. */
static gboolean
hide (ReelTxn *txn, const char *id, const void *listed, gsize listed_len, GError **error)
{
  g_autofree char *counter = counter_name (listed);
  g_autofree guint8 *marked = g_malloc (listed_len + 1);
  marked[0] = HIDDEN;
  memcpy (marked + 1, listed, listed_len);
  return reel_txn_del (txn, REEL_DB_CHANNEL_VIDEOS, listed, listed_len, error)
         && reel_counter_add (txn, counter, -1, error)
         && reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), marked, listed_len + 1,
                          error);
}

/* video.unblocked: back in its place (or back to "not yet listed"). */
static gboolean
unhide (ReelTxn *txn, const char *id, const guint8 *marked, gsize marked_len, GError **error)
{
  g_autofree char *counter = NULL;
  if (marked_len == 1)
    return reel_txn_del (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), error);
  counter = counter_name ((const char *)marked + 1);
  return reel_txn_put (txn, REEL_DB_CHANNEL_VIDEOS, marked + 1, marked_len - 1, "", 0, error)
         && reel_counter_add (txn, counter, 1, error)
         && reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), marked + 1, marked_len - 1,
                          error);
}

/* The projection reads only its own tables and the event: video.ready
 * names the owner, and CHANNEL_LISTED remembers where each video was
 * listed, that a deleted one is gone (so a late video.ready of a video
 * deleted first lists nothing) and that a blocked one is hidden. */
gboolean
reel_channels_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  gboolean ready = g_str_equal (ev->type, "video.ready");
  gboolean deleted = g_str_equal (ev->type, "video.deleted");
  gboolean blocked = g_str_equal (ev->type, "video.blocked");
  gboolean unblocked = g_str_equal (ev->type, "video.unblocked");
  g_autoptr (GBytes) key = NULL;
  g_autofree char *counter = NULL;
  const char *id, *owner;
  const guint8 *listed = NULL;
  const void *stored;
  g_autofree guint8 *owned = NULL;
  gsize listed_len = 0;
  gboolean hidden;

  if (!ready && !deleted && !blocked && !unblocked)
    return TRUE;
  if (!(id = reel_videos_event_id (ev, error)))
    return FALSE;
  if (reel_txn_get (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), (const void **)&stored,
                    &listed_len, NULL))
    {
      /* A copy: the writes below may move the page the value lies in. */
      listed = owned = g_memdup2 (stored, listed_len);
      if (listed_len == 0) /* deleted */
        return TRUE;
      hidden = listed[0] == HIDDEN;
      if (blocked)
        return hidden || hide (txn, id, listed, listed_len, error);
      if (unblocked)
        return !hidden || unhide (txn, id, listed, listed_len, error);
      if (deleted)
        {
          if (hidden)
            return reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), "", 0, error);
          counter = counter_name ((const char *)listed);
          return reel_txn_del (txn, REEL_DB_CHANNEL_VIDEOS, listed, listed_len, error)
                 && reel_counter_add (txn, counter, -1, error)
                 && reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), "", 0, error);
        }
      /* video.ready: listed already (it is announced once), unless it was
       * blocked before: then it takes its place hidden. */
      if (listed_len > 1)
        return TRUE;
    }
  else if (deleted)
    return reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), "", 0, error);
  else if (blocked)
    return reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), "!", 1, error);
  else if (unblocked)
    return TRUE;
  if (!(owner = reel_json_get_string (ev->data, "owner", TRUE, error)))
    return FALSE;
  if (!reel_users_validate_username (owner, error))
    return FALSE;
  key = reel_store_key_owner_time_id (owner, reel_json_time_us (ev->at), id);
  if (listed) /* blocked before it was listed */
    {
      gsize len = g_bytes_get_size (key);
      g_autofree guint8 *marked = g_malloc (len + 1);
      marked[0] = HIDDEN;
      memcpy (marked + 1, g_bytes_get_data (key, NULL), len);
      return reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id), marked, len + 1, error);
    }
  counter = counter_name (owner);
  return reel_txn_put (txn, REEL_DB_CHANNEL_VIDEOS, g_bytes_get_data (key, NULL),
                       g_bytes_get_size (key), "", 0, error)
         && reel_txn_put (txn, REEL_DB_CHANNEL_LISTED, id, strlen (id),
                          g_bytes_get_data (key, NULL), g_bytes_get_size (key), error)
         && reel_counter_add (txn, counter, 1, error);
}
