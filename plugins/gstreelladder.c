/**
 * SECTION:element-reelladder
 * @title: reelladder
 *
 * An adaptive-bitrate ladder in one element: raw video in, one H.264 stream
 * per rung out (src_0, src_1, ... in the order of #GstReelLadder:rungs),
 * all with keyframes at the same instants so a player can switch rungs at
 * any segment boundary.
 *
 * Rungs are "NAME:WIDTHxHEIGHT:KBPS" or "NAME:HEIGHT:KBPS" separated by
 * commas; without a width, the rung takes the input's display aspect ratio
 * (rounded to an even width). Inside, each rung has its own queue (its own
 * thread) fed by a tee with the picture of a rung at least twice its
 * height (or the input), a converting scaler (reelscale: swscale's
 * bicubic close to the input's size, Lanczos-3 from 2:1 down), a reelx264enc
 * (x264 with ffmpeg's rate control, B-frames as the preset has them, a
 * fixed number of threads so the same input always gives the same bytes)
 * and an h264parse; a rung marked ":vp9" gets libvpx's vp9enc (real-time
 * mode, the same keyframe grid and buffer) and a vp9parse instead, for a
 * second rendition set beside the H.264 one. Every rung keeps the input's colorimetry (matrix,
 * range, transfer, primaries, chroma siting), whatever its size: no rung is
 * converted to another matrix on the way down, and each stream's VUI says
 * what its colours are. With #GstReelLadder:keyframe-interval set, every
 * rung gets an IDR frame at each multiple of the interval in stream time
 * and nowhere else (no scene-cut keyframes; x264's closed GOPs keep
 * B-frames from reaching across it), which is what segmenting into
 * fixed-length, independently decodable segments needs.
 * #GstReelLadder:peak-ratio and #GstReelLadder:buffer-ratio set each rung's
 * VBV (peak rate and buffer) in proportion to its bitrate, so a rung's
 * advertised bandwidth holds.
 *
 * Timestamps pass through unchanged: the outputs continue the input's
 * timeline. With #GstReelLadder:output-start set, frames before it are
 * encoded but not output: a chunk's encoders see the frames before the
 * chunk first, so x264's rate control starts the chunk knowing the
 * content instead of guessing (a cold start spends too little on easy
 * content and too much on hard). Set it on a keyframe-interval boundary:
 * the IDR frame there keeps anything before it out of what is output. #GstReelLadder:live tunes the
 * encoders for latency (no look-ahead) for live streams.
 *
 * The pads exist as soon as the rungs are set (in the NULL state), so
 * gst-launch-1.0 can link them by name.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e videotestsrc num-buffers=300 ! video/x-raw,width=1280,height=720 ! \
 *   reelladder name=l rungs=720p:1280x720:2800,360p:360:800 keyframe-interval=2000000000 \
 *   l.src_0 ! mp4mux fragment-duration=2000 ! filesink location=720p.mp4 \
 *   l.src_1 ! mp4mux fragment-duration=2000 ! filesink location=360p.mp4
 * ]|
 */
#include "gstreelladder.h"
#include "gstreelkeyunits.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (reel_ladder_debug);
#define GST_CAT_DEFAULT reel_ladder_debug

#define MAX_RUNGS 16
#define MAX_KBPS 1000000
#define MAX_SIZE 8192
/* With keyframes forced on a grid, x264's own interval must never fire
 * first: 1000 frames is longer than any segment. */
#define FORCED_KEY_INT_MAX 1000
#define DEFAULT_PRESET "veryfast"
#define DEFAULT_THREADS 1
#define MAX_THREADS 64
/* libvpx real-time speed (deadline 1). Measured on an 8 s 720p
 * fine-detail clip (one thread) at two thirds of x264 veryfast's bitrate:
 * speed 4 takes 2.4x x264's CPU and is 1.1 dB below it at 28 % fewer
 * bytes; 5 takes 1.5x and is 2.6 dB below; libvpx's good-quality mode at
 * speed 5 takes 4.5x for 1.4 dB below. */
