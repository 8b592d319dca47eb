/* See worker.h. */
#include "media/worker.h"
#include "app/video/chunks.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/json.h"
#include "media/child.h"
#include "store/blob_cache.h"
#include "media/cmaf.h"
#include "media/job_line.h"
#include "media/pipeline.h"
#include "media/plan.h"
#include "media/retranscode.h"
#include "media/storyboard.h"
#include "media/thumbnail.h"
#include "media/work_dir.h"
#include "store/blob_keys.h"

#include <gst/gst.h>
#include <signal.h>

/* A pipeline whose position stands still this long (or the configured
 * base deadline, when shorter) is stuck: two minutes covers x264's
 * slowest presets filling their lookahead. A poster encodes one small
 * JPEG: half a minute without progress is stuck. */
#define STALL_TIMEOUT_S 120
#define POSTER_STALL_TIMEOUT_S 30
/* The storyboard's sheet, made from the job's tiles
 * (pipelines/storyboard-sheet.pipeline). */
#define STORYBOARD_SHEET_FILE "sheet.raw"
/* Encoding one sheet of at most 100 small tiles: a second of media is
 * its whole deadline's base (media/child.h scales from there). */
#define STORYBOARD_SHEET_MEDIA_NS GST_SECOND
/* The priming samples avenc_aac (the FFmpeg AAC encoder) puts in front of
 * the sound: one frame of 1024. */
#define AAC_PRIMING_SAMPLES 1024

struct ReelWorker
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelBlobs *blobs;
  char *work_dir;
  /* Local copies of originals when the store has no local files (S3). */
  char *cache_dir;
  ReelJobWorker *chunks;
  ReelJobWorker *audio;
  ReelJobWorker *poster;
  ReelJobWorker *storyboard;
};

/* Stores the segments of a cut output file, whose first segment is the
 * video's first_index (at offset_ns), from the first skip (those were
 * encoded only for a later rung's sake) to the first count, and describes
 * them (the chunk table's form, app/video/chunks.h); the init segment
 * goes to init_name unless it is there already (keep_init). */
static ReelChunkRendition *
store_cmaf (ReelWorker *w, const char *video, const char *name, ReelCmaf *c, guint64 offset_ns,
            guint first_index, guint skip, guint count, const char *init_name, gboolean keep_init,
            gboolean allow_empty, guint priming_samples, GError **error)
{
  g_autofree char *init_key = reel_blob_key_segment (video, name, init_name);
  g_autoptr (ReelChunkRendition) out = reel_chunk_rendition_new (name, first_index + skip);

  if (priming_samples
      && !reel_cmaf_set_priming (
          c, (guint32)((guint64)priming_samples * c->timescale / REEL_AUDIO_RATE), error))
    return NULL;
  if (count <= skip)
    {
      if (allow_empty)
        return g_steal_pointer (&out);
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "nothing could be decoded from %.1f s on for the %s rendition (is the file "
                   "damaged?)",
                   offset_ns / 1e9, name);
      return NULL;
    }
  if (!keep_init && !reel_blobs_put (w->blobs, init_key, c->init, error))
    return NULL;
  for (guint i = skip; i < count; i++)
    {
      g_autofree char *key = reel_blob_key_media_segment (video, name, first_index + i);
      if (!reel_blobs_put (w->blobs, key, c->segments->pdata[i], error))
        return NULL;
      reel_chunk_rendition_add_segment (out, g_array_index (c->durations_ns, guint64, i),
                                        g_bytes_get_size (c->segments->pdata[i]));
    }
  out->codecs = g_strdup (c->codecs ? c->codecs : "");
  out->init = g_strdup (init_name);
  return g_steal_pointer (&out);
}

/* Cuts one output file, whose first segment is the video's first_index
 * (at offset_ns), into segments, and stores them as store_cmaf. */
