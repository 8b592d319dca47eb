/* What every projection's consumer shares (the projector's core
 * projection, the viewer-action projections): a batch of its feed applied
 * to LMDB in one write transaction that also stores the stream sequence it
 * reached, so a batch is applied whole or not at all, and never twice.
 *   - A message at or below the stored sequence (redelivered after a crash
 *     between the commit and the ack) is passed over.
 *   - A message the projection rejects as REEL_ERROR_INVALID is warned
 *     about, counted in reel_events_skipped_total and passed over: one bad
 *     event never stalls a projection.
 *   - Any other error fails the batch: nothing is committed and the feed
 *     delivers it again.
 * Test hook (core/fault.h): kill-before-apply dies just before the commit. */
#pragma once

#include "bus/feed.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Declares the metrics every projection reports (projection="<name>"):
 * events applied and skipped, applied sequence, lag. */
void reel_batch_declare_metrics (void);

/* The first sequence the projection has not applied: where its feed resumes. */
guint64 reel_batch_resume_from (ReelStore *store, const char *projection);

/* Applies message index of the batch (its sequence is new) to txn. */
typedef gboolean (*ReelBatchApplyFunc) (ReelTxn *txn, guint index, gpointer user_data,
                                        GError **error);

/* Applies msgs to the projection with apply; *applied receives the sequence
 * reached. labels are the metrics' (projection="<name>"). */
gboolean reel_batch_apply (ReelStore *store, const char *projection, const char *labels,
                           const ReelFeedMsg *msgs, guint n, ReelBatchApplyFunc apply,
                           gpointer user_data, guint64 *applied, GError **error);

G_END_DECLS
