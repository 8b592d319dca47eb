/**
 * SECTION:element-reelx264enc
 * @title: reelx264enc
 *
 * H.264 through libx264, configured the way ffmpeg's libx264 encoder
 * configures it: x264's preset and tune first, then the bitrate in x264's
 * average-bitrate mode with the VBV given by #GstReelX264Enc:vbv-maxrate and
 * #GstReelX264Enc:vbv-bufsize, then #GstReelX264Enc:option-string, then the
 * profile. So a reel rung and `ffmpeg -c:v libx264 -preset P -b:v B -maxrate
 * M -bufsize S` make the same stream from the same frames.
 *
 * Why not x264enc: in its bitrate modes it always sets x264's VBV maximum
 * rate to the bitrate itself (after the option string, so no option can
 * change it), which turns an average-bitrate ladder into a strict CBR one
 * and costs a rung 0.7 dB at the same size next to ffmpeg.
 *
 * Keyframes: a frame that carries a force-key-unit request (reelladder and
 * reelrange send them on their segment grid) becomes an IDR frame. With
 * B-frames, x264's default closed GOPs make every IDR start an independently
 * decodable group, so segments cut at IDRs play alone.
 *
 * Reproducibility: with one thread (the default), the same frames with the
 * same settings give the same bytes on any machine. With more and a VBV,
 * they do not: x264's rate control plans each frame from the sizes of the
 * frames still being encoded on the other threads, as far as they got, so
 * the bytes depend on timing (two runs of one 1080p clip at threads=2 gave
 * different bytes, at threads=1 the same). threads=0 lets x264 choose
 * from the machine's cores.
 *
 * Output: stream-format avc, one access unit per buffer, the parameter
 * sets in codec_data only (as ffmpeg writes MP4: x264's rate control
 * counts the bytes of in-band headers, so repeating them would shift every
 * rung's quantisers a little). h264parse turns it into byte-stream where
 * needed. Presentation timestamps pass through; decode timestamps come from
 * x264 and, with B-frames, run up to the reorder delay behind them.
 *
 * Licence: libx264 is GPL-2.0-or-later, so this element is built as its own
 * plugin (reelx264) and linked only into reel-media, beside the LGPL rest.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e videotestsrc num-buffers=300 ! video/x-raw,format=I420,width=1280,height=720 !
 * \
 *   reelx264enc bitrate=2800 vbv-maxrate=4200 vbv-bufsize=5600 speed-preset=veryfast ! \
 *   h264parse ! mp4mux ! filesink location=720p.mp4
 * ]|
 */
#include "gstreelx264enc.h"

#include <stdint.h>
#include <x264.h>

GST_DEBUG_CATEGORY_STATIC (reel_x264_enc_debug);
#define GST_CAT_DEFAULT reel_x264_enc_debug

#define DEFAULT_BITRATE 2048
#define MAX_KBPS 2000000
#define DEFAULT_PRESET "veryfast"
#define DEFAULT_PROFILE "high"
/* One frame thread: reproducible on any machine, and a ladder keeps the
 * cores busy with its rungs side by side. */
#define DEFAULT_THREADS 1
#define MAX_THREADS 64
#define MAX_BFRAMES 16
/* GStreamer timestamps cannot go below zero, but with B-frames the first
 * decode timestamps come before the first presentation timestamp: frames
 * enter shifted by this much (GstVideoEncoder shifts the segment alike, so
 * running times are unchanged), as x264enc does. */
#define MIN_PTS (GST_SECOND * 60 * 60 * 1000)

enum
{
  PROP_0,
  PROP_BITRATE,
  PROP_VBV_MAXRATE,
  PROP_VBV_BUFSIZE,
  PROP_SPEED_PRESET,
  PROP_TUNE,
  PROP_PROFILE,
  PROP_THREADS,
  PROP_BFRAMES,
  PROP_KEY_INT_MAX,
  PROP_SCENECUT,
  PROP_OPTION_STRING,
};

struct _GstReelX264Enc
{
  GstVideoEncoder parent;

