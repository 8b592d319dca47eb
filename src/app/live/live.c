/* See live.h. */
#include "app/live/live.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/json.h"
#include "core/secret.h"

/* META key of the number of SRT slots handed out so far (u64 BE). */
#define SLOTS_KEY "live:slots"

char *
reel_live_stream_name (const char *channel)
{
  return g_strconcat ("REEL_LIVE_", channel, NULL);
}

char *
reel_live_subject_prefix (const char *channel)
{
  return g_strconcat ("reel.live.", channel, NULL);
}

static JsonObject *
load (ReelTxn *txn, const char *channel, GError **error)
{
  return reel_txn_get_json (txn, REEL_DB_LIVE, channel, strlen (channel), error);
}

static gboolean
put (ReelTxn *txn, const char *channel, JsonObject *rec, GError **error)
{
  return reel_txn_put_json (txn, REEL_DB_LIVE, channel, strlen (channel), rec, error);
}

static guint64
slots_used (ReelTxn *txn)
{
  return reel_txn_get_u64 (txn, REEL_DB_META, SLOTS_KEY, strlen (SLOTS_KEY));
}

JsonObject *
reel_live_get (ReelStore *store, const char *channel, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ReelTxn) txn = NULL;
  JsonObject *rec;
  if (!reel_users_validate_username (channel, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such channel");
      return NULL;
    }
  if (!(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  rec = load (txn, channel, &local);
  if (!rec && local)
    g_propagate_error (error, g_steal_pointer (&local));
  else if (!rec)
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "channel %s has never streamed", channel);
  return rec;
}

gboolean
reel_live_create_key (ReelBus *bus, ReelStore *store, const char *channel, guint max_channels,
                      char **key, guint64 *seq, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *hash = NULL, *secret = NULL, *subject = NULL;
  gboolean has_slot;

  if (!txn)
    return FALSE;
  has_slot = reel_txn_get (txn, REEL_DB_LIVE, channel, strlen (channel), NULL, NULL, NULL);
  if (!has_slot && slots_used (txn) >= max_channels)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                   "all %u live channel slots are taken (live.max_channels)", max_channels);
      return FALSE;
    }
  reel_txn_abort (g_steal_pointer (&txn));
  if (!(secret = reel_secret_new (&hash, error)))
    return FALSE;
  json_object_set_string_member (data, "channel", channel);
  json_object_set_string_member (data, "key_hash", hash);
  subject = reel_event_subject ("live", channel);
  if (!reel_events_publish (bus, subject, "live.key_created", 1, channel, data, FALSE, seq, error))
    return FALSE;
  *key = g_steal_pointer (&secret);
  return TRUE;
}

gboolean
reel_live_key_matches (ReelStore *store, const char *channel, const char *key)
{
  g_autoptr (JsonObject) rec = key ? reel_live_get (store, channel, NULL) : NULL;
  g_autofree char *hash = NULL;
  if (!rec)
    return FALSE;
  hash = reel_secret_hash (key);
  return reel_secret_hash_equal (hash,
                                 json_object_get_string_member_with_default (rec, "key_hash", ""));
}

gboolean
reel_live_publish_started (ReelBus *bus, const char *channel, const char *session,
                           guint64 segment_ns, JsonArray *rungs, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("live", channel);
  g_autofree char *stream = reel_live_stream_name (channel);
  g_autofree char *prefix = reel_live_subject_prefix (channel);
  json_object_set_string_member (data, "channel", channel);
  json_object_set_string_member (data, "session", session);
  json_object_set_string_member (data, "stream", stream);
  json_object_set_string_member (data, "subject_prefix", prefix);
  json_object_set_int_member (data, "segment_ns", (gint64)segment_ns);
  json_object_set_array_member (data, "rungs", json_array_ref (rungs));
  return reel_events_publish (bus, subject, "live.started", 1, NULL, data, FALSE, NULL, error);
}

gboolean
reel_live_publish_ended (ReelBus *bus, const char *channel, const char *session,
                         const char *video_id, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("live", channel);
  json_object_set_string_member (data, "channel", channel);
  json_object_set_string_member (data, "session", session);
  if (video_id)
    json_object_set_string_member (data, "video_id", video_id);
  return reel_events_publish (bus, subject, "live.ended", 1, NULL, data, FALSE, NULL, error);
}

static gboolean
collect (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  JsonObject *rec = reel_json_parse_object ((const char *)value, value_len, NULL);
  if (rec)
    g_ptr_array_add (data, rec);
  return TRUE;
}

