/* Integration tests of the media heart (issue 3): a clip made at test time
 * with GStreamer (moving pattern, timecode overlay, ticking sound) goes
 * through tus, ingest, chunked ladder transcode and the assembler of a real
 * reeld, and comes out as HLS and DASH that ffmpeg decodes.
 *
 *   /transcode/ladder       ready; ffmpeg decodes master.m3u8 and
 *                           manifest.mpd; every rung, aligned keyframes,
 *                           the source's duration; continuous timestamps
 *                           across chunk joins in every rendition, no
 *                           discontinuity, A/V in sync at the end; a poster;
 *                           `reel pipeline` prints a line that reproduces a
 *                           chunk bit for bit in gst-launch-1.0
 *   /transcode/progressive  playable (EVENT playlist of the done prefix,
 *                           decodable from the start) before the last chunk
 *                           is done, then ready (VOD); playlists, MPD and
 *                           segments answer If-None-Match with 304, the
 *                           media playlist's ETag changes when the last
 *                           chunk is done, a Range is byte-exact, and a
 *                           deleted video's playlist is 404 at once
 *                           (issue 13)
 *   /transcode/first-chunk  the first chunk holds the rungs up to 360
 *                           lines: while the second is held, the playlists
 *                           and the MPD offer only those, the taller rungs
 *                           are 404; then every rung plays from its first
 *                           frame, continuous, and the first chunk's
 *                           segments are unchanged (304 on their ETag)
 *   /transcode/sound-head   while the soundtrack is held, the video plays
 *                           on its head (two segments, own init segment),
 *                           the picture no further than the sound; then
 *                           ready with the whole soundtrack, which keeps
 *                           the head's init segment (no init.mp4 beside
 *                           it) and whose first segment is the head's,
 *                           byte for byte
 *   /transcode/first-things-first  while the first chunk is held in its
 *                           child, no poster and no seek previews are
 *                           made, and the soundtrack's child is paused
 *                           once its head is out; once the first chunk
 *                           is done, all are made
 *   /transcode/vp9          media.codecs = h264,vp9: a VP9 twin of every
 *                           rung beside the H.264 ones, in the HLS playlist
 *                           with its CODECS and in its own DASH
 *                           AdaptationSet; ffmpeg decodes the whole MPD;
 *                           every VP9 rung holds each frame once, on the
 *                           H.264 rungs' keyframe grid, continuous across
 *                           chunk joins; a VP9 rung downloads as an MP4
 *   /transcode/copy         a source that already is a rung (H.264 at its
 *                           size, a keyframe at every segment boundary, a
 *                           bitrate within its peak) is copied into it: the
 *                           rung's video samples are the source's, byte for
 *                           byte, continuous and on the other rungs'
 *                           keyframes; the same picture with keyframes off
 *                           the grid is encoded as before
 *   /transcode/retranscode  after the ladder changed, `reel retranscode ID`
 *                           makes a new rendition set (<rung>_1) while the
 *                           old one is served: every master playlist a
 *                           poller gets names media playlists and segments
 *                           that are all there, the first one decodes; the
 *                           last one of the old set still is whole after
 *                           the switch and plays (admins see until when);
 *                           then the master
 *                           playlist and the MPD have new ETags (issue 13),
 *                           the new rungs play frame-exact, and after the
 *                           grace period the old set's blobs are reclaimed
 *                           by the clean-up and its playlists are gone
 *   /transcode/retranscode-failed  a re-transcode whose chunk fails every
 *                           attempt fails that set only, its other chunk
 *                           jobs cancelled: the video stays
 *                           ready with its set, whole and decoding, its
 *                           owner is not told it failed; the admins see
 *                           the set and the reason (GET .../retranscode,
 *                           reel retranscode --status) until the next
 *                           re-transcode, which gets a newer set and
 *                           completes
 *   /transcode/worker-killed  a worker dies mid-chunk; the job is
 *                           redelivered to another worker and the video is
 *                           ready with one copy of each segment
 *   /transcode/gives-up     a chunk that fails every attempt fails the video
 *                           with the reason; the service stays healthy
 *   /transcode/corrupt-alongside  a corrupt upload fails with a reason while
 *                           a good one processed at the same time gets ready
 *   /transcode/warm-child   reeld keeps a reel-media --warm waiting; an
 *                           upload's work takes it, and another one waits
 *                           after; with media.warm_child off there is none
 *   /playback/paths         traversal attempts and unknown ids are 404 and
 *                           never a file outside the blob store; segments
 *                           answer Range, ETag and long caching */
#include "harness.h"

#include <glib/gstdio.h>
#include <math.h>

static const char *PASSWORD = "correct horse battery";

#define FPS 30
#define FRAME_S (1.0 / FPS)
/* 12 s at 2 s segments; the default short first chunk of one segment,
 * then chunks of 2 segments: chunks of 2, 4, 4 and 2 s (segments 0, 1-2,
 * 3-4, 5), so the joins fall at 2, 6 and 10 s. */
#define CLIP_S 12
#define SEGMENT_S 2
#define CHUNK_SEGMENTS 2
#define CHUNKS 4
#define SEGMENTS (CLIP_S / SEGMENT_S)

/* The first segment of chunk c, and the number of its segments. */
static guint
first_segment_of (guint c)
{
  return c == 0 ? 0 : 1 + (c - 1) * CHUNK_SEGMENTS;
}

static guint
segments_of (guint c)
{
  return MIN (c == 0 ? 1 : CHUNK_SEGMENTS, SEGMENTS - first_segment_of (c));
}
#define READY_TIMEOUT_S 300

/* A 1280x720 30 fps clip with a moving ball, a visible timecode and a tone,
 * sound exactly as long as the picture (48 kHz, 960 samples per buffer: 50
 * buffers a second). Not wave=ticks: under meson's MALLOC_PERTURB_,
 * audiotestsrc's ticks into avenc_aac lose up to half a second of sound
 * (GStreamer 1.22; a wave=sine source is unaffected). */
static char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=360 "
      "! video/x-raw,width=1280,height=720,framerate=30/1 ! timeoverlay "
      "! x264enc speed-preset=ultrafast key-int-max=30 ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=600 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
}

/* A config for short chunks and a fast preset, so the suite stays quick.
 * ultrafast has no B-frames, the default preset has: they are put back, so
 * the tests cover reordered frames at every chunk join. */
static char *
write_config (const char *dir, const char *extra)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[media]\nsegment_seconds = %d\nchunk_segments = %d\n"
                                           "x264_preset = ultrafast\nx264_options = bframes=3\n"
                                           "[jobs]\nack_wait_seconds = 5\n%s",
                                           SEGMENT_S, CHUNK_SEGMENTS, extra ? extra : "");
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("--config=%s", path);
}

static char *
url_of (guint16 port, const char *id, const char *file)
{
  return g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s", port, id, file);
}

typedef struct
{
  double pts;
  double dts;
  double duration;
  gboolean key;
  guint decode_index;
} Packet;

static gint
by_pts (gconstpointer a, gconstpointer b)
{
  double d = ((const Packet *)a)->pts - ((const Packet *)b)->pts;
  return d < 0 ? -1 : d > 0;
}

/* The packets of the first stream of kind ("v" or "a") behind url, in
 * presentation order. In decode order (as they are stored), decode times
 * rise strictly, across chunk joins too: with B-frames a join that
 * overlapped or went back would break decoding there. */
static GArray *
packets (const char *url, const char *kind)
{
  const char *argv[] = { "ffprobe",
                         "-v",
                         "error",
                         "-select_streams",
                         kind,
                         "-show_entries",
                         "packet=pts_time,dts_time,duration_time,flags",
                         "-of",
                         "csv=p=0",
                         url,
                         NULL };
  g_autofree char *out = reel_test_run_ok (argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GArray *a = g_array_new (FALSE, FALSE, sizeof (Packet));
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      Packet p;
      if (g_strv_length (f) < 4)
        continue;
      p.pts = g_ascii_strtod (f[0], NULL);
      p.dts = g_ascii_strtod (f[1], NULL);
      p.duration = g_ascii_strtod (f[2], NULL);
      p.key = strchr (f[3], 'K') != NULL;
      p.decode_index = a->len;
      if (a->len && p.dts <= g_array_index (a, Packet, a->len - 1).dts)
        g_error ("%s: packet %u decodes at %.6f, not after %.6f", url, a->len, p.dts,
                 g_array_index (a, Packet, a->len - 1).dts);
      g_array_append_val (a, p);
    }
  g_array_sort (a, by_pts);
  return a;
}

/* Whether some packet is decoded out of presentation order (B-frames). */
static gboolean
reordered (GArray *a)
{
  for (guint i = 0; i < a->len; i++)
    if (g_array_index (a, Packet, i).decode_index != i)
      return TRUE;
  return FALSE;
}

/* No gap over one frame and no overlap between consecutive packets;
 * returns the end of the last one. */