static ReelChunkRendition *
store_rendition (ReelWorker *w, const char *video, const char *name, const char *file,
                 guint64 offset_ns, guint first_index, guint skip, const char *init_name,
                 gboolean keep_init, gboolean allow_empty, guint priming_samples, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (ReelCmaf) c = NULL;
  if (!g_file_get_contents (file, &data, &len, error))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  c = reel_cmaf_split (bytes, offset_ns, &local);
  if (!c && allow_empty && g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    {
      /* The container runs a little longer than the picture (sound after
       * the last frame): the last chunk may hold no frames. */
      return reel_chunk_rendition_new (name, first_index + skip);
    }
  if (!c && g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    {
      /* The decoder gave nothing for a range the probe said is there: the
       * file's fault, and no retry changes it. */
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "nothing could be decoded from %.1f s on for the %s rendition (is the file "
                   "damaged?)",
                   offset_ns / 1e9, name);
      return NULL;
    }
  if (!c)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return store_cmaf (w, video, name, c, offset_ns, first_index, skip, c->segments->len, init_name,
                     keep_init, allow_empty, priming_samples, error);
}

static void
hold_while_exists (const char *path, const ReelJob *job)
{
  while (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      reel_job_progress (job);
      g_usleep (G_USEC_PER_SEC / 10);
    }
}

static char *
make_work_dir (ReelWorker *w, const char *video, const char *what, GError **error)
{
  g_autofree char *prefix = g_strdup_printf ("%s-%s", video, what);
  return reel_work_dir_new (w->work_dir, prefix, error);
}

/* The media a job covers (its deadline scales with it) and the words
 * its failures are reported with. */
static guint64
job_media_ns (ReelWorker *w, const char *kind, JsonObject *d, char **what)
{
  if (g_str_equal (kind, "chunk"))
    {
      guint64 start = (guint64)MAX (0, reel_json_get_int (d, "start_ns", 0));
      *what = g_strdup_printf ("transcoding chunk %" G_GINT64_FORMAT,
                               json_object_get_int_member_with_default (d, "chunk", 0));
      /* The warm-up before the chunk is encoded too (chunk.pipeline). */
      return (guint64)json_object_get_int_member_with_default (d, "duration_ns", 0)
             + (start - MIN (start, reel_job_chunk_from (w->cfg, d)));
    }
  if (g_str_equal (kind, "poster"))
    {
      *what = g_strdup ("making the poster");
      return (guint64)json_object_get_int_member_with_default (d, "at_ns", 0) + GST_SECOND;
    }
  if (g_str_equal (kind, "storyboard"))
    {
      /* The whole picture is decoded to sample it. */
      *what = g_strdup ("making the storyboard");
      return (guint64)json_object_get_int_member_with_default (d, "duration_ns", 0);
    }
  *what = g_strdup ("encoding the sound");
  /* Audio jobs queued before they carried their length: the longest
   * video accepted. */
  return (guint64)json_object_get_int_member_with_default (
      d, "duration_ns", (gint64)w->cfg->max_duration_s * GST_SECOND);
}

/* What reads a job's outputs while its pipeline runs: tick(watcher) about
 * every 50 ms, with dir the work directory, TRUE once the rest of the
 * work may yield (media/child.h). */
typedef struct Watcher Watcher;
struct Watcher
{
  gboolean (*tick) (Watcher *watcher);
  const char *dir;
};

static gboolean
watcher_tick (gpointer data)
{
  Watcher *watcher = data;
  return watcher->tick (watcher);
}

/* Runs the pipeline of a job of this kind on its original in reel-media
 * (media/child.h), in a new work directory, skipping the decoders of the
 * kind skip ("audio" or "video"), with watcher (or NULL) reading the
 * outputs as they are written: returns the directory, which holds the
 * outputs (the caller reads them, then removes it with remove_dir), or
 * NULL. */
static char *
run_job_pipeline (ReelWorker *w, const ReelJob *job, const char *kind, const char *label,
                  const char *skip, Watcher *watcher, GError **error)
{
  JsonObject *d = reel_job_data (job);
  const char *video = json_object_get_string_member_with_default (d, "video_id", NULL);
  const char *original = json_object_get_string_member_with_default (d, "original", NULL);
  g_autofree char *source = NULL, *dir = NULL, *line = NULL, *what = NULL;
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (JsonObject) result = NULL;
  ReelMediaLimits limits;

  if (!video || !original)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s job lacks video_id or original",
                   kind);
      return NULL;
    }
  if (!(source = reel_blob_cache_file (w->blobs, w->cache_dir, original, 0, error))
      || !(dir = make_work_dir (w, video, label, error)))
    return NULL;
  line = reel_job_line (w->cfg, kind, d, source, dir, error);
  if (!line)
    {
      reel_work_dir_remove (dir);
      return NULL;
    }
  reel_media_limits_for (w->cfg, job_media_ns (w, kind, d, &what), &limits);
  request = reel_media_pipeline_request (
      line, kind,
      MIN (g_str_equal (kind, "poster") ? POSTER_STALL_TIMEOUT_S : STALL_TIMEOUT_S,
           w->cfg->job_timeout_s));
  json_object_set_string_member (request, "skip", skip);
  if (json_object_has_member (d, "chunk"))
    json_object_set_int_member (request, "chunk", json_object_get_int_member (d, "chunk"));
  if (watcher)
    watcher->dir = dir;
  result = reel_media_child_run_ticking (request, &limits, what, job, watcher ? watcher_tick : NULL,
                                         watcher, error);
  if (watcher)
    watcher->dir = NULL;
  if (!result)
    {
      reel_work_dir_remove (dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* Whether the outputs of a job are still wanted: a video deleted while its
 * job ran must not get blobs again after they were reclaimed. */
static gboolean
still_wanted (const ReelJob *job, GError **error)
{
  if (!reel_job_cancelled (job))
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND,
               "the job was cancelled (its video failed or was deleted)");
  return FALSE;
}

/* Says in the log that a job of video is done. */
static gboolean
announce (ReelWorker *w, const char *video, const char *type, JsonObject *ev, GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", video);
  json_object_set_string_member (ev, "video_id", video);
  return reel_events_publish (w->bus, subject, type, 1, NULL, ev, FALSE, NULL, error);
}

/* The same for a chunk (or the soundtrack): chunk.transcoded or
 * audio.transcoded, whose data is the chunk table's row. */
static gboolean
announce_chunk (ReelWorker *w, const char *type, const ReelChunk *chunk, GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", chunk->video_id);
  g_autoptr (JsonObject) ev = reel_chunk_to_json (chunk);
  return reel_events_publish (w->bus, subject, type, 1, NULL, ev, FALSE, NULL, error);
}

static gboolean
run_chunk (const ReelJob *job, gpointer data, GError **error)
{
  ReelWorker *w = data;
  JsonObject *d = reel_job_data (job);
  const char *video = json_object_get_string_member_with_default (d, "video_id", NULL);
  guint chunk = (guint)json_object_get_int_member_with_default (d, "chunk", 0);
  guint64 start = (guint64)json_object_get_int_member_with_default (d, "start_ns", 0);
  guint64 segment_ns = (guint64)json_object_get_int_member_with_default (d, "segment_ns", 1);
  guint64 out_start = MIN (start, reel_job_chunk_output_start (d));
  JsonArray *rungs = json_object_get_array_member (d, "rungs");
  gboolean last = json_object_get_boolean_member_with_default (d, "last", FALSE);
  g_autofree char *dir = NULL, *init = NULL;
  g_autofree char *chunk_label = g_strdup_printf ("c%u", chunk);
  g_autoptr (ReelChunk) done = reel_chunk_new (video, chunk);
  const char *hold, *kill = reel_test_fault ("kill-in-chunk");
  gboolean ok = FALSE;

  if (!rungs)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "chunk job lacks rungs");
      return FALSE;
    }
  if (last && (hold = reel_test_fault ("hold-last-chunk")))
    hold_while_exists (hold, job);
  if (!(dir = run_job_pipeline (w, job, "chunk", chunk_label, "audio", NULL, error)))
    return FALSE;
  /* After the encode, as a failure to store would: by then whoever queued
   * the video's chunk jobs has queued them all, so cancelling them on give
   * up finds every one. */
  if (reel_test_fault ("fail-chunks"))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "injected failure (REEL_TEST_FAULT)");
      goto out;
    }
  if (!still_wanted (job, error))
    goto out;
  init = g_strdup_printf ("init-%u.mp4", chunk);
  for (guint i = 0; i < json_array_get_length (rungs); i++)
    {
      JsonObject *r = json_array_get_object_element (rungs, i);
      const char *name = json_object_get_string_member (r, "name");
      g_autofree char *file_name = g_strconcat (name, ".mp4", NULL);
      g_autofree char *file = g_build_filename (dir, file_name, NULL);
      /* A copied rung's output begins at the chunk's start; an encoded
       * one's where the job's output does, which is before the start when
       * the job has late rungs: the others keep their part from the start
       * on (media/plan.h). */
      gboolean copy = json_object_get_boolean_member_with_default (r, "copy", FALSE);
      gboolean late = json_object_get_boolean_member_with_default (r, "late", FALSE);
      guint64 at = copy ? start : out_start;
      guint skip = copy || late ? 0 : (guint)((start - out_start) / segment_ns);
      ReelChunkRendition *out = store_rendition (w, video, name, file, at, (guint)(at / segment_ns),
                                                 skip, init, FALSE, last, 0, error);
      if (!out)
        goto out;
      out->width = (guint)json_object_get_int_member (r, "width");
      out->height = (guint)json_object_get_int_member (r, "height");
      out->kbps = (guint)json_object_get_int_member (r, "kbps");
      g_ptr_array_add (done->renditions, out);
      if (kill && g_ascii_strtoull (kill, NULL, 10) == chunk)
        raise (SIGKILL);
    }
  ok = announce_chunk (w, "chunk.transcoded", done, error);
