/* The LMDB environment that holds every read model (projection).
 *
 * One environment under DATA_DIR/lmdb with one named database per table
 * (ReelDb). All access goes through a ReelTxn: reel_store_begin() opens a
 * read-only or read-write transaction, reel_txn_commit() commits it, and a
 * g_autoptr(ReelTxn) that is never committed is aborted when it goes out of
 * scope. LMDB allows one writer at a time (the projector) and any number of
 * readers on any thread (the environment is opened with MDB_NOTLS).
 *
 * Keys are designed for the queries that read them; integers in keys are
 * big-endian (reel_store_key_u64) so cursors walk them in numeric order.
 * Every projection stores the stream sequence it has applied in META, inside
 * the same transaction as the change (reel_txn_set_applied). */
#pragma once

#include "core/id.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_DB_META,     /* "applied:<projection>" -> u64 BE stream sequence;
                     * "layout:<projection>" -> u64 BE its layout (app/projection.h);
                     * "origin:<stream>" -> u64 BE creation time (ns) of the
                     * stream applied (daemon/checkpoints.h) */
  REEL_DB_USERS,    /* username -> user record (JSON) */
  REEL_DB_SESSIONS, /* hex(token hash) -> session record (JSON) */
  REEL_DB_VIDEOS,   /* video id -> video record (JSON) */
  REEL_DB_CHUNKS,   /* video id "/" u32 BE chunk (or "audio") -> transcoded renditions (JSON) */
  /* The social read models and search (app/social/channels.c, comments.c,
   * notifications.c, app/search/index.c); "\0" separates a name from what
   * follows it, times are u64 BE microseconds of the event's `at`. */
  REEL_DB_CHANNEL_VIDEOS,  /* owner \0 ready time, video id -> "" (a channel's published videos) */
  REEL_DB_SUBSCRIPTIONS,   /* subscriber \0 channel -> {"at"} */
  REEL_DB_SUBSCRIBERS,     /* channel \0 subscriber -> {"at"}: the mirror of SUBSCRIPTIONS */
  REEL_DB_COMMENTS,        /* video, thread time, thread id [, reply time, reply id] -> comment */
  REEL_DB_COMMENT_IDS,     /* comment id -> its COMMENTS key */
  REEL_DB_USER_COMMENTS,   /* author \0 time, comment id -> "" (rate limit, kept after deletes) */
  REEL_DB_NOTIFICATIONS,   /* user \0 time, event id -> notification (JSON) */
  REEL_DB_SEARCH_POSTINGS, /* term \0 video id -> term frequencies and document length */
  REEL_DB_SEARCH_TERMS,    /* term -> u32 BE documents containing it */
  REEL_DB_SEARCH_DOCS,     /* video id -> the terms it was indexed under (JSON) */
  REEL_DB_COUNTERS,        /* name -> u64 BE (store/counters.h) */
  /* Projections of the viewer-action stream (app/analytics/views.c, analytics.c, related.c): */
  REEL_DB_VIEW_WATCH,          /* video id + session id -> ReelWatch (app/analytics/watch.h) */
  REEL_DB_VIEW_COUNTS,         /* video id -> u64 BE counted views */
  REEL_DB_ANALYTICS_WATCH,     /* video id + session id -> ReelWatch */
  REEL_DB_ANALYTICS_COUNTERS,  /* video id + counter name -> u64 BE */
  REEL_DB_RELATED_WATCH,       /* video id + session id -> ReelWatch */
  REEL_DB_RELATED_HISTORY,     /* viewer key -> recent video ids, 11 bytes each */
  REEL_DB_RELATED_PAIRS,       /* video id + video id -> u64 BE viewers who watched both */
  REEL_DB_LIVE,                /* channel (username) -> live channel record (JSON) */
  REEL_DB_VIDEOS_UNANNOUNCED,  /* video id -> "": ready, its video.ready not applied yet */
  REEL_DB_INVITES,             /* hex(code hash) -> invite record (JSON, app/invites.h) */
  REEL_DB_AUDIT,               /* time \0 event id -> action (JSON, app/moderation/audit.h) */
  REEL_DB_PASSWORD_RESETS,     /* hex(token hash) -> password reset (JSON, app/users/users.h) */
  REEL_DB_QUOTA_USAGE,         /* username -> storage used and quota overrides (app/quotas.h) */
  REEL_DB_QUOTA_VIDEOS,        /* video id -> its owner and original's size (app/quotas.h) */
  REEL_DB_QUOTA_RECENT,        /* owner \0 time \0 video id -> u64 BE size (app/quotas.h) */
  REEL_DB_REPORTS,             /* report id -> report (JSON, app/moderation/reports.h) */
  REEL_DB_REPORTS_OPEN,        /* time \0 report id -> "": the moderators' queue */
  REEL_DB_CHANNEL_LISTED,      /* video id -> its CHANNEL_VIDEOS key, "" once deleted */
  REEL_DB_NOTIFY_MEMORY,       /* what notifications remember (app/social/notifications.c) */
  REEL_DB_COMMENT_VIDEOS,      /* video id -> "": the videos comments may be posted on */
  REEL_DB_SUBSCRIPTION_USERS,  /* username -> "": the accounts one may subscribe (to) */
  REEL_DB_EMAIL_VERIFICATIONS, /* hex(token hash) -> email verification (JSON, app/users/users.h) */
  REEL_DB_HISTORY,             /* viewer \0 video id -> last position (app/analytics/history.h) */
  REEL_DB_HISTORY_ORDER,   /* viewer \0 received_at \0 video id -> "" (app/analytics/history.h) */
  REEL_DB_WORKS,           /* work id -> protected work with its prints (app/checks/works.h) */
  REEL_DB_WORK_INDEX,      /* kind, band, value, work id, position -> "" (app/checks/works.h) */
  REEL_DB_VIDEO_PRINTS,    /* video id -> its prints (app/checks/works.h) */
  REEL_DB_RATINGS,         /* user \0 video id -> {"rating","at"} (app/social/ratings.h) */
  REEL_DB_LIKED,           /* user \0 u64 BE time + video id -> "": likes (app/social/ratings.h) */
  REEL_DB_PLAYLISTS,       /* playlist id -> playlist with its items (app/playlists/playlists.h) */
  REEL_DB_PLAYLIST_OWNERS, /* owner \0 playlist id -> "" (app/playlists/playlists.h) */
  REEL_DB_FEED_TOKENS,     /* username -> its private feed token's hash (app/feeds/feed_tokens.h) */
  REEL_DB_COUNT
} ReelDb;

