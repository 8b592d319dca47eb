/* Captions (issue 14, acceptance 1) through a real reeld on a ready video:
 *
 *   /captions/upload    the owner PUTs WebVTT for en and SRT for fr: both
 *                       in the record, master.m3u8 (SUBTITLES group named
 *                       by every variant) and the MPD (a text set each),
 *                       with new ETags; the track playlists and files
 *                       serve what was uploaded, the SRT as WebVTT
 *   /captions/ffmpeg    ffprobe reads the track the master playlist names
 *                       as a WebVTT subtitle stream, and ffmpeg extracts
 *                       the English cues at their times
 *   /captions/refusals  a malformed file is 400 naming its line, a bad
 *                       language 400, another user 403, no token 401, a
 *                       private video's captions 404 to others
 *   /captions/delete    DELETE takes fr out of the record and playlists
 *   /captions/events    every event matches its schema
 * The tests build on each other in this order (run the whole program). */
#include "harness.h"

#include <string.h>

static const char *PASSWORD = "correct horse battery";

static const char *EN_VTT = "WEBVTT\n\n"
                            "NOTE made by the test\n\n"
                            "hello\n00:01.000 --> 00:03.500\nHello captions\n\n"
                            "00:00:04.000 --> 00:00:05.500\nSecond cue\n";
static const char *FR_SRT = "1\r\n00:00:01,000 --> 00:00:03,500\r\nBonjour sous-titres\r\n\r\n"
                            "2\r\n00:00:04,000 --> 00:00:05,000\r\nDeux\r\n";

static struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  char *dir, *media, *clip;
  char *olive, *pete; /* the owner's token, another user's */
  char *id, *priv;
  char *master_etag, *mpd_etag;
} S;

static ReelTestResponse *
call (const char *method, const char *path, const char *token, const char *type, const char *body,
      guint status)
{
  ReelTestResponse *r = reel_test_http_full (S.d->port, method, path, token, NULL, type, body,
                                             body ? strlen (body) : 0);
  if (r->status != status)
    g_printerr ("%s %s: %u %s\n", method, path, r->status, r->body);
  g_assert_cmpuint (r->status, ==, status);
  return r;
}

static char *
get_text (const char *path, guint status, char **etag)
{
  g_autoptr (ReelTestResponse) r = call ("GET", path, NULL, NULL, NULL, status);
  if (etag)
    *etag = g_strdup (reel_test_header (r, "ETag"));
  return g_strndup (r->body, r->body_len);
}

static char *
put_path (const char *id, const char *lang)
{
  return g_strdup_printf ("/api/v1/videos/%s/captions/%s", id, lang);
}

static char *
upload_ready (const char *title, const char *privacy)
{
  char *id = reel_test_upload_private (S.d->port, S.olive, S.clip, title, privacy);
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state_as (S.d->port, S.olive, id, "ready|failed", 300);
  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  return id;
}

