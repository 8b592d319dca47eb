/* Idempotent retries: what makes a repeated request take effect once.
 *
 * A client whose request timed out cannot tell whether it took effect; it
 * may retry with the same Idempotency-Key header. The command of such a
 * request runs inside an idempotency scope (reel_idem_begin, on the thread
 * that runs it), whose seed is a hash of who sent it, the method, the path,
 * the key and the body (http/server.c). Inside the scope, what would
 * otherwise be random is derived from the seed, in the order the command
 * asks for it: the ids of the events it publishes, which are their
 * Nats-Msg-Id (bus/events.c), and the ids of the things it creates
 * (core/id.c). The same request sent again therefore publishes the same
 * events, which JetStream stores once within the stream's duplicate window
 * (two minutes), and names the same things: the retry answers with the
 * same comment id. Domain code that creates something checks whether its
 * (derived) id exists already, so a retry after the window does not
 * create it twice either.
 *
 * A command that mints a secret (a session token, a stream key) cannot be
 * repeated that way: the retry's secret would not be the stored one. Once a
 * secret is minted (core/secret.c) the scope derives nothing more, and such
 * a request simply runs again. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REEL_IDEM_SEED_LEN 32

/* The seed of a request: a hash of its parts (strings, "" for an absent
 * one) in order; the list ends with NULL. */
void reel_idem_seed (guint8 seed[REEL_IDEM_SEED_LEN], const char *first_part,
                     ...) G_GNUC_NULL_TERMINATED;

/* Starts and ends the calling thread's scope (they do not nest). */
void reel_idem_begin (const guint8 seed[REEL_IDEM_SEED_LEN]);
void reel_idem_end (void);

/* Fills out with the next len (at most 64) derived bytes and returns TRUE
 * inside a scope that has minted no secret; FALSE (out untouched)
 * otherwise. */
gboolean reel_idem_next (guint8 *out, gsize len);

/* Whether the calling thread is in a scope. */
gboolean reel_idem_active (void);

/* A secret was minted: the rest of the scope derives nothing. */
void reel_idem_spoil (void);

G_END_DECLS
