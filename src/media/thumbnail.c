/* See thumbnail.h. */
#include "media/thumbnail.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "media/child.h"
#include "media/ingest.h"
#include "media/pipeline.h"
#include "media/work_dir.h"
#include "store/blob_keys.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

/* Decoding one image of a few megabytes: a second of media is its
 * deadline's base (media/child.h scales from there), and half a minute
 * without progress is stuck, as for a poster. */
#define IMAGE_MEDIA_NS GST_SECOND
#define IMAGE_STALL_TIMEOUT_S 30
/* The small poster, for lists of videos: 320 wide fills a card on a
 * phone's screen at twice its CSS pixels and weighs a tenth of a 720p one. */
#define SMALL_WIDTH 320
/* The largest side of an image accepted as a thumbnail: a 108-megapixel
 * phone photo (12000x9000) passes; decoding one costs a few hundred MB. */
#define IMAGE_MAX_SIDE 12000

gboolean
reel_thumbnail_queue_frame (ReelBus *bus, const ReelVideo *video, guint64 at_ns, GError **error)
{
  g_autoptr (JsonObject) job = NULL;
  g_autofree char *file = NULL, *job_id = NULL;

  if (!video->plan || !video->original)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "the video is still being processed: pick a frame once it plays");
      return FALSE;
    }
  if (at_ns >= video->plan->duration_ns)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "thumbnail_time must be less than the duration (%.3f s)",
                   video->plan->duration_ns / 1e9);
      return FALSE;
    }
  if (!(job = reel_ingest_job ("poster", video->id, video->plan, video->original, 0, error)))
    return FALSE;
  file = reel_poster_new_file ();
  json_object_set_int_member (job, "at_ns", (gint64)at_ns);
  json_object_set_string_member (job, "file", file);
  /* Each choice is its own job (job ids deduplicate). */
  job_id = g_strdup_printf ("%s-%s", video->id, file);
  return reel_jobs_publish (bus, "poster", video->id, job_id, job, error);
}

static const char *
decoder_for (const char *type)
{
  static const struct
  {
    const char *type, *decoder;
  } decoders[] = {
    { "image/jpeg", "jpegdec" },
    { "image/png", "pngdec" },
    { "image/webp", "webpdec" },
  };
  for (guint i = 0; type && i < G_N_ELEMENTS (decoders); i++)
    if (g_ascii_strcasecmp (type, decoders[i].type) == 0)
      return decoders[i].decoder;
  return NULL;
}

/* Decodes the image at source (size bytes) with decoder and encodes it as
 * a width x height JPEG at out, in reel-media. */
static GBytes *
encode (const ReelConfig *cfg, const char *source, const char *out, const char *decoder, gsize size,
        guint width, guint height, const ReelJob *job, GError **error)
{
  g_autoptr (GHashTable) v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *tpl = reel_pipeline_load ("thumbnail", error);
  g_autofree char *line = NULL;
  g_autofree char *data = NULL;
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (JsonObject) result = NULL;
  g_autoptr (GError) local = NULL;
  const char *raw[] = { "decoder", NULL };
  ReelMediaLimits limits;
  gsize len = 0;

  if (!tpl)
    return NULL;
  g_hash_table_insert (v, "source", g_strdup (source));
  g_hash_table_insert (v, "size", g_strdup_printf ("%" G_GSIZE_FORMAT, MAX (size, 1)));
  g_hash_table_insert (v, "decoder", g_strdup (decoder));
  g_hash_table_insert (v, "width", g_strdup_printf ("%u", width));
  g_hash_table_insert (v, "height", g_strdup_printf ("%u", height));
  g_hash_table_insert (v, "max_side", g_strdup_printf ("%u", IMAGE_MAX_SIDE));
  g_hash_table_insert (v, "out", g_strdup (out));
  if (!(line = reel_pipeline_fill (tpl, v, raw, error)))
    return NULL;
  reel_media_limits_for (cfg, IMAGE_MEDIA_NS, &limits);
  request = reel_media_pipeline_request (line, "thumbnail", IMAGE_STALL_TIMEOUT_S);
  result = reel_media_child_run (request, &limits, "decoding the thumbnail", job, &local);
  /* A decoder that fails, or ends without a picture, means the file is
   * not the image it claims to be. */
  if (!result && !g_error_matches (local, REEL_ERROR, REEL_ERROR_UNSUPPORTED))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!result || !g_file_get_contents (out, &data, &len, NULL) || len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "the image could not be decoded as %s%s%s (images up to %ux%u are accepted)",
                   decoder, local ? ": " : " (it holds no picture)", local ? local->message : "",
                   IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

GBytes *
reel_thumbnail_small (const ReelConfig *cfg, const char *poster, const char *out, guint width,
                      guint height, const ReelJob *job, GError **error)
{
  GStatBuf st;
  guint small_height = (guint)((guint64)SMALL_WIDTH * height / MAX (width, 1)) & ~1u;
  if (g_stat (poster, &st) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "no poster at %s", poster);
      return NULL;
    }
  return encode (cfg, poster, out, "jpegdec", (gsize)st.st_size, SMALL_WIDTH, MAX (small_height, 2),
                 job, error);
}