static double
assert_continuous (GArray *a, double frame, const char *what)
{
  for (guint i = 1; i < a->len; i++)
    {
      double step = g_array_index (a, Packet, i).pts - g_array_index (a, Packet, i - 1).pts;
      if (step <= 0 || step > frame + 1e-3)
        g_error ("%s: packet %u at %.6f follows %.6f (step %.6f, frame %.6f)", what, i,
                 g_array_index (a, Packet, i).pts, g_array_index (a, Packet, i - 1).pts, step,
                 frame);
    }
  /* The last packet's duration may be unknown to ffprobe: one frame. */
  Packet *last = &g_array_index (a, Packet, a->len - 1);
  return last->pts + (last->duration > 0 ? last->duration : frame);
}

static char *
get_text (guint16 port, const char *id, const char *file)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, file);
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (r->body);
}

/* GETs /videos/{id}/{file} with If-None-Match (NULL: none), asserts the
 * status, and returns the ETag answered. */
static char *
etag_of (guint16 port, const char *id, const char *file, const char *if_none_match, guint want)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, file);
  const char *h[] = { "If-None-Match", if_none_match, NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "GET", path, NULL, if_none_match ? h : NULL, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, want);
  if (want == 304)
    g_assert_cmpuint (r->body_len, ==, 0);
  g_assert_nonnull (reel_test_header (r, "ETag"));
  return g_strdup (reel_test_header (r, "ETag"));
}

/* The encoded frames of a file, one hash each (framemd5 of the packets). */
static char *
packet_hashes (const char *path)
{
  const char *argv[] = { "ffmpeg", "-nostdin", "-v",   "error", "-i",       path, "-map",
                         "0:v:0",  "-c",       "copy", "-f",    "framemd5", "-",  NULL };
  g_autofree char *out = reel_test_run_ok (argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr (GString) hashes = g_string_new (NULL);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] && lines[i][0] != '#')
      {
        const char *h = strrchr (lines[i], ',');
        g_string_append_printf (hashes, "%s\n", h ? h + 1 : lines[i]);
      }
  return g_string_free (g_steal_pointer (&hashes), FALSE);
}

/* `reel pipeline chunk` prints the line the worker ran: gst-launch-1.0 runs
 * it, and its 720p rung holds exactly the frames the worker stored for that
 * chunk, bit for bit. */
static void
assert_pipeline_reproduces (const char *dir, const char *config_arg, const char *id, guint chunk)
{
  g_autofree char *out_dir = g_build_filename (dir, "by-hand", NULL);
  g_autofree char *n = g_strdup_printf ("%u", chunk);
  const char *config = strchr (config_arg, '=') + 1;
  const char *argv[] = { reel_test_env ("REEL_TEST_REEL"),
                         "pipeline",
                         "chunk",
                         "--video",
                         id,
                         "--chunk",
                         n,
                         "--data-dir",
                         dir,
                         "--config",
                         config,
                         "--out",
                         out_dir,
                         NULL };
  g_autofree char *line = reel_test_run_ok (argv), *cmd = NULL, *served = NULL, *by_hand = NULL;
  g_autofree char *rendition = g_build_filename (out_dir, "720p.mp4", NULL);
  g_autofree char *joined = g_build_filename (dir, "served-720p.mp4", NULL);
  g_autofree char *plugin_env
      = g_strdup_printf ("GST_PLUGIN_PATH=%s", reel_test_env ("REEL_TEST_PLUGIN_PATH"));
  g_auto (GStrv) launch = NULL;
  g_autoptr (GByteArray) concat = g_byte_array_new ();
  const char *env[] = { plugin_env, NULL };
  int status;

  g_assert_nonnull (strstr (line, "reelrange"));
  g_assert_cmpint (g_mkdir_with_parents (out_dir, 0700), ==, 0);
  cmd = g_strdup_printf ("gst-launch-1.0 -q -e %s", g_strstrip (line));
  g_assert_true (g_shell_parse_argv (cmd, NULL, &launch, NULL));
  g_free (reel_test_run_env ((const char *const *)launch, env, NULL, &status));
  g_assert_cmpint (status, ==, 0);

  /* What the worker stored for the chunk: its init and its segments. The
   * 720p rung is late (taller than media.first_chunk_max_height): the
   * second chunk holds it from the first segment on. */
  guint first = chunk == 1 ? 0 : first_segment_of (chunk);
  guint count = segments_of (chunk) + (chunk == 1 ? segments_of (0) : 0);
  for (guint i = 0; i <= count; i++)
    {
      g_autofree char *name = i == 0 ? g_strdup_printf ("init-%u.mp4", chunk)
                                     : g_strdup_printf ("%u.m4s", first + i - 1);
      g_autofree char *path = g_build_filename (dir, "blobs", "videos", id, "720p", name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_byte_array_append (concat, (const guint8 *)data, (guint)len);
    }
  g_assert_true (g_file_set_contents (joined, (const char *)concat->data, concat->len, NULL));
  served = packet_hashes (joined);
  by_hand = packet_hashes (rendition);
  g_assert_cmpuint (strlen (served), >, 0);
  g_assert_cmpstr (served, ==, by_hand);
}

/* The video's metadata once it names its poster (made by its own job,
 * which may finish after the chunks). */
static ReelTestResponse *
wait_poster (guint16 port, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  for (int i = 0; i < 600; i++)
    {
      ReelTestResponse *r = reel_test_http (port, "GET", path, NULL, NULL, 0);
      if (reel_test_json_str (r, "thumbnail"))
        return r;
      reel_test_response_free (r);
      g_usleep (50 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_ladder (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config = write_config (dir, NULL);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "rita", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Ball with a timecode");
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
  const char *rungs[][2] = {
    { "720p", "1280x720" }, { "480p", "852x480" }, { "360p", "640x360" }, { "240p", "426x240" }
  };
  g_autoptr (GArray) keys0 = NULL;
  double video_end = 0;

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  {
    JsonObject *o = json_node_get_object (v->json);
    JsonObject *progress = json_object_get_object_member (o, "progress");
    g_assert_cmpint (json_object_get_int_member (progress, "chunks_total"), ==, CHUNKS);
    g_assert_cmpint (json_object_get_int_member (progress, "chunks_done"), ==, CHUNKS);
    /* 5 renditions: 4 rungs (1080p is above the source) and the sound. */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "renditions")), ==,
                      5);
  }
  g_autofree char *hls_path = g_strdup_printf ("/videos/%s/master.m3u8", id);
  g_assert_cmpstr (reel_test_json_str (v, "hls"), ==, hls_path);

  /* The multivariant playlist names every rung with what a player needs. */
  g_autofree char *master = get_text (d->port, id, "master.m3u8");
  for (guint i = 0; i < G_N_ELEMENTS (rungs); i++)
    {
      g_autofree char *res = g_strdup_printf ("RESOLUTION=%s,", rungs[i][1]);
      g_autofree char *uri = g_strdup_printf ("\n%s.m3u8\n", rungs[i][0]);
      g_assert_nonnull (strstr (master, res));
      g_assert_nonnull (strstr (master, uri));
    }
  g_assert_null (strstr (master, "1080p"));
  g_assert_nonnull (strstr (master, "CODECS=\"avc1."));
  g_assert_nonnull (strstr (master, "mp4a.40.2"));
  g_assert_nonnull (strstr (master, "TYPE=AUDIO,GROUP-ID=\"audio\""));
  g_assert_null (strstr (master, "DISCONTINUITY"));

  /* ffmpeg plays both manifests from start to end without a single error. */
  {
    g_autofree char *hls = url_of (d->port, id, "master.m3u8");
    g_autofree char *mpd = url_of (d->port, id, "manifest.mpd");
    reel_test_assert_decodes (hls);
    reel_test_assert_decodes (mpd);
  }

  /* Every rung: each frame of the source exactly once, timestamps that run
   * on across the chunk joins, and keyframes at every segment boundary, at
   * the same times in every rung. */
  for (guint i = 0; i < G_N_ELEMENTS (rungs); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.m3u8", rungs[i][0]);
      g_autofree char *text = get_text (d->port, id, name);
      g_autofree char *url = url_of (d->port, id, name);
      g_autoptr (GArray) p = packets (url, "v");
      g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (double));
      double end;

      g_assert_null (strstr (text, "EXT-X-DISCONTINUITY"));
      g_assert_nonnull (strstr (text, "#EXT-X-PLAYLIST-TYPE:VOD"));
      g_assert_nonnull (strstr (text, "#EXT-X-ENDLIST"));
      g_assert_cmpuint (p->len, ==, CLIP_S * FPS);
      g_assert_true (reordered (p));
      g_assert_cmpfloat (fabs (g_array_index (p, Packet, 0).pts), <, 1e-6);
      end = assert_continuous (p, FRAME_S, rungs[i][0]);
      /* The source's duration, within one frame. */
      g_assert_cmpfloat (fabs (end - CLIP_S), <, FRAME_S);
      video_end = end;
      for (guint k = 0; k < p->len; k++)
        if (g_array_index (p, Packet, k).key)
          g_array_append_val (keys, g_array_index (p, Packet, k).pts);
      for (guint s = 0; s < SEGMENTS; s++)
        {
          gboolean found = FALSE;
          for (guint k = 0; k < keys->len; k++)
            found |= fabs (g_array_index (keys, double, k) - s * SEGMENT_S) < 1e-3;
          if (!found)
            g_error ("%s: no keyframe at the segment boundary %u s", rungs[i][0], s * SEGMENT_S);
        }
      if (!keys0)
        keys0 = g_array_ref (keys);
      g_assert_cmpuint (keys->len, ==, keys0->len);
      for (guint k = 0; k < keys->len; k++)
        g_assert_cmpfloat (
            fabs (g_array_index (keys, double, k) - g_array_index (keys0, double, k)), <, 1e-6);
    }

  /* The sound: continuous, and ending with the picture (the source's sound
   * ends within one frame of its picture, and so must ours). */
  {
    g_autofree char *url = url_of (d->port, id, "audio.m3u8");
    g_autofree char *text = get_text (d->port, id, "audio.m3u8");
    g_autoptr (GArray) p = packets (url, "a");
    double end = assert_continuous (p, 1024.0 / 48000, "audio");
    g_test_message ("audio: %u packets, first %.6f, ends %.6f; video ends %.6f", p->len,
                    g_array_index (p, Packet, 0).pts, end, video_end);
    g_assert_null (strstr (text, "EXT-X-DISCONTINUITY"));
    g_assert_cmpfloat (fabs (end - video_end), <, FRAME_S);
    /* The encoder's priming is trimmed by the edit list: the first sound
     * presented is at 0, not 21 ms late. */
    g_assert_cmpfloat (g_array_index (p, Packet, 0).pts, <, 0);
  }

  /* The poster: a JPEG at the 720p rung's size, named by the metadata. */
  {
    g_autofree char *thumb = g_strdup_printf ("/videos/%s/poster.jpg", id);
    g_autoptr (ReelTestResponse) meta = wait_poster (d->port, id);
    g_autoptr (ReelTestResponse) jpeg = reel_test_http (d->port, "GET", thumb, NULL, NULL, 0);
    g_autofree char *url = url_of (d->port, id, "poster.jpg");
    const char *argv[]
        = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
            "csv=p=0", url,  NULL };
    g_autofree char *out = reel_test_run_ok (argv);
    g_assert_cmpstr (reel_test_json_str (meta, "thumbnail"), ==, thumb);
    g_assert_cmpuint (jpeg->status, ==, 200);
    g_assert_cmpstr (jpeg->content_type, ==, "image/jpeg");
    g_assert_cmpstr (g_strstrip (out), ==, "mjpeg,1280,720");
  }

  assert_pipeline_reproduces (dir, config, id, 1);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* Every rung named (of any codec, encoded or copied): each frame of the
 * clip once, continuous over the chunk joins, the clip's length, and a
 * keyframe at each segment boundary and nowhere else, at the same
 * instants in every rung (a player can switch at any boundary). */