static void
set_up (void)
{
  g_autofree char *config = NULL;
  const char *args[2] = { NULL, NULL };
  S.dir = reel_test_tmpdir ();
  S.media = reel_test_tmpdir ();
  config = g_build_filename (S.dir, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (
      config, "[media]\nsegment_seconds = 2\nchunk_segments = 2\nx264_preset = ultrafast\n", -1,
      NULL));
  /* 6 s of 320x180 with sound. */
  S.clip = reel_test_make_media (
      S.media, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=180 ! video/x-raw,width=320,height=180,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=300 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  S.nats = reel_test_nats_start ();
  args[0] = g_strdup_printf ("--config=%s", config);
  S.d = reel_test_reeld_start_args (S.dir, S.nats->url, NULL, args);
  g_free ((char *)args[0]);
  S.olive = reel_test_register_login (S.d->port, "olive", PASSWORD);
  S.pete = reel_test_register_login (S.d->port, "pete", PASSWORD);
  S.id = upload_ready ("Captioned ball", NULL);
  S.priv = upload_ready ("Private captioned ball", "private");
}

static void
tear_down (void)
{
  g_assert_cmpint (reel_test_reeld_stop (S.d), ==, 0);
  reel_test_reeld_free (S.d);
  reel_test_nats_stop (S.nats);
  reel_test_rmtree (S.dir);
  reel_test_rmtree (S.media);
  g_free (S.dir);
  g_free (S.media);
  g_free (S.clip);
  g_free (S.olive);
  g_free (S.pete);
  g_free (S.id);
  g_free (S.priv);
  g_free (S.master_etag);
  g_free (S.mpd_etag);
}

static void
test_upload (void)
{
  g_autofree char *base = g_strdup_printf ("/videos/%s", S.id);
  g_autofree char *master_path = g_strdup_printf ("%s/master.m3u8", base);
  g_autofree char *mpd_path = g_strdup_printf ("%s/manifest.mpd", base);
  g_autofree char *en = put_path (S.id, "en"), *fr = put_path (S.id, "fr");
  g_autofree char *before_master = NULL, *before_mpd = NULL, *master = NULL, *mpd = NULL;
  g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", S.id);
  g_autofree char *list_path = g_strdup_printf ("/api/v1/videos/%s/captions", S.id);

  g_free (get_text (master_path, 200, &before_master));
  g_free (get_text (mpd_path, 200, &before_mpd));
  {
    g_autofree char *plain = get_text (master_path, 200, NULL);
    g_assert_null (strstr (plain, "SUBTITLES"));
  }
  {
    g_autoptr (ReelTestResponse) a = call ("PUT", en, S.olive, "text/vtt", EN_VTT, 204);
    g_autoptr (ReelTestResponse) b = call ("PUT", fr, S.olive, "application/x-subrip", FR_SRT, 204);
  }

  /* The record and the list name both, by language. */
  {
    g_autoptr (ReelTestResponse) v = call ("GET", rec, NULL, NULL, NULL, 200);
    g_autoptr (ReelTestResponse) l = call ("GET", list_path, NULL, NULL, NULL, 200);
    JsonArray *a = json_object_get_array_member (json_node_get_object (v->json), "captions");
    JsonArray *b = json_object_get_array_member (json_node_get_object (l->json), "captions");
    g_autofree char *en_url = g_strdup_printf ("%s/captions/en.vtt", base);
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    g_assert_cmpuint (json_array_get_length (b), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 0), "lang"),
                     ==, "en");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 0), "url"),
                     ==, en_url);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (b, 1), "lang"),
                     ==, "fr");
  }

  /* The master playlist: a SUBTITLES group of both, named by every
   * variant; a new ETag. */
  master = get_text (master_path, 200, &S.master_etag);
  g_test_message ("%s", master);
  g_assert_cmpstr (S.master_etag, !=, before_master);
  g_assert_nonnull (strstr (master, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"en\","
                                    "LANGUAGE=\"en\",DEFAULT=NO,AUTOSELECT=YES,"
                                    "URI=\"captions/en.m3u8\""));
  g_assert_nonnull (strstr (master, "LANGUAGE=\"fr\""));
  {
    g_auto (GStrv) lines = g_strsplit (master, "\n", -1);
    guint variants = 0;
    for (guint i = 0; lines[i]; i++)
      if (g_str_has_prefix (lines[i], "#EXT-X-STREAM-INF:"))
        {
          variants++;
          g_assert_nonnull (strstr (lines[i], ",SUBTITLES=\"subs\""));
        }
    g_assert_cmpuint (variants, >, 0);
  }
  /* The MPD: one text set per language. */
  mpd = get_text (mpd_path, 200, &S.mpd_etag);
  g_assert_cmpstr (S.mpd_etag, !=, before_mpd);
  g_assert_nonnull (strstr (mpd, "<AdaptationSet contentType=\"text\" mimeType=\"text/vtt\" "
                                 "lang=\"en\">"));
  g_assert_nonnull (strstr (mpd, "<BaseURL>captions/fr.vtt</BaseURL>"));

  /* The tracks: a playlist of one WebVTT segment; the text as checked. */
  {
    g_autofree char *path = g_strdup_printf ("%s/captions/en.m3u8", base);
    g_autofree char *pl = get_text (path, 200, NULL);
    g_assert_true (g_str_has_prefix (pl, "#EXTM3U\n"));
    g_assert_nonnull (strstr (pl, "\nen.vtt\n#EXT-X-ENDLIST\n"));
  }
  {
    g_autofree char *path = g_strdup_printf ("%s/captions/en.vtt", base);
    g_autofree char *etag = NULL;
    g_autofree char *vtt = get_text (path, 200, &etag);
    g_assert_cmpstr (vtt, ==,
                     "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"
                     "00:00:01.000 --> 00:00:03.500\nHello captions\n\n"
                     "00:00:04.000 --> 00:00:05.500\nSecond cue\n\n");
    /* Revalidated by ETag. */
    {
      const char *h[] = { "If-None-Match", etag, NULL };
      g_autoptr (ReelTestResponse) again
          = reel_test_http_full (S.d->port, "GET", path, NULL, h, NULL, NULL, 0);
      g_assert_cmpuint (again->status, ==, 304);
    }
  }
  {
    g_autofree char *path = g_strdup_printf ("%s/captions/fr.vtt", base);
    g_autofree char *vtt = get_text (path, 200, NULL);
    g_assert_nonnull (strstr (vtt, "\n00:00:01.000 --> 00:00:03.500\nBonjour sous-titres\n"));
  }
  /* Replacing a track: the new text, under a new ETag. */
  {
    g_autofree char *path = g_strdup_printf ("%s/captions/en.vtt", base);
    g_autofree char *etag1 = NULL, *etag2 = NULL, *vtt = NULL;
    g_free (get_text (path, 200, &etag1));
    g_autoptr (ReelTestResponse) a = call ("PUT", en, S.olive, "text/vtt", EN_VTT, 204);
    vtt = get_text (path, 200, &etag2);
    g_assert_cmpstr (etag1, !=, etag2);
    g_assert_nonnull (strstr (vtt, "Hello captions"));
  }
}

