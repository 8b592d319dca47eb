/* See download.h. */
#include "media/download.h"
#include "core/error.h"
#include "media/pipeline.h"
#include "media/playback.h"
#include "store/blob_keys.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

/* Longer than a remux of hours of video takes (it copies bytes); a
 * pipeline stuck past it is stopped rather than holding a thread. */
#define REMUX_TIMEOUT_S 600
/* A segment is a few seconds of one rung: far below this. */
#define SEGMENT_MAX_BYTES (256 * 1024 * 1024)

/* Appends the blob behind a manifest URI ("<rendition>/<file>") to out. */
static gboolean
append_segment (ReelBlobs *blobs, const char *id, const char *uri, GOutputStream *out,
                GError **error)
{
  g_auto (GStrv) parts = g_strsplit (uri, "/", 2);
  g_autofree char *key = NULL;
  g_autoptr (GBytes) data = NULL;
  if (g_strv_length (parts) != 2)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "unexpected segment uri %s", uri);
      return FALSE;
    }
  key = reel_blob_key_segment (id, parts[0], parts[1]);
  if (!(data = reel_blobs_get (blobs, key, SEGMENT_MAX_BYTES, error)))
    return FALSE;
  return g_output_stream_write_bytes (out, data, NULL, error) == (gssize)g_bytes_get_size (data);
}

/* Writes the rendition's init and segments, in order, to path. */
static gboolean
join_rendition (ReelBlobs *blobs, const char *id, const ReelRendition *r, const char *path,
                GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out
      = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error);
  if (!out || !append_segment (blobs, id, r->init_uri, G_OUTPUT_STREAM (out), error))
    return FALSE;
  for (guint i = 0; i < r->segments->len; i++)
    if (!append_segment (blobs, id, g_array_index (r->segments, ReelSegment, i).uri,
                         G_OUTPUT_STREAM (out), error))
      return FALSE;
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

static gboolean
run_pipeline (const char *line, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch (line, error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  gboolean ok = FALSE;
  if (!pipeline)
    return FALSE;
  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
    msg = gst_bus_timed_pop_filtered (bus, REMUX_TIMEOUT_S * GST_SECOND,
                                      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    ok = TRUE;
  else if (msg)
    {
      g_autoptr (GError) gst_error = NULL;
      gst_message_parse_error (msg, &gst_error, NULL);
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "remuxing failed: %s",
                   gst_error ? gst_error->message : "unknown error");
    }
  else
    g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INTERNAL, "remuxing timed out");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

char *
reel_download_remux (ReelStore *store, ReelBlobs *blobs, const ReelVideo *video,
                     const char *rendition, const char *dir, GError **error)
{
  ReelManifest m = { 0 };
  const ReelRendition *r = NULL;
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *name = g_strdup_printf ("%s-%s.mp4", video->id, rendition);
  g_autofree char *out = g_build_filename (dir, name, NULL);
  g_autofree char *vpath = g_build_filename (dir, "video.mp4", NULL);
  g_autofree char *apath = g_build_filename (dir, "audio.mp4", NULL);
  g_autofree char *scratch = g_build_filename (dir, "scratch.mdat", NULL);
  g_autofree char *template = NULL, *line = NULL;
  const char *parser;
  /* The parser is a pipeline fragment of this file's own. */
  const char *raw[] = { "parser", NULL };
  gboolean ok;

  if (video->state != REEL_VIDEO_READY)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                           "the video can be downloaded once it is ready");
      return NULL;
    }
  if (!(txn = reel_store_begin (store, FALSE, error))
      || !reel_playback_manifest (txn, video, NULL, &m, error))
    {
      if (error && !*error)
        g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                             "the chunk table is incomplete");
      reel_manifest_clear (&m);
      return NULL;
    }
  g_clear_pointer (&txn, reel_txn_abort);
  for (guint i = 0; i < m.video->len && !r; i++)
    if (g_str_equal (((ReelRendition *)m.video->pdata[i])->name, rendition))
      r = m.video->pdata[i];
  if (!r)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "the video has no rendition %s",
                   rendition);
      reel_manifest_clear (&m);
      return NULL;
    }
  /* The rung's own parser: VP9 rungs (media.codecs) beside H.264 ones.
   * qtdemux gives VP9 no chroma siting, and mp4mux (1.22) crashes
   * without one: the rungs are written with MPEG-2's (gstreelladder.c). */
  parser = r->codecs && g_str_has_prefix (r->codecs, "vp09")
               ? "vp9parse ! video/x-vp9,chroma-site=mpeg2"
               : "h264parse";
  ok = join_rendition (blobs, video->id, r, vpath, error)
       && (!m.audio || join_rendition (blobs, video->id, m.audio, apath, error))
       && (template = reel_pipeline_load (m.audio ? "download" : "download-silent", error));
  reel_manifest_clear (&m);
  if (!ok)
    return NULL;
  g_hash_table_insert (values, "video", vpath);
  g_hash_table_insert (values, "audio", apath);
  g_hash_table_insert (values, "scratch", scratch);
  g_hash_table_insert (values, "out", out);
  g_hash_table_insert (values, "parser", (char *)parser);
  ok = (line = reel_pipeline_fill (template, values, raw, error)) && run_pipeline (line, error);
  g_unlink (vpath);
  g_unlink (apath);
  g_unlink (scratch);
  if (!ok)
    {
      g_unlink (out);
      return NULL;
    }
  return g_steal_pointer (&out);
}