#define VP9_CPU_USED 4

enum
{
  PROP_0,
  PROP_RUNGS,
  PROP_KEYFRAME_INTERVAL,
  PROP_SPEED_PRESET,
  PROP_LIVE,
  PROP_PEAK_RATIO,
  PROP_BUFFER_RATIO,
  PROP_THREADS,
  PROP_X264_OPTIONS,
  PROP_OUTPUT_START,
};

typedef enum
{
  CODEC_H264,
  CODEC_VP9,
} Codec;

typedef struct
{
  char name[32];
  guint width; /* 0: from the input's aspect ratio */
  guint height;
  guint kbps;
  Codec codec;
  GstElement *scaled; /* capsfilter with the rung's size and colours */
  GstElement *split;  /* tee after it: the encoder, and the rungs scaled from it */
  GstElement *encoder;
  GstElement *parse;
  GstElement *out; /* capsfilter after the parser */
} Rung;

struct _GstReelLadder
{
  GstBin parent;
  GstPad *sinkpad;
  GstElement *entry; /* identity: where keyframes are requested */
  GstElement *tee;

  /* properties (object lock) */
  char *rungs_text;
  char *rungs_error; /* why rungs_text was refused, or NULL */
  GArray *rungs;     /* of Rung */
  guint64 keyframe_interval;
  char *preset;
  gboolean live;
  gint peak_n, peak_d;
  gint buffer_n, buffer_d;
  guint threads;
  char *x264_options;
  guint64 output_start;

  /* streaming thread */
  GstSegment segment;
  ReelKeyUnits keyframes;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS ("video/x-h264; video/x-vp9"));