static void
assert_rungs_aligned (guint16 port, const char *id, const char *const *rungs, guint n)
{
  g_autoptr (GArray) keys0 = NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.m3u8", rungs[i]);
      g_autofree char *url = url_of (port, id, name);
      g_autoptr (GArray) p = packets (url, "v");
      g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (double));
      double end;
      g_assert_cmpuint (p->len, ==, CLIP_S * FPS);
      end = assert_continuous (p, FRAME_S, rungs[i]);
      g_assert_cmpfloat (fabs (end - CLIP_S), <, FRAME_S);
      for (guint k = 0; k < p->len; k++)
        if (g_array_index (p, Packet, k).key)
          g_array_append_val (keys, g_array_index (p, Packet, k).pts);
      g_assert_cmpuint (keys->len, ==, SEGMENTS);
      if (!keys0)
        keys0 = g_array_ref (keys);
      for (guint k = 0; k < keys->len; k++)
        g_assert_cmpfloat (
            fabs (g_array_index (keys, double, k) - g_array_index (keys0, double, k)), <, 1e-6);
    }
}

static void
test_vp9 (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config
      = write_config (dir, "[media]\nladder = 360p:360:800,240p:240:400\ncodecs = h264,vp9\n");
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "vera", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Ball in two codecs");
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
  const char *rungs[] = { "360p", "240p", "360pvp9", "240pvp9" };
  g_autofree char *master = NULL, *mpd = NULL;

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  /* 2 H.264 rungs, their 2 VP9 twins, the sound. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (v->json), "renditions")),
                    ==, 5);

  master = get_text (d->port, id, "master.m3u8");
  g_assert_nonnull (strstr (master, "RESOLUTION=640x360,CODECS=\"avc1."));
  g_assert_nonnull (strstr (master, "RESOLUTION=640x360,CODECS=\"vp09.00."));
  g_assert_nonnull (strstr (master, "RESOLUTION=426x240,CODECS=\"vp09.00."));
  g_assert_nonnull (strstr (master, "\n360pvp9.m3u8\n"));
  g_assert_nonnull (strstr (master, "\n240pvp9.m3u8\n"));
  /* The MPD: the H.264 set, then the VP9 set, each of its own codec. */
  mpd = get_text (d->port, id, "manifest.mpd");
  {
    const char *first = strstr (mpd, "<AdaptationSet contentType=\"video\"");
    const char *second = first ? strstr (first + 1, "<AdaptationSet contentType=\"video\"") : NULL;
    g_autofree char *h264_part = NULL;
    g_assert_nonnull (second);
    h264_part = g_strndup (first, (gsize)(second - first));
    g_assert_nonnull (strstr (h264_part, "id=\"360p\""));
    g_assert_null (strstr (h264_part, "vp09"));
    g_assert_nonnull (strstr (second, "id=\"360pvp9\" bandwidth="));
    g_assert_nonnull (strstr (second, "codecs=\"vp09.00."));
    g_assert_null (strstr (strstr (second, "</AdaptationSet>"), "vp09"));
  }
  {
    g_autofree char *url = url_of (d->port, id, "manifest.mpd");
    const char *argv[]
        = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width", "-of",
            "csv=p=0", url,  NULL };
    g_autofree char *out = reel_test_run_ok (argv);
    g_assert_nonnull (strstr (out, "vp9,640"));
    g_assert_nonnull (strstr (out, "vp9,426"));
    g_assert_nonnull (strstr (out, "h264,640"));
    reel_test_assert_decodes (url);
  }

  /* Every rung of either codec: each frame once, continuous over the
   * joins, keyframes at the same instants (a player can switch at any
   * segment boundary). */
  assert_rungs_aligned (d->port, id, rungs, G_N_ELEMENTS (rungs));

  /* A VP9 rung downloads as one MP4 (remuxed with its own parser); the
   * owner may download without making the video downloadable. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/download?rendition=240pvp9", id);
    g_autofree char *file = g_build_filename (media, "240pvp9.mp4", NULL);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, token, NULL, 0);
    const char *argv[]
        = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width", "-of",
            "csv=p=0", file, NULL };
    g_autofree char *out = NULL;
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_file_set_contents (file, r->body, (gssize)r->body_len, NULL));
    out = reel_test_run_ok (argv);
    g_assert_nonnull (strstr (out, "vp9,426"));
    g_assert_nonnull (strstr (out, "aac"));
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* The MD5 of every video packet behind url (a file or a playlist), in
 * order, one per line. */
static char *
packet_md5s (const char *url)
{
  const char *argv[] = { "ffprobe",
                         "-v",
                         "error",
                         "-select_streams",
                         "v",
                         "-show_data_hash",
                         "MD5",
                         "-show_entries",
                         "packet=data_hash",
                         "-of",
                         "csv=p=0",
                         url,
                         NULL };
  return reel_test_run_ok (argv);
}

/* A 640x360 30 fps clip of CLIP_S with sound, H.264 without B-frames with
 * a keyframe every keyint frames and nowhere else. */
static char *
make_fixed_gop_clip (const char *dir, const char *name, guint keyint)
{
  g_autofree char *line = g_strdup_printf (
      "videotestsrc pattern=ball num-buffers=%d "
      "! video/x-raw,format=I420,width=640,height=360,framerate=30/1 "
      "! timeoverlay ! x264enc speed-preset=ultrafast bitrate=600 bframes=0 key-int-max=%u "
      "option-string=min-keyint=%u:scenecut=0 ! mp4mux name=m ! filesink location=%%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=%d "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.",
      CLIP_S * FPS, keyint, keyint, CLIP_S * 50);
  return reel_test_make_media (dir, name, line);
}

