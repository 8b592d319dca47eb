/* Integration tests of sharing videos outside reel (issue 14), on one real
 * nats-server and reeld with one channel holding a public, an unlisted and
 * a private video:
 *
 *   /sharing/oembed     the watch page names its oEmbed answer (public and
 *                       unlisted only); the answer is valid oEmbed JSON for
 *                       the watch URL (a video, an iframe of /embed/{id},
 *                       sizes within the bounds, the title, channel and
 *                       thumbnail); private and unknown videos are 404, a
 *                       foreign format 501; /embed says frame-ancestors *,
 *                       the watch page 'none'                  (acceptance 6)
 *   /sharing/feeds      the channel's RSS and Atom feeds parse with feedparser
 *                       (python3-feedparser, tests/tools/read_feed.py) and
 *                       list its public videos only, with enclosure and
 *                       thumbnail; a follower's subscriptions feed opens
 *                       with her feed token only, and a rotated token
 *                       shuts the old one out                   (acceptance 7)
 *   /sharing/download   the owner makes a video downloadable; a viewer's
 *                       download of a rendition is one MP4 (attachment) that
 *                       ffprobe reads with the video's duration, its picture
 *                       size and its sound; not downloadable is 403, the
 *                       original is the owner's only              (acceptance 8);
 *                       6 downloads at once past a cap of 1: the extra
 *                       ones are 503 with Retry-After, none queue
 *   /sharing/events     every event in the log matches its schema
 * The tests build on each other in this order (run the whole program). */
#include "harness.h"

#include <libsoup/soup.h>
#include <math.h>

static const char *PASSWORD = "correct horse battery";

static struct
{
  ReelTestNats *nats;
  ReelTestReeld *d;
  char *dir, *media, *clip;
  char *olive;                 /* the channel's token */
  char *pete;                  /* a follower's token */
  char *pub, *unlisted, *priv; /* its videos */
} S;

static ReelTestResponse *
get_as (const char *path, const char *token, guint status)
{
  return reel_test_get_status (S.d->port, path, token, status);
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
      config,
      "[media]\nsegment_seconds = 2\nchunk_segments = 2\nx264_preset = ultrafast\n"
      "max_concurrent_downloads = 1\n",
      -1, NULL));
  /* 6 s of 320x180 with sound: three segments, two chunks. */
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
  S.pub = upload_ready ("Olive & the <ball>", NULL);
  S.unlisted = upload_ready ("Unlisted ball", "unlisted");
  S.priv = upload_ready ("Private ball", "private");
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
  g_free (S.pub);
  g_free (S.unlisted);
  g_free (S.priv);
}

/* --- oEmbed --- */

/* The oEmbed query for a watch URL of id, with extra parameters. */
static char *
oembed_path (const char *id, const char *extra)
{
  g_autofree char *watch = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", S.d->port, id);
  g_autofree char *escaped = g_uri_escape_string (watch, NULL, FALSE);
  return g_strdup_printf ("/api/v1/oembed?url=%s%s", escaped, extra ? extra : "");
}

