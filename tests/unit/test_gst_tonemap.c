/* reeltonemap (plugins/gstreeltonemap.h) with GstHarness: frames of known
 * 10-bit values in, what comes out checked against the standards' curves
 * computed here on their own (BT.2100's PQ EOTF and HLG inverse OETF and
 * OOTF, BT.2408's reference white, BT.1886's gamma).
 *
 *   /reeltonemap/pq-greys    a PQ grey ramp: neutral BT.709 greys at the
 *                            tone curve's levels (reference white 203 cd/m²
 *                            at 0.85 of SDR white, the peak rolled off
 *                            below it), the caps say bt709, no HDR
 *                            metadata
 *   /reeltonemap/hlg-greys   the same for HLG (on a 1000 cd/m² display)
 *   /reeltonemap/colours     BT.2020 primaries and yellow at reference
 *                            white keep their hue in BT.709
 *   /reeltonemap/passthrough SDR, 8- or 10-bit, comes out byte for byte
 *                            as it went in, with its caps
 *   /reeltonemap/stripes     a tall frame (mapped in two halves on two
 *                            threads) comes out as each of its row pairs
 *                            does alone */
#include "gstreel.h"

#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <math.h>

#define W 16
#define H 2
#define WHITE 203.0 /* cd/m² */

static double
pq_light (double e)
{
  const double m1 = 0.1593017578125, m2 = 78.84375;
  const double c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
  double p = pow (e, 1 / m2);
  return 10000 * pow (fmax (p - c1, 0) / (c2 - c3 * p), 1 / m1);
}

static double
hlg_grey_light (double e)
{
  const double a = 0.17883277, b = 0.28466892, c = 0.55991073;
  double scene = e <= 0.5 ? e * e / 3 : (exp ((e - c) / a) + b) / 12;
  return 1000 * pow (scene, 1.2); /* a grey: Ys = the scene light */
}

/* The tone curve on light in reference whites, then gamma 2.4. */
static double
sdr_signal (double nits)
{
  double x = nits / WHITE, t;
  if (x > 0.7)
    {
      t = (x - 0.7) / 0.3;
      x = 0.7 + 0.3 * t / (1 + t);
    }
  return pow (x, 1 / 2.4);
}

/* A W x H I420_10LE frame: column pair i has Y' ys[i] and chroma (u, v). */
static GstBuffer *
frame_of (const guint16 *ys, guint16 u, guint16 v)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, (W * H + 2 * (W / 2) * (H / 2)) * 2, NULL);
  GstMapInfo map;
  guint16 *p;
  g_assert_true (gst_buffer_map (b, &map, GST_MAP_WRITE));
  p = (guint16 *)map.data;
  for (guint r = 0; r < H; r++)
    for (guint x = 0; x < W; x++)
      *p++ = ys[x / 2];
  for (guint i = 0; i < (W / 2) * (H / 2); i++)
    *p++ = u;
  for (guint i = 0; i < (W / 2) * (H / 2); i++)
    *p++ = v;
  gst_buffer_unmap (b, &map);
  return b;
}