static void
test_copy (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  /* Keyframes every 2 s (the segment): copied. Every 1.5 s: not. */
  g_autofree char *grid = make_fixed_gop_clip (media, "grid.mp4", SEGMENT_S * FPS);
  g_autofree char *off = make_fixed_gop_clip (media, "off.mp4", SEGMENT_S * FPS * 3 / 4);
  g_autofree char *config = write_config (dir, "[media]\nladder = 360p:360:800,240p:240:400\n");
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "cora", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, grid, "Already a rung");
  g_autofree char *id_off = reel_test_tus_upload (d->port, token, off, "Keyframes off the grid");
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
  g_autoptr (ReelTestResponse) v_off
      = reel_test_wait_state (d->port, id_off, "ready|failed", READY_TIMEOUT_S);
  const char *rungs[] = { "360p", "240p" };

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  g_assert_cmpstr (reel_test_json_str (v_off, "state"), ==, "ready");

  /* The 360p rung holds the source's own samples, every one, in order. */
  {
    g_autofree char *url = url_of (d->port, id, "360p.m3u8");
    g_autofree char *served = packet_md5s (url);
    g_autofree char *source = packet_md5s (grid);
    g_assert_cmpuint (strlen (source), >, 0);
    if (!g_str_equal (served, source))
      g_error ("the 360p rung's samples are not the source's (encoded, not copied?)");
  }
  /* A source with keyframes off the grid is encoded: new samples. */
  {
    g_autofree char *url = url_of (d->port, id_off, "360p.m3u8");
    g_autofree char *served = packet_md5s (url);
    g_autofree char *source = packet_md5s (off);
    g_assert_false (g_str_equal (served, source));
  }
  /* Copied and encoded rungs alike: each frame once, continuous across
   * the chunk joins, keyframes at the same instants; ffmpeg decodes it all. */
  assert_rungs_aligned (d->port, id, rungs, G_N_ELEMENTS (rungs));
  {
    g_autofree char *mpd = url_of (d->port, id, "manifest.mpd");
    g_autofree char *hls = url_of (d->port, id, "master.m3u8");
    reel_test_assert_decodes (mpd);
    reel_test_assert_decodes (hls);
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* The URIs (lines that are not tags) of a playlist, and EXT-X-MAP's. */
static GPtrArray *
playlist_uris (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i]; i++)
    {
      const char *map = strstr (lines[i], "#EXT-X-MAP:URI=\"");
      if (map)
        g_ptr_array_add (out, g_strndup (map + 16, strcspn (map + 16, "\"")));
      else if (*lines[i] && lines[i][0] != '#')
        g_ptr_array_add (out, g_strdup (lines[i]));
    }
  return out;
}

/* GETs everything a master playlist's text names (media playlists, init
 * and media segments). TRUE when all were there; FALSE when a media
 * playlist was gone. Any other miss fails. */
static gboolean
set_there (guint16 port, const char *id, const char *master)
{
  g_autoptr (GPtrArray) variants = playlist_uris (master);
  g_assert_cmpuint (variants->len, >, 0);
  for (guint i = 0; i < variants->len; i++)
    {
      const char *name = variants->pdata[i];
      g_autofree char *ppath = g_strdup_printf ("/videos/%s/%s", id, name);
      g_autoptr (ReelTestResponse) p = reel_test_http (port, "GET", ppath, NULL, NULL, 0);
      g_autoptr (GPtrArray) files = NULL;
      if (p->status == 404)
        return FALSE;
      g_assert_cmpuint (p->status, ==, 200);
      files = playlist_uris (p->body);
      for (guint k = 0; k < files->len; k++)
        {
          g_autofree char *fpath = g_strdup_printf ("/videos/%s/%s", id, (char *)files->pdata[k]);
          g_autoptr (ReelTestResponse) f = reel_test_http (port, "HEAD", fpath, NULL, NULL, 0);
          if (f->status != 200)
            g_error ("%s named by %s: %u", fpath, name, f->status);
        }
    }
  return TRUE;
}

/* GETs the master playlist (*master gets its text) and everything it
 * names: set_there. */
static gboolean
whole_set (guint16 port, const char *id, char **master)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/master.m3u8", id);
  g_autoptr (ReelTestResponse) m = reel_test_http (port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (m->status, ==, 200);
  *master = g_strdup (m->body);
  return set_there (port, id, m->body);
}

/* Whether dir holds a file (at any depth). */
static gboolean
holds_files (const char *dir)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return FALSE;
  reel_test_list_files (dir, files);
  return files->len > 0;
}

