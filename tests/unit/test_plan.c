/* media/plan: ladder parsing, rungs for a source, chunk arithmetic. */
#include "core/error.h"
#include "media/plan.h"

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rungs = NULL;
  g_assert_true (reel_ladder_parse ("720p:720:2800, 360p:360:800", &rungs, &error));
  g_assert_cmpuint (rungs->len, ==, 2);
  g_assert_cmpstr (g_array_index (rungs, ReelRung, 1).name, ==, "360p");
  g_assert_cmpuint (g_array_index (rungs, ReelRung, 0).kbps, ==, 2800);
  const char *bad[]
      = { "", "720p", "720p:720", "720p:x:100", "720p:720:10", "a/b:720:800", "720p:99999:800" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (GArray) r = NULL;
      g_assert_false (reel_ladder_parse (bad[i], &r, &e));
      g_assert_error (e, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

static void
test_for_source (void)
{
  g_autoptr (GArray) ladder = NULL;
  g_assert_true (reel_ladder_parse ("1080p:1080:5000,720p:720:2800,480p:480:1400,360p:360:800",
                                    &ladder, NULL));
  {
    /* Never above the source; aspect kept, even sizes. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1280, 720);
    g_assert_cmpuint (r->len, ==, 3);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 1280);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 720);
    g_assert_cmpuint (g_array_index (r, ReelRung, 1).width, ==, 852);
    g_assert_cmpuint (g_array_index (r, ReelRung, 2).width, ==, 640);
  }
  {
    /* Portrait phone video. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 1080, 1920);
    g_assert_cmpuint (r->len, ==, 4);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 608);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 1080);
  }
  {
    /* Smaller than every rung: one rung at its own (even) size. */
    g_autoptr (GArray) r = reel_ladder_for_source (ladder, 321, 241);
    g_assert_cmpuint (r->len, ==, 1);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).width, ==, 320);
    g_assert_cmpuint (g_array_index (r, ReelRung, 0).height, ==, 240);
  }
}

static void
test_chunks (void)
{
  const guint64 s = 1000000000;
  guint64 start, len;
  ReelChunking c = { 18 * s, 6 * s, 6 * s, s / 30 };
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  c.duration_ns = 18 * s + s / 30;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 4);
  /* A soundtrack 21 ms longer than the picture makes no extra chunk. */
  c.duration_ns = 18 * s + 21333333;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 3);
  reel_plan_chunk_range (&c, 2, &start, &len);
  g_assert_cmpuint (start, ==, 12 * s);
  g_assert_cmpuint (len, ==, 6 * s);
  c.duration_ns = 1 * s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  c.duration_ns = s / 60;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  c.duration_ns = 20 * s;
  reel_plan_chunk_range (&c, 3, &start, &len);
  g_assert_cmpuint (start, ==, 18 * s);
  g_assert_cmpuint (len, ==, 2 * s);
  reel_plan_chunk_range (&c, 1, &start, &len);
  g_assert_cmpuint (start, ==, 6 * s);
  g_assert_cmpuint (len, ==, 6 * s);
}

/* A short first chunk (2 s) then 6 s chunks: 0-2, 2-8, 8-14, 14-20. */
static void
test_short_first_chunk (void)
{
  const guint64 s = 1000000000;
  guint64 start, len;
  ReelChunking c = { 20 * s, 2 * s, 6 * s, s / 30 };
  const guint64 want[][2] = { { 0, 2 }, { 2, 6 }, { 8, 6 }, { 14, 6 } };
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      reel_plan_chunk_range (&c, i, &start, &len);
      g_assert_cmpuint (start, ==, want[i][0] * s);
      g_assert_cmpuint (len, ==, want[i][1] * s);
    }
  /* Shorter than the first chunk: one chunk, as long as the video. */
  c.duration_ns = s;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
  reel_plan_chunk_range (&c, 0, &start, &len);
  g_assert_cmpuint (len, ==, s);
  /* A tail under a frame after the first chunk is no chunk. */
  c.duration_ns = 2 * s + 21333333;
  g_assert_cmpuint (reel_plan_chunks (&c), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/parse", test_parse);
  g_test_add_func ("/plan/for-source", test_for_source);
  g_test_add_func ("/plan/chunks", test_chunks);
  g_test_add_func ("/plan/short-first-chunk", test_short_first_chunk);
  return g_test_run ();
}