  /* properties (object lock); they apply when the encoder next opens */
  guint bitrate;
  guint vbv_maxrate;
  guint vbv_bufsize;
  char *preset;
  char *tune;
  char *profile;
  guint threads;
  gint bframes;
  guint key_int_max;
  gboolean scenecut;
  char *options;

  /* streaming thread */
  x264_t *x264;
  GstVideoCodecState *input;
  GstBuffer *codec_data; /* AVCDecoderConfigurationRecord of the open encoder */
  gboolean frame_ticks;  /* x264 counts time in frames (known frame rate), not ns */
  int64_t last_ticks;    /* the last timestamp given to x264 */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format = (string) I420, width = (int) [ 16, 16384 ], "
                     "height = (int) [ 16, 16384 ], framerate = (fraction) [ 0, MAX ]"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, stream-format = (string) avc, alignment = (string) au"));

G_DEFINE_TYPE (GstReelX264Enc, gst_reel_x264_enc, GST_TYPE_VIDEO_ENCODER);
GST_ELEMENT_REGISTER_DEFINE (reelx264enc, "reelx264enc", GST_RANK_NONE, GST_TYPE_REEL_X264_ENC);

/* x264's messages into this element's debug category. */
static void
log_x264 (void *object, int level, const char *format, va_list args)
{
  GstDebugLevel l = level == X264_LOG_ERROR     ? GST_LEVEL_ERROR
                    : level == X264_LOG_WARNING ? GST_LEVEL_WARNING
                    : level == X264_LOG_INFO    ? GST_LEVEL_INFO
                                                : GST_LEVEL_DEBUG;
  g_autofree char *text = NULL;
  if (l > gst_debug_category_get_threshold (GST_CAT_DEFAULT))
    return;
  text = g_strdup_vprintf (format, args);
  GST_CAT_LEVEL_LOG (GST_CAT_DEFAULT, l, object, "%s", g_strchomp (text));
}

/* Applies "name=value:name=value..." with x264's own parser. */
static gboolean
apply_options (GstReelX264Enc *self, x264_param_t *p, const char *options)
{
  g_auto (GStrv) items = g_strsplit (options ? options : "", ":", -1);
  for (guint i = 0; items[i]; i++)
    {
      char *eq;
      int r;
      if (!*g_strstrip (items[i]))
        continue;
      eq = strchr (items[i], '=');
      if (eq)
        *eq = '\0';
      r = x264_param_parse (p, items[i], eq ? eq + 1 : NULL);
      if (r != 0)
        {
          GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Bad x264 option \"%s\".", items[i]),
                             ("%s", r == X264_PARAM_BAD_NAME ? "no such option" : "bad value"));
          return FALSE;
        }
    }
  return TRUE;
}

/* The VUI of the stream says what the input's colours are, so players
 * show them as the source meant them. */
static void
set_vui (x264_param_t *p, const GstVideoInfo *info)
{
  p->vui.i_colorprim = (int)gst_video_color_primaries_to_iso (info->colorimetry.primaries);
  p->vui.i_transfer = (int)gst_video_transfer_function_to_iso (info->colorimetry.transfer);
  p->vui.i_colmatrix = (int)gst_video_color_matrix_to_iso (info->colorimetry.matrix);
  p->vui.b_fullrange = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  switch (info->chroma_site)
    {
    case GST_VIDEO_CHROMA_SITE_JPEG:
      p->vui.i_chroma_loc = 1;
      break;
    case GST_VIDEO_CHROMA_SITE_DV:
      p->vui.i_chroma_loc = 2;
      break;
    case GST_VIDEO_CHROMA_SITE_V_COSITED:
      p->vui.i_chroma_loc = 3;
      break;
    default:
      p->vui.i_chroma_loc = 0;
      break;
    }
  if (info->par_n > 0 && info->par_d > 0)
    {
      p->vui.i_sar_width = info->par_n;
      p->vui.i_sar_height = info->par_d;
    }
}

/* The avcC record (ISO/IEC 14496-15) of the open encoder's SPS and PPS;
 * its SEI (x264's settings as text) is left out: `reel pipeline` says
 * how a rung was made, and a copy in every chunk of every rung only costs
 * bytes. */
