/* See ratings.h. */
#include "app/social/ratings.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "store/counters.h"

#include <string.h>

static const char *const names[] = { "none", "like", "dislike" };

const char *
reel_rating_name (ReelRating rating)
{
  return names[rating];
}

gboolean
reel_rating_from_name (const char *name, ReelRating *rating, GError **error)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      {
        *rating = (ReelRating)i;
        return TRUE;
      }
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
               "rating must be \"like\", \"dislike\" or \"none\"");
  return FALSE;
}

static GBytes *
rating_key (const char *user, const char *video_id)
{
  GByteArray *k = g_byte_array_new ();
  g_byte_array_append (k, (const guint8 *)user, (guint)strlen (user) + 1);
  g_byte_array_append (k, (const guint8 *)video_id, (guint)strlen (video_id));
  return g_byte_array_free_to_bytes (k);
}

static char *
counter_name (ReelRating rating, const char *video_id)
{
  return g_strconcat (rating == REEL_RATING_LIKE ? "likes:" : "dislikes:", video_id, NULL);
}

/* The stored row ({"rating","at"}) or NULL. */
static JsonObject *
load_row (ReelTxn *txn, const char *user, const char *video_id)
{
  g_autoptr (GBytes) key = rating_key (user, video_id);
  return reel_txn_get_json (txn, REEL_DB_RATINGS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), NULL);
}

static ReelRating
row_rating (JsonObject *row)
{
  ReelRating r = REEL_RATING_NONE;
  if (row)
    reel_rating_from_name (json_object_get_string_member_with_default (row, "rating", "none"), &r,
                           NULL);
  return r;
}

ReelRating
reel_ratings_get (ReelTxn *txn, const char *user, const char *video_id)
{
  g_autoptr (JsonObject) row = user ? load_row (txn, user, video_id) : NULL;
  return row_rating (row);
}

void
reel_ratings_count (ReelTxn *txn, const char *video_id, guint64 *likes, guint64 *dislikes)
{
  g_autofree char *l = counter_name (REEL_RATING_LIKE, video_id);
  g_autofree char *d = counter_name (REEL_RATING_DISLIKE, video_id);
  *likes = reel_counter_get (txn, l);
  *dislikes = reel_counter_get (txn, d);
}

/* Publishes the chosen state every time, even when this node's projection
 * already shows it: that read may lag the log (a write answered after
 * projector.write_wait_ms, another node's projection), and skipping on it
 * would drop a later decision ("none" after a "like" not yet applied). A
 * repeated state is a no-op in the projection, so the log decides alone. */
gboolean
reel_ratings_set (ReelBus *bus, const char *user, const char *video_id, ReelRating rating,
                  guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("rating", user);
  json_object_set_string_member (data, "user", user);
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "rating", reel_rating_name (rating));
  return reel_events_publish (bus, subject, "rating.set", 1, user, data, FALSE, seq, error);
}

/* --- projection --- */

/* Moves user's rating of video_id from what the row says to rating, with
 * its counts and its place in LIKED; at is the event's time. */
static gboolean
change (ReelTxn *txn, const char *user, const char *video_id, ReelRating rating, const char *at,
        GError **error)
{
  g_autoptr (JsonObject) row = load_row (txn, user, video_id);
  ReelRating was = row_rating (row);
  g_autoptr (GBytes) key = rating_key (user, video_id);

  if (was == rating)
    return TRUE;
  if (was != REEL_RATING_NONE)
    {
      g_autofree char *counter = counter_name (was, video_id);
      if (!reel_counter_add (txn, counter, -1, error))
        return FALSE;
    }
  if (was == REEL_RATING_LIKE)
    {
      const char *since = json_object_get_string_member_with_default (row, "at", "");
      g_autoptr (GBytes) old
          = reel_store_key_owner_time_id (user, reel_json_time_us (since), video_id);
      if (!reel_txn_del (txn, REEL_DB_LIKED, g_bytes_get_data (old, NULL), g_bytes_get_size (old),
                         error))
        return FALSE;
    }
  if (rating == REEL_RATING_NONE)
    return reel_txn_del (txn, REEL_DB_RATINGS, g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                         error);
  {
    g_autoptr (JsonObject) rec = json_object_new ();
    g_autofree char *counter = counter_name (rating, video_id);
    json_object_set_string_member (rec, "rating", reel_rating_name (rating));
    json_object_set_string_member (rec, "at", at);
    if (!reel_txn_put_json (txn, REEL_DB_RATINGS, g_bytes_get_data (key, NULL),
                            g_bytes_get_size (key), rec, error)
        || !reel_counter_add (txn, counter, 1, error))
      return FALSE;
  }
  if (rating == REEL_RATING_LIKE)
    {
      g_autoptr (GBytes) liked
          = reel_store_key_owner_time_id (user, reel_json_time_us (at), video_id);
      return reel_txn_put (txn, REEL_DB_LIKED, g_bytes_get_data (liked, NULL),
                           g_bytes_get_size (liked), "", 0, error);
    }
  return TRUE;
}

static gboolean
collect_video (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  GPtrArray *out = data;
  const guint8 *nul = memchr (key, 0, key_len);
  if (nul)
    g_ptr_array_add (out, g_strndup ((const char *)nul + 1, key_len - (gsize)(nul + 1 - key)));
  return TRUE;
}

/* A deleted account's ratings go, and their counts with them; ids are
 * collected first since rows cannot go while a scan walks them. */
static gboolean
apply_user_deleted (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GBytes) prefix = NULL;
  if (!user)
    return FALSE;
  prefix = reel_page_name_prefix (user);
  if (!reel_txn_scan (txn, REEL_DB_RATINGS, g_bytes_get_data (prefix, NULL),
                      g_bytes_get_size (prefix), NULL, 0, FALSE, collect_video, videos, error))
    return FALSE;
  for (guint i = 0; i < videos->len; i++)
    if (!change (txn, user, videos->pdata[i], REEL_RATING_NONE, ev->at, error))
      return FALSE;
  return TRUE;
}

gboolean
reel_ratings_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *user, *video_id, *name;
  ReelRating rating;

  if (g_str_equal (ev->type, "user.deleted"))
    return apply_user_deleted (txn, ev, error);
  if (!g_str_equal (ev->type, "rating.set"))
    return TRUE;
  if (!(user = reel_json_get_string (ev->data, "user", TRUE, error))
      || !(video_id = reel_json_get_string (ev->data, "video_id", TRUE, error))
      || !(name = reel_json_get_string (ev->data, "rating", TRUE, error)))
    return FALSE;
  if (!reel_users_validate_username (user, error))
    return FALSE;
  if (!reel_id_valid (video_id)) /* a video id is an id (core/id.h) */
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "bad video_id \"%s\"", video_id);
      return FALSE;
    }
  if (!reel_rating_from_name (name, &rating, error))
    return FALSE;
  return change (txn, user, video_id, rating, ev->at, error);
}
