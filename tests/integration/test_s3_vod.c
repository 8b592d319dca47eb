/* The whole VOD path on the S3 blob backend (issue 15, acceptance 1 and 5):
 * a real reeld with blobs.backend = s3 against s3rver (npm) on loopback.
 *
 *   /s3-vod/ready        a tus upload becomes ready; ffmpeg decodes
 *                        master.m3u8 and manifest.mpd; awscli lists the
 *                        original, the poster, every init and media segment
 *                        the playlists name; reeld serves a segment from
 *                        the bucket with its size, S3's ETag (304 on
 *                        If-None-Match), Cache-Control immutable and one
 *                        Range (206, Content-Range); a segment of 3 MiB
 *                        streams whole and in ranges, byte for byte;
 *                        nothing at all is written under DATA_DIR/blobs.
 *   /s3-vod/server-down  the S3 server is stopped while the video
 *                        transcodes and started again a while later:
 *                        meanwhile playlists still come and a segment is a
 *                        503; the jobs retry and the video still becomes
 *                        ready and decodes, every segment in the bucket.
 *   /s3-vod/cdn          with cdn.origin_dir set, a ready video's playback
 *                        files are copied from the bucket to the origin,
 *                        byte for byte (not the original), and its
 *                        manifest names cdn.base_url; after a
 *                        re-transcode, the new set's files are there too
 *                        and the manifest names them there. */
#include "harness.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define BUCKET "reel-vod"
#define SEGMENT_S 2
#define CHUNK_SEGMENTS 2
#define READY_TIMEOUT_S 300
#define CDN_BASE "http://cdn.test.invalid"
/* How long the S3 server stays down: longer than one request's own
 * retries at their quickest (about 8 s), shorter than the three attempts
 * of a job (jobs.max_attempts) with those retries. */
#define DOWN_S 15

/* 8 s of 640x360 with a tone: four chunks at 2 s segments. */
static char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=240 "
      "! video/x-raw,width=640,height=360,framerate=30/1 ! timeoverlay "
      "! x264enc speed-preset=ultrafast key-int-max=30 ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=400 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
}

/* The config; cdn_dir, when given, is a CDN origin every channel's videos
 * are copied to. */
static char *
write_config_cdn (const char *dir, ReelTestS3 *s3, const char *cdn_dir)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *cdn
      = cdn_dir ? g_strdup_printf (
            "[cdn]\nmin_subscribers = 0\nbase_url = " CDN_BASE "\norigin_dir = %s\n", cdn_dir)
                : g_strdup ("");
  g_autofree char *text = g_strdup_printf (
      "[media]\nsegment_seconds = %d\nchunk_segments = %d\nx264_preset = ultrafast\n"
      "[jobs]\nack_wait_seconds = 5\n"
      "[blobs]\nbackend = s3\ns3_endpoint = %s\ns3_bucket = %s\ns3_region = us-east-1\n"
      "s3_access_key = " REEL_TEST_S3_ACCESS_KEY "\ns3_secret_key = " REEL_TEST_S3_SECRET_KEY
      "\ns3_path_style = true\n%s",
      SEGMENT_S, CHUNK_SEGMENTS, s3->url, s3->bucket, cdn);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("--config=%s", path);
}

static char *
write_config (const char *dir, ReelTestS3 *s3)
{
  return write_config_cdn (dir, s3, NULL);
}

/* ffmpeg decodes everything the playlist names, with no error at all. */
static void
assert_decodes (guint16 port, const char *id, const char *file)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s", port, id, file);
  reel_test_assert_decodes (url);
}

static char *
get_text (guint16 port, const char *id, const char *file)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, file);
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (r->body);
}