static gboolean
make_codec_data (GstReelX264Enc *self)
{
  /* With b_annexb off, each NAL starts with its 4-byte length. */
  enum
  {
    LENGTH_SIZE = 4,
    NAL_SPS = 7,
    NAL_PPS = 8
  };
  x264_nal_t *nal;
  int n_nal = 0;
  const guint8 *sps = NULL, *pps = NULL;
  gsize sps_len = 0, pps_len = 0;
  GByteArray *avcc;

  if (x264_encoder_headers (self->x264, &nal, &n_nal) < 0)
    n_nal = 0;
  for (int i = 0; i < n_nal; i++)
    {
      if (nal[i].i_payload <= LENGTH_SIZE + 1)
        continue;
      if (nal[i].i_type == NAL_SPS)
        {
          sps = nal[i].p_payload + LENGTH_SIZE;
          sps_len = (gsize)nal[i].i_payload - LENGTH_SIZE;
        }
      else if (nal[i].i_type == NAL_PPS)
        {
          pps = nal[i].p_payload + LENGTH_SIZE;
          pps_len = (gsize)nal[i].i_payload - LENGTH_SIZE;
        }
    }
  if (!sps || !pps || sps_len < 4 || sps_len > G_MAXUINT16 || pps_len > G_MAXUINT16)
    {
      GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("x264 gave no parameter sets."), (NULL));
      return FALSE;
    }
  avcc = g_byte_array_sized_new ((guint)(11 + sps_len + pps_len));
  {
    /* version 1, profile, compatibility, level (from the SPS), 4-byte
     * lengths, one SPS, then one PPS. */
    guint8 head[] = { 1,
                      sps[1],
                      sps[2],
                      sps[3],
                      0xfc | (LENGTH_SIZE - 1),
                      0xe0 | 1,
                      (guint8)(sps_len >> 8),
                      (guint8)sps_len };
    guint8 mid[] = { 1, (guint8)(pps_len >> 8), (guint8)pps_len };
    g_byte_array_append (avcc, head, sizeof head);
    g_byte_array_append (avcc, sps, (guint)sps_len);
    g_byte_array_append (avcc, mid, sizeof mid);
    g_byte_array_append (avcc, pps, (guint)pps_len);
  }
  gst_clear_buffer (&self->codec_data);
  self->codec_data = gst_buffer_new_wrapped (avcc->data, avcc->len);
  g_byte_array_free (avcc, FALSE);
  return TRUE;
}