gboolean
reel_thumbnail_from_image (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs,
                           const ReelVideo *video, const char *type, GBytes *image, guint64 *seq,
                           GError **error)
{
  const char *decoder = decoder_for (type);
  g_autofree char *work = reel_config_data_path (cfg, "work");
  g_autofree char *prefix = g_strdup_printf ("%s-thumbnail", video->id);
  g_autofree char *dir = NULL;
  g_autofree char *upload = NULL, *file = NULL, *key = NULL, *subject = NULL;
  g_autofree char *out = NULL, *out_small = NULL, *small_file = NULL, *small_key = NULL;
  g_autoptr (GBytes) jpeg = NULL, small = NULL;
  g_autoptr (JsonObject) ev = json_object_new ();
  const ReelRung *rung;
  gboolean ok;

  if (!decoder)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "send the image as image/jpeg, image/png or image/webp");
      return FALSE;
    }
  if (!video->plan || !video->plan->rungs || video->plan->rungs->len == 0)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "the video is still being processed: upload a thumbnail once it plays");
      return FALSE;
    }
  rung = reel_ingest_poster_rung (video->plan->rungs);
  if (!(dir = reel_work_dir_new (work, prefix, error)))
    return FALSE;
  upload = g_build_filename (dir, "upload", NULL);
  out = g_build_filename (dir, "poster.jpg", NULL);
  out_small = g_build_filename (dir, "small.jpg", NULL);
  ok = g_file_set_contents (upload, g_bytes_get_data (image, NULL), g_bytes_get_size (image), error)
       && (jpeg = encode (cfg, upload, out, decoder, g_bytes_get_size (image), rung->width,
                          rung->height, NULL, error))
       && (small
           = reel_thumbnail_small (cfg, out, out_small, rung->width, rung->height, NULL, error));
  /* The upload itself is kept nowhere. */
  reel_work_dir_remove (dir);
  if (!ok)
    return FALSE;
  file = reel_poster_new_file ();
  small_file = reel_poster_small_file (file);
  key = reel_blob_key_video_file (video->id, file);
  small_key = reel_blob_key_video_file (video->id, small_file);
  if (!reel_blobs_put (blobs, small_key, small, error) || !reel_blobs_put (blobs, key, jpeg, error))
    return FALSE;
  json_object_set_string_member (ev, "video_id", video->id);
  json_object_set_string_member (ev, "file", file);
  json_object_set_string_member (ev, "small", small_file);
  json_object_set_int_member (ev, "width", rung->width);
  json_object_set_int_member (ev, "height", rung->height);
  subject = reel_event_subject ("video", video->id);
  return reel_events_publish (bus, subject, "video.poster", 1, NULL, ev, FALSE, seq, error);
}
