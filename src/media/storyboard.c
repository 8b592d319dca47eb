/* See storyboard.h. */
#include "media/storyboard.h"
#include "core/error.h"

#include <gst/gst.h>

/* At most this many tiles: one sheet of 100 tiles of 160x90 is about the
 * size of a poster, and 100 positions are finer than a seek bar is wide
 * on most screens. */
#define MAX_TILES 100
/* No tile closer than 2 s to the next: a short video gets few tiles
 * rather than a sheet of near-identical frames. */
#define MIN_INTERVAL_S 2
/* 160 pixels: the preview size YouTube and most players show on hover. */
#define TILE_WIDTH 160
#define MAX_COLUMNS 10
#define BYTES_PER_PIXEL 4 /* RGBx */

void
reel_storyboard_plan (guint64 duration_ns, guint source_width, guint source_height,
                      ReelStoryboard *out)
{
  guint64 seconds = (duration_ns + GST_SECOND - 1) / GST_SECOND;
  guint64 interval = MAX (MIN_INTERVAL_S, (seconds + MAX_TILES - 1) / MAX_TILES);
  guint64 interval_ns = interval * GST_SECOND;
  guint height;

  out->interval_s = (guint)interval;
  out->tiles = (guint)MAX (1, (duration_ns + interval_ns - 1) / interval_ns);
  out->columns = MIN (MAX_COLUMNS, out->tiles);
  out->width = TILE_WIDTH;
  /* Source aspect, even (the scaler's chroma wants even sizes). */
  height = source_width && source_height
               ? (guint)((guint64)TILE_WIDTH * source_height / source_width)
               : TILE_WIDTH * 9 / 16;
  out->height = MAX (2, height & ~1u);
}

GBytes *
reel_storyboard_pack (const ReelStoryboard *sb, GBytes *raw, guint *sheet_width,
                      guint *sheet_height, GError **error)
{
  gsize tile_row = (gsize)sb->width * BYTES_PER_PIXEL;
  gsize tile_size = tile_row * sb->height;
  gsize len;
  const guint8 *in = g_bytes_get_data (raw, &len);
  guint available = tile_size ? (guint)MIN (len / tile_size, G_MAXUINT) : 0;
  guint rows = (sb->tiles + sb->columns - 1) / sb->columns;
  gsize sheet_row = tile_row * sb->columns;
  guint8 *out;

  if (available == 0 || sb->columns == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "no frame could be sampled for the storyboard");
      return NULL;
    }
  /* Zeroed: the cells after the last tile of the last row stay black. */
  out = g_malloc0 (sheet_row * sb->height * rows);
  for (guint t = 0; t < sb->tiles; t++)
    {
      const guint8 *tile = in + tile_size * MIN (t, available - 1);
      guint8 *cell
          = out + sheet_row * sb->height * (t / sb->columns) + tile_row * (t % sb->columns);
      for (guint y = 0; y < sb->height; y++)
        memcpy (cell + sheet_row * y, tile + tile_row * y, tile_row);
    }
  *sheet_width = sb->width * sb->columns;
  *sheet_height = sb->height * rows;
  return g_bytes_new_take (out, sheet_row * sb->height * rows);
}

static void
append_time (GString *s, guint64 ns)
{
  guint64 ms = ns / GST_MSECOND;
  g_string_append_printf (s, "%02" G_GUINT64_FORMAT ":%02u:%02u.%03u", ms / 3600000,
                          (guint)(ms / 60000 % 60), (guint)(ms / 1000 % 60), (guint)(ms % 1000));
}

char *
reel_storyboard_vtt (const ReelStoryboard *sb, guint64 duration_ns, const char *sprite)
{
  g_autoptr (GString) s = g_string_new ("WEBVTT\n");
  guint64 interval_ns = (guint64)sb->interval_s * GST_SECOND;

  for (guint t = 0; t < sb->tiles; t++)
    {
      guint64 start = interval_ns * t;
      /* The last cue ends at the duration, so the cues cover it exactly. */
      guint64 end
          = t + 1 == sb->tiles ? MAX (duration_ns, start + GST_MSECOND) : start + interval_ns;
      g_string_append_c (s, '\n');
      append_time (s, start);
      g_string_append (s, " --> ");
      append_time (s, end);
      g_string_append_printf (s, "\n%s#xywh=%u,%u,%u,%u\n", sprite, sb->width * (t % sb->columns),
                              sb->height * (t / sb->columns), sb->width, sb->height);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}
