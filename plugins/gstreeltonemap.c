/* See gstreeltonemap.h.
 *
 * The mapping (map_pixel): the source's R'G'B' to display light through
 * the transfer's EOTF (PQ) or inverse OETF and OOTF (HLG, on a 1000 cd/m²
 * display), in units of the HDR reference white; BT.2020 primaries to
 * BT.709 (negative, out-of-gamut components clipped); the tone curve on
 * the largest component, which keeps hue and saturation (identity up to
 * KNEE, then a roll-off towards SDR white that never reaches it); BT.1886's
 * inverse (gamma 2.4: an SDR display shows the tone-mapped light) and
 * BT.709 Y'CbCr. The curves are tables, interpolated. transform_frame
 * applies it exactly to the mean of each 2x2 block (one chroma sample) and
 * through a table of greys to each pixel's luma. */
#include "gstreeltonemap.h"

#include <gst/video/video.h>
#include <math.h>

GST_DEBUG_CATEGORY_STATIC (reel_tone_map_debug);
#define GST_CAT_DEFAULT reel_tone_map_debug

#define TABLE 4096
/* HDR reference (diffuse) white, cd/m² (BT.2408), shown as SDR white. */
#define REFERENCE_WHITE 203.0
/* The display HLG is rendered for (BT.2100's reference), cd/m². */
#define HLG_PEAK 1000.0
/* Below this (in reference whites) light is kept; above, it is rolled
 * off: diffuse white comes out at 0.85, 1000 cd/m² at 0.98. */
#define KNEE 0.7f

#define FORMATS GST_VIDEO_FORMATS_ALL

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FORMATS)));

struct _GstReelToneMap
{
  GstVideoFilter parent;
  gboolean hlg;
  /* Input Y'CbCr to R'G'B': offset and scales to [0,1] / [-0.5,0.5]
   * (chroma is centred on 512 at either range), and the matrix's
   * coefficients. */
  float y_off, y_scale, c_scale;
  float rv, gu, gv, bu;
  float gamut[9];             /* linear source RGB to BT.709 RGB */
  float to_light[TABLE + 1];  /* R' in [0,1] to light (PQ) or scene light (HLG) */
  float hlg_gain[TABLE + 1];  /* HLG: OOTF gain by scene luminance */
  float to_signal[TABLE + 1]; /* sqrt of SDR light in [0,1] to R' */
  float grey[1024];           /* a grey's 10-bit Y' code to SDR Y' in [0,1] */
  GThreadPool *pool;          /* one thread, for the lower half of each frame */
  GMutex lock;
  GCond cond;
};

typedef struct
{
  GstReelToneMap *self;
  GstVideoFrame *in, *out;
  gint from, to; /* rows, from even */
  gboolean done; /* under self->lock */
} Stripe;

G_DEFINE_TYPE (GstReelToneMap, gst_reel_tone_map, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (reeltonemap, "reeltonemap", GST_RANK_NONE, GST_TYPE_REEL_TONE_MAP);

/* Whether caps are HDR video this element maps (PQ or HLG, 10-bit 4:2:0). */
static gboolean
maps (const GstStructure *s, gboolean *hlg)
{
  const char *colorimetry = gst_structure_get_string (s, "colorimetry");
  GstVideoColorimetry c;
  if (g_strcmp0 (gst_structure_get_string (s, "format"), "I420_10LE") != 0 || !colorimetry
      || !gst_video_colorimetry_from_string (&c, colorimetry))
    return FALSE;
  if (hlg)
    *hlg = c.transfer == GST_VIDEO_TRANSFER_ARIB_STD_B67;
  return c.transfer == GST_VIDEO_TRANSFER_SMPTE2084
         || c.transfer == GST_VIDEO_TRANSFER_ARIB_STD_B67;
}

/* The same caps with any colours on the other side. */
static GstCaps *
transform_caps (GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps, GstCaps *filter)
{
  GstCaps *out = gst_caps_new_empty ();
  for (guint i = 0; i < gst_caps_get_size (caps); i++)
    {
      GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, i));
      gst_structure_remove_field (s, "colorimetry");
      out = gst_caps_merge_structure_full (
          out, s, gst_caps_features_copy (gst_caps_get_features (caps, i)));
    }
  if (filter)
    {
      GstCaps *both = gst_caps_intersect_full (filter, out, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref (out);
      out = both;
    }
  return out;
}

/* Downstream: BT.709 for what is mapped, the input's colours otherwise
 * (passed through). */