/* What GET /api/v1/admin/videos/{id}/retranscode says. */
static ReelTestResponse *
retranscode_state (guint16 port, const char *token, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
  ReelTestResponse *r = reel_test_http (port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return r;
}

/* `reel retranscode [--status] ID` against d as token's user. */
static char *
reel_retranscode_cli (ReelTestReeld *d, const char *token, const char *option, const char *id)
{
  g_autofree char *server = g_strdup_printf ("--server=http://127.0.0.1:%u", d->port);
  g_autofree char *tok = g_strdup_printf ("--token=%s", token);
  const char *argv[]
      = { reel_test_env ("REEL_TEST_REEL"), "retranscode", server, tok, option, id, NULL };
  if (!option)
    {
      argv[4] = id;
      argv[5] = NULL;
    }
  return reel_test_run_ok (argv);
}

static void
test_retranscode (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  const char *common = "[auth]\nadmins = rosa\n[cleanup]\ngrace_seconds = 20\n"
                       "interval_seconds = 1\n[media]\n";
  g_autofree char *before = g_strdup_printf ("%sladder = 360p:360:800,240p:240:400\n", common);
  g_autofree char *after = g_strdup_printf ("%sladder = 480p:480:1000,240p:240:400\n", common);
  g_autofree char *config = write_config (dir, before);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "rosa", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Ball, twice");
  g_autofree char *old_360 = g_build_filename (dir, "blobs", "videos", id, "360p", NULL);
  g_autofree char *old_240 = g_build_filename (dir, "blobs", "videos", id, "240p", NULL);
  g_autofree char *master = NULL, *master_etag = NULL, *mpd_etag = NULL, *old_master = NULL;
  guint polls = 0, decoded = 0;
  gboolean switched = FALSE;

  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  g_assert_true (holds_files (old_360));
  /* What a player or a CDN holds of the old set (issue 13). */
  master_etag = etag_of (d->port, id, "master.m3u8", NULL, 200);
  mpd_etag = etag_of (d->port, id, "manifest.mpd", NULL, 200);

  /* The operator changes the ladder and restarts. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  g_free (write_config (dir, after));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  /* What a player that started before the re-transcode holds. */
  g_assert_true (whole_set (d->port, id, &old_master));
  {
    g_autofree char *out = reel_retranscode_cli (d, token, NULL, id);
    g_assert_nonnull (strstr (out, "rendition set 1 queued"));
  }
  /* Not an admin: 403; not a video: 404. */
  {
    g_autofree char *other = reel_test_register_login (d->port, "otto", PASSWORD);
    g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "POST", path, other, NULL, 0);
    g_autoptr (ReelTestResponse) none = reel_test_http (
        d->port, "POST", "/api/v1/admin/videos/AAAAAAAAAAA/retranscode", token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 403);
    g_assert_cmpuint (none->status, ==, 404);
  }

  /* A player polling the master playlist: always a whole set. */
  for (gint64 end = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC; !switched;)
    {
      g_autofree char *text = NULL;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_assert_true (whole_set (d->port, id, &text));
      switched = strstr (text, "480p_1.m3u8") != NULL;
      if (!switched && decoded++ == 0)
        {
          g_autofree char *url = url_of (d->port, id, "master.m3u8");
          reel_test_assert_decodes (url);
        }
      g_free (master);
      master = g_steal_pointer (&text);
      polls++;
      g_usleep (100 * 1000);
    }
  g_test_message ("%u polls of the master playlist, %u while the old set was served", polls,
                  decoded);
  /* A player that read the master playlist before the switch keeps
   * playing the old set: its media playlists and segments are still there
   * (for the grace period), and they decode. */
  g_assert_nonnull (strstr (old_master, "\n360p.m3u8\n"));
  g_assert_true (set_there (d->port, id, old_master));
  {
    g_autofree char *url = url_of (d->port, id, "360p.m3u8");
    g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
    g_autofree char *out = reel_retranscode_cli (d, token, "--status", id);
    reel_test_assert_decodes (url);
    /* Admins see until when. */
    g_assert_nonnull (strstr (r->body, "\"retired\":{\"set\":0,\"until\":\""));
    g_assert_nonnull (strstr (out, "rendition set 0 still plays for viewers who started before"));
  }
  /* Revalidating what was cached before the switch gets the new set: the
   * playlist and the MPD have new ETags, not a 304. */
  {
    g_autofree char *m2 = etag_of (d->port, id, "master.m3u8", master_etag, 200);
    g_autofree char *d2 = etag_of (d->port, id, "manifest.mpd", mpd_etag, 200);
    g_autofree char *m3 = etag_of (d->port, id, "master.m3u8", m2, 304);
    g_assert_cmpstr (m2, !=, master_etag);
    g_assert_cmpstr (d2, !=, mpd_etag);
    g_assert_cmpstr (m3, ==, m2);
  }

  /* The new set: 480p_1 and 240p_1, no old rung; each frame once, the
   * source's length, continuous; it all decodes. */
  g_assert_nonnull (strstr (master, "RESOLUTION=852x480"));
  g_assert_nonnull (strstr (master, "\n240p_1.m3u8\n"));
  g_assert_null (strstr (master, "\n360p.m3u8\n"));
  g_assert_null (strstr (master, "\n240p.m3u8\n"));
  {
    const char *rungs[] = { "480p_1", "240p_1" };
    g_autofree char *url = url_of (d->port, id, "master.m3u8");
    reel_test_assert_decodes (url);
    assert_rungs_aligned (d->port, id, rungs, G_N_ELEMENTS (rungs));
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }

  /* The audit log keeps who asked. */
  {
    g_autoptr (ReelTestResponse) audit
        = reel_test_http (d->port, "GET", "/api/v1/admin/audit", token, NULL, 0);
    g_assert_cmpuint (audit->status, ==, 200);
    g_assert_nonnull (strstr (audit->body, "\"type\":\"video.retranscoding\",\"actor\":\"rosa\""));
  }

  /* The old set's segments are reclaimed once past the grace period, and
   * its media playlists are gone. */
  for (guint i = 0; holds_files (old_360) || holds_files (old_240); i++)
    {
      g_assert_cmpuint (i, <, 600);
      g_usleep (100 * 1000);
    }
  g_assert_false (set_there (d->port, id, old_master));
  {
    g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
    g_assert_null (strstr (r->body, "\"retired\""));
  }
  {
    g_autofree char *new_480 = g_build_filename (dir, "blobs", "videos", id, "480p_1", NULL);
    g_assert_true (holds_files (new_480));
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
test_retranscode_failed (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  const char *common
      = "max_attempts = 1\n[worker]\nconcurrency = 1\n[auth]\nadmins = rosa\n[media]\n";
  g_autofree char *before = g_strdup_printf ("%sladder = 360p:360:800,240p:240:400\n", common);
  g_autofree char *after = g_strdup_printf ("%sladder = 480p:480:1000,240p:240:400\n", common);
  g_autofree char *config = write_config (dir, before);
  const char *args[] = { config, NULL };
  const char *failing[] = { "REEL_TEST_FAULT=fail-chunks", NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "rosa", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Ball, failing again");
  g_autofree char *master = NULL, *master_after = NULL, *out = NULL;
  g_autofree char *video_path = g_strdup_printf ("/api/v1/videos/%s", id);

  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  g_assert_true (whole_set (d->port, id, &master));

  /* The ladder changes, and every chunk job fails from now on. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  g_free (write_config (dir, after));
  d = reel_test_reeld_start_args (dir, NULL, failing, args);
  out = reel_retranscode_cli (d, token, NULL, id);
  g_assert_nonnull (strstr (out, "rendition set 1 queued"));
  for (guint i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
      if (strstr (r->body, "\"given_up\""))
        {
          g_test_message ("%s", r->body);
          g_assert_nonnull (strstr (r->body, "\"set\":0"));
          g_assert_nonnull (strstr (r->body, "\"given_up\":{\"set\":1,"));
          g_assert_nonnull (strstr (r->body, "injected failure"));
          g_assert_null (strstr (r->body, "\"next\""));
          break;
        }
      g_assert_cmpuint (i, <, 1200);
      g_usleep (100 * 1000);
    }
  /* Its other chunk jobs were cancelled with it: one chunk job was given
   * up, and no other runs. */
  g_usleep (2 * G_USEC_PER_SEC);
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_given_up_total{kind=\"chunk\"}"), ==, 1);
  g_free (out);
  out = reel_retranscode_cli (d, token, "--status", id);
  g_assert_nonnull (strstr (out, "serving rendition set 0"));
  g_assert_nonnull (strstr (out, "rendition set 1 failed: "));

  /* The video stays ready, with the set it had, whole and playing; its
   * owner is not told it failed. */
  {
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", video_path, NULL, NULL, 0);
    g_autoptr (ReelTestResponse) n
        = reel_test_http (d->port, "GET", "/api/v1/notifications", token, NULL, 0);
    g_autofree char *url = url_of (d->port, id, "master.m3u8");
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_null (strstr (v->body, "\"error\""));
    g_assert_cmpuint (n->status, ==, 200);
    g_assert_null (strstr (n->body, "video_failed"));
    g_assert_true (whole_set (d->port, id, &master_after));
    g_assert_cmpstr (master_after, ==, master);
    reel_test_assert_decodes (url);
  }

  /* Without the fault, the next re-transcode gets a newer set and
   * completes; the failure is forgotten. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_free (out);
  out = reel_retranscode_cli (d, token, NULL, id);
  g_assert_nonnull (strstr (out, "rendition set 2 queued"));
  for (guint i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) r = retranscode_state (d->port, token, id);
      if (strstr (r->body, "\"set\":2") && !strstr (r->body, "\"next\""))
        {
          g_assert_null (strstr (r->body, "\"given_up\""));
          break;
        }
      g_assert_cmpuint (i, <, 10 * READY_TIMEOUT_S);
      g_usleep (100 * 1000);
    }
  g_free (master_after);
  g_assert_true (whole_set (d->port, id, &master_after));
  g_assert_nonnull (strstr (master_after, "\n480p_2.m3u8\n"));
  {
    g_autofree char *url = url_of (d->port, id, "master.m3u8");
    reel_test_assert_decodes (url);
  }
  /* Not an admin: 403. */
  {
    g_autofree char *other = reel_test_register_login (d->port, "otto", PASSWORD);
    g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, other, NULL, 0);
    g_assert_cmpuint (r->status, ==, 403);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

/* The files under DIR/blobs/videos/ID/RENDITION, sorted. */
static char *
list_blobs (const char *dir, const char *id, const char *rendition)
{
  g_autofree char *path = g_build_filename (dir, "blobs", "videos", id, rendition, NULL);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **)names->pdata);
}

/* A reeld (write_config with extra) whose workers wait at the test fault
 * fault ("hold-last-chunk", "hold-audio", "hold-first-chunk") while the
 * file hold exists, with the fault also (or NULL) too, and the 12 s clip
 * uploaded by user. */
typedef struct
{
  char *dir, *media, *hold;
  ReelTestReeld *d;
  char *token, *id;
} Held;

static void
held_start (Held *h, const char *fault, const char *also, const char *extra, const char *user,
            const char *title)
{
  g_autofree char *clip = NULL, *config = NULL, *env_fault = NULL;
  h->dir = reel_test_tmpdir ();
  h->media = reel_test_tmpdir ();
  clip = make_clip (h->media);
  config = write_config (h->dir, extra);
  h->hold = g_build_filename (h->media, fault, NULL);
  env_fault = g_strdup_printf ("REEL_TEST_FAULT=%s:%s%s%s", fault, h->hold, also ? ";" : "",
                               also ? also : "");
  g_assert_true (g_file_set_contents (h->hold, "", 0, NULL));
  {
    const char *env[] = { env_fault, NULL };
    const char *args[] = { config, NULL };
    h->d = reel_test_reeld_start_args (h->dir, NULL, env, args);
  }
  h->token = reel_test_register_login (h->d->port, user, PASSWORD);
  h->id = reel_test_tus_upload (h->d->port, h->token, clip, title);
}

static void
held_stop (Held *h)
{
  g_assert_cmpint (reel_test_reeld_stop (h->d), ==, 0);
  reel_test_reeld_free (h->d);
  reel_test_rmtree (h->dir);
  reel_test_rmtree (h->media);
  g_free (h->dir);
  g_free (h->media);
  g_free (h->hold);
  g_free (h->token);
  g_free (h->id);
}

static gint64
progress_of (ReelTestResponse *r, const char *member)
{
  JsonObject *p = json_object_get_object_member (json_node_get_object (r->json), "progress");
  return json_object_get_int_member (p, member);
}

static void
test_progressive (void)
{
  Held h = { 0 };
  ReelTestReeld *d;
  const char *token, *id, *hold;
  g_autofree char *prefix_etag = NULL;

  held_start (&h, "hold-last-chunk", NULL, NULL, "paul", "Watch me early");
  d = h.d, token = h.token, id = h.id, hold = h.hold;
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "playable|ready|failed", READY_TIMEOUT_S);
    /* The picture alone: with the sound, ffmpeg would shift every stamp by
     * the AAC priming it trims. */
    g_autofree char *url = url_of (d->port, id, "720p.m3u8");
    g_autofree char *media_pl = NULL, *prefix = NULL;
    g_autofree char *out = NULL;
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
    /* Wait for every chunk but the held last one. */
    while (progress_of (v, "chunks_done") < CHUNKS - 1)
      {
        g_usleep (100 * 1000);
        g_clear_pointer (&v, reel_test_response_free);
        v = reel_test_wait_state (d->port, id, "playable", 10);
      }
    g_assert_cmpint (progress_of (v, "chunks_done"), ==, CHUNKS - 1);
    g_assert_cmpint (progress_of (v, "chunks_total"), ==, CHUNKS);

    /* An EVENT playlist of the done prefix, from the first segment on. */
    media_pl = get_text (d->port, id, "720p.m3u8");
    g_assert_nonnull (strstr (media_pl, "#EXT-X-PLAYLIST-TYPE:EVENT"));
    g_assert_null (strstr (media_pl, "#EXT-X-ENDLIST"));
    g_assert_null (strstr (media_pl, "DISCONTINUITY"));
    g_assert_nonnull (strstr (media_pl, "\n720p/0.m4s\n"));
    g_assert_nonnull (strstr (media_pl, "\n720p/4.m4s\n"));
    g_assert_null (strstr (media_pl, "\n720p/5.m4s\n"));
    /* Built once, revalidated by ETag (issue 13): 304 for the same tag
     * (also in a list, also weak), 200 for another. */
    prefix_etag = etag_of (d->port, id, "720p.m3u8", NULL, 200);
    g_free (etag_of (d->port, id, "720p.m3u8", prefix_etag, 304));
    {
      g_autofree char *listed = g_strdup_printf ("\"nope\", W/%s", prefix_etag);
      g_free (etag_of (d->port, id, "720p.m3u8", listed, 304));
      g_free (etag_of (d->port, id, "720p.m3u8", "\"nope\"", 200));
    }
    {
      g_autofree char *master = etag_of (d->port, id, "master.m3u8", NULL, 200);
      g_autofree char *mpd = etag_of (d->port, id, "manifest.mpd", NULL, 200);
      g_free (etag_of (d->port, id, "master.m3u8", master, 304));
      g_free (etag_of (d->port, id, "manifest.mpd", mpd, 304));
    }

    /* It plays from the start: ffmpeg decodes the done prefix (a playlist
     * without ENDLIST is live to ffmpeg, so start it at the first segment
     * and stop at the end of the prefix). */
    prefix = g_strdup_printf ("%d", first_segment_of (CHUNKS - 1) * SEGMENT_S - 1);
    {
      const char *argv[]
          = { "ffmpeg", "-nostdin", "-v",    "error", "-live_start_index", "0", "-i", url, "-t",
              prefix,   "-map",     "0:v:0", "-f",    "framemd5",          "-", NULL };
      g_auto (GStrv) lines = NULL;
      guint frames = 0;
      char *first = NULL;
      out = reel_test_run_ok (argv);
      lines = g_strsplit (out, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        if (lines[i][0] && lines[i][0] != '#')
          {
            if (!first)
              first = lines[i];
            frames++;
          }
      /* 9 s of 30 fps from the very first frame (framemd5: stream, dts, pts, ...). */
      g_assert_cmpuint (frames, >=, (first_segment_of (CHUNKS - 1) * SEGMENT_S - 1) * FPS - 1);
      g_assert_nonnull (first);
      {
        g_auto (GStrv) f = g_strsplit (first, ",", -1);
        g_assert_cmpuint (g_strv_length (f), >=, 3);
        g_assert_cmpstr (g_strstrip (f[2]), ==, "0");
      }
    }
  }
  /* Let the last chunk go: the video becomes ready and VOD. */
  g_assert_cmpint (g_unlink (hold), ==, 0);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_autofree char *media_pl = get_text (d->port, id, "720p.m3u8");
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_nonnull (strstr (media_pl, "#EXT-X-PLAYLIST-TYPE:VOD"));
    g_assert_nonnull (strstr (media_pl, "#EXT-X-ENDLIST"));
    /* The last chunk changed the playlist: the old tag gets the new text. */
    {
      g_autofree char *now = etag_of (d->port, id, "720p.m3u8", prefix_etag, 200);
      g_assert_cmpstr (now, !=, prefix_etag);
      g_free (etag_of (d->port, id, "720p.m3u8", now, 304));
    }
    /* Segments: 304 on their tag, Range slices byte-exact. */
    {
      g_autofree char *path = g_strdup_printf ("/videos/%s/720p/1.m4s", id);
      g_autoptr (ReelTestResponse) whole = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
      const char *range[] = { "Range", "bytes=100-1099", NULL };
      g_autoptr (ReelTestResponse) part
          = reel_test_http_full (d->port, "GET", path, NULL, range, NULL, NULL, 0);
      g_assert_cmpuint (whole->status, ==, 200);
      g_assert_cmpuint (whole->body_len, >, 1100);
      g_assert_cmpuint (part->status, ==, 206);
      g_assert_cmpuint (part->body_len, ==, 1000);
      g_assert_true (memcmp (part->body, whole->body + 100, 1000) == 0);
      {
        const char *inm[] = { "If-None-Match", reel_test_header (whole, "ETag"), NULL };
        g_autoptr (ReelTestResponse) again
            = reel_test_http_full (d->port, "GET", path, NULL, inm, NULL, NULL, 0);
        g_assert_cmpuint (again->status, ==, 304);
      }
    }
    /* Deleted: its playlists are gone at once, cached or not. */
    {
      g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", id);
      g_autofree char *path = g_strdup_printf ("/videos/%s/720p.m3u8", id);
      g_autoptr (ReelTestResponse) del = reel_test_http (d->port, "DELETE", rec, token, NULL, 0);
      g_autoptr (ReelTestResponse) gone = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (del->status, ==, 204);
      g_assert_cmpuint (gone->status, ==, 404);
    }
  }
  held_stop (&h);
}

