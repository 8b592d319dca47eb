/* Counters: named non-negative integers in the COUNTERS table, kept by the
 * projections next to the rows they count, in the same transaction, so a
 * count never disagrees with its index (a channel's subscriber_count and its
 * SUBSCRIBERS rows, a video's comment count and its COMMENTS rows).
 *
 * Names are "<what>:<whose>", e.g. "subscribers:alice", "comments:<video>".
 * A counter that falls to 0 is deleted, so a count that went up and down
 * leaves the same LMDB as one that never moved (a rebuild compares dumps). */
#pragma once

#include "store/store.h"

G_BEGIN_DECLS

guint64 reel_counter_get (ReelTxn *txn, const char *name);
/* Adds delta (negative to subtract; the result is clamped at 0). */
gboolean reel_counter_add (ReelTxn *txn, const char *name, gint64 delta, GError **error);

G_END_DECLS
