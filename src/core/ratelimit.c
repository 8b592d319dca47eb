/* See ratelimit.h.
 *
 * Buckets sit in a hash table by key and in one recency list (most recently
 * used at the head), so both the idle sweep and the eviction at the cap look
 * only at the tail: O(1) per take whatever the table holds. */
#include "core/ratelimit.h"
#include "core/error.h"

#include <math.h>

/* Each take drops at most this many idle buckets from the tail: enough to
 * outpace the creation of new ones (one per take at most), small enough
 * that a take stays cheap. */
#define PRUNE_PER_TAKE 2

typedef struct
{
  GList link; /* in ReelRateLimiter.recent; data points back here */
  char *key;
  ReelRate rate;
  double tokens;
  gint64 updated_us;
} Bucket;

struct ReelRateLimiter
{
  GMutex lock;
  GHashTable *buckets; /* key (owned by the bucket) -> Bucket */
  GQueue recent;       /* of Bucket.link, most recently used first */
  guint max_keys;
  ReelClock clock;
  gpointer clock_data;
};

gboolean
reel_rate_parse (const char *text, ReelRate *rate, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "/", 3);
  guint64 burst, period;
  if (g_str_equal (text, "off"))
    {
      *rate = (ReelRate){ 0, 0 };
      return TRUE;
    }
  /* A period longer than a day is a ban, not a rate. */
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, 1000000, &burst, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, 86400, &period, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "expected REQUESTS/SECONDS (e.g. 60/60, requests 1 to 1000000, seconds 1 to "
                   "86400) or off, got \"%s\"",
                   text);
      return FALSE;
    }
  *rate = (ReelRate){ (guint)burst, (guint)period };
  return TRUE;
}

static gint64
monotonic (gpointer data)
{
  return g_get_monotonic_time ();
}

static void
bucket_free (gpointer p)
{
  Bucket *b = p;
  g_free (b->key);
  g_free (b);
}

ReelRateLimiter *
reel_rate_limiter_new (guint max_keys, ReelClock clock, gpointer clock_data)
{
  ReelRateLimiter *rl = g_new0 (ReelRateLimiter, 1);
  g_return_val_if_fail (max_keys > 0, NULL);
  g_mutex_init (&rl->lock);
  rl->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, bucket_free);
  g_queue_init (&rl->recent);
  rl->max_keys = max_keys;
  rl->clock = clock ? clock : monotonic;
  rl->clock_data = clock_data;
  return rl;
}

void
reel_rate_limiter_free (ReelRateLimiter *rl)
{
  if (!rl)
    return;
  g_hash_table_destroy (rl->buckets);
  g_mutex_clear (&rl->lock);
  g_free (rl);
}

/* Adds the tokens earned since the last update, up to the burst. */
static void
refill (Bucket *b, gint64 now_us)
{
  if (now_us > b->updated_us)
    {
      double earned = (double)(now_us - b->updated_us) * b->rate.burst
                      / ((double)b->rate.period_s * G_USEC_PER_SEC);
      b->tokens = MIN ((double)b->rate.burst, b->tokens + earned);
    }
  b->updated_us = now_us;
}

static void
drop (ReelRateLimiter *rl, Bucket *b)
{
  g_queue_unlink (&rl->recent, &b->link);
  g_hash_table_remove (rl->buckets, b->key);
}

/* Drops up to n of the least recently used buckets that have refilled. */
static void
prune_idle (ReelRateLimiter *rl, gint64 now_us, guint n)
{
  for (guint i = 0; i < n && rl->recent.tail; i++)
    {
      Bucket *b = rl->recent.tail->data;
      refill (b, now_us);
      if (b->tokens < b->rate.burst)
        return;
      drop (rl, b);
    }
}

gboolean
reel_rate_limiter_take (ReelRateLimiter *rl, const char *key, const ReelRate *rate,
                        guint *retry_after_s)
{
  g_autoptr (GMutexLocker) locker = NULL;
  gint64 now_us;
  Bucket *b;

  if (rate->burst == 0)
    return TRUE;
  locker = g_mutex_locker_new (&rl->lock);
  now_us = rl->clock (rl->clock_data);
  prune_idle (rl, now_us, PRUNE_PER_TAKE);
  b = g_hash_table_lookup (rl->buckets, key);
  if (b)
    {
      g_queue_unlink (&rl->recent, &b->link);
      b->rate = *rate;
      refill (b, now_us);
    }
  else
    {
      if (g_hash_table_size (rl->buckets) >= rl->max_keys)
        drop (rl, rl->recent.tail->data);
      b = g_new0 (Bucket, 1);
      b->link.data = b;
      b->key = g_strdup (key);
      b->rate = *rate;
      b->tokens = rate->burst;
      b->updated_us = now_us;
      g_hash_table_insert (rl->buckets, b->key, b);
    }
  g_queue_push_head_link (&rl->recent, &b->link);
  if (b->tokens >= 1.0)
    {
      b->tokens -= 1.0;
      return TRUE;
    }
  *retry_after_s = (guint)MAX (1.0, ceil ((1.0 - b->tokens) * rate->period_s / rate->burst));
  return FALSE;
}

guint
reel_rate_limiter_size (ReelRateLimiter *rl)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&rl->lock);
  return g_hash_table_size (rl->buckets);
}