GPtrArray *
reel_live_channels (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  if (!txn || !reel_txn_scan (txn, REEL_DB_LIVE, NULL, 0, NULL, 0, FALSE, collect, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

typedef struct
{
  ReelLiveViewFunc view;
  gpointer user_data;
} LiveView;

static JsonObject *
render_live (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
             gpointer data, GError **error)
{
  LiveView *v = data;
  g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, value_len, NULL);
  if (!rec
      || g_strcmp0 (json_object_get_string_member_with_default (rec, "state", ""),
                    REEL_LIVE_STATE_LIVE)
             != 0)
    return NULL;
  return v->view (rec, v->user_data);
}

JsonObject *
reel_live_list_live (ReelStore *store, const ReelPage *page, ReelLiveViewFunc view,
                     gpointer user_data, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  LiveView v = { view, user_data };
  if (!txn)
    return NULL;
  return reel_page_scan (txn, REEL_DB_LIVE, NULL, 0, page, FALSE, render_live, &v, error);
}

JsonObject *
reel_live_public (JsonObject *rec)
{
  JsonObject *out = json_object_new ();
  const char *channel = json_object_get_string_member (rec, "channel");
  const char *members[] = { "channel", "session", "started_at", "ended_at" };
  gboolean live = g_strcmp0 (json_object_get_string_member_with_default (rec, "state", ""),
                             REEL_LIVE_STATE_LIVE)
                  == 0;
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (rec, members[i]))
      json_object_set_member (out, members[i],
                              json_node_copy (json_object_get_member (rec, members[i])));
  json_object_set_boolean_member (out, "live", live);
  if (json_object_has_member (rec, "session"))
    {
      g_autofree char *hls = g_strdup_printf ("/live/%s/master.m3u8", channel);
      json_object_set_string_member (out, "hls", hls);
    }
  if (json_object_has_member (rec, "video_id"))
    json_object_set_string_member (out, "recording",
                                   json_object_get_string_member (rec, "video_id"));
  return out;
}

gboolean
reel_live_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *channel = reel_json_get_string (ev->data, "channel", TRUE, error);
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GError) local = NULL;
  const char *session;

  if (!channel)
    return FALSE;
  rec = load (txn, channel, &local);
  if (!rec && local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (g_str_equal (ev->type, "live.key_created"))
    {
      const char *hash = reel_json_get_string (ev->data, "key_hash", TRUE, error);
      if (!hash)
        return FALSE;
      if (!rec)
        {
          /* The channel's first key gives it the next SRT slot. */
          rec = json_object_new ();
          json_object_set_string_member (rec, "channel", channel);
          json_object_set_int_member (rec, "slot", (gint64)slots_used (txn));
          json_object_set_string_member (rec, "state", REEL_LIVE_STATE_IDLE);
          if (!reel_txn_add_u64 (txn, REEL_DB_META, SLOTS_KEY, strlen (SLOTS_KEY), 1, error))
            return FALSE;
        }
      json_object_set_string_member (rec, "key_hash", hash);
      json_object_set_string_member (rec, "key_created_at", ev->at);
      return put (txn, channel, rec, error);
    }
  if (!rec)
    return TRUE; /* no key, so no stream: nothing to change */
  session = json_object_get_string_member_with_default (ev->data, "session", NULL);
  if (!session)
    return TRUE;
  if (g_str_equal (ev->type, "live.started"))
    {
      const char *members[] = { "stream", "subject_prefix", "segment_ns", "rungs" };
      if (g_strcmp0 (json_object_get_string_member_with_default (rec, "session", NULL), session)
          == 0)
        return TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        if (json_object_has_member (ev->data, members[i]))
          json_object_set_member (rec, members[i],
                                  json_node_copy (json_object_get_member (ev->data, members[i])));
      json_object_set_string_member (rec, "state", REEL_LIVE_STATE_LIVE);
      json_object_set_string_member (rec, "session", session);
      json_object_set_string_member (rec, "started_at", ev->at);
      json_object_remove_member (rec, "ended_at");
      json_object_remove_member (rec, "video_id");
      return put (txn, channel, rec, error);
    }
  if (g_str_equal (ev->type, "live.ended"))
    {
      const char *video = json_object_get_string_member_with_default (ev->data, "video_id", NULL);
      if (g_strcmp0 (json_object_get_string_member_with_default (rec, "session", NULL), session)
              != 0
          || json_object_has_member (rec, "ended_at"))
        return TRUE;
      json_object_set_string_member (rec, "state", REEL_LIVE_STATE_IDLE);
      json_object_set_string_member (rec, "ended_at", ev->at);
      if (video)
        json_object_set_string_member (rec, "video_id", video);
      return put (txn, channel, rec, error);
    }
  return TRUE;
}
