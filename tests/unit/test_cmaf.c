/* media/cmaf: split a fragmented MP4 made here by mp4mux, shift its decode
 * times, and read durations and codecs back; with B-frames, start the
 * decode times at the chunk and take the reorder delay off presentation
 * with an edit list. */
#include "core/error.h"
#include "media/cmaf.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

/* 5 s of 320x240 at 30 fps through encoder (a launch fragment that ends
 * in a parser), fragmented every 2 s. */
static GBytes *
make_fragmented_by (const char *dir, const char *encoder)
{
  g_autofree char *path = g_build_filename (dir, "f.mp4", NULL);
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc num-buffers=150 ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 "
      "! %s ! mp4mux fragment-duration=2000 ! filesink location=%s",
      encoder, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) p = gst_parse_launch (desc, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) m = NULL;
  g_autofree char *data = NULL;
  gsize len;
  g_assert_no_error (error);
  gst_element_set_state (p, GST_STATE_PLAYING);
  bus = gst_element_get_bus (p);
  m = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_cmpint (GST_MESSAGE_TYPE (m), ==, GST_MESSAGE_EOS);
  gst_element_set_state (p, GST_STATE_NULL);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_unlink (path);
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static GBytes *
make_fragmented_with (const char *dir, guint bframes)
{
  g_autofree char *encoder = g_strdup_printf (
      "x264enc bframes=%u key-int-max=60 ! video/x-h264,profile=high ! h264parse", bframes);
  return make_fragmented_by (dir, encoder);
}

static GBytes *
make_fragmented (const char *dir)
{
  return make_fragmented_with (dir, 0);
}

static guint32
tfdt_of (GBytes *seg)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (seg, &len);
  for (gsize i = 4; i + 12 < len; i++)
    if (memcmp (p + i, "tfdt", 4) == 0)
      return ((guint32)p[i + 8] << 24) | ((guint32)p[i + 9] << 16) | ((guint32)p[i + 10] << 8)
             | p[i + 11];
  g_assert_not_reached ();
}

static void
test_split (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-cmaf-XXXXXX", NULL);
  g_autoptr (GBytes) file = make_fragmented (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelCmaf) c = reel_cmaf_split (file, 6 * GST_SECOND, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c->timescale, ==, 3000);
  g_assert_true (g_str_has_prefix (c->codecs, "avc1.64"));
  /* 5 s: fragments of 2, 2 and 1 s. */
  g_assert_cmpuint (c->segments->len, ==, 3);
  g_assert_cmpuint (g_array_index (c->durations_ns, guint64, 0), ==, 2 * GST_SECOND);
  g_assert_cmpuint (g_array_index (c->durations_ns, guint64, 2), ==, 1 * GST_SECOND);
  /* Decode times continue the video's timeline from 6 s. */
  g_assert_cmpuint (tfdt_of (c->segments->pdata[0]), ==, 6 * 3000);
  g_assert_cmpuint (tfdt_of (c->segments->pdata[1]), ==, 8 * 3000);
  /* The init segment is ftyp + moov. */
  g_assert_cmpmem ((const guint8 *)g_bytes_get_data (c->init, NULL) + 4, 4, "ftyp", 4);
  g_rmdir (dir);
}

/* A VP9 track (vp09 sample entry, vpcC) gives "vp09.PP.LL.DD". */
static void
test_vp9 (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-cmaf-XXXXXX", NULL);
  g_autoptr (GBytes) file = make_fragmented_by (
      dir, "vp9enc deadline=1 cpu-used=8 keyframe-mode=disabled keyframe-max-dist=1000 ! "
           "vp9parse");
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelCmaf) c = NULL;
  c = reel_cmaf_split (file, 0, &error);
  g_assert_no_error (error);
  /* Profile 0 (8-bit 4:2:0), 8 bits. */
  g_assert_true (g_str_has_prefix (c->codecs, "vp09.00."));
  g_assert_true (g_str_has_suffix (c->codecs, ".08"));
  g_assert_cmpuint (strlen (c->codecs), ==, strlen ("vp09.00.10.08"));
  g_assert_cmpuint (c->segments->len, >=, 1);
  g_rmdir (dir);
}

