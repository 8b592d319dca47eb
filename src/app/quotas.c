/* See quotas.h. */
#include "app/quotas.h"
#include "core/error.h"
#include "core/json.h"

/* The daily limit looks back this far. */
#define DAY_S (24 * 3600)

static GString *
recent_prefix (const char *owner)
{
  GString *key = g_string_new (owner);
  g_string_append_c (key, '\0');
  return key;
}

typedef struct
{
  const char *since; /* RFC 3339 */
  gsize prefix_len;
  guint64 bytes;
} Today;

static gboolean
add_recent (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Today *t = data;
  const char *at = (const char *)key + t->prefix_len;
  gsize at_len = strnlen (at, key_len - t->prefix_len);
  guint64 size = 0;
  /* Newest first: stop at the first upload older than the window. */
  if (strncmp (at, t->since, MAX (at_len, strlen (t->since))) < 0)
    return FALSE;
  for (gsize i = 0; i < value_len && i < 8; i++)
    size = (size << 8) | value[i];
  t->bytes += size;
  return TRUE;
}

gboolean
reel_quotas_get (ReelTxn *txn, const char *username, guint64 default_quota, guint64 default_daily,
                 gint64 now_s, ReelQuota *q, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) rec
      = reel_txn_get_json (txn, REEL_DB_QUOTA_USAGE, username, strlen (username), &local);
  g_autoptr (GString) prefix = recent_prefix (username);
  g_autoptr (GDateTime) since = g_date_time_new_from_unix_utc (now_s - DAY_S);
  g_autofree char *since_text = g_date_time_format (since, "%Y-%m-%dT%H:%M:%S.%fZ");
  Today t = { since_text, prefix->len, 0 };

  if (!rec && local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  q->quota = default_quota;
  q->daily = default_daily;
  q->used = 0;
  if (rec)
    {
      q->quota = (guint64)json_object_get_int_member_with_default (rec, "quota_bytes",
                                                                   (gint64)default_quota);
      q->daily = (guint64)json_object_get_int_member_with_default (rec, "daily_quota_bytes",
                                                                   (gint64)default_daily);
      q->used = (guint64)json_object_get_int_member_with_default (rec, "used", 0);
    }
  if (!reel_txn_scan (txn, REEL_DB_QUOTA_RECENT, prefix->str, prefix->len, NULL, 0, TRUE,
                      add_recent, &t, error))
    return FALSE;
  q->used_today = t.bytes;
  return TRUE;
}

gboolean
reel_quotas_check (ReelStore *store, const char *username, guint64 default_quota,
                   guint64 default_daily, guint64 size, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  ReelQuota q;
  if (!txn
      || !reel_quotas_get (txn, username, default_quota, default_daily,
                           g_get_real_time () / G_USEC_PER_SEC, &q, error))
    return FALSE;
  if (q.quota && (q.used > q.quota || size > q.quota - q.used))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_QUOTA_EXCEEDED,
                   "this upload of %" G_GUINT64_FORMAT
                   " bytes is over your storage quota: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                   " bytes are left",
                   size, q.used > q.quota ? 0 : q.quota - q.used, q.quota);
      return FALSE;
    }
  if (q.daily && (q.used_today > q.daily || size > q.daily - q.used_today))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_QUOTA_EXCEEDED,
                   "this upload of %" G_GUINT64_FORMAT
                   " bytes is over your daily quota: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                   " bytes are left for the next 24 hours",
                   size, q.used_today > q.daily ? 0 : q.daily - q.used_today, q.daily);
      return FALSE;
    }
  return TRUE;
}

/* How long a creation waits for the node's earlier ones to be applied
 * before it checks what it finds; after such a wait ran out (the
 * projection is stuck or far behind), creations do not wait for this long,
 * so they do not queue up behind one another holding threads. */
#define GATE_WAIT_MS 1000
#define GATE_BACKOFF_US (5 * G_USEC_PER_SEC)

struct ReelQuotaGate
{
  GMutex lock;
  ReelStore *store;
  ReelWatermark *applied; /* owned; may be NULL */
  guint64 default_quota, default_daily;
  guint64 last_created; /* under lock */
  gint64 no_wait_until; /* under lock: monotonic time */
};

ReelQuotaGate *
reel_quota_gate_new (ReelStore *store, ReelWatermark *applied, guint64 default_quota,
                     guint64 default_daily)
{
  ReelQuotaGate *g = g_new0 (ReelQuotaGate, 1);
  g_mutex_init (&g->lock);
  g->store = store;
  g->applied = applied ? reel_watermark_ref (applied) : NULL;
  g->default_quota = default_quota;
  g->default_daily = default_daily;
  return g;
}

void
reel_quota_gate_free (ReelQuotaGate *g)
{
  if (!g)
    return;
  g_mutex_clear (&g->lock);
  g_clear_pointer (&g->applied, reel_watermark_unref);
  g_free (g);
}

gboolean
reel_quota_gate_create (ReelQuotaGate *g, ReelBus *bus, const ReelVideoDraft *draft,
                        guint64 max_size, char **id, guint64 *seq, GError **error)
{
  gboolean ok;
  g_mutex_lock (&g->lock);
  if (g->applied && g->last_created && g_get_monotonic_time () >= g->no_wait_until
      && !reel_watermark_block (g->applied, g->last_created, GATE_WAIT_MS))
    {
      g_message ("quota: the projection is behind this node's creations; checking what it has");
      g->no_wait_until = g_get_monotonic_time () + GATE_BACKOFF_US;
    }
  ok = reel_quotas_check (g->store, draft->owner, g->default_quota, g->default_daily, draft->size,
                          error)
       && reel_videos_create (bus, draft, max_size, id, seq, error);
  if (ok)
    g->last_created = *seq;
  g_mutex_unlock (&g->lock);
  return ok;
}