/* The first chunk holds the rungs up to media.first_chunk_max_height (360
 * lines by default), so a video plays after little work; the second chunk
 * encodes the taller rungs from the video's start. Until it is done, the
 * playlists offer only the rungs that play from the start, and once it is,
 * every rung from the first segment on, the early ones unchanged. */
static void
test_first_chunk (void)
{
  Held h = { 0 };
  ReelTestReeld *d;
  const char *id, *hold;
  g_autofree char *early_tag = NULL;

  /* Two chunks: segment 0, then segments 1 to 5 (the last, held). */
  held_start (&h, "hold-last-chunk", NULL, "[media]\nchunk_segments = 5\n", "paula",
              "Early and low");
  d = h.d, id = h.id, hold = h.hold;
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "playable|ready|failed", READY_TIMEOUT_S);
    g_autofree char *master = NULL, *mpd = NULL, *low = NULL, *audio = NULL;
    const char *late[] = { "720p", "480p" };
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
    master = get_text (d->port, id, "master.m3u8");
    mpd = get_text (d->port, id, "manifest.mpd");
    for (guint i = 0; i < 2; i++)
      {
        const char *early[] = { "360p", "240p" };
        g_autofree char *pl = g_strdup_printf ("%s.m3u8", early[i]);
        g_autofree char *seg = g_strdup_printf ("\n%s/0.m4s\n", early[i]);
        g_autofree char *text = get_text (d->port, id, pl);
        g_assert_nonnull (strstr (master, pl));
        g_assert_nonnull (strstr (mpd, early[i]));
        g_assert_nonnull (strstr (text, seg));
      }
    /* The late rungs are not offered, nor served, before they have a
     * segment. */
    for (guint i = 0; i < G_N_ELEMENTS (late); i++)
      {
        g_autofree char *tall = g_strdup_printf ("/videos/%s/%s.m3u8", id, late[i]);
        g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", tall, NULL, NULL, 0);
        g_assert_null (strstr (master, late[i]));
        g_assert_null (strstr (mpd, late[i]));
        g_assert_cmpuint (r->status, ==, 404);
      }
    /* The sound goes as far as the picture offered. */
    audio = get_text (d->port, id, "audio.m3u8");
    g_assert_nonnull (strstr (audio, "\naudio/0.m4s\n"));
    low = g_strdup ("240p/0.m4s");
    early_tag = etag_of (d->port, id, low, NULL, 200);
  }
  g_assert_cmpint (g_unlink (hold), ==, 0);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_autofree char *master = get_text (d->port, id, "master.m3u8");
    g_autofree char *tall = get_text (d->port, id, "720p.m3u8");
    g_autofree char *middle = get_text (d->port, id, "480p.m3u8");
    g_autofree char *url = url_of (d->port, id, "720p.m3u8");
    g_autoptr (GArray) frames = NULL;
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_nonnull (strstr (master, "720p.m3u8"));
    g_assert_nonnull (strstr (master, "480p.m3u8"));
    g_assert_nonnull (strstr (tall, "\n720p/0.m4s\n"));
    g_assert_nonnull (strstr (tall, "\n720p/5.m4s\n"));
    g_assert_nonnull (strstr (middle, "\n480p/0.m4s\n"));
    g_assert_nonnull (strstr (middle, "\n480p/5.m4s\n"));
    /* Every frame of the clip, from the first, without a gap at the
     * second chunk's start or its join with the low rungs' timeline. */
    frames = packets (url, "v");
    g_assert_cmpuint (frames->len, ==, CLIP_S * FPS);
    g_assert_cmpfloat (fabs (g_array_index (frames, Packet, 0).pts), <, FRAME_S / 2);
    g_assert_cmpfloat (fabs (assert_continuous (frames, FRAME_S, "720p") - CLIP_S), <, FRAME_S);
    /* The first chunk's segments were not written again. */
    g_free (etag_of (d->port, id, "240p/0.m4s", early_tag, 304));
  }
  held_stop (&h);
}

/* A long video's soundtrack takes seconds to encode: its head (the
 * segments up to the end of the first chunk) is announced while the rest is
 * encoded, and the video plays on it, the picture no further than the
 * sound. The whole soundtrack then replaces the head, with the same
 * segments, and the video is ready. */
