/* Parsed viewer actions, shared in one process by the action projections
 * (views, analytics, related: each its own consumer of REEL_ACTIONS) and
 * filled by the ingest that stored them: a message (one record, or a
 * batch's records of one video: app/analytics/actions.h) is parsed once,
 * not once per consumer, and on the node that took it not at all.
 *
 * An entry is keyed by the message's bytes; the stream sequence only picks
 * its slot. A hit is therefore exactly what parsing those bytes gives, and
 * the projections stay a function of the records alone (a rebuild, with an
 * empty cache, parses and gets the same). A miss costs a parse, nothing
 * else: a message stays until a newer one takes its slot (sequence modulo
 * the number of slots), so a consumer that fell further behind than that
 * parses for itself. Thread-safe. */
#pragma once

#include "app/analytics/action_record.h"

G_BEGIN_DECLS

typedef struct ReelActionCache ReelActionCache;

/* Room for slots messages (at least one), holding at most max_bytes of
 * messages and parsed actions together (a message holds up to a batch of
 * actions, actions.batch_max): past that, the oldest messages go first. */
ReelActionCache *reel_action_cache_new (guint slots, gsize max_bytes);
void reel_action_cache_free (ReelActionCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelActionCache, reel_action_cache_free)

/* Remembers that the message data (len bytes) at stream sequence seq
 * parses to the n actions. cache may be NULL (nothing is kept). */
void reel_action_cache_put (ReelActionCache *cache, guint64 seq, const char *data, gsize len,
                            const ReelAction *actions, guint n);

/* TRUE, with its actions appended to out (of ReelAction), when the message
 * at seq with exactly these bytes was put. */
gboolean reel_action_cache_get (ReelActionCache *cache, guint64 seq, const char *data, gsize len,
                                GArray *out);

G_END_DECLS
