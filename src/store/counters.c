/* See counters.h. */
#include "store/counters.h"

guint64
reel_counter_get (ReelTxn *txn, const char *name)
{
  const void *v;
  gsize len;
  if (!reel_txn_get (txn, REEL_DB_COUNTERS, name, strlen (name), &v, &len, NULL) || len != 8)
    return 0;
  return reel_store_read_u64 (v);
}

gboolean
reel_counter_add (ReelTxn *txn, const char *name, gint64 delta, GError **error)
{
  guint64 now = reel_counter_get (txn, name);
  guint8 v[8];
  if (delta < 0 && (guint64)-delta >= now)
    return reel_txn_del (txn, REEL_DB_COUNTERS, name, strlen (name), error);
  reel_store_key_u64 (v, now + (guint64)delta);
  return reel_txn_put (txn, REEL_DB_COUNTERS, name, strlen (name), v, sizeof v, error);
}