out:
  reel_work_dir_remove (dir);
  return ok;
}

/* The soundtrack's head (app/video/chunks.h: ReelChunk.partial). A long
 * video's soundtrack takes seconds to encode (about a second a minute on
 * one core), and the video cannot play before it has sound: so while the
 * whole soundtrack is encoded, its first segments, as soon as they reach
 * the end of the first chunk (the job's head_ns), are stored and announced
 * on their own. They are the whole file's own segments, byte for byte. Its
 * init segment has a name of its own (init-0.mp4; a soundtrack without a
 * head has init.mp4), since mp4mux rewrites the header (its durations)
 * once the file is done; the whole soundtrack keeps the head's, so no
 * blob ever changes its bytes and none a player was given goes away. */
#define HEAD_INIT "init-0.mp4"
typedef struct
{
  Watcher watcher; /* first: the tick's argument */
  ReelWorker *w;
  const ReelJob *job;
  const char *video;
  guint64 head_ns;
  gboolean done;      /* announced, or never will be */
  gboolean announced; /* its row names HEAD_INIT */
} SoundHead;

/* The length of an MP4 file being written that is whole: up to the end
 * of its header, or of its last complete fragment. */
static gsize
written_prefix (const guint8 *p, gsize len)
{
  gsize at = 0, whole = 0;
  char type[5];
  for (;;)
    {
      gsize size = reel_cmaf_box_size (p + at, len - at, type);
      if (size == 0 || size == G_MAXSIZE || size > len - at)
        return whole;
      at += size;
      if (g_str_equal (type, "moov") || g_str_equal (type, "mdat"))
        whole = at;
    }
}