/* Every blob key the HLS playlists name: "videos/ID/RENDITION/FILE". */
static GPtrArray *
segment_keys (guint16 port, const char *id)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *master = get_text (port, id, "master.m3u8");
  g_autofree char *cdn_base = g_strdup_printf (CDN_BASE "/videos/%s/", id);
  g_auto (GStrv) lines = g_strsplit (master, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *uri = strstr (lines[i], "URI=\"");
      g_autofree char *playlist = NULL;
      if (g_str_has_prefix (lines[i], "#EXT-X-MEDIA") && uri)
        playlist = g_strndup (uri + 5, strcspn (uri + 5, "\""));
      else if (*lines[i] && lines[i][0] != '#')
        playlist = g_strdup (lines[i]);
      if (!playlist)
        continue;
      g_autofree char *text = get_text (port, id, playlist);
      g_auto (GStrv) media = g_strsplit (text, "\n", -1);
      for (guint j = 0; media[j]; j++)
        {
          const char *map = strstr (media[j], "#EXT-X-MAP:URI=\"");
          g_autofree char *uri = map ? g_strndup (map + 16, strcspn (map + 16, "\""))
                                 : *media[j] && media[j][0] != '#' ? g_strdup (media[j])
                                                                   : NULL;
          /* Relative to the playlist, or under the CDN's mirror of it. */
          const char *rel = uri && g_str_has_prefix (uri, cdn_base) ? uri + strlen (cdn_base) : uri;
          if (rel)
            g_ptr_array_add (keys, g_strdup_printf ("videos/%s/%s", id, rel));
        }
    }
  return keys;
}

/* `aws s3 ls --recursive` of the bucket, as "KEY SIZE" lines' keys. */
static char *
aws_listing (ReelTestS3 *s3)
{
  g_autofree char *target = g_strdup_printf ("s3://%s/", s3->bucket);
  const char *ls[] = { "s3", "ls", "--recursive", target, NULL };
  int status;
  char *out = reel_test_aws (s3, "us-east-1", ls, &status);
  if (status != 0)
    g_printerr ("aws s3 ls said:\n%s\n", out);
  g_assert_cmpint (status, ==, 0);
  return out;
}

/* Whether the listing has a line for exactly key. */
static gboolean
listed (const char *listing, const char *key)
{
  g_autofree char *needle = g_strconcat (" ", key, "\n", NULL);
  return strstr (listing, needle) != NULL;
}

/* Every segment of the video and its original are in the bucket; the
 * segment count is that of a whole ladder of 8 s in 2 s segments. */
static void
assert_in_bucket (ReelTestS3 *s3, guint16 port, const char *id)
{
  g_autoptr (GPtrArray) keys = segment_keys (port, id);
  g_autofree char *listing = aws_listing (s3);
  g_autofree char *original = g_strdup_printf ("originals/%s", id);
  guint media = 0;

  g_assert_true (listed (listing, original));
  g_assert_cmpuint (keys->len, >, 0);
  for (guint i = 0; i < keys->len; i++)
    {
      if (!listed (listing, keys->pdata[i]))
        g_printerr ("%s is not in the bucket:\n%s\n", (char *)keys->pdata[i], listing);
      g_assert_true (listed (listing, keys->pdata[i]));
      media += g_str_has_suffix (keys->pdata[i], ".m4s");
    }
  /* At least the video rung's four segments. */
  g_assert_cmpuint (media, >=, 4);
}

static void
assert_no_local_blobs (const char *dir)
{
  g_autofree char *blobs = g_build_filename (dir, "blobs", NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  if (g_file_test (blobs, G_FILE_TEST_EXISTS))
    reel_test_list_files (blobs, files);
  for (guint i = 0; i < files->len; i++)
    g_printerr ("written locally: %s\n", (char *)files->pdata[i]);
  g_assert_cmpuint (files->len, ==, 0);
}

/* GET url with libsoup, optionally with a Range header; returns the body
 * (binary, with its length) and sets *status. */
static GBytes *
soup_get (const char *url, const char *range, guint *status)
{
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GError) error = NULL;
  GBytes *body;
  if (range)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return body;
}