static GstCaps *
fixate_caps (GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps, GstCaps *othercaps)
{
  if (direction == GST_PAD_SINK && !gst_caps_is_empty (othercaps))
    {
      const GstStructure *in = gst_caps_get_structure (caps, 0);
      const char *colorimetry = gst_structure_get_string (in, "colorimetry");
      GstStructure *o;
      othercaps = gst_caps_truncate (gst_caps_make_writable (othercaps));
      o = gst_caps_get_structure (othercaps, 0);
      if (maps (in, NULL))
        {
          gst_structure_set (o, "colorimetry", G_TYPE_STRING, "bt709", NULL);
          gst_structure_remove_fields (o, "mastering-display-info", "content-light-level", NULL);
        }
      else if (colorimetry)
        gst_structure_set (o, "colorimetry", G_TYPE_STRING, colorimetry, NULL);
    }
  return GST_BASE_TRANSFORM_CLASS (gst_reel_tone_map_parent_class)
      ->fixate_caps (trans, direction, caps, othercaps);
}

/* PQ's EOTF: signal in [0,1] to cd/m². */
static double
pq_light (double e)
{
  const double m1 = 2610.0 / 16384, m2 = 2523.0 / 4096 * 128;
  const double c1 = 3424.0 / 4096, c2 = 2413.0 / 4096 * 32, c3 = 2392.0 / 4096 * 32;
  double p = pow (e, 1.0 / m2);
  return 10000.0 * pow (MAX (p - c1, 0.0) / (c2 - c3 * p), 1.0 / m1);
}

/* HLG's inverse OETF: signal in [0,1] to scene light in [0,1]. */
static double
hlg_scene (double e)
{
  const double a = 0.17883277, b = 1 - 4 * a, c = 0.5 - a * log (4 * a);
  return e <= 0.5 ? e * e / 3 : (exp ((e - c) / a) + b) / 12;
}

static void
fill_tables (GstReelToneMap *self)
{
  for (guint i = 0; i <= TABLE; i++)
    {
      double v = (double)i / TABLE;
      if (self->hlg)
        {
          self->to_light[i] = (float)hlg_scene (v);
          /* BT.2100's OOTF: system gamma 1.2 on a 1000 cd/m² display. */
          self->hlg_gain[i] = (float)(HLG_PEAK * pow (MAX (v, 1e-6), 0.2) / REFERENCE_WHITE);
        }
      else
        self->to_light[i] = (float)(pq_light (v) / REFERENCE_WHITE);
      /* The table is indexed by the square root of light (fine steps in
       * the shadows, where gamma is steep). */
      self->to_signal[i] = (float)pow (v * v, 1.0 / 2.4);
    }
}

static inline float
lookup (const float *table, float v)
{
  float at = CLAMP (v, 0.0f, 1.0f) * TABLE;
  guint i = (guint)at;
  if (i >= TABLE)
    return table[TABLE];
  return table[i] + (table[i + 1] - table[i]) * (at - (float)i);
}

static void fill_grey (GstReelToneMap *self);
static void map_stripe (gpointer data, gpointer user_data);

static gboolean
set_info (GstVideoFilter *filter, GstCaps *incaps, GstVideoInfo *in, GstCaps *outcaps,
          GstVideoInfo *out)
{
  GstReelToneMap *self = GST_REEL_TONE_MAP (filter);
  /* BT.2020 to BT.709 primaries (BT.2087), linear light. */
  static const float from_2020[9]
      = { 1.6605f, -0.5876f, -0.0728f, -0.1246f, 1.1329f, -0.0083f, -0.0182f, -0.1006f, 1.1187f };
  static const float same[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  gdouble kr, kb;

  if (!maps (gst_caps_get_structure (incaps, 0), &self->hlg))
    {
      gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (filter), TRUE);
      return gst_video_info_is_equal (in, out);
    }
  if (GST_VIDEO_INFO_FORMAT (out) != GST_VIDEO_FORMAT_I420_10LE
      || GST_VIDEO_INFO_WIDTH (in) != GST_VIDEO_INFO_WIDTH (out)
      || GST_VIDEO_INFO_HEIGHT (in) != GST_VIDEO_INFO_HEIGHT (out))
    return FALSE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (filter), FALSE);
  if (!gst_video_color_matrix_get_Kr_Kb (in->colorimetry.matrix, &kr, &kb))
    {
      kr = 0.2627;
      kb = 0.0593;
    }
  self->rv = (float)(2 * (1 - kr));
  self->bu = (float)(2 * (1 - kb));
  self->gu = (float)(2 * (1 - kb) * kb / (1 - kr - kb));
  self->gv = (float)(2 * (1 - kr) * kr / (1 - kr - kb));
  if (in->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255)
    {
      self->y_off = 0;
      self->y_scale = 1.0f / 1023;
      self->c_scale = 1.0f / 1023;
    }
  else
    {
      self->y_off = 64;
      self->y_scale = 1.0f / 876;
      self->c_scale = 1.0f / 896;
    }
  memcpy (self->gamut,
          in->colorimetry.primaries == GST_VIDEO_COLOR_PRIMARIES_BT709 ? same : from_2020,
          sizeof self->gamut);
  fill_tables (self);
  fill_grey (self);
  if (!self->pool)
    self->pool = g_thread_pool_new (map_stripe, NULL, 1, TRUE, NULL);
  GST_DEBUG_OBJECT (self, "%s to SDR BT.709", self->hlg ? "HLG" : "PQ");
  return TRUE;
}

