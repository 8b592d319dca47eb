/* See store.h. A thin layer: it maps LMDB return codes onto GError, names
 * the databases in one table, and makes an uncommitted transaction abort. */
#include "store/store.h"
#include "core/error.h"
#include "core/json.h"

#include <glib/gstdio.h>
#include <lmdb.h>

/* The map is virtual address space, not disk: 64 GiB leaves room for a large
 * site's read models without ever resizing. */
#define REEL_STORE_MAP_SIZE ((gsize)64 << 30)

static const char *const db_names[REEL_DB_COUNT] = {
  [REEL_DB_META] = "meta",
  [REEL_DB_USERS] = "users",
  [REEL_DB_SESSIONS] = "sessions",
  [REEL_DB_VIDEOS] = "videos",
  [REEL_DB_CHUNKS] = "chunks",
  [REEL_DB_CHANNEL_VIDEOS] = "channel_videos",
  [REEL_DB_SUBSCRIPTIONS] = "subscriptions",
  [REEL_DB_SUBSCRIBERS] = "subscribers",
  [REEL_DB_COMMENTS] = "comments",
  [REEL_DB_COMMENT_IDS] = "comment_ids",
  [REEL_DB_USER_COMMENTS] = "user_comments",
  [REEL_DB_NOTIFICATIONS] = "notifications",
  [REEL_DB_SEARCH_POSTINGS] = "search_postings",
  [REEL_DB_SEARCH_TERMS] = "search_terms",
  [REEL_DB_SEARCH_DOCS] = "search_docs",
  [REEL_DB_COUNTERS] = "counters",
  [REEL_DB_VIEW_WATCH] = "view_watch",
  [REEL_DB_VIEW_COUNTS] = "view_counts",
  [REEL_DB_ANALYTICS_WATCH] = "analytics_watch",
  [REEL_DB_ANALYTICS_COUNTERS] = "analytics_counters",
  [REEL_DB_RELATED_WATCH] = "related_watch",
  [REEL_DB_RELATED_HISTORY] = "related_history",
  [REEL_DB_RELATED_PAIRS] = "related_pairs",
  [REEL_DB_LIVE] = "live",
  [REEL_DB_VIDEOS_UNANNOUNCED] = "videos_unannounced",
  [REEL_DB_INVITES] = "invites",
  [REEL_DB_AUDIT] = "audit",
  [REEL_DB_PASSWORD_RESETS] = "password_resets",
  [REEL_DB_QUOTA_USAGE] = "quota_usage",
  [REEL_DB_QUOTA_VIDEOS] = "quota_videos",
  [REEL_DB_QUOTA_RECENT] = "quota_recent",
  [REEL_DB_REPORTS] = "reports",
  [REEL_DB_REPORTS_OPEN] = "reports_open",
  [REEL_DB_CHANNEL_LISTED] = "channel_listed",
  [REEL_DB_NOTIFY_MEMORY] = "notify_memory",
  [REEL_DB_COMMENT_VIDEOS] = "comment_videos",
  [REEL_DB_SUBSCRIPTION_USERS] = "subscription_users",
  [REEL_DB_EMAIL_VERIFICATIONS] = "email_verifications",
  [REEL_DB_RATINGS] = "ratings",
  [REEL_DB_LIKED] = "liked",
  [REEL_DB_PLAYLISTS] = "playlists",
  [REEL_DB_PLAYLIST_OWNERS] = "playlist_owners",
  [REEL_DB_HISTORY] = "history",
  [REEL_DB_HISTORY_ORDER] = "history_order",
  [REEL_DB_WORKS] = "works",
  [REEL_DB_WORK_INDEX] = "work_index",
  [REEL_DB_VIDEO_PRINTS] = "video_prints",
  [REEL_DB_FEED_TOKENS] = "feed_tokens",
};

struct ReelStore
{
  MDB_env *env;
  MDB_dbi dbi[REEL_DB_COUNT];
};

struct ReelTxn
{
  ReelStore *store;
  MDB_txn *txn;
};

