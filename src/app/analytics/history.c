/* See history.h. */
#include "app/analytics/history.h"
#include "app/roles.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "bus/events.h"
#include "core/error.h"
#include "core/id.h"

#include <string.h>

/* Bytes of the position at the start of a HISTORY value. */
#define POSITION_BYTES 8

static GString *
last_key (const char *viewer, const char *video_id)
{
  GString *k = g_string_new (viewer);
  g_string_append_c (k, '\0');
  g_string_append (k, video_id);
  return k;
}

static GString *
order_key (const char *viewer, const char *at, gsize at_len, const char *video_id)
{
  GString *k = g_string_new (viewer);
  g_string_append_c (k, '\0');
  g_string_append_len (k, at, (gssize)at_len);
  g_string_append_c (k, '\0');
  g_string_append (k, video_id);
  return k;
}

static gboolean
history_apply (ReelTxn *txn, const ReelAction *a, const ReelWatchRules *rules, GError **error)
{
  g_autoptr (GString) key = NULL, order = NULL;
  g_autoptr (GByteArray) value = NULL;
  const void *old = NULL;
  gsize old_len = 0;
  gint64 position;
  guint8 be[POSITION_BYTES];

  if (!a->viewer[0] || a->history_off || a->kind == REEL_ACTION_QUALITY_CHANGE)
    return TRUE;
  /* The end of a video is its duration: "watched", nothing to resume. */
  position = a->kind == REEL_ACTION_ENDED ? a->duration_ns : MIN (a->position_ns, a->duration_ns);
  key = last_key (a->viewer, a->video_id);
  if (!reel_txn_get (txn, REEL_DB_HISTORY, key->str, key->len, &old, &old_len, error))
    {
      if (*error)
        return FALSE;
    }
  else if (old_len > POSITION_BYTES)
    {
      g_autoptr (GString) previous = order_key (a->viewer, (const char *)old + POSITION_BYTES,
                                                old_len - POSITION_BYTES, a->video_id);
      if (!reel_txn_del (txn, REEL_DB_HISTORY_ORDER, previous->str, previous->len, error))
        return FALSE;
    }
  for (guint i = 0; i < POSITION_BYTES; i++)
    be[i] = (guint8)((guint64)position >> (8 * (POSITION_BYTES - 1 - i)));
  value = g_byte_array_new ();
  g_byte_array_append (value, be, sizeof be);
  g_byte_array_append (value, (const guint8 *)a->received_at, strlen (a->received_at));
  order = order_key (a->viewer, a->received_at, strlen (a->received_at), a->video_id);
  return reel_txn_put (txn, REEL_DB_HISTORY, key->str, key->len, value->data, value->len, error)
         && reel_txn_put (txn, REEL_DB_HISTORY_ORDER, order->str, order->len, "", 0, error);
}

static const ReelDb history_dbs[] = { REEL_DB_HISTORY, REEL_DB_HISTORY_ORDER };

const ReelActionProjection reel_history_projection = {
  REEL_PROJECTION_HISTORY, history_dbs, G_N_ELEMENTS (history_dbs), history_apply, TRUE,
};

gboolean
reel_history_paused (ReelTxn *txn, const char *username)
{
  g_autoptr (JsonObject) user = reel_users_load (txn, username, NULL);
  return user && json_object_get_boolean_member_with_default (user, "history_paused", FALSE);
}

/* What a reader of username's history needs: when they last cleared it,
 * and who they are to the visibility rule. */
typedef struct
{
  char *cleared_at; /* "" when never */
  ReelViewer viewer;
  const char *username;
  const guint8 *media_key; /* NULL: the reader names no media */
  guint ttl_s;
  gint64 now_s;
} Reader;

static void
reader_init (Reader *r, ReelTxn *txn, const char *username, const char *const *admins)
{
  g_autoptr (JsonObject) user = reel_users_load (txn, username, NULL);
  r->username = username;
  r->cleared_at = g_strdup (
      user ? json_object_get_string_member_with_default (user, "history_cleared_at", "") : "");
  r->viewer.username = username;
  r->viewer.role = REEL_USER_ROLE_USER;
  if (!reel_roles_of (txn, username, admins, &r->viewer.role, NULL))
    r->viewer.role = REEL_USER_ROLE_USER;
}