/* The discovery link's href in the watch page of id, or NULL. */
static char *
discovery_href (const char *id)
{
  g_autofree char *path = g_strdup_printf ("/watch/%s", id);
  g_autoptr (ReelTestResponse) page = get_as (path, NULL, 200);
  g_autoptr (GRegex) re = g_regex_new (
      "<link rel=\"alternate\" type=\"application/json\\+oembed\" href=\"([^\"]+)\"", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  g_autofree char *href = NULL;
  g_assert_nonnull (
      strstr (reel_test_header (page, "content-security-policy"), "frame-ancestors 'none'"));
  if (!g_regex_match (re, page->body, 0, &m))
    return NULL;
  href = g_match_info_fetch (m, 1);
  /* Attribute text: &amp; stands for &. */
  {
    g_autoptr (GRegex) amp = g_regex_new ("&amp;", 0, 0, NULL);
    return g_regex_replace_literal (amp, href, -1, 0, "&", 0, NULL);
  }
}

static void
test_oembed (void)
{
  g_autofree char *href = discovery_href (S.pub);
  g_autofree char *expected = oembed_path (S.pub, NULL);
  g_autofree char *path = NULL;
  g_autofree char *embed_src = NULL;
  g_autoptr (ReelTestResponse) r = NULL;
  JsonObject *o;

  /* The watch page names the answer, by an absolute URL of this site. */
  g_assert_nonnull (href);
  path = g_strdup_printf ("http://127.0.0.1:%u/api/v1/oembed?format=json&url=", S.d->port);
  g_assert_true (g_str_has_prefix (href, path));
  g_clear_pointer (&path, g_free);
  g_assert_null (discovery_href (S.priv) /* the owner's private video: 404 to others */);
  {
    g_autofree char *unlisted = discovery_href (S.unlisted);
    g_assert_nonnull (unlisted);
  }

  /* What the link names: valid oEmbed JSON. */
  {
    g_autoptr (GUri) uri = g_uri_parse (href, G_URI_FLAGS_ENCODED, NULL);
    g_assert_nonnull (uri);
    path = g_strdup_printf ("%s?%s", g_uri_get_path (uri), g_uri_get_query (uri));
  }
  r = get_as (path, NULL, 200);
  g_assert_nonnull (r->json);
  g_assert_true (g_str_has_prefix (r->content_type, "application/json"));
  g_assert_cmpstr (reel_test_header (r, "access-control-allow-origin"), ==, "*");
  o = json_node_get_object (r->json);
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, "1.0");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "video");
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Olive & the <ball>");
  g_assert_cmpstr (json_object_get_string_member (o, "author_name"), ==, "olive");
  g_assert_true (
      g_str_has_suffix (json_object_get_string_member (o, "author_url"), "/channel/olive"));
  g_assert_cmpstr (json_object_get_string_member (o, "provider_name"), ==, "reel");
  /* 640 wide by default, 16:9 as the video. */
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (o, "height"), ==, 360);
  embed_src = g_strdup_printf ("<iframe src=\"http://127.0.0.1:%u/embed/%s\" width=\"640\" "
                               "height=\"360\" title=\"Olive &amp; the &lt;ball&gt;\"",
                               S.d->port, S.pub);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "html"), embed_src));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "html"), "></iframe>"));
  {
    g_autofree char *thumb
        = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/poster.jpg", S.d->port, S.pub);
    g_autofree char *local = g_strdup_printf ("/videos/%s/poster.jpg", S.pub);
    g_autoptr (ReelTestResponse) img = NULL;
    g_assert_cmpstr (json_object_get_string_member (o, "thumbnail_url"), ==, thumb);
    g_assert_cmpint (json_object_get_int_member (o, "thumbnail_width"), ==, 320);
    g_assert_cmpint (json_object_get_int_member (o, "thumbnail_height"), ==, 180);
    img = get_as (local, NULL, 200);
    g_assert_cmpstr (img->content_type, ==, "image/jpeg");
  }
  g_assert_cmpstr (expected + strlen ("/api/v1/oembed?"), ==,
                   strstr (path, "url=") /* the same watch URL */);

  /* Bounds keep the shape. */
  {
    g_autofree char *bounded = oembed_path (S.pub, "&maxwidth=400&maxheight=180");
    g_autoptr (ReelTestResponse) b = get_as (bounded, NULL, 200);
    JsonObject *bo = json_node_get_object (b->json);
    g_assert_cmpint (json_object_get_int_member (bo, "height"), ==, 180);
    g_assert_cmpint (json_object_get_int_member (bo, "width"), ==, 320);
  }
  /* Unlisted: whoever has the link may embed it. */
  {
    g_autofree char *unlisted = oembed_path (S.unlisted, "&format=json");
    g_autoptr (ReelTestResponse) u = get_as (unlisted, NULL, 200);
    g_autofree char *embed = g_strdup_printf ("/embed/%s", S.unlisted);
    g_autoptr (ReelTestResponse) page = get_as (embed, NULL, 200);
    g_assert_nonnull (
        strstr (reel_test_header (page, "content-security-policy"), "frame-ancestors *"));
  }
  /* Private: nothing, not even for its owner (an embed has no session). */
  {
    g_autofree char *priv = oembed_path (S.priv, NULL);
    g_autofree char *embed = g_strdup_printf ("/embed/%s", S.priv);
    g_autoptr (ReelTestResponse) p = get_as (priv, S.olive, 404);
    g_autoptr (ReelTestResponse) page = get_as (embed, S.olive, 404);
    g_assert_cmpstr (reel_test_error_code (p), ==, "not_found");
  }
  /* Not a video of this site, a foreign format, a bad bound. */
  {
    g_autoptr (ReelTestResponse) a
        = get_as ("/api/v1/oembed?url=http%3A%2F%2Fexample.com%2Fabout", NULL, 404);
    g_autoptr (ReelTestResponse) b = get_as ("/api/v1/oembed", NULL, 400);
    g_autofree char *xml = oembed_path (S.pub, "&format=xml");
    g_autofree char *bad = oembed_path (S.pub, "&maxwidth=wide");
    g_autoptr (ReelTestResponse) c = get_as (xml, NULL, 501);
    g_autoptr (ReelTestResponse) e = get_as (bad, NULL, 400);
  }
}