static gboolean
check (int rc, const char *what, GError **error)
{
  if (rc == MDB_SUCCESS)
    return TRUE;
  g_set_error (error, REEL_ERROR, rc == MDB_MAP_FULL ? REEL_ERROR_UNAVAILABLE : REEL_ERROR_INTERNAL,
               "LMDB %s: %s", what, mdb_strerror (rc));
  return FALSE;
}

ReelStore *
reel_store_open (const char *dir, GError **error)
{
  g_autofree ReelStore *store = g_new0 (ReelStore, 1);
  MDB_txn *txn = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return NULL;
    }
  if (!check (mdb_env_create (&store->env), "env_create", error))
    return NULL;
  if (!check (mdb_env_set_maxdbs (store->env, REEL_DB_COUNT + 8), "set_maxdbs", error)
      || !check (mdb_env_set_mapsize (store->env, REEL_STORE_MAP_SIZE), "set_mapsize", error)
      || !check (mdb_env_open (store->env, dir, MDB_NOTLS, 0600), "env_open", error)
      || !check (mdb_txn_begin (store->env, NULL, 0, &txn), "txn_begin", error))
    {
      g_prefix_error (error, "%s: ", dir);
      mdb_env_close (store->env);
      return NULL;
    }
  for (int i = 0; i < REEL_DB_COUNT; i++)
    if (!check (mdb_dbi_open (txn, db_names[i], MDB_CREATE, &store->dbi[i]), "dbi_open", error))
      {
        mdb_txn_abort (txn);
        mdb_env_close (store->env);
        return NULL;
      }
  if (!check (mdb_txn_commit (txn), "commit", error))
    {
      mdb_env_close (store->env);
      return NULL;
    }
  return g_steal_pointer (&store);
}

void
reel_store_close (ReelStore *store)
{
  if (!store)
    return;
  mdb_env_close (store->env);
  g_free (store);
}

gboolean
reel_store_check (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  return txn != NULL;
}

ReelTxn *
reel_store_begin (ReelStore *store, gboolean write, GError **error)
{
  MDB_txn *t = NULL;
  if (!check (mdb_txn_begin (store->env, NULL, write ? 0 : MDB_RDONLY, &t), "txn_begin", error))
    return NULL;
  ReelTxn *txn = g_new0 (ReelTxn, 1);
  txn->store = store;
  txn->txn = t;
  return txn;
}

gboolean
reel_txn_commit (ReelTxn *txn, GError **error)
{
  int rc = mdb_txn_commit (txn->txn);
  txn->txn = NULL;
  g_free (txn);
  return check (rc, "commit", error);
}

void
reel_txn_abort (ReelTxn *txn)
{
  if (!txn)
    return;
  if (txn->txn)
    mdb_txn_abort (txn->txn);
  g_free (txn);
}

gboolean
reel_store_version (ReelStore *store, guint64 *version, GError **error)
{
  /* A read transaction's own id, not mdb_env_info's: that reads the meta
   * page, which a commit writes before new readers get to see it. */
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  if (!txn)
    return FALSE;
  *version = mdb_txn_id (txn->txn);
  return TRUE;
}

gboolean
reel_txn_get (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, const void **value,
              gsize *value_len, GError **error)
{
  MDB_val k = { key_len, (void *)key }, v;
  int rc = mdb_get (txn->txn, txn->store->dbi[db], &k, &v);
  if (rc == MDB_NOTFOUND)
    return FALSE;
  if (!check (rc, "get", error))
    return FALSE;
  if (value)
    *value = v.mv_data;
  if (value_len)
    *value_len = v.mv_size;
  return TRUE;
}

gboolean
reel_txn_put (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, const void *value,
              gsize value_len, GError **error)
{
  MDB_val k = { key_len, (void *)key }, v = { value_len, (void *)value };
  return check (mdb_put (txn->txn, txn->store->dbi[db], &k, &v, 0), "put", error);
}

JsonObject *
reel_txn_get_json (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, GError **error)
{
  const void *v;
  gsize len;
  if (!reel_txn_get (txn, db, key, key_len, &v, &len, error))
    return NULL;
  return reel_json_parse_object (v, len, error);
}

gboolean
reel_txn_put_json (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, JsonObject *record,
                   GError **error)
{
  g_autofree char *text = reel_json_object_to_string (record);
  return reel_txn_put (txn, db, key, key_len, text, strlen (text), error);
}