G_DEFINE_TYPE (GstReelLadder, gst_reel_ladder, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (reelladder, "reelladder", GST_RANK_NONE, GST_TYPE_REEL_LADDER);

/* Parses "NAME:WIDTHxHEIGHT:KBPS" or "NAME:HEIGHT:KBPS", each with an
 * optional ":CODEC" (h264, the default, or vp9), comma-separated. */
static GArray *
parse_rungs (const char *text, char **why)
{
  g_autoptr (GArray) rungs = g_array_new (FALSE, TRUE, sizeof (Rung));
  g_auto (GStrv) items = g_strsplit (text ? text : "", ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (g_strstrip (items[i]), ":", -1);
      g_auto (GStrv) size = NULL;
      Rung r = { 0 };
      guint64 w = 0, h = 0, kbps = 0;
      guint fields = g_strv_length (f);
      gboolean ok = (fields == 3 || fields == 4) && *f[0] && strlen (f[0]) < sizeof r.name;
      for (const char *p = ok ? f[0] : ""; *p; p++)
        ok = ok && (g_ascii_isalnum (*p) || *p == '_' || *p == '-');
      if (ok)
        {
          size = g_strsplit (f[1], "x", -1);
          if (g_strv_length (size) == 2)
            ok = g_ascii_string_to_unsigned (size[0], 10, 2, MAX_SIZE, &w, NULL)
                 && g_ascii_string_to_unsigned (size[1], 10, 2, MAX_SIZE, &h, NULL);
          else
            ok = g_strv_length (size) == 1
                 && g_ascii_string_to_unsigned (size[0], 10, 2, MAX_SIZE, &h, NULL);
          ok = ok && g_ascii_string_to_unsigned (f[2], 10, 1, MAX_KBPS, &kbps, NULL);
          if (ok && fields == 4)
            {
              ok = g_str_equal (f[3], "h264") || g_str_equal (f[3], "vp9");
              r.codec = g_str_equal (f[3], "vp9") ? CODEC_VP9 : CODEC_H264;
            }
        }
      if (!ok)
        {
          *why = g_strdup_printf ("rung \"%s\" is not NAME:WIDTHxHEIGHT:KBPS or NAME:HEIGHT:KBPS "
                                  "with an optional :h264 or :vp9 "
                                  "(NAME of [A-Za-z0-9_-], sizes 2..%d, KBPS 1..%d)",
                                  items[i], MAX_SIZE, MAX_KBPS);
          return NULL;
        }
      g_strlcpy (r.name, f[0], sizeof r.name);
      r.width = (guint)w & ~1u;
      r.height = (guint)h & ~1u;
      r.kbps = (guint)kbps;
      g_array_append_val (rungs, r);
    }
  if (rungs->len == 0 || rungs->len > MAX_RUNGS)
    {
      *why = g_strdup_printf ("rungs must list 1 to %d rungs", MAX_RUNGS);
      return NULL;
    }
  return g_steal_pointer (&rungs);
}

/* What the encoder of a rung takes: 8-bit 4:2:0 at the rung's size with
 * square pixels and, once the input is known, the input's colours. */
static void
set_rung_caps (Rung *r, guint width, const GstVideoInfo *input)
{
  g_autoptr (GstCaps) caps = gst_caps_new_simple (
      "video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, (gint)width, "height",
      G_TYPE_INT, (gint)r->height, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  if (input)
    {
      /* The input's colorimetry as GStreamer reads it (an untagged input
       * gets the default of its size, e.g. BT.709 for HD): left to
       * negotiation, a rung of SD size would get BT.601's matrix and a
       * conversion to it. */
      g_autofree char *colorimetry = gst_video_colorimetry_to_string (&input->colorimetry);
      g_autofree char *site = gst_video_chroma_site_to_string (input->chroma_site);
      if (colorimetry)
        gst_caps_set_simple (caps, "colorimetry", G_TYPE_STRING, colorimetry, NULL);
      /* mp4mux (1.22) needs a VP9 stream's chroma siting and crashes
       * without it: an input that does not say gets 4:2:0's usual one. */
      if (!site && r->codec == CODEC_VP9)
        site = g_strdup ("mpeg2");
      if (site)
        gst_caps_set_simple (caps, "chroma-site", G_TYPE_STRING, site, NULL);
    }
  g_object_set (r->scaled, "caps", caps, NULL);
}

/* Once the input is known: rungs without a width take its display aspect
 * ratio, and every rung its colours. */
static void
size_rungs (GstReelLadder *self, GstCaps *caps)
{
  GstVideoInfo info;
  if (!gst_video_info_from_caps (&info, caps) || info.height == 0)
    return;
  for (guint i = 0; i < self->rungs->len; i++)
    {
      Rung *r = &g_array_index (self->rungs, Rung, i);
      guint64 w = r->width;
      if (!w)
        {
          w = gst_util_uint64_scale_round ((guint64)r->height * info.par_n, (guint64)info.width,
                                           (guint64)info.height * MAX (info.par_d, 1));
          w = MAX (2, (w + 1) & ~(guint64)1);
        }
      set_rung_caps (r, (guint)MIN (w, MAX_SIZE), &info);
    }
}

/* Before each buffer enters the tee: the keyframe grid (in the input's
 * stream time) and the caps that size the rungs. */
static GstPadProbeReturn
entry_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstReelLadder *self = data;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
      GstClockTime ts = gst_segment_to_stream_time (
          &self->segment, GST_FORMAT_TIME,
          (GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) : GST_BUFFER_DTS (buf)));
      GstEvent *fku = reel_key_units_check (&self->keyframes, ts);
      if (fku)
        {
          g_autoptr (GstPad) src = gst_element_get_static_pad (self->entry, "src");
          gst_pad_push_event (src, fku);
        }
    }
  else
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
      if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
        {
          GstCaps *caps;
          gst_event_parse_caps (event, &caps);
          size_rungs (self, caps);
        }
      else if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
        gst_event_copy_segment (event, &self->segment);
    }
  return GST_PAD_PROBE_OK;
}

