/* Connection limits for reel's SoupServer: a cap on open connections in
 * total and per client address, and deadlines for a request's headers, for
 * silence in the middle of a body and for an idle keep-alive connection, so
 * a few thousand sockets that trickle bytes (slowloris) or just sit there
 * cannot take all of reeld's connections and descriptors.
 *
 * libsoup 3 has none of these and keeps its connection objects private, so
 * this watches from outside through public API: SoupServer's
 * request-started signal fires as soon as a connection is accepted (its
 * first message is created then) and, on a keep-alive connection, when the
 * first byte of the next request arrives; soup_server_message_get_socket()
 * tells the connections apart. A connection over a cap is answered 503 by
 * writing on its socket directly and shut down; one past its deadline is
 * shut down (shutdown(2), both ways). libsoup then reads end-of-file, drops
 * the message and closes the connection as if the client had left, and the
 * client sees EOF. A connection stops counting once libsoup has closed it:
 * libsoup 3.2 never finalizes a server connection's socket, so closed
 * sockets are swept every second, and at once whenever a cap is reached,
 * which keeps the caps exact.
 *
 * Why not own the listening socket and hand each accepted connection to
 * soup_server_accept_iostream()? libsoup keeps a connection alive after a
 * response only while it has listeners of its own (request_finished in
 * soup-server.c), so every response would close its connection.
 *
 * Deadlines by what a connection is doing:
 *   headers   from accept, or from the first byte of a keep-alive request,
 *             until the headers are in: http.header_timeout_seconds
 *   body      silence between chunks of a request body:
 *             http.body_timeout_seconds (an upload may take hours)
 *   handling  none: the server's own time, and writing the answer
 *   idle      from the end of an answer to the next request's first byte:
 *             http.idle_timeout_seconds
 * Trusted proxies (http.trusted_proxies) carry many clients on their
 * connections and are exempt from the per-address cap. */
#pragma once

#include "core/config.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct ReelConnections ReelConnections;

/* Watches server's connections, from the thread-default main context
 * (the server's); trusted (GInetAddressMask) is borrowed. With share, the
 * caps count server's connections together with share's (every server
 * thread's, http/readers.h). */
ReelConnections *reel_connections_new (SoupServer *server, const ReelConfig *cfg,
                                       GPtrArray *trusted, ReelConnections *share);
void reel_connections_free (ReelConnections *rc);

/* Whether msg came on a connection refused at a cap: its request, even if
 * already read, must not run. */
gboolean reel_connections_refused (SoupServerMessage *msg);

/* Moving a connection to another server thread's tracker: it stays
 * counted. hand_over stops watching socket here (FALSE when it is not
 * watched); take, on the other tracker's thread before the server accepts
 * the connection, watches it from there, known by remote (the address
 * given to soup_server_accept_iostream()). */
gboolean reel_connections_hand_over (ReelConnections *rc, GSocket *socket);
void reel_connections_take (ReelConnections *rc, GSocket *socket, GSocketAddress *remote);

G_END_DECLS
