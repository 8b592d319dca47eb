/* Integration tests of thumbnails and seek previews (issue 14, acceptance
 * 2) on one real nats-server and reeld, with a clip made at test time:
 *
 *   /thumbnails/storyboard  a ready video gets a storyboard: its record
 *                           names the track and the sprite, the sprite is a
 *                           JPEG, the track's cues run from 0 to the
 *                           duration without gaps and each names a region
 *                           inside the sprite; the signed routes serve it
 *   /thumbnails/frame       PATCH thumbnail_time makes a new poster from that
 *                           frame: the record's thumbnail gets a new URL with
 *                           new bytes, and poster.jpg, the channel's RSS
 *                           feed and oEmbed all give the new one; a frame
 *                           past the end is 400, another user's PATCH 403
 *   /thumbnails/upload      PUT of a PNG made here replaces the poster with a
 *                           JPEG (not the PNG sent) at the poster's size,
 *                           everywhere; the old name is 404; a corrupt image
 *                           or a foreign type is 400, another user 403,
 *                           no login 401, an image over the limit 413
 *   /thumbnails/events      every event in the log matches its schema
 * The tests build on each other in this order (run the whole program). */
#include "harness.h"

#include <math.h>
#include <stdio.h>

static const char *PASSWORD = "correct horse battery";
/* 25 s: 13 tiles at the 2 s minimum interval, so the sheet has two rows. */
#define CLIP_SECONDS 25
#define CLIP_FPS 5 /* 125 frames */

static struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  char *dir, *media, *config, *clip;
  char *amy, *bob; /* tokens */
  char *v1;
} S;

static ReelTestResponse *
get (const char *path, const char *token)
{
  return reel_test_get_status (S.d->port, path, token, 200);
}

static JsonObject *
obj (ReelTestResponse *r)
{
  g_assert_nonnull (r->json);
  return json_node_get_object (r->json);
}

/* The record of id as token sees it once it has member (a storyboard or
 * poster is made beside the transcode, not before ready). */
static ReelTestResponse *
wait_member (const char *id, const char *token, const char *member)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  for (guint i = 0; i < 1200; i++)
    {
      ReelTestResponse *r = get (path, token);
      if (json_object_has_member (obj (r), member))
        return r;
      reel_test_response_free (r);
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_error ("video %s never got %s", id, member);
}

/* The size a JPEG declares in its first start-of-frame marker. */
static void
jpeg_size (const guint8 *p, gsize len, guint *width, guint *height)
{
  gsize i = 2;
  g_assert_cmpuint (len, >, 4);
  g_assert_true (p[0] == 0xFF && p[1] == 0xD8); /* SOI */
  while (i + 9 < len)
    {
      guint8 marker;
      gsize seg;
      g_assert_cmpuint (p[i], ==, 0xFF);
      marker = p[i + 1];
      seg = ((gsize)p[i + 2] << 8) | p[i + 3];
      /* SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC). */
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
        {
          *height = ((guint)p[i + 5] << 8) | p[i + 6];
          *width = ((guint)p[i + 7] << 8) | p[i + 8];
          return;
        }
      i += 2 + seg;
    }
  g_error ("no start-of-frame marker in the JPEG");
}

/* "HH:MM:SS.mmm" in ms. */
static gint64
vtt_time (const char *s)
{
  guint h, m, sec, ms;
  g_assert_cmpint (sscanf (s, "%u:%u:%u.%u", &h, &m, &sec, &ms), ==, 4);
  return (((gint64)h * 60 + m) * 60 + sec) * 1000 + ms;
}

/* The path part of an absolute or relative URL the API gave. */
static const char *
path_of (const char *url)
{
  const char *p = strstr (url, "://");
  return p ? strchr (p + 3, '/') : url;
}