/* After each rung's parser: the warm-up frames (before output-start) go no
 * further. Encoded frames leave in decode order; with closed GOPs and an
 * IDR frame at output-start, every frame shown before it is decoded
 * before it, so the rung's output begins with that IDR frame. */
static GstPadProbeReturn
output_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstReelLadder *self = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstEvent) event = NULL;
  const GstSegment *segment;
  guint64 start, ts;
  GST_OBJECT_LOCK (self);
  start = self->output_start;
  GST_OBJECT_UNLOCK (self);
  if (!start || !GST_BUFFER_PTS_IS_VALID (buf))
    return GST_PAD_PROBE_OK;
  /* The encoder moves timestamps (and its segment) ahead so that decode
   * times before the first frame stay positive: compare stream times. */
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (!event)
    return GST_PAD_PROBE_OK;
  gst_event_parse_segment (event, &segment);
  ts = gst_segment_to_stream_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  return GST_CLOCK_TIME_IS_VALID (ts) && ts < start ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static void
clear_rungs (GstReelLadder *self)
{
  g_autoptr (GPtrArray) rung_elements = g_ptr_array_new_with_free_func (gst_object_unref);
  while (GST_ELEMENT (self)->srcpads)
    gst_element_remove_pad (GST_ELEMENT (self), GST_ELEMENT (self)->srcpads->data);
  while (self->tee->srcpads)
    gst_element_release_request_pad (self->tee, self->tee->srcpads->data);
  /* Everything but the entry and the tee is a rung's. */
  GST_OBJECT_LOCK (self);
  for (GList *l = GST_BIN_CHILDREN (self); l; l = l->next)
    if (l->data != self->entry && l->data != self->tee)
      g_ptr_array_add (rung_elements, gst_object_ref (l->data));
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < rung_elements->len; i++)
    gst_bin_remove (GST_BIN (self), rung_elements->pdata[i]);
  g_clear_pointer (&self->rungs, g_array_unref);
}

/* Sets a property back to its default. */
static void
reset_property (GObject *object, const char *name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  GValue v = G_VALUE_INIT;
  g_value_init (&v, pspec->value_type);
  g_param_value_set_default (pspec, &v);
  g_object_set_property (object, name, &v);
  g_value_unset (&v);
}

/* A VP9 rung's vp9enc, from the ladder's properties. */
static void
configure_vp9 (GstReelLadder *self, Rung *r)
{
  g_autoptr (GstCaps) out = gst_caps_from_string ("video/x-vp9");
  /* libvpx's real-time mode (see VP9_CPU_USED). One thread per rung gives the same bytes for the
   * same input (row multithreading only with more). Rate control: VBR at the rung's bitrate, over
   * the same buffer as the H.264 rungs' VBV, overshooting by at most the peak ratio. */
  g_object_set (r->encoder, "target-bitrate", (gint)MIN ((guint64)r->kbps * 1000, G_MAXINT),
                "end-usage", 0 /* vbr */, "deadline", (gint64)1, "cpu-used", VP9_CPU_USED,
                "threads", (gint)MAX (self->threads, 1), "row-mt", self->threads > 1, NULL);
  if (self->peak_n > 0 && self->buffer_n > 0)
    g_object_set (r->encoder, "buffer-size", (gint)(1000 * self->buffer_n / self->buffer_d),
                  "overshoot",
                  (gint)CLAMP (100 * (self->peak_n - self->peak_d) / self->peak_d, 0, 1000), NULL);
  else
    {
      reset_property (G_OBJECT (r->encoder), "buffer-size");
      reset_property (G_OBJECT (r->encoder), "overshoot");
    }
  /* Keyframes only where the grid asks for them (see configure_rung). */
  if (self->keyframe_interval)
    g_object_set (r->encoder, "keyframe-mode", 0 /* disabled */, "keyframe-max-dist",
                  FORCED_KEY_INT_MAX, NULL);
  else
    {
      reset_property (G_OBJECT (r->encoder), "keyframe-mode");
      reset_property (G_OBJECT (r->encoder), "keyframe-max-dist");
    }
  /* Live: no look-ahead. */
  if (self->live)
    g_object_set (r->encoder, "lag-in-frames", 0, NULL);
  else
    reset_property (G_OBJECT (r->encoder), "lag-in-frames");
  g_object_set (r->out, "caps", out, NULL);
}