/* The first max bytes of the file at path (fewer when it is shorter), or
 * NULL. */
static char *
read_prefix (const char *path, gsize max, gsize *len)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, NULL);
  char *data = g_malloc (max);
  if (!in || !g_input_stream_read_all (G_INPUT_STREAM (in), data, max, len, NULL, NULL))
    {
      g_free (data);
      return NULL;
    }
  return data;
}

/* Announces the head once the soundtrack written to path reaches head_ns
 * (its first HEAD_READ_MAX bytes, which hold minutes of sound, suffice). */
#define HEAD_READ_MAX (1024 * 1024)
static void
sound_head_try (SoundHead *h, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (ReelCmaf) c = NULL;
  g_autoptr (ReelChunk) head = NULL;
  ReelChunkRendition *out;
  char *data = NULL;
  gsize len, whole;
  guint64 t = 0;
  guint n = 0;

  if (h->done || !(data = read_prefix (path, HEAD_READ_MAX, &len)))
    return;
  whole = written_prefix ((const guint8 *)data, len);
  bytes = g_bytes_new_take (data, whole);
  if (whole && (c = reel_cmaf_split (bytes, 0, NULL)))
    while (n < c->segments->len && t < h->head_ns)
      t += g_array_index (c->durations_ns, guint64, n++);
  if (!c || t < h->head_ns)
    {
      /* Not there yet; or never, in a file this long: the whole
       * soundtrack then makes the video playable. */
      h->done = len == HEAD_READ_MAX;
      return;
    }
  h->done = TRUE;
  if (reel_job_cancelled (h->job))
    return;
  head = reel_chunk_new (h->video, REEL_CHUNK_AUDIO);
  head->partial = TRUE;
  out = store_cmaf (h->w, h->video, "audio", c, 0, 0, 0, n, HEAD_INIT, FALSE, FALSE,
                    AAC_PRIMING_SAMPLES, &error);
  if (out)
    {
      out->bitrate = REEL_AUDIO_BITRATE;
      g_ptr_array_add (head->renditions, out);
    }
  /* The whole soundtrack follows: a head that fails only plays later. */
  if (!out || !announce_chunk (h->w, "audio.transcoded", head, &error))
    g_warning ("the soundtrack's head of video %s: %s", h->video, error->message);
  else
    h->announced = TRUE;
}