/* The tone curve on light in reference whites. */
static inline float
roll_off (float x)
{
  float t;
  if (x <= KNEE)
    return x;
  t = (x - KNEE) / (1 - KNEE);
  return KNEE + (1 - KNEE) * t / (1 + t);
}

/* One pixel: the source's R'G'B' to BT.709 SDR R'G'B'. */
static inline void
map_pixel (const GstReelToneMap *self, float rgb[3])
{
  const float *g = self->gamut;
  float r = lookup (self->to_light, rgb[0]);
  float gr = lookup (self->to_light, rgb[1]);
  float b = lookup (self->to_light, rgb[2]);
  float r2, g2, b2, top;
  if (self->hlg)
    {
      float gain = lookup (self->hlg_gain, 0.2627f * r + 0.6780f * gr + 0.0593f * b);
      r *= gain;
      gr *= gain;
      b *= gain;
    }
  r2 = MAX (g[0] * r + g[1] * gr + g[2] * b, 0.0f);
  g2 = MAX (g[3] * r + g[4] * gr + g[5] * b, 0.0f);
  b2 = MAX (g[6] * r + g[7] * gr + g[8] * b, 0.0f);
  top = MAX (r2, MAX (g2, b2));
  if (top > KNEE)
    {
      float scale = roll_off (top) / top;
      r2 *= scale;
      g2 *= scale;
      b2 *= scale;
    }
  rgb[0] = lookup (self->to_signal, sqrtf (r2));
  rgb[1] = lookup (self->to_signal, sqrtf (g2));
  rgb[2] = lookup (self->to_signal, sqrtf (b2));
}

/* BT.709's luma coefficients. */
#define KR 0.2126f
#define KB 0.0722f
#define KG (1 - KR - KB)

/* The source's Y'CbCr (Y' a 10-bit code, chroma normalized) to SDR
 * BT.709 Y'CbCr (Y' in [0,1], chroma in [-0.5,0.5]). */
static inline void
map_ycbcr (const GstReelToneMap *self, float y, float cb, float cr, float out[3])
{
  const float l = (y - self->y_off) * self->y_scale;
  float rgb[3] = { l + self->rv * cr, l - self->gu * cb - self->gv * cr, l + self->bu * cb };
  map_pixel (self, rgb);
  out[0] = KR * rgb[0] + KG * rgb[1] + KB * rgb[2];
  out[1] = (rgb[2] - out[0]) / (2 * (1 - KB));
  out[2] = (rgb[0] - out[0]) / (2 * (1 - KR));
}

static void
fill_grey (GstReelToneMap *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->grey); i++)
    {
      float out[3];
      map_ycbcr (self, (float)i, 0, 0, out);
      self->grey[i] = out[0];
    }
}

static inline guint16
code (float v, float lo, float hi)
{
  return (guint16)CLAMP (v + 0.5f, lo, hi);
}

/* Exactly for the mean of each 2x2 block (its chroma sample): the block's
 * chroma, and how far its colour moves its luma from a grey's; each
 * pixel's luma is then a grey's of its Y' (a table) moved as much. Flat
 * colours and greys come out exact, in a quarter of the CPU of mapping
 * every pixel. */
/* Row y of a plane of 16-bit samples. */
static inline guint16 *
row_of (GstVideoFrame *frame, guint plane, gint y)
{
  return (guint16 *)((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (frame, plane)
                     + y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane));
}