static guint32
be32_at (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* The first box of type t in [p, p + len), by its type bytes. */
static const guint8 *
find_type (const guint8 *p, gsize len, const char *t)
{
  for (gsize i = 4; i + 4 <= len; i++)
    if (memcmp (p + i, t, 4) == 0)
      return p + i - 4;
  return NULL;
}

/* The priming edit goes into moov/trak after tkhd, and every size on the
 * way grows with it, so the init still parses box by box. */
static void
test_priming (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-cmaf-XXXXXX", NULL);
  g_autoptr (GBytes) file = make_fragmented (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelCmaf) c = reel_cmaf_split (file, 0, &error);
  gsize before = g_bytes_get_size (c->init), len;
  const guint8 *p, *moov, *trak, *edts;
  g_assert_no_error (error);
  g_assert_true (reel_cmaf_set_priming (c, 1024, &error));
  g_assert_no_error (error);
  p = g_bytes_get_data (c->init, &len);
  g_assert_cmpuint (len, ==, before + 36);
  /* ftyp, then moov running to the end of the init. */
  moov = p + be32_at (p);
  g_assert_cmpmem (moov + 4, 4, "moov", 4);
  g_assert_true (moov + be32_at (moov) == p + len);
  edts = find_type (p, len, "edts");
  g_assert_nonnull (edts);
  g_assert_cmpuint (be32_at (edts), ==, 36);
  g_assert_cmpmem (edts + 12, 4, "elst", 4);
  g_assert_cmpuint (be32_at (edts + 20), ==, 1);    /* one entry */
  g_assert_cmpuint (be32_at (edts + 24), ==, 0);    /* for the whole media */
  g_assert_cmpuint (be32_at (edts + 28), ==, 1024); /* starting after the priming */
  /* The trak that holds it has grown by as much and still ends in moov. */
  trak = find_type (p, len, "trak");
  g_assert_nonnull (trak);
  g_assert_true (trak + be32_at (trak) <= moov + be32_at (moov));
  g_assert_true (edts > trak && edts < trak + be32_at (trak));
  /* A second call leaves the init as it is. */
  g_assert_true (reel_cmaf_set_priming (c, 1024, &error));
  g_assert_cmpuint (g_bytes_get_size (c->init), ==, len);
  g_rmdir (dir);
}

/* The composition offset of the first sample of a segment's trun. */
static guint32
first_cto_of (GBytes *seg)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (seg, &len);
  const guint8 *trun = find_type (p, len, "trun");
  guint32 flags;
  gsize at = 16;
  g_assert_nonnull (trun);
  flags = be32_at (trun + 8) & 0xffffff;
  g_assert_true (flags & 0x800);
  at += (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
  at += (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0);
  return be32_at (trun + at);
}

/* With B-frames, each fragment starts with a keyframe presented the
 * reorder delay after its decode time: decode times still start at the
 * chunk's start, and the init's edit list takes the delay off, so the
 * first picture is presented at the chunk's start. */
static void
test_reordered (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-cmaf-XXXXXX", NULL);
  g_autoptr (GBytes) file = make_fragmented_with (dir, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelCmaf) c = reel_cmaf_split (file, 6 * GST_SECOND, &error);
  const guint8 *p, *edts;
  guint32 delay;
  gsize len;
  g_assert_no_error (error);
  g_assert_cmpuint (c->timescale, ==, 3000);
  g_assert_cmpuint (c->segments->len, ==, 3);
  delay = first_cto_of (c->segments->pdata[0]);
  /* At least one frame (100 ticks at 30 fps), at most the two B-frames. */
  g_assert_cmpuint (delay, >=, 100);
  g_assert_cmpuint (delay, <=, 200);
  /* Every keyframe opens its fragment with the same delay. */
  g_assert_cmpuint (first_cto_of (c->segments->pdata[1]), ==, delay);
  g_assert_cmpuint (tfdt_of (c->segments->pdata[0]), ==, 6 * 3000);
  g_assert_cmpuint (tfdt_of (c->segments->pdata[1]), ==, 8 * 3000);
  g_assert_cmpuint (g_array_index (c->durations_ns, guint64, 0), ==, 2 * GST_SECOND);
  p = g_bytes_get_data (c->init, &len);
  edts = find_type (p, len, "edts");
  g_assert_nonnull (edts);
  g_assert_cmpuint (be32_at (edts + 24), ==, 0);     /* for the whole media */
  g_assert_cmpuint (be32_at (edts + 28), ==, delay); /* starting after the delay */
  g_rmdir (dir);
}

static void
test_garbage (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) junk = g_bytes_new_static ("\0\0\0\x10junkjunkjunk", 16);
  g_assert_null (reel_cmaf_split (junk, 0, &error));
  g_assert_nonnull (error);
}

/* A version 1 tfdt holds a 64-bit time, 12 bytes; one that claims
 * version 1 in the 8 bytes of a version 0 box is malformed. The reader
 * used to read and rewrite 12 bytes, overwriting the size of the box that
 * follows (the trun) in the segment it served. */
static void
test_short_tfdt (void)
{
  g_autofree char *dir = g_dir_make_tmp ("reel-cmaf-XXXXXX", NULL);
  g_autoptr (GBytes) file = make_fragmented (dir);
  gsize len = g_bytes_get_size (file);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (file, NULL), len);
  g_autoptr (GBytes) patched = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelCmaf) c = NULL;
  guint8 *tfdt = NULL;

  for (gsize i = 4; i + 12 < len && !tfdt; i++)
    if (memcmp (data + i, "tfdt", 4) == 0)
      tfdt = data + i - 4;
  g_assert_nonnull (tfdt);
  g_assert_cmpuint (tfdt[3], ==, 16); /* mp4mux writes version 0: 8 + 8 */
  tfdt[8] = 1;
  patched = g_bytes_new (data, len);
  c = reel_cmaf_split (patched, 6 * GST_SECOND, &error);
  g_assert_null (c);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INTERNAL);
  g_rmdir (dir);
}

/* A muxer that wrote nothing leaves an empty file, whose bytes are NULL:
 * the reader computed NULL + 0, which is undefined (clang's UBSan in
 * tests/fuzz/fuzz_cmaf.c stopped on it; GCC's does not check it). */
static void
test_empty (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_assert_null (reel_cmaf_split (empty, 0, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INTERNAL);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cmaf/split", test_split);
  g_test_add_func ("/cmaf/vp9", test_vp9);
  g_test_add_func ("/cmaf/priming", test_priming);
  g_test_add_func ("/cmaf/reordered", test_reordered);
  g_test_add_func ("/cmaf/garbage", test_garbage);
  g_test_add_func ("/cmaf/empty", test_empty);
  g_test_add_func ("/cmaf/short-tfdt", test_short_tfdt);
  return g_test_run ();
}
