/* See gstreelscale.h. */
#include "gstreelscale.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (reel_scale_debug);
#define GST_CAT_DEFAULT reel_scale_debug

/* swscale's bicubic (SWS_BICUBIC with its default parameters 0 and 0.6). */
#define DEFAULT_B 0.0
#define DEFAULT_C 0.6
/* Lanczos with three lobes, swscale's lanczos: GStreamer's default two
 * lobes alias at some ratios (a 1080p source at exactly a third, 360p,
 * loses 20 dB of luma PSNR against a reference scaling). */
#define DEFAULT_LOBES 3.0
/* From this ratio down, Lanczos; closer to the source's size, the cubic.
 * Measured on tests/integration/test_quality.c's fine detail against
 * ffmpeg (libx264 at the same bytes; scores against a Lanczos reference):
 * at 1.5:1 Lanczos-3 keeps detail that costs more bits than it gains
 * (33.64 dB against ffmpeg's 33.77; the cubic 33.72), at 3:1 the cubic
 * blurs (29.44 against 29.63; Lanczos-3 29.78), at 2:1 both match. */
#define LANCZOS_FROM_RATIO 2.0

enum
{
  PROP_0,
  PROP_B,
  PROP_C,
  PROP_LOBES,
};

struct _GstReelScale
{
  GstVideoFilter parent;
  gdouble b, c, lobes;
  GstVideoConverter *convert;
};

G_DEFINE_TYPE (GstReelScale, gst_reel_scale, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (reelscale, "reelscale", GST_RANK_NONE, GST_TYPE_REEL_SCALE);

#define FORMATS GST_VIDEO_FORMATS_ALL

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FORMATS)));

static void
set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GstReelScale *self = GST_REEL_SCALE (object);
  GST_OBJECT_LOCK (self);
  switch (id)
    {
    case PROP_B:
      self->b = g_value_get_double (value);
      break;
    case PROP_C:
      self->c = g_value_get_double (value);
      break;
    case PROP_LOBES:
      self->lobes = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GstReelScale *self = GST_REEL_SCALE (object);
  GST_OBJECT_LOCK (self);
  switch (id)
    {
    case PROP_B:
      g_value_set_double (value, self->b);
      break;
    case PROP_C:
      g_value_set_double (value, self->c);
      break;
    case PROP_LOBES:
      g_value_set_double (value, self->lobes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

/* Any size, format, aspect and colours on the other side; the same caps
 * first, so nothing is converted unless downstream asks. */
static GstCaps *
transform_caps (GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps, GstCaps *filter)
{
  GstCaps *out = gst_caps_copy (caps);
  GstCaps *any = gst_caps_new_empty ();
  for (guint i = 0; i < gst_caps_get_size (caps); i++)
    {
      GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, i));
      gst_structure_remove_fields (s, "format", "width", "height", "pixel-aspect-ratio",
                                   "colorimetry", "chroma-site", NULL);
      gst_caps_append_structure_full (any, s,
                                      gst_caps_features_copy (gst_caps_get_features (caps, i)));
    }
  out = gst_caps_merge (out, any);
  if (filter)
    {
      GstCaps *both = gst_caps_intersect_full (filter, out, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref (out);
      out = both;
    }
  return out;
}

static gboolean
set_info (GstVideoFilter *filter, GstCaps *incaps, GstVideoInfo *in, GstCaps *outcaps,
          GstVideoInfo *out)
{
  GstReelScale *self = GST_REEL_SCALE (filter);
  gdouble b, c, lobes, ratio;
  GstStructure *config;
  g_clear_pointer (&self->convert, gst_video_converter_free);
  if (gst_video_info_is_equal (in, out))
    {
      gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (filter), TRUE);
      return TRUE;
    }
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (filter), FALSE);
  GST_OBJECT_LOCK (self);
  b = self->b;
  c = self->c;
  lobes = self->lobes;
  GST_OBJECT_UNLOCK (self);
  ratio = MAX ((gdouble)GST_VIDEO_INFO_WIDTH (in) / GST_VIDEO_INFO_WIDTH (out),
               (gdouble)GST_VIDEO_INFO_HEIGHT (in) / GST_VIDEO_INFO_HEIGHT (out));
  /* The same kernel for the picture and for chroma; no dithering (the
   * encoder's input stays deterministic and noise-free); one thread: a
   * rung already has its own. */
  config = gst_structure_new ("GstVideoConverter", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
                              GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE,
                              GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT, 1, NULL);
  if (ratio < LANCZOS_FROM_RATIO)
    gst_structure_set (config, GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD,
                       GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_CUBIC,
                       GST_VIDEO_CONVERTER_OPT_CHROMA_RESAMPLER_METHOD,
                       GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_CUBIC,
                       GST_VIDEO_RESAMPLER_OPT_CUBIC_B, G_TYPE_DOUBLE, b,
                       GST_VIDEO_RESAMPLER_OPT_CUBIC_C, G_TYPE_DOUBLE, c, NULL);
  else
    gst_structure_set (config, GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD,
                       GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_LANCZOS,
                       GST_VIDEO_CONVERTER_OPT_CHROMA_RESAMPLER_METHOD,
                       GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_LANCZOS,
                       GST_VIDEO_RESAMPLER_OPT_ENVELOPE, G_TYPE_DOUBLE, lobes, NULL);
  GST_DEBUG_OBJECT (self, "%dx%d to %dx%d: %s", GST_VIDEO_INFO_WIDTH (in),
                    GST_VIDEO_INFO_HEIGHT (in), GST_VIDEO_INFO_WIDTH (out),
                    GST_VIDEO_INFO_HEIGHT (out), ratio < LANCZOS_FROM_RATIO ? "cubic" : "lanczos");
  self->convert = gst_video_converter_new (in, out, config);
  return self->convert != NULL;
}

