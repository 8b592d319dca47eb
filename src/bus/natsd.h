/* The embedded nats-server: what makes `reeld` work on one machine with no
 * set-up. When no NATS URL is configured, reeld starts nats-server with
 * JetStream on 127.0.0.1 with a free port and its store under DATA_DIR/nats,
 * waits until it accepts connections, restarts it (on the same port, so
 * clients simply reconnect) if it dies, and stops it on exit. The child also
 * gets SIGTERM if reeld itself dies, so a crashed reeld never leaves a second
 * server writing the same store.
 *
 * The server is not open to whoever can reach the port (every local user
 * can): it requires a token, generated at the first start into
 * DATA_DIR/nats/token (0600) and kept. The server learns it from its config
 * file, DATA_DIR/nats/nats-server.conf (0600, rewritten at every start),
 * never from its command line, which ps shows to everyone. Clients use
 * reel_natsd_token(); an operator's `nats` CLI can use
 * `--server nats://$(cat DATA_DIR/nats/token)@127.0.0.1:PORT`.
 *
 * Durability: the server writes every message to its file store before it
 * acknowledges it, so killing reeld or the server loses nothing
 * acknowledged; the fsync that protects against a machine crash or power
 * loss happens every two minutes by default. sync ("always" or an interval
 * such as "1s", nats.sync) shortens that window, and needs nats-server 2.10
 * or newer: an older server refuses it, and so does start-up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct ReelNatsd ReelNatsd;

/* Starts the server and blocks until it accepts connections (or fails with
 * a message that says what to do, e.g. when the binary is missing). sync is
 * "default" or the server's sync_interval (see above). */
ReelNatsd *reel_natsd_start (const char *binary, const char *store_dir, const char *sync,
                             GError **error);

/* nats://127.0.0.1:PORT */
const char *reel_natsd_url (ReelNatsd *natsd);

/* The token every client of this server must present. */
const char *reel_natsd_token (ReelNatsd *natsd);

/* Stops supervising and terminates the server gracefully. */
void reel_natsd_stop (ReelNatsd *natsd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelNatsd, reel_natsd_stop)

G_END_DECLS