/* Once the head is out, the rest of the soundtrack yields to first
 * chunks: a video's picture is what it waits for then. */
static gboolean
sound_head_tick (Watcher *watcher)
{
  SoundHead *h = (SoundHead *)watcher;
  g_autofree char *path = g_build_filename (watcher->dir, REEL_JOB_AUDIO_FILE, NULL);
  sound_head_try (h, path);
  return h->announced;
}

static gboolean
run_audio (const ReelJob *job, gpointer data, GError **error)
{
  ReelWorker *w = data;
  JsonObject *d = reel_job_data (job);
  const char *video = json_object_get_string_member_with_default (d, "video_id", NULL);
  guint64 head_ns = (guint64)MAX (0, reel_json_get_int (d, "head_ns", 0));
  SoundHead head = { { sound_head_tick, NULL }, w, job, video, head_ns, head_ns == 0, FALSE };
  g_autofree char *dir = NULL, *file = NULL;
  g_autoptr (ReelChunk) done = reel_chunk_new (video, REEL_CHUNK_AUDIO);
  ReelChunkRendition *out;
  const char *hold;
  gboolean ok = FALSE;

  if (!(dir = run_job_pipeline (w, job, "audio", "audio", "video", &head.watcher, error)))
    return FALSE;
  if (!still_wanted (job, error))
    goto out;
  file = g_build_filename (dir, REEL_JOB_AUDIO_FILE, NULL);
  if ((hold = reel_test_fault ("hold-audio")))
    {
      /* However fast the encode was, the head goes first. */
      sound_head_try (&head, file);
      hold_while_exists (hold, job);
    }
  /* The head's init segment serves the whole soundtrack (the same
   * stream; only the header's durations differ, which fragmented files do
   * not need): no blob of a row that was served goes unnamed. */
  out = store_rendition (w, video, "audio", file, 0, 0, 0, head.announced ? HEAD_INIT : "init.mp4",
                         head.announced, FALSE, AAC_PRIMING_SAMPLES, error);
  if (!out)
    goto out;
  out->bitrate = REEL_AUDIO_BITRATE;
  g_ptr_array_add (done->renditions, out);
  ok = announce_chunk (w, "audio.transcoded", done, error);
out:
  reel_work_dir_remove (dir);
  return ok;
}