static GstFlowReturn
transform_frame (GstVideoFilter *filter, GstVideoFrame *in, GstVideoFrame *out)
{
  GstReelScale *self = GST_REEL_SCALE (filter);
  gst_video_converter_frame (self->convert, in, out);
  return GST_FLOW_OK;
}

static gboolean
stop (GstBaseTransform *trans)
{
  GstReelScale *self = GST_REEL_SCALE (trans);
  g_clear_pointer (&self->convert, gst_video_converter_free);
  return TRUE;
}

static void
finalize (GObject *object)
{
  GstReelScale *self = GST_REEL_SCALE (object);
  g_clear_pointer (&self->convert, gst_video_converter_free);
  G_OBJECT_CLASS (gst_reel_scale_parent_class)->finalize (object);
}

static void
gst_reel_scale_class_init (GstReelScaleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (reel_scale_debug, "reelscale", 0, "reel bicubic scaler");
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->finalize = finalize;
  g_object_class_install_property (
      object_class, PROP_B,
      g_param_spec_double ("b", "B", "The cubic's B parameter (0: no blur of its own)", 0.0, 1.0,
                           DEFAULT_B, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (
      object_class, PROP_C,
      g_param_spec_double ("c", "C",
                           "The cubic's C parameter (0.5: Catmull-Rom; 0.6: swscale's bicubic)",
                           0.0, 1.0, DEFAULT_C, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (
      object_class, PROP_LOBES,
      g_param_spec_double ("lobes", "Lobes", "Lanczos lobes, for shrinking by 2:1 or more", 1.0,
                           5.0, DEFAULT_LOBES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "reel bicubic scaler", "Filter/Converter/Video/Scaler",
      "Converts and scales video with a bicubic of chosen shape", "reel");
  trans_class->transform_caps = transform_caps;
  trans_class->stop = stop;
  filter_class->set_info = set_info;
  filter_class->transform_frame = transform_frame;
}

static void
gst_reel_scale_init (GstReelScale *self)
{
  self->b = DEFAULT_B;
  self->c = DEFAULT_C;
  self->lobes = DEFAULT_LOBES;
}
