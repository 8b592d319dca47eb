/* The embedded nats-server: what makes `reeld` work on one machine with no
 * set-up. When no NATS URL is configured, reeld starts `nats-server -js` on
 * 127.0.0.1 with a free port and its store under DATA_DIR/nats, waits until it
 * accepts connections, restarts it (on the same port, so clients simply
 * reconnect) if it dies, and stops it on exit. The child also gets SIGTERM if
 * reeld itself dies, so a crashed reeld never leaves a second server writing
 * the same store. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct ReelNatsd ReelNatsd;

/* Starts the server and blocks until it accepts connections (or fails with
 * a message that says what to do, e.g. when the binary is missing). */
ReelNatsd *reel_natsd_start (const char *binary, const char *store_dir, GError **error);

/* nats://127.0.0.1:PORT */
const char *reel_natsd_url (ReelNatsd *natsd);

/* Stops supervising and terminates the server gracefully. */
void reel_natsd_stop (ReelNatsd *natsd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelNatsd, reel_natsd_stop)

G_END_DECLS