static gboolean
open_encoder (GstReelX264Enc *self)
{
  const GstVideoInfo *info = &self->input->info;
  x264_param_t p;
  g_autofree char *preset = NULL, *tune = NULL, *profile = NULL, *options = NULL;
  gint delayed;

  GST_OBJECT_LOCK (self);
  preset = g_strdup (self->preset);
  tune = self->tune && *self->tune ? g_strdup (self->tune) : NULL;
  profile = self->profile && *self->profile ? g_strdup (self->profile) : NULL;
  options = g_strdup (self->options);
  GST_OBJECT_UNLOCK (self);

  if (x264_param_default_preset (&p, preset, tune) < 0)
    {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Unknown x264 preset or tune."),
                         ("speed-preset \"%s\", tune \"%s\"", preset, tune ? tune : ""));
      return FALSE;
    }
  p.pf_log = log_x264;
  p.p_log_private = self;
  p.i_log_level = X264_LOG_INFO;
  p.i_csp = X264_CSP_I420;
  p.i_width = GST_VIDEO_INFO_WIDTH (info);
  p.i_height = GST_VIDEO_INFO_HEIGHT (info);
  /* Time as ffmpeg gives it to x264: with a known frame rate, in frames
   * (rate control then sees exactly ffmpeg's durations), else in ns. */
  self->frame_ticks = info->fps_n > 0 && info->fps_d > 0;
  self->last_ticks = G_MININT64;
  if (self->frame_ticks)
    {
      p.i_fps_num = p.i_timebase_den = (uint32_t)info->fps_n;
      p.i_fps_den = p.i_timebase_num = (uint32_t)info->fps_d;
    }
  else
    {
      p.i_timebase_num = 1;
      p.i_timebase_den = GST_SECOND;
    }
  set_vui (&p, info);
  p.b_annexb = 0;
  p.b_repeat_headers = 0;
  p.b_aud = 0;

  GST_OBJECT_LOCK (self);
  p.i_threads = self->threads ? (int)self->threads : X264_THREADS_AUTO;
  p.rc.i_rc_method = X264_RC_ABR;
  p.rc.i_bitrate = (int)self->bitrate;
  p.rc.i_vbv_max_bitrate = (int)self->vbv_maxrate;
  p.rc.i_vbv_buffer_size = (int)self->vbv_bufsize;
  if (self->bframes >= 0)
    p.i_bframe = self->bframes;
  if (self->key_int_max)
    p.i_keyint_max = (int)self->key_int_max;
  if (!self->scenecut)
    p.i_scenecut_threshold = 0;
  GST_OBJECT_UNLOCK (self);

  if (!apply_options (self, &p, options))
    return FALSE;
  if (profile && x264_param_apply_profile (&p, profile) < 0)
    {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Unknown or impossible H.264 profile."),
                         ("profile \"%s\"", profile));
      return FALSE;
    }
  self->x264 = x264_encoder_open (&p);
  if (!self->x264)
    {
      GST_ELEMENT_ERROR (
          self, LIBRARY, INIT, ("Cannot start the x264 encoder."),
          ("%dx%d, settings refused by x264 (its log says why)", p.i_width, p.i_height));
      return FALSE;
    }
  if (!make_codec_data (self))
    return FALSE;
  /* Frames x264 holds back (look-ahead, B-frames, frame threads). */
  delayed = x264_encoder_maximum_delayed_frames (self->x264);
  if (info->fps_n > 0 && info->fps_d > 0)
    {
      GstClockTime latency = gst_util_uint64_scale_ceil (
          (guint64)MAX (delayed, 0) * GST_SECOND, (guint64)info->fps_d, (guint64)info->fps_n);
      gst_video_encoder_set_latency (GST_VIDEO_ENCODER (self), latency, latency);
    }
  return TRUE;
}

static void
close_encoder (GstReelX264Enc *self)
{
  g_clear_pointer (&self->x264, x264_encoder_close);
}

/* GStreamer time (ns) to x264's and back. */
static int64_t
to_ticks (GstReelX264Enc *self, GstClockTime t)
{
  const GstVideoInfo *info = &self->input->info;
  if (!self->frame_ticks)
    return (int64_t)t;
  return (int64_t)gst_util_uint64_scale_round (t, (guint64)info->fps_n,
                                               (guint64)info->fps_d * GST_SECOND);
}

static GstClockTime
from_ticks (GstReelX264Enc *self, int64_t ticks)
{
  const GstVideoInfo *info = &self->input->info;
  if (ticks <= 0)
    return 0;
  if (!self->frame_ticks)
    return (GstClockTime)ticks;
  return gst_util_uint64_scale_round ((guint64)ticks, (guint64)info->fps_d * GST_SECOND,
                                      (guint64)info->fps_n);
}

/* Encodes one picture (NULL: one of the held-back frames at the end) and
 * finishes the frame x264 gives back, if any. */