/* The poster: one frame as a JPEG, stored beside the segments. A video
 * without a poster still plays, so a failed poster job never fails it. */
static gboolean
run_poster (const ReelJob *job, gpointer data, GError **error)
{
  ReelWorker *w = data;
  JsonObject *d = reel_job_data (job);
  const char *video = json_object_get_string_member_with_default (d, "video_id", NULL);
  g_autofree char *dir = NULL, *file = NULL, *key = NULL, *jpeg = NULL;
  g_autofree char *small_file = NULL, *small_path = NULL, *small_key = NULL;
  g_autoptr (GBytes) bytes = NULL, small = NULL;
  g_autoptr (JsonObject) ev = json_object_new ();
  /* A frame the owner picked goes to a new file (media/thumbnail.h). */
  const char *name = json_object_get_string_member_with_default (d, "file", REEL_POSTER_FILE);
  gsize len;
  gboolean ok = FALSE;

  if (!reel_poster_file_valid (name))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "poster job names no valid file");
      return FALSE;
    }
  if (!(dir = run_job_pipeline (w, job, "poster", "poster", "audio", NULL, error)))
    return FALSE;
  if (!still_wanted (job, error))
    goto out;
  file = g_build_filename (dir, REEL_JOB_POSTER_FIRST_FILE, NULL);
  if (!g_file_get_contents (file, &jpeg, &len, error))
    goto out;
  bytes = g_bytes_new_take (g_steal_pointer (&jpeg), len);
  small_file = reel_poster_small_file (name);
  small_path = g_build_filename (dir, "small.jpg", NULL);
  if (!(small = reel_thumbnail_small (w->cfg, file, small_path,
                                      (guint)json_object_get_int_member (d, "width"),
                                      (guint)json_object_get_int_member (d, "height"), job, error)))
    goto out;
  key = reel_blob_key_video_file (video, name);
  small_key = reel_blob_key_video_file (video, small_file);
  if (!reel_blobs_put (w->blobs, small_key, small, error)
      || !reel_blobs_put (w->blobs, key, bytes, error))
    goto out;
  json_object_set_string_member (ev, "file", name);
  json_object_set_string_member (ev, "small", small_file);
  json_object_set_int_member (ev, "width", json_object_get_int_member (d, "width"));
  json_object_set_int_member (ev, "height", json_object_get_int_member (d, "height"));
  ok = announce (w, video, "video.poster", ev, error);
out:
  reel_work_dir_remove (dir);
  return ok;
}

/* Encodes the packed sheet in dir (raw RGBx) as the storyboard JPEG, in
 * reel-media like every pipeline. */
static gboolean
encode_sheet (ReelWorker *w, const ReelJob *job, const char *dir, guint width, guint height,
              GError **error)
{
  g_autoptr (GHashTable) v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *tpl = reel_pipeline_load ("storyboard-sheet", error);
  g_autofree char *line = NULL;
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (JsonObject) result = NULL;
  ReelMediaLimits limits;

  if (!tpl)
    return FALSE;
  g_hash_table_insert (v, "source", g_build_filename (dir, STORYBOARD_SHEET_FILE, NULL));
  g_hash_table_insert (v, "width", g_strdup_printf ("%u", width));
  g_hash_table_insert (v, "height", g_strdup_printf ("%u", height));
  g_hash_table_insert (v, "out", g_build_filename (dir, REEL_STORYBOARD_SPRITE_FILE, NULL));
  if (!(line = reel_pipeline_fill (tpl, v, NULL, error)))
    return FALSE;
  reel_media_limits_for (w->cfg, STORYBOARD_SHEET_MEDIA_NS, &limits);
  request = reel_media_pipeline_request (line, "storyboard",
                                         MIN (POSTER_STALL_TIMEOUT_S, w->cfg->job_timeout_s));
  result = reel_media_child_run (request, &limits, "encoding the storyboard", job, error);
  return result != NULL;
}