/* An H.264 rung's reelx264enc and h264parse, from the ladder's properties. */
static void
configure_h264 (GstReelLadder *self, Rung *r)
{
  g_autoptr (GstCaps) out = gst_caps_from_string (
      self->live ? "video/x-h264,stream-format=byte-stream,alignment=au" : "video/x-h264");
  g_object_set (r->encoder, "bitrate", r->kbps, "threads", self->threads, NULL);
  g_object_set (r->encoder, "speed-preset", self->preset, "option-string", self->x264_options,
                NULL);
  if (self->peak_n > 0 && self->buffer_n > 0)
    g_object_set (r->encoder, "vbv-maxrate",
                  (guint)((guint64)r->kbps * self->peak_n / self->peak_d), "vbv-bufsize",
                  (guint)((guint64)r->kbps * self->buffer_n / self->buffer_d), NULL);
  else
    g_object_set (r->encoder, "vbv-maxrate", 0, "vbv-bufsize", 0, NULL);
  /* On a keyframe grid, x264's own interval must never fire first, and
   * scene cuts would add keyframes just before a boundary (a muxer cutting
   * fragments at keyframes would make a one-frame segment of them). */
  if (self->keyframe_interval)
    g_object_set (r->encoder, "key-int-max", FORCED_KEY_INT_MAX, "scenecut", FALSE, NULL);
  else
    {
      reset_property (G_OBJECT (r->encoder), "key-int-max");
      reset_property (G_OBJECT (r->encoder), "scenecut");
    }
  if (self->live)
    {
      /* No look-ahead and no B-frames; parameter sets with every keyframe
       * in a byte-stream: a live consumer may join at any. */
      g_object_set (r->encoder, "tune", "zerolatency", NULL);
      g_object_set (r->parse, "config-interval", -1, NULL);
    }
  else
    {
      reset_property (G_OBJECT (r->encoder), "tune");
      reset_property (G_OBJECT (r->parse), "config-interval");
    }
  g_object_set (r->out, "caps", out, NULL);
}

/* The encoder and parser settings of a rung, from the ladder's properties:
 * set when the rung is built and again when one of them changes. */
static void
configure_rung (GstReelLadder *self, Rung *r)
{
  if (r->codec == CODEC_VP9)
    configure_vp9 (self, r);
  else
    configure_h264 (self, r);
}

/* The picture a rung is scaled from: a twin's of the same height before
 * it (the same picture in another codec), else the smallest rung at
 * least twice its height, else the input. A 1080p input's 240p rung
 * scales 480 lines, not 1080: the three rungs of a 1080p first chunk took
 * a quarter of its CPU to scale, as much as to encode them. Not from the
 * nearest taller rung: chained cubic steps (1080 to 720 to 480 lines)
 * keep the fine detail's aliasing, 3.5 dB below ffmpeg at 480p on
 * bench_transcode's zone plate; from 2:1 down the step is Lanczos-3,
 * which filters it (gstreelscale.h). Returns the index, or -1 for the
 * input. */
static gint
parent_rung (GArray *rungs, guint index)
{
  const Rung *r = &g_array_index (rungs, Rung, index);
  gint best = -1;
  for (guint j = 0; j < rungs->len; j++)
    {
      const Rung *c = &g_array_index (rungs, Rung, j);
      if (c->height == r->height && j < index)
        return (gint)j;
      if (c->height >= 2 * r->height
          && (best < 0 || c->height < g_array_index (rungs, Rung, best).height))
        best = (gint)j;
    }
  return best;
}