/* ffprobe's streams of url, one "index,codec_type,codec_name,language"
 * per line. */
static char *
probe_streams (const char *url)
{
  const char *argv[] = { "ffprobe",
                         "-v",
                         "error",
                         "-show_entries",
                         "stream=index,codec_type,codec_name:stream_tags=language",
                         "-of",
                         "csv=p=0",
                         url,
                         NULL };
  g_autofree char *err = NULL;
  int status;
  char *out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("ffprobe: %s %s", out ? out : "", err ? err : "");
  g_assert_cmpint (status, ==, 0);
  return out;
}

/* The URI of lang's track in the master playlist's SUBTITLES group. */
static char *
subtitles_uri (const char *master, const char *lang)
{
  g_autofree char *re_text = g_strdup_printf (
      "^#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\".*LANGUAGE=\"%s\".*URI=\"([^\"]+)\"$", lang);
  g_autoptr (GRegex) re = g_regex_new (re_text, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  g_assert_true (g_regex_match (re, master, 0, &m));
  return g_match_info_fetch (m, 1);
}

/* Debian 12's ffmpeg (5.1) skips the SUBTITLES renditions of a master
 * playlist ("Can't support the subtitle"), so ffmpeg is given the track
 * the master names, as a player follows it, and the MPD, whose text sets
 * it reads. */
static void
test_ffmpeg (void)
{
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/", S.d->port, S.id);
  g_autofree char *master_path = g_strdup_printf ("/videos/%s/master.m3u8", S.id);
  g_autofree char *master = get_text (master_path, 200, NULL);
  g_autofree char *uri = subtitles_uri (master, "en");
  g_autofree char *url = g_strconcat (base, uri, NULL);
  g_autofree char *mpd = g_strconcat (base, "manifest.mpd", NULL);
  g_autofree char *streams = probe_streams (url);
  g_autofree char *out_path = g_build_filename (S.media, "en.srt", NULL);
  g_autofree char *srt = NULL;
  g_assert_nonnull (strstr (streams, "webvtt,subtitle"));
  /* ffmpeg's DASH demuxer reads the MPD's two text sets as two WebVTT
   * streams. */
  {
    const char *argv[]
        = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of",
            "json",    mpd,  NULL };
    g_autofree char *err = NULL;
    int status;
    g_autofree char *json = reel_test_run_env (argv, NULL, &err, &status);
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonArray *list;
    guint subtitles = 0;
    g_assert_cmpint (status, ==, 0);
    g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
    list = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                         "streams");
    for (guint i = 0; i < json_array_get_length (list); i++)
      {
        JsonObject *st = json_array_get_object_element (list, i);
        subtitles += g_strcmp0 (json_object_get_string_member (st, "codec_name"), "webvtt") == 0;
      }
    g_assert_cmpuint (subtitles, ==, 2);
  }
  /* ffmpeg reads the English track's cues, at their times. */
  {
    const char *argv[]
        = { "ffmpeg", "-v", "error", "-y", "-i", url, "-c:s", "srt", out_path, NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;
    out = reel_test_run_env (argv, NULL, &err, &status);
    g_test_message ("ffmpeg: %s %s", out ? out : "", err ? err : "");
    g_assert_cmpint (status, ==, 0);
  }
  g_assert_true (g_file_get_contents (out_path, &srt, NULL, NULL));
  g_test_message ("%s", srt);
  g_assert_nonnull (strstr (srt, "00:00:01,000 --> 00:00:03,500\nHello captions"));
  g_assert_nonnull (strstr (srt, "00:00:04,000 --> 00:00:05,500\nSecond cue"));
}