static gboolean
put_file (ReelWorker *w, const char *video, const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *key = reel_blob_key_video_file (video, name);
  g_autofree char *data = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize len;
  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  return reel_blobs_put (w->blobs, key, bytes, error);
}

/* The storyboard (media/storyboard.h): sampled tiles packed into a sheet,
 * the sheet as a JPEG and its WebVTT track, stored beside the poster. Like
 * the poster it is an extra: a failed storyboard never fails the video. */
static gboolean
run_storyboard (const ReelJob *job, gpointer data, GError **error)
{
  ReelWorker *w = data;
  JsonObject *d = reel_job_data (job);
  const char *video = json_object_get_string_member_with_default (d, "video_id", NULL);
  guint64 duration_ns = (guint64)reel_json_get_int (d, "duration_ns", 0);
  ReelStoryboard sb = {
    .interval_s = (guint)reel_json_get_int (d, "interval_s", 0),
    .tiles = (guint)reel_json_get_int (d, "tiles", 0),
    .columns = (guint)reel_json_get_int (d, "columns", 0),
    .width = (guint)reel_json_get_int (d, "width", 0),
    .height = (guint)reel_json_get_int (d, "height", 0),
  };
  g_autofree char *dir = NULL, *tiles_path = NULL, *sheet_path = NULL, *raw = NULL, *vtt = NULL;
  g_autofree char *vtt_path = NULL;
  g_autoptr (GBytes) tiles = NULL, sheet = NULL;
  g_autoptr (JsonObject) ev = json_object_new ();
  guint sheet_width = 0, sheet_height = 0;
  gsize len;
  gboolean ok = FALSE;

  if (!sb.interval_s || !sb.tiles || !sb.columns || !sb.width || !sb.height || !duration_ns)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "storyboard job lacks its layout");
      return FALSE;
    }
  if (!(dir = run_job_pipeline (w, job, "storyboard", "storyboard", "audio", NULL, error)))
    return FALSE;
  if (!still_wanted (job, error))
    goto out;
  tiles_path = g_build_filename (dir, REEL_JOB_STORYBOARD_TILES_FILE, NULL);
  if (!g_file_get_contents (tiles_path, &raw, &len, error))
    goto out;
  tiles = g_bytes_new_take (g_steal_pointer (&raw), len);
  if (!(sheet = reel_storyboard_pack (&sb, tiles, &sheet_width, &sheet_height, error)))
    goto out;
  sheet_path = g_build_filename (dir, STORYBOARD_SHEET_FILE, NULL);
  vtt_path = g_build_filename (dir, REEL_STORYBOARD_VTT_FILE, NULL);
  vtt = reel_storyboard_vtt (&sb, duration_ns, REEL_STORYBOARD_SPRITE_FILE);
  if (!g_file_set_contents (sheet_path, g_bytes_get_data (sheet, NULL), g_bytes_get_size (sheet),
                            error)
      || !g_file_set_contents (vtt_path, vtt, -1, error)
      || !encode_sheet (w, job, dir, sheet_width, sheet_height, error) || !still_wanted (job, error)
      || !put_file (w, video, dir, REEL_STORYBOARD_SPRITE_FILE, error)
      || !put_file (w, video, dir, REEL_STORYBOARD_VTT_FILE, error))
    goto out;
  json_object_set_string_member (ev, "sprite", REEL_STORYBOARD_SPRITE_FILE);
  json_object_set_string_member (ev, "vtt", REEL_STORYBOARD_VTT_FILE);
  json_object_set_int_member (ev, "interval_s", sb.interval_s);
  json_object_set_int_member (ev, "tiles", sb.tiles);
  json_object_set_int_member (ev, "columns", sb.columns);
  json_object_set_int_member (ev, "tile_width", sb.width);
  json_object_set_int_member (ev, "tile_height", sb.height);
  ok = announce (w, video, "video.storyboard", ev, error);