static gboolean
build_rung (GstReelLadder *self, guint index, Rung *r)
{
  g_autofree char *qname = g_strdup_printf ("q%u", index);
  g_autofree char *padname = g_strdup_printf ("src_%u", index);
  GstElement *q = gst_element_factory_make ("queue", qname);
  GstElement *scale = gst_element_factory_make ("reelscale", NULL);
  GstElement *scaled = gst_element_factory_make ("capsfilter", NULL);
  GstElement *split = gst_element_factory_make ("tee", NULL);
  GstElement *enc
      = gst_element_factory_make (r->codec == CODEC_VP9 ? "vp9enc" : "reelx264enc", NULL);
  GstElement *parse
      = gst_element_factory_make (r->codec == CODEC_VP9 ? "vp9parse" : "h264parse", NULL);
  GstElement *outcaps = gst_element_factory_make ("capsfilter", NULL);
  g_autoptr (GstPad) out = NULL;
  GstPad *ghost;

  if (!q || !scale || !scaled || !split || !enc || !parse || !outcaps)
    {
      GstElement *all[] = { q, scale, scaled, split, enc, parse, outcaps };
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        if (all[i])
          gst_object_unref (all[i]);
      return FALSE;
    }
  r->scaled = scaled;
  r->split = split;
  r->encoder = enc;
  r->parse = parse;
  r->out = outcaps;
  if (r->width)
    set_rung_caps (r, r->width, NULL);
  /* Scaling and any conversion to 4:2:0 in one pass, the same kernel for
   * the picture and for chroma (gstreelscale.h); no borders, since rung
   * sizes keep the input's aspect to within a pixel (rounded to even). */
  configure_rung (self, r);
  gst_bin_add_many (GST_BIN (self), q, scale, scaled, split, enc, parse, outcaps, NULL);
  if (!gst_element_link_many (q, scale, scaled, split, enc, parse, outcaps, NULL))
    return FALSE;
  out = gst_element_get_static_pad (outcaps, "src");
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, output_probe, self, NULL);
  ghost = gst_ghost_pad_new_from_template (
      padname, out, gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "src_%u"));
  gst_pad_set_active (ghost, TRUE);
  return gst_element_add_pad (GST_ELEMENT (self), ghost);
}

/* Feeds rung index from its parent_rung (its queue, its own thread). */
static gboolean
link_rung (GstReelLadder *self, guint index)
{
  g_autofree char *qname = g_strdup_printf ("q%u", index);
  g_autoptr (GstElement) q = gst_bin_get_by_name (GST_BIN (self), qname);
  gint parent = parent_rung (self->rungs, index);
  GstElement *from = parent < 0 ? self->tee : g_array_index (self->rungs, Rung, parent).split;
  return q && gst_element_link (from, q);
}

static void
build_rungs (GstReelLadder *self)
{
  clear_rungs (self);
  g_clear_pointer (&self->rungs_error, g_free);
  self->rungs = parse_rungs (self->rungs_text, &self->rungs_error);
  if (!self->rungs)
    {
      GST_WARNING_OBJECT (self, "%s", self->rungs_error);
      return;
    }
  for (guint i = 0; i < self->rungs->len; i++)
    if (!build_rung (self, i, &g_array_index (self->rungs, Rung, i)))
      {
        self->rungs_error = g_strdup ("cannot build the rung's elements (reelx264enc is in "
                                      "reel's reelx264 plugin, vp9enc in "
                                      "gstreamer1.0-plugins-good, vp9parse in "
                                      "gstreamer1.0-plugins-bad)");
        return;
      }
  for (guint i = 0; i < self->rungs->len; i++)
    if (!link_rung (self, i))
      {
        self->rungs_error = g_strdup ("cannot link the rungs");
        return;
      }
  gst_element_no_more_pads (GST_ELEMENT (self));
}

