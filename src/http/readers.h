/* The HTTP server threads beyond the first (http.threads), so serving uses
 * every core.
 *
 * Each runs a SoupServer of its own on its own thread and GMainContext,
 * listening on the same port as the first (SO_REUSEPORT: the kernel spreads
 * new connections over them), with the same handlers. They run only the
 * shared routes: requests that only read (LMDB read transactions, blobs)
 * and touch nothing of the server's but what is safe from any thread
 * (media segments, playlists, manifests, posters, GET /api/v1/videos/{id},
 * the lists of videos, search, a video's comments and related videos, the
 * web UI's pages and files).
 * Anything else that arrives on one of their connections (a command, a
 * request with a body, an unknown path) moves that connection, when its
 * head is in and before its body is read, to the first server: the
 * connection is taken from libsoup, and the first server reads the head
 * again (http/replay_stream.h) and keeps the connection from then on.
 * Commands and their read-your-writes wait stay on the first thread; a
 * read on another thread sees every write acknowledged before it began,
 * because a command answers only once its write is in LMDB. */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

typedef struct ReelReaders ReelReaders;

/* Starts count threads serving on address (the first server's, bound with
 * SO_REUSEPORT). */
ReelReaders *reel_readers_start (ReelHttp *http, GSocketAddress *address, guint count,
                                 GError **error);
/* Stops the threads (their connections close). */
void reel_readers_stop (ReelReaders *readers);

/* Whether the request for route (the router's pattern) by method may run
 * on any server thread. */
gboolean reel_readers_route_shared (const char *method, const char *pattern);

/* Called on a reader thread's server when msg's head is in: moves its
 * connection to the first server. */
void reel_readers_hand_over (ReelHttp *http, SoupServer *server, SoupServerMessage *msg);

G_END_DECLS