out:
  reel_work_dir_remove (dir);
  return ok;
}

/* A chunk or soundtrack job out of attempts: the video fails, or, for a
 * chunk of a re-transcode (media/retranscode.h), only the set being made
 * (the video stays ready with the set it has). */
static void
give_up (const ReelJob *job, const GError *error, gpointer data)
{
  ReelWorker *w = data;
  g_autoptr (GError) local = NULL;
  JsonObject *d = reel_job_data (job);
  const char *video = json_object_get_string_member_with_default (d, "video_id", NULL);
  guint set = reel_chunk_set_named (d);
  g_autofree char *subject = NULL;
  g_autoptr (JsonObject) ev = json_object_new ();
  if (!video)
    return;
  json_object_set_string_member (ev, "video_id", video);
  if (set)
    json_object_set_int_member (ev, "set", set);
  json_object_set_string_member (ev, "reason", error ? error->message : "transcoding failed");
  if (set)
    {
      /* The set's other chunks need not run. */
      g_autofree char *key = reel_retranscode_jobs_key (video, set);
      if (!reel_jobs_cancel (w->bus, key, &local))
        {
          g_warning ("cannot cancel the chunk jobs of video %s's set %u: %s", video, set,
                     local->message);
          g_clear_error (&local);
        }
    }
  subject = reel_event_subject ("video", video);
  if (!reel_events_publish (w->bus, subject, set ? "video.retranscode_failed" : "video.failed", 1,
                            NULL, ev, FALSE, NULL, &local))
    g_warning ("cannot record the failure of video %s: %s", video, local->message);
}

ReelWorker *
reel_worker_start (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs)
{
  ReelWorker *w = g_new0 (ReelWorker, 1);
  ReelJobWorkerConfig chunks = { 0 }, audio = { 0 }, poster = { 0 }, storyboard = { 0 };
  w->cfg = cfg;
  w->bus = bus;
  w->blobs = blobs;
  w->work_dir = reel_config_data_path (cfg, "work");
  w->cache_dir = reel_config_data_path (cfg, "cache");
  chunks.kind = "chunk";
  chunks.concurrency = cfg->worker_concurrency;
  chunks.ack_wait_s = cfg->job_ack_wait_s;
  chunks.max_attempts = cfg->job_attempts;
  chunks.run = run_chunk;
  chunks.give_up = give_up;
  chunks.user_data = w;
  audio = chunks;
  audio.kind = "audio";
  /* One soundtrack at a time: audio encodes far faster than video. */
  audio.concurrency = 1;
  audio.run = run_audio;
  poster = audio;
  poster.kind = "poster";
  poster.run = run_poster;
  poster.give_up = NULL;
  w->chunks = reel_job_worker_start (bus, &chunks);
  w->audio = reel_job_worker_start (bus, &audio);
  w->poster = reel_job_worker_start (bus, &poster);
  storyboard = poster;
  storyboard.kind = "storyboard";
  storyboard.run = run_storyboard;
  w->storyboard = reel_job_worker_start (bus, &storyboard);
  return w;
}

void
reel_worker_stop (ReelWorker *w)
{
  if (!w)
    return;
  /* A running pipeline may take minutes: its child is stopped and its job
   * handed back, to be done again by another node or after the restart. */
  reel_job_worker_request_stop (w->chunks);
  reel_job_worker_request_stop (w->audio);
  reel_job_worker_request_stop (w->poster);
  reel_job_worker_request_stop (w->storyboard);
  reel_job_worker_stop (w->chunks);
  reel_job_worker_stop (w->audio);
  reel_job_worker_stop (w->poster);
  reel_job_worker_stop (w->storyboard);
  g_free (w->work_dir);
  g_free (w->cache_dir);
  g_free (w);
}