/* Bytes no two offsets of which repeat in step, so a slice out of place
 * shows. */
static GBytes *
pattern (gsize n)
{
  guint8 *p = g_malloc (n);
  guint32 x = 2463534242u;
  for (gsize i = 0; i < n; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      p[i] = (guint8)x;
    }
  return g_bytes_new_take (p, n);
}

/* A segment many times reeld's streaming window (256 KiB), put into the
 * bucket by awscli under a name the playback route serves: reeld streams
 * it whole and byte for byte, and a range from its middle exactly. */
static void
assert_streams_large (ReelTestS3 *s3, guint16 port, const char *id, const char *rendition,
                      const char *dir)
{
  const gsize size = 3 * 1024 * 1024 + 12345;
  g_autoptr (GBytes) all = pattern (size);
  g_autofree char *file = g_build_filename (dir, "large.m4s", NULL);
  g_autofree char *target
      = g_strdup_printf ("s3://%s/videos/%s/%s/999.m4s", s3->bucket, id, rendition);
  g_autofree char *url
      = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s/999.m4s", port, id, rendition);
  const char *cp[] = { "s3", "cp", "--only-show-errors", file, target, NULL };
  int status;
  guint code;

  g_assert_true (g_file_set_contents (file, g_bytes_get_data (all, NULL), (gssize)size, NULL));
  g_free (reel_test_aws (s3, "us-east-1", cp, &status));
  g_assert_cmpint (status, ==, 0);
  {
    g_autoptr (GBytes) got = soup_get (url, NULL, &code);
    g_assert_cmpuint (code, ==, 200);
    g_assert_true (g_bytes_equal (got, all));
  }
  {
    g_autoptr (GBytes) got = soup_get (url, "bytes=1000000-2999999", &code);
    g_autoptr (GBytes) want = g_bytes_new_from_bytes (all, 1000000, 2000000);
    g_assert_cmpuint (code, ==, 206);
    g_assert_true (g_bytes_equal (got, want));
  }
  {
    g_autoptr (GBytes) got = soup_get (url, "bytes=-100", &code);
    g_autoptr (GBytes) want = g_bytes_new_from_bytes (all, size - 100, 100);
    g_assert_cmpuint (code, ==, 206);
    g_assert_true (g_bytes_equal (got, want));
  }
}