typedef struct ReelStore ReelStore;
typedef struct ReelTxn ReelTxn;

ReelStore *reel_store_open (const char *dir, GError **error);
void reel_store_close (ReelStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelStore, reel_store_close)

/* Whether the environment answers a read transaction (for /readyz). */
gboolean reel_store_check (ReelStore *store, GError **error);

ReelTxn *reel_store_begin (ReelStore *store, gboolean write, GError **error);
gboolean reel_txn_commit (ReelTxn *txn, GError **error);
void reel_txn_abort (ReelTxn *txn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelTxn, reel_txn_abort)

/* The version of the whole store a read transaction begun now sees: it
 * grows with every committed write, whichever table it changed, and a read
 * transaction begun after this call sees this version or a later one. What
 * is derived from the store alone may be kept under it (http/query.h). */
gboolean reel_store_version (ReelStore *store, guint64 *version, GError **error);

/* Looks a key up. TRUE and the value (valid until the transaction ends) when
 * found; FALSE when absent (error untouched) or on failure (error set). */
gboolean reel_txn_get (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, const void **value,
                       gsize *value_len, GError **error);
gboolean reel_txn_put (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, const void *value,
                       gsize value_len, GError **error);
/* Records that are JSON objects (most read models): the object at key,
 * NULL when absent (error untouched) or unreadable (error set); and storing
 * one. */
JsonObject *reel_txn_get_json (ReelTxn *txn, ReelDb db, const void *key, gsize key_len,
                               GError **error);
gboolean reel_txn_put_json (ReelTxn *txn, ReelDb db, const void *key, gsize key_len,
                            JsonObject *record, GError **error);
/* Deletes a key; deleting an absent key is not an error. */
gboolean reel_txn_del (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, GError **error);

/* The stream sequence a projection has applied (0 = nothing yet). */
guint64 reel_txn_get_applied (ReelTxn *txn, const char *projection);
gboolean reel_txn_set_applied (ReelTxn *txn, const char *projection, guint64 seq, GError **error);

/* Called by reel_txn_scan() for each key in turn; FALSE stops the scan.
 * key and value are valid until the transaction ends. */
typedef gboolean (*ReelScanFunc) (const guint8 *key, gsize key_len, const guint8 *value,
                                  gsize value_len, gpointer user_data);

/* Visits the keys of db that start with prefix (all keys when prefix_len is
 * 0), in key order or, with reverse, in reverse order. With after, the walk
 * starts strictly after that key in the direction of travel (it need not
 * exist, but must start with prefix): the one primitive behind cursor paging, which stays stable
 * under concurrent inserts because it resumes from a key, not an offset. */
gboolean reel_txn_scan (ReelTxn *txn, ReelDb db, const void *prefix, gsize prefix_len,
                        const void *after, gsize after_len, gboolean reverse, ReelScanFunc func,
                        gpointer user_data, GError **error);
/* The keys of db that start with prefix, in key order, as GBytes: for
 * changing those rows, which a scan's callback must not do. NULL on error. */
GPtrArray *reel_txn_keys (ReelTxn *txn, ReelDb db, const void *prefix, gsize prefix_len,
                          GError **error);

/* Empties every database, so the projections can be rebuilt from the log. */
gboolean reel_store_drop_all (ReelStore *store, GError **error);

/* Empties one database inside a write transaction (a projection dropped
 * together with its rows in shared tables, atomically). */
gboolean reel_txn_drop (ReelTxn *txn, ReelDb db, GError **error);

/* Empties the databases of one projection and forgets its checkpoint
 * ("applied:<projection>"), so that projection alone can be rebuilt. */
gboolean reel_store_drop_projection (ReelStore *store, const char *projection, const ReelDb *dbs,
                                     guint n_dbs, GError **error);

/* A counter: adds delta (negative to subtract) to the u64 BE value at key
 * (absent = 0); one that reaches 0 is deleted (clamped, never below). */
gboolean reel_txn_add_u64 (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, gint64 delta,
                           GError **error);
/* The u64 BE value at key, 0 when absent. */
guint64 reel_txn_get_u64 (ReelTxn *txn, ReelDb db, const void *key, gsize key_len);

/* Writes v big-endian into out[8]: keys that sort numerically. */
void reel_store_key_u64 (guint8 out[8], guint64 v);
guint64 reel_store_read_u64 (const guint8 in[8]);

/* The part of a key that orders a list by time: the time (µs) big-endian,
 * then the item's id, REEL_STORE_TIME_ID_LEN bytes in all. */
#define REEL_STORE_TIME_ID_LEN (8 + REEL_ID_LEN)
void reel_store_key_append_time_id (GByteArray *key, gint64 time_us, const char *id);
/* owner, its NUL, then the time and id: the key of one owner's list in
 * time order (a channel's videos, what a user liked, their comments). */
GBytes *reel_store_key_owner_time_id (const char *owner, gint64 time_us, const char *id);

G_END_DECLS
