/* media/storyboard and store/blob_keys: the storyboard's layout for short,
 * long and portrait videos; the WebVTT track's cues (contiguous from 0 to
 * the duration, regions inside the sheet); packing tiles into the sheet,
 * repeating the last when the decoder gave fewer; custom poster names. */
#include "core/error.h"
#include "media/storyboard.h"
#include "store/blob_keys.h"

#include <gst/gst.h>
#include <stdio.h>

static void
test_plan (void)
{
  ReelStoryboard sb;
  /* 25 s: the 2 s minimum, 13 tiles in two rows of 10. */
  reel_storyboard_plan (25 * GST_SECOND, 1280, 720, &sb);
  g_assert_cmpuint (sb.interval_s, ==, 2);
  g_assert_cmpuint (sb.tiles, ==, 13);
  g_assert_cmpuint (sb.columns, ==, 10);
  g_assert_cmpuint (sb.width, ==, 160);
  g_assert_cmpuint (sb.height, ==, 90);
  /* An hour: at most 100 tiles. */
  reel_storyboard_plan (3600 * GST_SECOND, 1920, 1080, &sb);
  g_assert_cmpuint (sb.interval_s, ==, 36);
  g_assert_cmpuint (sb.tiles, ==, 100);
  /* 1001 s: 11 s apart, never more than 100. */
  reel_storyboard_plan (1001 * GST_SECOND, 1920, 1080, &sb);
  g_assert_cmpuint (sb.interval_s, ==, 11);
  g_assert_cmpuint (sb.tiles, <=, 100);
  /* Under a second: one tile, one column. */
  reel_storyboard_plan (GST_SECOND / 2, 640, 480, &sb);
  g_assert_cmpuint (sb.tiles, ==, 1);
  g_assert_cmpuint (sb.columns, ==, 1);
  g_assert_cmpuint (sb.height, ==, 120);
  /* Portrait keeps its aspect, even. */
  reel_storyboard_plan (10 * GST_SECOND, 720, 1281, &sb);
  g_assert_cmpuint (sb.height, ==, 284);
}

static void
test_vtt (void)
{
  ReelStoryboard sb;
  guint64 duration = 25 * GST_SECOND + 300 * GST_MSECOND;
  g_autofree char *vtt = NULL;
  g_auto (GStrv) lines = NULL;
  guint cues = 0;
  guint64 last_end = 0;

  reel_storyboard_plan (duration, 1280, 720, &sb);
  vtt = reel_storyboard_vtt (&sb, duration, "storyboard.jpg");
  g_assert_true (g_str_has_prefix (vtt, "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n"
                                        "storyboard.jpg#xywh=0,0,160,90\n"));
  lines = g_strsplit (vtt, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      guint h1, m1, s1, ms1, h2, m2, s2, ms2, x, y, w, h;
      if (sscanf (lines[i], "%u:%u:%u.%u --> %u:%u:%u.%u", &h1, &m1, &s1, &ms1, &h2, &m2, &s2, &ms2)
          != 8)
        continue;
      g_assert_cmpuint (((h1 * 60 + m1) * 60 + s1) * 1000 + ms1, ==, last_end);
      last_end = ((h2 * 60 + m2) * 60 + s2) * 1000 + ms2;
      g_assert_cmpint (sscanf (lines[i + 1], "storyboard.jpg#xywh=%u,%u,%u,%u", &x, &y, &w, &h), ==,
                       4);
      g_assert_cmpuint (x, ==, 160 * (cues % 10));
      g_assert_cmpuint (y, ==, 90 * (cues / 10));
      cues++;
    }
  g_assert_cmpuint (cues, ==, 13);
  g_assert_cmpuint (last_end, ==, 25300);
}

static void
test_pack (void)
{
  ReelStoryboard sb = { .interval_s = 2, .tiles = 3, .columns = 2, .width = 2, .height = 2 };
  /* Two tiles of 2x2 RGBx, every byte its tile's number + 1. */
  guint8 raw[2 * 2 * 2 * 4];
  g_autoptr (GBytes) tiles = NULL, sheet = NULL, none = NULL;
  g_autoptr (GError) error = NULL;
  guint w = 0, h = 0;
  const guint8 *p;

  memset (raw, 1, 16);
  memset (raw + 16, 2, 16);
  tiles = g_bytes_new (raw, sizeof raw);
  sheet = reel_storyboard_pack (&sb, tiles, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, 4);
  g_assert_cmpuint (h, ==, 4);
  g_assert_cmpuint (g_bytes_get_size (sheet), ==, 4 * 4 * 4);
  p = g_bytes_get_data (sheet, NULL);
  /* Row 0: tile 0 then tile 1; row 2: tile 2 (the last sampled again),
   * then black. */
  g_assert_cmpuint (p[0], ==, 1);
  g_assert_cmpuint (p[8], ==, 2);
  g_assert_cmpuint (p[2 * 16], ==, 2);
  g_assert_cmpuint (p[2 * 16 + 8], ==, 0);
  /* Less than one tile: nothing to show. */
  none = g_bytes_new (raw, 3);
  g_assert_null (reel_storyboard_pack (&sb, none, &w, &h, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED);
}

static void
test_poster_names (void)
{
  g_autofree char *file = reel_poster_new_file ();
  g_autofree char *other = reel_poster_new_file ();
  g_autofree char *small = reel_poster_small_file (file);
  g_autofree char *first_small = reel_poster_small_file ("poster.jpg");
  g_assert_true (reel_poster_file_replaceable (file));
  g_assert_true (reel_poster_file_replaceable (small));
  g_assert_cmpstr (file, !=, other);
  g_assert_true (reel_poster_file_valid ("poster.jpg"));
  g_assert_false (reel_poster_file_replaceable ("poster.jpg"));
  g_assert_false (reel_poster_file_replaceable ("poster-small.jpg"));
  g_assert_cmpstr (first_small, ==, "poster-small.jpg");
  g_assert_true (g_str_has_suffix (small, "-small.jpg"));
  const char *bad[] = { "../poster.jpg",
                        "poster-.jpg",
                        "poster-abc.jpg",
                        "poster-0123456789ab.png",
                        "poster-0123456789ab.jpg/x",
                        "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (reel_poster_file_valid (bad[i]));
      g_assert_false (reel_poster_file_replaceable (bad[i]));
    }
  g_assert_true (reel_poster_file_valid ("poster-0123456789ab.jpg"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/storyboard/plan", test_plan);
  g_test_add_func ("/storyboard/vtt", test_vtt);
  g_test_add_func ("/storyboard/pack", test_pack);
  g_test_add_func ("/storyboard/poster-names", test_poster_names);
  return g_test_run ();
}