static void
test_ready (void)
{
  ReelTestS3 *s3 = reel_test_s3_start (BUCKET);
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config = write_config (media, s3);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "sam", "correct horse battery");
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "From the bucket");
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  assert_decodes (d->port, id, "master.m3u8");
  assert_decodes (d->port, id, "manifest.mpd");
  assert_in_bucket (s3, d->port, id);

  /* A segment as reeld streams it from the bucket. */
  {
    g_autoptr (GPtrArray) keys = segment_keys (d->port, id);
    const char *key = NULL;
    for (guint i = 0; i < keys->len && !key; i++)
      if (g_str_has_suffix (keys->pdata[i], ".m4s"))
        key = keys->pdata[i];
    g_assert_nonnull (key);
    g_autofree char *path = g_strconcat ("/", key, NULL);
    g_autofree char *listing = aws_listing (s3);
    g_autofree char *needle = g_strconcat (" ", key, "\n", NULL);
    const char *line = strstr (listing, needle);
    g_assert_nonnull (line);
    /* "DATE TIME SIZE KEY": the size is the word before the key. */
    const char *p = line;
    while (p > listing && p[-1] == ' ')
      p--;
    while (p > listing && g_ascii_isdigit (p[-1]))
      p--;
    guint64 size = g_ascii_strtoull (p, NULL, 10);
    g_assert_cmpuint (size, >, 8);

    g_autoptr (ReelTestResponse) whole = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpuint (whole->status, ==, 200);
    g_assert_cmpuint (g_ascii_strtoull (reel_test_header (whole, "Content-Length"), NULL, 10), ==,
                      size);
    g_assert_cmpstr (reel_test_header (whole, "Cache-Control"), ==,
                     "public, max-age=31536000, immutable");
    const char *etag = reel_test_header (whole, "ETag");
    g_assert_nonnull (etag);
    g_assert_true (etag[0] == '"');

    const char *cond[] = { "If-None-Match", etag, NULL };
    g_autoptr (ReelTestResponse) same
        = reel_test_http_full (d->port, "GET", path, NULL, cond, NULL, NULL, 0);
    g_assert_cmpuint (same->status, ==, 304);

    /* Bytes 4-7 of a fragment are its first box's type. */
    const char *range[] = { "Range", "bytes=4-7", NULL };
    g_autoptr (ReelTestResponse) part
        = reel_test_http_full (d->port, "GET", path, NULL, range, NULL, NULL, 0);
    g_autofree char *cr = g_strdup_printf ("bytes 4-7/%" G_GUINT64_FORMAT, size);
    g_assert_cmpuint (part->status, ==, 206);
    g_assert_cmpstr (reel_test_header (part, "Content-Range"), ==, cr);
    g_assert_cmpstr (reel_test_header (part, "Content-Length"), ==, "4");
    g_assert_true (g_str_equal (part->body, "styp") || g_str_equal (part->body, "moof"));

    g_autofree char *past = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", size);
    const char *beyond[] = { "Range", past, NULL };
    g_autoptr (ReelTestResponse) none
        = reel_test_http_full (d->port, "GET", path, NULL, beyond, NULL, NULL, 0);
    g_assert_cmpuint (none->status, ==, 416);
  }
  {
    g_autoptr (GPtrArray) keys = segment_keys (d->port, id);
    /* "videos/ID/RENDITION/FILE" */
    g_auto (GStrv) parts = g_strsplit (keys->pdata[0], "/", -1);
    assert_streams_large (s3, d->port, id, parts[2], media);
  }
  /* The poster too comes from the bucket. */
  {
    g_autofree char *path = g_strdup_printf ("/videos/%s/poster.jpg", id);
    g_autoptr (ReelTestResponse) jpeg = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpuint (jpeg->status, ==, 200);
    g_assert_cmpstr (jpeg->content_type, ==, "image/jpeg");
  }
  assert_no_local_blobs (dir);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_s3_stop (s3);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
test_server_down (void)
{
  ReelTestS3 *s3 = reel_test_s3_start (BUCKET);
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config = write_config (media, s3);
  g_autofree char *hold = g_build_filename (media, "hold-last-chunk", NULL);
  g_autofree char *fault = g_strdup_printf ("REEL_TEST_FAULT=hold-last-chunk:%s", hold);
  const char *env[] = { fault, NULL };
  const char *args[] = { config, NULL };
  ReelTestReeld *d = NULL;
  g_autofree char *token = NULL, *id = NULL;

  /* The last chunk waits until the server is down, so at least one job
   * needs the store while it is gone, whatever the machine's speed. */
  g_assert_true (g_file_set_contents (hold, "", 0, NULL));
  d = reel_test_reeld_start_args (dir, NULL, env, args);
  token = reel_test_register_login (d->port, "ria", "correct horse battery");
  id = reel_test_tus_upload (d->port, token, clip, "Through the outage");
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "playable|ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
  }
  reel_test_s3_pause (s3);
  gint64 down_since = g_get_monotonic_time ();
  g_assert_cmpint (g_unlink (hold), ==, 0);
  {
    /* Playlists come from reeld's own read model, segments from the store:
     * with the store gone a segment is a 503 (after the client's retries),
     * not a hang and not a 404. */
    g_autoptr (GPtrArray) keys = segment_keys (d->port, id);
    g_autofree char *path = g_strconcat ("/", (char *)keys->pdata[0], NULL);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 503);
    g_assert_cmpstr (reel_test_error_code (r), ==, "unavailable");
  }
  gint64 left = DOWN_S * G_USEC_PER_SEC - (g_get_monotonic_time () - down_since);
  if (left > 0)
    g_usleep ((gulong)left);
  {
    /* The last chunk cannot have been stored meanwhile. */
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (d->port, id, "playable|failed", 5);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "playable");
  }
  reel_test_s3_resume (s3);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  assert_decodes (d->port, id, "master.m3u8");
  assert_decodes (d->port, id, "manifest.mpd");
  assert_in_bucket (s3, d->port, id);
  assert_no_local_blobs (dir);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_s3_stop (s3);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* Waits (two minutes at most) until the document at path names url. */