static GstHarness *
harness (const char *colorimetry, const char *format)
{
  GstHarness *h = gst_harness_new ("reeltonemap");
  g_autofree char *caps = g_strdup_printf (
      "video/x-raw,format=%s,width=%d,height=%d,framerate=1/1,colorimetry=%s%s", format, W, H,
      colorimetry,
      g_str_has_suffix (colorimetry, "pq")
          ? ",mastering-display-info=(string)35400:14600:8500:39850:6550:2300:15635:16450:"
            "10000000:50,content-light-level=(string)1000:400"
          : "");
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* Pushes buffer, pulls the output (mapped into out, W*H luma then the
 * chroma planes) and checks its caps. */
static GstBuffer *
run (GstHarness *h, GstBuffer *buffer, const char *want_colorimetry)
{
  GstBuffer *out;
  g_autoptr (GstCaps) caps = NULL;
  g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_nonnull (out);
  caps = gst_pad_get_current_caps (h->sinkpad);
  g_assert_cmpstr (gst_structure_get_string (gst_caps_get_structure (caps, 0), "colorimetry"), ==,
                   want_colorimetry);
  if (g_strcmp0 (want_colorimetry, "bt709") == 0)
    {
      g_assert_false (
          gst_structure_has_field (gst_caps_get_structure (caps, 0), "mastering-display-info"));
      g_assert_false (
          gst_structure_has_field (gst_caps_get_structure (caps, 0), "content-light-level"));
    }
  return out;
}

static void
check_greys (const char *colorimetry, double (*light) (double))
{
  static const double levels[] = { 0.0, 0.1, 0.25, 0.4, 0.5, 0.58, 0.75, 1.0 };
  guint16 ys[G_N_ELEMENTS (levels)];
  GstHarness *h = harness (colorimetry, "I420_10LE");
  GstBuffer *out;
  GstMapInfo map;
  const guint16 *p;

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    ys[i] = (guint16)lround (64 + levels[i] * 876);
  out = run (h, frame_of (ys, 512, 512), "bt709");
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  p = (const guint16 *)map.data;
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      double e = (ys[i] - 64) / 876.0;
      double want = 64 + 876 * sdr_signal (light (e));
      g_test_message ("%s %.2f: %u, want %.1f", colorimetry, levels[i], p[2 * i], want);
      g_assert_cmpfloat (fabs (p[2 * i] - want), <=, 3);
      g_assert_cmpuint (p[2 * i], ==, p[W + 2 * i]); /* both rows */
      if (i)
        g_assert_cmpuint (p[2 * i], >=, p[2 * (i - 1)]);
    }
  for (guint i = 0; i < (W / 2) * (H / 2) * 2; i++)
    g_assert_cmpint (abs ((int)p[W * H + i] - 512), <=, 1); /* grey stays grey */
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_pq_greys (void)
{
  check_greys ("bt2100-pq", pq_light);
}

static void
test_hlg_greys (void)
{
  check_greys ("bt2100-hlg", hlg_grey_light);
}

/* BT.2020 R'G'B' (HLG) to 10-bit Y'CbCr, and BT.709 Y'CbCr back. */
static void
from_rgb (const double rgb[3], guint16 out[3])
{
  const double kr = 0.2627, kb = 0.0593;
  double y = kr * rgb[0] + (1 - kr - kb) * rgb[1] + kb * rgb[2];
  out[0] = (guint16)lround (64 + 876 * y);
  out[1] = (guint16)lround (512 + 896 * (rgb[2] - y) / (2 * (1 - kb)));
  out[2] = (guint16)lround (512 + 896 * (rgb[0] - y) / (2 * (1 - kr)));
}

static void
to_rgb (guint16 y, guint16 u, guint16 v, double rgb[3])
{
  const double kr = 0.2126, kb = 0.0722;
  double l = (y - 64) / 876.0, cb = (u - 512) / 896.0, cr = (v - 512) / 896.0;
  rgb[0] = l + 2 * (1 - kr) * cr;
  rgb[2] = l + 2 * (1 - kb) * cb;
  rgb[1] = (l - kr * rgb[0] - kb * rgb[2]) / (1 - kr - kb);
}

static void
test_colours (void)
{
  /* Red, green, blue and yellow at HLG's reference white level. */
  static const double colours[][3]
      = { { 0.75, 0, 0 }, { 0, 0.75, 0 }, { 0, 0, 0.75 }, { 0.75, 0.75, 0 } };
  for (guint c = 0; c < G_N_ELEMENTS (colours); c++)
    {
      GstHarness *h = harness ("bt2100-hlg", "I420_10LE");
      guint16 yuv[3], ys[W / 2];
      double rgb[3];
      GstBuffer *out;
      GstMapInfo map;
      const guint16 *p;
      from_rgb (colours[c], yuv);
      for (guint i = 0; i < W / 2; i++)
        ys[i] = yuv[0];
      out = run (h, frame_of (ys, yuv[1], yuv[2]), "bt709");
      g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
      p = (const guint16 *)map.data;
      to_rgb (p[0], p[W * H], p[W * H + (W / 2) * (H / 2)], rgb);
      g_test_message ("colour %u: R'G'B' %.3f %.3f %.3f", c, rgb[0], rgb[1], rgb[2]);
      /* The source's strong components stay strong (bright: at least a
       * half), its absent ones stay weak (at most a fifth). */
      for (guint k = 0; k < 3; k++)
        if (colours[c][k] > 0)
          g_assert_cmpfloat (rgb[k], >=, 0.5);
        else
          g_assert_cmpfloat (rgb[k], <=, 0.2);
      if (c == 3) /* yellow: red and green alike */
        g_assert_cmpfloat (fabs (rgb[0] - rgb[1]), <=, 0.1);
      gst_buffer_unmap (out, &map);
      gst_buffer_unref (out);
      gst_harness_teardown (h);
    }
}

static void
test_passthrough (void)
{
  static const struct
  {
    const char *colorimetry, *format;
  } cases[] = { { "bt709", "I420_10LE" }, { "bt2020", "I420_10LE" }, { "bt709", "I420" } };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      GstHarness *h = harness (cases[c].colorimetry, cases[c].format);
      guint16 ys[W / 2] = { 64, 100, 200, 300, 400, 500, 600, 940 };
      GstBuffer *in = frame_of (ys, 300, 700), *out;
      gsize size = g_str_equal (cases[c].format, "I420") ? W * H * 3 / 2 : gst_buffer_get_size (in);
      g_autofree guint8 *want = g_malloc (size);
      GstMapInfo map;
      gst_buffer_extract (in, 0, want, size);
      gst_buffer_set_size (in, (gssize)size);
      out = run (h, in, cases[c].colorimetry);
      g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
      g_assert_cmpmem (map.data, map.size, want, size);
      gst_buffer_unmap (out, &map);
      gst_buffer_unref (out);
      gst_harness_teardown (h);
    }
}

