/* A feed reads a stream in order from a sequence the caller owns, on a
 * thread of its own, and hands each batch of messages to a callback.
 *
 * The caller, not the server, keeps the position: a projection stores the
 * last sequence it applied in the same LMDB transaction as the change, and
 * the feed asks it where to resume every time it (re)creates its consumer,
 * at start, after a failed batch, or after the server lost the consumer.
 * That is what makes delivery exactly-once for the projection even though
 * JetStream itself delivers at-least-once. The consumer is durable (so it
 * survives a server restart) and named per node, so every API node keeps its
 * own read replica. */
#pragma once

#include "bus/bus.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 seq;     /* stream sequence */
  guint64 pending; /* messages left in the stream after this one */
  const char *subject;
  const char *data;
  gsize len;
} ReelFeedMsg;

/* Where to resume: the next sequence wanted (1 = from the beginning). */
typedef guint64 (*ReelFeedResumeFunc) (gpointer user_data);
/* Applies a batch; FALSE (with error) makes the feed retry from resume(). */
typedef gboolean (*ReelFeedBatchFunc) (const ReelFeedMsg *msgs, guint n, gpointer user_data,
                                       GError **error);

typedef struct ReelFeed ReelFeed;

ReelFeed *reel_feed_start (ReelBus *bus, const char *stream, const char *filter,
                           const char *consumer_name, ReelFeedResumeFunc resume,
                           ReelFeedBatchFunc batch, gpointer user_data);
/* Finishes the batch in progress, then stops the thread. */
void reel_feed_stop (ReelFeed *feed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelFeed, reel_feed_stop)

G_END_DECLS