static void
test_sound_head (void)
{
  Held h = { 0 };
  ReelTestReeld *d;
  const char *id, *hold;
  g_autofree char *seg_path = NULL;
  g_autoptr (ReelTestResponse) head_seg = NULL;

  held_start (&h, "hold-audio", NULL, NULL, "saul", "Sound first");
  d = h.d, id = h.id, hold = h.hold;
  seg_path = g_strdup_printf ("/videos/%s/audio/0.m4s", id);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "playable|ready|failed", READY_TIMEOUT_S);
    g_autofree char *pic = NULL, *sound = NULL;
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
    /* Every chunk of the picture is done; the sound is held. */
    while (progress_of (v, "chunks_done") < CHUNKS)
      {
        g_usleep (100 * 1000);
        g_clear_pointer (&v, reel_test_response_free);
        v = reel_test_wait_state (d->port, id, "playable", 10);
      }
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
    /* The head: two segments of sound (the first is 1.984 s after the
     * encoder's priming), so the picture's first segment only. */
    pic = get_text (d->port, id, "360p.m3u8");
    sound = get_text (d->port, id, "audio.m3u8");
    g_assert_nonnull (strstr (pic, "\n360p/0.m4s\n"));
    g_assert_null (strstr (pic, "360p/1.m4s"));
    g_assert_nonnull (strstr (sound, "\"audio/init-0.mp4\""));
    g_assert_nonnull (strstr (sound, "\naudio/1.m4s\n"));
    g_assert_null (strstr (sound, "audio/2.m4s"));
    head_seg = reel_test_http (d->port, "GET", seg_path, NULL, NULL, 0);
    g_assert_cmpuint (head_seg->status, ==, 200);
  }
  g_assert_cmpint (g_unlink (hold), ==, 0);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_autofree char *pic = get_text (d->port, id, "360p.m3u8");
    g_autofree char *sound = get_text (d->port, id, "audio.m3u8");
    g_autoptr (ReelTestResponse) seg = reel_test_http (d->port, "GET", seg_path, NULL, NULL, 0);
    g_autofree char *url = url_of (d->port, id, "audio.m3u8");
    g_autoptr (GArray) frames = NULL;
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_nonnull (strstr (pic, "\n360p/5.m4s\n"));
    /* The head's init segment serves the whole soundtrack: nothing a
     * player was given goes away, and no blob is left unnamed. */
    g_assert_nonnull (strstr (sound, "\"audio/init-0.mp4\""));
    {
      g_autofree char *files = list_blobs (h.dir, id, "audio");
      g_assert_null (strstr (files, "init.mp4"));
    }
    /* The head's segments are the whole soundtrack's, byte for byte. */
    g_assert_cmpuint (seg->status, ==, 200);
    g_assert_cmpmem (seg->body, seg->body_len, head_seg->body, head_seg->body_len);
    /* And the whole sound plays, as long as the picture. */
    frames = packets (url, "a");
    g_assert_cmpfloat (fabs (assert_continuous (frames, 1024.0 / 48000, "audio") - CLIP_S), <,
                       0.05);
  }
  held_stop (&h);
}

/* How many of the processes reeld started are stopped (paused). */
static guint
stopped_children (ReelTestReeld *d)
{
  g_auto (GStrv) kids = reel_test_children (d->proc);
  guint n = 0;
  for (guint i = 0; kids[i]; i++)
    n += reel_test_proc_state (kids[i]) == 'T';
  return n;
}

/* The first chunk before the background work: while a video's first
 * chunk is held in its child, its poster and seek previews wait (their
 * jobs are queued, and wait on the node: media/niceness.h), and the
 * soundtrack, once its head is out, is paused (its child stopped); once
 * the first chunk is done, all of them are made. The soundtrack is decoded
 * at real-time speed (media-slow), so it is still at work when its head
 * is out. */
static void
test_first_things_first (void)
{
  Held h = { 0 };
  ReelTestReeld *d;
  g_autofree char *path = NULL;

  held_start (&h, "hold-first-chunk", "media-slow:audio", NULL, "fay", "First things first");
  d = h.d;
  path = g_strdup_printf ("/api/v1/videos/%s", h.id);
  {
    /* The plan is there, so every job is queued. */
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, h.id, "processing", 30);
    while (progress_of (v, "chunks_total") == 0)
      {
        g_usleep (100 * 1000);
        g_clear_pointer (&v, reel_test_response_free);
        v = reel_test_wait_state (d->port, h.id, "processing", 10);
      }
  }
  /* The soundtrack's head is out, and the rest of it waits. */
  {
    g_autofree char *head
        = g_build_filename (h.dir, "blobs", "videos", h.id, "audio", "0.m4s", NULL);
    for (int i = 0; i < 300 && !g_file_test (head, G_FILE_TEST_EXISTS); i++)
      g_usleep (100 * 1000);
    g_assert_true (g_file_test (head, G_FILE_TEST_EXISTS));
  }
  {
    guint stopped = 0;
    for (int i = 0; i < 50 && !(stopped = stopped_children (d)); i++)
      g_usleep (100 * 1000);
    g_assert_cmpuint (stopped, ==, 1);
  }
  /* A poster of the 12 s clip takes well under this when it runs. */
  g_usleep (4 * G_USEC_PER_SEC);
  g_assert_cmpuint (stopped_children (d), ==, 1);
  {
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    JsonObject *o = json_node_get_object (v->json);
    g_assert_cmpuint (v->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "processing");
    g_assert_cmpint (progress_of (v, "chunks_done"), ==, 0);
    g_assert_false (json_object_has_member (o, "thumbnail"));
    g_assert_false (json_object_has_member (o, "storyboard"));
  }
  g_assert_cmpint (g_unlink (h.hold), ==, 0);
  {
    g_autoptr (ReelTestResponse) poster = wait_poster (d->port, h.id);
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, h.id, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_autofree char *sound = NULL;
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_cmpuint (stopped_children (d), ==, 0);
    /* The whole soundtrack: the 12 s clip's sixth segment. */
    sound = get_text (d->port, h.id, "audio.m3u8");
    g_assert_nonnull (strstr (sound, "\naudio/5.m4s\n"));
  }
  held_stop (&h);
}

static void
test_worker_killed (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config = write_config (dir, NULL);
  const char *api_args[] = { config, "--roles=api,projector,ingest", NULL };
  const char *worker_args[] = { config, "--roles=worker", NULL };
  const char *dying_env[] = { "REEL_TEST_FAULT=kill-in-chunk:1", NULL };
  ReelTestReeld *api = reel_test_reeld_start_args (dir, nats->url, NULL, api_args);
  /* Workers share the blob store with the API node (as they would share an
   * S3 bucket); the first one dies while it stores chunk 1. */
  ReelTestReeld *dying = reel_test_reeld_spawn_args (dir, nats->url, dying_env, worker_args);
  g_autofree char *token = reel_test_register_login (api->port, "kim", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (api->port, token, clip, "Survivor");
  g_autoptr (GPtrArray) log = NULL;
  guint64 last;

  g_assert_cmpint (reel_test_reeld_wait_killed (dying), ==, SIGKILL);
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (api->port, id, "processing|playable", 5);
    g_assert_cmpint (progress_of (v, "chunks_done"), <, CHUNKS);
  }
  /* Another worker takes over; chunk 1 comes back to the queue once the
   * dead worker's ack wait has passed. */
  ReelTestReeld *worker = reel_test_reeld_spawn_args (dir, nats->url, NULL, worker_args);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (api->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* One copy of each segment: 6 media segments per rung, one init per
   * chunk that holds the rung (the first chunk leaves the late 720p out),
   * nothing else (no temporary files, no duplicates). */
  {
    g_autofree char *files = list_blobs (dir, id, "720p");
    g_autofree char *low = list_blobs (dir, id, "360p");
    g_assert_cmpstr (files, ==,
                     "0.m4s 1.m4s 2.m4s 3.m4s 4.m4s 5.m4s init-1.mp4 init-2.mp4 init-3.mp4");
    g_assert_cmpstr (low, ==,
                     "0.m4s 1.m4s 2.m4s 3.m4s 4.m4s 5.m4s init-0.mp4 init-1.mp4 "
                     "init-2.mp4 init-3.mp4");
    g_autofree char *pl = get_text (api->port, id, "720p.m3u8");
    for (guint s = 0; s < SEGMENTS; s++)
      {
        g_autofree char *line = g_strdup_printf ("\n720p/%u.m4s\n", s);
        const char *at = strstr (pl, line);
        g_assert_nonnull (at);
        g_assert_null (strstr (at + 1, line));
      }
    g_autofree char *url = url_of (api->port, id, "master.m3u8");
    reel_test_assert_decodes (url);
  }
  /* The log says each chunk was done once: the dying worker never
   * announced chunk 1, its successor did. */
  log = reel_test_event_log (nats->url, &last);
  {
    guint done[CHUNKS] = { 0 };
    for (guint i = 0; i < log->len; i++)
      {
        g_autoptr (JsonParser) p = json_parser_new ();
        JsonObject *ev;
        g_assert_true (json_parser_load_from_data (p, log->pdata[i], -1, NULL));
        ev = json_node_get_object (json_parser_get_root (p));
        if (g_str_equal (json_object_get_string_member (ev, "type"), "chunk.transcoded"))
          {
            gint64 c
                = json_object_get_int_member (json_object_get_object_member (ev, "data"), "chunk");
            g_assert_cmpint (c, >=, 0);
            g_assert_cmpint (c, <, CHUNKS);
            done[c]++;
          }
      }
    for (guint c = 0; c < CHUNKS; c++)
      g_assert_cmpuint (done[c], ==, 1);
  }
  reel_test_validate_events (log);

  g_assert_cmpint (reel_test_reeld_stop (worker), ==, 0);
  g_assert_cmpint (reel_test_reeld_stop (api), ==, 0);
  reel_test_reeld_free (worker);
  reel_test_reeld_free (dying);
  reel_test_reeld_free (api);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
test_gives_up (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = reel_test_make_media (
      media, "short.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *config = write_config (dir, "max_attempts = 2\n");
  const char *env[] = { "REEL_TEST_FAULT=fail-chunks", NULL };
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, env, args);
  g_autofree char *token = reel_test_register_login (d->port, "gil", PASSWORD);
  g_autofree char *id = reel_test_upload (d->port, token, clip, "Doomed");
  g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "failed|ready", 120);
  g_autoptr (ReelTestResponse) health = NULL;

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "failed");
  /* The reason, as the uploader sees it. */
  g_assert_nonnull (strstr (reel_test_json_str (v, "error"), "injected failure"));
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_given_up_total{kind=\"chunk\"}"), ==, 1);
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_retried_total{kind=\"chunk\"}"), ==, 1);
  health = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