static void
set_limit (JsonObject *o, const char *member, guint64 limit)
{
  if (limit)
    json_object_set_int_member (o, member, (gint64)limit);
  else
    json_object_set_null_member (o, member);
}

JsonObject *
reel_quota_to_json (const ReelQuota *q)
{
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "used_bytes", (gint64)q->used);
  set_limit (o, "quota_bytes", q->quota);
  json_object_set_int_member (o, "daily_used_bytes", (gint64)q->used_today);
  set_limit (o, "daily_quota_bytes", q->daily);
  return o;
}

gboolean
reel_quotas_set (ReelBus *bus, ReelStore *store, const char *actor, const char *username,
                 gboolean has_quota, gint64 quota, gboolean has_daily, gint64 daily, guint64 *seq,
                 GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    if (!txn)
      return FALSE;
    if (!reel_txn_get (txn, REEL_DB_USERS, username, strlen (username), NULL, NULL, NULL))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no user \"%s\"", username);
        return FALSE;
      }
  }
  json_object_set_string_member (data, "username", username);
  if (has_quota)
    json_object_set_int_member (data, "quota_bytes", quota);
  if (has_daily)
    json_object_set_int_member (data, "daily_quota_bytes", daily);
  subject = reel_event_subject ("quota", username);
  return reel_events_publish (bus, subject, "user.quota_set", 1, actor, data, FALSE, seq, error);
}

static JsonObject *
load_usage (ReelTxn *txn, const char *owner, GError **error)
{
  JsonObject *rec = reel_txn_get_json (txn, REEL_DB_QUOTA_USAGE, owner, strlen (owner), error);
  return rec || *error ? rec : json_object_new ();
}

static gboolean
add_used (ReelTxn *txn, const char *owner, gint64 delta, GError **error)
{
  g_autoptr (JsonObject) rec = load_usage (txn, owner, error);
  gint64 used;
  if (!rec)
    return FALSE;
  used = json_object_get_int_member_with_default (rec, "used", 0) + delta;
  json_object_set_int_member (rec, "used", MAX (used, 0));
  return reel_txn_put_json (txn, REEL_DB_QUOTA_USAGE, owner, strlen (owner), rec, error);
}

static gboolean
apply_created (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "video_id", TRUE, error);
  const char *owner = id ? reel_json_get_string (ev->data, "owner", TRUE, error) : NULL;
  gint64 size = json_object_get_int_member_with_default (ev->data, "size", 0);
  g_autoptr (JsonObject) rec = json_object_new ();
  g_autoptr (GString) key = NULL;
  guint8 value[8];
  if (!owner)
    return FALSE;
  /* A redelivered creation counts once. */
  if (reel_txn_get (txn, REEL_DB_QUOTA_VIDEOS, id, strlen (id), NULL, NULL, NULL))
    return TRUE;
  json_object_set_string_member (rec, "owner", owner);
  json_object_set_int_member (rec, "size", MAX (size, 0));
  key = recent_prefix (owner);
  g_string_append (key, ev->at);
  g_string_append_c (key, '\0');
  g_string_append (key, id);
  reel_store_key_u64 (value, (guint64)MAX (size, 0));
  return reel_txn_put_json (txn, REEL_DB_QUOTA_VIDEOS, id, strlen (id), rec, error)
         && reel_txn_put (txn, REEL_DB_QUOTA_RECENT, key->str, key->len, value, sizeof value, error)
         && add_used (txn, owner, MAX (size, 0), error);
}

static gboolean
apply_gone (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *id = reel_json_get_string (ev->data, "video_id", TRUE, error);
  g_autoptr (JsonObject) rec = NULL;
  if (!id)
    return FALSE;
  rec = reel_txn_get_json (txn, REEL_DB_QUOTA_VIDEOS, id, strlen (id), error);
  if (!rec)
    return *error == NULL;
  return add_used (txn, json_object_get_string_member_with_default (rec, "owner", ""),
                   -json_object_get_int_member_with_default (rec, "size", 0), error)
         && reel_txn_del (txn, REEL_DB_QUOTA_VIDEOS, id, strlen (id), error);
}

static void
override (JsonObject *rec, JsonObject *data, const char *member)
{
  if (!json_object_has_member (data, member))
    return;
  if (json_object_get_int_member_with_default (data, member, -1) < 0)
    {
      if (json_object_has_member (rec, member))
        json_object_remove_member (rec, member);
    }
  else
    json_object_set_int_member (rec, member, json_object_get_int_member (data, member));
}

static gboolean
apply_quota_set (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (JsonObject) rec = username ? load_usage (txn, username, error) : NULL;
  if (!rec)
    return FALSE;
  override (rec, ev->data, "quota_bytes");
  override (rec, ev->data, "daily_quota_bytes");
  return reel_txn_put_json (txn, REEL_DB_QUOTA_USAGE, username, strlen (username), rec, error);
}

gboolean
reel_quotas_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "video.created"))
    return apply_created (txn, ev, error);
  if (g_str_equal (ev->type, "video.deleted") || g_str_equal (ev->type, "video.upload_aborted"))
    return apply_gone (txn, ev, error);
  if (g_str_equal (ev->type, "user.quota_set"))
    return apply_quota_set (txn, ev, error);
  if (g_str_equal (ev->type, "user.deleted"))
    {
      /* The videos went first (their video.deleted freed the bytes); the
       * usage record with its per-user limits goes with the account. */
      const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
      return user && reel_txn_del (txn, REEL_DB_QUOTA_USAGE, user, strlen (user), error);
    }
  return TRUE;
}