static GstStateChangeReturn
change_state (GstElement *element, GstStateChange transition)
{
  GstReelLadder *self = GST_REEL_LADDER (element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY && (!self->rungs || self->rungs_error))
    {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("The ladder has no usable rungs."),
                         ("%s", self->rungs_error ? self->rungs_error : "set the rungs property"));
      return GST_STATE_CHANGE_FAILURE;
    }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    {
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      reel_key_units_reset (&self->keyframes, self->keyframe_interval, 0);
    }
  return GST_ELEMENT_CLASS (gst_reel_ladder_parent_class)->change_state (element, transition);
}

/* Encoder settings apply to the encoders that exist too. */
static void
configure_rungs (GstReelLadder *self)
{
  for (guint i = 0; self->rungs && !self->rungs_error && i < self->rungs->len; i++)
    configure_rung (self, &g_array_index (self->rungs, Rung, i));
}

static void
set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstReelLadder *self = GST_REEL_LADDER (object);
  if (GST_STATE (self) != GST_STATE_NULL)
    {
      GST_WARNING_OBJECT (self, "%s can only change in the NULL state", pspec->name);
      return;
    }
  switch (prop_id)
    {
    case PROP_RUNGS:
      g_free (self->rungs_text);
      self->rungs_text = g_value_dup_string (value);
      build_rungs (self);
      break;
    case PROP_KEYFRAME_INTERVAL:
      self->keyframe_interval = g_value_get_uint64 (value);
      configure_rungs (self);
      break;
    case PROP_SPEED_PRESET:
      g_free (self->preset);
      self->preset = g_value_dup_string (value);
      if (!self->preset)
        self->preset = g_strdup (DEFAULT_PRESET);
      configure_rungs (self);
      break;
    case PROP_LIVE:
      self->live = g_value_get_boolean (value);
      configure_rungs (self);
      break;
    case PROP_PEAK_RATIO:
      self->peak_n = gst_value_get_fraction_numerator (value);
      self->peak_d = gst_value_get_fraction_denominator (value);
      configure_rungs (self);
      break;
    case PROP_BUFFER_RATIO:
      self->buffer_n = gst_value_get_fraction_numerator (value);
      self->buffer_d = gst_value_get_fraction_denominator (value);
      configure_rungs (self);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      configure_rungs (self);
      break;
    case PROP_X264_OPTIONS:
      g_free (self->x264_options);
      self->x264_options = g_value_dup_string (value);
      configure_rungs (self);
      break;
    case PROP_OUTPUT_START:
      GST_OBJECT_LOCK (self);
      self->output_start = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstReelLadder *self = GST_REEL_LADDER (object);
  switch (prop_id)
    {
    case PROP_RUNGS:
      g_value_set_string (value, self->rungs_text);
      break;
    case PROP_KEYFRAME_INTERVAL:
      g_value_set_uint64 (value, self->keyframe_interval);
      break;
    case PROP_SPEED_PRESET:
      g_value_set_string (value, self->preset);
      break;
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;
    case PROP_PEAK_RATIO:
      gst_value_set_fraction (value, self->peak_n, self->peak_d);
      break;
    case PROP_BUFFER_RATIO:
      gst_value_set_fraction (value, self->buffer_n, self->buffer_d);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_X264_OPTIONS:
      g_value_set_string (value, self->x264_options);
      break;
    case PROP_OUTPUT_START:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->output_start);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
finalize (GObject *object)
{
  GstReelLadder *self = GST_REEL_LADDER (object);
  g_free (self->rungs_text);
  g_free (self->rungs_error);
  g_free (self->preset);
  g_free (self->x264_options);
  g_clear_pointer (&self->rungs, g_array_unref);
  G_OBJECT_CLASS (gst_reel_ladder_parent_class)->finalize (object);
}

static void
gst_reel_ladder_class_init (GstReelLadderClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (change_state);

  g_object_class_install_property (
      gobject_class, PROP_RUNGS,
      g_param_spec_string ("rungs", "Rungs",
                           "Comma-separated rungs, NAME:WIDTHxHEIGHT:KBPS or NAME:HEIGHT:KBPS "
                           "(width from the input's aspect ratio); rung i comes out of src_i",
                           NULL, flags));
  g_object_class_install_property (
      gobject_class, PROP_KEYFRAME_INTERVAL,
      g_param_spec_uint64 ("keyframe-interval", "Keyframe interval",
                           "Give every rung a keyframe at each multiple of this stream time (ns), "
                           "e.g. the segment length; 0 = leave keyframes to the encoders",
                           0, G_MAXUINT64, 0, flags));
  g_object_class_install_property (
      gobject_class, PROP_SPEED_PRESET,
      g_param_spec_string ("speed-preset", "Speed preset",
                           "x264 speed preset of every rung (ultrafast ... veryslow)",
                           DEFAULT_PRESET, flags));
  g_object_class_install_property (
      gobject_class, PROP_LIVE,
      g_param_spec_boolean ("live", "Live",
                            "Tune the encoders for latency (x264 zerolatency: no look-ahead, no "
                            "frame delay), for live streams",
                            FALSE, flags));
  g_object_class_install_property (
      gobject_class, PROP_PEAK_RATIO,
      gst_param_spec_fraction ("peak-ratio", "Peak ratio",
                               "VBV maximum rate of a rung as a multiple of its bitrate; 0/1 = no "
                               "VBV constraint",
                               0, 1, 100, 1, 0, 1, flags));
  g_object_class_install_property (
      gobject_class, PROP_BUFFER_RATIO,
      gst_param_spec_fraction ("buffer-ratio", "Buffer ratio",
                               "VBV buffer of a rung in seconds at its bitrate (used with "
                               "peak-ratio)",
                               0, 1, 100, 1, 2, 1, flags));
  g_object_class_install_property (
      gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
                         "x264 threads of each rung: 1 gives the same bytes on any machine, "
                         "more vary from run to run; 0 = x264 chooses from the machine's cores",
                         0, MAX_THREADS, DEFAULT_THREADS, flags));
  g_object_class_install_property (
      gobject_class, PROP_X264_OPTIONS,
      g_param_spec_string ("x264-options", "x264 options",
                           "More x264 options for every rung, name=value separated by ':' "
                           "(reelx264enc's option-string)",
                           NULL, flags));
  g_object_class_install_property (
      gobject_class, PROP_OUTPUT_START,
      g_param_spec_uint64 ("output-start", "Output start",
                           "Stream time (ns) before which frames are encoded (warming up the "
                           "rate control) but not output; a keyframe-interval boundary",
                           0, G_MAXUINT64, 0, flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "Adaptive-bitrate ladder", "Codec/Encoder/Video",
      "Encodes raw video into one keyframe-aligned H.264 stream per rung", "reel developers");
  GST_DEBUG_CATEGORY_INIT (reel_ladder_debug, "reelladder", 0, "reel encoding ladder");
}

static void
gst_reel_ladder_init (GstReelLadder *self)
{
  g_autoptr (GstPad) target = NULL;
  self->preset = g_strdup (DEFAULT_PRESET);
  self->peak_n = 0;
  self->peak_d = 1;
  self->buffer_n = 2;
  self->buffer_d = 1;
  self->threads = DEFAULT_THREADS;
  self->entry = gst_element_factory_make ("identity", "entry");
  self->tee = gst_element_factory_make ("tee", "tee");
  gst_bin_add_many (GST_BIN (self), self->entry, self->tee, NULL);
  gst_element_link (self->entry, self->tee);
  target = gst_element_get_static_pad (self->entry, "sink");
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     entry_probe, self, NULL);
  self->sinkpad = gst_ghost_pad_new_from_template (
      "sink", target, gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "sink"));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}
