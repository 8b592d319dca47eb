/* See transcode_common.h. */
#include "transcode_common.h"

#include <math.h>

/* The first segment of chunk c, and the number of its segments. */
guint
first_segment_of (guint c)
{
  return c == 0 ? 0 : 1 + (c - 1) * CHUNK_SEGMENTS;
}

guint
segments_of (guint c)
{
  return MIN (c == 0 ? 1 : CHUNK_SEGMENTS, SEGMENTS - first_segment_of (c));
}

/* A 1280x720 30 fps clip with a moving ball, a visible timecode and a tone,
 * sound exactly as long as the picture (48 kHz, 960 samples per buffer: 50
 * buffers a second). Not wave=ticks: under meson's MALLOC_PERTURB_,
 * audiotestsrc's ticks into avenc_aac lose up to half a second of sound
 * (GStreamer 1.22; a wave=sine source is unaffected). */
char *
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
char *
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

char *
url_of (guint16 port, const char *id, const char *file)
{
  return g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s", port, id, file);
}

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
GArray *
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
gboolean
reordered (GArray *a)
{
  for (guint i = 0; i < a->len; i++)
    if (g_array_index (a, Packet, i).decode_index != i)
      return TRUE;
  return FALSE;
}

/* No gap over one frame and no overlap between consecutive packets;
 * returns the end of the last one. */
double
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

char *
get_text (guint16 port, const char *id, const char *file)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, file);
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (r->body);
}

/* GETs /videos/{id}/{file} with If-None-Match (NULL: none), asserts the
 * status, and returns the ETag answered. */
char *
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

/* The video's metadata once it names its poster (made by its own job,
 * which may finish after the chunks). */
ReelTestResponse *
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

/* Every rung named (of any codec, encoded or copied): each frame of the
 * clip once, continuous over the chunk joins, the clip's length, and a
 * keyframe at each segment boundary and nowhere else, at the same
 * instants in every rung (a player can switch at any boundary). */
void
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

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

/* The files under DIR/blobs/videos/ID/RENDITION, sorted. */
char *
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

void
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

void
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

gint64
progress_of (ReelTestResponse *r, const char *member)
{
  JsonObject *p = json_object_get_object_member (json_node_get_object (r->json), "progress");
  return json_object_get_int_member (p, member);
}