/* A TW x th I420_10LE frame of varied HLG values, from row pair `from`
 * of the tall one (th rows of it). */
#define TW 64
#define TH 128
static GstBuffer *
varied_frame (guint from, guint th)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, (TW * th + 2 * (TW / 2) * (th / 2)) * 2, NULL);
  GstMapInfo map;
  guint16 *p;
  g_assert_true (gst_buffer_map (b, &map, GST_MAP_WRITE));
  p = (guint16 *)map.data;
  for (guint r = from; r < from + th; r++)
    for (guint x = 0; x < TW; x++)
      *p++ = (guint16)(64 + (r * 37 + x * 11) % 877);
  for (guint plane = 0; plane < 2; plane++)
    for (guint r = from / 2; r < (from + th) / 2; r++)
      for (guint x = 0; x < TW / 2; x++)
        *p++ = (guint16)(64 + (r * 13 + x * 29 + plane * 300) % 897);
  gst_buffer_unmap (b, &map);
  return b;
}

static GstBuffer *
map_varied (guint from, guint th)
{
  GstHarness *h = gst_harness_new ("reeltonemap");
  g_autofree char *caps = g_strdup_printf (
      "video/x-raw,format=I420_10LE,width=%d,height=%u,framerate=1/1,colorimetry=bt2100-hlg", TW,
      th);
  GstBuffer *out;
  gst_harness_set_src_caps_str (h, caps);
  out = run (h, varied_frame (from, th), "bt709");
  gst_harness_teardown (h);
  return out;
}

static void
test_stripes (void)
{
  GstBuffer *tall = map_varied (0, TH);
  GstMapInfo whole;
  g_assert_true (gst_buffer_map (tall, &whole, GST_MAP_READ));
  for (guint from = 0; from < TH; from += 2)
    {
      GstBuffer *pair = map_varied (from, 2);
      GstMapInfo map;
      const guint16 *w = (const guint16 *)whole.data, *p;
      g_assert_true (gst_buffer_map (pair, &map, GST_MAP_READ));
      p = (const guint16 *)map.data;
      g_assert_cmpmem (p, TW * 2 * sizeof *p, w + from * TW, TW * 2 * sizeof *p);
      for (guint plane = 0; plane < 2; plane++)
        g_assert_cmpmem (p + TW * 2 + plane * (TW / 2), TW / 2 * sizeof *p,
                         w + TW * TH + plane * (TW / 2) * (TH / 2) + from / 2 * (TW / 2),
                         TW / 2 * sizeof *p);
      gst_buffer_unmap (pair, &map);
      gst_buffer_unref (pair);
    }
  gst_buffer_unmap (tall, &whole);
  gst_buffer_unref (tall);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  reel_gst_register ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reeltonemap/pq-greys", test_pq_greys);
  g_test_add_func ("/reeltonemap/hlg-greys", test_hlg_greys);
  g_test_add_func ("/reeltonemap/colours", test_colours);
  g_test_add_func ("/reeltonemap/passthrough", test_passthrough);
  g_test_add_func ("/reeltonemap/stripes", test_stripes);
  return g_test_run ();
}