static void
test_refusals (void)
{
  g_autofree char *en = put_path (S.id, "en");
  g_autofree char *bad_lang = put_path (S.id, "english");
  g_autofree char *priv_en = put_path (S.priv, "en");
  {
    g_autoptr (ReelTestResponse) r = call (
        "PUT", en, S.olive, "text/vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:05.000 --> 00:00:04.000\nx\n", 400);
    const char *message = NULL;
    JsonObject *e = json_object_get_object_member (json_node_get_object (r->json), "error");
    message = json_object_get_string_member (e, "message");
    g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, "invalid_request");
    g_assert_nonnull (strstr (message, "line 6"));
  }
  {
    g_autoptr (ReelTestResponse) r = call ("PUT", en, S.olive, "application/x-subrip",
                                           "1\n00:00:01,000 -> 00:00:02,000\nx\n", 400);
    g_assert_nonnull (strstr (r->body, "line 2"));
  }
  {
    g_autoptr (ReelTestResponse) r = call ("PUT", bad_lang, S.olive, "text/vtt", EN_VTT, 400);
    g_autoptr (ReelTestResponse) other = call ("PUT", en, S.pete, "text/vtt", EN_VTT, 403);
    g_autoptr (ReelTestResponse) anon = call ("PUT", en, NULL, "text/vtt", EN_VTT, 401);
  }
  /* The refused uploads changed nothing. */
  {
    g_autofree char *path = g_strdup_printf ("/videos/%s/captions/en.vtt", S.id);
    g_autofree char *vtt = get_text (path, 200, NULL);
    g_assert_nonnull (strstr (vtt, "Hello captions"));
  }
  /* A private video's captions: its owner's; 404 to anyone else. */
  {
    g_autoptr (ReelTestResponse) a = call ("PUT", priv_en, S.olive, "text/vtt", EN_VTT, 204);
    g_autofree char *plain = g_strdup_printf ("/videos/%s/captions/en.vtt", S.priv);
    g_autofree char *list = g_strdup_printf ("/api/v1/videos/%s/captions", S.priv);
    g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", S.priv);
    g_autoptr (ReelTestResponse) anon = call ("GET", plain, NULL, NULL, NULL, 404);
    g_autoptr (ReelTestResponse) other = call ("GET", list, S.pete, NULL, NULL, 404);
    g_autoptr (ReelTestResponse) mine = call ("GET", rec, S.olive, NULL, NULL, 200);
    JsonArray *tracks
        = json_object_get_array_member (json_node_get_object (mine->json), "captions");
    const char *signed_url
        = json_object_get_string_member (json_array_get_object_element (tracks, 0), "url");
    g_autofree char *vtt = NULL;
    /* The owner's record names a signed URL, which plays without a token. */
    g_assert_true (g_str_has_prefix (signed_url, "/s/"));
    vtt = get_text (signed_url, 200, NULL);
    g_assert_nonnull (strstr (vtt, "Hello captions"));
  }
}

static void
test_delete (void)
{
  g_autofree char *fr = put_path (S.id, "fr");
  g_autofree char *master_path = g_strdup_printf ("/videos/%s/master.m3u8", S.id);
  g_autofree char *mpd_path = g_strdup_printf ("/videos/%s/manifest.mpd", S.id);
  g_autofree char *fr_file = g_strdup_printf ("/videos/%s/captions/fr.vtt", S.id);
  g_autofree char *etag = NULL, *master = NULL, *mpd = NULL;
  {
    g_autoptr (ReelTestResponse) other = call ("DELETE", fr, S.pete, NULL, NULL, 403);
    g_autoptr (ReelTestResponse) r = call ("DELETE", fr, S.olive, NULL, NULL, 204);
    g_autoptr (ReelTestResponse) again = call ("DELETE", fr, S.olive, NULL, NULL, 404);
  }
  master = get_text (master_path, 200, &etag);
  g_assert_cmpstr (etag, !=, S.master_etag);
  g_assert_null (strstr (master, "LANGUAGE=\"fr\""));
  g_assert_nonnull (strstr (master, "LANGUAGE=\"en\""));
  mpd = get_text (mpd_path, 200, NULL);
  g_assert_null (strstr (mpd, "lang=\"fr\""));
  g_free (get_text (fr_file, 404, NULL));
}

static void
test_events (void)
{
  guint64 last = 0;
  g_autoptr (GPtrArray) lines = reel_test_event_log (S.nats->url, &last);
  guint captions = 0;
  for (guint i = 0; i < lines->len; i++)
    captions += strstr (lines->pdata[i], "\"video.captions\"") != NULL;
  g_assert_cmpuint (captions, >=, 5);
  reel_test_validate_events (lines);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/captions/upload", test_upload);
  g_test_add_func ("/captions/ffmpeg", test_ffmpeg);
  g_test_add_func ("/captions/refusals", test_refusals);
  g_test_add_func ("/captions/delete", test_delete);
  g_test_add_func ("/captions/events", test_events);
  set_up ();
  status = g_test_run ();
  tear_down ();
  return status;
}
