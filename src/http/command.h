/* How a write runs: off the main loop on a worker thread (the command),
 * then, once it has published its event, waiting for the local projection
 * to apply it, so the client reads its own write on its next request. A
 * request with an Idempotency-Key runs in that key's scope (core/idem.h):
 * sent again, it publishes the same events, which JetStream stores once.
 * Password hashing runs on a pool of its own. */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

#define REEL_HTTP_IDEMPOTENCY_KEY "Idempotency-Key"
#define REEL_HTTP_HASH_QUEUE_FULL_METRIC "reel_http_hash_queue_full_total"

/* For the server (http/server.c): when msg has an Idempotency-Key, hashes
 * its body as it arrives, whoever consumes it; the same key with another
 * body is another request. */
void reel_command_watch_body (SoupServerMessage *msg);
/* The pool password commands run on, threads wide. */
GThreadPool *reel_command_hash_pool_new (guint threads);

/* What a command adds to its answer besides the body: the sequence of the
 * event it published (to wait for) and response headers. */
typedef struct
{
  guint64 seq;
  GPtrArray *headers; /* name, value, name, value, ... (owned) */
} ReelReply;

void reel_reply_header (ReelReply *reply, const char *name, const char *value);

/* Runs on a worker thread: may block (hashing, publishing, disk), must not
 * touch req->msg. Returns the response body (or NULL for none) and fills
 * reply. */
typedef JsonNode *(*ReelCommandFunc) (ReelHttp *http, gpointer data, ReelReply *reply,
                                      GError **error);

/* Runs func off the main loop, waits until the projector has applied *seq,
 * then answers with status and func's body (or the error). */
void reel_request_run_command (ReelRequest *req, guint status, ReelCommandFunc func, gpointer data,
                               GDestroyNotify data_free);

/* The same for commands that hash a password (argon2id: ~0.1 s of CPU and
 * 64 MiB each). They run on a pool of about one thread per core
 * (auth.hash_threads), so a flood of logins waits there instead of taking
 * the threads and memory every other command shares; when auth.hash_queue
 * are already waiting, answers 503 with Retry-After at once (and frees
 * data). */
void reel_request_run_password_command (ReelRequest *req, guint status, ReelCommandFunc func,
                                        gpointer data, GDestroyNotify data_free);

G_END_DECLS