/* --- feeds --- */

/* What feedparser read of the feed at path (asserting it is well-formed
 * and of version), as tests/tools/read_feed.py prints it. */
static JsonObject *
read_feed (const char *path, const char *type, const char *version)
{
  g_autoptr (ReelTestResponse) r = get_as (path, NULL, 200);
  g_autofree char *file = g_build_filename (S.media, "feed.xml", NULL);
  const char *argv[]
      = { reel_test_env ("REEL_TEST_PYTHON"), reel_test_env ("REEL_TEST_READ_FEED"), file, NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL;
  JsonObject *o;
  int status;
  g_assert_true (g_str_has_prefix (r->content_type, type));
  g_assert_true (g_file_set_contents (file, r->body, r->body_len, NULL));
  out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("read_feed.py %s: %s %s", path, out ? out : "", err ? err : "");
  g_assert_cmpint (status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "bozo"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, version);
  return json_object_ref (o);
}

/* Asserts the feed lists exactly the public video, as a reader needs it. */
static void
assert_lists_public_only (JsonObject *feed)
{
  JsonArray *entries = json_object_get_array_member (feed, "entries");
  JsonObject *e;
  JsonArray *enclosures, *thumbs;
  g_autofree char *watch = g_strdup_printf ("http://127.0.0.1:%u/watch/%s", S.d->port, S.pub);
  g_autofree char *poster
      = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/poster.jpg", S.d->port, S.pub);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  e = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (e, "title"), ==, "Olive & the <ball>");
  g_assert_cmpstr (json_object_get_string_member (e, "link"), ==, watch);
  g_assert_cmpstr (json_object_get_string_member (e, "summary"), ==, "Hers. <b>not bold</b> & co");
  g_assert_cmpstr (json_object_get_string_member (e, "author"), ==, "olive");
  g_assert_cmpstr (json_object_get_string_member (e, "published"), !=, "");
  enclosures = json_object_get_array_member (e, "enclosures");
  g_assert_cmpuint (json_array_get_length (enclosures), ==, 1);
  {
    JsonObject *enc = json_array_get_object_element (enclosures, 0);
    const char *href = json_object_get_string_member (enc, "href");
    GUri *uri = g_uri_parse (href, G_URI_FLAGS_NONE, NULL);
    g_autofree char *local = NULL;
    g_autoptr (ReelTestResponse) media = NULL;
    g_assert_nonnull (uri);
    local = g_strdup (g_uri_get_path (uri));
    g_uri_unref (uri);
    g_assert_nonnull (strstr (href, S.pub));
    /* The enclosure is there to be fetched. */
    media = get_as (local, NULL, 200);
    g_assert_cmpuint (media->body_len, >, 0);
  }
  thumbs = json_object_get_array_member (e, "thumbnails");
  g_assert_cmpuint (json_array_get_length (thumbs), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (thumbs, 0), ==, poster);
}

/* The title of each entry, comma-separated. */
static char *
entry_titles (JsonObject *feed)
{
  JsonArray *entries = json_object_get_array_member (feed, "entries");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    g_string_append_printf (
        out, "%s%s", i ? "," : "",
        json_object_get_string_member (json_array_get_object_element (entries, i), "title"));
  return g_string_free (out, FALSE);
}

static void
test_feeds (void)
{
  g_autoptr (JsonObject) rss = NULL, atom = NULL;
  g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", S.pub);
  g_autofree char *token1 = NULL, *token2 = NULL, *rss_url = NULL;

  /* A description with markup in it: the feed escapes, readers show text. */
  {
    g_autoptr (ReelTestResponse) p = reel_test_http (
        S.d->port, "PATCH", rec, S.olive, "{\"description\":\"Hers. <b>not bold</b> & co\"}", 0);
    g_assert_cmpuint (p->status, ==, 204);
  }
  rss = read_feed ("/feeds/channels/olive/rss", "application/rss+xml", "rss20");
  assert_lists_public_only (rss);
  g_assert_cmpstr (json_object_get_string_member (rss, "title"), ==, "olive · reel");
  atom = read_feed ("/feeds/channels/olive/atom", "application/atom+xml", "atom10");
  assert_lists_public_only (atom);
  {
    g_autoptr (ReelTestResponse) none = get_as ("/feeds/channels/nobody/rss", NULL, 404);
  }

  /* The subscriptions feed: pete follows olive and gets a feed token. */
  {
    g_autoptr (ReelTestResponse) sub = reel_test_http (S.d->port, "POST", "/api/v1/subscriptions",
                                                       S.pete, "{\"channel\":\"olive\"}", 0);
    g_assert_cmpuint (sub->status, ==, 201);
  }
  {
    g_autoptr (ReelTestResponse) anon
        = reel_test_http (S.d->port, "POST", "/api/v1/users/me/feed-token", NULL, NULL, 0);
    g_autoptr (ReelTestResponse) t1
        = reel_test_http (S.d->port, "POST", "/api/v1/users/me/feed-token", S.pete, NULL, 0);
    g_autoptr (ReelTestResponse) t2 = NULL;
    g_assert_cmpuint (anon->status, ==, 401);
    g_assert_cmpuint (t1->status, ==, 201);
    token1 = g_strdup (reel_test_json_str (t1, "token"));
    rss_url = g_strdup (reel_test_json_str (t1, "rss"));
    g_assert_true (g_str_has_suffix (rss_url, token1));
    g_assert_true (g_str_has_suffix (reel_test_json_str (t1, "atom"), token1));
    {
      g_autoptr (GUri) uri = g_uri_parse (rss_url, G_URI_FLAGS_ENCODED, NULL);
      g_autofree char *path
          = g_strdup_printf ("%s?%s", g_uri_get_path (uri), g_uri_get_query (uri));
      g_autoptr (JsonObject) mine = read_feed (path, "application/rss+xml", "rss20");
      g_autofree char *titles = entry_titles (mine);
      g_assert_cmpstr (titles, ==, "Olive & the <ball>");
      g_autofree char *atom_path
          = g_strdup_printf ("/feeds/subscriptions/pete/atom?token=%s", token1);
      g_autoptr (JsonObject) mine_atom = read_feed (atom_path, "application/atom+xml", "atom10");
      assert_lists_public_only (mine_atom);
    }
    /* Without it, with someone else's name, or once replaced: shut. */
    {
      g_autofree char *other = g_strdup_printf ("/feeds/subscriptions/olive/rss?token=%s", token1);
      g_autoptr (ReelTestResponse) a = get_as ("/feeds/subscriptions/pete/rss", NULL, 401);
      g_autoptr (ReelTestResponse) b = get_as (other, NULL, 401);
      g_autoptr (ReelTestResponse) c = get_as (
          "/feeds/subscriptions/pete/rss?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
          401);
    }
    t2 = reel_test_http (S.d->port, "POST", "/api/v1/users/me/feed-token", S.pete, NULL, 0);
    g_assert_cmpuint (t2->status, ==, 201);
    token2 = g_strdup (reel_test_json_str (t2, "token"));
    g_assert_cmpstr (token1, !=, token2);
    {
      g_autofree char *old = g_strdup_printf ("/feeds/subscriptions/pete/rss?token=%s", token1);
      g_autofree char *cur = g_strdup_printf ("/feeds/subscriptions/pete/rss?token=%s", token2);
      g_autoptr (ReelTestResponse) a = get_as (old, NULL, 401);
      g_autoptr (ReelTestResponse) b = get_as (cur, NULL, 200);
      g_assert_true (g_str_has_prefix (reel_test_header (b, "cache-control"), "private"));
    }
  }
}

/* --- downloads --- */

/* ffprobe's view of a file: {"format":{"duration",...},"streams":[...]}. */
static JsonObject *
probe (const char *path)
{
  const char *argv[] = { "ffprobe",       "-v", "error", "-print_format", "json", "-show_format",
                         "-show_streams", path, NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL;
  int status;
  out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("ffprobe %s: %s %s", path, out ? out : "", err ? err : "");
  g_assert_cmpint (status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* One download on its own connection (a thread of download_flood). */
typedef struct
{
  char *url;
  guint status;
  char *retry_after;
} Fetch;

static gpointer
fetch_thread (gpointer data)
{
  Fetch *f = data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", f->url);
  g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  f->status = soup_message_get_status (msg);
  f->retry_after = g_strdup (
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
  return NULL;
}

/* Downloads at once past media.max_concurrent_downloads (1 here): the
 * ones over the cap are refused with 503 and Retry-After, not queued
 * behind the others on disk, and a download afterwards works again. */
#define FLOOD 6
static void
download_flood (const char *path)
{
  Fetch f[FLOOD] = { { 0 } };
  GThread *threads[FLOOD];
  guint ok = 0, busy = 0;
  for (guint i = 0; i < FLOOD; i++)
    {
      f[i].url = g_strdup_printf ("http://127.0.0.1:%u%s", S.d->port, path);
      threads[i] = g_thread_new ("download", fetch_thread, &f[i]);
    }
  for (guint i = 0; i < FLOOD; i++)
    {
      g_thread_join (threads[i]);
      g_test_message ("download %u: %u", i, f[i].status);
      if (f[i].status == 200)
        ok++;
      else
        {
          g_assert_cmpuint (f[i].status, ==, 503);
          g_assert_cmpstr (f[i].retry_after, !=, NULL);
          busy++;
        }
      g_free (f[i].url);
      g_free (f[i].retry_after);
    }
  g_assert_cmpuint (ok, >=, 1);
  g_assert_cmpuint (busy, >=, 1);
  {
    g_autoptr (ReelTestResponse) after = get_as (path, NULL, 200);
    g_assert_cmpuint (after->body_len, >, 0);
  }
}

static void
test_download (void)
{
  g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", S.pub);
  g_autofree char *base = g_strdup_printf ("/api/v1/videos/%s/download", S.pub);
  g_autofree char *dl = NULL, *suffix = NULL;
  g_autofree char *orig = g_strdup_printf ("%s?rendition=original", base);
  g_autofree char *file = g_build_filename (S.media, "download.mp4", NULL);
  g_autoptr (ReelTestResponse) v = get_as (rec, NULL, 200);
  double duration = json_object_get_double_member (json_node_get_object (v->json), "duration");
  g_autoptr (JsonObject) info = NULL;
  JsonArray *streams;
  gboolean has_video = FALSE, has_audio = FALSE;
  /* The video's best rung (its only one, at this size). */
  JsonObject *rung = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (v->json), "renditions"), 0);
  const char *rung_name = json_object_get_string_member (rung, "name");
  gint64 rung_height = json_object_get_int_member (rung, "height");

  dl = g_strdup_printf ("%s?rendition=%s", base, rung_name);
  suffix = g_strdup_printf ("-%s.mp4", rung_name);

  /* Not downloadable yet: viewers are refused, the owner is not. */
  g_assert_false (json_object_get_boolean_member (json_node_get_object (v->json), "downloadable"));
  {
    g_autoptr (ReelTestResponse) anon = get_as (dl, NULL, 403);
    g_autoptr (ReelTestResponse) other = get_as (dl, S.pete, 403);
    g_autoptr (ReelTestResponse) mine = get_as (dl, S.olive, 200);
    g_autoptr (ReelTestResponse) bad
        = reel_test_http (S.d->port, "PATCH", rec, S.olive, "{\"downloadable\":\"yes\"}", 0);
    g_autoptr (ReelTestResponse) theirs
        = reel_test_http (S.d->port, "PATCH", rec, S.pete, "{\"downloadable\":true}", 0);
    g_assert_cmpuint (bad->status, ==, 400);
    g_assert_cmpuint (theirs->status, ==, 403);
  }
  {
    g_autoptr (ReelTestResponse) p
        = reel_test_http (S.d->port, "PATCH", rec, S.olive, "{\"downloadable\":true}", 0);
    g_autoptr (ReelTestResponse) after = NULL;
    g_assert_cmpuint (p->status, ==, 204);
    after = get_as (rec, NULL, 200);
    g_assert_true (
        json_object_get_boolean_member (json_node_get_object (after->json), "downloadable"));
    g_assert_cmpstr (reel_test_json_str (after, "download"), ==, base);
  }

  /* A viewer downloads the rung: one MP4 of the whole video, with sound. */
  {
    g_autoptr (ReelTestResponse) r = get_as (dl, NULL, 200);
    g_assert_cmpstr (r->content_type, ==, "video/mp4");
    g_assert_true (g_str_has_prefix (reel_test_header (r, "content-disposition"), "attachment"));
    g_assert_nonnull (strstr (reel_test_header (r, "content-disposition"), suffix));
    g_assert_true (g_file_set_contents (file, r->body, r->body_len, NULL));
  }
  info = probe (file);
  {
    JsonObject *format = json_object_get_object_member (info, "format");
    double got = g_ascii_strtod (json_object_get_string_member (format, "duration"), NULL);
    g_test_message ("video %.3f s, download %.3f s", duration, got);
    g_assert_cmpfloat (duration, >, 5);
    /* The same length, give or take a frame and an AAC packet. */
    g_assert_cmpfloat (fabs (got - duration), <, 0.1);
    g_assert_nonnull (strstr (json_object_get_string_member (format, "format_name"), "mp4"));
  }
  streams = json_object_get_array_member (info, "streams");
  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *st = json_array_get_object_element (streams, i);
      const char *type = json_object_get_string_member (st, "codec_type");
      if (g_str_equal (type, "video"))
        {
          has_video = TRUE;
          g_assert_cmpint (json_object_get_int_member (st, "height"), ==, rung_height);
          g_assert_cmpstr (json_object_get_string_member (st, "codec_name"), ==, "h264");
        }
      else if (g_str_equal (type, "audio"))
        {
          has_audio = TRUE;
          g_assert_cmpstr (json_object_get_string_member (st, "codec_name"), ==, "aac");
        }
    }
  g_assert_true (has_video && has_audio);
  /* Every frame decodes. */
  {
    const char *argv[]
        = { "ffmpeg", "-v", "error", "-xerror", "-i", file, "-f", "null", "-", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;
    out = reel_test_run_env (argv, NULL, &err, &status);
    g_assert_cmpint (status, ==, 0);
    g_assert_cmpstr (err, ==, "");
  }

  /* The original: its owner's only; unknown renditions are 404. */
  {
    g_autofree char *original = NULL;
    gsize len;
    g_autoptr (ReelTestResponse) anon = get_as (orig, NULL, 403);
    g_autoptr (ReelTestResponse) mine = get_as (orig, S.olive, 200);
    g_autofree char *none = g_strdup_printf ("%s?rendition=4320p", base);
    g_autoptr (ReelTestResponse) missing = get_as (none, NULL, 404);
    g_assert_true (g_file_get_contents (S.clip, &original, &len, NULL));
    g_assert_cmpuint (mine->body_len, ==, len);
    g_assert_true (memcmp (mine->body, original, len) == 0);
    g_assert_true (g_str_has_prefix (reel_test_header (mine, "content-disposition"), "attachment"));
  }
  /* A private video: nothing for anyone but its owner. */
  {
    g_autofree char *priv = g_strdup_printf ("/api/v1/videos/%s/download", S.priv);
    g_autoptr (ReelTestResponse) anon = get_as (priv, NULL, 404);
  }
  download_flood (base);
}

static void
test_events (void)
{
  guint64 last = 0;
  g_autoptr (GPtrArray) lines = reel_test_event_log (S.nats->url, &last);
  g_assert_cmpuint (lines->len, >, 0);
  reel_test_validate_events (lines);
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sharing/oembed", test_oembed);
  g_test_add_func ("/sharing/feeds", test_feeds);
  g_test_add_func ("/sharing/download", test_download);
  g_test_add_func ("/sharing/events", test_events);
  set_up ();
  status = g_test_run ();
  tear_down ();
  return status;
}
