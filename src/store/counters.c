/* See counters.h. */
#include "store/counters.h"

guint64
reel_counter_get (ReelTxn *txn, const char *name)
{
  return reel_txn_get_u64 (txn, REEL_DB_COUNTERS, name, strlen (name));
}

gboolean
reel_counter_add (ReelTxn *txn, const char *name, gint64 delta, GError **error)
{
  return reel_txn_add_u64 (txn, REEL_DB_COUNTERS, name, strlen (name), delta, error);
}
