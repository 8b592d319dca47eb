/* Token buckets keyed by text, for flood limits (http/throttle.h applies
 * them per route; "login:ip:203.0.113.7" is a typical key).
 *
 * A bucket holds up to `burst` tokens and refills at `burst` per `period`
 * seconds; each request takes one token or is refused with the whole
 * seconds until the next token. So "60/60" lets 60 requests through at once
 * and then one a second.
 *
 * Memory: a bucket that has refilled to its burst behaves exactly like no
 * bucket, so idle buckets are dropped as requests pass by (each take looks at
 * the least recently used buckets), and the table never holds more than
 * max_keys: at the cap the least recently used bucket goes. Evicting a
 * bucket early only forgets a debt (the limiter turns more lenient for that
 * key), it never refuses anyone wrongly.
 *
 * Pure logic: time comes from a clock the caller passes (tests step it), and
 * one mutex makes take() safe from any thread. The buckets live in one
 * process; what that means across API nodes is said in http/throttle.h. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* burst requests per period_s seconds; burst 0 means no limit. */
typedef struct
{
  guint burst;
  guint period_s;
} ReelRate;

/* Parses "N/SECONDS" (e.g. "60/60") or "off" (no limit). */
gboolean reel_rate_parse (const char *text, ReelRate *rate, GError **error);

/* Microseconds on a monotonic clock. */
typedef gint64 (*ReelClock) (gpointer data);

typedef struct ReelRateLimiter ReelRateLimiter;

/* clock NULL: g_get_monotonic_time. */
ReelRateLimiter *reel_rate_limiter_new (guint max_keys, ReelClock clock, gpointer clock_data);
void reel_rate_limiter_free (ReelRateLimiter *rl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelRateLimiter, reel_rate_limiter_free)

/* Takes one token from key's bucket. FALSE when it is empty, with
 * *retry_after_s (>= 1) the seconds until the next token. A key should
 * always be used with the same rate; a new rate applies from the next take. */
gboolean reel_rate_limiter_take (ReelRateLimiter *rl, const char *key, const ReelRate *rate,
                                 guint *retry_after_s);

/* Buckets held now (idle ones not yet dropped included). */
guint reel_rate_limiter_size (ReelRateLimiter *rl);

G_END_DECLS