/* The position and time of a HISTORY value, unless the reader cleared it. */
static gboolean
entry_of (const Reader *r, const void *value, gsize len, double *position_s, char **at)
{
  const guint8 *v = value;
  guint64 ns = 0;
  if (len <= POSITION_BYTES)
    return FALSE;
  *at = g_strndup ((const char *)v + POSITION_BYTES, len - POSITION_BYTES);
  /* Timestamps of one format compare as strings. */
  if (*r->cleared_at && strcmp (*at, r->cleared_at) <= 0)
    {
      g_clear_pointer (at, g_free);
      return FALSE;
    }
  for (guint i = 0; i < POSITION_BYTES; i++)
    ns = (ns << 8) | v[i];
  *position_s = (double)ns / 1e9;
  return TRUE;
}

static JsonObject *
render_entry (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
              gpointer user_data, GError **error)
{
  const Reader *r = user_data;
  g_autofree char *video_id = NULL, *at = NULL, *media_base = NULL;
  g_autoptr (GString) lk = NULL;
  g_autoptr (ReelVideo) video = NULL;
  const void *v = NULL;
  gsize v_len = 0;
  double position;
  JsonObject *out;

  /* The key ends with the video id, of fixed length. */
  if (key_len < REEL_ID_LEN)
    return NULL;
  video_id = g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  lk = last_key (r->username, video_id);
  if (!reel_txn_get (txn, REEL_DB_HISTORY, lk->str, lk->len, &v, &v_len, NULL)
      || !entry_of (r, v, v_len, &position, &at))
    return NULL;
  video = reel_videos_load (txn, video_id, NULL);
  if (!video)
    return NULL;
  video->owner_banned = reel_users_is_banned (txn, video->owner);
  if (reel_video_sight (video, &r->viewer) != REEL_SIGHT_WATCH)
    return NULL;
  media_base
      = r->media_key ? reel_video_media_base (video, r->media_key, r->now_s, r->ttl_s) : NULL;
  out = json_object_new ();
  json_object_set_object_member (out, "video", reel_videos_public (video, media_base));
  json_object_set_double_member (out, "position", position);
  json_object_set_string_member (out, "watched_at", at);
  return out;
}

JsonObject *
reel_history_list (ReelStore *store, const char *username, const char *const *admins,
                   const guint8 media_key[REEL_URLSIGN_KEY_BYTES], guint ttl_s,
                   const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GBytes) prefix = NULL;
  Reader r = { 0 };
  JsonObject *out;
  if (!txn)
    return NULL;
  reader_init (&r, txn, username, admins);
  r.media_key = media_key;
  r.ttl_s = ttl_s;
  r.now_s = g_get_real_time () / G_USEC_PER_SEC;
  prefix = reel_page_name_prefix (username);
  out = reel_page_scan (txn, REEL_DB_HISTORY_ORDER, g_bytes_get_data (prefix, NULL),
                        g_bytes_get_size (prefix), page, TRUE, render_entry, &r, error);
  g_free (r.cleared_at);
  return out;
}

JsonObject *
reel_history_position (ReelStore *store, const char *username, const char *video_id, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GString) key = NULL;
  g_autofree char *at = NULL;
  const void *v = NULL;
  gsize v_len = 0;
  double position = 0;
  Reader r = { 0 };
  gboolean found;
  JsonObject *out;
  if (!txn)
    return NULL;
  reader_init (&r, txn, username, NULL);
  key = last_key (username, video_id);
  found = reel_txn_get (txn, REEL_DB_HISTORY, key->str, key->len, &v, &v_len, NULL)
          && entry_of (&r, v, v_len, &position, &at);
  g_free (r.cleared_at);
  out = json_object_new ();
  if (!found)
    {
      json_object_set_null_member (out, "position");
      json_object_set_null_member (out, "watched_at");
      return out;
    }
  json_object_set_double_member (out, "position", position);
  json_object_set_string_member (out, "watched_at", at);
  return out;
}

static gboolean
publish (ReelBus *bus, const char *username, const char *type, JsonObject *data, guint64 *seq,
         GError **error)
{
  g_autofree char *subject = reel_event_subject ("history", username);
  json_object_set_string_member (data, "username", username);
  return reel_events_publish (bus, subject, type, 1, username, data, FALSE, seq, error);
}

gboolean
reel_history_clear (ReelBus *bus, const char *username, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  return publish (bus, username, "user.history_cleared", data, seq, error);
}

gboolean
reel_history_pause (ReelBus *bus, const char *username, gboolean paused, guint64 *seq,
                    GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_boolean_member (data, "paused", paused);
  return publish (bus, username, "user.history_paused", data, seq, error);
}
