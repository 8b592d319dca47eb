/* reeld's composition root: starts the parts a node's roles need, in
 * dependency order (store, NATS, streams, projector, HTTP), and stops them in
 * reverse, letting work in flight finish. */
#pragma once

#include "core/config.h"

G_BEGIN_DECLS

typedef struct ReelDaemon ReelDaemon;

ReelDaemon *reel_daemon_start (const ReelConfig *cfg, GError **error);
/* The URL people open, e.g. http://127.0.0.1:8080/ (NULL without the api role). */
const char *reel_daemon_url (ReelDaemon *d);
/* Stops accepting, finishes requests and batches in flight, then shuts down. */
void reel_daemon_stop (ReelDaemon *d);

/* Drops every projection and replays the whole event log, then the
 * retained viewer actions, into LMDB. With only (comma-separated names of
 * core projections, app/projection.h, or action projections: views,
 * analytics, related), drops and replays just those from their stream, the
 * others untouched. Reports how many events and actions were replayed (0
 * for a stream none of them reads). */
gboolean reel_daemon_rebuild (const ReelConfig *cfg, const char *only, guint64 *n_events,
                              guint64 *n_actions, GError **error);

G_END_DECLS