static void
wait_named (guint16 port, const char *path, const char *url)
{
  for (int i = 0;; i++)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      if (strstr (r->body, url))
        return;
      g_assert_cmpint (i, <, 2400);
      g_usleep (50 * 1000);
    }
}

/* A popular video's playback files go from the bucket to the CDN origin,
 * byte for byte, and its playlists name the CDN. */
static void
test_cdn (void)
{
  ReelTestS3 *s3 = reel_test_s3_start (BUCKET);
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *origin = reel_test_tmpdir ();
  g_autofree char *clip = make_clip (media);
  g_autofree char *config = write_config_cdn (media, s3, origin);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "cyd", "correct horse battery");
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "To the edge");
  g_autofree char *mpd_path = g_strdup_printf ("/videos/%s/manifest.mpd", id);
  g_autofree char *base = g_strdup_printf (CDN_BASE "/videos/%s/", id);
  g_autofree char *original = g_build_filename (origin, "originals", id, NULL);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* The copy happens after ready: the manifest names the CDN once done. */
  wait_named (d->port, mpd_path, base);
  {
    g_autoptr (GPtrArray) keys = segment_keys (d->port, id);
    g_assert_cmpuint (keys->len, >, 0);
    for (guint i = 0; i < keys->len; i++)
      {
        g_autofree char *copy = g_build_filename (origin, keys->pdata[i], NULL);
        g_autofree char *path = g_strconcat ("/", keys->pdata[i], NULL);
        g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
        g_autofree char *bytes = NULL;
        gsize len = 0;
        g_assert_cmpuint (r->status, ==, 200);
        g_assert_true (g_file_get_contents (copy, &bytes, &len, NULL));
        g_assert_cmpmem (bytes, len, r->body, r->body_len);
      }
  }
  g_assert_false (g_file_test (original, G_FILE_TEST_EXISTS));
  assert_no_local_blobs (dir);

  /* After a re-transcode the video serves a new set: it goes to the CDN
   * too, and the manifest names the CDN again. */
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  {
    g_autofree char *path = g_build_filename (media, "reeld.conf", NULL);
    g_autofree char *text = NULL;
    g_autofree char *more = NULL;
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    more = g_strconcat (text, "[auth]\nadmins = cyd\n[media]\nladder = 180p:180:300\n", NULL);
    g_assert_true (g_file_set_contents (path, more, -1, NULL));
  }
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/admin/videos/%s/retranscode", id);
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "POST", path, token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 202);
  }
  {
    g_autofree char *rung = g_strconcat (base, "180p_1/", NULL);
    wait_named (d->port, mpd_path, rung);
  }
  {
    g_autoptr (GPtrArray) keys = segment_keys (d->port, id);
    g_assert_cmpuint (keys->len, >, 0);
    for (guint i = 0; i < keys->len; i++)
      {
        g_autofree char *copy = g_build_filename (origin, keys->pdata[i], NULL);
        g_assert_true (g_file_test (copy, G_FILE_TEST_EXISTS));
      }
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_s3_stop (s3);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
  reel_test_rmtree (origin);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/s3-vod/ready", test_ready);
  g_test_add_func ("/s3-vod/server-down", test_server_down);
  g_test_add_func ("/s3-vod/cdn", test_cdn);
  return g_test_run ();
}
