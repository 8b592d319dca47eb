/* Fuzzes the fragmented-MP4 reader a worker runs on every file a muxer
 * wrote from a user's upload (media/cmaf.h): reel_cmaf_split, then
 * reel_cmaf_set_priming on its init segment, and reel_cmaf_box_size on
 * every prefix of the input as the live packager reads a growing file.
 * Properties: the init segment and the segments are pieces of the input
 * (plus, with B-frames, the edit list the splitter adds to the init),
 * with one duration per segment; priming keeps a well-formed init segment
 * well-formed (every container's children fill it exactly). */
#include "fuzz.h"
#include "media/cmaf.h"

/* Whether the boxes in [p, p + len) tile it exactly, and so do the
 * children of every container box among them (32-bit sizes only: enough
 * for the inputs a fuzzer makes). */
static gboolean
tiles (const guint8 *p, gsize len)
{
  static const char *const containers[]
      = { "moov", "trak", "mdia", "minf", "stbl", "edts", "mvex", "dinf", NULL };
  while (len > 0)
    {
      char type[5] = { 0 };
      guint32 size;
      if (len < 8)
        return FALSE;
      size = ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
      memcpy (type, p + 4, 4);
      if (size < 8 || size > len)
        return FALSE;
      if (g_strv_contains (containers, type) && !tiles (p + 8, size - 8))
        return FALSE;
      p += size;
      len -= size;
    }
  return TRUE;
}

static void
run (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelCmaf) c = reel_cmaf_split (bytes, 6 * G_GUINT64_CONSTANT (1000000000), &error);
  char type[5];

  for (gsize avail = 0; avail <= MIN (size, 32); avail++)
    {
      gsize n = reel_cmaf_box_size (data, avail, type);
      REEL_FUZZ_CHECK (n == 0 || n == G_MAXSIZE || n >= 8);
    }
  if (!c)
    {
      reel_fuzz_check_error (error);
      return;
    }
  {
    gsize total = g_bytes_get_size (c->init);
    REEL_FUZZ_CHECK (c->timescale > 0);
    REEL_FUZZ_CHECK (c->segments->len > 0 && c->segments->len == c->durations_ns->len);
    for (guint i = 0; i < c->segments->len; i++)
      total += g_bytes_get_size (c->segments->pdata[i]);
    REEL_FUZZ_CHECK (total <= size + REEL_CMAF_EDIT_LIST_BYTES);
  }
  {
    g_autoptr (GError) priming_error = NULL;
    gsize before = g_bytes_get_size (c->init);
    gboolean well_formed = tiles (g_bytes_get_data (c->init, NULL), before);
    if (!reel_cmaf_set_priming (c, 1024, &priming_error))
      {
        reel_fuzz_check_error (priming_error);
        return;
      }
    REEL_FUZZ_CHECK (g_bytes_get_size (c->init) >= before);
    if (well_formed)
      REEL_FUZZ_CHECK (tiles (g_bytes_get_data (c->init, NULL), g_bytes_get_size (c->init)));
  }
}

REEL_FUZZ_HARNESS (run)
