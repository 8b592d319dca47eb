/* Flood limits at the HTTP edge: the one place that knows which routes are
 * rate-limited and applies their token buckets (core/ratelimit.h) before a
 * handler runs.
 *
 * Each limited route takes one token from the bucket of its client address
 * (http/peer.h) and, when the request names an account, one from the
 * account's: the username tried for a login, the bearer token's user for
 * everything else (an invalid token takes none; the handler answers 401).
 * A refusal is 429 with {"error":{"code":"rate_limited"}} and Retry-After.
 * The rates are the limits.* settings (ReelLimit in core/config.h); comments
 * per account have their own exact limit (app/social/comments.h).
 *
 * The buckets live in this process. With several API nodes each counts
 * alone, so a client spread over n nodes gets n times the rate; a balancer
 * that keeps a client on one node (by address) keeps the limits exact, and a
 * shared counter would cost a network round trip on every request. */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

typedef struct ReelThrottle ReelThrottle;

ReelThrottle *reel_throttle_new (const ReelConfig *cfg, GPtrArray *trusted_proxies);
void reel_throttle_free (ReelThrottle *t);

/* Applies the limits of req's route (once per request, whether called from
 * the early handler or the handler). FALSE after answering 429. */
gboolean reel_throttle_request (ReelThrottle *t, ReelRequest *req);

G_END_DECLS