static GstFlowReturn
encode (GstReelX264Enc *self, x264_picture_t *in)
{
  GstVideoEncoder *enc = GST_VIDEO_ENCODER (self);
  x264_nal_t *nal = NULL;
  int n_nal = 0, size;
  x264_picture_t out;
  GstVideoCodecFrame *frame;

  size = x264_encoder_encode (self->x264, &nal, &n_nal, in, &out);
  if (size < 0)
    {
      GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("x264 failed to encode a frame."), (NULL));
      return GST_FLOW_ERROR;
    }
  if (size == 0 || n_nal == 0)
    return GST_FLOW_OK;
  frame = gst_video_encoder_get_frame (enc, GPOINTER_TO_INT (out.opaque));
  if (!frame)
    {
      GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("x264 returned a frame it was never given."),
                         (NULL));
      return GST_FLOW_ERROR;
    }
  /* x264 lays the NAL units of one picture out back to back. */
  frame->output_buffer = gst_video_encoder_allocate_output_buffer (enc, (gsize)size);
  gst_buffer_fill (frame->output_buffer, 0, nal[0].p_payload, (gsize)size);
  frame->dts = from_ticks (self, out.i_dts);
  if (out.b_keyframe)
    GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);
  else
    GST_VIDEO_CODEC_FRAME_UNSET_SYNC_POINT (frame);
  return gst_video_encoder_finish_frame (enc, frame);
}

/* Takes every frame x264 still holds. */
static GstFlowReturn
drain (GstReelX264Enc *self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  while (ret == GST_FLOW_OK && self->x264 && x264_encoder_delayed_frames (self->x264) > 0)
    ret = encode (self, NULL);
  return ret;
}

static gboolean
start (GstVideoEncoder *enc)
{
  gst_video_encoder_set_min_pts (enc, MIN_PTS);
  return TRUE;
}

static gboolean
stop (GstVideoEncoder *enc)
{
  GstReelX264Enc *self = GST_REEL_X264_ENC (enc);
  close_encoder (self);
  g_clear_pointer (&self->input, gst_video_codec_state_unref);
  gst_clear_buffer (&self->codec_data);
  return TRUE;
}

static gboolean
set_format (GstVideoEncoder *enc, GstVideoCodecState *state)
{
  GstReelX264Enc *self = GST_REEL_X264_ENC (enc);
  GstVideoCodecState *out;
  GstCaps *caps;

  if (self->x264)
    {
      drain (self);
      close_encoder (self);
    }
  g_clear_pointer (&self->input, gst_video_codec_state_unref);
  self->input = gst_video_codec_state_ref (state);
  if (!open_encoder (self))
    return FALSE;
  caps = gst_caps_new_simple ("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                              G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, self->codec_data,
                              NULL);
  out = gst_video_encoder_set_output_state (enc, caps, state);
  gst_video_codec_state_unref (out);
  return TRUE;
}

static GstFlowReturn
handle_frame (GstVideoEncoder *enc, GstVideoCodecFrame *frame)
{
  GstReelX264Enc *self = GST_REEL_X264_ENC (enc);
  GstVideoFrame vframe;
  x264_picture_t pic;
  GstFlowReturn ret;

  if (!self->input || (!self->x264 && !open_encoder (self)))
    {
      gst_video_codec_frame_unref (frame);
      return GST_FLOW_NOT_NEGOTIATED;
    }
  if (!GST_CLOCK_TIME_IS_VALID (frame->pts))
    {
      gst_video_codec_frame_unref (frame);
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("A video frame without a timestamp."), (NULL));
      return GST_FLOW_ERROR;
    }
  if (!gst_video_frame_map (&vframe, &self->input->info, frame->input_buffer, GST_MAP_READ))
    {
      gst_video_codec_frame_unref (frame);
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Cannot read a video frame."), (NULL));
      return GST_FLOW_ERROR;
    }
  x264_picture_init (&pic);
  pic.img.i_csp = X264_CSP_I420;
  pic.img.i_plane = 3;
  for (guint i = 0; i < 3; i++)
    {
      pic.img.plane[i] = GST_VIDEO_FRAME_COMP_DATA (&vframe, i);
      pic.img.i_stride[i] = GST_VIDEO_FRAME_COMP_STRIDE (&vframe, i);
    }
  /* x264 needs rising timestamps; a source's jitter rounded to whole
   * frames could repeat one. */
  pic.i_pts = MAX (to_ticks (self, frame->pts), self->last_ticks + 1);
  self->last_ticks = pic.i_pts;
  pic.opaque = GINT_TO_POINTER (frame->system_frame_number);
  if (GST_VIDEO_CODEC_FRAME_IS_FORCE_KEYFRAME (frame))
    pic.i_type = X264_TYPE_IDR;
  /* x264 copies the picture before it returns. */
  ret = encode (self, &pic);
  gst_video_frame_unmap (&vframe);
  gst_video_codec_frame_unref (frame);
  return ret;
}