static void
set_up (void)
{
  g_autofree char *arg = NULL;
  const char *text = "[media]\nladder = 240p:240:300\nx264_preset = ultrafast\n"
                     "[uploads]\nthumbnail_max_bytes = 65536\n";
  S.nats = reel_test_nats_start ();
  S.dir = reel_test_tmpdir ();
  S.media = reel_test_tmpdir ();
  S.config = g_build_filename (S.media, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (S.config, text, -1, NULL));
  arg = g_strdup_printf ("--config=%s", S.config);
  S.d = reel_test_reeld_start_args (S.dir, S.nats->url, NULL, (const char *[]){ arg, NULL });
  S.amy = reel_test_register_login (S.d->port, "amy", PASSWORD);
  S.bob = reel_test_register_login (S.d->port, "bob", PASSWORD);
  /* A moving ball: every tile differs. 16:9 like most videos. */
  S.clip = reel_test_make_media (
      S.media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=125"
      " ! video/x-raw,width=320,height=180,framerate=" G_STRINGIFY (
          CLIP_FPS) "/1 "
                    "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  S.v1 = reel_test_upload (S.d->port, S.amy, S.clip, "Storyboarded");
  g_autoptr (ReelTestResponse) a = reel_test_wait_state (S.d->port, S.v1, "ready", 180);
}

static void
tear_down (void)
{
  if (S.d)
    {
      reel_test_reeld_stop (S.d);
      reel_test_reeld_free (S.d);
    }
  reel_test_nats_stop (S.nats);
  reel_test_rmtree (S.dir);
  reel_test_rmtree (S.media);
}

/* --- storyboard --- */

/* Checks the track at vtt_path against the sprite at sprite_path and the
 * video's duration; returns the number of cues. */
static guint
check_storyboard (const char *vtt_path, const char *sprite_path, double duration_s)
{
  g_autoptr (ReelTestResponse) vtt = get (vtt_path, NULL);
  g_autoptr (ReelTestResponse) sprite = get (sprite_path, NULL);
  g_auto (GStrv) lines = NULL;
  guint sw = 0, sh = 0, cues = 0;
  gint64 last_end = 0, interval = -1;

  g_assert_true (g_str_has_prefix (reel_test_header (sprite, "content-type"), "image/jpeg"));
  jpeg_size ((const guint8 *)sprite->body, sprite->body_len, &sw, &sh);
  g_assert_true (g_str_has_prefix (reel_test_header (vtt, "content-type"), "text/vtt"));
  g_assert_true (g_str_has_prefix (vtt->body, "WEBVTT\n"));
  lines = g_strsplit (vtt->body, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *arrow = strstr (lines[i], " --> ");
      guint x, y, w, h;
      gint64 start, end;
      if (!arrow)
        continue;
      *arrow = '\0';
      start = vtt_time (lines[i]);
      end = vtt_time (arrow + 5);
      /* Contiguous from 0, each cue a positive span. */
      g_assert_cmpint (start, ==, last_end);
      g_assert_cmpint (end, >, start);
      if (interval < 0)
        interval = end - start;
      last_end = end;
      g_assert_nonnull (lines[i + 1]);
      g_assert_cmpint (sscanf (lines[i + 1], "storyboard.jpg#xywh=%u,%u,%u,%u", &x, &y, &w, &h), ==,
                       4);
      g_assert_cmpuint (w, >, 0);
      g_assert_cmpuint (h, >, 0);
      g_assert_cmpuint (x + w, <=, sw);
      g_assert_cmpuint (y + h, <=, sh);
      cues++;
    }
  g_assert_cmpuint (cues, >, 1);
  /* The last cue ends at the duration (to the millisecond, give or take
   * one interval for a container's rounding). */
  g_assert_cmpfloat (fabs (last_end / 1000.0 - duration_s), <=, interval / 1000.0);
  return cues;
}

static void
test_storyboard (void)
{
  g_autoptr (ReelTestResponse) r = wait_member (S.v1, S.amy, "storyboard");
  JsonObject *sb = json_object_get_object_member (obj (r), "storyboard");
  double duration = json_object_get_double_member (obj (r), "duration");
  const char *vtt = json_object_get_string_member (sb, "vtt");
  const char *sprite = json_object_get_string_member (sb, "sprite");
  guint cues;

  g_assert_cmpfloat (fabs (duration - CLIP_SECONDS), <, 1);
  cues = check_storyboard (path_of (vtt), path_of (sprite), duration);
  /* One tile every 2 s (the minimum interval) over 25 s. */
  g_assert_cmpuint (cues, ==, (CLIP_SECONDS + 1) / 2);
  /* Anyone may see a public video's storyboard, with its CORS header. */
  {
    g_autoptr (ReelTestResponse) anon = get (path_of (vtt), NULL);
    g_assert_cmpstr (reel_test_header (anon, "access-control-allow-origin"), ==, "*");
  }
}

/* --- custom thumbnails --- */

static ReelTestResponse *
request (const char *method, const char *path, const char *token, const char *type,
         const void *body, gsize len)
{
  return reel_test_http_full (S.d->port, method, path, token, NULL, type, body, len);
}

static char *
thumbnail_of (const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autoptr (ReelTestResponse) r = get (path, S.amy);
  return g_strdup (path_of (json_object_get_string_member (obj (r), "thumbnail")));
}

/* The record's thumbnail once it is no longer old. */
static char *
wait_new_thumbnail (const char *id, const char *old)
{
  for (guint i = 0; i < 1200; i++)
    {
      char *t = thumbnail_of (id);
      if (g_strcmp0 (t, old) != 0)
        return t;
      g_free (t);
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_error ("the thumbnail of %s never changed from %s", id, old);
}

/* Asserts that the list at list_path shows id with thumbnail and a small
 * poster of the same name, 320 wide, served. */
static void
assert_small_follows (const char *id, const char *thumbnail, const char *list_path)
{
  g_autofree char *stem = g_strndup (thumbnail, strlen (thumbnail) - strlen (".jpg"));
  /* Lists follow the log by a moment (their projection). */
  for (guint tries = 0; tries < 100; tries++, g_usleep (G_USEC_PER_SEC / 10))
    {
      g_autoptr (ReelTestResponse) list = get (list_path, NULL);
      JsonArray *items = json_object_get_array_member (obj (list), "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          const char *small;
          guint w = 0, h = 0;
          if (g_strcmp0 (json_object_get_string_member (item, "id"), id) != 0
              || !json_object_has_member (item, "thumbnail_small")
              || g_strcmp0 (path_of (json_object_get_string_member (item, "thumbnail")), thumbnail)
                     != 0)
            continue;
          small = path_of (json_object_get_string_member (item, "thumbnail_small"));
          /* Named after the poster it was made from. */
          g_assert_true (g_str_has_suffix (small, "-small.jpg"));
          g_assert_nonnull (strstr (small, strrchr (stem, '/') + 1));
          {
            g_autoptr (ReelTestResponse) r = get (small, NULL);
            jpeg_size ((const guint8 *)r->body, r->body_len, &w, &h);
            g_assert_cmpuint (w, ==, 320);
            g_assert_cmpuint (h, ==, 180);
          }
          return;
        }
    }
  g_error ("%s never listed %s with the poster %s and a small one", list_path, id, thumbnail);
}

/* Asserts that everywhere a poster is named for id shows the one at
 * thumbnail (a path), whose bytes are want: poster.jpg, the channel's RSS
 * feed (media:thumbnail) and oEmbed. */
static void
assert_poster_everywhere (const char *id, const char *thumbnail, GBytes *want)
{
  g_autofree char *plain = g_strdup_printf ("/videos/%s/poster.jpg", id);
  g_autoptr (ReelTestResponse) p = get (plain, NULL);
  g_autoptr (ReelTestResponse) rss = get ("/feeds/channels/amy/rss", NULL);
  g_autofree char *watch = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", S.d->port, id);
  g_autofree char *escaped = g_uri_escape_string (watch, NULL, FALSE);
  g_autofree char *oembed_path = g_strdup_printf ("/api/v1/oembed?url=%s", escaped);
  g_autoptr (ReelTestResponse) oembed = get (oembed_path, NULL);
  g_autofree char *in_feed
      = g_strdup_printf ("<media:thumbnail url=\"http://127.0.0.1:%u%s\"/>", S.d->port, thumbnail);
  g_autoptr (GBytes) got = g_bytes_new (p->body, p->body_len);

  g_assert_true (g_bytes_equal (got, want));
  /* poster.jpg changed under the same URL: caches must ask again. */
  g_assert_null (strstr (reel_test_header (p, "cache-control"), "immutable"));
  if (!strstr (rss->body, in_feed))
    g_printerr ("feed: %s\nwanted %s\n", rss->body, in_feed);
  g_assert_nonnull (strstr (rss->body, in_feed));
  g_assert_cmpstr (path_of (json_object_get_string_member (obj (oembed), "thumbnail_url")), ==,
                   thumbnail);
  assert_small_follows (id, thumbnail, "/api/v1/videos");
  assert_small_follows (id, thumbnail, "/api/v1/users/amy/videos");
}

static GBytes *
fetch (const char *path)
{
  g_autoptr (ReelTestResponse) r = get (path, NULL);
  g_assert_true (g_str_has_prefix (reel_test_header (r, "content-type"), "image/jpeg"));
  return g_bytes_new (r->body, r->body_len);
}

static void
test_frame (void)
{
  g_autofree char *first = NULL, *chosen = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", S.v1);
  g_autoptr (GBytes) before = NULL, after = NULL;
  const char *body = "{\"thumbnail_time\": 20.5}";

  g_autoptr (ReelTestResponse) w = wait_member (S.v1, S.amy, "thumbnail");
  first = thumbnail_of (S.v1);
  g_assert_true (g_str_has_suffix (first, "/poster.jpg"));
  before = fetch (first);
  /* The first poster comes in the small size too. */
  assert_small_follows (S.v1, first, "/api/v1/videos");
  /* Not someone else's, not past the end, not a word. */
  {
    g_autoptr (ReelTestResponse) r = request ("PATCH", path, S.bob, NULL, body, strlen (body));
    g_assert_cmpuint (r->status, ==, 403);
  }
  {
    const char *late = "{\"thumbnail_time\": 99}";
    g_autoptr (ReelTestResponse) r = request ("PATCH", path, S.amy, NULL, late, strlen (late));
    g_assert_cmpuint (r->status, ==, 400);
  }
  {
    const char *word = "{\"thumbnail_time\": \"soon\"}";
    g_autoptr (ReelTestResponse) r = request ("PATCH", path, S.amy, NULL, word, strlen (word));
    g_assert_cmpuint (r->status, ==, 400);
  }
  {
    g_autoptr (ReelTestResponse) r = request ("PATCH", path, S.amy, NULL, body, strlen (body));
    if (r->status != 204)
      g_printerr ("PATCH: %u %s\n", r->status, r->body);
    g_assert_cmpuint (r->status, ==, 204);
  }
  chosen = wait_new_thumbnail (S.v1, first);
  g_assert_nonnull (strstr (chosen, "/posters/poster-"));
  after = fetch (chosen);
  /* Another frame (the ball has moved): other bytes. */
  g_assert_false (g_bytes_equal (before, after));
  {
    g_autoptr (ReelTestResponse) r = get (chosen, NULL);
    g_assert_nonnull (strstr (reel_test_header (r, "cache-control"), "immutable"));
  }
  assert_poster_everywhere (S.v1, chosen, after);
  /* The video itself still plays, and is still the owner's record. */
  {
    g_autoptr (ReelTestResponse) r = get (path, S.amy);
    g_assert_cmpstr (json_object_get_string_member (obj (r), "state"), ==, "ready");
  }
}

static void
test_upload (void)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/thumbnail", S.v1);
  g_autofree char *old = thumbnail_of (S.v1), *now = NULL, *png_path = NULL, *png = NULL;
  g_autofree char *oembed_path = NULL, *watch = NULL, *escaped = NULL;
  g_autoptr (GBytes) served = NULL;
  gsize png_len;
  guint w = 0, h = 0;

  /* An image made here: 640x480 colour bars, PNG. */
  png_path = reel_test_make_media (
      S.media, "thumb.png",
      "videotestsrc pattern=smpte num-buffers=1 ! video/x-raw,width=640,height=480 "
      "! pngenc ! filesink location=%s");
  g_assert_true (g_file_get_contents (png_path, &png, &png_len, NULL));
  {
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.bob, "image/png", png, png_len);
    g_assert_cmpuint (r->status, ==, 403);
  }
  {
    g_autoptr (ReelTestResponse) r = request ("PUT", path, NULL, "image/png", png, png_len);
    g_assert_cmpuint (r->status, ==, 401);
  }
  /* Not an image of the type it claims: refused, with the reason. */
  {
    g_autofree char *junk = g_strnfill (4096, 'x');
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.amy, "image/png", junk, 4096);
    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (reel_test_error_code (r), ==, "invalid_request");
    g_assert_nonnull (strstr (r->body, "could not be decoded"));
  }
  {
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.amy, "image/jpeg", png, png_len);
    g_assert_cmpuint (r->status, ==, 400);
  }
  {
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.amy, "text/plain", png, png_len);
    g_assert_cmpuint (r->status, ==, 400);
  }
  /* A decompression bomb: 58 KB of PNG whose header claims 30000x30000
   * pixels (900 MB decoded), refused when its header is read. */
  {
    g_autofree char *bomb_path = g_build_filename (S.media, "bomb.png", NULL);
    g_autofree char *bomb = NULL;
    gsize bomb_len;
    const char *argv[]
        = { reel_test_env ("REEL_TEST_PYTHON"), "-c",
            "import sys, zlib, struct\n"
            "def chunk(t, d):\n"
            "    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))\n"
            "w = h = 30000\n"
            "png = (b'\\x89PNG\\r\\n\\x1a\\n'\n"
            "       + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))\n"
            "       + chunk(b'IDAT', zlib.compress(b'\\0' * (w + 1) * 2000, 9))\n"
            "       + chunk(b'IEND', b''))\n"
            "open(sys.argv[1], 'wb').write(png)\n",
            bomb_path, NULL };
    int status;
    g_free (reel_test_run (argv, &status));
    g_assert_cmpint (status, ==, 0);
    g_assert_true (g_file_get_contents (bomb_path, &bomb, &bomb_len, NULL));
    g_assert_cmpuint (bomb_len, <, 64 * 1024);
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.amy, "image/png", bomb, bomb_len);
    g_assert_cmpuint (r->status, ==, 400);
    g_assert_nonnull (strstr (r->body, "images up to 12000x12000 are accepted"));
  }
  /* Over uploads.thumbnail_max_bytes (set to 64 KiB here). */
  {
    gsize big = 65 * 1024;
    g_autofree char *huge = g_malloc0 (big);
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.amy, "image/png", huge, big);
    g_assert_cmpuint (r->status, ==, 413);
  }
  {
    g_autofree char *unchanged = thumbnail_of (S.v1);
    g_assert_cmpstr (unchanged, ==, old);
  }
  {
    g_autoptr (ReelTestResponse) r = request ("PUT", path, S.amy, "image/png", png, png_len);
    if (r->status != 204)
      g_printerr ("PUT: %u %s\n", r->status, r->body);
    g_assert_cmpuint (r->status, ==, 204);
  }
  /* Recorded by the time of the answer. */
  now = thumbnail_of (S.v1);
  g_assert_cmpstr (now, !=, old);
  served = fetch (now);
  /* A JPEG made by reel, not the PNG sent, at the poster's size (which
   * oEmbed reports). */
  jpeg_size (g_bytes_get_data (served, NULL), g_bytes_get_size (served), &w, &h);
  g_assert_cmpuint (g_bytes_get_size (served), !=, png_len);
  watch = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", S.d->port, S.v1);
  escaped = g_uri_escape_string (watch, NULL, FALSE);
  oembed_path = g_strdup_printf ("/api/v1/oembed?url=%s", escaped);
  {
    g_autoptr (ReelTestResponse) o = get (oembed_path, NULL);
    g_assert_cmpint (json_object_get_int_member (obj (o), "thumbnail_width"), ==, w);
    g_assert_cmpint (json_object_get_int_member (obj (o), "thumbnail_height"), ==, h);
  }
  assert_poster_everywhere (S.v1, now, served);
  /* The previous custom poster is no longer served under its name. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (S.d->port, "GET", old, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 404);
  }
}

static void
test_events (void)
{
  guint64 last;
  g_autoptr (GPtrArray) lines = reel_test_event_log (S.nats->url, &last);
  gboolean found = FALSE;
  guint posters = 0;
  for (guint i = 0; i < lines->len; i++)
    {
      found = found || strstr (lines->pdata[i], "\"type\":\"video.storyboard\"") != NULL;
      posters += strstr (lines->pdata[i], "\"type\":\"video.poster\"") != NULL;
    }
  g_assert_true (found);
  /* The first, the picked frame, the uploaded image. */
  g_assert_cmpuint (posters, ==, 3);
  reel_test_validate_events (lines);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/thumbnails/storyboard", test_storyboard);
  g_test_add_func ("/thumbnails/frame", test_frame);
  g_test_add_func ("/thumbnails/upload", test_upload);
  g_test_add_func ("/thumbnails/events", test_events);
  set_up ();
  status = g_test_run ();
  tear_down ();
  g_free (S.dir);
  g_free (S.media);
  g_free (S.config);
  g_free (S.clip);
  g_free (S.amy);
  g_free (S.bob);
  g_free (S.v1);
  return status;
}