gboolean
reel_txn_del (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, GError **error)
{
  MDB_val k = { key_len, (void *)key };
  int rc = mdb_del (txn->txn, txn->store->dbi[db], &k, NULL);
  return rc == MDB_NOTFOUND || check (rc, "del", error);
}

guint64
reel_txn_get_applied (ReelTxn *txn, const char *projection)
{
  g_autofree char *key = g_strconcat ("applied:", projection, NULL);
  return reel_txn_get_u64 (txn, REEL_DB_META, key, strlen (key));
}

gboolean
reel_txn_set_applied (ReelTxn *txn, const char *projection, guint64 seq, GError **error)
{
  g_autofree char *key = g_strconcat ("applied:", projection, NULL);
  guint8 v[8];
  reel_store_key_u64 (v, seq);
  return reel_txn_put (txn, REEL_DB_META, key, strlen (key), v, sizeof v, error);
}

/* The smallest key greater than every key starting with prefix (prefix
 * with its last non-0xff byte incremented and the rest cut); FALSE when there
 * is none (prefix is all 0xff bytes). */
static gboolean
prefix_successor (const guint8 *prefix, gsize len, GByteArray *out)
{
  while (len > 0 && prefix[len - 1] == 0xff)
    len--;
  if (len == 0)
    return FALSE;
  g_byte_array_append (out, prefix, (guint)len);
  out->data[len - 1]++;
  return TRUE;
}

/* Positions the cursor on the first key of the walk; MDB_NOTFOUND when the
 * walk is empty. */
static int
scan_start (MDB_cursor *cur, const void *prefix, gsize prefix_len, const void *after,
            gsize after_len, gboolean reverse, MDB_val *k, MDB_val *v)
{
  int rc;
  if (!reverse)
    {
      if (after)
        {
          k->mv_data = (void *)after;
          k->mv_size = after_len;
          rc = mdb_cursor_get (cur, k, v, MDB_SET_RANGE);
          if (rc == MDB_SUCCESS && k->mv_size == after_len
              && memcmp (k->mv_data, after, after_len) == 0)
            rc = mdb_cursor_get (cur, k, v, MDB_NEXT);
          return rc;
        }
      k->mv_data = (void *)prefix;
      k->mv_size = prefix_len;
      return prefix_len ? mdb_cursor_get (cur, k, v, MDB_SET_RANGE)
                        : mdb_cursor_get (cur, k, v, MDB_FIRST);
    }
  /* Backwards: the last key before the bound (the cursor key, or the end
   * of the prefix's range). */
  g_autoptr (GByteArray) bound = g_byte_array_new ();
  if (after)
    g_byte_array_append (bound, after, (guint)after_len);
  else if (!prefix_len || !prefix_successor (prefix, prefix_len, bound))
    return mdb_cursor_get (cur, k, v, MDB_LAST);
  k->mv_data = bound->data;
  k->mv_size = bound->len;
  rc = mdb_cursor_get (cur, k, v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND)
    return mdb_cursor_get (cur, k, v, MDB_LAST);
  return rc == MDB_SUCCESS ? mdb_cursor_get (cur, k, v, MDB_PREV) : rc;
}

gboolean
reel_txn_scan (ReelTxn *txn, ReelDb db, const void *prefix, gsize prefix_len, const void *after,
               gsize after_len, gboolean reverse, ReelScanFunc func, gpointer user_data,
               GError **error)
{
  MDB_cursor *cur = NULL;
  MDB_val k, v;
  int rc;

  /* A cursor key outside the prefix would walk other keys: callers check
   * cursors they decode (reel_page_parse) before they get here. */
  g_return_val_if_fail (
      !after
          || (after_len >= prefix_len && (!prefix_len || memcmp (after, prefix, prefix_len) == 0)),
      FALSE);
  if (!check (mdb_cursor_open (txn->txn, txn->store->dbi[db], &cur), "cursor_open", error))
    return FALSE;
  for (rc = scan_start (cur, prefix, prefix_len, after, after_len, reverse, &k, &v);
       rc == MDB_SUCCESS; rc = mdb_cursor_get (cur, &k, &v, reverse ? MDB_PREV : MDB_NEXT))
    {
      if (prefix_len && (k.mv_size < prefix_len || memcmp (k.mv_data, prefix, prefix_len) != 0))
        break;
      if (!func (k.mv_data, k.mv_size, v.mv_data, v.mv_size, user_data))
        break;
    }
  mdb_cursor_close (cur);
  return rc == MDB_SUCCESS || rc == MDB_NOTFOUND || check (rc, "cursor_get", error);
}