static void
map_rows (const GstReelToneMap *self, GstVideoFrame *in, GstVideoFrame *out, gint from, gint to)
{
  const gint width = GST_VIDEO_FRAME_WIDTH (in);

  for (gint y = from; y < to; y += 2)
    {
      const gint rows = MIN (2, to - y);
      const guint16 *yin[2] = { row_of (in, 0, y), row_of (in, 0, y + rows - 1) };
      const guint16 *uin = row_of (in, 1, y / 2), *vin = row_of (in, 2, y / 2);
      guint16 *yout[2] = { row_of (out, 0, y), row_of (out, 0, y + rows - 1) };
      guint16 *uout = row_of (out, 1, y / 2), *vout = row_of (out, 2, y / 2);

      for (gint x = 0; x < width; x += 2)
        {
          const gint cols = MIN (2, width - x);
          float mean = 0, grey_at, shift, mapped[3];
          guint i;
          for (gint k = 0; k < rows; k++)
            for (gint j = 0; j < cols; j++)
              mean += (float)(yin[k][x + j] & 1023);
          mean /= (float)(rows * cols);
          map_ycbcr (self, mean, ((float)uin[x / 2] - 512) * self->c_scale,
                     ((float)vin[x / 2] - 512) * self->c_scale, mapped);
          i = MIN ((guint)mean, 1022u);
          grey_at = self->grey[i] + (self->grey[i + 1] - self->grey[i]) * (mean - (float)i);
          shift = mapped[0] - grey_at;
          for (gint k = 0; k < rows; k++)
            for (gint j = 0; j < cols; j++)
              yout[k][x + j]
                  = code (64 + 876 * (self->grey[yin[k][x + j] & 1023] + shift), 64, 940);
          uout[x / 2] = code (512 + 896 * mapped[1], 64, 960);
          vout[x / 2] = code (512 + 896 * mapped[2], 64, 960);
        }
    }
}

static void
map_stripe (gpointer data, gpointer user_data)
{
  Stripe *s = data;
  map_rows (s->self, s->in, s->out, s->from, s->to);
  g_mutex_lock (&s->self->lock);
  s->done = TRUE;
  g_cond_signal (&s->self->cond);
  g_mutex_unlock (&s->self->lock);
}

/* The lower half on a thread of the element's pool while this one maps
 * the upper half: the element runs in the decoder's thread, which feeds
 * every encoder, and half the time there is half the wait for them. The
 * bytes do not depend on it. */
static GstFlowReturn
transform_frame (GstVideoFilter *filter, GstVideoFrame *in, GstVideoFrame *out)
{
  GstReelToneMap *self = GST_REEL_TONE_MAP (filter);
  const gint height = GST_VIDEO_FRAME_HEIGHT (in);
  Stripe lower = { self, in, out, height / 4 * 2, height, FALSE };

  if (!self->pool || height < 64 || !g_thread_pool_push (self->pool, &lower, NULL))
    {
      map_rows (self, in, out, 0, height);
      return GST_FLOW_OK;
    }
  map_rows (self, in, out, 0, lower.from);
  g_mutex_lock (&self->lock);
  while (!lower.done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  return GST_FLOW_OK;
}

/* Waits for the pool's thread to end. */
static void
drop_pool (GstReelToneMap *self)
{
  if (self->pool)
    g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
}

static gboolean
stop (GstBaseTransform *trans)
{
  drop_pool (GST_REEL_TONE_MAP (trans));
  return TRUE;
}

static void
finalize (GObject *object)
{
  GstReelToneMap *self = GST_REEL_TONE_MAP (object);
  drop_pool (self);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_reel_tone_map_parent_class)->finalize (object);
}

static void
gst_reel_tone_map_class_init (GstReelToneMapClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = finalize;
  GST_DEBUG_CATEGORY_INIT (reel_tone_map_debug, "reeltonemap", 0, "reel HDR to SDR");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "reel HDR to SDR", "Filter/Converter/Video",
      "Tone-maps PQ and HLG video to SDR BT.709; passes everything else through", "reel");
  trans_class->transform_caps = transform_caps;
  trans_class->fixate_caps = fixate_caps;
  trans_class->stop = stop;
  filter_class->set_info = set_info;
  filter_class->transform_frame = transform_frame;
}

static void
gst_reel_tone_map_init (GstReelToneMap *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}