static GstFlowReturn
finish (GstVideoEncoder *enc)
{
  return drain (GST_REEL_X264_ENC (enc));
}

static gboolean
flush (GstVideoEncoder *enc)
{
  /* Held-back frames are dropped with the flush; the next frame opens a
   * fresh encoder, which starts with a keyframe. */
  close_encoder (GST_REEL_X264_ENC (enc));
  return TRUE;
}

static gboolean
propose_allocation (GstVideoEncoder *enc, GstQuery *query)
{
  /* Strided frames are fine: x264 takes each plane's stride. */
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return GST_VIDEO_ENCODER_CLASS (gst_reel_x264_enc_parent_class)->propose_allocation (enc, query);
}

static void
set_string (char **field, const GValue *value, const char *fallback)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (!*field && fallback)
    *field = g_strdup (fallback);
}

static void
set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstReelX264Enc *self = GST_REEL_X264_ENC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_BITRATE:
      self->bitrate = g_value_get_uint (value);
      break;
    case PROP_VBV_MAXRATE:
      self->vbv_maxrate = g_value_get_uint (value);
      break;
    case PROP_VBV_BUFSIZE:
      self->vbv_bufsize = g_value_get_uint (value);
      break;
    case PROP_SPEED_PRESET:
      set_string (&self->preset, value, DEFAULT_PRESET);
      break;
    case PROP_TUNE:
      set_string (&self->tune, value, NULL);
      break;
    case PROP_PROFILE:
      set_string (&self->profile, value, NULL);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_BFRAMES:
      self->bframes = g_value_get_int (value);
      break;
    case PROP_KEY_INT_MAX:
      self->key_int_max = g_value_get_uint (value);
      break;
    case PROP_SCENECUT:
      self->scenecut = g_value_get_boolean (value);
      break;
    case PROP_OPTION_STRING:
      set_string (&self->options, value, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstReelX264Enc *self = GST_REEL_X264_ENC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_BITRATE:
      g_value_set_uint (value, self->bitrate);
      break;
    case PROP_VBV_MAXRATE:
      g_value_set_uint (value, self->vbv_maxrate);
      break;
    case PROP_VBV_BUFSIZE:
      g_value_set_uint (value, self->vbv_bufsize);
      break;
    case PROP_SPEED_PRESET:
      g_value_set_string (value, self->preset);
      break;
    case PROP_TUNE:
      g_value_set_string (value, self->tune);
      break;
    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_BFRAMES:
      g_value_set_int (value, self->bframes);
      break;
    case PROP_KEY_INT_MAX:
      g_value_set_uint (value, self->key_int_max);
      break;
    case PROP_SCENECUT:
      g_value_set_boolean (value, self->scenecut);
      break;
    case PROP_OPTION_STRING:
      g_value_set_string (value, self->options);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
finalize (GObject *object)
{
  GstReelX264Enc *self = GST_REEL_X264_ENC (object);
  close_encoder (self);
  g_clear_pointer (&self->input, gst_video_codec_state_unref);
  gst_clear_buffer (&self->codec_data);
  g_free (self->preset);
  g_free (self->tune);
  g_free (self->profile);
  g_free (self->options);
  G_OBJECT_CLASS (gst_reel_x264_enc_parent_class)->finalize (object);
}

static void
gst_reel_x264_enc_class_init (GstReelX264EncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoEncoderClass *venc_class = GST_VIDEO_ENCODER_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  venc_class->start = GST_DEBUG_FUNCPTR (start);
  venc_class->stop = GST_DEBUG_FUNCPTR (stop);
  venc_class->set_format = GST_DEBUG_FUNCPTR (set_format);
  venc_class->handle_frame = GST_DEBUG_FUNCPTR (handle_frame);
  venc_class->finish = GST_DEBUG_FUNCPTR (finish);
  venc_class->flush = GST_DEBUG_FUNCPTR (flush);
  venc_class->propose_allocation = GST_DEBUG_FUNCPTR (propose_allocation);

  g_object_class_install_property (
      gobject_class, PROP_BITRATE,
      g_param_spec_uint ("bitrate", "Bitrate",
                         "Average bitrate in kbit/s (x264's ABR rate control)", 1, MAX_KBPS,
                         DEFAULT_BITRATE, flags));
  g_object_class_install_property (
      gobject_class, PROP_VBV_MAXRATE,
      g_param_spec_uint ("vbv-maxrate", "VBV maximum rate",
                         "Highest rate the VBV buffer fills at, kbit/s (ffmpeg's -maxrate); 0 = "
                         "no VBV",
                         0, MAX_KBPS, 0, flags));
  g_object_class_install_property (
      gobject_class, PROP_VBV_BUFSIZE,
      g_param_spec_uint ("vbv-bufsize", "VBV buffer size",
                         "VBV buffer size in kbit (ffmpeg's -bufsize); 0 = no VBV", 0, G_MAXINT, 0,
                         flags));
  g_object_class_install_property (
      gobject_class, PROP_SPEED_PRESET,
      g_param_spec_string ("speed-preset", "Speed preset",
                           "x264 preset (ultrafast, superfast, veryfast, faster, fast, medium, "
                           "slow, slower, veryslow, placebo)",
                           DEFAULT_PRESET, flags));
  g_object_class_install_property (
      gobject_class, PROP_TUNE,
      g_param_spec_string ("tune", "Tune",
                           "x264 tune, e.g. zerolatency for live streams; empty = none", NULL,
                           flags));
  g_object_class_install_property (
      gobject_class, PROP_PROFILE,
      g_param_spec_string ("profile", "Profile",
                           "Highest H.264 profile to use (baseline, main, high); empty = any",
                           DEFAULT_PROFILE, flags));
  g_object_class_install_property (
      gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
                         "x264 frame threads; 1 gives the same bytes on any machine, more vary "
                         "from run to run under a VBV; 0 = x264 chooses from the machine's cores",
                         0, MAX_THREADS, DEFAULT_THREADS, flags));
  g_object_class_install_property (gobject_class, PROP_BFRAMES,
                                   g_param_spec_int ("bframes", "B-frames",
                                                     "Most consecutive B-frames; -1 = the preset's",
                                                     -1, MAX_BFRAMES, -1, flags));
  g_object_class_install_property (
      gobject_class, PROP_KEY_INT_MAX,
      g_param_spec_uint ("key-int-max", "Maximum keyframe interval",
                         "Most frames between keyframes; 0 = x264's default (250)", 0,
                         X264_KEYINT_MAX_INFINITE, 0, flags));
  g_object_class_install_property (
      gobject_class, PROP_SCENECUT,
      g_param_spec_boolean ("scenecut", "Scene-cut keyframes",
                            "Let x264 put keyframes at scene cuts (off when keyframes must fall "
                            "on a grid only)",
                            TRUE, flags));
  g_object_class_install_property (
      gobject_class, PROP_OPTION_STRING,
      g_param_spec_string ("option-string", "Option string",
                           "More x264 options, name=value separated by ':' (as x264's --opts "
                           "names them), applied after the other properties",
                           NULL, flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "x264 H.264 encoder (ffmpeg's rate control)", "Codec/Encoder/Video",
      "Encodes raw video to H.264 with libx264, with x264's own ABR and VBV", "reel developers");
  GST_DEBUG_CATEGORY_INIT (reel_x264_enc_debug, "reelx264enc", 0, "reel x264 encoder");
}

static void
gst_reel_x264_enc_init (GstReelX264Enc *self)
{
  self->bitrate = DEFAULT_BITRATE;
  self->preset = g_strdup (DEFAULT_PRESET);
  self->profile = g_strdup (DEFAULT_PROFILE);
  self->threads = DEFAULT_THREADS;
  self->bframes = -1;
  self->scenecut = TRUE;
}
