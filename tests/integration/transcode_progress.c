/* The tests of test-transcode (see test_transcode.c) that hold a job to
 * look at a video on its way: /transcode/progressive, first-chunk,
 * sound-head and first-things-first. */
#include "transcode_common.h"

#include <glib/gstdio.h>
#include <math.h>

void test_progressive (void);
void test_first_chunk (void);
void test_sound_head (void);
void test_first_things_first (void);

void
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
void
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
void
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
void
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