test_corrupt_alongside (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *good = reel_test_make_media (
      media, "good.mp4",
      "videotestsrc pattern=ball num-buffers=150 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *bad = g_build_filename (media, "bad.mp4", NULL);
  g_autofree char *config = write_config (dir, NULL);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "cora", PASSWORD);
  g_autofree char *data = NULL;
  gsize len;

  /* The good file cut short: no index, so nothing playable. */
  g_assert_true (g_file_get_contents (good, &data, &len, NULL));
  g_assert_true (g_file_set_contents (bad, data, (gssize)len / 3, NULL));
  g_autofree char *id_bad = reel_test_upload (d->port, token, bad, "broken");
  g_autofree char *id_good = reel_test_upload (d->port, token, good, "fine");
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id_bad, "failed|ready", 120);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "failed");
    g_assert_nonnull (strstr (reel_test_json_str (v, "error"), "not a video reel can read"));
  }
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id_good, "failed|ready", 120);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  {
    g_autoptr (ReelTestResponse) h = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
    g_assert_cmpuint (h->status, ==, 200);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* The pid of the reel-media --warm that reeld keeps waiting (named so
 * until it takes a request), or NULL. */
static char *
warm_child (ReelTestReeld *d)
{
  g_auto (GStrv) kids = reel_test_children (d->proc);
  for (guint i = 0; kids[i]; i++)
    {
      g_autofree char *comm = reel_test_proc_name (kids[i]);
      if (g_strcmp0 (comm, "reel-media-warm") == 0)
        return g_strdup (kids[i]);
    }
  return NULL;
}

static char *
wait_warm_child (ReelTestReeld *d)
{
  char *pid = NULL;
  for (int i = 0; i < 200 && !(pid = warm_child (d)); i++)
    g_usleep (50 * 1000);
  return pid;
}

static void
test_warm_child (void)
{
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  for (int on = 1; on >= 0; on--)
    {
      g_autofree char *dir = reel_test_tmpdir ();
      g_autofree char *config = write_config (dir, on ? NULL : "[media]\nwarm_child = false\n");
      const char *args[] = { config, NULL };
      ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
      g_autofree char *token = reel_test_register_login (d->port, "wes", PASSWORD);
      g_autofree char *before = on ? wait_warm_child (d) : warm_child (d);
      g_autofree char *id = NULL;

      g_assert_true (on ? before != NULL : before == NULL);
      id = reel_test_upload (d->port, token, clip, "Warm");
      {
        g_autoptr (ReelTestResponse) v
            = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
        g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
      }
      if (on)
        {
          /* The one that waited took the upload's first request and ended;
           * another waits. */
          g_autofree char *proc = g_strdup_printf ("/proc/%s", before);
          g_autofree char *after = wait_warm_child (d);
          g_assert_nonnull (after);
          g_assert_cmpstr (after, !=, before);
          g_assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));
        }
      else
        g_assert_null (warm_child (d));
      g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
      reel_test_reeld_free (d);
      reel_test_rmtree (dir);
    }
  reel_test_rmtree (media);
}

static void
test_paths (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = reel_test_make_media (
      media, "small.mp4",
      "videotestsrc num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *config = write_config (dir, NULL);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "pat", PASSWORD);
  g_autofree char *id = reel_test_upload (d->port, token, clip, "paths");
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state (d->port, id, "ready|failed", REEL_TEST_READY_WAIT_S);
  g_autofree char *secret = g_build_filename (dir, "secret.txt", NULL);
  g_autofree char *seg_path = g_strdup_printf ("/videos/%s/240p/0.m4s", id);
  const char *templates[] = {
    "/videos/%s/240p/../../../../secret.txt",
    "/videos/%s/240p/..%%2F..%%2F..%%2F..%%2Fsecret.txt",
    "/videos/%s/..%%2F..%%2F..%%2Fsecret.txt/0.m4s",
    "/videos/%s/%%2e%%2e/%%2e%%2e/0.m4s",
    "/videos/%s/240p/%%2e%%2e%%2f%%2e%%2e%%2fsecret.txt",
    "/videos/%s/240p/0.m4s%%00.txt",
    "/videos/%s/240p/99999.m4s",
    "/videos/%s/1080p/0.m4s",
    "/videos/%s/240p/..",
    "/videos/%s/../../secret.txt",
    "/videos/%s/%%2F/etc/passwd",
    "/videos/%s/240p/%%2Fetc%%2Fpasswd",
    "/videos/%s/original",
    "/videos/%s/secret.m3u8",
    "/videos/..%%2F..%%2Fsecret.txt/master.m3u8",
    "/videos/AAAAAAAAAAA/master.m3u8",
    "/videos/AAAAAAAAAAA/240p/0.m4s",
    "/videos/%s",
  };

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  g_assert_true (g_file_set_contents (secret, "root:secret", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autofree char *path = g_strdup_printf (templates[i], id);
      g_autofree char *body = NULL;
      guint status = reel_test_raw_get (d->port, path, &body);
      if (status != 404)
        g_error ("GET %s answered %u", path, status);
      g_assert_null (strstr (body, "root:"));
    }
  /* The real segment: long caching, an ETag that revalidates, ranges. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", seg_path, NULL, NULL, 0);
    const char *etag;
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_nonnull (strstr (reel_test_header (r, "Cache-Control"), "max-age=31536000"));
    g_assert_cmpstr (reel_test_header (r, "Access-Control-Allow-Origin"), ==, "*");
    etag = reel_test_header (r, "ETag");
    g_assert_nonnull (etag);
    {
      const char *h[] = { "If-None-Match", etag, NULL };
      g_autoptr (ReelTestResponse) again
          = reel_test_http_full (d->port, "GET", seg_path, NULL, h, NULL, NULL, 0);
      g_assert_cmpuint (again->status, ==, 304);
    }
    {
      const char *h[] = { "Range", "bytes=4-11", NULL };
      g_autoptr (ReelTestResponse) part
          = reel_test_http_full (d->port, "GET", seg_path, NULL, h, NULL, NULL, 0);
      g_autofree char *range = NULL;
      g_assert_cmpuint (part->status, ==, 206);
      range = g_strdup_printf (
          "bytes 4-11/%zu",
          (gsize)g_ascii_strtoull (reel_test_header (r, "Content-Length"), NULL, 10));
      g_assert_cmpstr (reel_test_header (part, "Content-Range"), ==, range);
      g_assert_cmpmem (part->body, 4, "moof", 4);
    }
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/transcode/ladder", test_ladder);
  g_test_add_func ("/transcode/progressive", test_progressive);
  g_test_add_func ("/transcode/first-chunk", test_first_chunk);
  g_test_add_func ("/transcode/sound-head", test_sound_head);
  g_test_add_func ("/transcode/first-things-first", test_first_things_first);
  g_test_add_func ("/transcode/vp9", test_vp9);
  g_test_add_func ("/transcode/copy", test_copy);
  g_test_add_func ("/transcode/retranscode", test_retranscode);
  g_test_add_func ("/transcode/retranscode-failed", test_retranscode_failed);
  g_test_add_func ("/transcode/worker-killed", test_worker_killed);
  g_test_add_func ("/transcode/gives-up", test_gives_up);
  g_test_add_func ("/transcode/corrupt-alongside", test_corrupt_alongside);
  g_test_add_func ("/transcode/warm-child", test_warm_child);
  g_test_add_func ("/playback/paths", test_paths);
  return g_test_run ();
}
