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
 *   /transcode/hdr          an HLG upload (10-bit HEVC, as phones record)
 *                           plays as SDR: every rung tagged BT.709, its
 *                           picture tone-mapped (reeltonemap), not the HLG
 *                           signal read as SDR (transcode_colour.c)
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
 *                           answer Range, ETag and long caching
 *
 * One binary: progressive, first-chunk, sound-head and first-things-first
 * are in transcode_progress.c, the re-transcodes in transcode_sets.c,
 * worker-killed, gives-up and corrupt-alongside in transcode_failures.c;
 * what they share in transcode_common.h. */
#include "transcode_common.h"

#include <glib/gstdio.h>
#include <math.h>

/* In transcode_progress.c, transcode_sets.c and transcode_failures.c. */
void test_progressive (void);
void test_first_chunk (void);
void test_sound_head (void);
void test_first_things_first (void);
void test_retranscode (void);
void test_retranscode_failed (void);
void test_hdr (void);
void test_worker_killed (void);
void test_gives_up (void);
void test_corrupt_alongside (void);

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
  g_test_add_func ("/transcode/hdr", test_hdr);
  g_test_add_func ("/transcode/retranscode", test_retranscode);
  g_test_add_func ("/transcode/retranscode-failed", test_retranscode_failed);
  g_test_add_func ("/transcode/worker-killed", test_worker_killed);
  g_test_add_func ("/transcode/gives-up", test_gives_up);
  g_test_add_func ("/transcode/corrupt-alongside", test_corrupt_alongside);
  g_test_add_func ("/transcode/warm-child", test_warm_child);
  g_test_add_func ("/playback/paths", test_paths);
  return g_test_run ();
}
