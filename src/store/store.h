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

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_DB_META,     /* "applied:<projection>" -> u64 BE stream sequence */
  REEL_DB_USERS,    /* username -> user record (JSON) */
  REEL_DB_SESSIONS, /* hex(token hash) -> session record (JSON) */
  REEL_DB_VIDEOS,   /* video id -> video record (JSON) */
  REEL_DB_CHUNKS,   /* video id "/" u32 BE chunk (or "audio") -> transcoded renditions (JSON) */
  REEL_DB_LIVE,     /* channel (username) -> live channel record (JSON) */
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

/* Looks a key up. TRUE and the value (valid until the transaction ends) when
 * found; FALSE when absent (error untouched) or on failure (error set). */
gboolean reel_txn_get (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, const void **value,
                       gsize *value_len, GError **error);
gboolean reel_txn_put (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, const void *value,
                       gsize value_len, GError **error);
/* Deletes a key; deleting an absent key is not an error. */
gboolean reel_txn_del (ReelTxn *txn, ReelDb db, const void *key, gsize key_len, GError **error);

/* The stream sequence a projection has applied (0 = nothing yet). */
guint64 reel_txn_get_applied (ReelTxn *txn, const char *projection);
gboolean reel_txn_set_applied (ReelTxn *txn, const char *projection, guint64 seq, GError **error);

/* Calls func for each entry of db in key order, starting at the first key
 * >= from (all when from is NULL), until it returns FALSE. The key and value
 * are valid during the call only. */
typedef gboolean (*ReelTxnEntryFunc) (const void *key, gsize key_len, const void *value,
                                      gsize value_len, gpointer data);
gboolean reel_txn_foreach (ReelTxn *txn, ReelDb db, const void *from, gsize from_len,
                           ReelTxnEntryFunc func, gpointer data, GError **error);

/* Empties every database, so the projections can be rebuilt from the log. */
gboolean reel_store_drop_all (ReelStore *store, GError **error);

/* Writes v big-endian into out[8]: keys that sort numerically. */
void reel_store_key_u64 (guint8 out[8], guint64 v);
guint64 reel_store_read_u64 (const guint8 in[8]);

G_END_DECLS
