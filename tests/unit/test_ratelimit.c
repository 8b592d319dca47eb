/* core/ratelimit: token buckets with a test clock (time only moves when a
 * test moves it). */
#include "core/ratelimit.h"
#include "core/error.h"

static gint64
test_clock (gpointer data)
{
  return *(gint64 *)data;
}

#define SECONDS(s) ((gint64)(s)*G_USEC_PER_SEC)

static void
test_parse (void)
{
  static const char *const bad[]
      = { "", "5", "0/5", "5/0", "a/b", "5/-1", "5/86401", "5/5/5", "5 / 5", NULL };
  ReelRate rate;
  g_autoptr (GError) error = NULL;

  g_assert_true (reel_rate_parse ("60/30", &rate, &error));
  g_assert_cmpuint (rate.burst, ==, 60);
  g_assert_cmpuint (rate.period_s, ==, 30);
  g_assert_true (reel_rate_parse ("off", &rate, &error));
  g_assert_cmpuint (rate.burst, ==, 0);
  for (guint i = 0; bad[i]; i++)
    {
      g_assert_false (reel_rate_parse (bad[i], &rate, &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_clear_error (&error);
    }
}

static void
test_burst_then_refill (void)
{
  gint64 now = SECONDS (1000);
  g_autoptr (ReelRateLimiter) rl = reel_rate_limiter_new (100, test_clock, &now);
  const ReelRate rate = { 3, 60 }; /* one token every 20 s */
  guint retry = 0;

  for (int i = 0; i < 3; i++)
    g_assert_true (reel_rate_limiter_take (rl, "k", &rate, &retry));
  g_assert_false (reel_rate_limiter_take (rl, "k", &rate, &retry));
  g_assert_cmpuint (retry, ==, 20);
  /* Half a token later, the wait is half as long. */
  now += SECONDS (10);
  g_assert_false (reel_rate_limiter_take (rl, "k", &rate, &retry));
  g_assert_cmpuint (retry, ==, 10);
  now += SECONDS (10);
  g_assert_true (reel_rate_limiter_take (rl, "k", &rate, &retry));
  g_assert_false (reel_rate_limiter_take (rl, "k", &rate, &retry));
  /* Refilling stops at the burst, however long the pause. */
  now += SECONDS (3600);
  for (int i = 0; i < 3; i++)
    g_assert_true (reel_rate_limiter_take (rl, "k", &rate, &retry));
  g_assert_false (reel_rate_limiter_take (rl, "k", &rate, &retry));
  /* A wait under a second is still announced as one second. */
  now += SECONDS (20) - 1000;
  g_assert_false (reel_rate_limiter_take (rl, "k", &rate, &retry));
  g_assert_cmpuint (retry, ==, 1);
}

static void
test_keys_apart (void)
{
  gint64 now = 0;
  g_autoptr (ReelRateLimiter) rl = reel_rate_limiter_new (100, test_clock, &now);
  const ReelRate rate = { 1, 60 }, off = { 0, 0 };
  guint retry;

  g_assert_true (reel_rate_limiter_take (rl, "a", &rate, &retry));
  g_assert_false (reel_rate_limiter_take (rl, "a", &rate, &retry));
  g_assert_true (reel_rate_limiter_take (rl, "b", &rate, &retry));
  /* "off" lets everything through and keeps no bucket. */
  for (int i = 0; i < 1000; i++)
    g_assert_true (reel_rate_limiter_take (rl, "c", &off, &retry));
  g_assert_cmpuint (reel_rate_limiter_size (rl), ==, 2);
}

static void
test_idle_buckets_dropped (void)
{
  gint64 now = 0;
  g_autoptr (ReelRateLimiter) rl = reel_rate_limiter_new (1000, test_clock, &now);
  const ReelRate rate = { 5, 10 };
  guint retry;

  for (int i = 0; i < 10; i++)
    {
      g_autofree char *key = g_strdup_printf ("ip-%d", i);
      g_assert_true (reel_rate_limiter_take (rl, key, &rate, &retry));
    }
  g_assert_cmpuint (reel_rate_limiter_size (rl), ==, 10);
  /* Not yet refilled: nothing is dropped. */
  now += SECONDS (1);
  g_assert_true (reel_rate_limiter_take (rl, "busy", &rate, &retry));
  g_assert_cmpuint (reel_rate_limiter_size (rl), ==, 11);
  /* Refilled: each take drops a few from the least recently used end, so
   * a steady trickle of requests clears them all. */
  now += SECONDS (10);
  for (int i = 0; i < 5; i++)
    g_assert_true (reel_rate_limiter_take (rl, "busy", &rate, &retry));
  g_assert_cmpuint (reel_rate_limiter_size (rl), ==, 1);
}

static void
test_table_capped (void)
{
  gint64 now = 0;
  g_autoptr (ReelRateLimiter) rl = reel_rate_limiter_new (3, test_clock, &now);
  const ReelRate rate = { 1, 3600 };
  guint retry;

  g_assert_true (reel_rate_limiter_take (rl, "a", &rate, &retry));
  g_assert_true (reel_rate_limiter_take (rl, "b", &rate, &retry));
  g_assert_true (reel_rate_limiter_take (rl, "c", &rate, &retry));
  /* "a" is used again, so "b" is now the least recently used. */
  g_assert_false (reel_rate_limiter_take (rl, "a", &rate, &retry));
  g_assert_true (reel_rate_limiter_take (rl, "d", &rate, &retry));
  g_assert_cmpuint (reel_rate_limiter_size (rl), ==, 3);
  /* b was evicted: it starts over with a full bucket; a and c were kept. */
  g_assert_true (reel_rate_limiter_take (rl, "b", &rate, &retry));
  g_assert_false (reel_rate_limiter_take (rl, "a", &rate, &retry));
  g_assert_cmpuint (reel_rate_limiter_size (rl), ==, 3);
}

typedef struct
{
  ReelRateLimiter *rl;
  gint passed;
} Race;

#define RACE_THREADS 8
#define RACE_TAKES 200
#define RACE_BURST 500

static gpointer
race_thread (gpointer data)
{
  Race *race = data;
  const ReelRate rate = { RACE_BURST, 3600 };
  guint retry;
  for (int i = 0; i < RACE_TAKES; i++)
    if (reel_rate_limiter_take (race->rl, "shared", &rate, &retry))
      g_atomic_int_inc (&race->passed);
  return NULL;
}

/* Takes from many threads at once never hand out more than the burst. */
static void
test_parallel_takes (void)
{
  gint64 now = 0;
  g_autoptr (ReelRateLimiter) rl = reel_rate_limiter_new (10, test_clock, &now);
  Race race = { rl, 0 };
  GThread *threads[RACE_THREADS];

  for (int i = 0; i < RACE_THREADS; i++)
    threads[i] = g_thread_new ("take", race_thread, &race);
  for (int i = 0; i < RACE_THREADS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (race.passed, ==, RACE_BURST);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ratelimit/parse", test_parse);
  g_test_add_func ("/ratelimit/burst-then-refill", test_burst_then_refill);
  g_test_add_func ("/ratelimit/keys-apart", test_keys_apart);
  g_test_add_func ("/ratelimit/idle-buckets-dropped", test_idle_buckets_dropped);
  g_test_add_func ("/ratelimit/table-capped", test_table_capped);
  g_test_add_func ("/ratelimit/parallel-takes", test_parallel_takes);
  return g_test_run ();
}
