/* The core projection: the read models built from the event log (users,
 * sessions, videos, subscriptions, channels, notifications, comments,
 * search). One entry point
 * applies one event inside the caller's write transaction, dispatching by
 * event type to the module that owns that aggregate. */
#pragma once

#include "bus/events.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Its name in META ("applied:<name>") and in consumer names. */
#define REEL_PROJECTION_CORE "core"

/* Applies ev. A malformed event is reported with REEL_ERROR_INVALID (the
 * caller skips it: the log cannot be changed, and one bad event must not
 * stop every read model); any other error aborts the transaction. */
gboolean reel_projection_apply (ReelTxn *txn, const ReelEvent *ev, GError **error);

G_END_DECLS