static gboolean
collect_key (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  g_ptr_array_add (data, g_bytes_new (key, key_len));
  return TRUE;
}

GPtrArray *
reel_txn_keys (ReelTxn *txn, ReelDb db, const void *prefix, gsize prefix_len, GError **error)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  if (!reel_txn_scan (txn, db, prefix, prefix_len, NULL, 0, FALSE, collect_key, keys, error))
    return NULL;
  return g_steal_pointer (&keys);
}

gboolean
reel_store_drop_all (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, error);
  if (!txn)
    return FALSE;
  for (int i = 0; i < REEL_DB_COUNT; i++)
    if (!check (mdb_drop (txn->txn, store->dbi[i], 0), "drop", error))
      return FALSE;
  return reel_txn_commit (g_steal_pointer (&txn), error);
}

gboolean
reel_txn_drop (ReelTxn *txn, ReelDb db, GError **error)
{
  return check (mdb_drop (txn->txn, txn->store->dbi[db], 0), "drop", error);
}

gboolean
reel_store_drop_projection (ReelStore *store, const char *projection, const ReelDb *dbs,
                            guint n_dbs, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, error);
  g_autofree char *key = g_strconcat ("applied:", projection, NULL);
  if (!txn)
    return FALSE;
  for (guint i = 0; i < n_dbs; i++)
    if (!check (mdb_drop (txn->txn, store->dbi[dbs[i]], 0), "drop", error))
      return FALSE;
  return reel_txn_del (txn, REEL_DB_META, key, strlen (key), error)
         && reel_txn_commit (g_steal_pointer (&txn), error);
}

guint64
reel_txn_get_u64 (ReelTxn *txn, ReelDb db, const void *key, gsize key_len)
{
  const void *v;
  gsize len;
  if (!reel_txn_get (txn, db, key, key_len, &v, &len, NULL) || len != 8)
    return 0;
  return reel_store_read_u64 (v);
}

gboolean
reel_txn_add_u64 (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, gint64 delta,
                  GError **error)
{
  guint64 now = reel_txn_get_u64 (txn, db, key, key_len);
  guint8 v[8];
  /* A counter that falls to 0 goes away, so a count that went up and down
   * leaves the same database as one that never moved (rebuilds compare
   * dumps). */
  if (delta < 0 && (guint64)-delta >= now)
    return reel_txn_del (txn, db, key, key_len, error);
  reel_store_key_u64 (v, now + (guint64)delta);
  return reel_txn_put (txn, db, key, key_len, v, sizeof v, error);
}

void
reel_store_key_u64 (guint8 out[8], guint64 v)
{
  guint64 be = GUINT64_TO_BE (v);
  memcpy (out, &be, 8);
}

void
reel_store_key_append_time_id (GByteArray *key, gint64 time_us, const char *id)
{
  guint8 t[8];
  reel_store_key_u64 (t, (guint64)time_us);
  g_byte_array_append (key, t, sizeof t);
  g_byte_array_append (key, (const guint8 *)id, REEL_ID_LEN);
}

GBytes *
reel_store_key_owner_time_id (const char *owner, gint64 time_us, const char *id)
{
  GByteArray *key = g_byte_array_sized_new ((guint)strlen (owner) + 1 + REEL_STORE_TIME_ID_LEN);
  g_byte_array_append (key, (const guint8 *)owner, (guint)strlen (owner) + 1);
  reel_store_key_append_time_id (key, time_us, id);
  return g_byte_array_free_to_bytes (key);
}

guint64
reel_store_read_u64 (const guint8 in[8])
{
  guint64 be;
  memcpy (&be, in, 8);
  return GUINT64_FROM_BE (be);
}
